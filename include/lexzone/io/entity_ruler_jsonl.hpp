/// \file io/entity_ruler_jsonl.hpp
/// Reading spaCy's pattern formats with nlohmann_json: `patterns.jsonl` for the `entity_ruler`, and the
/// token-pattern lists of `Matcher.add`. Includes `<nlohmann/json.hpp>` (as en_pipeline.hpp, through this
/// header, and spacy_lex_file.hpp do: link nlohmann_json).
///
/// ## Validation
/// Token patterns are checked against spaCy 3.8's pattern schema (`spacy/schemas.py`, `TokenPattern`):
/// `schema_errors` returns one message per offending location, as spaCy's `validate_token_pattern` does,
/// and rejects what it rejects (unknown keys, wrong value types, `null`, malformed `OP`, ...). Keys and
/// predicate names are ASCII case-insensitive (spaCy's schema takes upper or lower case only; its
/// matcher, which runs without validation by default, upper-cases any key). A pattern that passes the
/// schema but uses something lexzone does not implement (`POS`, `LEMMA`, `FUZZY`, `_`, `REGEX` on
/// `LENGTH`, ...) raises `pattern_error` with `reason::unsupported`. `parse_token_pattern` also rejects what
/// spaCy's `Matcher.add` rejects after the schema: a plain `LENGTH` value that is a float (`3.0`, `3.5`: E153)
/// or negative (`-1`: an OverflowError storing it as the unsigned `attr_t`). Floats and negative numbers stay
/// valid in the comparisons (`{">=": 3.5}`), which spaCy's schema types `Union[StrictInt, StrictFloat]`;
/// `IN`/`NOT_IN` lists on `LENGTH` take integers only (`List[StrictInt]`).
///
/// `REGEX` on ORTH/TEXT, LOWER, NORM and SHAPE becomes a regex constraint, as spaCy reads it:
/// `{"REGEX": "r"}` is `attr_predicate::regex`; inside a `REGEX` object, `IN` and `NOT_IN` take regexes
/// (`regex_in`, `regex_not_in`: any of them matches, none matches) and a nested `REGEX` is read the same
/// way. The sources are not compiled here: the matcher compiles them when the pattern is added (with its
/// `regex_compiler`), and a bad regex is reported then, as spaCy raises `re.error` at add time.
///
/// ## JSONL
/// One JSON object per line: `{"label": str, "pattern": str | [token dicts], "id"?: str}`. Empty and
/// white-space lines are skipped; a UTF-8 byte order mark on line 1 and a trailing CR are ignored. Other
/// keys are ignored (as spaCy does). A key repeated in one JSON object keeps its last value, as in Python's
/// `json` and in the `ujson` of spaCy's `srsly.read_jsonl` (keys differing in case are distinct keys).
/// Loading is all-or-nothing: the first bad line throws `pattern_error` with `line()` set (1-based) and
/// `what()` naming the line and the problem; nothing is returned or added. Lines that are not valid UTF-8
/// or hold a NUL byte are rejected before parsing.
///
/// Every function here is reentrant: it reads its arguments only (and writes the ruler it is given), so
/// distinct calls may run on any threads. Results are plain values owning their strings: no zone and no
/// vocab is involved until patterns are added to a ruler.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../entity_ruler.hpp"
#include "../matcher.hpp"
#include "../unicode/utf8.hpp"
#include "file_error.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::io {

/// Why a patterns file could not be read (its content's faults are `pattern_error`s).
enum class pattern_file_errc {
  missing,     ///< no such file
  unreadable,  ///< exists but cannot be read (a directory, no permission, an I/O error)
};

/// Name of `e` ("missing", "unreadable"). Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view to_string(pattern_file_errc e) noexcept {
  switch (e) {
    case pattern_file_errc::missing: return "missing";
    case pattern_file_errc::unreadable: return "unreadable";
  }
  return "unknown";
}

