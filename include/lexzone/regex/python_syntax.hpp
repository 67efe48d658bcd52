/// \file regex/python_syntax.hpp
/// Translation of Python `re` pattern source (str patterns, Python 3.11) to PCRE2 pattern source with the
/// same matches. Pure C++: does not include PCRE2 (`regex/pcre2_regex.hpp` compiles the result).
///
/// ## What is translated
/// - Escapes: `\uXXXX`, `\UXXXXXXXX`, `\xXX`, octal `\0`, `\ooo`, `\a \f \n \r \t \v`, escaped punctuation;
///   an escaped ASCII letter Python does not know is a syntax error, as in Python. `\N{name}` is
///   refused (`regex_errc::unsupported`): no Unicode name table is shipped.
/// - Anchors: `\A`; `\Z` (Python's end of string) becomes PCRE2's `\z`; `^` and `$` keep Python's meaning
///   (`$` also before a final newline; with `(?m)` `^` also after a final newline, for which the result must
///   be compiled with `PCRE2_ALT_CIRCUMFLEX`); `\b` and `\B` become look-arounds on Python's `\w`.
/// - Classes as Python sees them: `\w` = `str.isalnum()` or `_` (general category L or N),
///   `\d` = `str.isdecimal()` (category Nd), `\s` = `str.isspace()` (explicit: PCRE2's `\s` differs on
///   U+001C..U+001F and U+0085). They are written as `\p{L}`, `\p{N}`, `\p{Nd}` (when
///   `translate_options::unicode_properties`, i.e. PCRE2's Unicode version is lexzone's) or as explicit
///   code point ranges; never as PCRE2's `\w`/`\d`/`\s`, whose meaning changed in PCRE2 10.43.
///   Classes mixing negated shorthands (`[\W\d]`) are computed as explicit code point sets.
/// - `(?i)`: Python's IGNORECASE rule (a character matches when its simple lowercase is the pattern's
///   lowercase, or one of `re`'s extra equivalences: i/ı, s/ſ, µ/μ, ...) is applied by the translation:
///   cased literals and classes become explicit sets and PCRE2's caseless mode is never used, so the
///   Kelvin sign, long s, dotless i and the Greek and Cyrillic variants match as in Python. Backreferences
///   inside `(?i)` are the one exception: they use PCRE2's caseless comparison.
/// - Flags: `(?aimsux)` at the start, scoped `(?flags-flags:...)`; `(?a)` gives ASCII classes and ASCII-only
///   case folding; `(?u)` is the default; `(?L)` is a syntax error for str patterns, as in Python.
/// - Groups: `(?P<name>...)` becomes a plain numbered group (names are resolved here: PCRE2 restricts
///   them to ASCII), `(?P=name)` and `\N` become `\g{N}`, `(?(name)yes|no)` becomes `(?(N)yes|no)`;
///   `(?:`, look-arounds, atomic groups, comments `(?#...)`, possessive and lazy quantifiers.
/// - Quantifiers: `{,n}` becomes `{0,n}`; a `{` that is no quantifier is a literal, as in Python.
/// - Invalid UTF-8: lexzone decodes an invalid byte b as U+DC00+b (`unicode/utf8.hpp`). PCRE2 cannot hold
///   surrogates, so `regex/pcre2_regex.hpp` passes such a byte to PCRE2 as U+10FF00+b (private use), and
///   the translation maps U+DC80..U+DCFF in patterns to the same code points. Genuine U+10FF80..U+10FFFF
///   in a subject therefore match like the escaped bytes they stand for.
///
/// ## Limits (hostile pattern sources)
/// - Groups nest at most `max_group_nesting` (1,000) deep, PCRE2's nesting limit as lexzone compiles
///   (`regex/pcre2_regex.hpp`): deeper nesting is refused with `regex_errc::compile` (the code PCRE2's own
///   "too deeply nested" gets) before the parser recurses further, so the stack stays small.
/// - The translation is at most `max_translation_size(source size)` bytes (64 bytes a source byte plus
///   4 MiB): classes written as explicit code point sets can grow a lot (`(?i:[^\W\d])`, 12 bytes, becomes
///   10.8 KB; `\b` without Unicode properties 46 KB), so a source that would exceed it is refused with
///   `regex_errc::too_large` instead of taking hundreds of megabytes to translate and compile. spaCy's
///   tokenizer rules stay below 10 bytes a source byte.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../unicode/utf8.hpp"
#include "char_sets.hpp"
#include "regex_error.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex {

