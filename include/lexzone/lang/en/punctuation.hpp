/// \file lang/en/punctuation.hpp
/// spaCy's English prefix, suffix and infix rules (and its base "xx" rules), compiled by hand into
/// predicates: the fast rules policy of `basic_segmenter` (tokenizer/basic_segmenter.hpp).
///
/// The regular expressions are spaCy v3.8's `spacy/lang/punctuation.py` (TOKENIZER_PREFIXES,
/// TOKENIZER_SUFFIXES, TOKENIZER_INFIXES) with the English infix override of `spacy/lang/en/punctuation.py`
/// (a hyphen between letters may also follow a digit), built from the character classes of
/// `lang/char_classes.hpp`; URL_MATCH is `lang::url_match`; there is no token_match. The answers equal those
/// of Python's `re` on spaCy 3.8.2's serialized English tokenizer. Facts from spaCy (MIT licence, Explosion
/// AI); the code is lexzone's.
///
/// Everything here is allocation-free, never throws, and is safe to call from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../../config.hpp"
#include "../../unicode/utf8.hpp"
#include "../char_classes.hpp"
#include "../url_match.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::en {

/// Which affix rules and default special cases a segmenter starts from.
enum class rule_set {
  english,  ///< `spacy.lang.en.English`: English infixes (hyphen after a digit too) and English exceptions
  base,     ///< spaCy's language-independent defaults ("xx"): base infixes and BASE_EXCEPTIONS only
};

/// `[0-9]`: the ASCII digits the affix rules' look-behinds test. Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr bool is_ascii_digit(char32_t c) noexcept { return c >= U'0' && c <= U'9'; }

/// True when `c` alone is a prefix: `§ % = — –`, PUNCT, QUOTES, one-code-point CURRENCY or ICONS.
/// (`+` not followed by a digit, runs of two or more `.`, `US$`, `C$` and `A$` are prefixes too;
/// `punctuation_rules::prefix_length` checks those itself.) Complexity: O(log N). Throws: nothing.
[[nodiscard]] constexpr bool is_prefix_char(char32_t c) noexcept {
  return c == U'%' || c == U'=' || c == 0xA7 || c == 0x2013 || c == 0x2014 || lang::chars::is_punct(c) ||
         lang::chars::is_quote(c) || lang::chars::is_currency(c) || lang::chars::is_icon(c);
}

/// True when `c` alone is a suffix without any look-behind: PUNCT, QUOTES, ICONS, `—`, `–`.
/// Complexity: O(log N). Throws: nothing.
[[nodiscard]] constexpr bool is_suffix_char(char32_t c) noexcept {
  return c == 0x2013 || c == 0x2014 || lang::chars::is_punct(c) || lang::chars::is_quote(c) || lang::chars::is_icon(c);
}

/// True when a period after `c` is split off by spaCy's suffix rule for a final period. The rule is
/// `(?<=[0-9{ALPHA_LOWER}%²\-\+{PUNCT}(?:{QUOTES})])\.` (its class also holds `|`, `(`, `?`, `:`, `)`,
/// which the joined PUNCT string and the `(?:` group bring into it). Complexity: O(log N). Throws: nothing.
[[nodiscard]] constexpr bool is_period_lookbehind(char32_t c) noexcept {
  return is_ascii_digit(c) || c == U'%' || c == 0xB2 || c == U'-' || c == U'+' || c == U'|' || c == U'(' || c == U'?' ||
         c == U':' || c == U')' || lang::chars::is_alpha_lower(c) || lang::chars::is_punct(c) ||
         lang::chars::is_quote(c);
}