/// Thrown by the patterns-file readers when the file cannot be read: `code()` says why, `name()` names the
/// file, and `what()` reads "<name>: <problem>". A `std::runtime_error`, as the other data-file errors.
using pattern_file_error = file_error<pattern_file_errc>;

namespace detail {

using json = nlohmann::json;

/// Errors grouped by location, in order of first appearance (spaCy reports one line per location). At
/// most `max_groups` locations are kept, each location quoted in at most 200 bytes and its messages in
/// at most 512: a hostile line (a list of 30,000 bad values under a 30,000-byte key) would otherwise make
/// gigabytes of messages; the rest is counted ("... and N more"). Complexity: O(size of loc and msg)
/// expected per `add` (a caller that sees `full` counts its errors with `drop`, in O(1)).
class schema_report {
 public:
  static constexpr std::size_t max_groups = 32;

  void add(const std::string& loc, std::string_view msg) {
    if (const auto it = index_.find(loc); it != index_.end()) {
      auto& text = groups_[it->second].text;
      if (text.size() < 512) {
        text += ", ";
        text += msg;
      }
      return;
    }
    if (groups_.size() == max_groups) {
      ++dropped_;
      return;
    }
    groups_.push_back(group{loc, std::string(msg)});
    index_.emplace(loc, groups_.size() - 1);
  }
  /// Whether no new location would be kept (a caller may then count an error with `drop` instead of
  /// building its location). Throws: nothing.
  [[nodiscard]] bool full() const noexcept { return groups_.size() == max_groups; }
  /// Counts an error at a new location without keeping it (see `full`). Throws: nothing.
  void drop() noexcept { ++dropped_; }
  /// Adds every group of `other` (same grouping rule and bounds).
  void merge(const schema_report& other) {
    for (const auto& g : other.groups_) add(g.loc, g.text);
    dropped_ += other.dropped_;
  }
  [[nodiscard]] std::vector<std::string> messages() const {
    std::vector<std::string> out;
    out.reserve(groups_.size() + 1);
    for (const auto& g : groups_) out.push_back("[" + lexzone::detail::printable(g.loc, 200) + "] " + g.text);
    if (dropped_ != 0) out.push_back("... and " + std::to_string(dropped_) + " more errors");
    return out;
  }

 private:
  struct group {
    std::string loc;   // the location (whole: the grouping key; quoted cut)
    std::string text;  // its messages, ", "-joined
  };
  std::vector<group> groups_;
  std::unordered_map<std::string, std::size_t> index_;  // location -> its group
  std::size_t dropped_ = 0;                             // errors past max_groups locations
};

[[nodiscard]] inline std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return out;
}

[[nodiscard]] inline bool is_strict_int(const json& v) noexcept { return v.is_number_integer(); }
[[nodiscard]] inline bool is_strict_number(const json& v) noexcept { return v.is_number(); }

enum class value_kind { string_value, number_value, boolean, iob, op, underscore };

[[nodiscard]] inline std::optional<value_kind> field_kind(std::string_view upper_key) {
  static constexpr std::string_view strings[] = {"ORTH",  "TEXT",  "LOWER",    "POS",    "TAG",       "MORPH", "DEP",
                                                 "LEMMA", "SHAPE", "ENT_TYPE", "ENT_ID", "ENT_KB_ID", "NORM"};
  static constexpr std::string_view bools[] = {
      "SPACY",    "IS_ALPHA",      "IS_ASCII",   "IS_DIGIT", "IS_LOWER",      "IS_UPPER",       "IS_TITLE",
      "IS_PUNCT", "IS_SPACE",      "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY",
      "IS_STOP",  "IS_SENT_START", "SENT_START", "LIKE_NUM", "LIKE_URL",      "LIKE_EMAIL"};
  for (auto s : strings)
    if (upper_key == s) return value_kind::string_value;
  for (auto s : bools)
    if (upper_key == s) return value_kind::boolean;
  if (upper_key == "LENGTH") return value_kind::number_value;
  if (upper_key == "ENT_IOB") return value_kind::iob;
  if (upper_key == "OP") return value_kind::op;
  if (upper_key == "_") return value_kind::underscore;
  return std::nullopt;
}