/// How `translate_python` writes Unicode classes.
struct translate_options {
  /// true: `\w` as `[\p{L}\p{N}_]`, `\d` as `\p{Nd}` (exact when PCRE2's Unicode version equals
  /// `detail::ucd::unicode_version`); false: explicit code point ranges from lexzone's tables.
  bool unicode_properties = true;
};

/// A translated pattern. `pcre2` must be compiled with `PCRE2_UTF | PCRE2_UCP | PCRE2_ALT_CIRCUMFLEX` and
/// newline LF, and with no other option (no caseless, multiline, dotall or extended mode: flags are
/// already applied).
struct translation {
  std::string pcre2;                                               ///< PCRE2 pattern source
  std::uint32_t capture_count = 0;                                 ///< number of capturing groups (Python's `groups`)
  std::vector<std::pair<std::string, std::uint32_t>> group_names;  ///< Python's `groupindex`
  bool group_references = false;  ///< backreferences or conditionals: group numbers matter
};

/// Deepest nesting of groups `translate_python` accepts (and `regex/pcre2_regex.hpp` sets as PCRE2's
/// parentheses nesting limit; PCRE2 itself nests `(?:` groups only about half as deep).
inline constexpr std::size_t max_group_nesting = 1000;

/// The largest translation `translate_python` writes for a source of `source_size` bytes:
/// 64 * source_size + 4 MiB (saturating). Complexity: O(1). Thread safety: pure. Throws: nothing.
[[nodiscard]] constexpr std::size_t max_translation_size(std::size_t source_size) noexcept {
  constexpr std::size_t per_byte = 64, base = std::size_t{4} << 20;
  constexpr std::size_t most = static_cast<std::size_t>(-1);
  return source_size > (most - base) / per_byte ? most : source_size * per_byte + base;
}

namespace detail {

/// Python `re` flags in effect.
struct py_flags {
  bool ignorecase = false;
  bool multiline = false;
  bool dotall = false;
  bool verbose = false;
  bool ascii = false;
};

/// One parsed character class: explicit code points plus categories.
struct class_spec {
  cp_set points;
  bool cat[3] = {false, false, false};      // \w \d \s
  bool not_cat[3] = {false, false, false};  // \W \D \S
  bool negated = false;
};

/// The translator: a recursive-descent parser of Python's syntax that writes PCRE2 syntax.
class python_translator {
 public:
  python_translator(std::string_view src, const translate_options& opt)
      : src_(src), opt_(opt), max_out_(max_translation_size(src.size())) {}

  translation run() {
    parse_global_flags();
    parse_alternation(0);
    if (pos_ < src_.size()) fail(regex_errc::syntax, "unbalanced parenthesis");
    for (const auto& ref : pending_refs_) {
      if (ref.first > result_.capture_count) fail(regex_errc::syntax, "invalid group reference", ref.second);
    }
    result_.pcre2 = std::move(out_);
    return std::move(result_);
  }

 private:
  [[noreturn]] void fail(regex_errc code, std::string_view msg) const { fail(code, msg, pos_); }
  [[noreturn]] void fail(regex_errc code, std::string_view msg, std::size_t at) const {
    throw regex_error(code, msg, src_, at);
  }
  /// Refuses the pattern once its translation exceeds `max_out_` (checked after each item: one item
  /// adds at most a few tens of KB, so the output never holds much more).
  void check_size() const {
    if (out_.size() > max_out_) {
      fail(regex_errc::too_large,
           "the translation exceeds " + std::to_string(max_out_) + " bytes (64 a source byte plus 4 MiB)");
    }
  }

