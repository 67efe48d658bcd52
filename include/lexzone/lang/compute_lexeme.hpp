/// \file lang/compute_lexeme.hpp
/// The language-neutral part of computing spaCy's lexeme attributes (`lexeme_attributes`): one pass for
/// the `str.is*` flags, lower and shape, the like_url / like_email / punctuation tests, the interning of
/// the strings. What a language decides (like_num, is_stop, NORM, is_currency) comes from a *language
/// hooks* object; `en::lexeme_traits` (lang/en/lexeme_traits.hpp) and the data-driven
/// `lang::lexeme_traits` (lang/lexeme_traits.hpp) both call `detail::compute_lexeme` with their hooks.
///
/// ## Language hooks `L` (a `const L&` named `l`; `a`: the record so far, flags and length set)
/// | Expression | Type | Meaning |
/// |---|---|---|
/// | `l.like_num(text, lower, a)` | `bool` | the language's LIKE_NUM of `text`; `lower` is `str.lower()` of the whole text |
/// | `l.is_stop(lower)` | `bool` | `lower` (the text lowercased) is a stop word |
/// | `l.norm(text, lower)` | `std::string_view` | the lexeme's NORM; may view `text`, `lower` or static storage |
/// | `l.is_currency(text, a)` | `bool` | the language's IS_CURRENCY; `a.has(lex_flag::is_currency)` holds the base answer |
/// Each must be safe to call concurrently on one object and may throw only `std::bad_alloc`.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../config.hpp"
#include "../lexeme.hpp"
#include "../unicode/properties.hpp"
#include "../unicode/utf8.hpp"
#include "lex_attrs.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Classes of ASCII characters for the single-pass attribute scan.
enum ascii_class_bit : std::uint8_t {
  ac_lower = 1u << 0,
  ac_upper = 1u << 1,
  ac_digit = 1u << 2,
  ac_space = 1u << 3,
  ac_punct = 1u << 4,
  ac_alpha = 1u << 5,
  ac_currency = 1u << 6,
};

/// What the single-pass scan needs of one ASCII character.
struct ascii_char_info {
  std::uint8_t cls;  ///< ascii_class_bit set
  char lower;        ///< its lowercase form
  char shape;        ///< its word_shape character
};

/// `ascii_char_info` of every ASCII character.
inline constexpr std::array<ascii_char_info, 128> ascii_char_table = [] {
  std::array<ascii_char_info, 128> t{};
  for (unsigned c = 0; c < 128; ++c) {
    const auto b = static_cast<unsigned char>(c);
    unsigned v = 0;
    if (ascii_lower(b)) v |= ac_lower | ac_alpha;
    if (ascii_upper(b)) v |= ac_upper | ac_alpha;
    if (ascii_digit(b)) v |= ac_digit;
    if (ascii_space(b)) v |= ac_space;
    if (unicode::is_punct(static_cast<char32_t>(c))) v |= ac_punct;
    if (unicode::is_currency_symbol(static_cast<char32_t>(c))) v |= ac_currency;
    const char ch = static_cast<char>(c);
    t[c] = {static_cast<std::uint8_t>(v), ascii_to_lower(ch),
            ascii_upper(b)   ? 'X'
            : ascii_lower(b) ? 'x'
            : ascii_digit(b) ? 'd'
                             : ch};
  }
  return t;
}();

/// Per-thread buffers for the strings of long or non-ASCII texts, so that computing a lexeme does not
/// allocate once the buffers have grown to the longest text seen.
struct lexeme_scratch {
  std::string lower;  ///< the lowercase form being built
  std::string shape;  ///< the shape being built
  bool busy = false;  ///< taken by a `compute_lexeme` call on this thread (a re-entrant call uses its own)

  lexeme_scratch() = default;
  lexeme_scratch(const lexeme_scratch&) = delete;
  lexeme_scratch& operator=(const lexeme_scratch&) = delete;
  /// Marks this thread's scratch as gone (see `thread_lexeme_scratch`).
  ~lexeme_scratch();
};

