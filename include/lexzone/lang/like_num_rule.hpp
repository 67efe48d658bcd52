/// \file lang/like_num_rule.hpp
/// A language's LIKE_NUM as data: `lang::like_num_rule` and `lang::like_num(text, rule)`.
///
/// spaCy's 53 language-specific `like_num` functions (spacy/lang/L/lex_attrs.py) are variations of a few
/// rule families. A `like_num_rule` names the families a language uses and their parameters (word lists,
/// endings, separators); `like_num` runs them. The families, in the order they run:
/// 1. clean-up: drop one leading sign (`+ - ± ~`), drop one trailing `strip_suffix` (ru: "%"), delete every
///    occurrence of each string of `deletions` in turn (Python's `str.replace`; base: "," then ".");
/// 2. `markers`: true when the cleaned text contains one of them (yo);
/// 3. `strip_accents` (yo): later tests see the text in NFD without nonspacing marks (lang/accents.hpp);
/// 4. digits: `str.isdigit()`; fractions: exactly one separator of `fraction_separators` with
///    `str.isdigit()` on both sides ("1/2"; el also "10^3"); `roman_numerals` (la): a Roman numeral in any
///    case (`^(?=[MDCLXVI])M*D?C{0,4}L?X{0,4}V?I{0,4}$`, ignoring case as Python's `re.I` does);
/// 5. `lookups`: the cleaned text (`exact`), its `str.lower()` (`lower`), or that up to its first space
///    (`first_word_lower`) is in a word list;
/// 6. `ordinals`: the lowered text ends with one of `endings` and, without its last `cuts` code points
///    (each cut in turn; none given: the ending's length), is all digits ("5th", "12ኛ", "5inci");
/// 7. `suffixed`: the cleaned (`exact`) or lowered (`lower`) text ends with a suffix and the rest is in a
///    word list (mk "двата", hi "बीसवाँ");
/// 8. `hyphenated` (id, ms): exactly one '-' and the part after it is all digits or in a word list ("ke-5");
/// 9. `rewrites` (ta): the first rewrite whose key ends the cleaned text replaces it (keys are tried in
///    order and the search stops at the first key longer than the text), and the result, or the cleaned
///    text when none applied, is in a word list.
/// The text is like a number when any test says so. Lengths and cuts count code points. With
/// `strip_accents`, word lists must hold accent-stripped words (the loader strips them).
///
/// Thread safety: a rule is immutable after construction and `like_num` is pure, so any number of threads
/// may use one rule at once.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../unicode/properties.hpp"
#include "../unicode/utf8.hpp"
#include "accents.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// An immutable set of words (UTF-8 strings, compared byte for byte).
class word_set {
 public:
  /// The empty set. Complexity: O(1). Throws: nothing.
  word_set() = default;
  /// The set of `words` (duplicates are kept once). Complexity: O(n log n). Throws: std::bad_alloc.
  explicit word_set(std::vector<std::string> words) : words_(std::move(words)) {
    std::sort(words_.begin(), words_.end());
    words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
    index_.reserve(words_.size());
    for (const std::string& w : words_) index_.insert(w);
  }
  /// Whether `word` is in the set. Complexity: O(|word|) expected. Thread safety: const. Throws: nothing.
  [[nodiscard]] bool contains(std::string_view word) const noexcept {
    return !index_.empty() && index_.find(word) != index_.end();
  }
  /// The words, sorted by bytes, without duplicates. Lifetime: the set's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::vector<std::string>& words() const noexcept { return words_; }
  /// Number of distinct words. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return words_.size(); }
  /// Whether the set has no word. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return words_.empty(); }

 private:
  /// Hashes `std::string` and `std::string_view` alike (heterogeneous look-up).
  struct text_hash {
    using is_transparent = void;  ///< enables look-up by string_view
    /// The hash of `s`.
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
  };

  std::vector<std::string> words_;
  std::unordered_set<std::string, text_hash, std::equal_to<>> index_;
};

/// Which form of the cleaned text a word list is matched against.
enum class word_match {
  exact,             ///< the cleaned text as it is
  lower,             ///< its `str.lower()`
  first_word_lower,  ///< its `str.lower()` up to the first U+0020 (el: `text.lower().split(' ')[0]`)
};

/// Look-up of the text in a word list (family 5 of the file comment).
struct number_word_lookup {
  word_set words;                        ///< the list (`_num_words`, `_ordinal_words`, ...)
  word_match match = word_match::lower;  ///< the form of the text that is looked up
};

/// Digits with an ordinal ending, on the lowered text (family 6).
struct numeric_ordinal {
  std::vector<std::string> endings;  ///< "st", "nd", ... (lowercase)
  std::vector<std::size_t> cuts;     ///< code points removed before the digit test; empty: the ending's length
};

