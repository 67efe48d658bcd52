// Tests of lexzone::matcher with token patterns (matcher.hpp): spaCy 3.8.2's Matcher cases and probes
// (tests/data/spacy_entity_ruler_cases.jsonl), patterns built in C++, greedy filters, batches and
// atomicity. Phrase patterns: phrase_matcher_test.cpp; the pattern types: pattern_test.cpp.
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/matcher.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "support/catch.hpp"
#include "support/english_docs.hpp"
#include "support/regex_compiler.hpp"
#include "support/spacy_matcher_cases.hpp"

namespace matcher_test {

namespace {

using lexzone::attr_predicate;
using lexzone::pattern_error;
using lexzone::token_attr;
using lexzone::token_quantifier;
using lexzone::token_spec;
using lexzone::test::contains;
using lexzone::test::describe;
using lexzone::test::make_doc;
using vocab = lexzone::test::en_vocab;
using doc = lexzone::test::en_doc;
using matcher_type = lexzone::matcher<vocab>;
using row = std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint32_t>;

// Key text, start, end and pattern index of each match, in the matcher's order.
std::vector<row> rows_of(vocab& v, const std::vector<lexzone::pattern_match>& ms) {
  std::vector<row> out;
  for (const auto& x : ms) out.emplace_back(std::string(v.strings()[x.key]), x.start, x.end, x.pattern);
  return out;
}

void run_matcher_case(const nlohmann::json& c, lexzone::test::tally& t) {
  ++t.total;
  const std::string src = lexzone::test::short_source(c);
  vocab v;
  matcher_type m(v, lexzone::test::test_regex_compiler());
  try {
    for (auto it = c["matcher_patterns"].begin(); it != c["matcher_patterns"].end(); ++it) {
      lexzone::greedy_filter g = lexzone::greedy_filter::none;
      if (c["greedy"].is_object() && c["greedy"].contains(it.key()))
        g = lexzone::io::parse_greedy(c["greedy"][it.key()]);
      m.add(it.key(), lexzone::io::parse_token_patterns(it.value()), g);
    }
  } catch (const pattern_error& e) {
    if (!e.unsupported()) {
      ++t.supported;
      t.failures.push_back(src + ": patterns rejected: " + e.what());
      return;
    }
    const auto colon = e.problem().find(": ");
    ++t.skipped[colon == std::string::npos ? e.problem() : e.problem().substr(colon + 2)];
    return;
  }
  ++t.supported;
  const std::size_t perm_strings = v.strings().permanent_size();
  std::vector<lexzone::pattern_match> ms;
  {
    auto zone = v.memory_zone();
    doc d = lexzone::test::make_case_doc(zone, c);
    ms = m(d);
  }
  if (v.strings().permanent_size() != perm_strings) t.failures.push_back(src + ": matching interned a string");
  lexzone::test::check_order(ms, t, src);
  const auto got = lexzone::test::keyed_of(v, ms), want = lexzone::test::expected_keyed(c);
  if (got == want) ++t.passed;
  else t.failures.push_back(src + ": expected " + describe(want) + " got " + describe(got));
}

}  // namespace

TEST_CASE("matcher: spaCy Matcher cases and probes", "[matcher]") {
  lexzone::test::tally matches, probes;
  int alignments = 0;
  for (const auto& c : lexzone::test::spacy_matcher_cases()) {
    const auto cat = c["category"].get<std::string>();
    if (cat == "matcher") {
      run_matcher_case(c, matches);
      if (c.contains("expected_alignments")) ++alignments;
    } else if (cat == "matcher_probe") {
      run_matcher_case(c, probes);
    }
  }
  matches.notes.push_back(std::to_string(alignments) +
                          " with_alignments cases: matches checked, alignments not (unsupported)");
  report("matcher", matches);
  report("matcher_probe", probes);
  CHECK(matches.total == 170);
  CHECK(probes.total == 12);
  for (const auto& f : matches.failures) FAIL_CHECK(f);
  for (const auto& f : probes.failures) FAIL_CHECK(f);
  REQUIRE(matches.passed == matches.supported);
  REQUIRE(probes.passed == probes.supported);
  REQUIRE(probes.supported == 12);
  // Every case is supported; without PCRE2 the 8 that use REGEX are skipped.
  REQUIRE(matches.supported == (lexzone::test::have_regex ? 170 : 162));
}

TEST_CASE("matcher: token patterns built in C++", "[matcher]") {
  vocab v;
  matcher_type m(v);
  // [{"LOWER": {"IN": ["mr.", "dr."]}}, {"IS_TITLE": true, "OP": "+"}]
  m.add("PERSON", lexzone::token_pattern{token_spec{}.in(token_attr::lower, {"mr.", "dr."}),
                                         token_spec{}.flag(token_attr::is_title).op(token_quantifier::one_or_more())});
  // [{"LENGTH": {">=": 4, "<": 6}, "IS_UPPER": true}]
  m.add("CODE", lexzone::token_pattern{token_spec{}
                                           .compare(token_attr::length, attr_predicate::greater_equal, 4)
                                           .compare(token_attr::length, attr_predicate::less, 6)
                                           .flag(token_attr::is_upper)});
  // Literal patterns need no copies: basic_token_pattern<std::string_view>.
  m.add("GREETING", lexzone::basic_token_pattern<std::string_view>{
                        lexzone::basic_token_spec<std::string_view>{}.equal(token_attr::lower, "hello"),
                        lexzone::basic_token_spec<std::string_view>{}.not_in(token_attr::orth, {"!", "?"})});
  CHECK(m.size() == 3);
  doc d = make_doc(v, {"Hello", "Dr.", "Who", "Knows", "ABCD", "ABCDEF", "hello", "!"});
  CHECK(rows_of(v, m(d)) ==
        std::vector<row>{{"GREETING", 0, 2, 2}, {"PERSON", 1, 3, 0}, {"PERSON", 1, 4, 0}, {"CODE", 4, 5, 1}});
  // match() reuses the vector it is given, cleared first.
  std::vector<lexzone::pattern_match> out{{1, 2, 3, 4}};
  m.match(d, out);
  CHECK(out == m(d));
}

TEST_CASE("matcher: greedy filters per key", "[matcher]") {
  vocab v;
  matcher_type g(v);
  g.add("A", lexzone::token_pattern{token_spec{}.equal(token_attr::orth, "a").op(token_quantifier::one_or_more())},
        lexzone::greedy_filter::longest);
  CHECK(g.filter(lexzone::hash_string("A")) == lexzone::greedy_filter::longest);
  CHECK(g.filter(lexzone::hash_string("B")) == lexzone::greedy_filter::none);
  doc aa = make_doc(v, {"a", "a", "a", "b", "a", "a"});
  const auto gm = g(aa);
  REQUIRE(gm.size() == 2);
  CHECK((gm[0].start == 0 && gm[0].end == 3));
  CHECK((gm[1].start == 4 && gm[1].end == 6));
  // As in spaCy, adding to a key again replaces its filter.
  g.add("A", lexzone::token_pattern{token_spec{}.equal(token_attr::orth, "b")});
  CHECK(g.filter(lexzone::hash_string("A")) == lexzone::greedy_filter::none);
  CHECK(g(aa).size() == 10);  // every span of a+: 6 in tokens 0-2, 3 in tokens 4-5; and "b"
}

TEST_CASE("matcher: a key's greedy filter drops only its token patterns' matches, never its phrases'", "[matcher]") {
  // spaCy: Matcher (with greedy) and PhraseMatcher are separate objects; only the Matcher's matches are
  // filtered. Here both kinds share the key CITY in one matcher.
  vocab v;
  matcher_type m(v);
  m.add("CITY",
        lexzone::token_pattern{token_spec{}.equal(token_attr::lower, "new"),
                               token_spec{}.equal(token_attr::lower, "york")},
        lexzone::greedy_filter::longest);
  m.add("CITY", lexzone::token_pattern{token_spec{}.equal(token_attr::lower, "york")}, lexzone::greedy_filter::longest);
  const std::vector<std::vector<std::string>> phrases{{"York", "City"}};
  m.add_phrases("CITY", std::span<const std::vector<std::string>>(phrases));
  doc d = make_doc(v, {"New", "York", "City"});
  // Token matches (0, 2) and (1, 2): LONGEST keeps (0, 2). The phrase match (1, 3) overlaps it and stays.
  const std::uint64_t city = lexzone::hash_string("CITY");
  CHECK(m(d) == std::vector<lexzone::pattern_match>{{city, 0, 2, 0}, {city, 1, 3, 2}});
  // The exhaustive path agrees.
  std::vector<lexzone::pattern_match> all;
  m.match_exhaustive(d, all);
  CHECK(all == m(d));
  // A span that a token pattern and a phrase both match is kept (the phrase's match is never dropped),
  // under the lowest pattern index: here (1, 3) by "york city" (3) and the phrase (2); LONGEST keeps
  // (0, 3) of the token patterns' matches, and drops (0, 2) and (1, 2).
  m.add("CITY",
        lexzone::token_pattern{token_spec{}.equal(token_attr::lower, "york"),
                               token_spec{}.equal(token_attr::lower, "city")},
        lexzone::greedy_filter::longest);
  m.add("CITY",
        lexzone::token_pattern{token_spec{}.equal(token_attr::lower, "new"),
                               token_spec{}.equal(token_attr::lower, "york"),
                               token_spec{}.equal(token_attr::lower, "city")},
        lexzone::greedy_filter::longest);
  CHECK(m(d) == std::vector<lexzone::pattern_match>{{city, 0, 3, 4}, {city, 1, 3, 2}});
  m.match_exhaustive(d, all);
  CHECK(all == m(d));
  // The same with the token pattern of the shared span added before the phrase: the span keeps the
  // token pattern's (lower) index, and still survives the filter as the phrase's match would.
  matcher_type t(v);
  t.add("TOWN",
        lexzone::token_pattern{token_spec{}.equal(token_attr::lower, "york"),
                               token_spec{}.equal(token_attr::lower, "city")},
        lexzone::greedy_filter::longest);
  t.add_phrases("TOWN", std::span<const std::vector<std::string>>(phrases));
  t.add("TOWN",
        lexzone::token_pattern{token_spec{}.equal(token_attr::lower, "new"),
                               token_spec{}.equal(token_attr::lower, "york"),
                               token_spec{}.equal(token_attr::lower, "city")},
        lexzone::greedy_filter::longest);
  const std::uint64_t town = lexzone::hash_string("TOWN");
  CHECK(t(d) == std::vector<lexzone::pattern_match>{{town, 0, 3, 2}, {town, 1, 3, 0}});
  t.match_exhaustive(d, all);
  CHECK(all == t(d));
}

TEST_CASE("matcher: a span a phrase also matches still blocks its key's overlapping token matches", "[matcher]") {
  // spaCy's Matcher filters all of its matches, knowing nothing of a PhraseMatcher that matches the same
  // span: Matcher (key K, patterns "a b c" and "b", greedy LONGEST or FIRST) + PhraseMatcher ("a b c")
  // give {(0, 3)}; the phrase must not take (0, 3) away from the filter, letting (1, 2) through.
  vocab v;
  const auto orth = [](const char* w) { return token_spec{}.equal(token_attr::orth, w); };
  const lexzone::token_pattern abc{orth("a"), orth("b"), orth("c")}, b{orth("b")};
  const std::vector<std::vector<std::string>> phrase_abc{{"a", "b", "c"}};
  doc d = make_doc(v, {"a", "b", "c"});
  const std::uint64_t k = lexzone::hash_string("K");
  std::vector<lexzone::pattern_match> all;
  for (const auto g : {lexzone::greedy_filter::longest, lexzone::greedy_filter::first}) {
    CAPTURE(static_cast<int>(g));
    matcher_type m(v);
    m.add("K", abc, g);
    m.add("K", b, g);
    CHECK(m(d) == std::vector<lexzone::pattern_match>{{k, 0, 3, 0}});
    m.add_phrases("K", std::span<const std::vector<std::string>>(phrase_abc));
    CHECK(m(d) == std::vector<lexzone::pattern_match>{{k, 0, 3, 0}});
    m.match_exhaustive(d, all);
    CHECK(all == m(d));
    // The phrase added first: the span is reported under its (lowest) index.
    matcher_type p(v);
    p.add_phrases("K", std::span<const std::vector<std::string>>(phrase_abc));
    p.add("K", abc, g);
    p.add("K", b, g);
    CHECK(p(d) == std::vector<lexzone::pattern_match>{{k, 0, 3, 0}});
    p.match_exhaustive(d, all);
    CHECK(all == p(d));
  }
  // Where FIRST and LONGEST differ: token patterns "a b" (0) and "b c d" (1), phrase "a b" (2). FIRST
  // keeps (0, 2), which blocks (1, 4); LONGEST keeps (1, 4) and drops (0, 2), which the phrase keeps.
  doc abcd = make_doc(v, {"a", "b", "c", "d"});
  const std::vector<std::vector<std::string>> phrase_ab{{"a", "b"}};
  for (const auto g : {lexzone::greedy_filter::first, lexzone::greedy_filter::longest}) {
    CAPTURE(static_cast<int>(g));
    matcher_type m(v);
    m.add("K", lexzone::token_pattern{orth("a"), orth("b")}, g);
    m.add("K", lexzone::token_pattern{orth("b"), orth("c"), orth("d")}, g);
    m.add_phrases("K", std::span<const std::vector<std::string>>(phrase_ab));
    const auto want = g == lexzone::greedy_filter::first
                          ? std::vector<lexzone::pattern_match>{{k, 0, 2, 0}}
                          : std::vector<lexzone::pattern_match>{{k, 0, 2, 0}, {k, 1, 4, 1}};
    CHECK(m(abcd) == want);
    m.match_exhaustive(abcd, all);
    CHECK(all == m(abcd));
  }
}

TEST_CASE("matcher: a batch adds several calls at once, to its own matcher only", "[matcher]") {
  vocab v;
  matcher_type m(v), other(v);
  auto b = m.make_batch();
  const std::vector<lexzone::token_pattern> ps{{token_spec{}.equal(token_attr::lower, "acme")}};
  b.add("ORG", ps);
  b.add_with_hash(42, std::span<const lexzone::token_pattern>(ps));
  const std::vector<std::vector<std::string>> cities{{"Paris"}};
  b.add_phrases("CITY", std::span<const std::vector<std::string>>(cities));
  CHECK(b.size() == 3);
  CHECK(m.empty());  // staging changes no matcher
  CHECK_THROWS_AS(other.commit(b), std::invalid_argument);
  CHECK(other.empty());
  CHECK(b.size() == 3);
  m.commit(b);
  CHECK(b.size() == 0);
  CHECK(m.size() == 3);
  doc d = make_doc(v, {"ACME", "in", "Paris"});
  const auto ms = m(d);
  REQUIRE(ms.size() == 3);
  CHECK(ms[0] == lexzone::pattern_match{lexzone::hash_string("ORG"), 0, 1, 0});
  CHECK(ms[1] == lexzone::pattern_match{42, 0, 1, 1});
  CHECK(ms[2] == lexzone::pattern_match{lexzone::hash_string("CITY"), 2, 3, 2});
}

TEST_CASE("matcher: one bad pattern in a call adds nothing", "[matcher]") {
  vocab v;
  matcher_type m(v);
  std::vector<lexzone::token_pattern> ps{
      {token_spec{}.equal(token_attr::orth, "Acme")},
      {token_spec{}.equal(token_attr::orth, "caf\xE9")},
  };
  const std::size_t strings = v.strings().permanent_size();
  try {
    m.add("K", ps);
    FAIL("accepted");
  } catch (const pattern_error& e) {
    CHECK(e.index() == 1);
    CHECK(contains(e.problem(), "UTF-8"));
  }
  CHECK(m.empty());
  CHECK(v.strings().permanent_size() == strings);  // validation comes before interning
  doc d = make_doc(v, {"Acme", "met", "Zeta", "Corp", "and", "omega"});
  CHECK(m(d).empty());
  // Each rule validate_token_pattern checks is enforced by add (pattern_test.cpp has them all).
  CHECK_THROWS_AS(m.add("K", lexzone::token_pattern{token_spec{}.op({3, 2, false})}), pattern_error);
  CHECK(m.empty());
}

TEST_CASE("matcher: REGEX without a regex compiler is refused, saying what to include", "[matcher]") {
  vocab v;
  matcher_type m(v);
  CHECK_FALSE(m.regex_engine());
  const auto e =
      lexzone::test::error_of([&] { m.add("K", lexzone::token_pattern{token_spec{}.regex(token_attr::orth, "^a")}); });
  REQUIRE(e.has_value());
  CHECK(e->unsupported());
  CHECK(contains(e->problem(), "token 0: REGEX \"^a\" on ORTH needs a regex compiler"));
  CHECK(contains(e->problem(), "<lexzone/regex/pattern_regex.hpp>"));
  CHECK(m.empty());
  // Any engine can be plugged in: here a plain substring test standing in for a regex.
  matcher_type sub(v, [](std::string_view source) -> lexzone::text_predicate {
    return [s = std::string(source)](std::string_view text) { return text.find(s) != std::string_view::npos; };
  });
  sub.add("K", lexzone::token_pattern{token_spec{}.regex(token_attr::lower, "ell")});
  doc d = make_doc(v, {"Hello", "world", "bell"});
  CHECK(rows_of(v, sub(d)) == std::vector<row>{{"K", 0, 1, 0}, {"K", 2, 3, 0}});
}

}  // namespace matcher_test
