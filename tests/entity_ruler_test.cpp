// Tests of lexzone::matcher and lexzone::entity_ruler against spaCy 3.8.2's behaviour
// (tests/data/spacy_entity_ruler_cases.jsonl), plus the JSONL loader, atomicity, zones, scale and threads.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/matcher.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include "support/catch.hpp"
#include "support/whitespace_tokenizer.hpp"

#ifndef LEXZONE_TEST_DATA_DIR
#  error "LEXZONE_TEST_DATA_DIR must name tests/data"
#endif

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using doc = lexzone::basic_doc<vocab>;
using ruler_type = lexzone::entity_ruler<vocab>;
using matcher_type = lexzone::matcher<vocab>;
using json = nlohmann::json;
using lexzone::pattern_error;

static_assert(lexzone::pipeline_component<ruler_type, vocab>);

// spaCy's Matcher.add rejects an on_match that is not callable (E171); here that is a type error.
template <class M>
constexpr bool accepts_list_as_callback = requires(M& m, std::vector<lexzone::token_pattern> p) {
  m.add("KEY", p, lexzone::greedy_filter::none, std::vector<int>{});
};
static_assert(!accepts_list_as_callback<matcher_type>);

namespace {

const std::string data_dir = LEXZONE_TEST_DATA_DIR;

std::vector<json> load_cases() {
  std::ifstream in(data_dir + "/spacy_entity_ruler_cases.jsonl");
  REQUIRE(in.good());
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

const std::vector<json>& cases() {
  static const std::vector<json> all = load_cases();
  return all;
}

// Builds a doc from words and spaces in `scope` (the vocab or one of its zones).
// spaCy's English tokenizer rules: phrase patterns are split with them, as spaCy's EntityRuler does.
const lexzone::en::segmenter& english_rules() {
  static const lexzone::en::segmenter rules;
  return rules;
}

void english_splitter(std::string_view text, std::vector<std::string>& tokens) {
  std::vector<lexzone::en::piece> pieces;
  english_rules().segment(text, pieces);
  for (const auto& p : pieces) tokens.emplace_back(p.text_in(text));
}

template <class Scope>
doc make_doc(Scope& scope, const std::vector<std::string>& words, const std::vector<bool>& spaces) {
  std::string text;
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < words.size(); ++i) {
    offsets.push_back(text.size());
    text += words[i];
    if (i < spaces.size() && spaces[i]) text += ' ';
  }
  doc d(scope, text);
  // When the English rules segment the text into exactly these words, tokens get the NORMs of the
  // tokenizer exceptions that made them, as in spaCy ("don't" -> "do" + "n't" with norm "not").
  std::vector<lexzone::en::piece> pieces;
  english_rules().segment(text, pieces);
  bool same = pieces.size() == words.size();
  for (std::size_t i = 0; same && i < words.size(); ++i) same = pieces[i].text_in(text) == words[i];
  for (std::size_t i = 0; i < words.size(); ++i) {
    const lexzone::hash_t norm =
        same && !pieces[i].norm.empty() ? lexzone::scope_vocab(scope).strings().add(pieces[i].norm) : 0;
    d.push_token(scope.add(words[i]), offsets[i], i < spaces.size() && spaces[i], norm);
  }
  return d;
}

template <class Scope>
doc make_case_doc(Scope& scope, const json& c) {
  return make_doc(scope, c["words"].get<std::vector<std::string>>(), c["spaces"].get<std::vector<bool>>());
}

// Words separated by single spaces.
template <class Scope>
doc make_doc(Scope& scope, const std::vector<std::string>& words) {
  return make_doc(scope, words, std::vector<bool>(words.size(), true));
}

struct tally {
  int total = 0, supported = 0, passed = 0;
  std::map<std::string, int> skipped;  // reason -> cases
  std::vector<std::string> failures;
  std::vector<std::string> notes;
};

void report(const std::string& category, const tally& t) {
  std::ostringstream os;
  os << "[entity_ruler] " << category << ": " << t.total << " cases, " << t.supported << " supported, " << t.passed
     << " passed, " << (t.total - t.supported) << " skipped\n";
  for (const auto& [reason, n] : t.skipped) os << "    skipped " << n << ": " << reason << "\n";
  for (const auto& n : t.notes) os << "    note: " << n << "\n";
  for (const auto& f : t.failures) os << "    FAILED: " << f << "\n";
  std::cout << os.str() << std::flush;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

std::string short_source(const json& c) { return c.value("source", std::string("?")); }

// Cases whose expectation depends on spaCy's English tokenizer itself, not on the ruler.
// Cases that need something beyond the English tokenizer's rules (none at present).
const std::map<std::string, std::string> needs_english_tokenizer = {};

// --- entity ruler cases ---

struct ent_tuple {
  std::string text, label;
  std::size_t start_char, end_char, start, end;
  std::string id;
  auto key() const { return std::tie(text, label, start_char, end_char, start, end, id); }
  bool operator==(const ent_tuple& o) const { return key() == o.key(); }
};

std::string describe(const std::vector<ent_tuple>& v) {
  std::string s = "[";
  for (const auto& e : v)
    s += "(" + e.label + " " + std::to_string(e.start) + "-" + std::to_string(e.end) + " '" + e.text + "'" +
         (e.id.empty() ? "" : " id=" + e.id) + ") ";
  return s + "]";
}

std::vector<ent_tuple> ents_of(vocab& v, const doc& d) {
  std::vector<ent_tuple> out;
  for (const auto& e : d.entity_records()) {
    ent_tuple t{std::string(d.span_text(e.start, e.end)),
                std::string(v.strings()[e.label]),
                d.start_char(e.start),
                d.end_char(e.end),
                e.start,
                e.end,
                e.id != 0 ? std::string(v.strings()[e.id]) : std::string()};
    out.push_back(t);
  }
  return out;
}

lexzone::entity_ruler_config config_of(const json& c) {
  lexzone::entity_ruler_config cfg;
  cfg.splitter = &english_splitter;
  const json& j = c["config"];
  if (j.contains("phrase_matcher_attr") && !j["phrase_matcher_attr"].is_null()) {
    const auto a = lexzone::token_attr_from_name(j["phrase_matcher_attr"].get<std::string>());
    if (!a)
      throw pattern_error(0, "phrase_matcher_attr " + j["phrase_matcher_attr"].get<std::string>(),
                          pattern_error::reason::unsupported);
    cfg.phrase_matcher_attr = *a;
  }
  cfg.overwrite_ents = j.value("overwrite_ents", false);
  cfg.ent_id_sep = j.value("ent_id_sep", std::string("||"));
  return cfg;
}

std::string as_jsonl(const json& patterns) {
  std::string s;
  for (const auto& p : patterns) s += p.dump() + "\n";
  return s;
}

void set_pre_ents(vocab& v, doc& d, const json& c) {
  std::vector<doc::entity_record> pre;
  for (const auto& e : c["pre_ents"])
    pre.push_back({e["start"].get<std::uint32_t>(), e["end"].get<std::uint32_t>(),
                   v.strings().add(e["label"].get<std::string>()), 0});
  d.set_ents(std::move(pre));
}

// The entities a ruler with only pattern `i` finds on the case's doc.
std::vector<ent_tuple> solo(const json& c, std::size_t i) {
  vocab v;
  ruler_type r(v, config_of(c));
  std::istringstream in(c["patterns"][i].dump());
  lexzone::io::add_patterns_jsonl(r, in);
  doc d = make_case_doc(v, c);
  set_pre_ents(v, d, c);
  r(d);
  return ents_of(v, d);
}

void run_ruler_case(const json& c, tally& t) {
  ++t.total;
  const std::string src = short_source(c);
  if (const auto it = needs_english_tokenizer.find(src); it != needs_english_tokenizer.end()) {
    ++t.skipped["needs the English tokenizer: " + it->second];
    return;
  }
  vocab v;
  std::optional<ruler_type> ruler;
  try {
    ruler.emplace(v, config_of(c));
    std::istringstream in(as_jsonl(c["patterns"]));
    lexzone::io::add_patterns_jsonl(*ruler, in);
  } catch (const pattern_error& e) {
    if (!e.unsupported()) {
      ++t.supported;
      t.failures.push_back(src + ": patterns rejected: " + e.what());
      return;
    }
    ++t.skipped[e.problem()];
    return;
  }
  ++t.supported;

  std::vector<ent_tuple> expected;
  for (const auto& e : c["expected_ents"])
    expected.push_back({e["text"].get<std::string>(), e["label"].get<std::string>(), e["start_char"].get<std::size_t>(),
                        e["end_char"].get<std::size_t>(), e["start"].get<std::size_t>(), e["end"].get<std::size_t>(),
                        e.value("id", std::string())});
  // Same-span ties: lexzone's rule is "the pattern added first wins"; spaCy's pick is arbitrary.
  if (c.value("same_span_tie", false)) {
    for (const auto& span : c["same_span_tie_spans"]) {
      const auto s = span[0].get<std::size_t>(), e = span[1].get<std::size_t>();
      std::optional<ent_tuple> winner;
      for (std::size_t i = 0; i < c["patterns"].size() && !winner; ++i)
        for (const auto& ent : solo(c, i))
          if (ent.start == s && ent.end == e) winner = ent;
      REQUIRE(winner.has_value());
      for (auto& x : expected) {
        if (x.start != s || x.end != e) continue;
        const bool agrees = x.label == winner->label && x.id == winner->id;
        t.notes.push_back(src + ": tie at " + std::to_string(s) + "-" + std::to_string(e) +
                          " goes to the first pattern (" + winner->label + "); spaCy 3.8.2 picked " + x.label +
                          (agrees ? " (same)" : " (differs)"));
        x.label = winner->label;
        x.id = winner->id;
      }
    }
  }

  // Match inside a zone: nothing permanent may be added.
  const std::size_t perm_lexemes = v.permanent_size();
  std::vector<ent_tuple> got;
  {
    auto zone = v.memory_zone();
    doc d = make_case_doc(zone, c);
    set_pre_ents(v, d, c);  // labels of pre-existing entities are permanent strings
    const std::size_t after_pre = v.strings().permanent_size();
    (*ruler)(d);
    got = ents_of(v, d);
    if (v.strings().permanent_size() != after_pre) t.failures.push_back(src + ": matching interned a permanent string");
  }
  if (v.permanent_size() != perm_lexemes) t.failures.push_back(src + ": matching created a permanent lexeme");
  if (got == expected) ++t.passed;
  else t.failures.push_back(src + ": expected " + describe(expected) + " got " + describe(got));
}

// --- matcher cases ---

using keyed = std::vector<std::tuple<std::string, std::uint32_t, std::uint32_t>>;

std::string describe(const keyed& v) {
  std::string s;
  for (const auto& [k, a, b] : v) s += "(" + k + " " + std::to_string(a) + "," + std::to_string(b) + ")";
  return s;
}

void check_order(const std::vector<lexzone::pattern_match>& ms, tally& t, const std::string& src) {
  for (std::size_t i = 1; i < ms.size(); ++i) {
    const auto& a = ms[i - 1];
    const auto& b = ms[i];
    if (a.end > b.end || (a.end == b.end && a.start > b.start)) {
      t.failures.push_back(src + ": results not ordered by end then start");
      return;
    }
  }
}

keyed keyed_of(vocab& v, const std::vector<lexzone::pattern_match>& ms) {
  keyed out;
  for (const auto& m : ms) out.emplace_back(std::string(v.strings()[m.key]), m.start, m.end);
  std::sort(out.begin(), out.end());
  return out;
}

keyed expected_keyed(const json& c) {
  keyed out;
  for (const auto& m : c["expected_matches_keyed"])
    out.emplace_back(m[0].get<std::string>(), m[1].get<std::uint32_t>(), m[2].get<std::uint32_t>());
  std::sort(out.begin(), out.end());
  return out;
}

void run_matcher_case(const json& c, tally& t) {
  ++t.total;
  const std::string src = short_source(c);
  vocab v;
  matcher_type m(v);
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
    doc d = make_case_doc(zone, c);
    ms = m(d);
  }
  if (v.strings().permanent_size() != perm_strings) t.failures.push_back(src + ": matching interned a string");
  check_order(ms, t, src);
  const keyed got = keyed_of(v, ms), want = expected_keyed(c);
  if (got == want) ++t.passed;
  else t.failures.push_back(src + ": expected " + describe(want) + " got " + describe(got));
}

void run_phrase_case(const json& c, tally& t) {
  ++t.total;
  const std::string src = short_source(c);
  vocab v;
  matcher_type m(v);
  const auto attr = lexzone::token_attr_from_name(c["attr"].get<std::string>());
  if (!attr) {
    ++t.skipped["phrase attribute " + c["attr"].get<std::string>()];
    return;
  }
  ++t.supported;
  for (auto it = c["phrase_patterns"].begin(); it != c["phrase_patterns"].end(); ++it) {
    std::vector<std::vector<std::string>> words;
    std::vector<doc> docs;
    for (const auto& p : it.value()) {
      if (p.contains("token_norms")) {  // a pattern doc whose token norms were set by hand
        doc d = make_case_doc(v, p);
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
    doc d = make_case_doc(zone, c);
    ms = m(d);
  }
  check_order(ms, t, src);
  const keyed got = keyed_of(v, ms), want = expected_keyed(c);
  if (got == want) ++t.passed;
  else t.failures.push_back(src + ": expected " + describe(want) + " got " + describe(got));
}

// --- validation cases ---

template <class F>
std::optional<pattern_error> error_of(F&& f) {
  try {
    f();
  } catch (const pattern_error& e) {
    return e;
  }
  return std::nullopt;
}

void run_validation_case(const json& c, tally& t) {
  ++t.total;
  ++t.supported;
  const std::string src = short_source(c);
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

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  lexzone::split_phrase_default(text, out);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Conformance with spaCy 3.8.2

TEST_CASE("entity_ruler: spaCy EntityRuler cases and probes", "[entity_ruler]") {
  tally rules, probes;
  for (const auto& c : cases()) {
    const auto cat = c["category"].get<std::string>();
    if (cat == "entity_ruler") run_ruler_case(c, rules);
    else if (cat == "entity_ruler_probe") run_ruler_case(c, probes);
  }
  report("entity_ruler", rules);
  report("entity_ruler_probe", probes);
  CHECK(rules.total == 30);
  CHECK(probes.total == 30);
  for (const auto& f : rules.failures) FAIL_CHECK(f);
  for (const auto& f : probes.failures) FAIL_CHECK(f);
  REQUIRE(rules.passed == rules.supported);
  REQUIRE(probes.passed == probes.supported);
  REQUIRE(rules.supported + probes.supported >= 57);  // regression guard
}

TEST_CASE("entity_ruler: spaCy Matcher cases and probes", "[entity_ruler]") {
  tally matches, probes;
  int alignments = 0;
  for (const auto& c : cases()) {
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
}

TEST_CASE("entity_ruler: spaCy PhraseMatcher cases", "[entity_ruler]") {
  tally t;
  for (const auto& c : cases())
    if (c["category"] == "phrase_matcher") run_phrase_case(c, t);
  report("phrase_matcher", t);
  CHECK(t.total == 24);
  for (const auto& f : t.failures) FAIL_CHECK(f);
  REQUIRE(t.passed == t.supported);
  REQUIRE(t.supported == 24);
}

TEST_CASE("entity_ruler: spaCy pattern validation cases", "[entity_ruler]") {
  tally t;
  for (const auto& c : cases())
    if (c["category"] == "validation") run_validation_case(c, t);
  report("validation", t);
  CHECK(t.total == 50);
  for (const auto& f : t.failures) FAIL_CHECK(f);
  REQUIRE(t.passed == 50);
}

// ---------------------------------------------------------------------------------------------------------
// JSONL loading

TEST_CASE("entity_ruler: the sample patterns.jsonl", "[entity_ruler]") {
  const auto patterns =
      lexzone::io::load_patterns_jsonl(std::filesystem::path(data_dir) / "entity_ruler_patterns.sample.jsonl");
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
  const auto ents = ents_of(v, d);
  REQUIRE(ents.size() == 5);
  CHECK(ents[0] == ent_tuple{"Explosion AI", "ORG", 0, 12, 0, 2, "explosion"});
  CHECK(ents[1] == ent_tuple{"San Francisco", "GPE", 23, 36, 4, 6, "san-francisco"});
  CHECK(ents[2] == ent_tuple{"Mr. John Smith", "PERSON", 39, 53, 7, 10, "honorific-name"});
  CHECK(ents[3] == ent_tuple{"$ 5 million", "MONEY", 59, 70, 11, 14, ""});
  CHECK(ents[4] == ent_tuple{"iPhone 12 pro max", "PRODUCT", 78, 95, 16, 20, ""});
  // The span id is the id of the pattern's id string.
  CHECK(d.ents()[0].id() == lexzone::hash_string("explosion"));
}

TEST_CASE("entity_ruler: a malformed JSONL line is reported with its line number", "[entity_ruler]") {
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
  expect(R"({"label": "X", "pattern": [{"ORTH": {"REGEX": "^a"}}]})", 1, "REGEX", true);
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
  CHECK_THROWS_AS(lexzone::io::load_patterns_jsonl(std::filesystem::path(data_dir) / "no_such_file.jsonl"),
                  std::runtime_error);
}

TEST_CASE("entity_ruler: adding patterns is all-or-nothing", "[entity_ruler]") {
  vocab v;
  ruler_type ruler(v);
  ruler.add_pattern(lexzone::entity_pattern{"ORG", std::string("Acme"), ""});
  const std::size_t strings = v.strings().permanent_size(), lexemes = v.permanent_size();

  SECTION("a bad line in a file adds nothing") {
    std::istringstream in(R"({"label": "NEW1", "pattern": "Zeta Corp"})"
                          "\n"
                          R"({"label": "NEW2", "pattern": [{"LOWER": "omega"}]})"
                          "\n"
                          R"({"label": "NEW3", "pattern": [{"LOWER": "x", "OP": "%"}]})");
    CHECK_THROWS_AS(lexzone::io::add_patterns_jsonl(ruler, in), pattern_error);
  }
  SECTION("a pattern the ruler rejects adds nothing, not even strings") {
    std::vector<lexzone::entity_pattern> ps{
        {"NEW1", std::string("Zeta Corp"), "zeta"},
        {"NEW2", lexzone::token_pattern{lexzone::token_spec{}.equal(lexzone::token_attr::lower, "omega")}, ""},
        {"NEW3", std::string(" \t "), ""},
    };
    try {
      ruler.add_patterns(ps);
      FAIL("accepted");
    } catch (const pattern_error& e) {
      CHECK(e.index() == 2);
    }
  }
  SECTION("an invalid token pattern adds nothing") {
    lexzone::token_pattern bad{lexzone::token_spec{}.equal(lexzone::token_attr::lower, "x").op({2, 1, false})};
    std::vector<lexzone::entity_pattern> ps{{"NEW1", std::string("Zeta Corp"), ""}, {"NEW2", bad, ""}};
    CHECK_THROWS_AS(ruler.add_patterns(ps), pattern_error);
  }
  CHECK(ruler.size() == 1);
  CHECK(v.strings().permanent_size() == strings);
  CHECK(v.permanent_size() == lexemes);
  doc d = make_doc(v, {"Acme", "met", "Zeta", "Corp", "and", "omega"});
  ruler(d);
  REQUIRE(d.entity_records().size() == 1);
  CHECK(v.strings()[d.entity_records()[0].label] == "ORG");

  // The matcher itself: one bad pattern in a call leaves it unchanged.
  matcher_type m(v);
  std::vector<lexzone::token_pattern> ps{
      {lexzone::token_spec{}.equal(lexzone::token_attr::orth, "Acme")},
      {lexzone::token_spec{}.equal(lexzone::token_attr::orth, "caf\xE9")},
  };
  try {
    m.add("K", ps);
    FAIL("accepted");
  } catch (const pattern_error& e) {
    CHECK(e.index() == 1);
    CHECK(contains(e.problem(), "UTF-8"));
  }
  CHECK(m.empty());
  CHECK(m(d).empty());
}

// ---------------------------------------------------------------------------------------------------------
// Zones, scale, threads

TEST_CASE("entity_ruler: matching inside a zone adds nothing permanent", "[entity_ruler]") {
  vocab v;
  ruler_type ruler(v);
  lexzone::io::add_patterns_jsonl(ruler, std::filesystem::path(data_dir) / "entity_ruler_patterns.sample.jsonl");
  ruler.add_pattern(lexzone::entity_pattern{
      "EMAIL", lexzone::token_pattern{lexzone::token_spec{}.flag(lexzone::token_attr::like_email)}, ""});
  const std::size_t perm_strings = v.strings().permanent_size(), perm_lexemes = v.permanent_size();
  const std::size_t all_strings = v.strings().size();
  for (int i = 0; i < 200; ++i) {
    auto zone = v.memory_zone();
    const std::string mail = "user" + std::to_string(i) + "@example.com";
    doc d = make_doc(zone, {"Write", "to", mail, "in", "san", "francisco", "about", "iPhone", std::to_string(i)});
    ruler(d);
    const auto ents = ents_of(v, d);
    REQUIRE(ents.size() == 3);
    CHECK(ents[0].text == mail);
    CHECK(ents[1].label == "GPE");
    CHECK(ents[2].text == "iPhone " + std::to_string(i));
    CHECK(zone.transient_size() > 0);
    CHECK(v.strings().permanent_size() == perm_strings);
    CHECK(v.permanent_size() == perm_lexemes);
  }
  CHECK(v.strings().size() == all_strings);
  CHECK(v.size() == perm_lexemes);
}

TEST_CASE("entity_ruler: 5,000 phrase patterns and 500 token patterns stay correct and fast", "[entity_ruler]") {
  vocab v;
  ruler_type ruler(v);
  std::vector<lexzone::entity_pattern> ps;
  for (int i = 0; i < 5000; ++i)
    ps.push_back({"ORG", "Company " + std::to_string(i) + " Inc", "c" + std::to_string(i)});
  for (int i = 0; i < 500; ++i)
    ps.push_back(
        {"PRODUCT",
         lexzone::token_pattern{
             lexzone::token_spec{}.equal(lexzone::token_attr::lower, "model" + std::to_string(i)),
             lexzone::token_spec{}.flag(lexzone::token_attr::like_num).op(lexzone::token_quantifier::zero_or_one())},
         ""});
  ruler.add_patterns(ps);
  REQUIRE(ruler.size() == 5500);

  std::vector<std::string> words;
  std::vector<std::tuple<std::size_t, std::size_t, std::string, std::string>> expected;
  for (int k = 0; k < 200; ++k) {
    const int n = (k * 97) % 5000;
    words.insert(words.end(), {"We", "met", "Company"});
    expected.emplace_back(words.size() - 1, words.size() + 2, "ORG", "c" + std::to_string(n));
    words.insert(words.end(),
                 {std::to_string(n), "Inc", "and", "Company", "x", "Inc", "about", "Model" + std::to_string(k)});
    if (k % 2 == 0) {
      expected.emplace_back(words.size() - 1, words.size() + 1, "PRODUCT", "");
      words.push_back("7");
    } else {
      expected.emplace_back(words.size() - 1, words.size(), "PRODUCT", "");
    }
    words.push_back(".");
  }
  auto zone = v.memory_zone();
  doc d = make_doc(zone, words);
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int rounds = 20;
  for (int r = 0; r < rounds; ++r) ruler(d);
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[entity_ruler] 5,500 patterns: " << d.size() << " tokens in " << ms / rounds << " ms per doc\n";
  const auto ents = d.entity_records();
  REQUIRE(ents.size() == expected.size());
  for (std::size_t i = 0; i < ents.size(); ++i) {
    const auto& [s, e, label, id] = expected[i];
    CHECK(ents[i].start == s);
    CHECK(ents[i].end == e);
    CHECK(v.strings()[ents[i].label] == label);
    CHECK((ents[i].id == 0 ? std::string() : std::string(v.strings()[ents[i].id])) == id);
  }
  CHECK(ms / rounds < 250.0);  // generous: a few ms expected even at -O1 on a shared machine
}

TEST_CASE("entity_ruler: const matching from two threads at once", "[entity_ruler]") {
  vocab v;
  ruler_type ruler(v);
  lexzone::io::add_patterns_jsonl(ruler, std::filesystem::path(data_dir) / "entity_ruler_patterns.sample.jsonl");
  const std::vector<std::vector<std::string>> texts{
      {"Explosion", "AI", "is", "in", "San", "Francisco"},
      {"Dr.", "Jane", "Doe", "paid", "$", "3", "billion"},
      {"an", "iPhone", "mini", "and", "an", "iphone", "12", "pro"},
      {"nothing", "here", "at", "all"},
  };
  std::vector<std::vector<ent_tuple>> expected;
  for (const auto& w : texts) {
    auto zone = v.memory_zone();
    doc d = make_doc(zone, w);
    ruler(d);
    expected.push_back(ents_of(v, d));
  }
  REQUIRE(expected[0].size() == 2);
  std::atomic<int> mismatches{0}, runs{0};
  auto worker = [&](int seed) {
    for (int i = 0; i < 300; ++i) {
      auto zone = v.memory_zone();
      const std::size_t k = static_cast<std::size_t>(i + seed) % texts.size();
      std::vector<std::string> w = texts[k];
      w.push_back("t" + std::to_string(seed) + "_" + std::to_string(i));  // a transient word per doc
      doc d = make_doc(zone, w);
      const auto ents = ruler.match(d);
      std::vector<ent_tuple> got;
      for (const auto& e : ents)
        got.push_back({std::string(d.span_text(e.start, e.end)), std::string(v.strings()[e.label]),
                       d.start_char(e.start), d.end_char(e.end), e.start, e.end,
                       e.id != 0 ? std::string(v.strings()[e.id]) : std::string()});
      if (!(got == expected[k])) ++mismatches;
      ++runs;
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  CHECK(runs == 600);
  CHECK(mismatches == 0);
}

// ---------------------------------------------------------------------------------------------------------
// The C++ API

TEST_CASE("entity_ruler: token_quantifier parses spaCy's OP", "[entity_ruler]") {
  using q = lexzone::token_quantifier;
  CHECK(q::parse("?") == q::zero_or_one());
  CHECK(q::parse("*") == q::zero_or_more());
  CHECK(q::parse("+") == q::one_or_more());
  CHECK(q::parse("!") == q::negation());
  CHECK(q::parse("{3}") == q::between(3, 3));
  CHECK(q::parse("{2,5}") == q::between(2, 5));
  CHECK(q::parse("{2,}") == q::between(2, q::unbounded));
  CHECK(q::parse("{,4}") == q::between(0, 4));
  for (const char* bad : {"", "1", "{,}", "{a}", "{1, 3}", "{-2}", "{1,2,3}", "{,4}4", "{3,2}", "{"})
    CHECK_FALSE(q::parse(bad).has_value());
  CHECK(lexzone::token_attr_from_name("text") == lexzone::token_attr::orth);
  CHECK(lexzone::token_attr_from_name("Is_Title") == lexzone::token_attr::is_title);
  CHECK_FALSE(lexzone::token_attr_from_name("POS").has_value());
  CHECK(lexzone::token_attr_name(lexzone::token_attr::like_num) == "LIKE_NUM");
}

TEST_CASE("entity_ruler: matcher built from C++ patterns", "[entity_ruler]") {
  using lexzone::attr_predicate;
  using lexzone::token_attr;
  using lexzone::token_quantifier;
  using lexzone::token_spec;
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
  const auto ms = m(d);
  std::vector<std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint32_t>> got;
  for (const auto& x : ms) got.emplace_back(std::string(v.strings()[x.key]), x.start, x.end, x.pattern);
  using row = std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint32_t>;
  CHECK(got == std::vector<row>{{"GREETING", 0, 2, 2}, {"PERSON", 1, 3, 0}, {"PERSON", 1, 4, 0}, {"CODE", 4, 5, 1}});

  // Greedy filtering per key.
  matcher_type g(v);
  g.add("A", lexzone::token_pattern{token_spec{}.equal(token_attr::orth, "a").op(token_quantifier::one_or_more())},
        lexzone::greedy_filter::longest);
  CHECK(g.filter(lexzone::hash_string("A")) == lexzone::greedy_filter::longest);
  doc aa = make_doc(v, {"a", "a", "a", "b", "a", "a"});
  const auto gm = g(aa);
  REQUIRE(gm.size() == 2);
  CHECK((gm[0].start == 0 && gm[0].end == 3));
  CHECK((gm[1].start == 4 && gm[1].end == 6));

  // Phrase patterns on LOWER, from words and from docs (a doc's token norms are used on NORM).
  matcher_type p(v);
  p.add_phrases("CITY", std::vector<std::vector<std::string>>{{"new", "york"}, {"paris"}}, token_attr::lower);
  doc pattern_doc(v, "ny");
  pattern_doc.push_token(v.add("ny"), 0, false, v.strings().add("new-york"));
  p.add_phrase_docs("NY", std::span<const doc>(&pattern_doc, 1), token_attr::norm);
  doc text(v, "NEW YORK and Paris and NY");
  {
    const std::vector<std::string> w{"NEW", "YORK", "and", "Paris", "and", "NY"};
    text = make_doc(v, w);
    // a token whose norm (from a tokenizer exception) is "new-york"
    doc with_norm(v, text.text());
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto& r = text.token_records()[i];
      with_norm.push_token(*r.lex, r.byte_idx, r.space, i == 5 ? v.strings().add("new-york") : 0);
    }
    text = std::move(with_norm);
  }
  const auto pm = p(text);
  REQUIRE(pm.size() == 3);
  CHECK((pm[0].start == 0 && pm[0].end == 2 && pm[0].key == lexzone::hash_string("CITY")));
  CHECK((pm[1].start == 3 && pm[1].end == 4));
  CHECK((pm[2].start == 5 && pm[2].end == 6 && pm[2].key == lexzone::hash_string("NY")));

  // Validation of hand-built patterns.
  auto problem = [&](const lexzone::token_pattern& pat) {
    try {
      m.add("BAD", pat);
    } catch (const pattern_error& e) {
      return e.problem();
    }
    return std::string("accepted");
  };
  CHECK(contains(problem(lexzone::token_pattern{}), "at least one token"));
  CHECK(contains(problem({token_spec{}.equal(token_attr::orth, "a").op({2, 2, true})}), "negation"));
  CHECK(contains(problem({token_spec{}.op({3, 2, false})}), "minimum"));
  CHECK(contains(problem({token_spec{}.compare(token_attr::orth, attr_predicate::greater, 1)}), "ORTH"));
  CHECK(contains(problem({token_spec{}.equal(token_attr::is_alpha, "x")}), "true or false"));
  CHECK(contains(problem({token_spec{}.compare(token_attr::length, attr_predicate::equal, std::nan(""))}), "NaN"));
  CHECK(contains(problem({token_spec{}.op({0, 5000, false})}), "bound"));
  CHECK(m.size() == 3);
}

TEST_CASE("entity_ruler: ties, overwrite and existing entities", "[entity_ruler]") {
  vocab v;
  std::vector<lexzone::entity_pattern> ps{
      {"A", std::string("New York"), ""},
      {"B", std::string("New York"), "ny"},
      {"C",
       lexzone::token_pattern{lexzone::token_spec{}.equal(lexzone::token_attr::lower, "york"),
                              lexzone::token_spec{}.equal(lexzone::token_attr::lower, "city")},
       ""},
  };
  ruler_type first_wins(v);
  first_wins.add_patterns(ps);
  doc d = make_doc(v, {"I", "love", "New", "York", "City"});
  first_wins(d);
  auto ents = ents_of(v, d);
  REQUIRE(ents.size() == 1);
  CHECK(ents[0].label == "A");  // same span as B: the pattern added first wins

  // An existing entity blocks overlapping matches unless overwrite_ents.
  doc e = make_doc(v, {"I", "love", "New", "York", "City"});
  e.set_ents({{3, 5, v.strings().add("OLD"), 0}});
  first_wins(e);
  ents = ents_of(v, e);
  REQUIRE(ents.size() == 1);
  CHECK(ents[0].label == "OLD");
  lexzone::entity_ruler_config cfg;
  cfg.overwrite_ents = true;
  ruler_type overwrite(v, cfg);
  overwrite.add_patterns(ps);
  overwrite(e);
  ents = ents_of(v, e);
  REQUIRE(ents.size() == 1);
  CHECK(ents[0].label == "A");
  CHECK(ents[0].start == 2);
}

TEST_CASE("entity_ruler: phrase splitting, default and plugged in", "[entity_ruler]") {
  CHECK(split("(New York),") == std::vector<std::string>{"(", "New", "York", ")", ","});
  CHECK(split("e-mail 3.5 U.S.") == std::vector<std::string>{"e-mail", "3.5", "U.S", "."});
  CHECK(split("  \t ").empty());
  CHECK(split("caf\xC3\xA9! \xE2\x80\x9CHi\xE2\x80\x9D") ==
        std::vector<std::string>{"caf\xC3\xA9", "!", "\xE2\x80\x9C", "Hi", "\xE2\x80\x9D"});
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  CHECK(split("a\xC2\xA0" "b") == std::vector<std::string>{"a", "b"});  // no-break space separates
  // clang-format on
  CHECK(split("$5") == std::vector<std::string>{"$", "5"});

  // A tokenizer plugged in as the splitter (here: one that also splits the clitic 's, as spaCy's English
  // tokenizer does; the lead plugs in the lexzone::en segmenter the same way).
  vocab v;
  lexzone::entity_ruler_config cfg;
  cfg.splitter = [](std::string_view text, std::vector<std::string>& out) {
    lexzone::split_phrase_default(text, out);
    if (!out.empty() && out.back().size() > 2 && out.back().ends_with("'s")) {
      out.back().resize(out.back().size() - 2);
      out.push_back("'s");
    }
  };
  ruler_type ruler(v, cfg);
  ruler.add_pattern(lexzone::entity_pattern{"ORG", std::string("Rotan Mosle Inc's"), ""});
  doc d = make_doc(v, {"of", "Rotan", "Mosle", "Inc", "'s"});
  ruler(d);
  REQUIRE(d.entity_records().size() == 1);
  CHECK(d.entity_records()[0].start == 1);
  CHECK(d.entity_records()[0].end == 5);
}

TEST_CASE("entity_ruler: runs as a pipeline component", "[entity_ruler]") {
  using ws = lexzone::test::whitespace_tokenizer<vocab>;
  vocab v;
  ruler_type ruler(v);
  ruler.add_pattern(lexzone::entity_pattern{"GPE", std::string("New York"), "nyc"});
  lexzone::pipeline<vocab, ws, ruler_type> nlp(ws{}, std::move(ruler));
  const std::size_t perm = v.strings().permanent_size();
  lexzone::owned_doc out;
  {
    auto zone = v.memory_zone();
    out = nlp(zone, "I moved to New York last year").to_owned();
  }
  CHECK(v.strings().permanent_size() == perm);
  REQUIRE(out.ents.size() == 1);
  CHECK(out.ents[0].text == "New York");
  CHECK(out.ents[0].label == "GPE");
  CHECK(out.ents[0].id == "nyc");
}