[[nodiscard]] inline bool is_set_predicate(std::string_view k) {
  return k == "IN" || k == "NOT_IN" || k == "IS_SUBSET" || k == "IS_SUPERSET" || k == "INTERSECTS";
}
[[nodiscard]] inline bool is_fuzzy_predicate(std::string_view k) {
  return k == "FUZZY" || (k.size() == 6 && k.substr(0, 5) == "FUZZY" && k[5] >= '1' && k[5] <= '9');
}
[[nodiscard]] inline bool is_comparison(std::string_view k) {
  return k == "==" || k == "!=" || k == ">=" || k == "<=" || k == ">" || k == "<";
}

/// spaCy's OP: one of + * ? ! or the min-max forms {n} {n,m} {n,} {,m} (ASCII digits, any size, any order).
[[nodiscard]] inline bool op_syntax_ok(std::string_view op) {
  return op == "+" || op == "*" || op == "?" || op == "!" || lexzone::detail::split_op_bounds(op).has_value();
}

/// The value of an IN / NOT_IN / IS_SUBSET ... predicate: a list whose elements all pass `valid`
/// (`message` names what was expected of one that does not); returns whether valid.
template <class Valid>
bool check_set_values(const json& v, const std::string& loc, schema_report& r, Valid valid, const char* message) {
  if (!v.is_array()) {
    r.add(loc, "expected a list");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!valid(v[i])) {
      // Each element has a location of its own: past the report's bound, not built (its cost grows with
      // the location's length, which a hostile key makes long).
      if (r.full()) r.drop();
      else r.add(loc + " -> " + std::to_string(i), v[i].is_null() ? "null is not allowed" : message);
      ok = false;
    }
  }
  return ok;
}

/// The keys of an object of string predicates (spaCy's `TokenPatternString`); returns whether valid.
inline bool check_string_predicates(const json& obj, const std::string& loc, schema_report& r, int depth = 0) {
  // spaCy's schema nests a REGEX/FUZZY object one level; a hostile line can nest it thousands of times.
  // Past a small depth the pattern is rejected here, before the recursion could exhaust the stack.
  constexpr int max_depth = 8;
  if (depth > max_depth) {
    r.add(loc, "predicates nested too deeply");
    return false;
  }
  bool ok = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string k = upper(it.key());
    const std::string kloc = loc + " -> " + it.key();
    const json& v = it.value();
    if (v.is_null()) {
      r.add(kloc, "null is not allowed");
      ok = false;
    } else if (k == "REGEX" || is_fuzzy_predicate(k)) {
      if (v.is_object()) {
        if (!check_string_predicates(v, kloc, r, depth + 1)) {
          r.add(kloc, "expected a string");
          ok = false;
        }
      } else if (!v.is_string()) {
        r.add(kloc, "expected a string or an object of predicates");
        ok = false;
      }
    } else if (is_set_predicate(k)) {
      ok = check_set_values(
               v, kloc, r, [](const json& e) { return e.is_string(); }, "expected a string") &&
           ok;
    } else {
      r.add(kloc, "unknown predicate");
      ok = false;
    }
  }
  return ok;
}

/// The keys of an object of number predicates (spaCy's `TokenPatternNumber`); returns whether valid.
inline bool check_number_predicates(const json& obj, const std::string& loc, schema_report& r) {
  bool ok = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string k = upper(it.key());
    const std::string kloc = loc + " -> " + it.key();
    const json& v = it.value();
    if (v.is_null()) {
      r.add(kloc, "null is not allowed");
      ok = false;
    } else if (k == "REGEX") {
      if (!v.is_string()) {
        r.add(kloc, "expected a string");
        ok = false;
      }
    } else if (is_set_predicate(k)) {
      ok = check_set_values(v, kloc, r, is_strict_int, "expected an integer") && ok;
    } else if (is_comparison(k)) {
      if (!is_strict_number(v)) {
        r.add(kloc, "expected a number");
        ok = false;
      }
    } else {
      r.add(kloc, "unknown predicate");
      ok = false;
    }
  }
  return ok;
}

