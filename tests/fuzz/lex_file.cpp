// Fuzz target `lex_file`: a language's lexeme-attribute file (`L.lex.json`, io/spacy_lex_file.hpp) from
// arbitrary bytes, then the lexemes of arbitrary words under the language it describes.
//
// The input is the file's JSON text, then optionally a 0x1E byte and words separated by '\n' (at most 64
// words of at most 256 bytes; a fixed list of number-like and currency words is always added).
//   1. `io::parse_spacy_lex` returns data or throws `io::lex_file_error` whose code is not_json,
//      wrong_layout, unknown_rule or probe_mismatch, whose `name()` is the buffer's name and whose `what()`
//      starts with it and has nothing left to escape; anything else escaping is a finding.
//   2. Parsing without the probe check succeeds whenever parsing with it succeeded or failed only on the
//      probes (the probes are the only difference between the two).
//   3. Data the reader accepted builds `lang::lexeme_traits` without an exception, and a vocab of them
//      makes every word's lexeme in a zone: its text is the word, its length the word's code points, its
//      attribute strings resolve in the zone, a second add returns the same lexeme, and the lexeme's flags
//      and strings are those `compute` gives (twice the same: no hidden state). The zone adds nothing
//      permanent, and after it closes every size of the vocab is back to what it was.
#include <lexzone/io/spacy_lex_file.hpp>
#include <lexzone/lang/lexeme_traits.hpp>
#include <lexzone/unicode/utf8.hpp>
#include <lexzone/vocab.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

using vocab_t = lexzone::basic_vocab<lexzone::lang::lexeme_traits>;
namespace io = lexzone::io;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "lex_file: check failed at lex_file.cpp:%d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond)                \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

constexpr std::size_t max_words = 64;
constexpr std::size_t max_word_bytes = 256;

// Words every language's rules treat specially somewhere: numerals, ordinals, fractions, signs, currency.
constexpr std::string_view fixed_words[] = {"",
                                            "12",
                                            "1st",
                                            "twelve",
                                            "Twelve",
                                            "ninety-nine",
                                            "1,000",
                                            "1.5",
                                            "3/4",
                                            "-5",
                                            "+5",
                                            "10th",
                                            "IDR",
                                            "US$",
                                            "US\\$",
                                            "\xE0\xA5\xA7\xE0\xA5\xA8" /* १२ */,
                                            "\xC2\xBD" /* ½ */,
                                            "x\xFFy",
                                            "\xE0\xA4\x95\xE0\xA5\x81" /* कु */,
                                            "eleventh",
                                            "XIV"};

// A parse's outcome: the data, or the error's code.
struct parsed {
  std::optional<lexzone::lang::lex_data> data;
  std::optional<io::lex_file_errc> error;
};

parsed parse(std::string_view json, bool check_probes) {
  parsed out;
  try {
    out.data = io::parse_spacy_lex(json, "fuzz-input", io::lex_file_options{check_probes});
  } catch (const io::lex_file_error& e) {
    const std::string_view what = e.what();
    FUZZ_CHECK(what.substr(0, 12) == "fuzz-input: ");
    FUZZ_CHECK(e.name() == "fuzz-input");
    FUZZ_CHECK(lexzone::detail::printable(what) == what);
    using io::lex_file_errc;
    FUZZ_CHECK(e.code() == lex_file_errc::not_json || e.code() == lex_file_errc::wrong_layout ||
               e.code() == lex_file_errc::unknown_rule || e.code() == lex_file_errc::probe_mismatch);
    out.error = e.code();
  }
  return out;
}

// An interner for `compute`: strings by hash, as the vocab's store would hold them.
struct map_interner {
  std::unordered_map<lexzone::hash_t, std::string> strings;
  lexzone::hash_t operator()(std::string_view s) {
    if (s.empty()) return 0;  // the empty string's id, as in the vocab's store
    const lexzone::hash_t h = lexzone::default_hasher()(s);
    strings.try_emplace(h, s);
    return h;
  }
};

struct sizes {
  std::size_t lexemes, permanent_lexemes, strings, permanent_strings;
  bool operator==(const sizes&) const = default;
};

sizes sizes_of(const vocab_t& v) {
  return {v.size(), v.permanent_size(), v.strings().size(), v.strings().permanent_size()};
}

void check_words(const lexzone::lang::lex_data& data, const std::vector<std::string_view>& words) {
  const lexzone::lang::lexeme_traits traits(data);  // must not throw for data the reader accepted
  vocab_t vocab(traits);
  const sizes before = sizes_of(vocab);
  {
    auto zone = vocab.memory_zone();
    for (const std::string_view word : words) {
      const auto& lex = zone.add(word);
      FUZZ_CHECK(lex.text() == word);
      FUZZ_CHECK(lex.length() == lexzone::unicode::length(word));
      FUZZ_CHECK(&zone.add(word) == &lex);
      const auto& strings = zone.strings();
      for (const lexzone::hash_t id : {lex.lower(), lex.norm(), lex.shape(), lex.prefix(), lex.suffix()})
        FUZZ_CHECK(id == 0 || strings.contains(id));
      map_interner in;
      const auto a = traits.compute(word, in);
      const auto b = traits.compute(word, in);
      FUZZ_CHECK(a.flags == b.flags && a.lower == b.lower && a.norm == b.norm && a.shape == b.shape &&
                 a.prefix == b.prefix && a.suffix == b.suffix && a.length == b.length);
      FUZZ_CHECK(a.flags == lex.attributes().flags && a.lower == lex.lower() && a.norm == lex.norm() &&
                 a.shape == lex.shape() && a.prefix == lex.prefix() && a.suffix == lex.suffix());
      FUZZ_CHECK(a.norm == 0 || strings[lex.norm()] == in.strings.at(a.norm));
    }
    FUZZ_CHECK(vocab.permanent_size() == before.permanent_lexemes);
    FUZZ_CHECK(vocab.strings().permanent_size() == before.permanent_strings);
  }
  FUZZ_CHECK(sizes_of(vocab) == before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const std::size_t sep = input.find('\x1E');
  const std::string_view json = input.substr(0, sep);
  std::vector<std::string_view> words(std::begin(fixed_words), std::end(fixed_words));
  if (sep != std::string_view::npos) {
    std::string_view rest = input.substr(sep + 1);
    while (!rest.empty() && words.size() < std::size(fixed_words) + max_words) {
      const std::size_t nl = rest.find('\n');
      words.push_back(rest.substr(0, std::min({nl, rest.size(), max_word_bytes})));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
  }

  const parsed checked = parse(json, true);
  const parsed unchecked = parse(json, false);
  if (checked.data || checked.error == io::lex_file_errc::probe_mismatch) FUZZ_CHECK(unchecked.data.has_value());
  if (unchecked.error) FUZZ_CHECK(checked.error == unchecked.error);
  if (unchecked.data) check_words(*unchecked.data, words);
  return 0;
}
