// Tests of the matcher's first-token prefilter (detail/first_token_index.hpp and its use in
// matcher.hpp): randomized differential tests of `matcher::match` (prefiltered, one-word NFA) against
// `matcher::match_exhaustive` (every pattern from every token, general NFA) on random docs and random
// token and phrase patterns (optional and negated first tokens, IN and NOT_IN sets, case variants of
// LOWER values, SHAPE, NORM, LENGTH, flags, REGEX when the tests have PCRE2, greedy filters), added
// over many calls so that the index grows; the index's own growth and rollback; the flag gate of
// patterns without an indexed first token.
#include <lexzone/detail/first_token_index.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/matcher.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/english_docs.hpp"
#include "support/regex_compiler.hpp"
#include "support/sanitizers.hpp"

namespace matcher_prefilter_test {

namespace {

using json = nlohmann::json;
using vocab = lexzone::test::en_vocab;
using matcher_type = lexzone::matcher<vocab>;
using lexzone::detail::first_start;
using lexzone::detail::first_token_index;
using lexzone::detail::start_kind;

// Words of the random docs: case variants (LOWER and ORTH differ), shapes that repeat ("Xxxxx",
// "dd", "d.d"), numbers, punctuation, a URL and an e-mail, words whose NORM differs from their LOWER.
const std::vector<std::string> words = {
    "apple", "Apple",       "APPLE",   "the", "The", "new", "New",  "York", "york",   "1",      "42",     "2024", "3.5",
    "10.2",  "-",           ",",       "$",   "Mr.", "mr.", "dont", "cuz",  "y'all",  "go",     "Go",     "GO",   "b",
    "B",     "example.com", "a@b.org", "ok",  "OK",  "Ok",  "9",    "x",    "colour", "Python", "python", "!",    "(",
};

std::string pick(std::mt19937& rng, const std::vector<std::string>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}
int roll(std::mt19937& rng, int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

// A value for a string attribute: a word, or a case variant of one (LOWER "Apple" matches nothing).
std::string string_value(std::mt19937& rng, const std::string& attr, vocab& v) {
  std::string w = pick(rng, words);
  if (attr == "SHAPE") return std::string(v.strings()[v.add(w).attrs.shape]);
  if (attr == "LOWER" && roll(rng, 4) != 0) return std::string(v.strings()[v.add(w).attrs.lower]);
  if (attr == "NORM" && roll(rng, 3) != 0) return std::string(v.strings()[v.add(w).attrs.norm]);
  return w;
}

// One random token dict of spaCy's pattern format.
json random_token(std::mt19937& rng, vocab& v) {
  static const std::vector<std::string> string_attrs = {"ORTH", "TEXT", "LOWER", "NORM", "SHAPE"};
  static const std::vector<std::string> flags = {"IS_DIGIT", "IS_TITLE", "IS_ALPHA",   "LIKE_NUM", "IS_PUNCT",
                                                 "IS_LOWER", "LIKE_URL", "LIKE_EMAIL", "SPACY"};
  static const std::vector<std::string> ops = {"?", "*", "+", "!", "{2}", "{0,2}", "{1,}"};
  json t = json::object();
  const int constraints = roll(rng, 3);  // 0: the wildcard {}
  for (int c = 0; c < constraints; ++c) {
    const int kind = roll(rng, lexzone::test::have_regex ? 7 : 6);
    if (kind <= 1) {
      const std::string a = pick(rng, string_attrs);
      t[a] = string_value(rng, a, v);
    } else if (kind == 2) {
      const std::string a = pick(rng, string_attrs);
      json set = json::array();
      for (int k = 0, n = 1 + roll(rng, 3); k < n; ++k) set.push_back(string_value(rng, a, v));
      t[a] = json{{roll(rng, 4) == 0 ? "NOT_IN" : "IN", set}};
    } else if (kind == 3) {
      t[pick(rng, flags)] = roll(rng, 3) != 0;
    } else if (kind == 4) {
      static const std::vector<std::string> cmp = {"==", "!=", ">=", "<=", ">", "<"};
      t["LENGTH"] = json{{pick(rng, cmp), 1 + roll(rng, 4)}};
    } else if (kind == 5) {
      t["LENGTH"] = 1 + roll(rng, 5);
    } else {
      static const std::vector<std::string> regexes = {"^[A-Z]", "\\d", "^a", "e$", "o"};
      t[pick(rng, {"TEXT", "LOWER", "NORM"})] = json{{"REGEX", pick(rng, regexes)}};
    }
  }
  if (roll(rng, 3) == 0) t["OP"] = pick(rng, ops);
  return t;
}

json random_pattern(std::mt19937& rng, vocab& v) {
  json p = json::array();
  for (int k = 0, n = 1 + roll(rng, 4); k < n; ++k) p.push_back(random_token(rng, v));
  return p;
}

// Random words, random spaces.
lexzone::test::en_doc random_doc(std::mt19937& rng, vocab& v) {
  std::vector<std::string> ws;
  std::vector<bool> spaces;
  for (int k = 0, n = roll(rng, 25); k < n; ++k) {
    ws.push_back(pick(rng, words));
    spaces.push_back(roll(rng, 4) != 0);
  }
  return lexzone::test::make_doc(v, ws, spaces);
}

// Adds `calls` random batches (token patterns under a few keys, with greedy filters, and phrase
// patterns on several attributes) to `m`, and checks on `docs` random docs after each batch that the
// prefiltered matcher finds exactly what the exhaustive one finds.
void differential(std::uint32_t seed, int calls, int docs) {
  std::mt19937 rng(seed);
  vocab v;
  matcher_type m(v, lexzone::test::test_regex_compiler());
  // Hundreds of random patterns over docs of 25 tokens: beyond the default match_limits, which are for text
  // from senders (their own test: entity_ruler_test.cpp); the exhaustive reference has none.
  m.set_limits(lexzone::match_limits::unlimited());
  static const std::vector<lexzone::token_attr> phrase_attrs = {
      lexzone::token_attr::orth,  lexzone::token_attr::lower,  lexzone::token_attr::norm,
      lexzone::token_attr::shape, lexzone::token_attr::length, lexzone::token_attr::is_digit};
  std::vector<lexzone::pattern_match> fast, slow;
  std::size_t compared = 0, matched = 0;
  for (int call = 0; call < calls; ++call) {
    const std::string key = "K" + std::to_string(roll(rng, 6));
    if (roll(rng, 4) == 0) {
      std::vector<std::vector<std::string>> phrases;
      for (int k = 0, n = 1 + roll(rng, 4); k < n; ++k) {
        phrases.emplace_back();
        for (int w = 0, len = 1 + roll(rng, 3); w < len; ++w) phrases.back().push_back(pick(rng, words));
      }
      m.add_phrases(key, phrases, phrase_attrs[static_cast<std::size_t>(roll(rng, 6))]);
    } else {
      json patterns = json::array();
      for (int k = 0, n = 1 + roll(rng, 3); k < n; ++k) patterns.push_back(random_pattern(rng, v));
      const auto g = static_cast<lexzone::greedy_filter>(roll(rng, 3));
      try {
        m.add(key, lexzone::io::parse_token_patterns(patterns), g);
      } catch (const lexzone::pattern_error&) {
        continue;  // e.g. a pattern spaCy refuses; the matcher is unchanged
      }
    }
    for (int d = 0; d < docs; ++d) {
      const auto doc = random_doc(rng, v);
      m.match(doc, fast);
      m.match_exhaustive(doc, slow);
      INFO("seed " << seed << ", call " << call << ", doc \"" << doc.text() << "\"");
      REQUIRE(fast == slow);
      ++compared;
      matched += fast.empty() ? 0 : 1;
    }
  }
  // The comparison means something only if the patterns match now and then.
  CHECK(compared > 0);
  CHECK(matched * 10 > compared);
}

}  // namespace

// Under sanitizers a third of the seeds, and a matcher of half as many calls (ASan: 52 s -> 14 s for both).
TEST_CASE("matcher prefilter: random patterns and docs, prefiltered == exhaustive", "[matcher][prefilter]") {
  const std::uint32_t seeds = lexzone::test::under_sanitizer ? 4 : 12;
  for (std::uint32_t seed = 1; seed <= seeds; ++seed) differential(seed, 60, 12);
}

TEST_CASE("matcher prefilter: hundreds of patterns added in one matcher", "[matcher][prefilter]") {
  differential(1234, lexzone::test::under_sanitizer ? 200 : 400, 3);
}

TEST_CASE("matcher prefilter: an optional, starred or negated first token is tried everywhere it may start",
          "[matcher][prefilter]") {
  vocab v;
  matcher_type m(v);
  m.add("OPT", lexzone::io::parse_token_patterns(json::parse(R"([[{"LOWER": "new", "OP": "?"}, {"LOWER": "york"}]])")));
  m.add("STAR", lexzone::io::parse_token_patterns(json::parse(R"([[{"ORTH": "a", "OP": "*"}, {"ORTH": "b"}]])")));
  m.add("NOT", lexzone::io::parse_token_patterns(json::parse(R"([[{"ORTH": "x", "OP": "!"}, {"ORTH": "b"}]])")));
  m.add("TITLE", lexzone::io::parse_token_patterns(json::parse(R"([[{"IS_TITLE": true, "OP": "+"}]])")));
  m.add("SHAPE", lexzone::io::parse_token_patterns(json::parse(R"([[{"SHAPE": {"IN": ["dd", "d.d"]}}]])")));
  const auto doc = lexzone::test::make_doc(v, {"York", "new", "YORK", "a", "a", "b", "x", "b", "10", "3.5"});
  std::vector<lexzone::pattern_match> fast, slow;
  m.match(doc, fast);
  m.match_exhaustive(doc, slow);
  CHECK(fast == slow);
  std::vector<std::string> got;
  for (const auto& x : fast)
    got.push_back(std::string(v.strings()[x.key]) + " " + std::to_string(x.start) + "-" + std::to_string(x.end));
  // Ordered by end, start, pattern (OPT, STAR, NOT, TITLE, SHAPE); "x b" is no NOT match.
  const std::vector<std::string> want = {"OPT 0-1", "TITLE 0-1", "OPT 1-3",  "OPT 2-3",   "STAR 3-6",  "STAR 4-6",
                                         "NOT 4-6", "STAR 5-6",  "STAR 7-8", "SHAPE 8-9", "SHAPE 9-10"};
  CHECK(got == want);
}

TEST_CASE("matcher: the epsilon closure follows runs of skippable elements in one pass, across words",
          "[matcher][prefilter]") {
  // Against a bit-by-bit closure, on random states and skip masks of 1 to 5 words.
  std::mt19937_64 rng(17);
  for (int round = 0; round < 20000; ++round) {
    const auto count = static_cast<std::uint32_t>(rng() % 300);
    const std::uint32_t words = (count + 64) / 64;
    std::vector<std::uint64_t> bits(words), skip(words);
    const std::uint64_t skip_odds = 1 + rng() % 4;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (rng() % 5 < skip_odds) skip[i >> 6] |= std::uint64_t{1} << (i & 63);
      if (rng() % 16 == 0) bits[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
    bits[0] |= 1;
    std::vector<std::uint64_t> want = bits;
    for (std::uint32_t i = 0; i < count; ++i)
      if (((want[i >> 6] >> (i & 63)) & 1u) != 0 && ((skip[i >> 6] >> (i & 63)) & 1u) != 0)
        want[(i + 1) >> 6] |= std::uint64_t{1} << ((i + 1) & 63);
    std::vector<std::uint64_t> got = bits;
    lexzone::detail::close_states(got.data(), skip.data(), words);
    REQUIRE(got == want);
    if (count < 64) REQUIRE(lexzone::detail::close_states(bits[0], skip[0]) == want[0]);
  }
  // A run of 4,094 optional elements (65 words of state) through the matcher: the closure carries across
  // words at every start. (Closing it took a pass per element before, seconds for a few thousand tokens;
  // bench_pipeline, not a timed test, is where speed is measured.)
  vocab v;
  matcher_type m(v);
  m.add("RUN", lexzone::io::parse_token_patterns(json::parse(
                   R"([[{"ORTH": "a"}, {"ORTH": "x", "OP": "{,1024}"}, {"ORTH": "x", "OP": "{,1024}"},
                        {"ORTH": "x", "OP": "{,1024}"}, {"ORTH": "x", "OP": "{,1022}"}, {"ORTH": "b"}]])")));
  std::vector<std::string> text(200, "a");
  text.insert(text.end(), {"x", "x", "b", "a", "b"});
  const auto doc = lexzone::test::make_doc(v, text);
  const auto found = m(doc);
  REQUIRE(found.size() == 2);
  CHECK((found[0].start == 199 && found[0].end == 203));
  CHECK((found[1].start == 203 && found[1].end == 205));
}

TEST_CASE("first_token_index: lists starts per value, grows, and rolls back to a mark", "[matcher][prefilter]") {
  first_token_index index;
  CHECK(index.empty());
  CHECK(index.find(7).empty());
  const auto start = [](std::uint32_t t) { return first_start{t, 0, 1, start_kind::pattern}; };
  for (std::uint32_t k = 0; k < 20; ++k) index.add(1000 + k, start(k));
  index.add(1003, start(99));
  const auto mark = index.position();
  std::vector<std::uint64_t> added;
  for (std::uint32_t k = 0; k < 200; ++k) {  // several doublings after the mark
    index.add(5000 + k, start(k));
    added.push_back(5000 + k);
  }
  index.add(1003, start(7));
  added.push_back(1003);
  REQUIRE(index.find(1003).size() == 3);
  REQUIRE(index.find(5199).size() == 1);
  index.rollback(mark, added);
  CHECK(index.find(5000).empty());
  CHECK(index.find(5199).empty());
  const auto l = index.find(1003);
  REQUIRE(l.size() == 2);
  CHECK(l[0].target == 3);
  CHECK(l[1].target == 99);
  for (std::uint32_t k = 0; k < 20; ++k) {
    const auto found = index.find(1000 + k);
    REQUIRE(found.size() == (k == 3 ? 2u : 1u));
    CHECK(found[0].target == k);
  }
  // Values that share a home slot or a filter bit with listed ones are still told apart.
  std::size_t misses = 0;
  for (std::uint64_t x = 0; x < 100000; ++x) misses += index.find(x).empty() ? 1 : 0;
  CHECK(misses == 100000 - 20);
}

}  // namespace matcher_prefilter_test