inline void check_token_dict(const json& spec, const std::string& loc, schema_report& r) {
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string k = upper(it.key());
    const std::string kloc = loc + " -> " + it.key();
    const json& v = it.value();
    const auto kind = field_kind(k);
    if (!kind) {
      r.add(kloc, "unknown key");
      continue;
    }
    if (v.is_null()) {
      r.add(kloc, "null is not allowed");
      continue;
    }
    switch (*kind) {
      case value_kind::string_value:
        if (v.is_string()) break;
        if (v.is_object()) {
          if (!check_string_predicates(v, kloc, r)) r.add(kloc, "expected a string");
        } else {
          r.add(kloc, "expected a string or an object of predicates");
        }
        break;
      case value_kind::number_value:
        if (is_strict_number(v)) break;
        if (v.is_object()) {
          if (!check_number_predicates(v, kloc, r)) r.add(kloc, "expected a number");
        } else {
          r.add(kloc, "expected a number or an object of predicates");
        }
        break;
      case value_kind::boolean:
        if (!v.is_boolean()) r.add(kloc, "expected true or false");
        break;
      case value_kind::iob: {
        const bool ok =
            (v.is_string() && (v.get_ref<const std::string&>().empty() || v == "I" || v == "O" || v == "B")) ||
            (v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() <= 3);
        if (!ok) r.add(kloc, "expected one of \"\", \"I\", \"O\", \"B\", 0, 1, 2, 3");
        break;
      }
      case value_kind::op:
        if (!v.is_string() || !op_syntax_ok(v.get_ref<const std::string&>()))
          r.add(kloc, "expected one of + * ? ! {n} {n,m} {n,} {,m}");
        break;
      case value_kind::underscore:
        if (!v.is_object()) {
          r.add(kloc, "expected an object");
          break;
        }
        for (auto u = v.begin(); u != v.end(); ++u) {
          const json& uv = u.value();
          const std::string uloc = kloc + " -> " + u.key();
          if (uv.is_null()) {
            r.add(uloc, "null is not allowed");
          } else if (uv.is_object()) {
            schema_report as_string, as_number;
            const bool s_ok = check_string_predicates(uv, uloc, as_string);
            const bool n_ok = !s_ok && check_number_predicates(uv, uloc, as_number);
            if (!s_ok && !n_ok) {
              r.merge(as_string);
              r.merge(as_number);
              r.add(uloc, "expected a value or an object of predicates");
            }
          }
        }
        break;
    }
  }
}

[[noreturn]] inline void unsupported(std::size_t index, const std::string& what) {
  throw pattern_error(index, what, pattern_error::reason::unsupported);
}

inline std::vector<std::string> strings_of(const json& arr) {
  std::vector<std::string> out;
  out.reserve(arr.size());
  for (const auto& s : arr) out.push_back(s.get<std::string>());
  return out;
}

inline std::vector<double> numbers_of(const json& arr) {
  std::vector<double> out;
  out.reserve(arr.size());
  for (const auto& s : arr) out.push_back(s.get<double>());
  return out;
}

/// Appends the regex constraints of `value`, the value of a `REGEX` key on string attribute `attr`, to
/// `ts` (see the file comment); `tok` prefixes messages. Recursion is bounded by the schema's nesting limit.
inline void add_regex(token_spec& ts, token_attr attr, const json& value, std::size_t index, const std::string& tok) {
  if (value.is_string()) {
    ts.regex(attr, value.get<std::string>());
    return;
  }
  for (auto p = value.begin(); p != value.end(); ++p) {
    const std::string pk = upper(p.key());
    if (pk == "REGEX") add_regex(ts, attr, p.value(), index, tok);
    else if (pk == "IN") ts.regex_in(attr, strings_of(p.value()));
    else if (pk == "NOT_IN") ts.regex_not_in(attr, strings_of(p.value()));
    else unsupported(index, tok + pk + " predicate inside REGEX");
  }
}

