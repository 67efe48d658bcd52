// Tests of lexzone::matcher with phrase patterns (spaCy's PhraseMatcher; matcher.hpp): spaCy 3.8.2's
// PhraseMatcher cases (tests/data/spacy_entity_ruler_cases.jsonl), phrases from words and from docs,
// and the phrases the matcher refuses.
#include <lexzone/matcher.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/catch.hpp"
#include "support/english_docs.hpp"
#include "support/spacy_matcher_cases.hpp"

namespace phrase_matcher_test {

namespace {

using lexzone::pattern_error;
using lexzone::token_attr;
using lexzone::test::describe;
using lexzone::test::make_doc;
using vocab = lexzone::test::en_vocab;
using doc = lexzone::test::en_doc;
using matcher_type = lexzone::matcher<vocab>;
using phrases = std::vector<std::vector<std::string>>;

void run_phrase_case(const nlohmann::json& c, lexzone::test::tally& t) {
  ++t.total;
  const std::string src = lexzone::test::short_source(c);
  vocab v;
  matcher_type m(v);
  const auto attr = lexzone::token_attr_from_name(c["attr"].get<std::string>());
  if (!attr) {
    ++t.skipped["phrase attribute " + c["attr"].get<std::string>()];
    return;
  }
  ++t.supported;
  for (auto it = c["phrase_patterns"].begin(); it != c["phrase_patterns"].end(); ++it) {
    phrases words;
    std::vector<doc> docs;
    for (const auto& p : it.value()) {
      if (p.contains("token_norms")) {  // a pattern doc whose token norms were set by hand
        doc d = lexzone::test::make_case_doc(v, p);
        doc with_norms(v, d.text());
        const auto norms = p["token_norms"].get<std::vector<std::string>>();
        for (std::size_t i = 0; i < d.size(); ++i) {
          const auto& r = d.token_records()[i];
          with_norms.push_token(*r.lex, r.byte_idx, r.space, v.strings().add(norms[i]));
        }
        docs.push_back(std::move(with_norms));
      } else {
        words.push_back(p["words"].get<std::vector<std::string>>());
      }
    }
    if (!words.empty()) m.add_phrases(it.key(), words, *attr);
    if (!docs.empty()) m.add_phrase_docs(it.key(), docs, *attr);
  }
  std::vector<lexzone::pattern_match> ms;
  {
    auto zone = v.memory_zone();
    doc d = lexzone::test::make_case_doc(zone, c);
    ms = m(d);
  }
  lexzone::test::check_order(ms, t, src);
  const auto got = lexzone::test::keyed_of(v, ms), want = lexzone::test::expected_keyed(c);
  if (got == want) ++t.passed;
  else t.failures.push_back(src + ": expected " + describe(want) + " got " + describe(got));
}

}  // namespace

TEST_CASE("phrase_matcher: spaCy PhraseMatcher cases", "[phrase_matcher]") {
  lexzone::test::tally t;
  for (const auto& c : lexzone::test::spacy_matcher_cases())
    if (c["category"] == "phrase_matcher") run_phrase_case(c, t);
  report("phrase_matcher", t);
  CHECK(t.total == 24);
  for (const auto& f : t.failures) FAIL_CHECK(f);
  REQUIRE(t.passed == t.supported);
  REQUIRE(t.supported == 24);
}

TEST_CASE("phrase_matcher: phrases from words and from docs", "[phrase_matcher]") {
  // Phrase patterns on LOWER from words, and on NORM from a doc (a doc's token norms are used).
  vocab v;
  matcher_type p(v);
  p.add_phrases("CITY", phrases{{"new", "york"}, {"paris"}}, token_attr::lower);
  doc pattern_doc(v, "ny");
  pattern_doc.push_token(v.add("ny"), 0, false, v.strings().add("new-york"));
  p.add_phrase_docs("NY", std::span<const doc>(&pattern_doc, 1), token_attr::norm);
  CHECK(p.size() == 3);
  // The text's last token has the norm "new-york" (as a tokenizer exception would give it).
  const doc words = make_doc(v, {"NEW", "YORK", "and", "Paris", "and", "NY"});
  doc text(v, words.text());
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto& r = words.token_records()[i];
    text.push_token(*r.lex, r.byte_idx, r.space, i == 5 ? v.strings().add("new-york") : 0);
  }
  const auto pm = p(text);
  REQUIRE(pm.size() == 3);
  CHECK(pm[0] == lexzone::pattern_match{lexzone::hash_string("CITY"), 0, 2, 0});
  CHECK(pm[1] == lexzone::pattern_match{lexzone::hash_string("CITY"), 3, 4, 1});
  CHECK(pm[2] == lexzone::pattern_match{lexzone::hash_string("NY"), 5, 6, 2});
}

