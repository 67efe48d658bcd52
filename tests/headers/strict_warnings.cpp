// The main templates instantiated under warnings stricter than the project's (-Wshadow, -Wconversion,
// -Wsign-conversion, -Wold-style-cast, -Wundef, ...: see tests/CMakeLists.txt): a service that includes
// lexzone's headers without -isystem (pkg-config's -I, add_subdirectory) and builds with -Werror and
// such warnings must not fail on lexzone's code.
#include <lexzone/en.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lexzone.hpp>

#if defined(LEXZONE_HAVE_PCRE2)
#  include <lexzone/io/spacy_lex_file.hpp>
#  include <lexzone/regex/rule_tokenizer.hpp>
#endif

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

int strict_warnings_check() {
  lexzone::en::vocab v;
  auto nlp = lexzone::en::make_pipeline(v, {{"ORG", "Debian Project"}, {"PRODUCT", "lexzone"}});
  std::size_t n = 0;
  {
    auto outer = v.memory_zone();
    auto inner = v.memory_zone();
    auto doc = nlp(inner, "The Debian Project ships lexzone 2.1, said user@example.org.");
    for (const auto& token : doc) n += token.text().size() + token.lower_().size() + token.shape_().size();
    for (const auto& e : doc.ents()) n += e.text().size() + e.label_().size();
    const lexzone::owned_doc owned = doc.to_owned();
    n += owned.tokens.size();
  }
  lexzone::parallel_pipe pipe(v, nlp, {.threads = 2, .batch_size = 2});
  const std::vector<std::string> lines{"Debian Project", "lexzone", "nothing here", "Debian Project again"};
  pipe.for_each(lines, [&](auto& doc) { n += doc.ents().size(); });
  n += pipe.to_owned(lines).size();

  lexzone::string_store strings;
  {
    auto zone = strings.memory_zone();
    const lexzone::hash_t h = zone.add("transient");
    n += strings[h].size() + strings.size();
  }

  std::istringstream jsonl(R"({"label": "ORG", "pattern": [{"LOWER": "acme"}, {"IS_DIGIT": true, "OP": "?"}]})");
  auto ruler_nlp = lexzone::en::make_pipeline(v, lexzone::io::load_patterns_jsonl(jsonl));
  auto zone = v.memory_zone();
  n += ruler_nlp(zone, "ACME 7 and acme").ents().size();
#if defined(LEXZONE_HAVE_PCRE2)
  auto rules = lexzone::load_rule_tokenizer(v, "de.tokenizer");
  rules.set_infix_finditer(R"([-~])");
  rules.add_special_case("z.B.", {{"z.B.", "zum Beispiel"}});
  for (const auto& t : rules(zone, "Das ist z.B. ein Test.")) n += t.text().size();
#endif
  return static_cast<int>(n % 7);
}