  [[nodiscard]] bool at_end() const noexcept { return pos_ >= src_.size(); }
  [[nodiscard]] char peek(std::size_t ahead = 0) const noexcept {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  bool consume(std::string_view s) {
    if (src_.substr(pos_, s.size()) == s) {
      pos_ += s.size();
      return true;
    }
    return false;
  }
  /// Decodes the code point at pos_ and advances.
  char32_t next_cp() {
    const auto d = unicode::decode(src_, pos_);
    pos_ += d.size;
    return d.cp;
  }

  void skip_verbose() {
    if (!flags_.verbose) return;
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  /// Reads flag letters; returns false at the first character that is not one.
  static bool apply_flag(char c, py_flags& f, bool on) {
    switch (c) {
      case 'i': f.ignorecase = on; return true;
      case 'm': f.multiline = on; return true;
      case 's': f.dotall = on; return true;
      case 'x': f.verbose = on; return true;
      case 'a': f.ascii = on; return true;
      case 'u': return true;
      default: return false;
    }
  }

  void parse_global_flags() {
    // Python 3.11 accepts global flags only at the very start (several groups may follow each other).
    for (;;) {
      const std::size_t start = pos_;
      const py_flags before = flags_;
      if (!consume("(?")) return;
      bool any = false, saw_a = false, saw_u = false;
      while (!at_end() && peek() != ')' && peek() != ':' && peek() != '-') {
        const char c = peek();
        if (c == 'L') fail(regex_errc::syntax, "bad inline flags: cannot use 'L' flag with a str pattern");
        if (c == 'a') saw_a = true;
        if (c == 'u') saw_u = true;
        if (!apply_flag(c, flags_, true)) break;
        any = true;
        ++pos_;
      }
      if (saw_a && saw_u) fail(regex_errc::syntax, "bad inline flags: flags 'a' and 'u' are incompatible");
      if (any && peek() == ')') {
        ++pos_;
        skip_verbose();
        continue;
      }
      pos_ = start;  // a scoped flag group or another group: the item parser handles it
      flags_ = before;
      return;
    }
  }

  void parse_alternation(int depth) {
    for (;;) {
      parse_sequence(depth);
      if (at_end() || peek() == ')') return;
      if (peek() == '|') {
        ++pos_;
        out_ += '|';
        check_size();
      }
    }
  }

  void parse_sequence(int depth) {
    bool can_repeat = false;
    bool just_repeated = false;
    for (;;) {
      skip_verbose();
      if (at_end()) return;
      const char c = peek();
      if (c == '|' || c == ')') {
        if (c == ')' && depth == 0) fail(regex_errc::syntax, "unbalanced parenthesis");
        return;
      }
      if (c == '*' || c == '+' || c == '?' || (c == '{' && quantifier_ahead())) {
        if (just_repeated) fail(regex_errc::syntax, "multiple repeat");
        if (!can_repeat) fail(regex_errc::syntax, "nothing to repeat");
        parse_quantifier();
        just_repeated = true;
        continue;
      }
      if (src_.substr(pos_, 3) == "(?#") {  // a comment leaves the previous item repeatable, as in Python
        const std::size_t start = pos_;
        while (!at_end() && peek() != ')') ++pos_;
        if (!consume(")")) fail(regex_errc::syntax, "missing ), unterminated comment", start);
        continue;
      }
      just_repeated = false;
      can_repeat = parse_item(depth);
      check_size();
    }
  }

  /// Whether `{` at pos_ starts a quantifier `{m}`, `{m,}`, `{,n}`, `{m,n}`, `{,}` (else it is a literal).
  [[nodiscard]] bool quantifier_ahead() const {
    std::size_t p = pos_ + 1;
    if (p < src_.size() && src_[p] == '}') return false;
    while (p < src_.size() && src_[p] >= '0' && src_[p] <= '9') ++p;
    if (p < src_.size() && src_[p] == ',') {
      ++p;
      while (p < src_.size() && src_[p] >= '0' && src_[p] <= '9') ++p;
    }
    return p < src_.size() && src_[p] == '}';
  }

  void parse_quantifier() {
    const char c = peek();
    if (c == '{') {
      const std::size_t start = pos_;
      ++pos_;
      auto number = [&]() -> std::string {
        std::string n;
        while (peek() >= '0' && peek() <= '9') n += src_[pos_++];
        return n;
      };
      std::string lo = number(), hi;
      const bool comma = consume(",");
      hi = comma ? number() : lo;
      ++pos_;  // '}'
      constexpr std::size_t pcre2_max = 65535;
      auto value = [&](const std::string& s) -> std::size_t {
        if (s.size() > 9) fail(regex_errc::unsupported, "repeat count above 65535", start);
        return static_cast<std::size_t>(std::stoul(s));
      };
      const std::size_t min = lo.empty() ? 0 : value(lo);
      if (min > pcre2_max) fail(regex_errc::unsupported, "repeat count above 65535", start);
      out_ += '{';
      out_ += std::to_string(min);
      if (comma) {
        out_ += ',';
        if (!hi.empty()) {
          const std::size_t max = value(hi);
          if (max < min) fail(regex_errc::syntax, "min repeat greater than max repeat", start);
          if (max > pcre2_max) fail(regex_errc::unsupported, "repeat count above 65535", start);
          out_ += std::to_string(max);
        }
      }
      out_ += '}';
    } else {
      ++pos_;
      out_ += c;
    }
    if (peek() == '?' || peek() == '+') out_ += src_[pos_++];
  }

  /// Parses one item at pos_ and writes it; returns whether a quantifier may follow.
  bool parse_item(int depth) {
    const char c = peek();
    switch (c) {
      case '(': return parse_group(depth);
      case '[':
        ++pos_;
        parse_class();
        return true;
      case '.':
        ++pos_;
        out_ += flags_.dotall ? "(?s:.)" : ".";  // newline is LF: '.' excludes only \n, as in Python
        return true;
      case '^':
        ++pos_;
        out_ += flags_.multiline ? "(?m:^)" : "\\A";
        return false;
      case '$':
        ++pos_;
        out_ += flags_.multiline ? "(?m:$)" : "$";  // both: also before a final \n, as in Python
        return false;
      case '\\': return parse_escape();
      default: break;
    }
    append_literal(next_cp());
    return true;
  }

  void append_literal(char32_t cp) {
    if (flags_.ignorecase) {
      if (flags_.ascii) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
          cp_set s;
          s.add(cp);
          append_set(out_, ascii_caseless(s));
          return;
        }
      } else if (sre_cased(cp)) {
        auto it = literal_cache_.find(cp);
        if (it == literal_cache_.end()) {
          cp_set s;
          s.add(cp);
          std::string text;
          append_set(text, sre_caseless(s));
          it = literal_cache_.emplace(cp, std::move(text)).first;
        }
        out_ += it->second;
        return;
      }
    }
    cp_set s;
    s.add(cp);
    append_set(out_, s);
  }