/// The quantifier `op`, which passed the schema (`op_syntax_ok`), read as spaCy reads it: leading zeros do
/// not count (as `token_quantifier::parse` reads them) and a bound may have any number of digits (`parse`
/// takes up to 9 after the zeros). `tok` prefixes messages. Throws: `pattern_error` (`index`) for a minimum
/// above the maximum, with `reason::unsupported` for a bound of more digits (above
/// `token_quantifier::max_bound`); `std::bad_alloc`.
inline token_quantifier quantifier_of(std::string_view op, std::size_t index, const std::string& tok) {
  if (const auto q = token_quantifier::parse(op)) return *q;
  // `parse` refused bounds in the schema's spelling: out of order, or a bound of more than 9 digits.
  if (const auto bounds = lexzone::detail::split_op_bounds(op)) {
    const std::string_view min = lexzone::detail::significant_digits(bounds->min),
                           max = lexzone::detail::significant_digits(bounds->max);
    // Digits without leading zeros compare as numbers: by length, then digit by digit. No maximum: in order.
    const bool in_order = bounds->max.empty() || (min.size() != max.size() ? min.size() < max.size() : min <= max);
    if (in_order) {
      throw pattern_error(
          index,
          tok + "OP " + std::string(op) + ": quantifier bound above " + std::to_string(token_quantifier::max_bound),
          pattern_error::reason::unsupported);
    }
  }
  throw pattern_error(index, tok + "OP " + std::string(op) + ": the minimum is above the maximum");
}

inline std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += "; ";
    out += s;
  }
  return out;
}

}  // namespace detail

/// spaCy's schema check of one token pattern (a JSON list of token dicts): one message per offending
/// location ("[pattern -> 0 -> LOWER] expected a string ..."), empty when valid; past 32 locations, one
/// last message counts the rest ("... and N more errors"; spaCy lists them all). Nesting of predicate
/// objects is bounded (a hostile pattern cannot exhaust the stack). Complexity: O(pattern size).
/// Throws: `std::bad_alloc`.
[[nodiscard]] inline std::vector<std::string> schema_errors(const nlohmann::json& pattern) {
  detail::schema_report r;
  if (!pattern.is_array()) {
    r.add("pattern", "expected a list of token dicts");
  } else if (pattern.empty()) {
    r.add("pattern", "a pattern needs at least one token");
  } else {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const std::string loc = "pattern -> " + std::to_string(i);
      if (!pattern[i].is_object()) r.add(loc, "expected an object (token dict)");
      else detail::check_token_dict(pattern[i], loc, r);
    }
  }
  return r.messages();
}