/// A word-list entry followed by a suffix (family 7).
struct suffixed_number_word {
  std::vector<std::string> suffixes;     ///< the endings
  word_set stems;                        ///< what must remain once a suffix is removed
  word_match match = word_match::lower;  ///< `exact` or `lower`: the form of the text tested
};

/// `prefix-number` (family 8).
struct hyphenated_number {
  word_set words;  ///< words accepted after the hyphen (matched exactly), besides digits
};

/// Suffix rewriting before a look-up (family 9).
struct suffix_rewrite {
  std::vector<std::pair<std::string, std::string>> rewrites;  ///< (ending, replacement), in the order tried
  word_set words;                                             ///< where the result is looked up (exactly)
};

/// A language's LIKE_NUM (see the file comment). The default is spaCy's base rule.
struct like_num_rule {
  bool strip_sign = true;                             ///< drop one leading '+', '-', '±' or '~'
  std::string strip_suffix;                           ///< drop it once at the end ("" for none)
  std::vector<std::string> deletions{",", "."};       ///< removed everywhere, one after the other
  std::vector<std::string> markers;                   ///< any of them in the cleaned text: a number
  bool strip_accents = false;                         ///< later tests see NFD without Mn
  bool digits = true;                                 ///< `str.isdigit()` is a number
  std::vector<std::string> fraction_separators{"/"};  ///< "a<sep>b" with digits on both sides
  bool roman_numerals = false;                        ///< Roman numerals in any case
  std::vector<number_word_lookup> lookups;            ///< word lists
  std::vector<numeric_ordinal> ordinals;              ///< digits with ordinal endings
  std::vector<suffixed_number_word> suffixed;         ///< number words with suffixes
  std::vector<hyphenated_number> hyphenated;          ///< "ke-5", "ke-lima"
  std::vector<suffix_rewrite> rewrites;               ///< ta's numeral suffixes
};

}  // namespace lexzone::lang

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// `s` without its last `n` code points ("" when it has fewer). Complexity: O(|s|).
[[nodiscard]] inline std::string_view drop_last_cps(std::string_view s, std::size_t n) noexcept {
  std::size_t end = s.size();
  for (std::size_t k = 0; k < n; ++k) {
    if (end == 0) return {};
    --end;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0u) == 0x80u) --end;
  }
  return s.substr(0, end);
}

/// Number of non-overlapping occurrences of `needle` (not empty) in `s`, counting at most 2.
[[nodiscard]] inline std::size_t count_upto2(std::string_view s, std::string_view needle) noexcept {
  std::size_t n = 0;
  for (std::size_t at = s.find(needle); at != std::string_view::npos && n < 2; at = s.find(needle, at + needle.size()))
    ++n;
  return n;
}

/// Python's `str.replace(needle, "")` of `s` into `out`. Complexity: O(|s|). Throws: std::bad_alloc.
inline void erase_all(std::string_view s, std::string_view needle, std::string& out) {
  out.clear();
  std::size_t from = 0;
  for (std::size_t at = s.find(needle); at != std::string_view::npos; at = s.find(needle, from)) {
    out.append(s.substr(from, at - from));
    from = at + needle.size();
  }
  out.append(s.substr(from));
}

/// The Roman numeral letter (upper case) that `cp` matches under Python's `re.IGNORECASE`, or 0.
[[nodiscard]] constexpr char roman_letter(char32_t cp) noexcept {
  if (cp == 0x130 || cp == 0x131) return 'I';  // İ and ı match "I" under re.IGNORECASE
  if (cp >= 0x80) return '\0';
  const char up = static_cast<char>(ascii_lower(static_cast<unsigned char>(cp)) ? cp - 0x20 : cp);
  return std::string_view("MDCLXVI").find(up) != std::string_view::npos ? up : '\0';
}

/// Ends of one group `(H[TF]|F?H{0,4})` of the Roman numeral pattern started at each position of `from`
/// (H, F, T: the group's "one", "five" and "ten" letters; C D M, X L C or I V X). At most 12 positions.
struct roman_positions {
  std::array<std::size_t, 16> at{};  ///< the positions (letter indexes)
  std::size_t size = 0;              ///< how many of `at` are used
  /// Adds `p` unless present (or full: never with the pattern's bounded groups).
  constexpr void add(std::size_t p) noexcept {
    for (std::size_t i = 0; i < size; ++i)
      if (at[i] == p) return;
    if (size < at.size()) at[size++] = p;
  }
};