namespace detail {

/// Per-ASCII-byte answers of the predicates above, for the hot paths: one table load per byte.
enum ascii_rule_flag : std::uint16_t {
  ascii_lower = 1u << 0,          ///< ALPHA_LOWER
  ascii_upper = 1u << 1,          ///< ALPHA_UPPER
  ascii_digit = 1u << 2,          ///< 0-9
  ascii_prefix = 1u << 3,         ///< `is_prefix_char`
  ascii_suffix = 1u << 4,         ///< `is_suffix_char`
  ascii_period_before = 1u << 5,  ///< `is_period_lookbehind`
  ascii_infix = 1u << 6,          ///< may start an infix match: . + - * ^ , : < > = / ~
};

/// The table of `ascii_rule_flag`s, computed from the predicates.
[[nodiscard]] constexpr std::array<std::uint16_t, 128> make_ascii_rule_flags() noexcept {
  std::array<std::uint16_t, 128> f{};
  for (char32_t c = 0; c < 128; ++c) {
    std::uint16_t bits = 0;
    if (lang::chars::is_alpha_lower(c)) bits |= ascii_lower;
    if (lang::chars::is_alpha_upper(c)) bits |= ascii_upper;
    if (is_ascii_digit(c)) bits |= ascii_digit;
    if (is_prefix_char(c)) bits |= ascii_prefix;
    if (is_suffix_char(c)) bits |= ascii_suffix;
    if (is_period_lookbehind(c)) bits |= ascii_period_before;
    if (std::string_view(".+-*^,:<>=/~").find(static_cast<char>(c)) != std::string_view::npos) bits |= ascii_infix;
    f[c] = bits;
  }
  return f;
}

/// See `make_ascii_rule_flags`.
inline constexpr std::array<std::uint16_t, 128> ascii_rule_flags = make_ascii_rule_flags();

/// The code point at byte `i` of `s`; `size == 0` past the end.
[[nodiscard]] constexpr unicode::decoded cp_at(std::string_view s, std::size_t i) noexcept {
  if (i >= s.size()) return {0, 0, false};
  return unicode::decode(s, i);
}

/// True when `tail` is one of the strings of `list`. Complexity: O(N).
template <std::size_t N>
[[nodiscard]] constexpr bool is_listed(std::string_view tail, const std::string_view (&list)[N]) noexcept {
  for (const std::string_view u : list) {
    if (u == tail) return true;
  }
  return false;
}

}  // namespace detail

/// The rules policy of spaCy's English (or base "xx") tokenizer for `basic_segmenter`: prefix, suffix
/// and infix rules as hand-compiled predicates, URL_MATCH, no token_match. A small value (one enum):
/// copy it freely. Every member is allocation-free, noexcept and safe to call from any thread.
class punctuation_rules {
 public:
  /// The rules of `rules`: `rule_set::english` or `rule_set::base` (they differ in one infix).
  /// Complexity: O(1). Throws: nothing.
  constexpr explicit punctuation_rules(rule_set rules = rule_set::english) noexcept : rules_(rules) {}

  /// Which rules these are. Complexity: O(1). Throws: nothing.
  [[nodiscard]] constexpr rule_set set() const noexcept { return rules_; }

  /// Bytes of the prefix spaCy's `prefix_search` finds at the start of `s` (0 if none).
  /// Complexity: O(1), O(run) for runs of dots. Throws: nothing.
  [[nodiscard]] LEXZONE_ALWAYS_INLINE static std::size_t prefix_length(std::string_view s) noexcept {
    if (s.empty()) return 0;
    const auto b = static_cast<unsigned char>(s[0]);
    if (b < 0x80) {
      switch (b) {
        case '.': {
          std::size_t i = 1;
          while (i < s.size() && s[i] == '.') ++i;
          return i >= 2 ? i : 0;
        }
        case '+': return (s.size() > 1 && s[1] >= '0' && s[1] <= '9') ? 0 : 1;
        case 'U': return s.starts_with("US$") ? 3 : 0;
        case 'C':
        case 'A': return (s.size() > 1 && s[1] == '$') ? 2 : 0;
        default: return (detail::ascii_rule_flags[b] & detail::ascii_prefix) != 0 ? 1 : 0;
      }
    }
    const unicode::decoded d = unicode::decode(s, 0);
    return is_prefix_char(d.cp) ? d.size : 0;
  }

