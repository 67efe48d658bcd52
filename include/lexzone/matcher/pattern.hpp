/// \file matcher/pattern.hpp
/// Token patterns as C++ values, and their validation: the first layer of the matcher (matcher.hpp holds
/// the engine, detail/match_program.hpp the compiled form, detail/match_compiler.hpp the compiler).
///
/// A `basic_token_pattern` is a list of `basic_token_spec`s, one per pattern token. A spec holds
/// constraints (`basic_attr_constraint`: attribute, predicate, values) that must all hold, and a
/// quantifier (`token_quantifier`: spaCy's `OP`). Nothing here knows JSON (`io/entity_ruler_jsonl.hpp`
/// reads spaCy's format into these types), a vocab or a doc: patterns are plain values, built and
/// validated without interning anything.
///
/// | spaCy | lexzone |
/// |---|---|
/// | `ORTH`/`TEXT`, `LOWER`, `NORM`, `SHAPE` | `token_attr::orth`, `lower`, `norm`, `shape` (string values) |
/// | `LENGTH` | `token_attr::length` (numbers: `==` `!=` `>=` `<=` `>` `<`, `IN`, `NOT_IN`) |
/// | `IS_ALPHA` ... `IS_STOP`, `LIKE_NUM`, `LIKE_URL`, `LIKE_EMAIL`, `SPACY` | flag attributes (true/false) |
/// | `IN`, `NOT_IN` | `attr_predicate::in`, `not_in` |
/// | `REGEX` (string attributes): `"r"`, `{"IN": [...]}`, `{"NOT_IN": [...]}` | `attr_predicate::regex`, `regex_in`, `regex_not_in` |
/// | `OP`: `?` `*` `+` `!` `{n}` `{n,m}` `{n,}` `{,m}` | `token_quantifier` (`parse` reads the spaCy spelling) |
///
/// A `REGEX` constraint holds its Python `re` source as a string: nothing here compiles it. The matcher
/// compiles it with the `regex_compiler` it is given (`matcher/text_predicate.hpp`; lexzone's is
/// `regex::pcre2_compiler` in `regex/pattern_regex.hpp`), so that these types need no regex library.
///
/// Thread safety of everything in this file: the types are plain values with no shared state; distinct
/// objects may be used from any threads, one object like a standard container.
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"
#include "../unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// Thrown when patterns cannot be added: the pattern is malformed (`reason::invalid`, e.g. a `REGEX` that
/// is not a valid regular expression) or uses a feature lexzone does not implement (`reason::unsupported`,
/// e.g. `POS`, or `REGEX` in a matcher without a regex compiler). Nothing of the call that threw has been
/// added.
///
/// A value type: copying copies the message. Thread safety: as `std::invalid_argument`.
class pattern_error : public std::invalid_argument {
 public:
  /// Why the pattern was refused.
  enum class reason : std::uint8_t {
    invalid,     ///< the pattern is malformed (spaCy rejects it too)
    unsupported  ///< the pattern is well-formed, but uses a feature lexzone does not implement
  };

  /// An error about the pattern at `index` (0-based position in the call), `problem` being the message
  /// without position; `line` is the 1-based line of a patterns file, or 0. `what()` is
  /// "lexzone: pattern INDEX: PROBLEM" or "lexzone: line LINE: PROBLEM", with "unsupported: " before the
  /// problem for `reason::unsupported`. The problem quotes input (keys, values), so its control characters
  /// and bytes outside well-formed UTF-8 are written as `\xNN` (see `detail::printable`), in `problem()`
  /// and `what()` alike: a key holding "\u0000" or a line break neither cuts `what()` short nor splits a
  /// logged line.
  /// Complexity: O(problem size). Throws: `std::bad_alloc`.
  pattern_error(std::size_t index, const std::string& problem, reason why = reason::invalid, std::size_t line = 0)
      : pattern_error(index, detail::printable(problem), why, line, escaped_tag{}) {}
  /// `e`'s problem and reason at another position: pattern `index`, file line `line` (0: none), as a
  /// loader or a ruler reports an error of one pattern among many. The problem is taken as it is (it was
  /// escaped once). Complexity: O(problem size). Throws: `std::bad_alloc`.
  pattern_error(const pattern_error& e, std::size_t index, std::size_t line)
      : pattern_error(index, e.problem_, e.why_, line, escaped_tag{}) {}

