/// \file lang/base_norms.hpp
/// spaCy's BASE_NORMS (spacy/lang/norm_exceptions.py): the NORM every language's vocab gives a few exact
/// texts before its own NORM getter ("’" gives "'", "…" "...", "£" "$", "US$" "$"). spaCy's
/// `create_vocab` wraps each language's NORM getter with this table (`util.add_lookups`).
///
/// The table is a fact taken from spaCy (MIT, Explosion AI).
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "lex_attrs.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

// spacy/lang/norm_exceptions.py: BASE_NORMS (keys are exact, case-sensitive texts).
// Data tables laid out by hand (clang-format would put one entry per line).
// clang-format off
/// The keys of BASE_NORMS.
inline constexpr std::string_view base_norm_keys[] = {
    "'s", "'S", "\xE2\x80\x99s", "\xE2\x80\x99S",  // 's 'S ’s ’S
    "\xE2\x80\x99", "\xE2\x80\x98", "\xC2\xB4", "`",  // ’ ‘ ´ `
    "\xE2\x80\x9D", "\xE2\x80\x9C", "''", "``", "\xC2\xB4\xC2\xB4",  // ” “ '' `` ´´
    "\xE2\x80\x9E", "\xC2\xBB", "\xC2\xAB",                      // „ » «
    "\xE2\x80\x98\xE2\x80\x98", "\xE2\x80\x99\xE2\x80\x99",      // ‘‘ ’’
    "\xEF\xBC\x9F", "\xEF\xBC\x81", "\xEF\xBC\x8C", "\xEF\xBC\x9B", "\xEF\xBC\x9A",  // ？ ！ ， ； ：
    "\xE3\x80\x82", "\xE0\xA5\xA4",  // 。 ।
    "\xE2\x80\xA6",  // …
    "\xE2\x80\x94", "\xE2\x80\x93", "--", "---", "\xE2\x80\x94\xE2\x80\x94",  // — – -- --- ——
    "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5", "\xE0\xB8\xBF", "US$", "C$", "A$",  // € £ ¥ ฿ US$ C$ A$
    "\xE2\x82\xBA", "\xE2\x82\xB9", "\xE0\xA7\xB3", "\xE2\x82\xA9",  // ₺ ₹ ৳ ₩
    "Mex$", "\xE2\x82\xA3", "E\xC2\xA3",                          // Mex$ ₣ E£
};
/// The NORM of each key of `base_norm_keys`.
inline constexpr std::string_view base_norm_values[] = {
    "'s", "'s", "'s", "'s",
    "'", "'", "'", "'",
    "\"", "\"", "\"", "\"", "\"",
    "\"", "\"", "\"", "\"", "\"",
    "?", "!", ",", ";", ":",
    ".", ".",
    "...",
    "-", "-", "-", "-", "-",
    "$", "$", "$", "$", "$", "$", "$",
    "$", "$", "$", "$", "$", "$", "$",
};
static_assert(std::size(base_norm_keys) == std::size(base_norm_values));
// clang-format on
/// `base_norm_keys` as a std::array.
[[nodiscard]] constexpr std::array<std::string_view, std::size(base_norm_keys)> base_norm_key_array() noexcept {
  std::array<std::string_view, std::size(base_norm_keys)> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = base_norm_keys[i];
  return a;
}
/// The keys of BASE_NORMS as a compile-time set.
inline constexpr auto base_norm_key_set = static_string_set<std::size(base_norm_keys), 128>(base_norm_key_array());

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// The BASE_NORMS entry for exactly `text` ("’" gives "'", "US$" gives "$"), if any. The view refers to
/// static storage. Complexity: O(|text|). Thread safety: pure. Throws: nothing.
[[nodiscard]] constexpr std::optional<std::string_view> base_norm(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  const int i = detail::base_norm_key_set.find(text);
  if (i < 0) return std::nullopt;
  return detail::base_norm_values[static_cast<std::size_t>(i)];
}

}  // namespace lexzone::lang