/// Whether this thread's scratch was destroyed (a thread_local bool: trivially destructible, so it stays
/// readable while the thread's other thread_local objects are destroyed). Throws: nothing.
inline bool& thread_lexeme_scratch_gone() noexcept {
  thread_local bool gone = false;
  return gone;
}

inline lexeme_scratch::~lexeme_scratch() { thread_lexeme_scratch_gone() = true; }

/// This thread's scratch buffers, or nullptr once they were destroyed at the thread's exit (a lexeme
/// made by another thread_local object's destructor then uses buffers of its own). Throws: nothing.
inline lexeme_scratch* thread_lexeme_scratch() noexcept {
  if (LEXZONE_UNLIKELY(thread_lexeme_scratch_gone())) return nullptr;
  thread_local lexeme_scratch scratch;
  return &scratch;
}

/// One pass over `text` deciding lower, shape, the `str.is*` flags, is_punct, is_currency and is_ascii,
/// when `text` is all ASCII. Writes the lowercase form (text.size() bytes) to `lower_out` and the shape
/// (`shape_len` bytes) to `shape_out`; both need room for max(text.size(), 4) bytes. Returns false, with
/// the outputs unspecified, as soon as it meets a byte of 0x80 or above.
/// Complexity: O(n). Throws: nothing.
inline bool ascii_lexeme_pass(std::string_view text, char* lower_out, char* shape_out, std::size_t& shape_len,
                              std::uint32_t& flags) noexcept {
  const std::size_t n = text.size();
  const bool long_shape = n >= 100;
  std::size_t len = 0;
  int last_shape = -1, seq = 0;
  unsigned all = 0xFFu, any = 0;
  bool title_bad = false, previous_cased = false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) return false;
    const ascii_char_info& e = ascii_char_table[c];
    all &= e.cls;
    any |= e.cls;
    lower_out[i] = e.lower;
    const bool upper = (e.cls & ac_upper) != 0, lower_case = (e.cls & ac_lower) != 0;
    title_bad = title_bad || (upper && previous_cased) || (lower_case && !previous_cased);
    previous_cased = upper || lower_case;
    const int shape_char = static_cast<unsigned char>(e.shape);  // ASCII: compares as it did as a char
    if (shape_char == last_shape) {
      ++seq;
    } else {
      seq = 0;
      last_shape = shape_char;
    }
    if (seq < 4 && !long_shape) shape_out[len++] = e.shape;
  }
  if (long_shape) {
    shape_out[0] = 'L', shape_out[1] = 'O', shape_out[2] = 'N', shape_out[3] = 'G';
    len = 4;
  }
  shape_len = len;
  const bool has_lower = (any & ac_lower) != 0, has_upper = (any & ac_upper) != 0;
  lexeme_attributes a{};
  a.set(lex_flag::is_alpha, n != 0 && (all & ac_alpha) != 0);
  a.set(lex_flag::is_digit, n != 0 && (all & ac_digit) != 0);
  a.set(lex_flag::is_lower, has_lower && !has_upper);
  a.set(lex_flag::is_upper, has_upper && !has_lower);
  a.set(lex_flag::is_title, !title_bad && (has_lower || has_upper));
  a.set(lex_flag::is_space, n != 0 && (all & ac_space) != 0);
  a.set(lex_flag::is_punct, (all & ac_punct) != 0);
  a.set(lex_flag::is_currency, (all & ac_currency) != 0);
  a.set(lex_flag::is_ascii);
  flags = a.flags;
  return true;
}

/// `ascii_lexeme_pass` into strings (which it resizes). Throws: std::bad_alloc.
inline bool ascii_lexeme_pass(std::string_view text, std::string& lower, std::string& shape, std::uint32_t& flags) {
  lower.resize(text.size());
  shape.resize(text.size() < 4 ? 4 : text.size());
  std::size_t shape_len = 0;
  if (!ascii_lexeme_pass(text, lower.data(), shape.data(), shape_len, flags)) return false;
  shape.resize(shape_len);
  return true;
}

