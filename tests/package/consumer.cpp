// A lexzone user: built by the package tests against an installed prefix, a relocated copy of it,
// add_subdirectory/FetchContent and pkg-config. Returns non-zero if lexzone gives a wrong result.
#include <lexzone/string_store.hpp>

#include <cstdio>
#include <string_view>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: FAILED: %s\n", what);
    ++failures;
  }
}

}  // namespace

int main() {
  check(lexzone::hash_string("hello") == 0x9555e8555c62dcfdull, "ids are XXH3-64 seed 0 (pinned value)");

  lexzone::string_store strings;
  const lexzone::hash_t person = strings.add("PERSON");  // permanent
  check(person == lexzone::hash_string("PERSON"), "add returns the string's id");
  {
    auto zone = strings.memory_zone();
    const lexzone::hash_t id = zone.add("alice@example.com");  // transient
    check(zone[id] == std::string_view("alice@example.com"), "the zone maps the id back to the string");
    check(zone[person] == std::string_view("PERSON"), "the zone sees the permanent layer");
    check(zone.add("PERSON") == person && zone.transient_size() == 1, "a permanent string stays permanent");
    check(!strings.contains(id), "the store itself does not see the zone's strings");
  }  // zone closed: its strings are evicted
  const auto st = strings.stats();
  check(st.transient_strings == 0 && st.open_zones == 0, "closing the zone evicts its strings");
  check(strings.contains(std::string_view("PERSON")), "permanent strings survive the zone");

  if (failures == 0) std::puts("consumer: lexzone works");
  return failures == 0 ? 0 : 1;
}
