/// \file lexeme.hpp
/// The lexeme record, its standard attribute set and the traits interface that computes attributes.
///
/// A lexeme is the one record a vocab keeps per distinct string (its *orth*). Its attributes are computed
/// once, when the lexeme is created, by the vocab's `Traits`; their string-valued attributes (lower, norm,
/// shape, prefix, suffix) are interned in the same layer as the lexeme, so a transient lexeme never leaves
/// transient strings behind and a permanent lexeme never points at a transient string.
///
/// ## Traits requirements
/// | Expression | Type | Throws | Meaning |
/// |---|---|---|---|
/// | `typename T::attributes_type` | trivially copyable, trivially destructible | | the attribute record |
/// | `T::compute(text, intern)` | `attributes_type` | whatever `intern` throws | computes the attributes of `text`; `intern` is a callable `hash_t(std::string_view)` that stores a string in the lexeme's layer and returns its id |
///
/// `lexzone::en::lexeme_traits` (lang/en/lexeme_traits.hpp) computes `lexeme_attributes` as spaCy's English
/// vocabulary does. A custom traits type may use any attribute record.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "config.hpp"
#include "errors.hpp"

namespace lexzone {

/// Boolean lexeme attributes, as bits of `lexeme_attributes::flags`. Names and meanings follow spaCy's
/// `Lexeme.is_*` / `like_*` attributes.
enum class lex_flag : std::uint32_t {
  is_alpha = 1u << 0,
  is_digit = 1u << 1,
  is_lower = 1u << 2,
  is_upper = 1u << 3,
  is_title = 1u << 4,
  is_punct = 1u << 5,
  is_space = 1u << 6,
  is_ascii = 1u << 7,
  like_num = 1u << 8,
  like_url = 1u << 9,
  like_email = 1u << 10,
  is_stop = 1u << 11,
  is_bracket = 1u << 12,
  is_quote = 1u << 13,
  is_left_punct = 1u << 14,
  is_right_punct = 1u << 15,
  is_currency = 1u << 16,
};

/// The standard attribute record (spaCy's lexeme attributes).
///
/// The string-valued attributes are ids in the vocab's string store, valid as long as the lexeme.
/// `length` counts code points (an invalid UTF-8 byte counts as one).
struct lexeme_attributes {
  hash_t lower = 0;   ///< lowercase form
  hash_t norm = 0;    ///< normalised form (exceptions, else lower)
  hash_t shape = 0;   ///< word shape: "Xxxxx", "dd", runs capped at 4; "LONG" for 100+ code points
  hash_t prefix = 0;  ///< first code point
  hash_t suffix = 0;  ///< last three code points
  std::uint32_t length = 0;
  std::uint32_t flags = 0;

  /// True when flag `f` is set. Complexity: O(1). Throws: nothing.
  [[nodiscard]] constexpr bool has(lex_flag f) const noexcept { return (flags & static_cast<std::uint32_t>(f)) != 0; }
  /// Sets or clears flag `f`.
  constexpr void set(lex_flag f, bool on = true) noexcept {
    flags = on ? (flags | static_cast<std::uint32_t>(f)) : (flags & ~static_cast<std::uint32_t>(f));
  }
};

/// A callable that interns a string and returns its id (what `Traits::compute` receives).
template <class F>
concept string_interner = requires(F& f, std::string_view s) {
  { f(s) } -> std::convertible_to<hash_t>;
};

namespace detail {
struct interner_archetype {
  hash_t operator()(std::string_view) const;
};
}  // namespace detail

/// Requirements on the `Traits` parameter of `basic_vocab` (see the table in the file comment).
template <class T>
concept lexeme_traits = requires(std::string_view text, detail::interner_archetype& intern) {
  typename T::attributes_type;
  requires std::is_trivially_copyable_v<typename T::attributes_type>;
  requires std::is_trivially_destructible_v<typename T::attributes_type>;
  { T::compute(text, intern) } -> std::same_as<typename T::attributes_type>;
};

/// One vocabulary entry: the orth id and the attributes `Traits` computed for it.
///
/// Ownership: owned by the vocab layer that created it (permanent, or a zone). Lifetime: a `const
/// basic_lexeme&` stays valid, at the same address, until that layer ends: the vocab's destruction for
/// a permanent lexeme, the close of its zone for a transient one. Lexemes are immutable once published,
/// so any number of threads may read one concurrently.
template <class Attributes>
struct basic_lexeme {
  using attributes_type = Attributes;

  hash_t orth = 0;                  ///< id of the text
  const char* text_data = nullptr;  ///< the text's bytes, stored in the lexeme's layer (or a longer-lived one)
  std::size_t text_size = 0;
  Attributes attrs{};

  /// The lexeme's text. Lifetime: as the lexeme. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::string_view text() const noexcept { return {text_data, text_size}; }
};

}  // namespace lexzone
