/// \file lang/lex_attrs.hpp
/// Language-neutral lexeme attribute functions with the semantics of spaCy's `spacy/lang/lex_attrs.py`.
///
/// Each function takes the UTF-8 text of one lexeme and decides exactly as the spaCy function of the same
/// name does on the equivalent Python string (lengths, prefixes and suffixes count code points; an invalid
/// byte is one code point that is no letter, digit, space or punctuation). Unlike spaCy, none of them
/// fails on the empty string; the vocab gives "" the all-zero lexeme anyway, as spaCy does.
///
/// All functions are pure and thread-safe. They never allocate, except `word_shape`, which appends to
/// the caller's string. Regular expressions of spaCy (`like_email`, URL_MATCH) are implemented by hand
/// and match Python's `re` on every input, not only on typical ones.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../config.hpp"
#include "../unicode/properties.hpp"
#include "../unicode/utf8.hpp"
#include "url_match.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// A cheap hash of `s` (its length and its first and last two bytes) to place keys in compile-time
/// tables of short words; the multiplications are independent, so it costs a few cycles.
[[nodiscard]] constexpr std::uint32_t short_key_hash(std::string_view s) noexcept {
  const std::size_t n = s.size();
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
  std::uint32_t h = static_cast<std::uint32_t>(n) * 0x9E3779B1u;
  if (n > 0) h ^= (b(0) * 0x85EBCA77u) ^ (b(n - 1) * 0xC2B2AE3Du);
  if (n > 2) h ^= (b(1) * 0x27D4EB2Fu) ^ (b(n - 2) * 0x165667B1u);
  return h ^ (h >> 15);
}

/// Number of space-separated words in `s`.
[[nodiscard]] constexpr std::size_t count_words(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] != ' ' && s[i] != '\n' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n')) ++n;
  return n;
}

/// The space- or newline-separated words of `s` (`N` must be `count_words(s)`).
template <std::size_t N>
[[nodiscard]] constexpr std::array<std::string_view, N> split_words(std::string_view s) noexcept {
  std::array<std::string_view, N> out{};
  std::size_t n = 0, i = 0;
  while (i < s.size() && n < N) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\n') ++j;
    if (j > i) out[n++] = s.substr(i, j - i);
    i = j;
  }
  return out;
}

/// An immutable set of strings built at compile time: open addressing over `Slots` (a power of two
/// larger than N) 16-bit slots. `find` costs a cheap hash and usually one comparison.
template <std::size_t N, std::size_t Slots>
class static_string_set {
  static_assert(Slots > N && (Slots & (Slots - 1)) == 0, "Slots must be a power of two above N");
  static_assert(N < 0xFFFF, "too many keys");

 public:
  constexpr explicit static_string_set(const std::array<std::string_view, N>& keys) noexcept : keys_(keys) {
    for (std::size_t i = 0; i < N; ++i) {
      const std::string_view k = keys[i];
      min_size_ = k.size() < min_size_ ? k.size() : min_size_;
      max_size_ = k.size() > max_size_ ? k.size() : max_size_;
      if (!k.empty()) {
        const auto b = static_cast<unsigned char>(k[0]);
        first_bytes_[b >> 6] |= std::uint64_t{1} << (b & 63u);
      }
      if (find(k) >= 0) continue;  // duplicate key: keep the first
      std::size_t h = short_key_hash(k) & (Slots - 1);
      while (slots_[h] != 0) h = (h + 1) & (Slots - 1);
      slots_[h] = static_cast<std::uint16_t>(i + 1);
    }
  }
  /// Index of `s` in the key list given to the constructor, or -1. Complexity: O(|s|) expected; a text
  /// whose length or first byte no key has is rejected in O(1).
  [[nodiscard]] constexpr int find(std::string_view s) const noexcept {
    if (s.size() < min_size_ || s.size() > max_size_) return -1;
    if (!s.empty()) {
      const auto b = static_cast<unsigned char>(s[0]);
      if ((first_bytes_[b >> 6] & (std::uint64_t{1} << (b & 63u))) == 0) return -1;
    }
    std::size_t h = short_key_hash(s) & (Slots - 1);
    while (slots_[h] != 0) {
      if (keys_[slots_[h] - 1u] == s) return static_cast<int>(slots_[h] - 1u);
      h = (h + 1) & (Slots - 1);
    }
    return -1;
  }
  /// True when `s` is a key. Complexity: as `find`.
  [[nodiscard]] constexpr bool contains(std::string_view s) const noexcept { return find(s) >= 0; }
  /// Key `i` of the list given to the constructor. Complexity: O(1).
  [[nodiscard]] constexpr std::string_view key(std::size_t i) const noexcept { return keys_[i]; }