/// Converts one JSON token pattern. Throws: `pattern_error` (`index` as given) for a pattern spaCy's
/// schema rejects, that `validate_token_pattern` rejects (e.g. `{3,2}`) or that spaCy's `Matcher.add`
/// rejects (a plain `LENGTH` value that is a float or negative), with `reason::unsupported` for
/// schema-valid features lexzone lacks; `std::bad_alloc`. Complexity: O(pattern size).
[[nodiscard]] inline token_pattern parse_token_pattern(const nlohmann::json& pattern, std::size_t index = 0) {
  const auto errors = schema_errors(pattern);
  if (!errors.empty()) throw pattern_error(index, "invalid token pattern: " + detail::join(errors));
  token_pattern out;
  out.tokens.reserve(pattern.size());
  for (std::size_t t = 0; t < pattern.size(); ++t) {
    const auto& spec = pattern[t];
    token_spec ts;
    const std::string tok = "token " + std::to_string(t) + ": ";
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      const std::string k = detail::upper(it.key());
      const auto& v = it.value();
      if (k == "OP") {
        ts.quantifier = detail::quantifier_of(v.get_ref<const std::string&>(), index, tok);
        continue;
      }
      if (k == "_") detail::unsupported(index, tok + "custom extension attributes (_)");
      const auto attr = token_attr_from_name(k);
      if (!attr) {
        if (k == "IS_SENT_START" || k == "SENT_START") detail::unsupported(index, tok + k + " (sentence boundaries)");
        detail::unsupported(index, tok + k + " (needs annotations from a trained pipeline)");
      }
      if (v.is_boolean()) {
        ts.flag(*attr, v.get<bool>());
      } else if (v.is_string()) {
        ts.equal(*attr, v.get<std::string>());
      } else if (v.is_number()) {  // LENGTH, the one numeric attribute; the schema took any number
        if (!v.is_number_integer())
          throw pattern_error(index, tok + k + " " + v.dump() +
                                         ": a plain value must be an integer (spaCy's E153; a comparison such as "
                                         "{\"==\": ...} takes a float)");
        if (!v.is_number_unsigned() && v.get<std::int64_t>() < 0)  // `-0` is a signed 0
          throw pattern_error(index, tok + k + " " + v.dump() + ": a plain value must not be negative");
        ts.compare(*attr, attr_predicate::equal, v.get<double>());
      } else {  // object of predicates
        for (auto p = v.begin(); p != v.end(); ++p) {
          const std::string pk = detail::upper(p.key());
          const auto& pv = p.value();
          const bool numeric = *attr == token_attr::length;
          if (pk == "IN" || pk == "NOT_IN") {
            basic_attr_constraint<std::string> c;
            c.attr = *attr;
            c.predicate = pk == "IN" ? attr_predicate::in : attr_predicate::not_in;
            if (numeric) c.numbers = detail::numbers_of(pv);
            else c.strings = detail::strings_of(pv);
            ts.constraints.push_back(std::move(c));
          } else if (detail::is_comparison(pk)) {
            const attr_predicate op = pk == "=="   ? attr_predicate::equal
                                      : pk == "!=" ? attr_predicate::not_equal
                                      : pk == ">=" ? attr_predicate::greater_equal
                                      : pk == "<=" ? attr_predicate::less_equal
                                      : pk == ">"  ? attr_predicate::greater
                                                   : attr_predicate::less;
            ts.compare(*attr, op, pv.get<double>());
          } else if (pk == "REGEX" && !numeric) {
            detail::add_regex(ts, *attr, pv, index, tok);
          } else if (pk == "REGEX") {  // spaCy searches the name of the symbol whose id is the length
            detail::unsupported(index, tok + "REGEX on LENGTH");
          } else {
            detail::unsupported(index, tok + pk + " predicate");
          }
        }
      }
    }
    out.tokens.push_back(std::move(ts));
  }
  validate_token_pattern(out, index);
  return out;
}

/// Converts the `patterns` argument of spaCy's `Matcher.add`: a list of token patterns. Throws:
/// `pattern_error` (index of the pattern) when it is not a list, when an item is empty or not a list
/// (spaCy's E012 / E178), or as `parse_token_pattern`; `std::bad_alloc`. Complexity: O(total size).
[[nodiscard]] inline std::vector<token_pattern> parse_token_patterns(const nlohmann::json& patterns) {
  if (!patterns.is_array()) throw pattern_error(0, "expected a list of patterns");
  std::vector<token_pattern> out;
  out.reserve(patterns.size());
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const auto& p = patterns[i];
    if (p.is_array() && p.empty()) throw pattern_error(i, "a pattern needs at least one token");
    if (!p.is_array())
      throw pattern_error(i,
                          "each pattern must be a list of token dicts (was a single pattern passed "
                          "instead of a list of patterns?)");
    out.push_back(parse_token_pattern(p, i));
  }
  return out;
}

