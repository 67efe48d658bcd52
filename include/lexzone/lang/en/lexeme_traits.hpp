/// \file lang/en/lexeme_traits.hpp
/// `lexzone::en::lexeme_traits`: computes `lexeme_attributes` exactly as `spacy.blank("en").vocab[text]`
/// does (spaCy 3.8), for `basic_vocab`. The language-neutral work is `detail::compute_lexeme`
/// (lang/compute_lexeme.hpp); this file gives it the English decisions, with compile-time word tables.
#pragma once

#include <string_view>

#include "../../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../../lexeme.hpp"
#include "../compute_lexeme.hpp"
#include "lex_attrs.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// English hooks of `compute_lexeme`: like_num with English number words and ordinals, the English stop
/// list, BASE_NORMS else lower, the base is_currency.
struct en_language {
  /// Hook: `en::like_num`, with fast paths for ASCII letters and digits. Throws: nothing.
  [[nodiscard]] static bool like_num(std::string_view text, std::string_view lower,
                                     const lexeme_attributes& a) noexcept {
    const bool ascii = a.has(lex_flag::is_ascii);
    // Letters only (most words): like_num only as a number word; digits only: always.
    if (ascii && a.has(lex_flag::is_alpha)) return en_data::number_word_set.contains(lower);
    if (ascii && a.has(lex_flag::is_digit)) return true;
    return ascii ? en_data::like_num_ascii(text) : en::like_num(text);
  }
  /// Hook: the English stop list. Throws: nothing.
  [[nodiscard]] static bool is_stop(std::string_view lower) noexcept { return en::is_stop_lower(lower); }
  /// Hook: BASE_NORMS, else `lower`. Throws: nothing.
  [[nodiscard]] static std::string_view norm(std::string_view text, std::string_view lower) noexcept {
    const auto exc = lang::base_norm(text);
    return exc ? *exc : lower;
  }
  /// Hook: the base rule (every code point Sc). Throws: nothing.
  [[nodiscard]] static bool is_currency(std::string_view, const lexeme_attributes& a) noexcept {
    return a.has(lex_flag::is_currency);
  }
};

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::en {

/// Lexeme traits of English, for `basic_vocab<lexzone::en::lexeme_traits>` (stateless).
///
/// `compute(text, intern)` gives what `spacy.blank("en").vocab[text]` holds (see `detail::compute_lexeme`
/// for every attribute): like_num is `en::like_num` ("eleven", "23rd"), is_stop `en::is_stop`, NORM the
/// BASE_NORMS entry else `str.lower()`, is_currency spaCy's base rule (every code point Sc).
/// Complexity: O(n) in the bytes of `text`. Allocation: none for ASCII texts of up to 128 bytes;
/// otherwise none after warm-up. Throws: whatever `intern` throws, and std::bad_alloc (only for texts
/// that are long or not ASCII). Thread safety: safe from any number of threads at once; `intern` may
/// itself call `compute`.
struct lexeme_traits {
  using attributes_type = lexzone::lexeme_attributes;  ///< spaCy's lexeme attributes

  /// The attributes of `text`; `intern` stores a string and returns its id (see above).
  /// Complexity, allocation and throws: as the comment above says.
  template <class Intern>
  static attributes_type compute(std::string_view text, Intern&& intern) {
    return lexzone::detail::compute_lexeme(text, intern, lexzone::detail::en_language{});
  }
};

static_assert(lexzone::lexeme_traits<lexeme_traits>, "en::lexeme_traits must satisfy lexzone::lexeme_traits");

}  // namespace lexzone::en
