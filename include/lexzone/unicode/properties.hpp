/// \file unicode/properties.hpp
/// Unicode character properties and Python-compatible string predicates over UTF-8.
///
/// Every answer matches CPython's `str` methods for the Unicode version of
/// `lexzone::detail::ucd::unicode_version` (the tables are generated from Python's `unicodedata` by
/// tools/gen_unicode_tables.py). Strings are UTF-8 `std::string_view`s decoded with
/// `lexzone::unicode::decode`: an invalid byte counts as one code point U+DC80..U+DCFF (category Cs, as
/// Python's "surrogateescape" gives it), which is no letter, digit, space or cased character, and which
/// `append_lower` writes back unchanged.
///
/// All functions are pure, `noexcept` (except `append_lower`, which may throw `std::bad_alloc` from the
/// output string) and thread-safe. ASCII input takes a fast path that never touches the tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "../config.hpp"
#include "../detail/unicode_tables.hpp"
#include "utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::unicode {

/// Unicode general category (Lu, Ll, ..., Cn).
using general_category = detail::ucd::category;

}  // namespace lexzone::unicode

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The class record of `cp` (Cn with no properties above U+10FFFF). Complexity: O(1).
[[nodiscard]] constexpr const ucd::char_class& char_class_of(char32_t cp) noexcept {
  if (cp >= 0x110000) return ucd::classes[0];
  const auto b = static_cast<unsigned char>(ucd::stage2[ucd::stage1[cp >> ucd::shift]][cp & 0xFFu]);
  return ucd::classes[b - 0x20u];
}

[[nodiscard]] constexpr std::uint16_t ucd_flags(char32_t cp) noexcept { return char_class_of(cp).flags; }

[[nodiscard]] constexpr bool ascii_upper(unsigned char c) noexcept { return static_cast<unsigned>(c - 'A') < 26u; }
[[nodiscard]] constexpr bool ascii_lower(unsigned char c) noexcept { return static_cast<unsigned>(c - 'a') < 26u; }
[[nodiscard]] constexpr bool ascii_digit(unsigned char c) noexcept { return static_cast<unsigned>(c - '0') < 10u; }
[[nodiscard]] constexpr bool ascii_alpha(unsigned char c) noexcept { return ascii_upper(c) || ascii_lower(c); }
/// ASCII bytes that Python's str.isspace() accepts: \t \n \v \f \r, 0x1C..0x1F and space.
[[nodiscard]] constexpr bool ascii_space(unsigned char c) noexcept {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}
[[nodiscard]] constexpr char ascii_to_lower(char c) noexcept {
  return static_cast<char>(c + (ascii_upper(static_cast<unsigned char>(c)) ? 0x20 : 0));
}

// `all_ascii` is in utf8.hpp, beside `short_all_ascii`, which `unicode::length_of_token` shares.

/// Walks the code points of `s`, calling `f(cp, byte_offset, byte_size)`; stops early when `f` returns
/// false. Returns false if it stopped early.
template <class F>
constexpr bool for_each_cp(std::string_view s, F&& f) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (!f(static_cast<char32_t>(b), i, std::size_t{1})) return false;
      ++i;
    } else {
      const auto d = unicode::decode(s, i);
      if (!f(d.cp, i, static_cast<std::size_t>(d.size))) return false;
      i += d.size;
    }
  }
  return true;
}