/// spaCy's `greedy` argument: null (none), "FIRST" or "LONGEST" (exact spelling, as spaCy).
/// Complexity: O(1). Throws: `std::invalid_argument` for anything else (its message shows a string or
/// number, at most 64 bytes of it, escaped as `detail::printable` does; an array or object by its type),
/// `std::bad_alloc`.
[[nodiscard]] inline greedy_filter parse_greedy(const nlohmann::json& value) {
  if (value.is_null()) return greedy_filter::none;
  if (value == "FIRST") return greedy_filter::first;
  if (value == "LONGEST") return greedy_filter::longest;
  // A string or a number is shown; a container by its type only (dumping it would recurse over its whole
  // depth, and read all of it, to show 64 bytes).
  const std::string shown = value.is_primitive() ? value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                                 : std::string("a JSON ") + value.type_name();
  throw std::invalid_argument("lexzone: greedy must be null, \"FIRST\" or \"LONGEST\", not " +
                              lexzone::detail::printable(shown, 64));
}

/// Converts one `patterns.jsonl` entry. Throws: `pattern_error` (`index` as given) when it is not an
/// object, lacks a string `label` or a `pattern` (string or list), has a non-string `id`, or has a bad
/// token pattern; `std::bad_alloc`. Complexity: O(entry size).
[[nodiscard]] inline entity_pattern parse_entity_pattern(const nlohmann::json& entry, std::size_t index = 0) {
  if (!entry.is_object()) throw pattern_error(index, "expected a JSON object with \"label\" and \"pattern\"");
  const auto label = entry.find("label");
  if (label == entry.end()) throw pattern_error(index, "missing \"label\"");
  if (!label->is_string()) throw pattern_error(index, "\"label\" must be a string");
  const auto pattern = entry.find("pattern");
  if (pattern == entry.end()) throw pattern_error(index, "missing \"pattern\"");
  entity_pattern out;
  out.label = label->get<std::string>();
  if (label->get_ref<const std::string&>().empty()) throw pattern_error(index, "\"label\" is empty");
  if (const auto id = entry.find("id"); id != entry.end() && !id->is_null()) {
    if (!id->is_string()) throw pattern_error(index, "\"id\" must be a string");
    out.id = id->get<std::string>();
  }
  if (pattern->is_string()) {
    out.pattern = pattern->get<std::string>();
  } else if (pattern->is_array()) {
    out.pattern = parse_token_pattern(*pattern, index);
  } else {
    throw pattern_error(index, "\"pattern\" must be a string (phrase) or a list of token dicts");
  }
  return out;
}

