/// \file lang/en/lex_attrs.hpp
/// English lexeme attributes as `spacy.blank("en")` computes them: `like_num` with number words and
/// ordinals (spacy/lang/en/lex_attrs.py), `is_stop` over the English stop list
/// (spacy/lang/en/stop_words.py) and NORM.
///
/// NORM of a *lexeme* in a blank English pipeline: the vocab's NORM getter is `spacy.lang.lex_attrs.lower`
/// wrapped by `util.add_lookups(..., BASE_NORMS)` (spacy/vocab.pyx `create_vocab`), so it is the entry of
/// BASE_NORMS (spacy/lang/norm_exceptions.py) for the exact text when there is one ("’" gives "'", "…"
/// "...", "£" "$", "US$" "$"), else `str.lower()`. The English lookups table `lexeme_norm` (British/American
/// spellings) lives in spacy-lookups-data and is not loaded by `spacy.blank("en")`; the NORMs that tokenizer
/// exceptions give ("'cause" gives "because") belong to tokens, not lexemes.
///
/// The word lists are facts taken from spaCy (MIT, Explosion AI).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "../../config.hpp"
#include "../../unicode/properties.hpp"
#include "../base_norms.hpp"
#include "../lex_attrs.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail::en_data {

/// Byte length of the longest space-separated word of `s`.
[[nodiscard]] constexpr std::size_t longest_word(std::string_view s) noexcept {
  std::size_t best = 0, cur = 0;
  for (char c : s) {
    cur = (c == ' ' || c == '\n') ? 0 : cur + 1;
    best = cur > best ? cur : best;
  }
  return best;
}

// spacy/lang/en/lex_attrs.py: _num_words and _ordinal_words.
inline constexpr std::string_view number_words =
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion trillion quadrillion gajillion bazillion "
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth "
    "fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth millionth billionth "
    "trillionth quadrillionth gajillionth bazillionth";
inline constexpr std::size_t longest_number_word = longest_word(number_words);
inline constexpr auto number_word_set =
    static_string_set<count_words(number_words), 256>(split_words<count_words(number_words)>(number_words));

// spacy/lang/en/stop_words.py: STOP_WORDS, with the contractions also spelled with ‘ and ’.
// Not formatted: clang-format puts each of the adjacent literals below on a line of its own.
// clang-format off
inline constexpr std::string_view stop_words =
    "a about above across after afterwards again against all almost alone along already also although "
    "always am among amongst amount an and another any anyhow anyone anything anyway anywhere are around "
    "as at "
    "back be became because become becomes becoming been before beforehand behind being below beside "
    "besides between beyond both bottom but by "
    "call can cannot ca could "
    "did do does doing done down due during "
    "each eight either eleven else elsewhere empty enough even ever every everyone everything everywhere "
    "except "
    "few fifteen fifty first five for former formerly forty four from front full further "
    "get give go "
    "had has have he hence her here hereafter hereby herein hereupon hers herself him himself his how "
    "however hundred "
    "i if in indeed into is it its itself "
    "keep "
    "last latter latterly least less "
    "just "
    "made make many may me meanwhile might mine more moreover most mostly move much must my myself "
    "name namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere "
    "of off often on once one only onto or other others otherwise our ours ourselves out over own "
    "part per perhaps please put "
    "quite "
    "rather re really regarding "
    "same say see seem seemed seeming seems serious several she should show side since six sixty so some "
    "somehow someone something sometime sometimes somewhere still such "
    "take ten than that the their them themselves then thence there thereafter thereby therefore therein "
    "thereupon these they third this those though three through throughout thru thus to together too top "
    "toward towards twelve twenty two "
    "under until up unless upon us used using "
    "various very via was we well were what whatever when whence whenever where whereafter whereas "
    "whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why will "
    "with within without would "
    "yet you your yours yourself yourselves "
    "n't 'd 'll 'm 're 's 've "
    "n\xE2\x80\x98t \xE2\x80\x98" "d \xE2\x80\x98" "ll \xE2\x80\x98m \xE2\x80\x98re \xE2\x80\x98s \xE2\x80\x98ve "
    "n\xE2\x80\x99t \xE2\x80\x99" "d \xE2\x80\x99" "ll \xE2\x80\x99m \xE2\x80\x99re \xE2\x80\x99s \xE2\x80\x99ve";