  /// Bytes of the suffix spaCy's `suffix_search` finds at the end of `s` (0 if none): the match that
  /// starts leftmost, look-behinds seeing only `s`. Complexity: O(1), O(run) for runs of dots.
  /// Throws: nothing.
  [[nodiscard]] static std::size_t suffix_length(std::string_view s) noexcept {
    using detail::ascii_rule_flags;
    const std::size_t n = s.size();
    if (n == 0) return 0;
    const auto last = static_cast<unsigned char>(s[n - 1]);
    if (last < 0x80 && (ascii_rule_flags[last] & (detail::ascii_lower | detail::ascii_upper | detail::ascii_digit))) {
      // Only 's / ’s or a unit after a digit can end in a letter; nothing ends in a digit.
      if ((ascii_rule_flags[last] & detail::ascii_digit) != 0) return 0;
      bool maybe = false;
      if ((last == 's' || last == 'S') && n >= 2) {
        maybe = s[n - 2] == '\'' || (n >= 4 && s.substr(n - 4, 3) == "\xE2\x80\x99");
      }
      for (std::size_t k = 2; !maybe && k <= 6 && k <= n; ++k) maybe = s[n - k] >= '0' && s[n - k] <= '9';
      if (!maybe) return 0;
    } else if (last < 0x80 && (ascii_rule_flags[last] & detail::ascii_suffix) != 0) {
      return 1;  // no longer alternative ends in one of these characters
    } else if (last == '.') {
      std::size_t d = 1;
      while (d < n && s[n - 1 - d] == '.') ++d;
      if (d >= 2) return d;
    }
    // The last code points (up to 6) and where they start.
    std::array<char32_t, 6> cp{};
    std::array<std::size_t, 6> at{};
    std::size_t count = 0;
    for (std::size_t end = n; end > 0 && count < cp.size(); ++count) {
      const unicode::decoded d = unicode::decode_before(s, end);
      cp[count] = d.cp;
      at[count] = end - d.size;
      end -= d.size;
    }
    const std::size_t longest = count < 5 ? count : 5;
    for (std::size_t k = longest; k >= 1; --k) {  // leftmost start first
      const std::string_view tail = s.substr(at[k - 1]);
      const bool has_before = k < count;
      const char32_t before = has_before ? cp[k] : 0;
      const bool digit_before = has_before && is_ascii_digit(before);
      if (k == 1) {
        const char32_t c = cp[0];
        if (is_suffix_char(c)) return tail.size();
        if (c == U'+' && digit_before) return tail.size();
        if (c == U'.' && has_before) {
          const bool has_before2 = k + 1 < count;
          const char32_t before2 = has_before2 ? cp[k + 1] : 0;
          if (has_before2 && before2 == 0xB0 &&
              std::u32string_view(U"FfCcKk").find(before) != std::u32string_view::npos) {
            return tail.size();
          }
          if (is_period_lookbehind(before)) return tail.size();
          if (has_before2 && lang::chars::is_alpha_upper(before) && lang::chars::is_alpha_upper(before2)) {
            return tail.size();
          }
        }
      } else if (k == 2) {
        if (cp[0] == 0x2026 && cp[1] == 0x2026) return tail.size();
        if ((cp[0] == U's' || cp[0] == U'S') && (cp[1] == U'\'' || cp[1] == 0x2019)) return tail.size();
      }
      if (digit_before &&
          (detail::is_listed(tail, lang::chars::currencies) || detail::is_listed(tail, lang::chars::units))) {
        return tail.size();
      }
    }
    return 0;
  }

