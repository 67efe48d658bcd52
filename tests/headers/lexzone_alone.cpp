// The core umbrella header compiles alone (with the project's warnings) and pulls in no optional
// dependency.
#include <lexzone/lexzone.hpp>

#if defined(INCLUDE_NLOHMANN_JSON_HPP_) || defined(NLOHMANN_JSON_VERSION_MAJOR)
#  error "<lexzone/lexzone.hpp> must not include nlohmann_json"
#endif
#if defined(PCRE2_MAJOR)
#  error "<lexzone/lexzone.hpp> must not include PCRE2"
#endif

int lexzone_alone_check() {
  lexzone::string_store s;
  return s.add("x") != 0 ? 0 : 1;
}
