// The string store alone (README, "Usage"): a permanent layer, a zone per request, and what the zone gives
// back.
#include <lexzone/string_store.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main() {
  try {
    lexzone::string_store strings;
    strings.add("PERSON");  // permanent: the model's strings, loaded once

    for (int request = 0; request < 3; ++request) {
      auto zone = strings.memory_zone();  // everything added through `zone` is evicted when it closes
      const lexzone::hash_t id = zone.add("user-" + std::to_string(request) + "@example.com");
      const lexzone::hash_t label = zone.add("PERSON");  // already permanent: stays permanent
      std::printf("request %d: %.*s (%zu visible, %zu transient)\n", request, static_cast<int>(zone[id].size()),
                  zone[id].data(), zone.size(), zone.transient_size());
      (void)label;
    }  // each zone closed here: its strings and memory are gone

    const auto st = strings.stats();
    std::printf("after the requests: %zu permanent, %zu transient strings, %zu open zones\n", st.permanent_strings,
                st.transient_strings, st.open_zones);
    return st.transient_strings == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "string_store_zones: %s\n", e.what());
    return 1;
  }
}