/// Simple (one code point) lowercase mapping; U+03A3 gives U+03C3. Complexity: O(log runs).
[[nodiscard]] constexpr char32_t lower_simple_lookup(char32_t cp) noexcept {
  std::size_t lo = 0, hi = std::size(ucd::lower_runs);
  while (lo < hi) {  // first run whose `first` > cp
    const std::size_t mid = (lo + hi) / 2;
    if (ucd::lower_runs[mid].first <= cp) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return cp;
  const auto& r = ucd::lower_runs[lo - 1];
  if (cp > r.last || (cp - r.first) % r.stride != 0) return cp;
  return static_cast<char32_t>(static_cast<std::int32_t>(cp) + r.delta);
}

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::unicode {

// ---------------------------------------------------------------------------------------------------------
// Code point properties. Each: O(1), noexcept, constexpr. An escaped invalid byte (U+DC80..U+DCFF) is Cs and
// has none of these properties.

/// General category of `cp` (Cn for unassigned code points and values above U+10FFFF). Complexity: O(1).
[[nodiscard]] constexpr general_category category(char32_t cp) noexcept { return detail::char_class_of(cp).cat; }

/// Letter (category L*): Python's `str.isalpha` of one code point. Complexity: O(1).
[[nodiscard]] constexpr bool is_alpha(char32_t cp) noexcept {
  if (cp < 0x80) return detail::ascii_alpha(static_cast<unsigned char>(cp));
  return (detail::ucd_flags(cp) & detail::ucd::alpha) != 0;
}
/// Numeric_Type Digit or Decimal ("3", "²", "①"): Python's `str.isdigit` of one code point. Complexity: O(1).
[[nodiscard]] constexpr bool is_digit(char32_t cp) noexcept {
  if (cp < 0x80) return detail::ascii_digit(static_cast<unsigned char>(cp));
  return (detail::ucd_flags(cp) & detail::ucd::digit) != 0;
}
/// Decimal digit (category Nd): Python's `str.isdecimal`, and `\d` of Python's `re`. Complexity: O(1).
[[nodiscard]] constexpr bool is_decimal(char32_t cp) noexcept {
  if (cp < 0x80) return detail::ascii_digit(static_cast<unsigned char>(cp));
  return (detail::ucd_flags(cp) & detail::ucd::decimal) != 0;
}
/// Any Numeric_Type ("½", "Ⅻ", "三"): Python's `str.isnumeric`. Complexity: O(1).
[[nodiscard]] constexpr bool is_numeric(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & detail::ucd::numeric) != 0;
}
/// Letter or number: Python's `str.isalnum`. Complexity: O(1).
[[nodiscard]] constexpr bool is_alnum(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & (detail::ucd::alpha | detail::ucd::numeric)) != 0;
}
/// `\w` of Python's `re` on str patterns: `is_alnum` or '_'. Complexity: O(1).
[[nodiscard]] constexpr bool is_word(char32_t cp) noexcept { return cp == U'_' || is_alnum(cp); }
/// White space as Python's `str.isspace` (Zs, or bidi class WS, B, S: includes U+001C..U+001F and U+0085).
/// Complexity: O(1).
[[nodiscard]] constexpr bool is_space(char32_t cp) noexcept {
  if (cp < 0x80) return detail::ascii_space(static_cast<unsigned char>(cp));
  return (detail::ucd_flags(cp) & detail::ucd::space) != 0;
}
/// Lowercase property (Ll and Other_Lowercase): Python's `str.islower` of one code point. Complexity: O(1).
[[nodiscard]] constexpr bool is_lower(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & detail::ucd::lowercase) != 0;
}
/// Uppercase property (Lu and Other_Uppercase, e.g. "Ⅻ"): Python's `str.isupper` of one code point. Complexity: O(1).
[[nodiscard]] constexpr bool is_upper(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & detail::ucd::uppercase) != 0;
}
/// Titlecase letter (category Lt, e.g. "ǅ"). Complexity: O(1).
[[nodiscard]] constexpr bool is_titlecase(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & detail::ucd::titlecase) != 0;
}
/// Cased property: lowercase, uppercase or titlecase. Complexity: O(1).
[[nodiscard]] constexpr bool is_cased(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & detail::ucd::cased) != 0;
}
/// Case_Ignorable property (marks, modifiers, format characters, apostrophes, ...). Complexity: O(1).
[[nodiscard]] constexpr bool is_case_ignorable(char32_t cp) noexcept {
  return (detail::ucd_flags(cp) & detail::ucd::case_ignorable) != 0;
}
/// Punctuation (category P*). Complexity: O(1).
[[nodiscard]] constexpr bool is_punct(char32_t cp) noexcept {
  const auto c = category(cp);
  return c >= general_category::Pc && c <= general_category::Po;
}
/// Currency symbol (category Sc). Complexity: O(1).
[[nodiscard]] constexpr bool is_currency_symbol(char32_t cp) noexcept { return category(cp) == general_category::Sc; }

