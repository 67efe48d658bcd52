// spaCy 3.8.2's EntityRuler, Matcher, PhraseMatcher and pattern-validation expectations
// (tests/data/spacy_entity_ruler_cases.jsonl), and what the tests of those features share: a tally of
// cases per category, matches keyed by their key text, entities as comparable tuples.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <lexzone/matcher.hpp>

#include "catch.hpp"
#include "english_docs.hpp"
#include "jsonl.hpp"

#ifndef LEXZONE_TEST_DATA_DIR
#  error "LEXZONE_TEST_DATA_DIR must name tests/data"
#endif

namespace lexzone::test {

inline std::string test_data_dir() { return LEXZONE_TEST_DATA_DIR; }

// Every case of spacy_entity_ruler_cases.jsonl (read once).
inline const std::vector<nlohmann::json>& spacy_matcher_cases() {
  static const std::vector<nlohmann::json> all = lexzone_test::read_jsonl("spacy_entity_ruler_cases.jsonl");
  return all;
}

// A case's doc, from its "words" and "spaces".
template <class Scope>
en_doc make_case_doc(Scope& scope, const nlohmann::json& c) {
  return make_doc(scope, c["words"].get<std::vector<std::string>>(), c["spaces"].get<std::vector<bool>>());
}

inline bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

inline std::string short_source(const nlohmann::json& c) { return c.value("source", std::string("?")); }

// Outcome of the cases of one category; `report` prints it.
struct tally {
  int total = 0, supported = 0, passed = 0;
  std::map<std::string, int> skipped;  // reason -> cases
  std::vector<std::string> failures;
  std::vector<std::string> notes;
};

inline void report(const std::string& category, const tally& t) {
  std::ostringstream os;
  os << "[" << category << "] " << t.total << " cases, " << t.supported << " supported, " << t.passed << " passed, "
     << (t.total - t.supported) << " skipped\n";
  for (const auto& [reason, n] : t.skipped) os << "    skipped " << n << ": " << reason << "\n";
  for (const auto& n : t.notes) os << "    note: " << n << "\n";
  for (const auto& f : t.failures) os << "    FAILED: " << f << "\n";
  std::cout << os.str() << std::flush;
}

// The pattern_error `f()` throws, if any.
template <class F>
std::optional<pattern_error> error_of(F&& f) {
  try {
    f();
  } catch (const pattern_error& e) {
    return e;
  }
  return std::nullopt;
}

// --- matches, keyed by the text of their key ---

using keyed = std::vector<std::tuple<std::string, std::uint32_t, std::uint32_t>>;

inline std::string describe(const keyed& v) {
  std::string s;
  for (const auto& [k, a, b] : v) s += "(" + k + " " + std::to_string(a) + "," + std::to_string(b) + ")";
  return s;
}

// Records a failure unless `ms` is ordered by end, then start (the matcher's documented order).
inline void check_order(const std::vector<pattern_match>& ms, tally& t, const std::string& src) {
  for (std::size_t i = 1; i < ms.size(); ++i) {
    const auto& a = ms[i - 1];
    const auto& b = ms[i];
    if (a.end > b.end || (a.end == b.end && a.start > b.start)) {
      t.failures.push_back(src + ": results not ordered by end then start");
      return;
    }
  }
}

inline keyed keyed_of(en_vocab& v, const std::vector<pattern_match>& ms) {
  keyed out;
  for (const auto& m : ms) out.emplace_back(std::string(v.strings()[m.key]), m.start, m.end);
  std::sort(out.begin(), out.end());
  return out;
}

inline keyed expected_keyed(const nlohmann::json& c) {
  keyed out;
  for (const auto& m : c["expected_matches_keyed"])
    out.emplace_back(m[0].get<std::string>(), m[1].get<std::uint32_t>(), m[2].get<std::uint32_t>());
  std::sort(out.begin(), out.end());
  return out;
}

// --- entities as comparable values ---

struct ent_tuple {
  std::string text, label;
  std::size_t start_char, end_char, start, end;
  std::string id;
  [[nodiscard]] auto key() const { return std::tie(text, label, start_char, end_char, start, end, id); }
  bool operator==(const ent_tuple& o) const { return key() == o.key(); }
};

inline std::string describe(const std::vector<ent_tuple>& v) {
  std::string s = "[";
  for (const auto& e : v)
    s += "(" + e.label + " " + std::to_string(e.start) + "-" + std::to_string(e.end) + " '" + e.text + "'" +
         (e.id.empty() ? "" : " id=" + e.id) + ") ";
  return s + "]";
}

// The entities of `d` (labels and ids are strings of `v`).
template <class Records>
std::vector<ent_tuple> ents_of(en_vocab& v, const en_doc& d, const Records& records) {
  std::vector<ent_tuple> out;
  for (const auto& e : records)
    out.push_back({std::string(d.span_text(e.start, e.end)), std::string(v.strings()[e.label]), d.start_char(e.start),
                   d.end_char(e.end), e.start, e.end, e.id != 0 ? std::string(v.strings()[e.id]) : std::string()});
  return out;
}
inline std::vector<ent_tuple> ents_of(en_vocab& v, const en_doc& d) { return ents_of(v, d, d.entity_records()); }

}  // namespace lexzone::test