  /// 0-based index of the offending pattern within the call (or file). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  /// 1-based line in a patterns file, 0 when the pattern did not come from a file. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  /// Why the pattern was refused. Complexity: O(1). Throws: nothing.
  [[nodiscard]] reason why() const noexcept { return why_; }
  /// True when the pattern is well-formed but uses a feature lexzone does not implement. Complexity:
  /// O(1). Throws: nothing.
  [[nodiscard]] bool unsupported() const noexcept { return why_ == reason::unsupported; }
  /// The problem alone, without the position prefix of `what()` (control characters and invalid UTF-8
  /// bytes written as `\xNN`). Lifetime: as the exception object. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  struct escaped_tag {};
  pattern_error(std::size_t index, std::string problem, reason why, std::size_t line, escaped_tag)
      : std::invalid_argument(compose(index, problem, why, line)), index_(index), line_(line), why_(why),
        problem_(std::move(problem)) {}

  static std::string compose(std::size_t index, const std::string& problem, reason why, std::size_t line) {
    std::string s = "lexzone: ";
    if (line != 0) s += "line " + std::to_string(line) + ": ";
    else s += "pattern " + std::to_string(index) + ": ";
    if (why == reason::unsupported) s += "unsupported: ";
    s += problem;
    return s;
  }

  std::size_t index_;
  std::size_t line_;
  reason why_;
  std::string problem_;
};

/// The token attributes a pattern can test. String-valued: orth, lower, norm, shape. Numeric: length
/// (code points). The rest are flags of `lexeme_attributes` (see `lex_flag`), plus `spacy`: whether a
/// space follows the token. Each value's spaCy name is given by `token_attr_name`.
enum class token_attr : std::uint8_t {
  orth,            ///< the token's text (spaCy `ORTH`, also spelled `TEXT`)
  lower,           ///< the lowercase form (`LOWER`)
  norm,            ///< the norm: a tokenizer exception's, else the lexeme's (`NORM`)
  shape,           ///< the word shape, e.g. "Xxxxx" (`SHAPE`)
  length,          ///< the length in code points (`LENGTH`)
  is_alpha,        ///< `IS_ALPHA`
  is_ascii,        ///< `IS_ASCII`
  is_digit,        ///< `IS_DIGIT`
  is_lower,        ///< `IS_LOWER`
  is_upper,        ///< `IS_UPPER`
  is_title,        ///< `IS_TITLE`
  is_punct,        ///< `IS_PUNCT`
  is_space,        ///< `IS_SPACE`
  is_bracket,      ///< `IS_BRACKET`
  is_quote,        ///< `IS_QUOTE`
  is_left_punct,   ///< `IS_LEFT_PUNCT`
  is_right_punct,  ///< `IS_RIGHT_PUNCT`
  is_currency,     ///< `IS_CURRENCY`
  is_stop,         ///< `IS_STOP`
  like_num,        ///< `LIKE_NUM`
  like_url,        ///< `LIKE_URL`
  like_email,      ///< `LIKE_EMAIL`
  spacy,           ///< whether a space follows the token (`SPACY`)
};

/// How a constraint compares the token's attribute with the pattern's values.
/// String attributes take `equal`, `in`, `not_in` and the three regex predicates; flags take `equal`;
/// `length` takes all but the regex predicates.
enum class attr_predicate : std::uint8_t {
  equal,          ///< equals the one value (spaCy: a bare value, or `==` for numbers)
  not_equal,      ///< differs from the one value (`!=`, numbers only)
  in,             ///< is one of the values (`IN`)
  not_in,         ///< is none of the values (`NOT_IN`)
  greater_equal,  ///< `>=` the one value (numbers only)
  less_equal,     ///< `<=` the one value (numbers only)
  greater,        ///< `>` the one value (numbers only)
  less,           ///< `<` the one value (numbers only)
  regex,          ///< the one value, a Python regex, matches somewhere in the text (`REGEX`, `re.search`)
  regex_in,       ///< one of the values (regexes) matches somewhere in the text (`{"REGEX": {"IN": [...]}}`)
  regex_not_in,   ///< none of the values matches anywhere in the text (`{"REGEX": {"NOT_IN": [...]}}`)
};

