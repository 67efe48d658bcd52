/// \file regex/char_sets.hpp
/// Code point sets for the translation of Python `re` patterns (regex/python_syntax.hpp): the set algebra
/// of character classes (`cp_set`), Python's IGNORECASE folding of sets, the code points of `\w`, `\d` and
/// `\s` as Python's `re` sees them (Unicode and ASCII), and how a set is spelled in PCRE2 pattern source
/// (escaped bytes mapped to the subject's private-use code points). Pure C++: does not include PCRE2.
///
/// Everything here is an implementation detail of the translator (namespace `regex::detail`): pure
/// functions and value types, safe from any number of threads (the category sets are built once, on first
/// use, thread-safely).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../detail/regex_tables.hpp"
#include "../unicode/properties.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex::detail {

namespace sre = lexzone::detail::sre;

/// A set of code points as sorted, disjoint, non-adjacent inclusive ranges.
class cp_set {
 public:
  using range = std::pair<char32_t, char32_t>;  ///< an inclusive range
  static constexpr char32_t max_cp = 0x10FFFF;  ///< the largest code point

  /// Adds [lo, hi].
  void add(char32_t lo, char32_t hi) {
    ranges_.emplace_back(lo, hi);
    dirty_ = true;
  }
  /// Adds `cp`.
  void add(char32_t cp) { add(cp, cp); }
  /// Adds every code point of `other`.
  void add(const cp_set& other) {
    for (const auto& r : other.ranges()) add(r.first, r.second);
  }
  /// The sorted, disjoint, non-adjacent ranges. Sorts and merges them on the first call after an `add`
  /// (not thread-safe then, although `const`): a set shared by threads is normalized before it is shared.
  [[nodiscard]] const std::vector<range>& ranges() const {
    normalize();
    return ranges_;
  }
  /// Whether the set holds no code point.
  [[nodiscard]] bool empty() const { return ranges().empty(); }
  /// Whether `cp` is in the set. Complexity: O(log ranges).
  [[nodiscard]] bool contains(char32_t cp) const {
    const auto& rs = ranges();
    auto it = std::upper_bound(rs.begin(), rs.end(), cp, [](char32_t c, const range& r) { return c < r.first; });
    return it != rs.begin() && std::prev(it)->second >= cp;
  }
  /// Number of code points. Complexity: O(ranges).
  [[nodiscard]] std::size_t count() const {
    std::size_t n = 0;
    for (const auto& r : ranges()) n += static_cast<std::size_t>(r.second - r.first) + 1;
    return n;
  }
  /// The complement within [0, max_cp].
  [[nodiscard]] cp_set complement() const {
    cp_set out;
    char32_t next = 0;
    for (const auto& r : ranges()) {
      if (r.first > next) out.ranges_.emplace_back(next, r.first - 1);
      next = r.second + 1;
    }
    if (next <= max_cp) out.ranges_.emplace_back(next, max_cp);
    return out;
  }
  /// This set without the code points of `points` (sorted ascending). Complexity: O(ranges + points).
  [[nodiscard]] cp_set without(const std::vector<char32_t>& points) const {
    cp_set out;
    std::size_t p = 0;
    for (const auto& [first, last] : ranges()) {
      char32_t lo = first;  // char32_t holds max_cp + 1: no wrap
      while (p < points.size() && points[p] < lo) ++p;
      for (; p < points.size() && points[p] <= last; ++p) {
        if (points[p] > lo) out.ranges_.emplace_back(lo, points[p] - 1);
        lo = points[p] + 1;
      }
      if (lo <= last) out.ranges_.emplace_back(lo, last);
    }
    return out;
  }

 private:
  void normalize() const {
    if (!dirty_) return;
    std::sort(ranges_.begin(), ranges_.end());
    std::vector<range> merged;
    merged.reserve(ranges_.size());
    for (const auto& r : ranges_) {
      if (!merged.empty() && r.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(r);
      }
    }
    ranges_ = std::move(merged);
    dirty_ = false;
  }

  mutable std::vector<range> ranges_;
  mutable bool dirty_ = false;
};