  /// Calls `fn(start, end)` (byte offsets in `s`) for each match of spaCy's `infix_finditer` on `s`,
  /// left to right, without overlap. Complexity: O(|s|). Throws: whatever `fn` throws.
  template <class Fn>
  LEXZONE_ALWAYS_INLINE void for_each_infix(std::string_view s, Fn&& fn) const {
    const std::size_t n = s.size();
    std::size_t i = 0;
    char32_t prev = 0;
    bool has_prev = false;
    while (i < n) {
      const auto b = static_cast<unsigned char>(s[i]);
      if (b < 0x80 && (detail::ascii_rule_flags[b] & detail::ascii_infix) == 0) {
        prev = b;
        has_prev = true;
        ++i;
        continue;
      }
      const unicode::decoded d = unicode::decode(s, i);
      const std::size_t len = infix_at(s, i, d, has_prev, prev);
      if (len != 0) {
        fn(i, i + len);
        prev = unicode::decode_before(s, i + len).cp;
        has_prev = true;
        i += len;
      } else {
        prev = d.cp;
        has_prev = true;
        i += d.size;
      }
    }
  }

  /// spaCy's English defaults have no token_match: always false. Complexity: O(1). Throws: nothing.
  [[nodiscard]] static constexpr bool token_match(std::string_view) noexcept { return false; }

  /// spaCy's URL_MATCH, `lang::url_match`. Complexity: O(|s|). Throws: nothing.
  [[nodiscard]] static constexpr bool url_match(std::string_view s) noexcept { return lang::url_match(s); }

 private:
  rule_set rules_;

  /// Length of the infix match at byte `i` (code point `d`), or 0.
  [[nodiscard]] std::size_t infix_at(std::string_view s, std::size_t i, unicode::decoded d, bool has_prev,
                                     char32_t prev) const noexcept {
    using lang::chars::is_alpha;
    const char32_t c = d.cp;
    const unicode::decoded next = detail::cp_at(s, i + d.size);
    const bool has_next = next.size != 0;
    // \.\.+
    if (c == U'.' && has_next && next.cp == U'.') {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] == '.') ++j;
      return j - i;
    }
    if (c == 0x2026 || lang::chars::is_icon(c)) return d.size;  // … and ICONS
    // (?<=[0-9])[+\-\*^](?=[0-9-])
    if ((c == U'+' || c == U'-' || c == U'*' || c == U'^') && has_prev && is_ascii_digit(prev) && has_next &&
        (is_ascii_digit(next.cp) || next.cp == U'-')) {
      return 1;
    }
    if (!has_prev || !has_next) return 0;  // every remaining rule looks both ways
    // (?<=[{al}{q}])\.(?=[{au}{q}])
    if (c == U'.') {
      return (lang::chars::is_alpha_lower(prev) || lang::chars::is_quote(prev)) &&
                     (lang::chars::is_alpha_upper(next.cp) || lang::chars::is_quote(next.cp))
                 ? 1
                 : 0;
    }
    // (?<=[{a}]),(?=[{a}])
    if (c == U',') return is_alpha(prev) && is_alpha(next.cp) ? 1 : 0;
    const bool alpha_or_digit_before = is_alpha(prev) || is_ascii_digit(prev);
    // (?<=[{a}0-9])(?:-|–|—|--|---|——|~)(?=[{a}])  (base rules: (?<=[{a}]))
    if (lang::chars::is_hyphen(c)) {
      if (!(rules_ == rule_set::english ? alpha_or_digit_before : is_alpha(prev))) return 0;
      if (is_alpha(next.cp)) return d.size;
      if ((c == U'-' || c == 0x2014) && next.cp == c) {
        const unicode::decoded next2 = detail::cp_at(s, i + std::size_t{2} * d.size);
        if (next2.size != 0 && is_alpha(next2.cp)) return std::size_t{2} * d.size;
        if (c == U'-' && next2.size != 0 && next2.cp == U'-') {
          const unicode::decoded next3 = detail::cp_at(s, i + 3);
          if (next3.size != 0 && is_alpha(next3.cp)) return 3;
        }
      }
      return 0;
    }
    // (?<=[{a}0-9])[:<>=/](?=[{a}])
    if (c == U':' || c == U'<' || c == U'>' || c == U'=' || c == U'/') {
      return alpha_or_digit_before && is_alpha(next.cp) ? 1 : 0;
    }
    return 0;
  }
};

}  // namespace lexzone::en