// clang-format on
inline constexpr std::size_t longest_stop_word = longest_word(stop_words);
inline constexpr auto stop_word_set =
    static_string_set<count_words(stop_words), 1024>(split_words<count_words(stop_words)>(stop_words));

/// Lowercases ASCII letters of `s` into `buf` when `s` is made only of ASCII letters and fits.
template <std::size_t N>
[[nodiscard]] constexpr bool ascii_letters_lower(std::string_view s, char (&buf)[N], std::size_t& len) noexcept {
  if (s.size() > N) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!ascii_alpha(c)) return false;
    buf[i] = static_cast<char>(c | 0x20);
  }
  len = s.size();
  return true;
}

/// English like_num for an all-ASCII `text` in one pass (see `en::like_num`).
[[nodiscard]] constexpr bool like_num_ascii(std::string_view text) noexcept {
  std::size_t i = (!text.empty() && (text[0] == '+' || text[0] == '-' || text[0] == '~')) ? 1 : 0;
  char letters[16] = {};
  std::size_t n_letters = 0, cps = 0, before = 0, after = 0, slashes = 0, digit_prefix = 0;
  bool digits_before = true, digits_after = true, all_letters = true, prefix_open = true;
  char last2[2] = {0, 0};
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ',' || c == '.') continue;
    if (c == '/') {
      if (++slashes > 1) return false;  // neither a fraction, a number word nor "<digits>th"
      continue;
    }
    ++cps;
    const bool digit = ascii_digit(c), letter = ascii_alpha(c);
    if (slashes == 0) {
      ++before;
      digits_before = digits_before && digit;
    } else {
      ++after;
      digits_after = digits_after && digit;
    }
    all_letters = all_letters && letter;
    if (letter && n_letters < sizeof letters) letters[n_letters++] = static_cast<char>(c | 0x20);
    if (prefix_open && digit) ++digit_prefix;
    else prefix_open = false;
    last2[0] = last2[1];
    last2[1] = letter ? static_cast<char>(c | 0x20) : '\0';
  }
  if (slashes == 1) return before > 0 && digits_before && after > 0 && digits_after;
  if (cps == 0) return false;
  if (digits_before) return true;
  if (all_letters) return cps <= longest_number_word && number_word_set.contains(std::string_view(letters, cps));
  if (cps >= 3 && digit_prefix == cps - 2) {
    const std::string_view end(last2, 2);
    return end == "st" || end == "nd" || end == "rd" || end == "th";
  }
  return false;
}