  [[nodiscard]] const cp_set& category(int which) const {
    return flags_.ascii ? ascii_category(static_cast<category_set>(which))
                        : unicode_category(static_cast<category_set>(which));
  }

  /// Appends the class of category `which` (0 \w, 1 \d, 2 \s), negated or not.
  void append_category(int which, bool negated) {
    class_spec spec;
    (negated ? spec.not_cat : spec.cat)[which] = true;
    append_class(spec);
  }

  /// Appends a word-boundary look-around on Python's \w (`\b`, or `\B` when `negated`).
  void append_boundary(bool negated) {
    std::string w;
    std::swap(w, out_);
    append_category(0, false);
    std::swap(w, out_);
    if (negated) {
      out_ += "(?:(?<=" + w + ")(?=" + w + ")|(?<!" + w + ")(?!" + w + "))";
    } else {
      out_ += "(?:(?<=" + w + ")(?!" + w + ")|(?<!" + w + ")(?=" + w + "))";
    }
  }

  /// Reads the hex digits of an escape (exactly `n`), returns the value.
  char32_t hex_digits(std::size_t n, std::size_t escape_start) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = peek();
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0) fail(regex_errc::syntax, "incomplete escape", escape_start);
      v = v * 16 + static_cast<std::uint32_t>(d);
      ++pos_;
    }
    if (v > 0x10FFFF) fail(regex_errc::syntax, "bad escape (code point above U+10FFFF)", escape_start);
    return static_cast<char32_t>(v);
  }

  /// Reads up to `max` octal digits (the first already known to be one).
  char32_t octal_digits(std::size_t max, std::size_t escape_start) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < max && peek() >= '0' && peek() <= '7'; ++i)
      v = v * 8 + static_cast<std::uint32_t>(src_[pos_++] - '0');
    if (v > 0377) fail(regex_errc::syntax, "octal escape value outside of range 0-0o377", escape_start);
    return static_cast<char32_t>(v);
  }

  /// A code point escape shared by classes and the rest; returns false if `c` is none.
  bool simple_escape(char c, std::size_t start, char32_t& cp) {
    switch (c) {
      case 'a': cp = 0x07; return true;
      case 'f': cp = 0x0C; return true;
      case 'n': cp = 0x0A; return true;
      case 'r': cp = 0x0D; return true;
      case 't': cp = 0x09; return true;
      case 'v': cp = 0x0B; return true;
      case 'x': cp = hex_digits(2, start); return true;
      case 'u': cp = hex_digits(4, start); return true;
      case 'U': cp = hex_digits(8, start); return true;
      case 'N': fail(regex_errc::unsupported, "\\N{...} named characters are not supported", start);
      default: return false;
    }
  }

  bool parse_escape() {
    const std::size_t start = pos_;
    ++pos_;
    if (at_end()) fail(regex_errc::syntax, "bad escape (end of pattern)", start);
    const char c = src_[pos_++];
    char32_t cp = 0;
    if (simple_escape(c, start, cp)) {
      append_literal(cp);
      return true;
    }
    switch (c) {
      case 'A': out_ += "\\A"; return false;
      case 'Z': out_ += "\\z"; return false;
      case 'b': append_boundary(false); return false;
      case 'B': append_boundary(true); return false;
      case 'w': append_category(0, false); return true;
      case 'W': append_category(0, true); return true;
      case 'd': append_category(1, false); return true;
      case 'D': append_category(1, true); return true;
      case 's': append_category(2, false); return true;
      case 'S': append_category(2, true); return true;
      default: break;
    }
    if (c == '0') {
      append_literal(octal_digits(2, start));
      return true;
    }
    if (c >= '1' && c <= '9') {
      // Three octal digits are an octal escape; otherwise one or two digits name a group.
      if (c <= '7' && peek() >= '0' && peek() <= '7' && peek(1) >= '0' && peek(1) <= '7') {
        --pos_;
        append_literal(octal_digits(3, start));
        return true;
      }
      std::uint32_t group = static_cast<std::uint32_t>(c - '0');
      if (peek() >= '0' && peek() <= '9') group = group * 10 + static_cast<std::uint32_t>(src_[pos_++] - '0');
      append_group_reference(group, start);
      return true;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) fail(regex_errc::syntax, "bad escape", start);
    --pos_;
    append_literal(next_cp());  // an escaped non-letter: itself
    return true;
  }

  void append_group_reference(std::uint32_t group, std::size_t at) {
    if (group > result_.capture_count) fail(regex_errc::syntax, "invalid group reference", at);
    if (std::find(open_groups_.begin(), open_groups_.end(), group) != open_groups_.end()) {
      fail(regex_errc::syntax, "cannot refer to an open group", at);
    }
    result_.group_references = true;
    out_ += flags_.ignorecase ? "(?i:\\g{" : "(?:\\g{";
    out_ += std::to_string(group);
    out_ += "})";
  }

  [[nodiscard]] std::uint32_t group_named(std::string_view name, std::size_t at) const {
    const auto it = name_index_.find(std::string(name));
    if (it == name_index_.end()) fail(regex_errc::syntax, "unknown group name", at);
    return it->second;
  }

  std::string read_name(char terminator, std::size_t at) {
    const std::size_t begin = pos_;
    while (!at_end() && peek() != terminator) ++pos_;
    if (at_end()) fail(regex_errc::syntax, "missing group name terminator", at);
    std::string name(src_.substr(begin, pos_ - begin));
    ++pos_;
    if (name.empty()) fail(regex_errc::syntax, "missing group name", at);
    const auto first = static_cast<unsigned char>(name[0]);
    if (first >= '0' && first <= '9') fail(regex_errc::syntax, "bad character in group name", at);
    for (char ch : name) {
      const auto u = static_cast<unsigned char>(ch);
      if (u < 0x80 && !((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_')) {
        fail(regex_errc::syntax, "bad character in group name", at);
      }
    }
    return name;
  }

  /// Parses the group body and its closing parenthesis.
  void group_body(int depth, std::size_t open_at) {
    parse_alternation(depth + 1);
    if (!consume(")")) fail(regex_errc::syntax, "missing ), unterminated subpattern", open_at);
    out_ += ')';
  }

  bool parse_group(int depth) {
    const std::size_t start = pos_;
    // The parser recurses once per level: refused here, before the stack grows with a hostile source.
    if (static_cast<std::size_t>(depth) >= max_group_nesting) {
      fail(regex_errc::compile,
           "parentheses are too deeply nested (more than " + std::to_string(max_group_nesting) + " levels)");
    }
    ++pos_;
    if (!consume("?")) {
      const std::uint32_t group = ++result_.capture_count;
      open_groups_.push_back(group);
      out_ += '(';
      group_body(depth, start);
      open_groups_.pop_back();
      return true;
    }
    if (consume("P<")) {
      std::string name = read_name('>', start);
      const std::uint32_t group = result_.capture_count + 1;
      // Looked up by hash: a source of many named groups and references stays linear.
      if (!name_index_.emplace(name, group).second) fail(regex_errc::syntax, "redefinition of group name", start);
      ++result_.capture_count;
      result_.group_names.emplace_back(std::move(name), group);
      open_groups_.push_back(group);
      out_ += '(';
      group_body(depth, start);
      open_groups_.pop_back();
      return true;
    }
    if (consume("P=")) {
      const std::string name = read_name(')', start);
      append_group_reference(group_named(name, start), start);
      return true;
    }
    static constexpr std::pair<std::string_view, std::string_view> simple[] = {
        {":", "(?:"}, {"=", "(?="}, {"!", "(?!"}, {"<=", "(?<="}, {"<!", "(?<!"}, {">", "(?>"}};
    for (const auto& [py, pcre] : simple) {
      if (consume(py)) {
        out_ += pcre;
        const py_flags saved = flags_;
        group_body(depth, start);
        flags_ = saved;
        return true;  // Python (and PCRE2) accept a quantifier after a look-around
      }
    }
    if (consume("(")) return parse_conditional(depth, start);
    if (consume("P")) fail(regex_errc::syntax, "unknown extension ?P", start);
    return parse_flag_group(depth, start);
  }

  bool parse_conditional(int depth, std::size_t start) {
    const std::size_t name_at = pos_;
    while (!at_end() && peek() != ')') ++pos_;
    if (!consume(")")) fail(regex_errc::syntax, "missing ), unterminated name", start);
    const std::string ref(src_.substr(name_at, pos_ - 1 - name_at));
    if (ref.empty()) fail(regex_errc::syntax, "missing group name", start);
    std::uint32_t group = 0;
    if (ref.find_first_not_of("0123456789") == std::string::npos) {
      if (ref.size() > 9) fail(regex_errc::syntax, "invalid group reference", start);
      group = static_cast<std::uint32_t>(std::stoul(ref));
      if (group == 0) fail(regex_errc::syntax, "bad group number", start);
      pending_refs_.emplace_back(group, start);
    } else {
      group = group_named(ref, start);
    }
    result_.group_references = true;
    out_ += "(?(" + std::to_string(group) + ")";
    const py_flags saved = flags_;
    parse_sequence(depth + 1);
    if (consume("|")) {
      out_ += '|';
      parse_sequence(depth + 1);
      if (peek() == '|') fail(regex_errc::syntax, "conditional backref with more than two branches");
    }
    flags_ = saved;
    if (!consume(")")) fail(regex_errc::syntax, "missing ), unterminated subpattern", start);
    out_ += ')';
    return true;
  }

  bool parse_flag_group(int depth, std::size_t start) {
    py_flags f = flags_;
    bool any = false;
    while (!at_end() && peek() != ':' && peek() != ')' && peek() != '-') {
      const char c = peek();
      if (c == 'L') fail(regex_errc::syntax, "bad inline flags: cannot use 'L' flag with a str pattern", start);
      if (!apply_flag(c, f, true)) fail(regex_errc::syntax, "unknown extension or flag", start);
      any = true;
      ++pos_;
    }
    if (consume("-")) {
      bool off = false;
      while (!at_end() && peek() != ':') {
        const char c = peek();
        if (c != 'i' && c != 'm' && c != 's' && c != 'x') {
          fail(regex_errc::syntax, "bad inline flags: cannot turn off flags 'a', 'u' and 'L'", start);
        }
        apply_flag(c, f, false);
        off = true;
        ++pos_;
      }
      if (!off) fail(regex_errc::syntax, "missing flag", start);
      if (!consume(":")) fail(regex_errc::syntax, "missing :", start);
    } else if (consume(")")) {
      if (any) fail(regex_errc::syntax, "global flags not at the start of the expression", start);
      fail(regex_errc::syntax, "missing -, : or )", start);
    } else if (!consume(":")) {
      fail(regex_errc::syntax, "missing -, : or )", start);
    }
    const py_flags saved = flags_;
    flags_ = f;
    out_ += "(?:";
    group_body(depth, start);
    flags_ = saved;
    return true;
  }

  // ---- character classes ------------------------------------------------------------------------------

  /// Reads one class element at pos_: a code point (returns true, sets cp) or a category (sets spec).
  bool class_element(class_spec& spec, char32_t& cp) {
    if (peek() != '\\') {
      cp = next_cp();
      return true;
    }
    const std::size_t start = pos_;
    ++pos_;
    if (at_end()) fail(regex_errc::syntax, "bad escape (end of pattern)", start);
    const char c = src_[pos_++];
    if (simple_escape(c, start, cp)) return true;
    const int which = c == 'w' || c == 'W' ? 0 : c == 'd' || c == 'D' ? 1 : c == 's' || c == 'S' ? 2 : -1;
    if (which >= 0) {
      (c >= 'a' ? spec.cat : spec.not_cat)[which] = true;
      return false;
    }
    if (c == 'b') {
      cp = 0x08;
      return true;
    }
    if (c >= '0' && c <= '7') {
      --pos_;
      cp = octal_digits(3, start);
      return true;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '8' || c == '9') {
      fail(regex_errc::syntax, "bad escape", start);
    }
    --pos_;
    cp = next_cp();
    return true;
  }

  void parse_class() {
    const std::size_t start = pos_ - 1;
    class_spec spec;
    if (consume("^")) spec.negated = true;
    bool first = true;
    for (;;) {
      if (at_end()) fail(regex_errc::syntax, "unterminated character set", start);
      if (peek() == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      const std::size_t item_at = pos_;
      char32_t lo = 0;
      if (!class_element(spec, lo)) {
        if (peek() == '-' && peek(1) != ']' && pos_ + 1 < src_.size()) {
          fail(regex_errc::syntax, "bad character range", item_at);
        }
        continue;
      }
      if (peek() == '-' && pos_ + 1 < src_.size() && peek(1) != ']') {
        ++pos_;
        char32_t hi = 0;
        class_spec dummy;
        if (!class_element(dummy, hi)) fail(regex_errc::syntax, "bad character range", item_at);
        if (hi < lo) fail(regex_errc::syntax, "bad character range", item_at);
        spec.points.add(lo, hi);
      } else {
        spec.points.add(lo);
      }
    }
    const std::string_view key = src_.substr(start, pos_ - start);
    const bool cacheable = flags_.ignorecase;  // the expensive case: fr's token_match repeats its classes
    if (cacheable) {
      auto it = class_cache_.find(std::string(key));
      if (it != class_cache_.end() && it->second.first == flags_.ascii) {
        out_ += it->second.second;
        return;
      }
    }
    const std::size_t before = out_.size();
    if (flags_.ignorecase && (flags_.ascii || any_sre_cased(spec.points))) {
      spec.points = flags_.ascii ? ascii_caseless(spec.points) : sre_caseless(spec.points);
    }
    append_class(spec);
    if (cacheable) class_cache_[std::string(key)] = {flags_.ascii, out_.substr(before)};
  }

  /// Writes a class: PCRE2 class syntax with properties where possible, else an explicit set.
  void append_class(const class_spec& spec) {
    const bool any_not = spec.not_cat[0] || spec.not_cat[1] || spec.not_cat[2];
    const bool props = opt_.unicode_properties && !flags_.ascii;
    if (!any_not) {
      if (!spec.cat[0] && !spec.cat[1] && !spec.cat[2] && !spec.negated) {
        append_set(out_, spec.points);
        return;
      }
      cp_set explicit_points = spec.points;
      std::string prop_items;
      for (int i = 0; i < 3; ++i) {
        if (!spec.cat[i]) continue;
        if (props && i == 0) prop_items += "\\p{L}\\p{N}_";
        else if (props && i == 1) prop_items += "\\p{Nd}";
        else explicit_points.add(category(i));
      }
      const cp_set subject = to_subject_space(explicit_points);
      if (subject.empty() && prop_items.empty()) {
        out_ += spec.negated ? "(?s:.)" : "(?!)";
        return;
      }
      out_ += spec.negated ? "[^" : "[";
      out_ += prop_items;
      append_class_items(out_, subject);
      out_ += ']';
      return;
    }
    // A single negated category with nothing else: its complement, written natively when possible.
    int only = -1, n_items = 0;
    for (int i = 0; i < 3; ++i) {
      n_items += spec.cat[i] + spec.not_cat[i];
      if (spec.not_cat[i]) only = i;
    }
    if (n_items == 1 && spec.points.empty() && (props || spec.negated)) {
      class_spec flipped;
      flipped.cat[only] = true;
      flipped.negated = !spec.negated;
      append_class(flipped);
      return;
    }
    // Otherwise compute the whole set from the tables.
    cp_set all = spec.points;
    for (int i = 0; i < 3; ++i) {
      if (spec.cat[i]) all.add(category(i));
      if (spec.not_cat[i]) all.add(category(i).complement());
    }
    append_set(out_, spec.negated ? all.complement() : all);
  }

  std::string_view src_;
  translate_options opt_;
  std::size_t max_out_;  // max_translation_size(src_.size())
  std::size_t pos_ = 0;
  py_flags flags_;
  std::string out_;
  translation result_;
  std::vector<std::uint32_t> open_groups_;
  std::vector<std::pair<std::uint32_t, std::size_t>> pending_refs_;
  std::unordered_map<std::string, std::uint32_t> name_index_;  // result_.group_names by name
  std::unordered_map<char32_t, std::string> literal_cache_;
  std::unordered_map<std::string, std::pair<bool, std::string>> class_cache_;
};

}  // namespace detail

/// Translates Python `re` pattern source (UTF-8; invalid bytes read as U+DC80..U+DCFF) to PCRE2 source
/// with the same matches; see the file comment for what that covers.
/// Complexity: O(pattern size) plus, per `(?i)` class, O(ranges * log 1433); explicit Unicode classes
/// are built once per process (first use: a pass over all code points, a few milliseconds). Memory and
/// output: at most `max_translation_size(python_source.size())` bytes of output (plus one item), stack
/// depth O(`max_group_nesting`).
/// Thread safety: safe to call concurrently. Throws: `regex_error` (`syntax` with the offset of the
/// problem; `unsupported`; `compile` for groups nested deeper than `max_group_nesting`; `too_large` for
/// a translation over `max_translation_size`), `std::bad_alloc`.
[[nodiscard]] inline translation translate_python(std::string_view python_source,
                                                  const translate_options& options = {}) {
  return detail::python_translator(python_source, options).run();
}

}  // namespace lexzone::regex