/// True for the predicates whose values are regex sources (`regex`, `regex_in`, `regex_not_in`).
/// Complexity: O(1). Thread safety: pure. Throws: nothing.
[[nodiscard]] constexpr bool is_regex_predicate(attr_predicate p) noexcept {
  return p == attr_predicate::regex || p == attr_predicate::regex_in || p == attr_predicate::regex_not_in;
}

/// Per-key filtering of overlapping matches (spaCy's `greedy`).
enum class greedy_filter : std::uint8_t {
  none,    ///< every match is kept (spaCy: `greedy=None`)
  first,   ///< non-overlapping matches, taken by start, the longer first at one start (`"FIRST"`)
  longest  ///< non-overlapping matches, taken longest first, then by start (`"LONGEST"`)
};

namespace detail {

/// An attribute and its spaCy name.
struct attr_name_entry {
  token_attr attr;        ///< the attribute
  std::string_view name;  ///< its upper-case spaCy name
};

/// Indexed by `token_attr`: entry i names the attribute whose value is i.
inline constexpr std::array<attr_name_entry, 23> attr_names{{
    {token_attr::orth, "ORTH"},
    {token_attr::lower, "LOWER"},
    {token_attr::norm, "NORM"},
    {token_attr::shape, "SHAPE"},
    {token_attr::length, "LENGTH"},
    {token_attr::is_alpha, "IS_ALPHA"},
    {token_attr::is_ascii, "IS_ASCII"},
    {token_attr::is_digit, "IS_DIGIT"},
    {token_attr::is_lower, "IS_LOWER"},
    {token_attr::is_upper, "IS_UPPER"},
    {token_attr::is_title, "IS_TITLE"},
    {token_attr::is_punct, "IS_PUNCT"},
    {token_attr::is_space, "IS_SPACE"},
    {token_attr::is_bracket, "IS_BRACKET"},
    {token_attr::is_quote, "IS_QUOTE"},
    {token_attr::is_left_punct, "IS_LEFT_PUNCT"},
    {token_attr::is_right_punct, "IS_RIGHT_PUNCT"},
    {token_attr::is_currency, "IS_CURRENCY"},
    {token_attr::is_stop, "IS_STOP"},
    {token_attr::like_num, "LIKE_NUM"},
    {token_attr::like_url, "LIKE_URL"},
    {token_attr::like_email, "LIKE_EMAIL"},
    {token_attr::spacy, "SPACY"},
}};

/// ASCII case-insensitive equality.
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

/// True when `a` is a value of the enumeration.
[[nodiscard]] constexpr bool is_known_attr(token_attr a) noexcept {
  return static_cast<std::size_t>(a) < attr_names.size();
}
/// True for the string attributes (orth, lower, norm, shape).
[[nodiscard]] constexpr bool is_string_attr(token_attr a) noexcept { return a <= token_attr::shape; }
/// True for the numeric attribute (length).
[[nodiscard]] constexpr bool is_number_attr(token_attr a) noexcept { return a == token_attr::length; }
/// True for the flag attributes (is_alpha ... spacy).
[[nodiscard]] constexpr bool is_flag_attr(token_attr a) noexcept {
  return a >= token_attr::is_alpha && a <= token_attr::spacy;
}

}  // namespace detail

/// spaCy's upper-case name of `a` ("ORTH", "IS_ALPHA", ...), "?" for a value outside the enumeration.
/// Lifetime: a static string. Complexity: O(1). Thread safety: pure. Throws: nothing.
[[nodiscard]] constexpr std::string_view token_attr_name(token_attr a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < detail::attr_names.size() ? detail::attr_names[i].name : std::string_view("?");
}