/// Simple lowercase mapping of one code point (U+0130 gives U+0069; U+03A3 gives U+03C3, without the
/// final-sigma rule). Complexity: O(1) for code points that do not change, else O(log 181).
[[nodiscard]] constexpr char32_t to_lower(char32_t cp) noexcept {
  if (cp < 0x80) return detail::ascii_upper(static_cast<unsigned char>(cp)) ? cp + 0x20 : cp;
  if ((detail::ucd_flags(cp) & detail::ucd::changes_when_lowered) == 0) return cp;
  for (const auto& s : detail::ucd::lower_specials)
    if (s.cp == cp) return s.mapped[0];
  return detail::lower_simple_lookup(cp);
}

// ---------------------------------------------------------------------------------------------------------
// String predicates with Python semantics. Each: O(n) in bytes, noexcept, no allocation; "" gives false.

/// Python's `str.isalpha()`: non-empty and every code point a letter. Complexity: O(s.size()).
[[nodiscard]] inline bool str_isalpha(std::string_view s) noexcept {
  return !s.empty() && detail::for_each_cp(s, [](char32_t cp, std::size_t, std::size_t) { return is_alpha(cp); });
}

/// Python's `str.isdigit()`: non-empty and every code point `is_digit` ("²" counts). Complexity: O(s.size()).
[[nodiscard]] inline bool str_isdigit(std::string_view s) noexcept {
  return !s.empty() && detail::for_each_cp(s, [](char32_t cp, std::size_t, std::size_t) { return is_digit(cp); });
}

/// Python's `str.isdecimal()`: non-empty and every code point a decimal digit (Nd). Complexity: O(s.size()).
[[nodiscard]] inline bool str_isdecimal(std::string_view s) noexcept {
  return !s.empty() && detail::for_each_cp(s, [](char32_t cp, std::size_t, std::size_t) { return is_decimal(cp); });
}

/// Python's `str.isspace()`: non-empty and every code point white space. Complexity: O(s.size()).
[[nodiscard]] inline bool str_isspace(std::string_view s) noexcept {
  return !s.empty() && detail::for_each_cp(s, [](char32_t cp, std::size_t, std::size_t) { return is_space(cp); });
}

/// Python's `str.islower()`: no uppercase or titlecase code point, and at least one lowercase one.
/// Complexity: O(s.size()).
[[nodiscard]] inline bool str_islower(std::string_view s) noexcept {
  bool cased = false;
  const bool ok = detail::for_each_cp(s, [&](char32_t cp, std::size_t, std::size_t) {
    if (cp < 0x80) {
      if (detail::ascii_upper(static_cast<unsigned char>(cp))) return false;
      cased = cased || detail::ascii_lower(static_cast<unsigned char>(cp));
      return true;
    }
    const auto f = detail::ucd_flags(cp);
    if (f & (detail::ucd::uppercase | detail::ucd::titlecase)) return false;
    cased = cased || (f & detail::ucd::lowercase) != 0;
    return true;
  });
  return ok && cased;
}

/// Python's `str.isupper()`: no lowercase or titlecase code point, and at least one uppercase one.
/// Complexity: O(s.size()).
[[nodiscard]] inline bool str_isupper(std::string_view s) noexcept {
  bool cased = false;
  const bool ok = detail::for_each_cp(s, [&](char32_t cp, std::size_t, std::size_t) {
    if (cp < 0x80) {
      if (detail::ascii_lower(static_cast<unsigned char>(cp))) return false;
      cased = cased || detail::ascii_upper(static_cast<unsigned char>(cp));
      return true;
    }
    const auto f = detail::ucd_flags(cp);
    if (f & (detail::ucd::lowercase | detail::ucd::titlecase)) return false;
    cased = cased || (f & detail::ucd::uppercase) != 0;
    return true;
  });
  return ok && cased;
}

/// Python's `str.istitle()`: uppercase/titlecase code points only after uncased ones, lowercase ones only
/// after cased ones, and at least one cased code point ("Hello World", "ǅemal", "C3P0" are titles).
/// Complexity: O(s.size()).
[[nodiscard]] inline bool str_istitle(std::string_view s) noexcept {
  bool cased = false, previous_cased = false;
  const bool ok = detail::for_each_cp(s, [&](char32_t cp, std::size_t, std::size_t) {
    bool upper_or_title = false, lower = false;
    if (cp < 0x80) {
      upper_or_title = detail::ascii_upper(static_cast<unsigned char>(cp));
      lower = detail::ascii_lower(static_cast<unsigned char>(cp));
    } else {
      const auto f = detail::ucd_flags(cp);
      upper_or_title = (f & (detail::ucd::uppercase | detail::ucd::titlecase)) != 0;
      lower = (f & detail::ucd::lowercase) != 0;
    }
    if (upper_or_title) {
      if (previous_cased) return false;
      previous_cased = cased = true;
    } else if (lower) {
      if (!previous_cased) return false;
      previous_cased = cased = true;
    } else {
      previous_cased = false;
    }
    return true;
  });
  return ok && cased;
}