 private:
  std::array<std::string_view, N> keys_{};
  std::array<std::uint16_t, Slots> slots_{};
  std::array<std::uint64_t, 4> first_bytes_{};
  std::size_t min_size_ = static_cast<std::size_t>(-1);
  std::size_t max_size_ = 0;
};

// spaCy's list of top-level domains that make "name.tld" URL-like (spacy/lang/lex_attrs.py, MIT).
inline constexpr std::string_view tld_words =
    "com org edu gov net mil aero asia biz cat coop info int jobs mobi museum name pro tel travel xyz icu xxx "
    "ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bv "
    "bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cs cu cv cx cy cz dd de dj dk dm do dz ec ee eg eh er "
    "es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu "
    "id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu "
    "lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr "
    "nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl "
    "sm sn so sr ss st su sv sy sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk us uy uz va "
    "vc ve vg vi vn vu wf ws ye yt za zm zw";
inline constexpr auto tld_set =
    static_string_set<count_words(tld_words), 512>(split_words<count_words(tld_words)>(tld_words));

/// First code point of `s` as a view (empty for "").
[[nodiscard]] constexpr std::string_view first_cp(std::string_view s) noexcept {
  if (s.empty()) return s;
  return s.substr(0, static_cast<unsigned char>(s[0]) < 0x80 ? 1 : unicode::decode(s, 0).size);
}

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// spaCy's `is_punct`: every code point is punctuation (category P*); true for "".
/// Complexity: O(n). Throws: nothing.
[[nodiscard]] inline bool is_punct(std::string_view text) noexcept {
  return detail::for_each_cp(text, [](char32_t cp, std::size_t, std::size_t) { return unicode::is_punct(cp); });
}

/// spaCy's `is_ascii`: every code point below U+0080 (an invalid byte is not ASCII); true for "".
/// Complexity: O(n). Throws: nothing.
[[nodiscard]] inline bool is_ascii(std::string_view text) noexcept { return detail::all_ascii(text); }

/// spaCy's `is_currency`: every code point is a currency symbol (category Sc); true for "".
/// Complexity: O(n). Throws: nothing.
[[nodiscard]] inline bool is_currency(std::string_view text) noexcept {
  return detail::for_each_cp(text,
                             [](char32_t cp, std::size_t, std::size_t) { return unicode::is_currency_symbol(cp); });
}

}  // namespace lexzone::lang

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {
// spaCy's bracket and quote lists (spacy/lang/lex_attrs.py), as UTF-8.
inline constexpr std::string_view spacy_brackets[] = {"(", ")", "[", "]", "{", "}", "<", ">"};
// Data tables laid out by hand (clang-format would align them in columns).
// clang-format off
inline constexpr std::string_view spacy_quotes[] = {
    "\"", "'", "`",
    "\xC2\xAB",      // «
    "\xC2\xBB",      // »
    "\xE2\x80\x98",  // ‘
    "\xE2\x80\x99",  // ’
    "\xE2\x80\x9A",  // ‚
    "\xE2\x80\x9B",  // ‛
    "\xE2\x80\x9C",  // “
    "\xE2\x80\x9D",  // ”
    "\xE2\x80\x9E",  // „
    "\xE2\x80\x9F",  // ‟
    "\xE2\x80\xB9",  // ‹
    "\xE2\x80\xBA",  // ›
    "\xE2\x9D\xAE",  // ❮
    "\xE2\x9D\xAF",  // ❯
    "''", "``"};
inline constexpr std::string_view spacy_left_punct[] = {
    "(", "[", "{", "<", "\"", "'",
    "\xC2\xAB",      // «
    "\xE2\x80\x98",  // ‘
    "\xE2\x80\x9A",  // ‚
    "\xE2\x80\x9B",  // ‛
    "\xE2\x80\x9C",  // “
    "\xE2\x80\x9E",  // „
    "\xE2\x80\x9F",  // ‟
    "\xE2\x80\xB9",  // ‹
    "\xE2\x9D\xAE",  // ❮
    "``"};
inline constexpr std::string_view spacy_right_punct[] = {
    ")", "]", "}", ">", "\"", "'",
    "\xC2\xBB",      // »
    "\xE2\x80\x99",  // ’
    "\xE2\x80\x9D",  // ”
    "\xE2\x80\xBA",  // ›
    "\xE2\x9D\xAF",  // ❯
    "''"};
// clang-format on

template <std::size_t N>
[[nodiscard]] constexpr bool one_of_short(std::string_view text, const std::string_view (&list)[N]) noexcept {
  if (text.size() > 3 || text.empty()) return false;
  for (const auto& s : list)
    if (s == text) return true;
  return false;
}
}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// spaCy's `is_bracket`: one of ( ) [ ] { } < >. Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr bool is_bracket(std::string_view text) noexcept {
  return detail::one_of_short(text, detail::spacy_brackets);
}
/// spaCy's `is_quote`: one of " ' ` « » ‘ ’ ‚ ‛ “ ” „ ‟ ‹ › ❮ ❯ '' ``.
/// Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr bool is_quote(std::string_view text) noexcept {
  return detail::one_of_short(text, detail::spacy_quotes);
}
/// spaCy's `is_left_punct`: an opening bracket or quote. Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr bool is_left_punct(std::string_view text) noexcept {
  return detail::one_of_short(text, detail::spacy_left_punct);
}
/// spaCy's `is_right_punct`: a closing bracket or quote. Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr bool is_right_punct(std::string_view text) noexcept {
  return detail::one_of_short(text, detail::spacy_right_punct);
}