/// The attribute named `name`, compared ASCII case-insensitively; "TEXT" is ORTH (as in spaCy).
/// Returns nullopt for names lexzone does not implement (POS, LEMMA, ...). Complexity: O(number of
/// attributes · name size). Thread safety: pure. Throws: nothing.
[[nodiscard]] constexpr std::optional<token_attr> token_attr_from_name(std::string_view name) noexcept {
  if (detail::iequals(name, "TEXT")) return token_attr::orth;
  for (const auto& e : detail::attr_names)
    if (detail::iequals(name, e.name)) return e.attr;
  return std::nullopt;
}

namespace detail {

/// The bounds of a range quantifier as written (see `split_op_bounds`).
struct op_bounds_text {
  std::string_view min;  ///< digits of the minimum, empty when absent
  std::string_view max;  ///< digits of the maximum, empty when absent
};
/// The bounds of spaCy's range quantifier as written: `{n}` gives (n, n), `{n,m}` (n, m), `{n,}` (n, ""),
/// `{,m}` ("", m), each of ASCII digits; nullopt for any other spelling (`{,}`, spaces, signs, ...).
/// The syntax only: neither the size of the numbers nor their order is checked.
[[nodiscard]] constexpr std::optional<op_bounds_text> split_op_bounds(std::string_view op) noexcept {
  if (op.size() < 3 || op.front() != '{' || op.back() != '}') return std::nullopt;
  const std::string_view inner = op.substr(1, op.size() - 2);
  auto digits = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  const std::size_t comma = inner.find(',');
  if (comma == std::string_view::npos) {
    if (!digits(inner)) return std::nullopt;
    return op_bounds_text{inner, inner};
  }
  const std::string_view a = inner.substr(0, comma), b = inner.substr(comma + 1);
  if ((a.empty() && b.empty()) || !digits(a) || !digits(b)) return std::nullopt;
  return op_bounds_text{a, b};
}

/// The digits `s` without their leading zeros ("" for zero).
[[nodiscard]] constexpr std::string_view significant_digits(std::string_view s) noexcept {
  const std::size_t first = s.find_first_not_of('0');
  return first == std::string_view::npos ? std::string_view() : s.substr(first);
}

}  // namespace detail

/// How many consecutive tokens one spec consumes (spaCy's `OP`). A plain aggregate:
/// `{min, max, negated}`; `negated` (`!`) requires `min == max == 1`. Values are checked when the
/// pattern is validated (`validate_token_pattern`), not when they are built.
struct token_quantifier {
  /// The `max` of `*`, `+` and `{n,}`: no upper bound.
  static constexpr std::uint32_t unbounded = std::numeric_limits<std::uint32_t>::max();
  /// Largest finite bound the matcher accepts (a spec expands to up to `max` compiled elements).
  static constexpr std::uint32_t max_bound = 1024;

  std::uint32_t min = 1;  ///< fewest tokens consumed
  std::uint32_t max = 1;  ///< most tokens consumed, or `unbounded`
  bool negated = false;   ///< `!`: consumes exactly one token, which must *not* match the spec

  /// Exactly one token (no `OP`). Complexity: O(1). Throws: nothing.
  static constexpr token_quantifier one() noexcept { return {1, 1, false}; }
  /// `?`: zero or one token. Complexity: O(1). Throws: nothing.
  static constexpr token_quantifier zero_or_one() noexcept { return {0, 1, false}; }
  /// `*`: any number of tokens. Complexity: O(1). Throws: nothing.
  static constexpr token_quantifier zero_or_more() noexcept { return {0, unbounded, false}; }
  /// `+`: one or more tokens. Complexity: O(1). Throws: nothing.
  static constexpr token_quantifier one_or_more() noexcept { return {1, unbounded, false}; }
  /// `!`: one token that does not match. Complexity: O(1). Throws: nothing.
  static constexpr token_quantifier negation() noexcept { return {1, 1, true}; }
  /// `{n,m}`; pass `unbounded` as `m` for `{n,}`. Complexity: O(1). Throws: nothing.
  static constexpr token_quantifier between(std::uint32_t n, std::uint32_t m) noexcept { return {n, m, false}; }