/// See `roman_positions`. Complexity: O(1).
[[nodiscard]] constexpr roman_positions roman_group(std::string_view letters, const roman_positions& from, char one,
                                                    char five, char ten) noexcept {
  roman_positions out;
  for (std::size_t k = 0; k < from.size; ++k) {
    std::size_t p = from.at[k];
    if (p + 1 < letters.size() && letters[p] == one && (letters[p + 1] == ten || letters[p + 1] == five))
      out.add(p + 2);
    if (p < letters.size() && letters[p] == five) ++p;
    out.add(p);
    for (std::size_t n = 0; n < 4 && p < letters.size() && letters[p] == one; ++n) out.add(++p);
  }
  return out;
}

/// Python `re.match(r"(?i)^(?=[MDCLXVI])M*(C[MD]|D?C{0,4})(X[CL]|L?X{0,4})(I[XV]|V?I{0,4})$", text)`
/// (spacy/lang/la/lex_attrs.py): Roman numerals with subtractive pairs, in any case. No group after `M*`
/// starts with M, so `M*` takes every leading M; the groups after it consume at most 15 letters.
/// Complexity: O(n).
[[nodiscard]] constexpr bool roman_numeral(std::string_view text) noexcept {
  if (text.empty() || text == "\n") return false;
  std::size_t i = 0;
  std::array<char, 16> tail{};  // the letters after the leading Ms
  std::size_t n = 0;
  bool any = false;
  while (i < text.size()) {
    if (text.substr(i) == "\n") break;  // `$` matches before a final newline
    const auto d = unicode::decode(text, i);
    const char r = roman_letter(d.cp);
    if (r == 0) return false;
    if (r != 'M' || n > 0) {
      if (n == tail.size()) return false;
      tail[n++] = r;
    }
    any = true;
    i += d.size;
  }
  if (!any) return false;
  const std::string_view letters(tail.data(), n);
  roman_positions p;
  p.add(0);
  p = roman_group(letters, p, 'C', 'D', 'M');
  p = roman_group(letters, p, 'X', 'L', 'C');
  p = roman_group(letters, p, 'I', 'V', 'X');
  for (std::size_t k = 0; k < p.size; ++k)
    if (p.at[k] == n) return true;
  return false;
}

/// `text` split at its only `sep` with digits on both sides (`sep` occurs exactly once).
[[nodiscard]] inline bool digit_fraction(std::string_view text, std::string_view sep) noexcept {
  if (sep.empty() || count_upto2(text, sep) != 1) return false;
  const std::size_t at = text.find(sep);
  return unicode::str_isdigit(text.substr(0, at)) && unicode::str_isdigit(text.substr(at + sep.size()));
}

/// The cleaned text of a like_num rule and its lowered form, computed once when first needed.
class like_num_subject {
 public:
  /// Cleans `original` as `rule` says; `original_lower` is `str.lower()` of `original`, and both must
  /// outlive the subject. Throws: std::bad_alloc.
  like_num_subject(std::string_view original, std::string_view original_lower, const lang::like_num_rule& rule)
      : text_(original), original_(original), original_lower_(original_lower) {
    constexpr std::array<std::string_view, 4> signs{"+", "-", "\xC2\xB1", "~"};  // + - ± ~
    if (rule.strip_sign) {
      for (const std::string_view s : signs) {
        if (text_.substr(0, s.size()) != s) continue;
        text_.remove_prefix(s.size());
        break;
      }
    }
    const std::string_view suffix = rule.strip_suffix;
    if (!suffix.empty() && text_.size() >= suffix.size() && text_.substr(text_.size() - suffix.size()) == suffix)
      text_.remove_suffix(suffix.size());
    for (const std::string& d : rule.deletions) {
      if (d.empty() || text_.find(d) == std::string_view::npos) continue;
      erase_all(text_, d, spare_);
      cleaned_.swap(spare_);
      text_ = cleaned_;
    }
  }
  like_num_subject(const like_num_subject&) = delete;             ///< views into itself: not copyable
  like_num_subject& operator=(const like_num_subject&) = delete;  ///< views into itself: not copyable
  ~like_num_subject() = default;                                  ///< frees its buffers

  /// The cleaned text (a view into the original or into this object).
  [[nodiscard]] std::string_view text() const noexcept { return text_; }
  /// Replaces the text by its accent-stripped form.
  void strip_accents() {
    spare_.clear();
    lang::append_strip_accents(text_, spare_);
    cleaned_.swap(spare_);
    text_ = cleaned_;
  }
  /// `str.lower()` of the text. Throws: std::bad_alloc.
  [[nodiscard]] std::string_view lower() {
    if (text_.data() == original_.data() && text_.size() == original_.size()) return original_lower_;
    if (!lowered_) {
      lower_.clear();
      unicode::append_lower(text_, lower_);
      lowered_ = true;
    }
    return lower_;
  }
  /// The form of the text that `m` names. Throws: std::bad_alloc.
  [[nodiscard]] std::string_view form(lang::word_match m) {
    switch (m) {
      case lang::word_match::exact: return text_;
      case lang::word_match::lower: return lower();
      case lang::word_match::first_word_lower: {
        const std::string_view l = lower();
        return l.substr(0, l.find(' '));
      }
    }
    return text_;
  }

