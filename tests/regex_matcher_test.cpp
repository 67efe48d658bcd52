// REGEX in token patterns with the PCRE2 compiler (regex/pattern_regex.hpp): Python `re.search` semantics
// on each string attribute, the IN/NOT_IN forms, OP, zones, errors when patterns are added (with the
// pattern, line, token and regex), catastrophic backtracking reported by matching, copies and threads.
// The spaCy cases that use REGEX run with the other conformance cases (matcher_test.cpp,
// entity_ruler_test.cpp). Built only with PCRE2 (tests/CMakeLists.txt).
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/matcher.hpp>
#include <lexzone/regex/pattern_regex.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/english_docs.hpp"
#include "support/spacy_matcher_cases.hpp"

namespace regex_matcher_test {

namespace {

using lexzone::pattern_error;
using lexzone::token_attr;
using lexzone::token_pattern;
using lexzone::token_quantifier;
using lexzone::token_spec;
using lexzone::regex::regex_errc;
using lexzone::regex::regex_error;
using lexzone::test::contains;
using lexzone::test::error_of;
using lexzone::test::make_doc;
using vocab = lexzone::test::en_vocab;
using doc = lexzone::test::en_doc;
using matcher_type = lexzone::matcher<vocab>;
using ruler_type = lexzone::entity_ruler<vocab>;
using json = nlohmann::json;
using span = std::pair<std::uint32_t, std::uint32_t>;

std::vector<span> spans_of(const std::vector<lexzone::pattern_match>& ms) {
  std::vector<span> out;
  out.reserve(ms.size());
  for (const auto& m : ms) out.emplace_back(m.start, m.end);
  return out;
}

// The spans one token pattern (spaCy JSON) matches in a doc of `words` (`spaces[i]`: a space follows word
// i; default: all).
std::vector<span> spans(const std::string& pattern, const std::vector<std::string>& words,
                        std::vector<bool> spaces = {}) {
  vocab v;
  matcher_type m(v, lexzone::regex::pcre2_compiler());
  m.add("K", lexzone::io::parse_token_pattern(json::parse(pattern)));
  auto zone = v.memory_zone();  // lexemes and their LOWER/NORM/SHAPE strings in a zone
  if (spaces.empty()) spaces.assign(words.size(), true);
  const doc d = make_doc(zone, words, spaces);
  return spans_of(m(d));
}

lexzone::entity_ruler_config regex_config(lexzone::regex::regex_options options = {}) {
  lexzone::entity_ruler_config c;
  c.regex = lexzone::regex::pcre2_compiler(options);
  return c;
}

}  // namespace

TEST_CASE("regex patterns: re.search on ORTH, LOWER, NORM and SHAPE", "[regex][matcher]") {
  // Unanchored: "a" anywhere in the text.
  CHECK(spans(R"([{"TEXT": {"REGEX": "a"}}])", {"cat", "dog", "A"}) == std::vector<span>{{0, 1}});
  CHECK(spans(R"([{"ORTH": {"REGEX": "^a$"}}])", {"a", "aa", "ba"}) == std::vector<span>{{0, 1}});
  // LOWER: the lowercase form; inline flags work on ORTH.
  CHECK(spans(R"([{"LOWER": {"REGEX": "^v\\d"}}])", {"V2", "v10", "version", "av1"}) ==
        std::vector<span>{{0, 1}, {1, 2}});
  CHECK(spans(R"([{"TEXT": {"REGEX": "(?i)^abc$"}}])", {"ABC", "aBc", "abcd"}) == std::vector<span>{{0, 1}, {1, 2}});
  // NORM: the token's norm, a tokenizer exception's ("n't" -> "not") before the lexeme's.
  CHECK(spans(R"([{"NORM": {"REGEX": "^not$"}}])", {"do", "n't", "knot"}, {false, true, true}) ==
        std::vector<span>{{1, 2}});
  CHECK(spans(R"([{"LOWER": {"REGEX": "^not$"}}])", {"do", "n't", "knot"}, {false, true, true}).empty());
  // SHAPE: "Xxxx", "dd", ...
  CHECK(spans(R"([{"SHAPE": {"REGEX": "^X+$"}}])", {"NASA", "Nasa", "99"}) == std::vector<span>{{0, 1}});
  // Python's `$` also matches before a final newline; `\d` is Unicode's Nd: Arabic-Indic digits, not "²".
  CHECK(spans(R"([{"TEXT": {"REGEX": "^a$"}}])", {"a\n", "a\nb"}) == std::vector<span>{{0, 1}});
  CHECK(spans(R"([{"TEXT": {"REGEX": "^\\d+$"}}])", {"\xD9\xA3\xD9\xA4", "\xC2\xB2", "42"}) ==
        std::vector<span>{{0, 1}, {2, 3}});
}

TEST_CASE("regex patterns: the IN and NOT_IN forms, other constraints and OP", "[regex][matcher]") {
  const std::vector<std::string> words{"an", "a", "hi", "the"};
  CHECK(spans(R"([{"ORTH": {"REGEX": {"IN": ["^a$", "^an$"]}}}])", words) == std::vector<span>{{0, 1}, {1, 2}});
  CHECK(spans(R"([{"ORTH": {"REGEX": {"NOT_IN": ["^a", "^h"]}}}])", words) == std::vector<span>{{3, 4}});
  // spaCy nests REGEX in REGEX; an empty list: IN never holds, NOT_IN always.
  CHECK(spans(R"([{"ORTH": {"regex": {"regex": {"in": ["^h"]}}}}])", words) == std::vector<span>{{2, 3}});
  CHECK(spans(R"([{"ORTH": {"REGEX": {"IN": []}}}])", words).empty());
  CHECK(spans(R"([{"ORTH": {"REGEX": {"NOT_IN": []}}}])", words).size() == 4);
  // Every constraint of a token must hold: REGEX with NOT_IN (spaCy's validation case) and a flag.
  CHECK(spans(R"([{"LOWER": {"REGEX": "^t", "NOT_IN": ["the"]}}])", {"The", "two", "trees"}) ==
        std::vector<span>{{1, 2}, {2, 3}});
  CHECK(spans(R"([{"TEXT": {"REGEX": "^[Tt]"}, "IS_TITLE": true}])", {"The", "two"}) == std::vector<span>{{0, 1}});
  // With OP: "+" (every span), "!" (one token that does not match), "?".
  CHECK(spans(R"([{"LOWER": "version"}, {"TEXT": {"REGEX": "^\\d+(\\.\\d+)*$"}, "OP": "+"}])",
              {"Version", "1.2", "3", "x"}) == std::vector<span>{{0, 2}, {0, 3}});
  CHECK(spans(R"([{"LOWER": "v"}, {"TEXT": {"REGEX": "^\\d"}, "OP": "!"}])", {"v", "2", "v", "x"}) ==
        std::vector<span>{{2, 4}});
  CHECK(spans(R"([{"TEXT": {"REGEX": "^-$"}, "OP": "?"}, {"LIKE_NUM": true}])", {"-", "5"}) ==
        std::vector<span>{{0, 2}, {1, 2}});
}

TEST_CASE("regex patterns: the C++ API", "[regex][matcher]") {
  vocab v;
  matcher_type m(v, lexzone::regex::pcre2_compiler());
  m.add("VERSION", token_pattern{token_spec{}.regex(token_attr::lower, "^v\\d")});
  m.add("ARTICLE", token_pattern{token_spec{}.regex_in(token_attr::orth, {"^a$", "^an$"}),
                                 token_spec{}.regex_not_in(token_attr::shape, {"d"}).op(token_quantifier::one())});
  // Borrowed sources work too.
  m.add("EMPTY", lexzone::basic_token_pattern<std::string_view>{
                     lexzone::basic_token_spec<std::string_view>{}.regex(token_attr::norm, "^$")});
  doc d = make_doc(v, {"V2", "an", "apple", "a", "42"});
  CHECK(spans_of(m(d)) == std::vector<span>{{0, 1}, {1, 3}});
  // A copy shares the compiled predicates and matches alike.
  const matcher_type copy = m;
  CHECK(copy(d) == m(d));
}

TEST_CASE("regex patterns: a bad regex is a pattern_error when added, naming the pattern and the regex",
          "[regex][matcher]") {
  vocab v;
  matcher_type m(v, lexzone::regex::pcre2_compiler());
  const std::size_t strings = v.strings().permanent_size();
  const std::vector<token_pattern> ps{
      {token_spec{}.equal(token_attr::lower, "fine")},
      {token_spec{}.equal(token_attr::orth, "x"), token_spec{}.regex(token_attr::lower, "(?:a")},
  };
  const auto e = error_of([&] { m.add("KEY", ps); });
  REQUIRE(e.has_value());
  INFO(e->what());
  CHECK(e->index() == 1);
  CHECK_FALSE(e->unsupported());
  CHECK(contains(e->problem(), "token 1: REGEX \"(?:a\" on LOWER: syntax:"));
  CHECK(m.empty());
  CHECK(v.strings().permanent_size() == strings);  // refused before anything was interned

  // Valid Python that lexzone cannot translate: unsupported.
  const auto named =
      error_of([&] { m.add("K", token_pattern{token_spec{}.regex(token_attr::orth, "\\N{DIGIT ONE}")}); });
  REQUIRE(named.has_value());
  CHECK(named->unsupported());
  // A long source is quoted up to 200 bytes.
  const std::string long_source = "(" + std::string(300, 'x');
  const auto cut = error_of([&] { m.add("K", token_pattern{token_spec{}.regex(token_attr::orth, long_source)}); });
  REQUIRE(cut.has_value());
  CHECK(contains(cut->problem(), "\"(" + std::string(199, 'x') + "\"..."));

  // From a patterns file: the line, the token and the regex; the ruler is unchanged and nothing interned.
  ruler_type ruler(v, regex_config());
  const std::size_t before = v.strings().permanent_size();
  std::istringstream in(R"({"label": "A", "pattern": [{"LOWER": "ok"}]})"
                        "\n\n"
                        R"({"label": "B", "pattern": [{"ORTH": "x"}, {"TEXT": {"REGEX": {"IN": ["a", "[b"]}}}]})"
                        "\n");
  try {
    lexzone::io::add_patterns_jsonl(ruler, in);
    FAIL("a bad regex was accepted");
  } catch (const pattern_error& err) {
    INFO(err.what());
    CHECK(err.line() == 3);
    CHECK(err.index() == 1);
    CHECK(contains(err.what(), "line 3: token 1: REGEX \"[b\" on ORTH: syntax:"));
  }
  CHECK(ruler.empty());
  CHECK(v.strings().permanent_size() == before);
}

TEST_CASE("regex patterns: without a regex compiler, REGEX is refused with what to do", "[regex][matcher]") {
  vocab v;
  matcher_type m(v);
  const auto e = error_of([&] { m.add("K", token_pattern{token_spec{}.regex(token_attr::orth, "^a")}); });
  REQUIRE(e.has_value());
  CHECK(e->unsupported());
  CHECK(contains(e->problem(), "<lexzone/regex/pattern_regex.hpp>"));
  CHECK(contains(e->problem(), "lexzone::regex"));
  ruler_type ruler(v);
  std::istringstream in(R"({"label": "A", "pattern": [{"TEXT": {"REGEX": "^a"}}]})");
  const auto r = error_of([&] { lexzone::io::add_patterns_jsonl(ruler, in); });
  REQUIRE(r.has_value());
  CHECK(r->line() == 1);
  CHECK(contains(r->what(), "needs a regex compiler"));
}

TEST_CASE("regex patterns: catastrophic backtracking makes matching throw regex_error, never hang",
          "[regex][matcher]") {
  vocab v;
  ruler_type ruler(v, regex_config());
  ruler.add_pattern(lexzone::entity_pattern{"OK", token_pattern{token_spec{}.equal(token_attr::lower, "fine")}, ""});
  ruler.add_pattern(lexzone::entity_pattern{"BAD", token_pattern{token_spec{}.regex(token_attr::orth, "(a+)+$")}, ""});
  auto zone = v.memory_zone();
  doc ok = make_doc(zone, {"fine", "aaa"});
  ruler(ok);
  CHECK(ok.entity_records().size() == 2);  // short tokens match quickly

  doc d = make_doc(zone, {"fine", std::string(40, 'a') + "b"});
  d.set_ents({{0, 1, v.strings().add("PRE"), 0}});
  const auto start = std::chrono::steady_clock::now();
  try {
    ruler(d);
    FAIL("no limit was hit");
  } catch (const regex_error& e) {
    INFO(e.what());
    CHECK((e.code() == regex_errc::match_limit || e.code() == regex_errc::depth_limit ||
           e.code() == regex_errc::heap_limit));
    CHECK(contains(e.what(), "(a+)+$"));
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  REQUIRE(d.entity_records().size() == 1);  // the doc is unchanged
  CHECK(d.entity_records()[0].label == lexzone::hash_string("PRE"));

  // Lower limits stop it sooner, on the matcher alike (interpreter, no JIT).
  lexzone::regex::regex_options small;
  small.limits.match_limit = 10'000;
  small.jit = false;
  matcher_type m(v, lexzone::regex::pcre2_compiler(small));
  m.add("BAD", token_pattern{token_spec{}.regex(token_attr::lower, "(a|aa)+\\d")});
  doc many = make_doc(zone, {std::string(60, 'a') + "x"});
  std::vector<lexzone::pattern_match> out;
  CHECK_THROWS_AS(m.match(many, out), regex_error);
}

TEST_CASE("regex patterns: matching from several threads at once", "[regex][matcher]") {
  vocab v;
  ruler_type ruler(v, regex_config());
  std::istringstream in(R"({"label": "VER", "pattern": [{"LOWER": {"REGEX": "^v\\d+(\\.\\d+)*$"}}]})"
                        "\n"
                        R"({"label": "NUM", "pattern": [{"TEXT": {"REGEX": {"IN": ["^\\d+$", "^\\d+\\.\\d+$"]}}}]})"
                        "\n");
  lexzone::io::add_patterns_jsonl(ruler, in);
  const doc d = make_doc(v, {"v1.2", "and", "42", "or", "3.5", "V7"});
  const auto ents = [&] {
    std::vector<std::uint32_t> out;
    for (const auto& e : ruler.match(d)) out.insert(out.end(), {e.start, e.end, static_cast<std::uint32_t>(e.label)});
    return out;
  };
  const auto want = ents();
  REQUIRE(want.size() == 4 * 3);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (ents() != want) ++wrong;
    });
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
}

}  // namespace regex_matcher_test
