/// \file lang/url_match.hpp
/// spaCy's URL_MATCH (`spacy/lang/tokenizer_exceptions.py`, v3.8): the one URL matcher of lexzone.
///
/// spaCy's tokenizer of every language keeps a chunk core that URL_MATCH accepts as one token, and the
/// lexeme attribute `like_url` falls back on it. Both use `lang::url_match`. The pattern is a Python `re`
/// expression, implemented here by hand with the same answers on every input (`\d`, `\w` and `\S` are
/// Unicode-aware as in Python 3; the TLD class is spaCy's ALPHA_LOWER from `lang/char_classes.hpp`).
///
/// Everything here is `constexpr`, allocation-free and safe to call from any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../unicode/properties.hpp"
#include "../unicode/utf8.hpp"
#include "char_classes.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Python's `$` (no MULTILINE): at the end, or before a final "\n".
[[nodiscard]] constexpr bool re_at_end(std::string_view s, std::size_t i) noexcept {
  return i == s.size() || (i + 1 == s.size() && s[i] == '\n');
}

/// Number of consecutive `\d` code points at byte `i`, at most `limit`; `end` receives the byte after them.
[[nodiscard]] constexpr std::size_t re_digits(std::string_view s, std::size_t i, std::size_t limit,
                                              std::size_t& end) noexcept {
  std::size_t n = 0;
  while (i < s.size() && n < limit) {
    const auto d = unicode::decode(s, i);
    if (!unicode::is_decimal(d.cp)) break;
    i += d.size;
    ++n;
  }
  end = i;
  return n;
}

/// The text URL_MATCH runs on, with what makes its path test O(1): `path_from` is the first byte from
/// which no white space occurs up to the end (or up to a final "\n", which `$` may precede).
struct url_subject {
  std::string_view s;
  std::size_t path_from = 0;

  constexpr explicit url_subject(std::string_view text) noexcept : s(text) {
    const std::size_t m = (!s.empty() && s.back() == '\n') ? s.size() - 1 : s.size();
    for (std::size_t i = 0; i < m;) {
      const auto d = unicode::decode(s, i);
      i += d.size;
      if (unicode::is_space(d.cp)) path_from = i;
    }
  }
};

/// `(?::\d{2,5})?(?:[/?#]\S*)?$` at byte `i` of URL_MATCH (port, path, end). Complexity: O(1).
[[nodiscard]] constexpr bool url_tail(const url_subject& u, std::size_t i) noexcept {
  const std::string_view s = u.s;
  if (re_at_end(s, i)) return true;
  if (s[i] == ':') {
    std::size_t end = 0;
    const std::size_t n = re_digits(s, i + 1, 6, end);
    if (n < 2 || n > 5) return false;
    if (re_at_end(s, end)) return true;
    i = end;
  }
  return (s[i] == '/' || s[i] == '?' || s[i] == '#') && i + 1 >= u.path_from;
}

/// Up to 8 candidate byte positions (a tiny set for the backtracking of the IP address pattern).
struct position_set {
  std::size_t pos[8] = {};
  std::size_t size = 0;
  constexpr void add(std::size_t p) noexcept {
    for (std::size_t i = 0; i < size; ++i)
      if (pos[i] == p) return;
    if (size < 8) pos[size++] = p;
  }
};

/// The code points at bytes i, i+1 cp, i+2 cp (0 past the end), and the byte after each.
struct three_cps {
  char32_t c[3] = {0, 0, 0};
  std::size_t after[3] = {0, 0, 0};
  constexpr three_cps(std::string_view s, std::size_t i) noexcept {
    for (int k = 0; k < 3; ++k) {
      if (i < s.size()) {
        const auto d = unicode::decode(s, i);
        c[k] = d.cp;
        i += d.size;
      } else {
        c[k] = 0;
      }
      after[k] = i;
    }
  }
};

enum class octet_kind { first, middle, last };