namespace detail {

struct loaded_patterns {
  std::vector<entity_pattern> patterns;
  std::vector<std::size_t> lines;  // 1-based line of each pattern
};

// `file`: the name of the file `in` reads, for a read error (nullptr: a stream the caller opened).
inline loaded_patterns load_with_lines(std::istream& in, const std::string* file = nullptr) {
  loaded_patterns out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text(line);
    if (number == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t\r\f\v") == std::string_view::npos) continue;
    const std::size_t index = out.patterns.size();
    for (std::size_t i = 0; i < text.size();) {
      if (text[i] == '\0')  // nlohmann_json would stop there as at the end of the line, dropping the rest
        throw pattern_error(index, "NUL byte at byte " + std::to_string(i + 1), pattern_error::reason::invalid, number);
      const auto d = unicode::decode(text, i);
      if (!d.valid)
        throw pattern_error(index, "invalid UTF-8 at byte " + std::to_string(i + 1), pattern_error::reason::invalid,
                            number);
      i += d.size;
    }
    json value;
    try {
      value = json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range (406) for a number such as 1e999
      throw pattern_error(index, std::string("malformed JSON: ") + e.what(), pattern_error::reason::invalid, number);
    }
    try {
      out.patterns.push_back(parse_entity_pattern(value, index));
    } catch (const pattern_error& e) {
      throw pattern_error(e, index, number);
    }
    out.lines.push_back(number);
  }
  if (in.bad()) {
    const std::string problem = "reading patterns failed after line " + std::to_string(number);
    if (file != nullptr) throw pattern_file_error(pattern_file_errc::unreadable, *file, problem);
    throw std::runtime_error("lexzone: " + problem);
  }
  return out;
}

// The file `path`, open for reading: a regular file, a FIFO (it streams) or a link to one.
inline std::ifstream open_patterns(const std::filesystem::path& path) {
  std::error_code ec;
  const auto type = std::filesystem::status(path, ec).type();
  if (type == std::filesystem::file_type::not_found)
    throw pattern_file_error(pattern_file_errc::missing, path.string(), "no such file");
  // A directory opens on Linux, and then fails its first read: name the reason instead.
  if (type == std::filesystem::file_type::directory)
    throw pattern_file_error(pattern_file_errc::unreadable, path.string(), "is a directory");
  // A device (/dev/zero, /dev/urandom) gives bytes for ever: one endless line, read until memory runs out.
  if (type == std::filesystem::file_type::character || type == std::filesystem::file_type::block)
    throw pattern_file_error(pattern_file_errc::unreadable, path.string(), "is a device, not a file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw pattern_file_error(pattern_file_errc::unreadable, path.string(), "cannot open the file");
  return f;
}

// Adds `loaded` to `ruler`, all or nothing; a pattern_error of the ruler gets the pattern's line.
template <class Vocab>
std::size_t add_loaded(entity_ruler<Vocab>& ruler, const loaded_patterns& loaded) {
  try {
    ruler.add_patterns(loaded.patterns);
  } catch (const pattern_error& e) {
    const std::size_t line = e.index() < loaded.lines.size() ? loaded.lines[e.index()] : 0;
    throw pattern_error(e, e.index(), line);
  }
  return loaded.patterns.size();
}

}  // namespace detail

/// Reads a `patterns.jsonl` stream. Complexity: O(input size). Throws: `pattern_error` with `line()` for
/// the first bad line (malformed JSON, invalid UTF-8, a NUL byte, bad entry); `std::runtime_error` on a read error;
/// `std::bad_alloc`. Nothing is returned on a throw.
[[nodiscard]] inline std::vector<entity_pattern> load_patterns_jsonl(std::istream& in) {
  return detail::load_with_lines(in).patterns;
}

/// Reads a `patterns.jsonl` file. Complexity: O(file size). Throws: as the stream overload, except that a
/// file that is missing, a directory, cannot be opened or fails a read throws `pattern_file_error`.
[[nodiscard]] inline std::vector<entity_pattern> load_patterns_jsonl(const std::filesystem::path& path) {
  auto f = detail::open_patterns(path);
  const std::string name = path.string();
  return detail::load_with_lines(f, &name).patterns;
}

/// Reads a `patterns.jsonl` stream and adds every pattern to `ruler`, all or nothing; returns the number
/// added. Errors found by the ruler (e.g. a phrase with no tokens) also carry the line. Complexity:
/// O(input size) plus `entity_ruler::add_patterns`. Thread safety: as `entity_ruler::add_patterns` (no
/// other call on `ruler` may run concurrently). Throws: as `load_patterns_jsonl` and
/// `entity_ruler::add_patterns`; the ruler is then unchanged.
template <class Vocab>
std::size_t add_patterns_jsonl(entity_ruler<Vocab>& ruler, std::istream& in) {
  return detail::add_loaded(ruler, detail::load_with_lines(in));
}

/// As the stream overload, from a file. Complexity, thread safety: as the stream overload. Throws: as the
/// stream overload, except that a file that is missing, a directory, cannot be opened or fails a read throws
/// `pattern_file_error` (the ruler is then unchanged).
template <class Vocab>
std::size_t add_patterns_jsonl(entity_ruler<Vocab>& ruler, const std::filesystem::path& path) {
  auto f = detail::open_patterns(path);
  const std::string name = path.string();
  return detail::add_loaded(ruler, detail::load_with_lines(f, &name));
}

}  // namespace lexzone::io
