/// \file lang/en/lexeme_traits.hpp
/// `lexzone::en::lexeme_traits`: computes `lexeme_attributes` exactly as `spacy.blank("en").vocab[text]`
/// does (spaCy 3.8), for `basic_vocab`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "../../config.hpp"
#include "../../lexeme.hpp"
#include "../../unicode/properties.hpp"
#include "../../unicode/utf8.hpp"
#include "../lex_attrs.hpp"
#include "lex_attrs.hpp"

namespace lexzone::detail {

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
  std::string lower;
  std::string shape;
  bool busy = false;
};

inline lexeme_scratch& thread_lexeme_scratch() noexcept {
  thread_local lexeme_scratch scratch;
  return scratch;
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

}  // namespace lexzone::detail

namespace lexzone::en {

/// Lexeme traits of English, for `basic_vocab<..., lexzone::en::lexeme_traits>`.
///
/// `compute(text, intern)` gives what `spacy.blank("en").vocab[text]` holds:
/// - `lower`: Python's `str.lower()`; `norm`: `en::append_norm` (BASE_NORMS, else lower); `shape`:
///   `lang::word_shape`; `prefix` / `suffix`: first code point / last three code points;
/// - `length`: code points (an invalid UTF-8 byte counts as one);
/// - flags: is_alpha, is_digit, is_lower, is_upper, is_title, is_space (Python `str.is*`), is_punct,
///   is_ascii, is_bracket, is_quote, is_left_punct, is_right_punct, is_currency, like_url, like_email
///   (`lang::`), like_num and is_stop (`en::`).
/// - The empty text gives the all-zero record (spaCy's EMPTY_LEXEME) and interns nothing.
///
/// Each distinct string among lower, norm, shape, prefix and suffix is passed to `intern` once.
/// Complexity: O(n) in the bytes of `text`; an ASCII text takes one fused pass plus the like_* checks.
/// Allocation: none for ASCII texts of up to 128 bytes; otherwise none after warm-up (per-thread scratch
/// buffers grow to the longest text seen).
/// Throws: whatever `intern` throws, and std::bad_alloc (only for texts that are long or not ASCII); the
/// only side effects are `intern`'s own. Thread safety: safe from any number of threads at once; `intern`
/// may itself call `compute` (re-entrant calls use their own buffers).
struct lexeme_traits {
  using attributes_type = lexzone::lexeme_attributes;  ///< the standard attribute record

  /// The attributes of `text`, interning their strings through `intern` (see the struct's comment).
  template <class Intern>
  static attributes_type compute(std::string_view text, Intern&& intern) {
    attributes_type a{};
    if (text.empty()) return a;

    // Short ASCII texts (nearly all words) work in stack buffers; others in per-thread strings.
    constexpr std::size_t small = 128;
    char lower_small[small];
    char shape_small[small];
    std::string_view lower, shape, pre, suf;
    std::size_t length = text.size();
    std::size_t shape_len = 0;
    bool ascii =
        text.size() <= small && lexzone::detail::ascii_lexeme_pass(text, lower_small, shape_small, shape_len, a.flags);
    if (ascii) {
      lower = std::string_view(lower_small, text.size());
      shape = std::string_view(shape_small, shape_len);
    }

    std::string own_lower, own_shape;  // when `intern` re-enters compute while the scratch is in use
    struct release_scratch {
      lexzone::detail::lexeme_scratch* s = nullptr;
      release_scratch() = default;
      release_scratch(const release_scratch&) = delete;
      release_scratch& operator=(const release_scratch&) = delete;
      ~release_scratch() {
        if (s == nullptr) return;
        s->busy = false;
        // One huge token (a base64 blob, a minified line) must not pin its size per thread for good.
        constexpr std::size_t keep = 4096;
        if (s->lower.capacity() > keep) std::string().swap(s->lower);
        if (s->shape.capacity() > keep) std::string().swap(s->shape);
      }
    } release;
    if (!ascii) {
      lexzone::detail::lexeme_scratch& scratch = lexzone::detail::thread_lexeme_scratch();
      std::string* lo = &own_lower;
      std::string* sh = &own_shape;
      if (!scratch.busy) {
        scratch.busy = true;
        release.s = &scratch;
        lo = &scratch.lower;
        sh = &scratch.shape;
      }
      lo->clear();
      sh->clear();
      ascii = lexzone::detail::ascii_lexeme_pass(text, *lo, *sh, a.flags);
      if (!ascii) {
        lo->clear();
        sh->clear();
        a.flags = lexzone::detail::unicode_lexeme_pass(text, *lo, *sh);
        length = lexzone::unicode::length(text);
      }
      lower = *lo;
      shape = *sh;
    }
    if (ascii) {
      pre = text.substr(0, 1);
      suf = text.substr(text.size() < 3 ? 0 : text.size() - 3);
    } else {
      pre = lexzone::lang::prefix(text);
      suf = lexzone::lang::suffix(text);
    }
    if (ascii && a.has(lex_flag::is_alpha)) {
      // Letters only (most words): like_num only as a number word; no '.', '@' or "://" for the like_*.
      a.set(lex_flag::like_num, lexzone::detail::en_data::number_word_set.contains(lower));
    } else if (ascii && a.has(lex_flag::is_digit)) {
      a.set(lex_flag::like_num);
    } else {
      a.set(lex_flag::like_num, ascii ? lexzone::detail::en_data::like_num_ascii(text) : en::like_num(text));
      a.set(lex_flag::like_url, lexzone::lang::like_url(text));
      a.set(lex_flag::like_email, lexzone::lang::like_email(text));
    }
    a.set(lex_flag::is_stop, en::is_stop_lower(lower));
    if (text.size() <= 3) {
      a.set(lex_flag::is_bracket, lexzone::lang::is_bracket(text));
      a.set(lex_flag::is_quote, lexzone::lang::is_quote(text));
      a.set(lex_flag::is_left_punct, lexzone::lang::is_left_punct(text));
      a.set(lex_flag::is_right_punct, lexzone::lang::is_right_punct(text));
    }
    a.length = static_cast<std::uint32_t>(length);

    // Intern each distinct string once.
    struct seen_entry {
      std::string_view text;
      hash_t id = 0;
    };
    seen_entry seen[5];
    std::size_t n_seen = 0;
    auto id_of = [&](std::string_view s) -> hash_t {
      for (std::size_t i = 0; i < n_seen; ++i)
        if (seen[i].text == s) return seen[i].id;
      const hash_t h = static_cast<hash_t>(intern(s));
      seen[n_seen++] = {s, h};
      return h;
    };
    a.lower = id_of(lower);
    const auto norm_exc = en::norm_exception(text);
    a.norm = norm_exc ? id_of(*norm_exc) : a.lower;
    a.shape = id_of(shape);
    a.prefix = id_of(pre);
    a.suffix = id_of(suf);
    return a;
  }
};

static_assert(lexzone::lexeme_traits<lexeme_traits>, "en::lexeme_traits must satisfy lexzone::lexeme_traits");

}  // namespace lexzone::en