/// Ends of the IP octet patterns of URL_MATCH that start at byte `i`:
/// first `[1-9]\d?|1\d\d|2[01]\d|22[0-3]`, middle `1?\d{1,2}|2[0-4]\d|25[0-5]`,
/// last `[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]`.
[[nodiscard]] constexpr position_set ip_octet(std::string_view s, std::size_t i, octet_kind kind) noexcept {
  position_set out;
  const three_cps t(s, i);
  auto dg = [](char32_t c) { return unicode::is_decimal(c); };
  auto in = [](char32_t c, char lo, char hi) {
    return c >= static_cast<char32_t>(lo) && c <= static_cast<char32_t>(hi);
  };
  if (kind == octet_kind::middle) {
    if (dg(t.c[0])) {
      out.add(t.after[0]);
      if (dg(t.c[1])) out.add(t.after[1]);
    }
    if (t.c[0] == U'1' && dg(t.c[1])) {
      out.add(t.after[1]);
      if (dg(t.c[2])) out.add(t.after[2]);
    }
    if (t.c[0] == U'2' && in(t.c[1], '0', '4') && dg(t.c[2])) out.add(t.after[2]);
    if (t.c[0] == U'2' && t.c[1] == U'5' && in(t.c[2], '0', '5')) out.add(t.after[2]);
    return out;
  }
  if (in(t.c[0], '1', '9')) {
    out.add(t.after[0]);
    if (dg(t.c[1])) out.add(t.after[1]);
  }
  if (t.c[0] == U'1' && dg(t.c[1]) && dg(t.c[2])) out.add(t.after[2]);
  if (kind == octet_kind::first) {
    if (t.c[0] == U'2' && in(t.c[1], '0', '1') && dg(t.c[2])) out.add(t.after[2]);
    if (t.c[0] == U'2' && t.c[1] == U'2' && in(t.c[2], '0', '3')) out.add(t.after[2]);
  } else {
    if (t.c[0] == U'2' && in(t.c[1], '0', '4') && dg(t.c[2])) out.add(t.after[2]);
    if (t.c[0] == U'2' && t.c[1] == U'5' && in(t.c[2], '0', '4')) out.add(t.after[2]);
  }
  return out;
}

/// Look-ahead `(?:\.\d{1,3}){reps}` at byte `i` (only existence matters).
[[nodiscard]] constexpr bool ip_dotted_lookahead(std::string_view s, std::size_t i, int reps) noexcept {
  for (int r = 0; r < reps; ++r) {
    if (i >= s.size() || s[i] != '.') return false;
    std::size_t end = 0;
    const std::size_t n = re_digits(s, i + 1, 4, end);
    if (n == 0) return false;
    if (r + 1 == reps) return true;  // the last repetition needs one digit, whatever follows
    if (n > 3) return false;         // more digits than \d{1,3} and no '.' after three of them
    i = end;
  }
  return true;
}

/// The IP address branch of URL_MATCH at byte `h`, followed by `url_tail`.
[[nodiscard]] constexpr bool url_ip(const url_subject& u, std::size_t h) noexcept {
  const std::string_view s = u.s;
  const std::string_view rest = s.substr(h);
  auto starts = [&](std::string_view p) { return rest.substr(0, p.size()) == p; };
  // Excluded private and local networks (negative look-aheads).
  if (starts("10") && ip_dotted_lookahead(s, h + 2, 3)) return false;
  if (starts("127") && ip_dotted_lookahead(s, h + 3, 3)) return false;
  if ((starts("169.254") || starts("192.168")) && ip_dotted_lookahead(s, h + 7, 2)) return false;
  if (starts("172.")) {
    const three_cps t(s, h + 4);
    const bool second = (t.c[0] == U'1' && t.c[1] >= U'6' && t.c[1] <= U'9') ||
                        (t.c[0] == U'2' && unicode::is_decimal(t.c[1])) ||
                        (t.c[0] == U'3' && (t.c[1] == U'0' || t.c[1] == U'1'));
    if (second && ip_dotted_lookahead(s, t.after[1], 2)) return false;
  }
  position_set cur = ip_octet(s, h, octet_kind::first);
  for (int k = 0; k < 3; ++k) {
    position_set next;
    for (std::size_t j = 0; j < cur.size; ++j) {
      const std::size_t p = cur.pos[j];
      if (p >= s.size() || s[p] != '.') continue;
      const position_set o = ip_octet(s, p + 1, k < 2 ? octet_kind::middle : octet_kind::last);
      for (std::size_t m = 0; m < o.size; ++m) next.add(o.pos[m]);
    }
    cur = next;
  }
  for (std::size_t j = 0; j < cur.size; ++j)
    if (url_tail(u, cur.pos[j])) return true;
  return false;
}