  /// Reads spaCy's spelling: "?", "*", "+", "!", "{n}", "{n,m}", "{n,}", "{,m}" (ASCII digits, no
  /// spaces, n <= m; leading zeros allowed, at most 9 digits after them). Returns nullopt for anything
  /// else. Complexity: O(op.size()). Thread safety: pure. Throws: nothing.
  [[nodiscard]] static constexpr std::optional<token_quantifier> parse(std::string_view op) noexcept;

  /// Member-wise equality. Complexity: O(1). Throws: nothing.
  friend constexpr bool operator==(const token_quantifier&, const token_quantifier&) = default;
};

constexpr std::optional<token_quantifier> token_quantifier::parse(std::string_view op) noexcept {
  if (op == "?") return zero_or_one();
  if (op == "*") return zero_or_more();
  if (op == "+") return one_or_more();
  if (op == "!") return negation();
  const auto bounds = detail::split_op_bounds(op);
  if (!bounds) return std::nullopt;
  // A bound of up to 9 digits fits in 32 bits; an absent one is 0 (min) or `unbounded` (max). Leading
  // zeros do not count (Python's `int`, which spaCy uses, reads "007" as 7).
  auto number = [](std::string_view s, std::uint32_t absent) -> std::optional<std::uint32_t> {
    if (s.empty()) return absent;
    s = detail::significant_digits(s);
    if (s.size() > 9) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : s) v = v * 10 + static_cast<std::uint32_t>(c - '0');
    return v;
  };
  const auto n = number(bounds->min, 0), m = number(bounds->max, unbounded);
  if (!n || !m || *n > *m) return std::nullopt;
  return between(*n, *m);
}

/// One condition on one attribute. Which value member is used depends on the attribute: `strings` for
/// string attributes (one value for `equal` and `regex`, any number for `in`/`not_in` and
/// `regex_in`/`regex_not_in`; the regex predicates' values are Python `re` sources), `numbers` for `length`,
/// `flag` for flag attributes (predicate `equal`). `String` is `std::string` (owning) or any type
/// convertible to `std::string_view` (then the constraint borrows the caller's characters).
template <class String = std::string>
struct basic_attr_constraint {
  token_attr attr = token_attr::orth;                ///< the attribute tested
  attr_predicate predicate = attr_predicate::equal;  ///< how it is compared
  std::vector<String> strings{};                     ///< values of a string attribute (valid UTF-8)
  std::vector<double> numbers{};                     ///< values of `length` (NaN is refused)
  bool flag = true;                                  ///< the value a flag attribute must have
};

/// One pattern token: all `constraints` must hold (none: any token), repeated per `quantifier`.
/// The member functions append a constraint (or set the quantifier) and return `*this`, for chaining;
/// they check nothing (see `validate_token_pattern`).
template <class String = std::string>
struct basic_token_spec {
  /// The constraint type of this spec.
  using constraint_type = basic_attr_constraint<String>;

  std::vector<constraint_type> constraints{};  ///< all must hold
  token_quantifier quantifier{};               ///< how many tokens the spec consumes

