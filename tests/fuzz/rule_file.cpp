// libFuzzer target: the input is the bytes of a spaCy tokenizer file (MessagePack). The reader must either
// return rules whose special cases are consistent, or throw rule_file_error naming the buffer; never crash,
// hang or throw anything else. Every regex source it returns then goes through the Python-to-PCRE2
// translation, which must return or throw regex_error (syntax or unsupported).
#include <lexzone/io/spacy_tokenizer_file.hpp>
#include <lexzone/regex/python_syntax.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#define LEXZONE_FUZZ_CHECK(cond)                                                                 \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "rule_file: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

namespace {

// An error message quotes the input escaped (a NUL would have cut what() short): nothing left to escape.
bool one_line(std::string_view what) { return lexzone::detail::printable(what) == what; }

void translate(const std::optional<std::string>& source) {
  if (!source) return;
  try {
    const auto t = lexzone::regex::translate_python(*source);
    // Group numbers are consistent: every named group is one of the capturing groups.
    for (const auto& [name, group] : t.group_names) LEXZONE_FUZZ_CHECK(group >= 1 && group <= t.capture_count);
  } catch (const lexzone::regex::regex_error& e) {
    LEXZONE_FUZZ_CHECK(one_line(e.what()));
    LEXZONE_FUZZ_CHECK(e.code() == lexzone::regex::regex_errc::syntax ||
                       e.code() == lexzone::regex::regex_errc::unsupported);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  lexzone::tokenizer_rules rules;
  try {
    rules = lexzone::io::parse_spacy_tokenizer(bytes, "fuzz-input");
  } catch (const lexzone::io::rule_file_error& e) {
    LEXZONE_FUZZ_CHECK(std::string_view(e.what()).substr(0, 12) == "fuzz-input: ");
    LEXZONE_FUZZ_CHECK(e.name() == "fuzz-input");
    LEXZONE_FUZZ_CHECK(one_line(e.what()));
    return 0;
  }
  for (const auto& sc : rules.exceptions) {
    LEXZONE_FUZZ_CHECK(!sc.tokens.empty());
    std::string joined;
    for (const auto& t : sc.tokens) joined += t.orth;
    LEXZONE_FUZZ_CHECK(joined == sc.key);
  }
  // The same bytes parse to the same rules (no hidden state).
  LEXZONE_FUZZ_CHECK(lexzone::io::parse_spacy_tokenizer(bytes, "again") == rules);
  for (const auto* source :
       {&rules.prefix_search, &rules.suffix_search, &rules.infix_finditer, &rules.token_match, &rules.url_match})
    translate(*source);
  return 0;
}
