/// \file lang/accents.hpp
/// `lang::strip_accents`: a text in canonical decomposition (NFD) without its nonspacing marks (general
/// category Mn), as spaCy's Yoruba `strip_accents_text` computes it in Python (spacy/lang/yo/lex_attrs.py):
/// "ọ̀kanlá" gives "okanla", "ẹ̀wá" gives "ewa".
///
/// Canonical reordering is not applied: it only permutes combining characters, and after the Mn ones are
/// gone the ones left (25 spacing marks with a non-zero combining class, such as U+302E and U+1D165) stay
/// in text order. So for a text with two or more of those marks the result can differ from Python's
/// (which sorts them by combining class: "a\u1715\U00016FF0" gives "a\U00016FF0\u1715" there); Yoruba's
/// like_num, spaCy's one use of it, cannot tell (such a text is no number either way). Tables: detail/accent_tables.hpp (tools/gen_accent_tables.py), of the same Unicode
/// version as the rest of lexzone's Unicode data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../detail/accent_tables.hpp"
#include "../unicode/properties.hpp"
#include "../unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The accent table entry of `cp`, or nullptr. Complexity: O(log 2061).
[[nodiscard]] constexpr const ucd::accent_entry* find_accent_entry(char32_t cp) noexcept {
  std::size_t lo = 0, hi = ucd::accent_entry_count;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (ucd::accent_entries[mid].cp < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo < ucd::accent_entry_count && ucd::accent_entries[lo].cp == cp ? &ucd::accent_entries[lo] : nullptr;
}

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// Appends `text` in NFD without nonspacing marks (Mn) to `out`. ASCII is copied as it is; Hangul
/// syllables are decomposed into their jamo (which are kept); an invalid UTF-8 byte is copied unchanged.
/// Complexity: O(n). Thread safety: pure. Throws: std::bad_alloc from `out`.
inline void append_strip_accents(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    const auto d = unicode::decode(text, i);
    const std::size_t at = i;
    i += d.size;
    if (!d.valid) {
      out.append(text.data() + at, d.size);
      continue;
    }
    constexpr char32_t s_base = 0xAC00, s_count = 11172, t_count = 28, n_count = 588;
    if (d.cp >= s_base && d.cp < s_base + s_count) {  // Hangul syllable: L V (T)
      const char32_t s = d.cp - s_base;
      unicode::encode(0x1100 + s / n_count, out);
      unicode::encode(0x1161 + (s % n_count) / t_count, out);
      if (s % t_count != 0) unicode::encode(0x11A7 + s % t_count, out);
      continue;
    }
    if (const auto* e = detail::find_accent_entry(d.cp)) {
      for (const char32_t c : e->out)
        if (c != 0) unicode::encode(c, out);
      continue;
    }
    if (unicode::category(d.cp) != unicode::general_category::Mn) out.append(text.data() + at, d.size);
  }
}

/// `text` in NFD without nonspacing marks, as a new string (see `append_strip_accents`).
/// Complexity: O(n). Throws: std::bad_alloc.
[[nodiscard]] inline std::string strip_accents(std::string_view text) {
  std::string out;
  append_strip_accents(text, out);
  return out;
}

}  // namespace lexzone::lang