/// The IGNORECASE lowercase of `cp` as `re` computes it. Complexity: O(log 1433).
[[nodiscard]] inline char32_t sre_lower(char32_t cp) noexcept {
  const auto* b = std::begin(sre::lower_by_cp);
  const auto* e = std::end(sre::lower_by_cp);
  const auto* it = std::lower_bound(b, e, cp, [](const sre::lower_pair& p, char32_t c) { return p.cp < c; });
  return it != e && it->cp == cp ? it->lower : cp;
}

/// Whether `re` treats `cp` as cased. Complexity: O(log 131).
[[nodiscard]] inline bool sre_cased(char32_t cp) noexcept {
  const auto* b = std::begin(sre::cased);
  const auto* e = std::end(sre::cased);
  const auto* it = std::upper_bound(b, e, cp, [](char32_t c, const sre::cp_range& r) { return c < r.first; });
  return it != b && std::prev(it)->last >= cp;
}

/// Whether any code point of `s` is cased for `re`.
[[nodiscard]] inline bool any_sre_cased(const cp_set& s) {
  for (const auto& r : s.ranges()) {
    const auto* b = std::begin(sre::cased);
    const auto* e = std::end(sre::cased);
    // first cased range that ends at or after r.first
    const auto* it = std::lower_bound(b, e, r.first, [](const sre::cp_range& c, char32_t v) { return c.last < v; });
    if (it != e && it->first <= r.second) return true;
  }
  return false;
}

/// Python's IGNORECASE set of `s`: every d whose lowercase is the lowercase of a member, or one of its
/// extra cases. Complexity: O(ranges * log 1433 + result).
[[nodiscard]] inline cp_set sre_caseless(const cp_set& s) {
  cp_set lowered = s;
  for (const auto& r : s.ranges()) {  // lowercases of members
    const auto* b = std::begin(sre::lower_by_cp);
    const auto* e = std::end(sre::lower_by_cp);
    for (const auto *it = std::lower_bound(b, e, r.first, [](const sre::lower_pair&p, char32_t c) { return p.cp < c; });
         it != e && it->cp <= r.second; ++it)
      lowered.add(it->lower);
  }
  std::vector<char32_t> extra;
  for (const auto& x : sre::extra_cases) {
    if (!lowered.contains(x.lower)) continue;
    for (char32_t a : x.also)
      if (a != 0) extra.push_back(a);
  }
  for (char32_t a : extra) lowered.add(a);
  // d matches iff lower(d) is in `lowered`: members that lower to something else leave, preimages join.
  std::vector<char32_t> leave;
  std::vector<char32_t> join;
  for (const auto& r : lowered.ranges()) {
    const auto* b = std::begin(sre::lower_by_cp);
    const auto* e = std::end(sre::lower_by_cp);
    for (const auto *it = std::lower_bound(b, e, r.first, [](const sre::lower_pair&p, char32_t c) { return p.cp < c; });
         it != e && it->cp <= r.second; ++it)
      leave.push_back(it->cp);
    const auto* lb = std::begin(sre::lower_by_lower);
    const auto* le = std::end(sre::lower_by_lower);
    for (const auto *it =
             std::lower_bound(lb, le, r.first, [](const sre::lower_pair&p, char32_t c) { return p.lower < c; });
         it != le && it->lower <= r.second; ++it)
      join.push_back(it->cp);
  }
  std::sort(leave.begin(), leave.end());
  std::vector<char32_t> removed;  // a member that lowers to a code point outside the set does not match
  for (char32_t d : leave)
    if (!lowered.contains(sre_lower(d))) removed.push_back(d);
  cp_set out = lowered.without(removed);
  for (char32_t d : join) out.add(d);
  return out;
}

/// ASCII-only IGNORECASE (`(?ai)`): A-Z and a-z fold onto each other, nothing else.
[[nodiscard]] inline cp_set ascii_caseless(const cp_set& s) {
  cp_set out = s;
  for (char32_t c = 'A'; c <= 'Z'; ++c) {
    const char32_t l = c + 0x20;
    if (s.contains(c) || s.contains(l)) {
      out.add(c);
      out.add(l);
    }
  }
  return out;
}

/// The explicit code points of a category, from lexzone's Unicode tables (computed once).
enum class category_set { word, digit, space };

