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
/// | `t.compute(text, intern)` (`t`: `const T&`) | `attributes_type` | whatever `intern` throws | computes the attributes of `text`; `intern` is a callable `hash_t(std::string_view)` that stores a string in the lexeme's layer and returns its id |
///
/// `compute` may be a static member (stateless traits, such as the English ones) or a const member of a
/// traits object that carries data (a language's stop words, number words, ...); the vocab holds one
/// traits object, given to its constructor, and calls it from any thread: `compute` must be safe to call
/// concurrently on one object, and must be a pure function of the text: for one text it returns the same
/// record and hands `intern` the same strings, in the same order, every time (a vocab may reuse a
/// recent computation for a word created again in another zone, see detail/attribute_cache.hpp).
/// `lexzone::en::lexeme_traits` (lang/en/lexeme_traits.hpp) computes `lexeme_attributes` as spaCy's English
/// vocabulary does. A custom traits type may use any attribute record.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "config.hpp"
#include "detail/entry.hpp"
#include "errors.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

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
  hash_t lower = 0;          ///< lowercase form
  hash_t norm = 0;           ///< normalised form (exceptions, else lower)
  hash_t shape = 0;          ///< word shape: "Xxxxx", "dd", runs capped at 4; "LONG" for 100+ code points
  hash_t prefix = 0;         ///< first code point
  hash_t suffix = 0;         ///< last three code points
  std::uint32_t length = 0;  ///< length in code points
  std::uint32_t flags = 0;   ///< the boolean attributes, as `lex_flag` bits

  /// True when flag `f` is set. Complexity: O(1). Throws: nothing.
  [[nodiscard]] constexpr bool has(lex_flag f) const noexcept { return (flags & static_cast<std::uint32_t>(f)) != 0; }
  /// Sets or clears flag `f`. Complexity: O(1). Throws: nothing.
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
concept lexeme_traits = requires(const T& t, std::string_view text, detail::interner_archetype& intern) {
  typename T::attributes_type;
  requires std::is_trivially_copyable_v<typename T::attributes_type>;
  requires std::is_trivially_destructible_v<typename T::attributes_type>;
  { t.compute(text, intern) } -> std::same_as<typename T::attributes_type>;
};

/// Named access to the standard attributes (`lexeme_attributes`), with spaCy's attribute names:
/// `is_alpha()`, `like_num()`, `lower()` (the id; tokens also give the text, `lower_()`), ...
///
/// A base of `basic_lexeme` and `basic_token`; `Derived` provides `attributes()`. A member is usable
/// only when the attribute record has it (the functions of a class template are compiled on use), so a
/// custom record loses nothing but these names.
template <class Derived>
class lexeme_attribute_access {
 public:
  /// Whether the text is letters only (Python `str.isalpha`). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_alpha() const { return attrs_of().has(lex_flag::is_alpha); }
  /// Whether the text is digits only (`str.isdigit`). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_digit() const { return attrs_of().has(lex_flag::is_digit); }
  /// Whether the text is cased and all lower case (`str.islower`). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_lower() const { return attrs_of().has(lex_flag::is_lower); }
  /// Whether the text is cased and all upper case (`str.isupper`). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_upper() const { return attrs_of().has(lex_flag::is_upper); }
  /// Whether the text is title case (`str.istitle`). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_title() const { return attrs_of().has(lex_flag::is_title); }
  /// Whether the text is punctuation. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_punct() const { return attrs_of().has(lex_flag::is_punct); }
  /// Whether the text is white space only. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_space() const { return attrs_of().has(lex_flag::is_space); }
  /// Whether the text is ASCII only. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_ascii() const { return attrs_of().has(lex_flag::is_ascii); }
  /// Whether the text is looks like a number ("10", "1,000", "ten"). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool like_num() const { return attrs_of().has(lex_flag::like_num); }
  /// Whether the text is looks like a URL. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool like_url() const { return attrs_of().has(lex_flag::like_url); }
  /// Whether the text is looks like an e-mail address. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool like_email() const { return attrs_of().has(lex_flag::like_email); }
  /// Whether the text is a stop word. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_stop() const { return attrs_of().has(lex_flag::is_stop); }
  /// Whether the text is a bracket. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_bracket() const { return attrs_of().has(lex_flag::is_bracket); }
  /// Whether the text is a quotation mark. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_quote() const { return attrs_of().has(lex_flag::is_quote); }
  /// Whether the text is opening punctuation. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_left_punct() const { return attrs_of().has(lex_flag::is_left_punct); }
  /// Whether the text is closing punctuation. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_right_punct() const { return attrs_of().has(lex_flag::is_right_punct); }
  /// Whether the text is a currency symbol. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] bool is_currency() const { return attrs_of().has(lex_flag::is_currency); }
  /// Id of the lowercase form. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] hash_t lower() const { return attrs_of().lower; }
  /// Id of the word shape ("Xxxxx", "dd", "LONG"). Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] hash_t shape() const { return attrs_of().shape; }
  /// Id of the first character. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] hash_t prefix() const { return attrs_of().prefix; }
  /// Id of the last three characters. Complexity: O(1). Throws: as `attributes()`.
  [[nodiscard]] hash_t suffix() const { return attrs_of().suffix; }
  /// Length in code points (an invalid UTF-8 byte counts as one). Complexity: O(1). Throws: as
  /// `attributes()`.
  [[nodiscard]] std::size_t length() const { return attrs_of().length; }

