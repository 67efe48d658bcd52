// Smoke test of a packaged lexzone: a permanent string, a zone, and the zone's eviction.
#include <lexzone/string_store.hpp>

#include <cstdio>
#include <string_view>

int main() {
  lexzone::string_store strings;
  const lexzone::hash_t label = strings.add("PERSON");
  lexzone::hash_t transient = 0;
  {
    auto zone = strings.memory_zone();
    transient = zone.add("request-1@example.com");
    if (zone[transient] != std::string_view("request-1@example.com") || zone[label] != "PERSON") return 1;
  }
  if (strings.contains(transient) || !strings.contains(label)) return 1;
  std::puts("lexzone test_package: ok");
  return 0;
}