/// The same attributes as `ascii_lexeme_pass` for any text, through the general functions.
inline std::uint32_t unicode_lexeme_pass(std::string_view text, std::string& lower, std::string& shape) {
  unicode::append_lower(text, lower);
  lang::word_shape(text, shape);
  lexeme_attributes a{};
  a.set(lex_flag::is_alpha, unicode::str_isalpha(text));
  a.set(lex_flag::is_digit, unicode::str_isdigit(text));
  a.set(lex_flag::is_lower, unicode::str_islower(text));
  a.set(lex_flag::is_upper, unicode::str_isupper(text));
  a.set(lex_flag::is_title, unicode::str_istitle(text));
  a.set(lex_flag::is_space, unicode::str_isspace(text));
  a.set(lex_flag::is_punct, lang::is_punct(text));
  a.set(lex_flag::is_currency, lang::is_currency(text));
  a.set(lex_flag::is_ascii, lang::is_ascii(text));
  return a.flags;
}

// Not formatted: clang-format 14 mis-parses requires-clauses and concept definitions (fixed in 15).
// clang-format off
/// What `compute_lexeme` asks of a language (see the table in the file comment).
template <class L>
concept lexeme_language = requires(const L& l, std::string_view text, const lexeme_attributes& a) {
  { l.like_num(text, text, a) } -> std::same_as<bool>;
  { l.is_stop(text) } -> std::same_as<bool>;
  { l.norm(text, text) } -> std::convertible_to<std::string_view>;
  { l.is_currency(text, a) } -> std::same_as<bool>;
};
// clang-format on

/// Releases the per-thread scratch buffers taken by `compute_lexeme` (and trims them after a huge text).
class scratch_lease {
 public:
  scratch_lease() = default;                                ///< holds nothing
  scratch_lease(const scratch_lease&) = delete;             ///< not copyable
  scratch_lease& operator=(const scratch_lease&) = delete;  ///< not copyable
  /// Releases the scratch taken, if any, and trims buffers grown past 4 KiB.
  ~scratch_lease() {
    if (s_ == nullptr) return;
    s_->busy = false;
    // One huge token (a base64 blob, a minified line) must not pin its size per thread for good.
    constexpr std::size_t keep = 4096;
    if (s_->lower.capacity() > keep) std::string().swap(s_->lower);
    if (s_->shape.capacity() > keep) std::string().swap(s_->shape);
  }
  /// Takes `s` (which must not be busy) until destruction.
  void take(lexeme_scratch& s) noexcept {
    s.busy = true;
    s_ = &s;
  }

 private:
  lexeme_scratch* s_ = nullptr;
};

