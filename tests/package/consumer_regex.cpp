// A user of lexzone's regex component: built by the package tests with find_package(... COMPONENTS regex)
// and with pkg-config's lexzone-regex. Returns non-zero if a Python re answer comes out wrong.
#include <lexzone/regex/pcre2_regex.hpp>

#include <cstdio>

int main() {
  int failures = 0;
  const auto r = lexzone::regex::regex::from_python(R"((?i)\bstra(?:ss|ß)e\b)");
  const auto m = r.search("Die STRAẞE ist lang");
  if (!m || m->begin != 4 || m->end != 12) {
    std::fprintf(stderr, "consumer_regex: FAILED: (?i) search\n");
    ++failures;
  }
  if (r.find_all("strasse Straße").size() != 2) {
    std::fprintf(stderr, "consumer_regex: FAILED: finditer\n");
    ++failures;
  }
  if (failures == 0) std::puts("consumer_regex: lexzone::regex works");
  return failures == 0 ? 0 : 1;
}