/// spaCy's `like_email`: a prefix match (Python `re.match`) of an e-mail pattern. The pattern is
/// `[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+` (at least one character after the dot).
/// Complexity: O(n). Throws: nothing.
[[nodiscard]] constexpr bool like_email(std::string_view text) noexcept {
  auto alnum = [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return detail::ascii_alpha(b) || detail::ascii_digit(b);
  };
  auto local = [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '+' || c == '-'; };
  auto host = [&](char c) { return alnum(c) || c == '-'; };
  std::size_t i = 0;
  while (i < text.size() && local(text[i])) ++i;
  if (i == 0 || i >= text.size() || text[i] != '@') return false;
  const std::size_t h = ++i;
  while (i < text.size() && host(text[i])) ++i;
  if (i == h || i >= text.size() || text[i] != '.') return false;
  ++i;
  return i < text.size() && (host(text[i]) || text[i] == '.');
}

/// spaCy's `like_url`: starts with "http://", "https://" or "www." plus one more character; else never
/// when the text starts or ends with '.', holds '@' or has no '.'; else true when the part after the last
/// '.' (up to a ':') ends with '/' or is a known TLD ("com", "org", "uk", ...), or when `url_match` accepts
/// the whole text. Complexity: O(n). Throws: nothing.
[[nodiscard]] constexpr bool like_url(std::string_view text) noexcept {
  if (text.empty()) return false;
  if (text[0] == 'h' && (text.substr(0, 7) == "http://" || text.substr(0, 8) == "https://")) return true;
  if (text[0] == 'w' && text.size() > 4 && text.substr(0, 4) == "www.") return true;
  // Every other way to true needs a '.' that is neither first nor last, and no '@'.
  const std::size_t dot = text.rfind('.');
  if (dot == std::string_view::npos || text.front() == '.' || text.back() == '.') return false;
  if (text.find('@') != std::string_view::npos) return false;
  std::string_view tld = text.substr(dot + 1);
  tld = tld.substr(0, tld.find(':'));
  if (!tld.empty() && tld.back() == '/') return true;
  if (detail::tld_set.contains(tld)) return true;  // every listed TLD is alphabetic
  return url_match(text);
}