 private:
  std::string_view text_;
  std::string_view original_;
  std::string_view original_lower_;
  std::string cleaned_, spare_, lower_;
  bool lowered_ = false;
};

/// Whether `s` ends with `end` (bytes). Complexity: O(|end|).
[[nodiscard]] inline bool ends_with(std::string_view s, std::string_view end) noexcept {
  return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

/// Family 6: digits with an ordinal ending.
[[nodiscard]] inline bool numeric_ordinal_match(std::string_view lowered, const lang::numeric_ordinal& o) noexcept {
  for (const std::string& e : o.endings) {
    if (!ends_with(lowered, e)) continue;
    if (o.cuts.empty() && unicode::str_isdigit(lowered.substr(0, lowered.size() - e.size()))) return true;
    for (const std::size_t cut : o.cuts)
      if (unicode::str_isdigit(drop_last_cps(lowered, cut))) return true;
  }
  return false;
}

/// Family 7: a stem from the list plus a suffix.
[[nodiscard]] inline bool suffixed_match(std::string_view form, const lang::suffixed_number_word& s) noexcept {
  for (const std::string& suf : s.suffixes)
    if (ends_with(form, suf) && s.stems.contains(form.substr(0, form.size() - suf.size()))) return true;
  return false;
}

/// Family 8: "prefix-number".
[[nodiscard]] inline bool hyphenated_match(std::string_view text, const lang::hyphenated_number& h) noexcept {
  if (count_upto2(text, "-") != 1) return false;
  const std::string_view after = text.substr(text.find('-') + 1);
  return unicode::str_isdigit(after) || h.words.contains(after);
}

/// Family 9: numeral suffix rewriting, then a look-up. Throws: std::bad_alloc.
[[nodiscard]] inline bool rewrite_match(std::string_view text, const lang::suffix_rewrite& r) {
  const std::size_t n = unicode::length(text);
  for (const auto& [key, replacement] : r.rewrites) {
    if (n < unicode::length(key)) break;
    if (!ends_with(text, key)) continue;
    std::string rewritten(text.substr(0, text.size() - key.size()));
    rewritten += replacement;
    return r.words.contains(rewritten);
  }
  return r.words.contains(text);
}

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// Whether `text` is like a number under `rule` (see the file comment). `lower` must be
/// `unicode::to_lower(text)`; it saves lowering the text again when the clean-up leaves it unchanged.
/// Complexity: O(n log w) for n bytes and w listed words. Thread safety: pure. Throws: std::bad_alloc
/// (only when the clean-up or lowering changes the text).
[[nodiscard]] inline bool like_num(std::string_view text, std::string_view lower, const like_num_rule& rule) {
  detail::like_num_subject subject(text, lower, rule);
  for (const std::string& m : rule.markers)
    if (!m.empty() && subject.text().find(m) != std::string_view::npos) return true;
  if (rule.strip_accents) subject.strip_accents();
  const std::string_view t = subject.text();
  if (rule.digits && unicode::str_isdigit(t)) return true;
  for (const std::string& sep : rule.fraction_separators)
    if (detail::digit_fraction(t, sep)) return true;
  if (rule.roman_numerals && detail::roman_numeral(t)) return true;
  for (const number_word_lookup& l : rule.lookups)
    if (l.words.contains(subject.form(l.match))) return true;
  for (const numeric_ordinal& o : rule.ordinals)
    if (detail::numeric_ordinal_match(subject.lower(), o)) return true;
  for (const suffixed_number_word& s : rule.suffixed)
    if (detail::suffixed_match(subject.form(s.match), s)) return true;
  for (const hyphenated_number& h : rule.hyphenated)
    if (detail::hyphenated_match(t, h)) return true;
  for (const suffix_rewrite& r : rule.rewrites)
    if (detail::rewrite_match(t, r)) return true;
  return false;
}

/// `like_num(text, lower, rule)` lowering the text itself. Complexity: O(n log w).
/// Throws: std::bad_alloc.
[[nodiscard]] inline bool like_num(std::string_view text, const like_num_rule& rule) {
  return like_num(text, unicode::to_lower(text), rule);
}

}  // namespace lexzone::lang
