/// \file regex/branch_analysis.hpp
/// Reading the structure of PCRE2 source written by `translate_python` (regex/python_syntax.hpp), for
/// the regex layer's optimisations: the outermost branches of an alternation, and the bytes a branch's
/// match can start with. Pure C++ (no PCRE2); the input is assumed to be the translation's output (every
/// `]` inside a class escaped, `\x{...}`, `\p{...}` and `\g{...}` closed), not arbitrary PCRE2 syntax.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex::detail {

/// Calls `on_char(i, c, depth)` for every character of `s` outside escapes and classes, `depth` being the
/// group depth after it (a `(` counts itself); stops when `on_char` returns false.
/// Complexity: O(|s|). Throws: what `on_char` throws.
template <class F>
void scan_structure(std::string_view s, F&& on_char) {
  auto skip_braces = [&s](std::size_t i) {  // i at the letter of \x{...}, \p{...}, \g{...}
    if (i + 1 < s.size() && (s[i] == 'x' || s[i] == 'p' || s[i] == 'g') && s[i + 1] == '{') {
      const std::size_t close = s.find('}', i);
      return close == std::string_view::npos ? s.size() : close;
    }
    return i;
  };
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      i = skip_braces(i + 1);
      continue;
    }
    if (c == '[') {  // the translation escapes every ']' inside a class
      for (++i; i < s.size() && s[i] != ']'; ++i)
        if (s[i] == '\\') i = skip_braces(i + 1);
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (!on_char(i, c, depth)) return;
  }
}

/// Splits PCRE2 source written by `translate_python` at its outermost alternation: inside a group that
/// spans the whole pattern (repeatedly, up to 4,096 such groups, one inside the other; the translation
/// nests at most 1,000), at the `|` of depth 0. Returns one piece when there is none.
/// Complexity: O(|p|) (one pass finds every spanning group). Throws: std::bad_alloc. Lifetime: views
/// into `p`.
[[nodiscard]] inline std::vector<std::string_view> split_alternatives(std::string_view p) {
  // The groups `(?:` or `(` that open at the front, one inside the other: inner[k] is where the content
  // of the (k+1)-th begins. The (k+1)-th closes at the first `)` that brings the depth back to k.
  constexpr std::size_t max_unwrapped = 4096;
  std::vector<std::size_t> inner;
  for (std::size_t i = 0; i < p.size() && p[i] == '(' && inner.size() < max_unwrapped;) {
    if (p.substr(i, 3) == "(?:") i += 3;
    else if (p.substr(i, 2) != "(?") i += 1;
    else break;
    inner.push_back(i);
  }
  if (!inner.empty()) {
    std::vector<std::size_t> close(inner.size(), std::string_view::npos);
    scan_structure(p, [&](std::size_t i, char c, int depth) {
      if (c == ')' && depth >= 0 && static_cast<std::size_t>(depth) < close.size() &&
          close[static_cast<std::size_t>(depth)] == std::string_view::npos) {
        close[static_cast<std::size_t>(depth)] = i;
      }
      return true;
    });
    // The (k+1)-th spans what the k-th holds when it closes on the (k+1)-th last character.
    std::size_t levels = 0;
    while (levels < close.size() && close[levels] == p.size() - 1 - levels) ++levels;
    if (levels > 0) p = p.substr(inner[levels - 1], p.size() - levels - inner[levels - 1]);
  }
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  scan_structure(p, [&](std::size_t i, char c, int depth) {
    if (c == '|' && depth == 0) {
      parts.push_back(p.substr(start, i - start));
      start = i + 1;
    }
    return true;
  });
  parts.push_back(p.substr(start));
  return parts;
}

/// A set of byte values.
using byte_set = std::bitset<256>;

/// The first byte of the UTF-8 encoding of `cp` (U+110000 and above: as the 4-byte form would start).
/// Lead bytes grow with the code point, so a range's lead bytes are the interval of its ends'.
[[nodiscard]] constexpr unsigned lead_byte(char32_t cp) noexcept {
  if (cp < 0x80) return static_cast<unsigned>(cp);
  if (cp < 0x800) return 0xC0u | static_cast<unsigned>(cp >> 6);
  if (cp < 0x10000) return 0xE0u | static_cast<unsigned>(cp >> 12);
  return cp < 0x140000 ? 0xF0u | static_cast<unsigned>(cp >> 18) : 0xF4u;
}