/// Appends spaCy's `word_shape` of `text` to `out`: letters become 'X' (uppercase) or 'x', digits
/// (`str.isdigit`) 'd', anything else stays; a run of the same shape character stops growing after 4;
/// "LONG" for 100 code points or more. Complexity: O(n). Throws: std::bad_alloc from `out`.
inline void word_shape(std::string_view text, std::string& out) {
  if (unicode::length(text) >= 100) {
    out.append("LONG");
    return;
  }
  char32_t last = 0xFFFFFFFFu;
  int seq = 0;
  detail::for_each_cp(text, [&](char32_t cp, std::size_t at, std::size_t size) {
    char32_t shape = cp;  // anything but a letter or a digit stays
    if (unicode::is_alpha(cp)) {
      const bool upper = cp < 0x80 ? detail::ascii_upper(static_cast<unsigned char>(cp)) : unicode::is_upper(cp);
      shape = upper ? U'X' : U'x';
    } else if (unicode::is_digit(cp)) {
      shape = U'd';
    }
    if (shape == last) {
      ++seq;
    } else {
      seq = 0;
      last = shape;
    }
    if (seq < 4) {
      if (shape == cp) out.append(text.data() + at, size);
      else out.push_back(static_cast<char>(shape));
    }
    return true;
  });
}

/// spaCy's `word_shape` as a new string. Complexity: O(n). Throws: std::bad_alloc.
[[nodiscard]] inline std::string word_shape(std::string_view text) {
  std::string out;
  word_shape(text, out);
  return out;
}

/// spaCy's `prefix`: the first code point of `text` ("" for ""), as a view into `text`.
/// Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view prefix(std::string_view text LEXZONE_LIFETIMEBOUND) noexcept {
  return detail::first_cp(text);
}

/// spaCy's `suffix`: the last three code points of `text` (all of it when shorter), as a view into
/// `text`. Complexity: O(1) for ASCII, else O(n). Throws: nothing.
[[nodiscard]] constexpr std::string_view suffix(std::string_view text LEXZONE_LIFETIMEBOUND) noexcept {
  const std::size_t n = text.size();
  const std::size_t tail = n < 3 ? n : 3;
  bool ascii_tail = true;
  for (std::size_t k = n - tail; k < n; ++k) ascii_tail = ascii_tail && static_cast<unsigned char>(text[k]) < 0x80;
  // An ASCII byte is always a code point of its own, so three trailing ASCII bytes are the suffix.
  if (ascii_tail) return text.substr(n - tail);
  std::size_t starts[3] = {0, 0, 0};
  std::size_t count = 0;
  for (std::size_t i = 0; i < n;) {
    starts[count % 3] = i;
    ++count;
    const auto b = static_cast<unsigned char>(text[i]);
    i += b < 0x80 ? std::size_t{1} : std::size_t{unicode::decode(text, i).size};
  }
  return count <= 3 ? text : text.substr(starts[count % 3]);
}

}  // namespace lexzone::lang

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {
/// The digits test of spaCy's like_num on `text` without one leading '+', '-', '±' or '~' and with
/// every ',' and '.' removed: all digits (`str.isdigit`), or exactly one '/' between two digit runs.
/// `rest` receives the text after the sign.
[[nodiscard]] inline bool digits_or_fraction(std::string_view text, std::string_view& rest) noexcept {
  if (!text.empty() && (text[0] == '+' || text[0] == '-' || text[0] == '~')) text.remove_prefix(1);
  else if (text.substr(0, 2) == "\xC2\xB1") text.remove_prefix(2);  // ±
  rest = text;
  std::size_t before = 0, after = 0, slashes = 0;
  bool digits_before = true, digits_after = true;
  detail::for_each_cp(text, [&](char32_t cp, std::size_t, std::size_t) {
    if (cp == U',' || cp == U'.') return true;
    if (cp == U'/') {
      ++slashes;
      return slashes < 2;
    }
    const bool d = unicode::is_digit(cp);
    if (slashes == 0) {
      ++before;
      digits_before = digits_before && d;
    } else {
      ++after;
      digits_after = digits_after && d;
    }
    return true;
  });
  if (slashes == 0) return before > 0 && digits_before;
  return slashes == 1 && before > 0 && digits_before && after > 0 && digits_after;
}
}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// spaCy's base `like_num`: after one leading '+', '-', '±' or '~' and without ',' and '.', the text is
/// all digits ("10,000", "±1", "²") or a fraction of digits ("1/2"). Complexity: O(n). Throws: nothing.
[[nodiscard]] inline bool like_num(std::string_view text) noexcept {
  std::string_view rest;
  return detail::digits_or_fraction(text, rest);
}

/// spaCy's `is_space`: Python's `str.isspace()`. Complexity: O(n). Throws: nothing.
[[nodiscard]] inline bool is_space(std::string_view text) noexcept { return unicode::str_isspace(text); }

}  // namespace lexzone::lang
