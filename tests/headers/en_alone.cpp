// The English umbrella header compiles alone (with the project's warnings) and pulls in no optional
// dependency.
#include <lexzone/en.hpp>

#if defined(INCLUDE_NLOHMANN_JSON_HPP_) || defined(NLOHMANN_JSON_VERSION_MAJOR)
#  error "<lexzone/en.hpp> must not include nlohmann_json"
#endif
#if defined(PCRE2_MAJOR)
#  error "<lexzone/en.hpp> must not include PCRE2"
#endif

int en_alone_check() {
  lexzone::en::vocab v;
  auto nlp = lexzone::en::make_pipeline(v, {{"ORG", "Acme"}});
  auto zone = v.memory_zone();
  return static_cast<int>(nlp(zone, "Acme").ents().size()) - 1;
}