TEST_CASE("phrase_matcher: phrases from words with token norms", "[phrase_matcher]") {
  // On NORM, a token given a norm compares it (as a tokenizer exception's norm on a doc's token); an
  // empty norm leaves the lexeme's. Other attributes ignore the norms.
  vocab v;
  matcher_type m(v);
  const phrases ps{{"do", "n't"}, {"gon", "na"}};
  const phrases norms{{"", "not"}, {"going", "to"}};
  m.add_phrases("NORM", ps, token_attr::norm, norms);
  m.add_phrases("ORTH", phrases{{"do", "n't"}}, token_attr::orth, phrases{{"x", "y"}});
  CHECK(m.size() == 3);
  const auto keys = [&](const doc& d) {
    std::vector<std::string> out;
    for (const auto& pm : m(d))
      out.push_back(std::string(v.strings()[pm.key]) + "@" + std::to_string(pm.start) + "-" + std::to_string(pm.end));
    return out;
  };
  CHECK(keys(make_doc(v, {"I", "do", "not", "know"})) == std::vector<std::string>{"NORM@1-3"});
  CHECK(keys(make_doc(v, {"going", "to", "win"})) == std::vector<std::string>{"NORM@0-2"});
  CHECK(keys(make_doc(v, {"I", "do", "n't"})) == std::vector<std::string>{"ORTH@1-3"});  // "n't" is its own norm

  // Norms not shaped as the phrases, or not valid UTF-8: refused, nothing added.
  auto problem = [&](const phrases& p, const phrases& n) -> std::string {
    const auto e = lexzone::test::error_of([&] { m.add_phrases("K", p, token_attr::norm, n); });
    return e ? std::to_string(e->index()) + ": " + e->problem() : "accepted";
  };
  CHECK(problem({{"a"}, {"b"}}, {{""}}) == "0: norms are given for 1 phrases, not 2");
  CHECK(problem({{"a"}, {"b", "c"}}, {{""}, {"x"}}) == "1: the phrase has 2 tokens but 1 norms");
  CHECK(problem({{"a"}}, {{"caf\xE9"}}) == "0: a phrase token's norm is not valid UTF-8");
  CHECK(m.size() == 3);
  CHECK(problem({{"a"}}, {}) == "accepted");
}

TEST_CASE("phrase_matcher: a bad phrase is refused and nothing is added", "[phrase_matcher]") {
  vocab v;
  matcher_type m(v);
  auto problem = [&](const phrases& ps, token_attr attr = token_attr::orth) -> std::string {
    const auto e = lexzone::test::error_of([&] { m.add_phrases("K", ps, attr); });
    return e ? std::to_string(e->index()) + (e->unsupported() ? " unsupported: " : ": ") + e->problem() : "accepted";
  };
  CHECK(problem({{"ok"}, {}}) == "1: a phrase pattern needs at least one token");
  CHECK(problem({{"a", ""}}) == "0: a phrase token is empty");
  CHECK(problem({{"ok"}, {"ok"}, {"caf\xE9"}}) == "2: phrase text is not valid UTF-8");
  CHECK(problem({{"ok"}}, token_attr::spacy) == "0 unsupported: phrase patterns cannot compare SPACY");
  CHECK(m.empty());
  const doc empty(v, "");
  CHECK_THROWS_AS(m.add_phrase_docs("K", std::span<const doc>(&empty, 1)), pattern_error);
  CHECK(m.empty());
  CHECK(problem({{"ok"}}) == "accepted");
  CHECK(m.size() == 1);
}

}  // namespace phrase_matcher_test