 private:
  decltype(auto) attrs_of() const { return static_cast<const Derived&>(*this).attributes(); }
};

namespace detail {
/// Tag of the constructor that only `basic_vocab` uses.
struct lexeme_record_tag {};
}  // namespace detail

/// One vocabulary entry: the orth id and the attributes `Traits` computed for it.
///
/// Ownership: owned by the vocab layer that created it (permanent, or a zone). Lifetime: a `const
/// basic_lexeme&` stays valid, at the same address, until that layer ends: the vocab's destruction for
/// a permanent lexeme, the close of its zone for a transient one. Lexemes are immutable once published,
/// so any number of threads may read one concurrently.
///
/// The text is stored right after the record (one read for a lookup and for `text()`), so a lexeme
/// exists only in its vocab and is handled by reference: it cannot be copied or made by a user.
template <class Attributes>
struct basic_lexeme : lexeme_attribute_access<basic_lexeme<Attributes>> {
  using attributes_type = Attributes;  ///< the attribute record

  Attributes attrs{};  ///< the attributes
  hash_t orth = 0;     ///< id of the text (the last member: the text's header follows it)

  /// A record for id `id` with attributes `a`. Implementation detail of `basic_vocab`, which places the
  /// record in front of its text. Complexity: O(1). Throws: nothing.
  basic_lexeme(detail::lexeme_record_tag, hash_t id, const Attributes& a) noexcept : attrs(a), orth(id) {}
  basic_lexeme(const basic_lexeme&) = delete;             ///< handled by reference only
  basic_lexeme& operator=(const basic_lexeme&) = delete;  ///< handled by reference only
  ~basic_lexeme() = default;                              ///< trivial (records are never destroyed one by one)

  /// The lexeme's text. Lifetime: as the lexeme. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::string_view text() const noexcept {
    return detail::entry_text(reinterpret_cast<const std::byte*>(this) + sizeof(basic_lexeme));
  }
  /// The attribute record. Lifetime: as the lexeme. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const Attributes& attributes() const noexcept { return attrs; }
  /// Id of the normalised form. Complexity: O(1). Throws: nothing.
  [[nodiscard]] hash_t norm() const noexcept { return attrs.norm; }
};

/// A lexeme and the generation that bounds its life: 0 for a permanent lexeme (valid as long as the
/// vocab), else the generation of the zone it was obtained through (valid while a zone of that
/// generation is open). See `scope_add` (scope.hpp).
template <class Lexeme>
struct generational_ref {
  const Lexeme* lexeme = nullptr;  ///< the lexeme
  std::uint64_t generation = 0;    ///< 0: permanent; else the generation of the zone it came through
};

}  // namespace lexzone