/// `sets`, each normalized, so that threads sharing them only read: `cp_set::ranges()` sorts and merges a
/// set on its first call after an `add`, a write that must not happen on a set other threads read.
[[nodiscard]] inline std::array<cp_set, 3> normalized(std::array<cp_set, 3> sets) {
  for (const cp_set& s : sets) (void)s.ranges();
  return sets;
}

/// The code points of `\w`, `\d` or `\s` as Python's `re` sees them on str patterns (built once).
[[nodiscard]] inline const cp_set& unicode_category(category_set which) {
  static const std::array<cp_set, 3> sets = [] {
    cp_set w, d, s;
    for (char32_t cp = 0; cp <= cp_set::max_cp; ++cp) {
      if (unicode::is_word(cp)) w.add(cp);
      if (unicode::is_decimal(cp)) d.add(cp);
    }
    for (const auto& r : sre::space) s.add(r.first, r.last);
    return normalized({w, d, s});
  }();
  return sets[static_cast<std::size_t>(which)];
}

/// The code points of `\w`, `\d` or `\s` under `(?a)`.
[[nodiscard]] inline const cp_set& ascii_category(category_set which) {
  static const std::array<cp_set, 3> sets = [] {
    cp_set w, d, s;
    w.add('a', 'z');
    w.add('A', 'Z');
    w.add('0', '9');
    w.add('_');
    d.add('0', '9');
    s.add('\t', '\r');
    s.add(' ');
    return normalized({w, d, s});
  }();
  return sets[static_cast<std::size_t>(which)];
}

/// Appends `\x{HEX}`.
inline void append_hex_escape(std::string& out, char32_t cp) {
  static constexpr char digits[] = "0123456789ABCDEF";
  out += "\\x{";
  char buf[8];
  int n = 0;
  do {
    buf[n++] = digits[cp & 0xFu];
    cp >>= 4;
  } while (cp != 0);
  while (n > 0) out += buf[--n];
  out += '}';
}

/// Appends one code point of PCRE2 pattern text (a subject code point, already mapped).
inline void append_cp(std::string& out, char32_t cp) {
  const bool alnum = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (alnum) {
    out += static_cast<char>(cp);
  } else if (cp > 0x20 && cp < 0x7F) {
    out += '\\';
    out += static_cast<char>(cp);
  } else {
    append_hex_escape(out, cp);
  }
}

/// Python code points to subject code points: escaped bytes U+DC80..U+DCFF become U+10FF80..U+10FFFF,
/// other surrogates (never in a subject) are dropped.
[[nodiscard]] inline cp_set to_subject_space(const cp_set& s) {
  cp_set out;
  for (const auto& [lo, hi] : s.ranges()) {
    if (hi < 0xD800 || lo > 0xDFFF) {
      out.add(lo, hi);
      continue;
    }
    if (lo < 0xD800) out.add(lo, 0xD7FF);
    if (hi > 0xDFFF) out.add(0xE000, hi);
    const char32_t a = std::max<char32_t>(lo, 0xDC80), b = std::min<char32_t>(hi, 0xDCFF);
    if (a <= b) out.add(a - 0xDC80 + 0x10FF80, b - 0xDC80 + 0x10FF80);
  }
  return out;
}

/// Appends the ranges of `s` (subject space) as class items.
inline void append_class_items(std::string& out, const cp_set& s) {
  for (const auto& [lo, hi] : s.ranges()) {
    append_cp(out, lo);
    if (hi != lo) {
      if (hi != lo + 1) out += '-';
      append_cp(out, hi);
    }
  }
}

/// Appends a class matching exactly `s` (Python space); an empty set never matches.
inline void append_set(std::string& out, const cp_set& python_set) {
  const cp_set s = to_subject_space(python_set);
  if (s.empty()) {
    out += "(?!)";
    return;
  }
  const auto& rs = s.ranges();
  if (rs.size() == 1 && rs[0].first == rs[0].second) {
    append_cp(out, rs[0].first);
    return;
  }
  out += '[';
  append_class_items(out, s);
  out += ']';
}

}  // namespace lexzone::regex::detail