/// Python's `str.isascii()`: every byte below 0x80 (an invalid byte is not ASCII); "" gives true.
/// Complexity: O(s.size()).
[[nodiscard]] inline bool str_isascii(std::string_view s) noexcept { return detail::all_ascii(s); }

}  // namespace lexzone::unicode

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {
/// Final-sigma rule of Python's str.lower() for a capital sigma at bytes [pos, pos + 2) of `s`.
/// `preceded_by_cased`: the nearest code point before it that is not case-ignorable exists and is cased.
[[nodiscard]] inline char32_t lower_sigma(std::string_view s, std::size_t pos, bool preceded_by_cased) noexcept {
  if (!preceded_by_cased) return 0x3C3;
  bool final_sigma = true;
  for_each_cp(s.substr(pos + 2), [&](char32_t cp, std::size_t, std::size_t) {
    if (unicode::is_case_ignorable(cp)) return true;
    final_sigma = !unicode::is_cased(cp);
    return false;
  });
  return final_sigma ? 0x3C2 : 0x3C3;
}
}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::unicode {

/// Appends Python's `str.lower()` of `s` to `out`: full lowercase mapping ("İ" gives "i̇"), the
/// final-sigma rule ("ΟΔΟΣ" gives "οδος"), invalid bytes copied unchanged.
/// Complexity: O(n). Throws: whatever growing `out` throws (std::bad_alloc); `out` keeps its old content
/// plus a prefix of the result then.
inline void append_lower(std::string_view s, std::string& out) {
  std::size_t i = 0;
  // ASCII prefix: lowercase in place in one resize.
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  const std::size_t base = out.size();
  out.resize(base + i);
  char* dst = out.data() + base;
  for (std::size_t k = 0; k < i; ++k) dst[k] = detail::ascii_to_lower(s[k]);
  if (i == s.size()) return;
  // Nearest preceding non-case-ignorable code point is cased (for the final-sigma rule).
  bool preceded_by_cased = false;
  for (std::size_t k = i; k-- > 0;) {
    const auto c = static_cast<unsigned char>(s[k]);
    if (c == '\'' || c == '.' || c == ':' || c == '^' || c == '`') continue;  // ASCII case-ignorables
    preceded_by_cased = detail::ascii_alpha(c);
    break;
  }
  out.reserve(out.size() + (s.size() - i) + (s.size() - i) / 2);
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out.push_back(detail::ascii_to_lower(s[i]));
      if (!is_case_ignorable(b)) preceded_by_cased = detail::ascii_alpha(b);
      ++i;
      continue;
    }
    const auto d = decode(s, i);
    const auto f = detail::ucd_flags(d.cp);
    if (!d.valid || (f & detail::ucd::changes_when_lowered) == 0) {
      out.append(s.data() + i, d.size);
    } else if (d.cp == 0x3A3) {
      encode(detail::lower_sigma(s, i, preceded_by_cased), out);
    } else {
      bool special = false;
      for (const auto& sp : detail::ucd::lower_specials) {
        if (sp.cp != d.cp) continue;
        for (char32_t m : sp.mapped)
          if (m != 0) encode(m, out);
        special = true;
      }
      if (!special) encode(detail::lower_simple_lookup(d.cp), out);
    }
    if ((f & detail::ucd::case_ignorable) == 0) preceded_by_cased = (f & detail::ucd::cased) != 0;
    i += d.size;
  }
}

/// Returns Python's `str.lower()` of `s` as a new string. Complexity: O(n). Throws: std::bad_alloc.
[[nodiscard]] inline std::string to_lower(std::string_view s) {
  std::string out;
  append_lower(s, out);
  return out;
}

}  // namespace lexzone::unicode