namespace branch_reading {

/// One character of the source at `i`, literal or escaped (`\x{H}`, `\` + punctuation); advances `i`.
/// nullopt for anything else (a class escape such as `\p{..}`, `\d`, an assertion).
[[nodiscard]] inline std::optional<char32_t> literal(std::string_view s, std::size_t& i) {
  if (i >= s.size()) return std::nullopt;
  if (s[i] != '\\') {
    const auto d = unicode::decode(s, i);
    i += d.size;
    return d.cp;
  }
  if (i + 1 >= s.size()) return std::nullopt;
  const char e = s[i + 1];
  if (e == 'x' && i + 2 < s.size() && s[i + 2] == '{') {
    const std::size_t close = s.find('}', i);
    if (close == std::string_view::npos) return std::nullopt;
    char32_t cp = 0;
    for (std::size_t k = i + 3; k < close; ++k) {
      const char h = s[k];
      const int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
      if (v < 0 || cp > 0x10FFFF) return std::nullopt;
      cp = cp * 16 + static_cast<char32_t>(v);
    }
    i = close + 1;
    return cp;
  }
  const auto ue = static_cast<unsigned char>(e);
  if (ue < 0x80 && !((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z'))) {
    i += 2;  // escaped punctuation
    return static_cast<char32_t>(ue);
  }
  return std::nullopt;
}

/// The lead bytes of a class starting at `s[i] == '['`; `i` is left after its `]`.
[[nodiscard]] inline std::optional<byte_set> class_bytes(std::string_view s, std::size_t& i) {
  byte_set out;
  ++i;
  if (i < s.size() && s[i] == '^') return std::nullopt;
  while (i < s.size() && s[i] != ']') {
    const auto lo = literal(s, i);
    if (!lo) return std::nullopt;
    char32_t hi = *lo;
    if (i + 1 < s.size() && s[i] == '-' && s[i + 1] != ']') {
      ++i;
      const auto end = literal(s, i);
      if (!end) return std::nullopt;
      hi = *end;
    }
    for (unsigned b = lead_byte(*lo); b <= lead_byte(hi) && b < 256; ++b) out.set(b);
  }
  if (i >= s.size()) return std::nullopt;
  ++i;
  return out;
}

/// Groups deeper than this (counted from the branch; groups that only wrap another are not counted)
/// are not read: `first_bytes` answers nullopt for them.
inline constexpr int max_group_depth = 16;

/// `first_bytes` of `branch`, a group `depth` levels down.
[[nodiscard]] inline std::optional<byte_set> first_bytes_at(std::string_view branch, int depth) {
  byte_set seen;  // the bytes of the optional atoms passed so far
  for (;;) {      // one atom a turn: the next one is read only when this one is optional
    while (branch.substr(0, 2) == "\\A") branch.remove_prefix(2);
    if (branch.empty()) return std::nullopt;
    std::size_t next = 0;
    std::optional<byte_set> out;
    if (branch.substr(0, 3) == "(?:" || (branch[0] == '(' && branch.substr(0, 2) != "(?")) {
      if (depth >= max_group_depth) return std::nullopt;
      std::size_t close = std::string_view::npos;
      scan_structure(branch, [&](std::size_t i, char c, int d) {
        if (c == ')' && d == 0) close = i;
        return close == std::string_view::npos;
      });
      if (close == std::string_view::npos) return std::nullopt;
      out.emplace();
      for (const std::string_view inner : split_alternatives(branch.substr(0, close + 1))) {
        const auto bytes = first_bytes_at(inner, depth + 1);
        if (!bytes) return std::nullopt;
        *out |= *bytes;
      }
      next = close + 1;
    } else if (branch[0] == '[') {
      out = class_bytes(branch, next);
    } else if (std::string_view(".^$|)*+?{(").find(branch[0]) == std::string_view::npos) {
      if (const auto cp = literal(branch, next)) out = byte_set().set(lead_byte(*cp));
    }
    if (!out) return std::nullopt;
    seen |= *out;
    const char q = next < branch.size() ? branch[next] : '\0';
    if (q != '?' && q != '*' && q != '{') return seen;
    // A quantified atom: `{n}` and `{n,m}` with n >= 1 keep it required; otherwise it may be absent, and
    // the rest of the branch (after the quantifier and its lazy or possessive mark) may start the match.
    if (q == '{') {
      const std::size_t close = branch.find('}', next);
      if (close == std::string_view::npos) return std::nullopt;
      if (branch[next + 1] >= '1' && branch[next + 1] <= '9') return seen;
      next = close + 1;
    } else {
      ++next;
    }
    if (next < branch.size() && (branch[next] == '?' || branch[next] == '+')) ++next;
    branch.remove_prefix(next);
  }
}

}  // namespace branch_reading

/// The bytes a match of `branch` (one branch of translated source, e.g. a piece of
/// `split_alternatives`) can start with, when read from the source: its first atom, after any `\A`, is
/// a literal, an escaped character, a class of those, or a group whose branches all say; when the atom
/// is optional (`?`, `*`, `{0,...}`), the bytes of the rest of the branch are added. nullopt (any byte)
/// for everything else, for a branch that may match the empty string, and for groups nested more than
/// `branch_reading::max_group_depth` deep. Conservative: the answer holds every byte a match can start
/// with. Complexity: O(|branch| * max_group_depth), without recursion over the atoms (the stack grows
/// with group depth only, at most max_group_depth frames). Throws: std::bad_alloc.
[[nodiscard]] inline std::optional<byte_set> first_bytes(std::string_view branch) {
  return branch_reading::first_bytes_at(branch, 0);
}

}  // namespace lexzone::regex::detail
