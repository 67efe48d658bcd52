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