  /// String attribute equals `value` (spaCy `{"LOWER": "x"}`). Complexity: amortised O(1). Throws:
  /// `std::bad_alloc`.
  basic_token_spec& equal(token_attr a, String value) {
    return add_strings(a, attr_predicate::equal, {std::move(value)});
  }
  /// String attribute is one of `values` (spaCy `IN`). Complexity: amortised O(1). Throws:
  /// `std::bad_alloc`.
  basic_token_spec& in(token_attr a, std::vector<String> values) {
    return add_strings(a, attr_predicate::in, std::move(values));
  }
  /// String attribute is none of `values` (spaCy `NOT_IN`). Complexity: amortised O(1). Throws:
  /// `std::bad_alloc`.
  basic_token_spec& not_in(token_attr a, std::vector<String> values) {
    return add_strings(a, attr_predicate::not_in, std::move(values));
  }
  /// String attribute's text contains a match of the Python regex `source` (spaCy
  /// `{"LOWER": {"REGEX": "^v\\d"}}`, `re.search`: anchor with `^`/`$` to test the whole text). The source
  /// is compiled when the pattern is added to a matcher. Complexity: amortised O(1). Throws:
  /// `std::bad_alloc`.
  basic_token_spec& regex(token_attr a, String source) {
    return add_strings(a, attr_predicate::regex, {std::move(source)});
  }
  /// String attribute's text contains a match of one of the regexes `sources` (spaCy
  /// `{"REGEX": {"IN": [...]}}`; none: never). Complexity: amortised O(1). Throws: `std::bad_alloc`.
  basic_token_spec& regex_in(token_attr a, std::vector<String> sources) {
    return add_strings(a, attr_predicate::regex_in, std::move(sources));
  }
  /// String attribute's text contains a match of none of the regexes `sources` (spaCy
  /// `{"REGEX": {"NOT_IN": [...]}}`). Complexity: amortised O(1). Throws: `std::bad_alloc`.
  basic_token_spec& regex_not_in(token_attr a, std::vector<String> sources) {
    return add_strings(a, attr_predicate::regex_not_in, std::move(sources));
  }
  /// Flag attribute has `value` (spaCy `{"IS_TITLE": true}`). Complexity: amortised O(1). Throws:
  /// `std::bad_alloc`.
  basic_token_spec& flag(token_attr a, bool value = true) {
    constraints.push_back(constraint_type{a, attr_predicate::equal, {}, {}, value});
    return *this;
  }
  /// Numeric attribute compares with `value` (`equal`, `not_equal`, `greater_equal`, ...). Complexity:
  /// amortised O(1). Throws: `std::bad_alloc`.
  basic_token_spec& compare(token_attr a, attr_predicate p, double value) {
    constraints.push_back(constraint_type{a, p, {}, {value}, true});
    return *this;
  }
  /// Numeric attribute is (`negate`: is not) one of `values`. Complexity: amortised O(1). Throws:
  /// `std::bad_alloc`.
  basic_token_spec& number_in(token_attr a, std::vector<double> values, bool negate = false) {
    constraints.push_back(
        constraint_type{a, negate ? attr_predicate::not_in : attr_predicate::in, {}, std::move(values), true});
    return *this;
  }
  /// Sets the quantifier (spaCy `OP`). Complexity: O(1). Throws: nothing.
  basic_token_spec& op(token_quantifier q) noexcept {
    quantifier = q;
    return *this;
  }

 private:
  basic_token_spec& add_strings(token_attr a, attr_predicate p, std::vector<String> values) {
    constraints.push_back(constraint_type{a, p, std::move(values), {}, true});
    return *this;
  }
};

/// A token pattern: a sequence of specs (spaCy's list of token dicts). `String` is any type convertible to
/// `std::string_view` (`std::string` to own, `std::string_view` for literals, which must then outlive the
/// pattern's use: adding it to a matcher copies what it needs).
template <class String = std::string>
struct basic_token_pattern {
  /// The spec type of this pattern.
  using spec_type = basic_token_spec<String>;
  std::vector<spec_type> tokens{};  ///< the pattern tokens, in order

  /// An empty pattern (invalid until a spec is added). Throws: nothing.
  basic_token_pattern() = default;
  /// A pattern of `specs`, copied. Complexity: O(pattern size). Throws: `std::bad_alloc`.
  basic_token_pattern(std::initializer_list<spec_type> specs) : tokens(specs) {}
  /// A pattern of `specs`, moved in. Complexity: O(1). Throws: nothing.
  explicit basic_token_pattern(std::vector<spec_type> specs) noexcept : tokens(std::move(specs)) {}
};