/// Computes the `lexeme_attributes` of `text` as spaCy's `Vocab` does, with the language decisions of
/// `language` (see the file comment):
/// - `lower`: Python's `str.lower()`; `norm`: `language.norm`; `shape`: `lang::word_shape`;
///   `prefix` / `suffix`: first code point / last three code points; `length`: code points;
/// - flags: is_alpha, is_digit, is_lower, is_upper, is_title, is_space (Python `str.is*`), is_punct,
///   is_ascii, is_bracket, is_quote, is_left_punct, is_right_punct, like_url, like_email (`lang::`), and
///   like_num, is_stop and is_currency from `language`;
/// - the empty text gives the all-zero record (spaCy's EMPTY_LEXEME) and interns nothing.
///
/// Each distinct string among lower, norm, shape, prefix and suffix is passed to `intern` once.
/// Complexity: O(n) in the bytes of `text` plus the hooks; an ASCII text takes one fused pass.
/// Allocation: none for ASCII texts of up to 128 bytes; otherwise none after warm-up (per-thread scratch
/// buffers grow to the longest text seen). Throws: whatever `intern` and the hooks throw, and
/// std::bad_alloc; the only side effects are `intern`'s own. Thread safety: safe from any number of
/// threads at once; `intern` may itself call `compute_lexeme` (re-entrant calls use their own buffers).
template <lexeme_language Language, class Intern>
[[nodiscard]] lexeme_attributes compute_lexeme(std::string_view text, Intern&& intern, const Language& language) {
  lexeme_attributes a{};
  if (text.empty()) return a;

  // Short ASCII texts (nearly all words) work in stack buffers; others in per-thread strings.
  constexpr std::size_t small = 128;
  std::array<char, small> lower_small;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  std::array<char, small> shape_small;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  std::string_view lower, shape, pre, suf;
  std::size_t length = text.size();
  std::size_t shape_len = 0;
  bool ascii =
      text.size() <= small && ascii_lexeme_pass(text, lower_small.data(), shape_small.data(), shape_len, a.flags);
  if (ascii) {
    lower = std::string_view(lower_small.data(), text.size());
    shape = std::string_view(shape_small.data(), shape_len);
  }

  std::string own_lower, own_shape;  // when `intern` re-enters compute_lexeme while the scratch is in use
  scratch_lease lease;
  if (!ascii) {
    lexeme_scratch* scratch = thread_lexeme_scratch();
    std::string* lo = &own_lower;
    std::string* sh = &own_shape;
    if (scratch != nullptr && !scratch->busy) {
      lease.take(*scratch);
      lo = &scratch->lower;
      sh = &scratch->shape;
    }
    lo->clear();
    sh->clear();
    ascii = ascii_lexeme_pass(text, *lo, *sh, a.flags);
    if (!ascii) {
      lo->clear();
      sh->clear();
      a.flags = unicode_lexeme_pass(text, *lo, *sh);
      length = unicode::length(text);
    }
    lower = *lo;
    shape = *sh;
  }
  if (ascii) {
    pre = text.substr(0, 1);
    suf = text.substr(text.size() < 3 ? 0 : text.size() - 3);
  } else {
    pre = lang::prefix(text);
    suf = lang::suffix(text);
  }
  a.length = static_cast<std::uint32_t>(length);
  // ASCII letters only or digits only (most words): no '.', '@' or "://" for like_url and like_email.
  if (!ascii || (!a.has(lex_flag::is_alpha) && !a.has(lex_flag::is_digit))) {
    a.set(lex_flag::like_url, lang::like_url(text));
    a.set(lex_flag::like_email, lang::like_email(text));
  }
  if (text.size() <= 3) {
    a.set(lex_flag::is_bracket, lang::is_bracket(text));
    a.set(lex_flag::is_quote, lang::is_quote(text));
    a.set(lex_flag::is_left_punct, lang::is_left_punct(text));
    a.set(lex_flag::is_right_punct, lang::is_right_punct(text));
  }
  a.set(lex_flag::like_num, language.like_num(text, lower, a));
  a.set(lex_flag::is_stop, language.is_stop(lower));
  a.set(lex_flag::is_currency, language.is_currency(text, a));
  const std::string_view norm = language.norm(text, lower);

  // Intern each distinct string once.
  struct seen_entry {
    std::string_view text;
    hash_t id = 0;
  };
  std::array<seen_entry, 5> seen{};
  std::size_t n_seen = 0;
  auto id_of = [&](std::string_view s) -> hash_t {
    for (std::size_t i = 0; i < n_seen; ++i)
      if (seen[i].text == s) return seen[i].id;
    const auto h = static_cast<hash_t>(intern(s));
    seen[n_seen++] = {s, h};
    return h;
  };
  a.lower = id_of(lower);
  a.norm = norm.data() == lower.data() && norm.size() == lower.size() ? a.lower : id_of(norm);
  a.shape = id_of(shape);
  a.prefix = id_of(pre);
  a.suffix = id_of(suf);
  return a;
}

}  // namespace lexzone::detail