/// `[A-Za-z0-9\u00a1-\uffff]`, the characters of a host label of URL_MATCH.
[[nodiscard]] constexpr bool url_label_char(char32_t c) noexcept {
  return (c < 0x80 && (ascii_alpha(static_cast<unsigned char>(c)) || ascii_digit(static_cast<unsigned char>(c)))) ||
         (c >= 0xA1 && c <= 0xFFFF);
}

/// The host-name branch of URL_MATCH at byte `h`: `(?:(?:L[L_-]{0,62})?L\.)+[ALPHA_LOWER]{2,63}`,
/// followed by `url_tail`. Labels cannot hold '.', so the dots fix them; the TLD is the longest run of
/// ALPHA_LOWER after a dot (a shorter one would be followed by a letter, which no tail accepts).
[[nodiscard]] constexpr bool url_domain(const url_subject& u, std::size_t h) noexcept {
  const std::string_view s = u.s;
  std::size_t pos = h;
  bool have_label = false;
  while (pos <= s.size()) {
    if (have_label) {
      std::size_t i = pos, run = 0;
      while (i < s.size() && run <= 63) {
        const auto d = unicode::decode(s, i);
        if (!lang::chars::is_alpha_lower(d.cp)) break;
        i += d.size;
        ++run;
      }
      if (run >= 2 && run <= 63 && url_tail(u, i)) return true;
    }
    std::size_t i = pos, count = 0;
    char32_t last = 0;
    while (i < s.size()) {
      const auto d = unicode::decode(s, i);
      if (!url_label_char(d.cp) && d.cp != U'_' && d.cp != U'-') break;
      if (count == 0 && !url_label_char(d.cp)) return false;
      last = d.cp;
      ++count;
      i += d.size;
    }
    if (i >= s.size() || s[i] != '.' || count == 0 || count > 64 || !url_label_char(last)) return false;
    pos = i + 1;
    have_label = true;
  }
  return false;
}

/// `[\w\+\-\.]`, a character of the URL scheme.
[[nodiscard]] constexpr bool url_scheme_char(char32_t c) noexcept {
  return c == U'+' || c == U'-' || c == U'.' || unicode::is_word(c);
}

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// spaCy's URL_MATCH from spacy/lang/tokenizer_exceptions.py, true when it matches all of `text`.
/// The whole of `text` is an optional scheme
/// (`[\w+\-.]{2,}://`), optional `user[:pass]@`, then a public IP address or host names with a lowercase
/// TLD, then an optional port (`:\d{2,5}`) and path (`[/?#]\S*`). Python `re` semantics throughout (`\d`,
/// `\w`, `\S` are Unicode-aware; `$` also matches before a final "\n").
/// Complexity: O(n) (each '@' restarts the host match, which cannot run past the next '@').
/// Throws: nothing.
[[nodiscard]] constexpr bool url_match(std::string_view text) noexcept {
  // Both alternatives (IP address, host names) hold a '.': most words are rejected by this scan alone.
  if (text.find('.') == std::string_view::npos) return false;
  const detail::url_subject u(text);
  // Where the authority may start: at 0, and after a scheme "xx://".
  std::size_t starts[2] = {0, 0};
  std::size_t n_starts = 1;
  {
    std::size_t i = 0, count = 0;
    while (i < text.size()) {
      const auto d = unicode::decode(text, i);
      if (!detail::url_scheme_char(d.cp)) break;
      i += d.size;
      ++count;
    }
    if (count >= 2 && text.substr(i, 3) == "://") starts[n_starts++] = i + 3;
  }
  for (std::size_t k = 0; k < n_starts; ++k) {
    const std::size_t a = starts[k];
    if (detail::url_ip(u, a) || detail::url_domain(u, a)) return true;
    // `\S+(?::\S*)?@`: any '@' after at least one non-space code point.
    std::size_t i = a;
    bool any = false;
    while (i < text.size()) {
      const auto d = unicode::decode(text, i);
      if (unicode::is_space(d.cp)) break;
      if (d.cp == U'@' && any && (detail::url_ip(u, i + 1) || detail::url_domain(u, i + 1))) return true;
      any = true;
      i += d.size;
    }
  }
  return false;
}

}  // namespace lexzone::lang