/// A constraint owning its strings.
using attr_constraint = basic_attr_constraint<std::string>;
/// A spec owning its strings.
using token_spec = basic_token_spec<std::string>;
/// A token pattern owning its strings (what `io::parse_token_pattern` returns).
using token_pattern = basic_token_pattern<std::string>;

namespace detail {
/// Most compiled elements one token pattern may expand to.
inline constexpr std::uint32_t max_pattern_elements = 4096;
}  // namespace detail

/// Validates a token pattern without interning anything (also done by `matcher::add`). Regex sources are
/// not compiled here (the matcher compiles them when the pattern is added).
/// Throws `pattern_error` (with `index`) naming the token and the problem: no tokens; a predicate the
/// attribute does not take (regex predicates: string attributes only); a missing or extra value; invalid
/// UTF-8; NaN; a negation with a count;
/// min > max (invalid); a bound above `token_quantifier::max_bound` or more than 4096 compiled
/// elements (unsupported); also `std::bad_alloc`. Complexity: O(pattern size + string bytes).
/// Thread safety: reads `pattern` only.
template <class String>
requires std::convertible_to<const String&, std::string_view>
void validate_token_pattern(const basic_token_pattern<String>& pattern, std::size_t index = 0) {
  auto fail = [&](std::size_t tok, const std::string& what,
                  pattern_error::reason why = pattern_error::reason::invalid) {
    throw pattern_error(index, "token " + std::to_string(tok) + ": " + what, why);
  };
  if (pattern.tokens.empty()) throw pattern_error(index, "a token pattern needs at least one token");
  std::uint64_t elements = 0;
  for (std::size_t t = 0; t < pattern.tokens.size(); ++t) {
    const auto& spec = pattern.tokens[t];
    const token_quantifier q = spec.quantifier;
    if (q.negated && (q.min != 1 || q.max != 1)) fail(t, "negation (!) cannot have a count");
    if (q.min > q.max) fail(t, "quantifier minimum above its maximum");
    if (q.min > token_quantifier::max_bound ||
        (q.max != token_quantifier::unbounded && q.max > token_quantifier::max_bound))
      fail(t, "quantifier bound above " + std::to_string(token_quantifier::max_bound),
           pattern_error::reason::unsupported);
    elements += q.negated ? 1 : (q.max == token_quantifier::unbounded ? q.min + 1 : q.max);
    for (const auto& c : spec.constraints) {
      const auto a = c.attr;
      if (!detail::is_known_attr(a)) fail(t, "unknown attribute");
      const std::string name(token_attr_name(a));
      if (detail::is_string_attr(a)) {
        if (c.predicate != attr_predicate::equal && c.predicate != attr_predicate::in &&
            c.predicate != attr_predicate::not_in && !is_regex_predicate(c.predicate))
          fail(t, name + " takes equal, IN, NOT_IN or REGEX");
        if ((c.predicate == attr_predicate::equal || c.predicate == attr_predicate::regex) && c.strings.size() != 1)
          fail(t, name + " needs exactly one value");
        if (!c.numbers.empty()) fail(t, name + " takes strings, not numbers");
        for (const String& s : c.strings) {
          if (!unicode::is_valid(std::string_view(s))) fail(t, name + " value is not valid UTF-8");
        }
      } else if (detail::is_number_attr(a)) {
        if (!c.strings.empty() || is_regex_predicate(c.predicate)) fail(t, name + " takes numbers, not strings");
        const bool set = c.predicate == attr_predicate::in || c.predicate == attr_predicate::not_in;
        if (!set && c.numbers.size() != 1) fail(t, name + " comparison needs exactly one number");
        for (double v : c.numbers)
          if (std::isnan(v)) fail(t, name + " value is NaN");
      } else {
        if (c.predicate != attr_predicate::equal) fail(t, name + " takes only true or false");
        if (!c.strings.empty() || !c.numbers.empty()) fail(t, name + " takes only true or false");
      }
    }
  }
  if (elements > detail::max_pattern_elements)
    throw pattern_error(index, "pattern expands to more than 4096 tokens", pattern_error::reason::unsupported);
}

}  // namespace lexzone
