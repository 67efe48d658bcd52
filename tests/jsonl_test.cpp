// Tests of the JSON/JSONL pattern loader (io/entity_ruler_jsonl.hpp): spaCy 3.8.2's pattern-validation
// cases (tests/data/spacy_entity_ruler_cases.jsonl), OP ranges, the sample patterns.jsonl, and errors
// with line numbers (loading into a ruler all or nothing: entity_ruler_test.cpp).
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/en_pipeline.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/matcher.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "support/catch.hpp"
#include "support/english_docs.hpp"
#include "support/spacy_matcher_cases.hpp"

namespace jsonl_test {

namespace {

using lexzone::pattern_error;
using lexzone::test::contains;
using lexzone::test::ent_tuple;
using lexzone::test::error_of;
using lexzone::test::make_doc;
using lexzone::test::test_data_dir;
using vocab = lexzone::test::en_vocab;
using doc = lexzone::test::en_doc;
using ruler_type = lexzone::entity_ruler<vocab>;
using matcher_type = lexzone::matcher<vocab>;
using json = nlohmann::json;

// spaCy's Matcher.add rejects an on_match that is not callable (E171); here that is a type error.
template <class M>
constexpr bool accepts_list_as_callback = requires(M& m, std::vector<lexzone::token_pattern> p) {
  m.add("KEY", p, lexzone::greedy_filter::none, std::vector<int>{});
};
static_assert(!accepts_list_as_callback<matcher_type>);

void run_validation_case(const json& c, lexzone::test::tally& t) {
  ++t.total;
  ++t.supported;
  const std::string src = lexzone::test::short_source(c);
  const json& pattern = c["pattern"];
  const bool valid = c["valid"].get<bool>();
  const std::string note = c.value("note", std::string());
  bool ok = false;
  std::string detail;
  if (contains(note, "E178")) {  // the pattern was passed where Matcher.add takes a list of patterns
    ok = error_of([&] { (void)lexzone::io::parse_token_patterns(pattern); }).has_value() == !valid;
    detail = "parse_token_patterns";
  } else if (contains(note, "E947")) {  // greedy="GREEDY"
    bool greedy_rejected = false;
    try {
      (void)lexzone::io::parse_greedy("GREEDY");
    } catch (const std::invalid_argument&) {
      greedy_rejected = true;
    }
    ok = greedy_rejected && !error_of([&] { (void)lexzone::io::parse_token_pattern(pattern); });
    detail = "parse_greedy";
  } else if (contains(note, "E171")) {  // on_match not callable: rejected at compile time (static_assert above)
    ok = !accepts_list_as_callback<matcher_type>;
    detail = "on_match";
  } else {
    const auto errors = lexzone::io::schema_errors(pattern);
    ok = errors.empty() == valid;
    detail = std::to_string(errors.size()) + " schema errors";
    for (const auto& e : errors) detail += " | " + e;
    if (c.contains("spacy_schema_errors") && c["spacy_schema_errors"].is_number() &&
        errors.size() != c["spacy_schema_errors"].get<std::size_t>()) {
      ok = false;
      detail += " (spaCy reports " + std::to_string(c["spacy_schema_errors"].get<std::size_t>()) + ")";
    }
    const auto err = error_of([&] { (void)lexzone::io::parse_token_pattern(pattern); });
    if (!valid) {
      ok = ok && err.has_value() && !err->unsupported();
    } else if (err) {
      ok = ok && err->unsupported();
      if (err->unsupported())
        t.notes.push_back("valid per spaCy's schema (checked), matching unsupported: " + err->problem());
    }
  }
  if (ok) ++t.passed;
  else t.failures.push_back(src + " " + pattern.dump() + " valid=" + (valid ? "true" : "false") + ": " + detail);
}

}  // namespace

TEST_CASE("jsonl: spaCy pattern validation cases", "[jsonl]") {
  lexzone::test::tally t;
  for (const auto& c : lexzone::test::spacy_matcher_cases())
    if (c["category"] == "validation") run_validation_case(c, t);
  report("validation", t);
  CHECK(t.total == 50);
  for (const auto& f : t.failures) FAIL_CHECK(f);
  REQUIRE(t.passed == 50);
}

TEST_CASE("jsonl: a hostile pattern's schema errors stay small", "[jsonl]") {
  // 3,000 bad list values under a 3,000-byte custom attribute key: one error each would quote the key
  // 3,000 times (and the message would grow as key length x list length).
  const std::string key(3000, 'k');
  json in_list = json::array();
  for (int i = 0; i < 3000; ++i) in_list.push_back(json::array());
  const json pattern = json::array({json{{"_", json{{key, json{{"IN", in_list}}}}}}});
  const auto errors = lexzone::io::schema_errors(pattern);
  REQUIRE(!errors.empty());
  std::size_t bytes = 0;
  for (const auto& e : errors) bytes += e.size();
  CHECK(errors.size() == lexzone::io::detail::schema_report::max_groups + 1);
  CHECK(bytes < 40'000);
  CHECK(errors.back().find("more errors") != std::string::npos);
  try {
    (void)lexzone::io::parse_token_pattern(pattern);
    FAIL("parsed");
  } catch (const pattern_error& e) {
    CHECK(std::string(e.what()).size() < 40'000);
  }
  // A few errors are all reported, with their whole locations.
  const auto few = lexzone::io::schema_errors(json::parse(R"([{"LOWER": 5}, {"ORTH": {"IN": "abc"}}])"));
  CHECK(few == std::vector<std::string>{"[pattern -> 0 -> LOWER] expected a string or an object of predicates",
                                        "[pattern -> 1 -> ORTH -> IN] expected a list",
                                        "[pattern -> 1 -> ORTH] expected a string"});
}

TEST_CASE("jsonl: OP ranges pass the schema in any size and order, then parse strictly", "[jsonl]") {
  const json big = json::parse(R"([{"ORTH": "a", "OP": "{1234567890}"}])");
  CHECK(lexzone::io::schema_errors(big).empty());  // spaCy's schema: any digits
  CHECK_THROWS_AS(lexzone::io::parse_token_pattern(big), pattern_error);
  const json reversed = json::parse(R"([{"ORTH": "a", "OP": "{3,2}"}])");
  CHECK(lexzone::io::schema_errors(reversed).empty());
  const json spaced = json::parse(R"([{"ORTH": "a", "OP": "{1, 2}"}])");
  CHECK(lexzone::io::schema_errors(spaced).size() == 1);
  const auto p = lexzone::io::parse_token_pattern(json::parse(R"([{"ORTH": "a", "OP": "{,3}"}])"));
  CHECK(p.tokens.at(0).quantifier == lexzone::token_quantifier::between(0, 3));
}

TEST_CASE("jsonl: OP bounds of ten digits or more are read as numbers", "[jsonl]") {
  auto op = [](const std::string& text) { return json::parse(R"([{"ORTH": "a", "OP": ")" + text + R"("}])"); };
  // Leading zeros do not count (spaCy reads a bound with int()).
  const auto p = lexzone::io::parse_token_pattern(op("{0000000003,00000000004}"));
  CHECK(p.tokens.at(0).quantifier == lexzone::token_quantifier::between(3, 4));
  CHECK(lexzone::io::parse_token_pattern(op("{0000000002}")).tokens.at(0).quantifier ==
        lexzone::token_quantifier::between(2, 2));
  // A large bound is past the matcher's limit (unsupported), not a minimum above the maximum.
  for (const char* large : {"{1234567890}", "{12345678901}", "{5,99999999999}", "{99999999999,}"}) {
    const auto e = error_of([&] { (void)lexzone::io::parse_token_pattern(op(large)); });
    REQUIRE(e.has_value());
    INFO(e->problem());
    CHECK(e->unsupported());
    CHECK(contains(e->problem(), "bound above 1024"));
  }
  // Out of order, whatever the sizes (also two bounds of the same length): invalid, as spaCy says.
  for (const char* reversed : {"{99999999999,5}", "{99999999999,99999999998}"}) {
    const auto e = error_of([&] { (void)lexzone::io::parse_token_pattern(op(reversed)); });
    REQUIRE(e.has_value());
    INFO(e->problem());
    CHECK_FALSE(e->unsupported());
    CHECK(contains(e->problem(), "minimum is above the maximum"));
  }
}

TEST_CASE("jsonl: REGEX forms are read as spaCy's schema and matcher read them", "[jsonl]") {
  // Valid per spaCy 3.8's schema: REGEX on a string attribute, as a string or an object with IN/NOT_IN
  // (lists of regexes) or a nested REGEX, keys in either case, with other predicates and OP.
  for (const char* valid :
       {R"([{"TEXT": {"REGEX": "^a"}}])", R"([{"lower": {"regex": {"in": ["a", "b"]}}}])",
        R"([{"NORM": {"REGEX": {"NOT_IN": []}}}])", R"([{"SHAPE": {"REGEX": {"REGEX": "^X"}}}])",
        R"([{"ORTH": {"REGEX": "^a", "IN": ["ab"]}, "OP": "+"}])", R"([{"LENGTH": {"REGEX": "1"}}])"})
    CHECK(lexzone::io::schema_errors(json::parse(valid)).empty());
  // Invalid: REGEX inside an IN list, on a flag, not a string or object, an object of something else, null,
  // an object on LENGTH (TokenPatternNumber's REGEX is a string).
  for (const char* invalid :
       {R"([{"TEXT": {"IN": [{"REGEX": "a"}]}}])", R"([{"IS_ALPHA": {"REGEX": "a"}}])", R"([{"TEXT": {"REGEX": 5}}])",
        R"([{"TEXT": {"REGEX": {"IN": "a"}}}])", R"([{"TEXT": {"REGEX": {"XX": ["a"]}}}])",
        R"([{"TEXT": {"REGEX": null}}])", R"([{"LENGTH": {"REGEX": {"IN": ["1"]}}}])"}) {
    INFO(invalid);
    CHECK_FALSE(lexzone::io::schema_errors(json::parse(invalid)).empty());
    const auto e = error_of([&] { (void)lexzone::io::parse_token_pattern(json::parse(invalid)); });
    CHECK((e.has_value() && !e->unsupported()));
  }
  // What they become (in any order: every constraint of a token must hold).
  using lexzone::attr_predicate;
  const auto p = lexzone::io::parse_token_pattern(json::parse(
      R"([{"lower": {"regex": {"in": ["a", "b"], "NOT_IN": ["c"], "REGEX": {"REGEX": "d"}}, "NOT_IN": ["x"]}}])"));
  REQUIRE(p.tokens.size() == 1);
  const auto& cs = p.tokens[0].constraints;
  CHECK(cs.size() == 4);
  auto has = [&](attr_predicate pred, const std::vector<std::string>& strings) {
    return std::any_of(cs.begin(), cs.end(), [&](const lexzone::attr_constraint& c) {
      return c.attr == lexzone::token_attr::lower && c.predicate == pred && c.strings == strings;
    });
  };
  CHECK(has(attr_predicate::regex_in, {"a", "b"}));
  CHECK(has(attr_predicate::regex_not_in, {"c"}));
  CHECK(has(attr_predicate::regex, {"d"}));
  CHECK(has(attr_predicate::not_in, {"x"}));
  // A bad regex passes the schema (spaCy raises re.error only when the pattern is added to a matcher).
  CHECK_NOTHROW(lexzone::io::parse_token_pattern(json::parse(R"([{"TEXT": {"REGEX": "(?:a"}}])")));
}

TEST_CASE("jsonl: a plain LENGTH value is a non-negative integer, as spaCy's Matcher.add requires", "[jsonl]") {
  // spaCy's schema types LENGTH Union[TokenPatternNumber, StrictInt, StrictFloat], so a float passes it; then
  // Matcher.add raises E153 for a float value (_get_attr_values) and OverflowError for a negative one (stored
  // as the unsigned attr_t). 1e2 is a float in JSON (Python's json and nlohmann_json alike).
  const std::pair<const char*, const char*> cases[] = {
      {"3.0", "integer"}, {"3.5", "integer"}, {"-2.5", "integer"}, {"1e2", "integer"}, {"-1", "negative"}};
  for (const auto& [bad, why] : cases) {
    const json pattern = json::parse(std::string(R"([{"LENGTH": )") + bad + "}]");
    INFO(pattern.dump());
    CHECK(lexzone::io::schema_errors(pattern).empty());
    const auto e = error_of([&] { (void)lexzone::io::parse_token_pattern(pattern, 4); });
    REQUIRE(e.has_value());
    INFO(e->what());
    CHECK_FALSE(e->unsupported());
    CHECK(e->index() == 4);
    CHECK(contains(e->problem(), "token 0: LENGTH"));
    CHECK(contains(e->problem(), why));
  }
  // In a patterns file the error names the line.
  std::istringstream in(R"({"label": "A", "pattern": [{"LENGTH": 3}]})"
                        "\n"
                        R"({"label": "B", "pattern": [{"ORTH": "a"}, {"LENGTH": 3.0}]})");
  const auto e = error_of([&] { (void)lexzone::io::load_patterns_jsonl(in); });
  REQUIRE(e.has_value());
  CHECK(e->line() == 2);
  CHECK(contains(e->what(), "line 2: token 1: LENGTH 3.0"));
  // Still valid: integers (-0 is 0), and floats and negative numbers in comparisons (Union[StrictInt,
  // StrictFloat] in spaCy's TokenPatternNumber), negative integers in IN / NOT_IN (List[StrictInt]).
  for (const char* good :
       {R"([{"LENGTH": 3}])", R"([{"LENGTH": 0}])", R"([{"LENGTH": -0}])", R"([{"LENGTH": {">=": 3.5}}])",
        R"([{"LENGTH": {"==": 3.0, "!=": -1}}])", R"([{"LENGTH": {"<": -2.5, ">": -10}}])",
        R"([{"LENGTH": {"IN": [-1, 3], "NOT_IN": [2]}}])"}) {
    INFO(good);
    CHECK_NOTHROW(lexzone::io::parse_token_pattern(json::parse(good)));
  }
  // Floats in IN / NOT_IN fail the schema (List[StrictInt]), whole-valued or not.
  for (const char* bad : {R"([{"LENGTH": {"IN": [3.0]}}])", R"([{"LENGTH": {"NOT_IN": [1, 2.5]}}])"}) {
    INFO(bad);
    CHECK(lexzone::io::schema_errors(json::parse(bad)).size() == 2);  // the element, and LENGTH as a whole
    const auto err = error_of([&] { (void)lexzone::io::parse_token_pattern(json::parse(bad)); });
    CHECK((err.has_value() && !err->unsupported()));
  }
  // A float comparison compares as a number: ">= 3.5" takes lengths 4 and up.
  vocab v;
  matcher_type m(v);
  m.add("LONG", lexzone::io::parse_token_patterns(json::parse(R"([[{"LENGTH": {">=": 3.5}}]])")));
  doc d = make_doc(v, {"a", "aaa", "aaaa"});
  const auto ms = m(d);
  REQUIRE(ms.size() == 1);
  CHECK((ms[0].start == 2 && ms[0].end == 3));
}

TEST_CASE("jsonl: a key repeated in one JSON object keeps its last value, as Python's json does", "[jsonl]") {
  // spaCy reads patterns.jsonl with srsly (ujson) and json.loads elsewhere: both keep the last value of a
  // repeated key; so does nlohmann_json. Keys that differ in case are distinct keys (both constraints hold).
  std::istringstream in(R"({"label": "A", "pattern": "x", "label": "B", "id": "i", "id": "j"})"
                        "\n"
                        R"({"label": "C", "pattern": [{"LOWER": "a", "LOWER": "b"}]})"
                        "\n"
                        R"({"label": "D", "pattern": [{"LOWER": "a", "lower": "b"}]})");
  const auto ps = lexzone::io::load_patterns_jsonl(in);
  REQUIRE(ps.size() == 3);
  CHECK(ps[0].label == "B");
  CHECK(ps[0].id == "j");
  CHECK(std::get<std::string>(ps[0].pattern) == "x");
  const auto& one = std::get<lexzone::token_pattern>(ps[1].pattern);
  REQUIRE(one.tokens.size() == 1);
  REQUIRE(one.tokens[0].constraints.size() == 1);
  CHECK(one.tokens[0].constraints[0].strings == std::vector<std::string>{"b"});
  CHECK(std::get<lexzone::token_pattern>(ps[2].pattern).tokens.at(0).constraints.size() == 2);
}

TEST_CASE("jsonl: the sample patterns.jsonl", "[jsonl]") {
  const auto patterns =
      lexzone::io::load_patterns_jsonl(std::filesystem::path(test_data_dir()) / "entity_ruler_patterns.sample.jsonl");
  REQUIRE(patterns.size() == 5);
  CHECK(patterns[0].label == "ORG");
  CHECK(std::get<std::string>(patterns[0].pattern) == "Explosion AI");
  CHECK(patterns[0].id == "explosion");
  CHECK(std::get<lexzone::token_pattern>(patterns[4].pattern).tokens[1].quantifier ==
        lexzone::token_quantifier::one_or_more());

  vocab v;
  ruler_type ruler(v);
  ruler.add_patterns(patterns);
  CHECK(ruler.size() == 5);
  CHECK(ruler.labels() == std::vector<std::string_view>{"GPE", "MONEY", "ORG", "PERSON", "PRODUCT"});
  CHECK(ruler.ids() == std::vector<std::string_view>{"explosion", "honorific-name", "san-francisco"});
  auto zone = v.memory_zone();
  // Laid out by hand (clang-format would put one entry per line or align columns).
  // clang-format off
  doc d = make_doc(zone, {"Explosion", "AI", "opened", "in", "San", "Francisco", ";", "Mr.", "John", "Smith", "paid",
                          "$", "5", "million", "for", "an", "iPhone", "12", "pro", "max", "."});
  // clang-format on
  ruler(d);
  const auto ents = lexzone::test::ents_of(v, d);
  REQUIRE(ents.size() == 5);
  CHECK(ents[0] == ent_tuple{"Explosion AI", "ORG", 0, 12, 0, 2, "explosion"});
  CHECK(ents[1] == ent_tuple{"San Francisco", "GPE", 23, 36, 4, 6, "san-francisco"});
  CHECK(ents[2] == ent_tuple{"Mr. John Smith", "PERSON", 39, 53, 7, 10, "honorific-name"});
  CHECK(ents[3] == ent_tuple{"$ 5 million", "MONEY", 59, 70, 11, 14, ""});
  CHECK(ents[4] == ent_tuple{"iPhone 12 pro max", "PRODUCT", 78, 95, 16, 20, ""});
  // The span id is the id of the pattern's id string.
  CHECK(d.ents()[0].id() == lexzone::hash_string("explosion"));
}

TEST_CASE("jsonl: a malformed line is reported with its line number", "[jsonl]") {
  const std::string good = R"({"label": "ORG", "pattern": "Acme"})";
  auto failure = [](const std::string& text) -> pattern_error {
    std::istringstream in(text);
    try {
      (void)lexzone::io::load_patterns_jsonl(in);
    } catch (const pattern_error& e) {
      return e;
    }
    FAIL("no error for: " << text);
    throw std::logic_error("unreachable");
  };
  auto expect = [&](const std::string& text, std::size_t line, const std::string& fragment, bool unsupported = false) {
    const pattern_error e = failure(text);
    INFO(e.what());
    CHECK(e.line() == line);
    CHECK(contains(e.what(), "line " + std::to_string(line) + ":"));
    CHECK(contains(e.problem(), fragment));
    CHECK(e.unsupported() == unsupported);
  };
  expect(good + "\n\n" + R"({"label": "ORG", "pattern": "x")", 3, "malformed JSON");
  expect(good + "\n" + R"({"pattern": "x"})", 2, "missing \"label\"");
  expect(good + "\n" + R"({"label": "X"})", 2, "missing \"pattern\"");
  expect(good + "\n" + good + "\n   \n" + R"({"label": "X", "pattern": [{"XX": 1}]})", 4, "unknown key");
  expect(good + "\n" + "{\"label\": \"X\", \"pattern\": \"caf\xE9\"}", 2, "invalid UTF-8");
  expect(R"({"label": "X", "pattern": [{"LEMMA": "be"}]})", 1, "LEMMA", true);
  expect(R"({"label": "X", "pattern": [{"LENGTH": {"REGEX": "^a"}}]})", 1, "REGEX on LENGTH", true);
  expect(R"({"label": "X", "pattern": [{"ORTH": {"REGEX": {"FUZZY": "a"}}}]})", 1, "FUZZY predicate inside REGEX",
         true);
  expect(R"({"label": "X", "pattern": 5})", 1, "\"pattern\" must be");
  expect(R"({"label": "", "pattern": "x"})", 1, "empty");
  expect(R"({"label": 7, "pattern": "x"})", 1, "\"label\" must be a string");
  expect(R"({"label": "X", "pattern": "x", "id": 3})", 1, "\"id\" must be a string");
  expect(R"(["label", "pattern"])", 1, "JSON object");
  expect(R"({"label": "X", "pattern": [{"ORTH": "a", "OP": "{3,2}"}]})", 1, "minimum is above");
  expect(R"({"label": "X", "pattern": []})", 1, "at least one token");

  // Byte order mark, CRLF line ends and blank lines are fine.
  std::istringstream ok("\xEF\xBB\xBF" + good + "\r\n\r\n" + good + "\r\n");
  CHECK(lexzone::io::load_patterns_jsonl(ok).size() == 2);

  // Errors found by the ruler (a phrase with no tokens) also carry the line.
  vocab v;
  ruler_type ruler(v);
  std::istringstream in(good + "\n\n" + R"({"label": "X", "pattern": "   "})" + "\n");
  try {
    lexzone::io::add_patterns_jsonl(ruler, in);
    FAIL("a phrase with no tokens was accepted");
  } catch (const pattern_error& e) {
    CHECK(e.line() == 3);
    CHECK(e.index() == 1);
    CHECK(contains(e.what(), "line 3: the phrase has no tokens"));
  }
  CHECK(ruler.empty());
}

TEST_CASE("jsonl: a patterns file that cannot be read throws pattern_file_error naming it", "[jsonl]") {
  using lexzone::io::pattern_file_errc;
  using lexzone::io::pattern_file_error;
  const auto missing = std::filesystem::path(test_data_dir()) / "no_such_file.jsonl";
  try {
    (void)lexzone::io::load_patterns_jsonl(missing);
    FAIL("a missing file was read");
  } catch (const pattern_file_error& e) {  // a std::runtime_error, as the other data-file errors
    CHECK(e.code() == pattern_file_errc::missing);
    CHECK(e.name() == missing.string());
    CHECK(std::string_view(e.what()) == lexzone::detail::printable(missing.string()) + ": no such file");
    CHECK(lexzone::io::to_string(e.code()) == "missing");
  }
  // A directory opens on Linux and fails only when read: the error names it (it said "after line 0").
  try {
    (void)lexzone::io::load_patterns_jsonl(std::filesystem::path(test_data_dir()));
    FAIL("a directory was read as a patterns file");
  } catch (const pattern_file_error& e) {
    CHECK(e.code() == pattern_file_errc::unreadable);
    CHECK(contains(e.what(), "is a directory"));
    CHECK(contains(e.what(), std::filesystem::path(test_data_dir()).string()));
  }
  // The ruler overload and make_pipeline's file overload throw the same, and leave the ruler unchanged.
  vocab v;
  ruler_type ruler(v);
  CHECK_THROWS_AS(lexzone::io::add_patterns_jsonl(ruler, missing), pattern_file_error);
  CHECK(ruler.empty());
  lexzone::en::vocab ev;
  CHECK_THROWS_AS(lexzone::en::make_pipeline(ev, missing), pattern_file_error);
  // A stream the caller opened has no name to give: its read errors stay std::runtime_error.
  std::istringstream bad(R"({"label": "ORG", "pattern": "Acme"})");
  bad.setstate(std::ios::badbit);
  CHECK_THROWS_AS(lexzone::io::load_patterns_jsonl(bad), std::runtime_error);
}

TEST_CASE("jsonl: a NUL byte does not end a line early", "[jsonl]") {
  // nlohmann_json reads a NUL byte as the end of its input: the second object was silently dropped.
  const std::string good = R"({"label": "ORG", "pattern": "Acme"})";
  std::istringstream in(good + "\n" + good + std::string(1, '\0') + R"({"label": "X", "pattern": "y"})" + "\n");
  try {
    (void)lexzone::io::load_patterns_jsonl(in);
    FAIL("a NUL byte inside a line was accepted");
  } catch (const pattern_error& e) {
    INFO(e.what());
    CHECK(e.line() == 2);
    CHECK(contains(e.problem(), "NUL byte at byte " + std::to_string(good.size() + 1)));
  }
}

TEST_CASE("jsonl: input quoted in an error keeps what() whole and on one line", "[jsonl]") {
  // Found by fuzz_patterns: a key "L\u0000IKE_URL" put a NUL byte in the message, and what() (a C string)
  // ended at it, without "unknown key". Control bytes are written as \xNN, in problem() and what() alike.
  std::istringstream in(R"({"label": "URL", "pattern": [{"L\u0000IKE_URL": true, "A\nB": 1}]})");
  const auto e = error_of([&] { (void)lexzone::io::load_patterns_jsonl(in); });
  REQUIRE(e.has_value());
  const std::string what = e->what();
  INFO(what);
  CHECK(contains(what, "L\\x00IKE_URL] unknown key"));
  CHECK(contains(what, "A\\x0AB] unknown key"));
  CHECK(what.find('\n') == std::string::npos);
  CHECK(contains(what, e->problem()));
  // Rethrown at another position (as the ruler and the loader do), the problem is kept as it is.
  const pattern_error again(*e, 3, 7);
  CHECK(again.problem() == e->problem());
  CHECK(again.why() == e->why());
  CHECK(again.index() == 3);
  CHECK(again.line() == 7);
  CHECK(std::string(again.what()) == "lexzone: line 7: " + e->problem());
}

TEST_CASE("jsonl: the schema errors of a long pattern are collected in linear time", "[jsonl]") {
  // 100,000 tokens with an unknown key each (a 900 KB line), 100,000 error locations: grouping the errors by
  // location searched every earlier location, about 5·10^9 string comparisons (minutes); now a fraction of
  // a second per 10^5 errors, so a bound of 60 s fails only the quadratic behaviour.
  constexpr std::size_t tokens = 100000;
  std::string line = R"({"label": "X", "pattern": [)";
  for (std::size_t i = 0; i < tokens; ++i) line += i == 0 ? R"({"x":1})" : R"(,{"x":1})";
  line += "]}\n";
  std::istringstream in(line);
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)lexzone::io::load_patterns_jsonl(in);
    FAIL("unknown keys were accepted");
  } catch (const pattern_error& e) {
    CHECK(e.line() == 1);
    // The first locations, then a count of the rest (reporting 100,000 locations helps nobody).
    CHECK(contains(e.problem(), "[pattern -> 0 -> x] unknown key"));
    CHECK(contains(e.problem(), "... and 99968 more errors"));
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
}

}  // namespace jsonl_test