/// English like_num for any UTF-8 `text` (see `en::like_num`).
[[nodiscard]] inline bool like_num_any(std::string_view text) noexcept {
  std::string_view rest;
  if (digits_or_fraction(text, rest)) return true;
  // Lowercase the text without ',' and '.', as far as it is ASCII letters and digits; anything else
  // cannot form a number word or "<digits>th" (only U+212A lowercases into ASCII, to "k", and no
  // number word has a "k").
  char buf[64];
  std::size_t n = 0;
  std::size_t digit_prefix = 0;  // leading code points that are digits (str.isdigit)
  bool all_letters = true, prefix_open = true;
  std::size_t cps = 0;
  char last2[2] = {0, 0};
  const bool complete = for_each_cp(rest, [&](char32_t cp, std::size_t, std::size_t) {
    if (cp == U',' || cp == U'.') return true;
    ++cps;
    const bool letter = cp < 0x80 && ascii_alpha(static_cast<unsigned char>(cp));
    if (letter && n < sizeof buf) buf[n++] = static_cast<char>(cp | 0x20);
    all_letters = all_letters && letter;
    if (prefix_open && unicode::is_digit(cp)) ++digit_prefix;
    else prefix_open = false;
    last2[0] = last2[1];
    last2[1] = letter ? static_cast<char>(cp | 0x20) : '\0';
    return true;
  });
  if (!complete || cps == 0) return false;
  if (all_letters && n == cps && n <= longest_number_word && number_word_set.contains(std::string_view(buf, n)))
    return true;
  // "<digits>st|nd|rd|th": every code point but the last two is a digit, and there is at least one.
  if (cps >= 3 && digit_prefix == cps - 2) {
    const std::string_view end(last2, 2);
    return end == "st" || end == "nd" || end == "rd" || end == "th";
  }
  return false;
}

}  // namespace lexzone::detail::en_data

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::en {

/// English `like_num` (spacy/lang/en/lex_attrs.py): the base `lang::like_num` test ("10,000", "-0.23",
/// "1/2", "²"), or, after one leading '+', '-', '±' or '~' and without ',' and '.', case-insensitively a
/// number word ("eleven", "billion"), an ordinal word ("third", "Millionth") or digits followed by "st",
/// "nd", "rd" or "th" ("23rd", "100TH"). Complexity: O(n). Throws: nothing.
[[nodiscard]] inline bool like_num(std::string_view text) noexcept {
  if (lexzone::detail::all_ascii(text)) return lexzone::detail::en_data::like_num_ascii(text);
  return lexzone::detail::en_data::like_num_any(text);
}

/// True when `lowered` (a text already lowercased as Python's `str.lower()` does) is an English stop word.
/// Complexity: O(|lowered|). Throws: nothing.
[[nodiscard]] constexpr bool is_stop_lower(std::string_view lowered) noexcept {
  return lexzone::detail::en_data::stop_word_set.contains(lowered);
}

/// spaCy's English `is_stop`: `text.lower()` is in the English stop list (so "THE" and "The" are stop
/// words, and so are "’s" and "n’t"). Complexity: O(n). Throws: nothing; never allocates.
[[nodiscard]] inline bool is_stop(std::string_view text) noexcept {
  // The stop words are ASCII plus the quotes ‘ and ’. Lowercasing maps a code point to one of those only
  // when it is one already, an ASCII capital, or U+212A KELVIN SIGN ("k"); U+0130 gives "i" + U+0307, which
  // is in no stop word. So the lowered text can be built code point by code point into a small buffer.
  constexpr std::size_t cap = lexzone::detail::en_data::longest_stop_word;
  char buf[cap];
  std::size_t n = 0;
  const bool fits = lexzone::detail::for_each_cp(text, [&](char32_t cp, std::size_t at, std::size_t size) {
    const char32_t l = cp == 0x130 ? cp : lexzone::unicode::to_lower(cp);
    if (l < 0x80) {
      if (n >= cap) return false;
      buf[n++] = static_cast<char>(l);
      return true;
    }
    if (l != 0x2018 && l != 0x2019) return false;
    if (n + size > cap) return false;
    for (std::size_t k = 0; k < size; ++k) buf[n++] = text[at + k];
    return true;
  });
  return fits && lexzone::detail::en_data::stop_word_set.contains(std::string_view(buf, n));
}

/// The BASE_NORMS entry for exactly `text` ("’" gives "'", "US$" gives "$"), if any.
/// The view refers to static storage. Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::optional<std::string_view> norm_exception(std::string_view text) noexcept {
  return lexzone::lang::base_norm(text);
}

/// Appends the NORM of the lexeme `text` as `spacy.blank("en")` computes it: `norm_exception(text)` when
/// there is one, else Python's `str.lower()`. Complexity: O(n). Throws: std::bad_alloc from `out`.
inline void append_norm(std::string_view text, std::string& out) {
  if (const auto exc = norm_exception(text)) {
    out.append(*exc);
    return;
  }
  lexzone::unicode::append_lower(text, out);
}

/// The NORM of the lexeme `text` as a new string (see `append_norm`). Complexity: O(n).
/// Throws: std::bad_alloc.
[[nodiscard]] inline std::string norm(std::string_view text) {
  std::string out;
  append_norm(text, out);
  return out;
}

}  // namespace lexzone::en
