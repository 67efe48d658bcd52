/// \file matcher.hpp
/// Rule-based matching over a `basic_doc`: token patterns (spaCy's `Matcher`) and phrase patterns
/// (spaCy's `PhraseMatcher`) in one `lexzone::matcher<Vocab>`.
///
/// ## Patterns
/// A `basic_token_pattern` is a list of `basic_token_spec`s, one per pattern token. A spec holds
/// constraints (`basic_attr_constraint`: attribute, predicate, values) that must all hold, and a
/// quantifier (`token_quantifier`: spaCy's `OP`). The C++ representation knows no JSON; the spaCy
/// `patterns.jsonl` format is read by `io/entity_ruler_jsonl.hpp`.
///
/// | spaCy | lexzone |
/// |---|---|
/// | `ORTH`/`TEXT`, `LOWER`, `NORM`, `SHAPE` | `token_attr::orth`, `lower`, `norm`, `shape` (string values) |
/// | `LENGTH` | `token_attr::length` (numbers: `==` `!=` `>=` `<=` `>` `<`, `IN`, `NOT_IN`) |
/// | `IS_ALPHA` ... `IS_STOP`, `LIKE_NUM`, `LIKE_URL`, `LIKE_EMAIL`, `SPACY` | flag attributes (true/false) |
/// | `IN`, `NOT_IN` | `attr_predicate::in`, `not_in` |
/// | `OP`: `?` `*` `+` `!` `{n}` `{n,m}` `{n,}` `{,m}` | `token_quantifier` (`parse` reads the spaCy spelling) |
///
/// `NORM` compares the token's norm (`basic_token::norm()`: a tokenizer exception's norm, else the
/// lexeme's). `OP: "!"` consumes exactly one token that must not match, as in spaCy.
///
/// ## Semantics (those of spaCy 3.8)
/// The matcher returns *every* match: for each key, each distinct (start, end) span that some pattern of
/// the key matches, overlaps and nested spans included, zero-length spans excluded. Keys added with
/// `greedy_filter::first` or `longest` keep only a non-overlapping subset per key, chosen as spaCy does
/// (FIRST: by start, longer first; LONGEST: longer first, then by start). Results are ordered by end,
/// then start, then pattern index.
///
/// ## Cost model
/// Patterns are compiled into flat arrays when added. Matching interns nothing, takes no lock and does not
/// allocate per token: a few allocations per call (the result vector; bitsets only for patterns of more
/// than 255 compiled elements; one marker array when greedy keys match). Token patterns are indexed by the
/// ORTH, LOWER or NORM values that their first token can take (`IN` lists included); phrase patterns live
/// in one hash trie per attribute. Thousands of such patterns cost one hash lookup per token and index.
/// PERFORMANCE WARNING: a token pattern whose first token has no ORTH/LOWER/NORM equality or `IN` (e.g.
/// `[{"LIKE_NUM": true}]`, or a leading `?`/`*`/`!` without one) is tried at every token, and token
/// patterns that share a first value are each tried where it occurs (phrase patterns share a trie).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config.hpp"
#include "doc.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "lexeme.hpp"
#include "unicode/utf8.hpp"

namespace lexzone {

/// Thrown when patterns cannot be added: the pattern is malformed (`reason::invalid`) or uses a feature
/// lexzone does not implement (`reason::unsupported`, e.g. `POS`, `REGEX`). Nothing of the call that
/// threw has been added.
class pattern_error : public std::invalid_argument {
 public:
  enum class reason : std::uint8_t { invalid, unsupported };

  /// `index`: the 0-based position of the offending pattern in the call; `line`: the 1-based line of a
  /// patterns file, or 0. Throws: `std::bad_alloc`.
  pattern_error(std::size_t index, std::string problem, reason why = reason::invalid, std::size_t line = 0)
      : std::invalid_argument(compose(index, problem, why, line)), index_(index), line_(line), why_(why),
        problem_(std::move(problem)) {}

  /// 0-based index of the offending pattern within the call (or file).
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  /// 1-based line in a patterns file, 0 when the pattern did not come from a file.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] reason why() const noexcept { return why_; }
  /// True when the pattern is well-formed but uses a feature lexzone does not implement.
  [[nodiscard]] bool unsupported() const noexcept { return why_ == reason::unsupported; }
  /// The problem alone, without the position prefix of `what()`.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
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
/// space follows the token.
enum class token_attr : std::uint8_t {
  orth,
  lower,
  norm,
  shape,
  length,
  is_alpha,
  is_ascii,
  is_digit,
  is_lower,
  is_upper,
  is_title,
  is_punct,
  is_space,
  is_bracket,
  is_quote,
  is_left_punct,
  is_right_punct,
  is_currency,
  is_stop,
  like_num,
  like_url,
  like_email,
  spacy,
};

/// How a constraint compares the token's attribute with the pattern's values.
/// String attributes take `equal`, `in`, `not_in`; flags take `equal`; `length` takes all.
enum class attr_predicate : std::uint8_t { equal, not_equal, in, not_in, greater_equal, less_equal, greater, less };

/// Per-key filtering of overlapping matches (spaCy's `greedy`).
enum class greedy_filter : std::uint8_t { none, first, longest };

namespace detail {

struct attr_name_entry {
  token_attr attr;
  std::string_view name;
};

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

[[nodiscard]] constexpr bool is_string_attr(token_attr a) noexcept { return a <= token_attr::shape; }
[[nodiscard]] constexpr bool is_number_attr(token_attr a) noexcept { return a == token_attr::length; }
[[nodiscard]] constexpr bool is_flag_attr(token_attr a) noexcept {
  return a >= token_attr::is_alpha && a <= token_attr::spacy;
}

/// Bit set by the matcher for `token_attr::spacy` (lex_flag uses the low bits).
inline constexpr std::uint32_t spacy_flag_bit = 1u << 31;

/// The flag bit that `a` (a flag attribute) tests in the matcher's flag word.
[[nodiscard]] constexpr std::uint32_t flag_bit(token_attr a) noexcept {
  auto f = [](lex_flag x) { return static_cast<std::uint32_t>(x); };
  switch (a) {
    case token_attr::is_alpha: return f(lex_flag::is_alpha);
    case token_attr::is_ascii: return f(lex_flag::is_ascii);
    case token_attr::is_digit: return f(lex_flag::is_digit);
    case token_attr::is_lower: return f(lex_flag::is_lower);
    case token_attr::is_upper: return f(lex_flag::is_upper);
    case token_attr::is_title: return f(lex_flag::is_title);
    case token_attr::is_punct: return f(lex_flag::is_punct);
    case token_attr::is_space: return f(lex_flag::is_space);
    case token_attr::is_bracket: return f(lex_flag::is_bracket);
    case token_attr::is_quote: return f(lex_flag::is_quote);
    case token_attr::is_left_punct: return f(lex_flag::is_left_punct);
    case token_attr::is_right_punct: return f(lex_flag::is_right_punct);
    case token_attr::is_currency: return f(lex_flag::is_currency);
    case token_attr::is_stop: return f(lex_flag::is_stop);
    case token_attr::like_num: return f(lex_flag::like_num);
    case token_attr::like_url: return f(lex_flag::like_url);
    case token_attr::like_email: return f(lex_flag::like_email);
    case token_attr::spacy: return spacy_flag_bit;
    default: return 0;
  }
}

}  // namespace detail

/// spaCy's upper-case name of `a` ("ORTH", "IS_ALPHA", ...). Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view token_attr_name(token_attr a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < detail::attr_names.size() ? detail::attr_names[i].name : std::string_view("?");
}

/// The attribute named `name`, compared ASCII case-insensitively; "TEXT" is ORTH (as in spaCy).
/// Returns nullopt for names lexzone does not implement (POS, LEMMA, ...). Throws: nothing.
[[nodiscard]] constexpr std::optional<token_attr> token_attr_from_name(std::string_view name) noexcept {
  if (detail::iequals(name, "TEXT")) return token_attr::orth;
  for (const auto& e : detail::attr_names)
    if (detail::iequals(name, e.name)) return e.attr;
  return std::nullopt;
}

/// How many consecutive tokens one spec consumes (spaCy's `OP`). A plain aggregate:
/// `{min, max, negated}`; `negated` (`!`) requires `min == max == 1`.
struct token_quantifier {
  static constexpr std::uint32_t unbounded = std::numeric_limits<std::uint32_t>::max();
  /// Largest finite bound the matcher accepts (a spec expands to up to `max` compiled elements).
  static constexpr std::uint32_t max_bound = 1024;

  std::uint32_t min = 1;
  std::uint32_t max = 1;
  bool negated = false;

  static constexpr token_quantifier one() noexcept { return {1, 1, false}; }
  static constexpr token_quantifier zero_or_one() noexcept { return {0, 1, false}; }           ///< `?`
  static constexpr token_quantifier zero_or_more() noexcept { return {0, unbounded, false}; }  ///< `*`
  static constexpr token_quantifier one_or_more() noexcept { return {1, unbounded, false}; }   ///< `+`
  static constexpr token_quantifier negation() noexcept { return {1, 1, true}; }               ///< `!`
  /// `{n,m}`; pass `unbounded` as `m` for `{n,}`.
  static constexpr token_quantifier between(std::uint32_t n, std::uint32_t m) noexcept { return {n, m, false}; }

  /// Reads spaCy's spelling: "?", "*", "+", "!", "{n}", "{n,m}", "{n,}", "{,m}" (ASCII digits, no
  /// spaces, n <= m). Returns nullopt for anything else. Complexity: O(op.size()). Throws: nothing.
  [[nodiscard]] static constexpr std::optional<token_quantifier> parse(std::string_view op) noexcept {
    if (op == "?") return zero_or_one();
    if (op == "*") return zero_or_more();
    if (op == "+") return one_or_more();
    if (op == "!") return negation();
    if (op.size() < 3 || op.front() != '{' || op.back() != '}') return std::nullopt;
    const std::string_view inner = op.substr(1, op.size() - 2);
    auto number = [](std::string_view s) -> std::optional<std::uint32_t> {
      if (s.empty() || s.size() > 9) return std::nullopt;
      std::uint32_t v = 0;
      for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
      }
      return v;
    };
    const std::size_t comma = inner.find(',');
    if (comma == std::string_view::npos) {
      const auto n = number(inner);
      if (!n) return std::nullopt;
      return between(*n, *n);
    }
    const std::string_view a = inner.substr(0, comma), b = inner.substr(comma + 1);
    if (a.empty() && b.empty()) return std::nullopt;
    std::uint32_t n = 0, m = unbounded;
    if (!a.empty()) {
      const auto v = number(a);
      if (!v) return std::nullopt;
      n = *v;
    }
    if (!b.empty()) {
      const auto v = number(b);
      if (!v) return std::nullopt;
      m = *v;
    }
    if (n > m) return std::nullopt;
    return between(n, m);
  }

  friend constexpr bool operator==(const token_quantifier&, const token_quantifier&) = default;
};

/// One condition on one attribute. Which value member is used depends on the attribute: `strings` for
/// string attributes (one value for `equal`, any number for `in`/`not_in`), `numbers` for `length`,
/// `flag` for flag attributes (predicate `equal`).
template <class String = std::string>
struct basic_attr_constraint {
  token_attr attr = token_attr::orth;
  attr_predicate predicate = attr_predicate::equal;
  std::vector<String> strings{};
  std::vector<double> numbers{};
  bool flag = true;
};

/// One pattern token: all `constraints` must hold (none: any token), repeated per `quantifier`.
/// The member functions append a constraint and return `*this`, for chaining. Throws: `std::bad_alloc`.
template <class String = std::string>
struct basic_token_spec {
  using constraint_type = basic_attr_constraint<String>;

  std::vector<constraint_type> constraints{};
  token_quantifier quantifier{};

  /// String attribute equals `value` (spaCy `{"LOWER": "x"}`).
  basic_token_spec& equal(token_attr a, String value) {
    constraints.push_back(constraint_type{a, attr_predicate::equal, {std::move(value)}, {}, true});
    return *this;
  }
  /// String attribute is one of `values` (spaCy `IN`).
  basic_token_spec& in(token_attr a, std::vector<String> values) {
    constraints.push_back(constraint_type{a, attr_predicate::in, std::move(values), {}, true});
    return *this;
  }
  /// String attribute is none of `values` (spaCy `NOT_IN`).
  basic_token_spec& not_in(token_attr a, std::vector<String> values) {
    constraints.push_back(constraint_type{a, attr_predicate::not_in, std::move(values), {}, true});
    return *this;
  }
  /// Flag attribute has `value` (spaCy `{"IS_TITLE": true}`).
  basic_token_spec& flag(token_attr a, bool value = true) {
    constraints.push_back(constraint_type{a, attr_predicate::equal, {}, {}, value});
    return *this;
  }
  /// Numeric attribute compares with `value` (`equal`, `not_equal`, `greater_equal`, ...).
  basic_token_spec& compare(token_attr a, attr_predicate p, double value) {
    constraints.push_back(constraint_type{a, p, {}, {value}, true});
    return *this;
  }
  /// Numeric attribute is (`negate`: is not) one of `values`.
  basic_token_spec& number_in(token_attr a, std::vector<double> values, bool negate = false) {
    constraints.push_back(
        constraint_type{a, negate ? attr_predicate::not_in : attr_predicate::in, {}, std::move(values), true});
    return *this;
  }
  /// Sets the quantifier (spaCy `OP`).
  basic_token_spec& op(token_quantifier q) noexcept {
    quantifier = q;
    return *this;
  }
};

/// A token pattern: a sequence of specs (spaCy's list of token dicts). `String` is any type convertible to
/// `std::string_view` (`std::string` to own, `std::string_view` for literals).
template <class String = std::string>
struct basic_token_pattern {
  using spec_type = basic_token_spec<String>;
  std::vector<spec_type> tokens{};

  basic_token_pattern() = default;
  basic_token_pattern(std::initializer_list<spec_type> specs) : tokens(specs) {}
  explicit basic_token_pattern(std::vector<spec_type> specs) noexcept : tokens(std::move(specs)) {}
};

using attr_constraint = basic_attr_constraint<std::string>;
using token_spec = basic_token_spec<std::string>;
using token_pattern = basic_token_pattern<std::string>;

/// One match: tokens [start, end) matched a pattern of `key`. `pattern` is the 0-based index of that
/// pattern in the order patterns were added to the matcher (token and phrase patterns share the count;
/// when several patterns of a key match the same span, the lowest index is reported).
struct pattern_match {
  hash_t key = 0;
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::uint32_t pattern = 0;
  friend constexpr bool operator==(const pattern_match&, const pattern_match&) = default;
};

/// A vocab the matcher can read: lexemes with `lexeme_attributes`-like `attrs` (lower, norm, shape,
/// length, flags), and `add` / `strings().add` to intern pattern strings.
template <class Vocab>
concept matcher_vocab = requires(Vocab& v, const typename Vocab::lexeme_type& lex, std::string_view s) {
  { lex.orth } -> std::convertible_to<hash_t>;
  { lex.attrs.lower } -> std::convertible_to<hash_t>;
  { lex.attrs.norm } -> std::convertible_to<hash_t>;
  { lex.attrs.shape } -> std::convertible_to<hash_t>;
  { lex.attrs.length } -> std::convertible_to<std::uint32_t>;
  { lex.attrs.flags } -> std::convertible_to<std::uint32_t>;
  { v.add(s) } -> std::same_as<const typename Vocab::lexeme_type&>;
  { v.strings().add(s) } -> std::convertible_to<hash_t>;
};

namespace detail {

enum class match_field : std::uint8_t { orth = 0, lower = 1, norm = 2, shape = 3, length = 4 };
inline constexpr std::size_t indexed_field_count = 3;  // orth, lower, norm
inline constexpr std::uint32_t max_pattern_elements = 4096;

enum class element_kind : std::uint8_t { one, optional, star, negated };

struct compiled_test {
  match_field field = match_field::orth;
  attr_predicate op = attr_predicate::equal;
  std::uint32_t set_begin = 0, set_end = 0;  // in/not_in: sorted unique values
  std::uint64_t value = 0;                   // equal/not_equal
  double number = 0;                         // ordered comparisons on length
};

struct compiled_element {
  element_kind kind = element_kind::one;
  bool never = false;  // the spec can match no token
  std::uint32_t flag_mask = 0, flag_want = 0;
  std::uint32_t test_begin = 0, test_end = 0;
};

struct compiled_pattern {
  hash_t key = 0;
  std::uint32_t index = 0;
  std::uint32_t elem_begin = 0, elem_count = 0;
  std::uint32_t skip_begin = 0;  // skip-mask words in the pool
  [[nodiscard]] std::uint32_t words() const noexcept { return (elem_count + 64) / 64; }
};

/// Where a token pattern is indexed: by the values of one field its first token must take.
struct pattern_entry {
  std::uint8_t field = 0;  // < indexed_field_count, or indexed_field_count for "scan"
  std::vector<std::uint64_t> keys{};
};

inline constexpr std::uint8_t scan_field = static_cast<std::uint8_t>(indexed_field_count);

template <class Record>
LEXZONE_ALWAYS_INLINE std::uint64_t field_value(const Record& r, match_field f) noexcept {
  switch (f) {
    case match_field::orth: return r.lex->orth;
    case match_field::lower: return r.lex->attrs.lower;
    case match_field::norm: return r.norm != 0 ? r.norm : static_cast<std::uint64_t>(r.lex->attrs.norm);
    case match_field::shape: return r.lex->attrs.shape;
    case match_field::length: return r.lex->attrs.length;
  }
  return 0;
}

template <class Record>
LEXZONE_ALWAYS_INLINE std::uint32_t token_flags(const Record& r) noexcept {
  return static_cast<std::uint32_t>(r.lex->attrs.flags) | (r.space ? spacy_flag_bit : 0u);
}

/// The value a phrase pattern compares for attribute `a` (flags as 0/1).
template <class Record>
LEXZONE_ALWAYS_INLINE std::uint64_t phrase_value(const Record& r, token_attr a) noexcept {
  if (is_flag_attr(a)) return (token_flags(r) & flag_bit(a)) != 0 ? 1 : 0;
  return field_value(r, static_cast<match_field>(a));
}

/// Epsilon closure: a bit set on a skippable element also sets the next bit.
inline void close_states(std::uint64_t* bits, const std::uint64_t* skip, std::uint32_t words) noexcept {
  for (;;) {
    bool changed = false;
    std::uint64_t carry = 0;
    for (std::uint32_t w = 0; w < words; ++w) {
      const std::uint64_t m = bits[w] & skip[w];
      const std::uint64_t grown = bits[w] | (m << 1) | carry;
      carry = m >> 63;
      if (grown != bits[w]) {
        bits[w] = grown;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

[[nodiscard]] inline bool is_integral_length(double v) noexcept {
  return v >= 0 && v <= 4294967295.0 && std::floor(v) == v;
}

struct edge_key {
  std::uint32_t node;
  std::uint64_t value;
  friend constexpr bool operator==(const edge_key&, const edge_key&) = default;
};
struct edge_key_hash {
  std::size_t operator()(const edge_key& k) const noexcept {
    std::uint64_t h = k.value ^ (static_cast<std::uint64_t>(k.node) * 0x9E3779B97F4A7C15ull);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return static_cast<std::size_t>(h);
  }
};

/// Phrase patterns on one attribute: a trie keyed by (node, value); node 0 is the root.
struct phrase_trie {
  struct terminal {
    hash_t key;
    std::uint32_t index;
  };
  token_attr attr = token_attr::orth;
  std::unordered_map<edge_key, std::uint32_t, edge_key_hash> edges{};
  std::vector<std::vector<terminal>> terminals{std::vector<terminal>{}};
};

/// Identity-ish hash for 64-bit ids that are already well mixed.
struct id_hash {
  std::size_t operator()(std::uint64_t v) const noexcept { return static_cast<std::size_t>(v ^ (v >> 32)); }
};

}  // namespace detail

/// Validates a token pattern without interning anything (also done by `matcher::add`).
/// Throws `pattern_error` (with `index`) naming the token and the problem: no tokens; a predicate the
/// attribute does not take; a missing or extra value; invalid UTF-8; NaN; a negation with a count;
/// min > max (invalid); a bound above `token_quantifier::max_bound` or more than 4096 compiled
/// elements (unsupported). Complexity: O(pattern size + string bytes).
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
      if (static_cast<std::size_t>(a) >= detail::attr_names.size()) fail(t, "unknown attribute");
      const std::string name(token_attr_name(a));
      if (detail::is_string_attr(a)) {
        if (c.predicate != attr_predicate::equal && c.predicate != attr_predicate::in &&
            c.predicate != attr_predicate::not_in)
          fail(t, name + " takes equal, IN or NOT_IN");
        if (c.predicate == attr_predicate::equal && c.strings.size() != 1) fail(t, name + " needs exactly one value");
        if (!c.numbers.empty()) fail(t, name + " takes strings, not numbers");
        for (const String& s : c.strings) {
          if (!unicode::is_valid(std::string_view(s))) fail(t, name + " value is not valid UTF-8");
        }
      } else if (detail::is_number_attr(a)) {
        if (!c.strings.empty()) fail(t, name + " takes numbers, not strings");
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

/// Token patterns and phrase patterns, matched together over docs of `Vocab`.
///
/// - Adding: `add`, `add_phrases` (and `*_with_hash` for caller-chosen 64-bit keys) are all-or-nothing;
///   several calls can be made atomic together through a `batch` and `commit`. Pattern strings (and the
///   key string) are interned *permanently* in the vocab's string store; phrases given as words also
///   create permanent lexemes (for attributes other than ORTH).
/// - Matching: `operator()` / `match` are `const`, intern nothing and read only the doc and the
///   compiled patterns: any number of threads may match concurrently (on docs they may read). Adding
///   patterns while another thread matches is a data race.
/// - Lifetime: the matcher refers to `vocab`, which must outlive it. Copies share the vocab. Matches are
///   plain values. A doc made in a zone may be matched; nothing of the zone is kept.
/// - Exceptions: `add*` and `commit` give the strong guarantee (interned strings may remain).
template <class Vocab>
requires matcher_vocab<Vocab>
class matcher {
 public:
  using vocab_type = Vocab;
  using doc_type = basic_doc<Vocab>;

  /// Patterns staged for one atomic `commit`. Staging validates and interns (strings and lexemes
  /// become permanent at once) but changes no matcher. Move-only in spirit; a committed batch is empty.
  class batch {
   public:
    /// Stages token patterns under `key` (interned permanently) and sets the key's filter (as spaCy,
    /// each add replaces the key's filter). Throws: `pattern_error` (index within `patterns`),
    /// `hash_collision`, `std::bad_alloc`; on a throw nothing is staged.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add(std::string_view key, std::span<const basic_token_pattern<String>> patterns,
             greedy_filter greedy = greedy_filter::none) {
      for (std::size_t i = 0; i < patterns.size(); ++i) validate_token_pattern(patterns[i], i);
      stage_tokens(vocab_->strings().add(key), patterns, greedy);
    }
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add(std::string_view key, const std::vector<basic_token_pattern<String>>& patterns,
             greedy_filter greedy = greedy_filter::none) {
      add(key, std::span<const basic_token_pattern<String>>(patterns), greedy);
    }
    /// As `add`, with `key` used as given (not interned; any 64-bit value).
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add_with_hash(hash_t key, std::span<const basic_token_pattern<String>> patterns,
                       greedy_filter greedy = greedy_filter::none) {
      for (std::size_t i = 0; i < patterns.size(); ++i) validate_token_pattern(patterns[i], i);
      stage_tokens(key, patterns, greedy);
    }

    /// Stages phrase patterns, each given as its token texts, compared on `attr` (not `spacy`).
    /// For ORTH only the texts are interned; other attributes read permanent lexemes (`vocab.get`).
    /// Throws: `pattern_error` (empty phrase, empty or invalid UTF-8 token text, `spacy`),
    /// `hash_collision`, `std::bad_alloc`, what the vocab's traits throw.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add_phrases(std::string_view key, std::span<const std::vector<String>> phrases,
                     token_attr attr = token_attr::orth) {
      validate_phrases(phrases, attr);
      stage_phrases(vocab_->strings().add(key), phrases, attr);
    }
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add_phrases_with_hash(hash_t key, std::span<const std::vector<String>> phrases,
                               token_attr attr = token_attr::orth) {
      validate_phrases(phrases, attr);
      stage_phrases(key, phrases, attr);
    }
    /// Stages phrase patterns given as docs (spaCy's `PhraseMatcher.add(key, [nlp.make_doc(...)])`):
    /// their token values are copied, token norms included; the docs may be of any scope and need not
    /// outlive the call. Throws: `pattern_error` (empty doc, `spacy`), `zone_closed`, `hash_collision`,
    /// `std::bad_alloc`.
    void add_phrase_docs(std::string_view key, std::span<const doc_type> docs, token_attr attr = token_attr::orth) {
      check_phrase_attr(attr);
      for (std::size_t i = 0; i < docs.size(); ++i)
        if (docs[i].empty()) throw pattern_error(i, "a phrase pattern needs at least one token");
      const hash_t k = vocab_->strings().add(key);
      std::vector<staged_phrase> staged;
      staged.reserve(docs.size());
      for (const auto& d : docs) {
        staged_phrase p{k, 0, attr, {}};
        p.values.reserve(d.size());
        for (const auto& r : d.token_records()) p.values.push_back(detail::phrase_value(r, attr));
        staged.push_back(std::move(p));
      }
      append_phrases(std::move(staged));
    }

    /// Number of patterns staged. Throws: nothing.
    [[nodiscard]] std::size_t size() const noexcept { return count_; }

   private:
    friend class matcher;
    explicit batch(const matcher& owner) noexcept : owner_(&owner), vocab_(owner.vocab_) {}

    struct staged_token {
      hash_t key = 0;
      std::uint32_t order = 0;
      std::vector<detail::compiled_element> elements;
      std::vector<detail::compiled_test> tests;
      std::vector<std::uint64_t> sets;
      detail::pattern_entry entry;
    };
    struct staged_phrase {
      hash_t key = 0;
      std::uint32_t order = 0;
      token_attr attr = token_attr::orth;
      std::vector<std::uint64_t> values;
    };

    static void check_phrase_attr(token_attr attr) {
      if (static_cast<std::size_t>(attr) >= detail::attr_names.size() || attr == token_attr::spacy)
        throw pattern_error(0, "phrase patterns cannot compare " + std::string(token_attr_name(attr)),
                            pattern_error::reason::unsupported);
    }

    template <class String>
    static void validate_phrases(std::span<const std::vector<String>> phrases, token_attr attr) {
      check_phrase_attr(attr);
      for (std::size_t i = 0; i < phrases.size(); ++i) {
        if (phrases[i].empty()) throw pattern_error(i, "a phrase pattern needs at least one token");
        for (const String& w : phrases[i]) {
          const std::string_view s(w);
          if (s.empty()) throw pattern_error(i, "a phrase token is empty");
          if (!unicode::is_valid(s)) throw pattern_error(i, "phrase text is not valid UTF-8");
        }
      }
    }

    template <class String>
    void stage_phrases(hash_t key, std::span<const std::vector<String>> phrases, token_attr attr) {
      std::vector<staged_phrase> staged;
      staged.reserve(phrases.size());
      for (const auto& words : phrases) {
        staged_phrase p{key, 0, attr, {}};
        p.values.reserve(words.size());
        for (const String& w : words) {
          const std::string_view s(w);
          if (attr == token_attr::orth) {
            p.values.push_back(vocab_->strings().add(s));
          } else {
            const auto& lex = vocab_->add(s);
            typename doc_type::token_record r{&lex, 0, 0, 0, 0, false};
            p.values.push_back(detail::phrase_value(r, attr));
          }
        }
        staged.push_back(std::move(p));
      }
      append_phrases(std::move(staged));
    }

    void append_phrases(std::vector<staged_phrase> staged) {
      phrases_.reserve(phrases_.size() + staged.size());
      for (auto& p : staged) {
        p.order = static_cast<std::uint32_t>(count_++);
        phrases_.push_back(std::move(p));
      }
    }

    template <class String>
    void stage_tokens(hash_t key, std::span<const basic_token_pattern<String>> patterns, greedy_filter greedy) {
      std::vector<staged_token> staged;
      staged.reserve(patterns.size());
      for (const auto& p : patterns) staged.push_back(compile(key, p));
      greedy_.reserve(greedy_.size() + 1);
      tokens_.reserve(tokens_.size() + staged.size());
      for (auto& s : staged) {
        s.order = static_cast<std::uint32_t>(count_++);
        tokens_.push_back(std::move(s));
      }
      greedy_.emplace_back(key, greedy);
    }

    template <class String>
    staged_token compile(hash_t key, const basic_token_pattern<String>& pattern) {
      using detail::compiled_element;
      using detail::compiled_test;
      using detail::element_kind;
      using detail::match_field;
      staged_token st{key, 0, {}, {}, {}, {}};
      for (const auto& spec : pattern.tokens) {
        compiled_element base;
        base.test_begin = static_cast<std::uint32_t>(st.tests.size());
        for (const auto& c : spec.constraints) {
          if (detail::is_flag_attr(c.attr)) {
            const std::uint32_t bit = detail::flag_bit(c.attr);
            const std::uint32_t want = c.flag ? bit : 0u;
            if ((base.flag_mask & bit) != 0 && (base.flag_want & bit) != want) base.never = true;
            base.flag_mask |= bit;
            base.flag_want = (base.flag_want & ~bit) | want;
            continue;
          }
          const auto field = static_cast<match_field>(c.attr);
          compiled_test t;
          t.field = field;
          t.op = c.predicate;
          auto add_set = [&](std::vector<std::uint64_t> values) {
            std::sort(values.begin(), values.end());
            values.erase(std::unique(values.begin(), values.end()), values.end());
            t.set_begin = static_cast<std::uint32_t>(st.sets.size());
            st.sets.insert(st.sets.end(), values.begin(), values.end());
            t.set_end = static_cast<std::uint32_t>(st.sets.size());
          };
          if (detail::is_string_attr(c.attr)) {
            if (c.predicate == attr_predicate::equal) {
              t.value = vocab_->strings().add(std::string_view(c.strings.front()));
            } else {
              std::vector<std::uint64_t> hs;
              hs.reserve(c.strings.size());
              for (const String& s : c.strings) hs.push_back(vocab_->strings().add(std::string_view(s)));
              add_set(std::move(hs));
            }
          } else {  // length
            switch (c.predicate) {
              case attr_predicate::equal:
                if (!detail::is_integral_length(c.numbers.front())) {
                  base.never = true;
                  continue;
                }
                t.value = static_cast<std::uint64_t>(c.numbers.front());
                break;
              case attr_predicate::not_equal:
                if (!detail::is_integral_length(c.numbers.front())) continue;  // always true
                t.value = static_cast<std::uint64_t>(c.numbers.front());
                break;
              case attr_predicate::in:
              case attr_predicate::not_in: {
                std::vector<std::uint64_t> vs;
                for (double v : c.numbers)
                  if (detail::is_integral_length(v)) vs.push_back(static_cast<std::uint64_t>(v));
                add_set(std::move(vs));
                break;
              }
              default: t.number = c.numbers.front(); break;
            }
          }
          st.tests.push_back(t);
        }
        base.test_end = static_cast<std::uint32_t>(st.tests.size());
        const token_quantifier q = spec.quantifier;
        if (q.negated) {
          base.kind = element_kind::negated;
          st.elements.push_back(base);
          continue;
        }
        base.kind = element_kind::one;
        for (std::uint32_t i = 0; i < q.min; ++i) st.elements.push_back(base);
        if (q.max == token_quantifier::unbounded) {
          base.kind = element_kind::star;
          st.elements.push_back(base);
        } else {
          base.kind = element_kind::optional;
          for (std::uint32_t i = q.min; i < q.max; ++i) st.elements.push_back(base);
        }
      }
      st.entry = entry_of(st);
      return st;
    }

    // The field whose values the first consumed token must take, and those values; scan otherwise.
    static detail::pattern_entry entry_of(const staged_token& st) {
      using detail::element_kind;
      std::size_t last = 0;  // entry elements: 0..last (the first non-skippable one included)
      while (last < st.elements.size() &&
             (st.elements[last].kind == element_kind::optional || st.elements[last].kind == element_kind::star))
        ++last;
      if (last == st.elements.size() && last > 0) --last;
      for (std::uint8_t f = 0; f < detail::indexed_field_count; ++f) {
        detail::pattern_entry e{f, {}};
        bool ok = true;
        for (std::size_t i = 0; ok && i <= last && i < st.elements.size(); ++i) {
          const auto& el = st.elements[i];
          if (el.kind == element_kind::negated) {
            ok = false;
            break;
          }
          if (el.never) continue;
          bool found = false;
          for (std::uint32_t k = el.test_begin; k < el.test_end && !found; ++k) {
            const auto& t = st.tests[k];
            if (static_cast<std::uint8_t>(t.field) != f) continue;
            if (t.op == attr_predicate::equal) {
              e.keys.push_back(t.value);
              found = true;
            } else if (t.op == attr_predicate::in) {
              e.keys.insert(e.keys.end(), st.sets.begin() + t.set_begin, st.sets.begin() + t.set_end);
              found = true;
            }
          }
          ok = found;
        }
        if (ok) {
          std::sort(e.keys.begin(), e.keys.end());
          e.keys.erase(std::unique(e.keys.begin(), e.keys.end()), e.keys.end());
          return e;
        }
      }
      return detail::pattern_entry{detail::scan_field, {}};
    }

    const matcher* owner_;
    Vocab* vocab_;
    std::size_t count_ = 0;
    std::vector<staged_token> tokens_;
    std::vector<staged_phrase> phrases_;
    std::vector<std::pair<hash_t, greedy_filter>> greedy_;
  };

  /// A matcher over `vocab` (which must outlive it). Complexity: O(1). Throws: nothing.
  explicit matcher(Vocab& vocab LEXZONE_LIFETIMEBOUND) noexcept : vocab_(&vocab) {}

  /// An empty batch for this matcher. Throws: nothing.
  [[nodiscard]] batch make_batch() const noexcept { return batch(*this); }

  /// Adds everything `b` staged, atomically. Complexity: O(staged size) expected.
  /// Throws: `std::invalid_argument` if `b` was made by another matcher, `std::bad_alloc`; strong
  /// guarantee. On success `b` is left empty.
  void commit(batch& b) {
    if (b.owner_ != this) throw std::invalid_argument("lexzone: matcher batch committed to another matcher");
    commit_impl(b);
  }
  void commit(batch&& b) { commit(b); }

  /// Adds token `patterns` under `key` (interned permanently; the match key is its id) with `greedy`
  /// filtering for the key (replacing any earlier filter of the key, as spaCy does). All-or-nothing.
  /// Complexity: O(pattern size) expected per pattern. Throws: `pattern_error` (index within
  /// `patterns`), `hash_collision`, `std::bad_alloc`.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add(std::string_view key, std::span<const basic_token_pattern<String>> patterns,
           greedy_filter greedy = greedy_filter::none) {
    batch b(*this);
    b.add(key, patterns, greedy);
    commit_impl(b);
  }
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add(std::string_view key, const std::vector<basic_token_pattern<String>>& patterns,
           greedy_filter greedy = greedy_filter::none) {
    add(key, std::span<const basic_token_pattern<String>>(patterns), greedy);
  }
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add(std::string_view key, const basic_token_pattern<String>& pattern,
           greedy_filter greedy = greedy_filter::none) {
    add(key, std::span<const basic_token_pattern<String>>(&pattern, 1), greedy);
  }
  /// As `add`, with a caller-chosen key value (not interned). Throws: as `add`.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_with_hash(hash_t key, std::span<const basic_token_pattern<String>> patterns,
                     greedy_filter greedy = greedy_filter::none) {
    batch b(*this);
    b.add_with_hash(key, patterns, greedy);
    commit_impl(b);
  }

  /// Adds phrase patterns (token texts) under `key`, compared on `attr`. All-or-nothing.
  /// Complexity: O(total tokens) expected. Throws: see `batch::add_phrases`.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_phrases(std::string_view key, std::span<const std::vector<String>> phrases,
                   token_attr attr = token_attr::orth) {
    batch b(*this);
    b.add_phrases(key, phrases, attr);
    commit_impl(b);
  }
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_phrases(std::string_view key, const std::vector<std::vector<String>>& phrases,
                   token_attr attr = token_attr::orth) {
    add_phrases(key, std::span<const std::vector<String>>(phrases), attr);
  }
  /// Adds phrase patterns given as docs (token norms included). Throws: see `batch::add_phrase_docs`.
  void add_phrase_docs(std::string_view key, std::span<const doc_type> docs, token_attr attr = token_attr::orth) {
    batch b(*this);
    b.add_phrase_docs(key, docs, attr);
    commit_impl(b);
  }

  /// Number of patterns added (token and phrase). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return pattern_count_; }
  [[nodiscard]] bool empty() const noexcept { return pattern_count_ == 0; }
  /// The filter set for `key` (`none` if it has none). Throws: nothing.
  [[nodiscard]] greedy_filter filter(hash_t key) const noexcept {
    const auto it = greedy_.find(key);
    return it == greedy_.end() ? greedy_filter::none : it->second;
  }
  [[nodiscard]] Vocab& vocab() const noexcept { return *vocab_; }

  /// All matches in `doc`, ordered by end, start, pattern (see the file comment).
  /// Complexity: O(n · c · r + m log m) for n tokens, c candidate patterns per token (indexed, plus the
  /// scan list and tries), r the length of a match attempt, m raw matches. Interns nothing; never
  /// allocates per token. Thread safety: const; concurrent calls are safe. Lifetime: results are values.
  /// Throws: `zone_closed` (checked builds, doc of a closed zone), `std::bad_alloc`.
  [[nodiscard]] std::vector<pattern_match> operator()(const doc_type& doc) const {
    std::vector<pattern_match> out;
    match(doc, out);
    return out;
  }

  /// As `operator()`, into `out` (cleared first; its capacity is reused). Throws: as `operator()`.
  void match(const doc_type& doc, std::vector<pattern_match>& out) const {
    out.clear();
    const auto recs = doc.token_records();
    const std::size_t n = recs.size();
    if (n == 0 || pattern_count_ == 0) return;
    std::array<std::uint64_t, 8> small{};
    std::vector<std::uint64_t> big;
    std::uint64_t* scratch = small.data();
    if (2 * static_cast<std::size_t>(max_words_) > small.size()) {
      big.resize(2 * static_cast<std::size_t>(max_words_));
      scratch = big.data();
    }
    for (std::size_t s = 0; s < n; ++s) {
      const auto& r = recs[s];
      for (std::size_t f = 0; f < detail::indexed_field_count; ++f) {
        if (index_[f].empty()) continue;
        const auto it = index_[f].find(detail::field_value(r, static_cast<detail::match_field>(f)));
        if (it == index_[f].end()) continue;
        for (const std::uint32_t p : it->second) run(patterns_[p], recs, s, scratch, out);
      }
      for (const std::uint32_t p : scan_) run(patterns_[p], recs, s, scratch, out);
      for (const auto& trie : tries_) walk(trie, recs, s, out);
    }
    finish(out, n);
  }

 private:
  using record_type = typename doc_type::token_record;

  bool accepts(const detail::compiled_element& el, const record_type& r) const noexcept {
    bool ok = !el.never && (detail::token_flags(r) & el.flag_mask) == el.flag_want;
    for (std::uint32_t k = el.test_begin; ok && k < el.test_end; ++k) {
      const detail::compiled_test& t = tests_[k];
      const std::uint64_t v = detail::field_value(r, t.field);
      switch (t.op) {
        case attr_predicate::equal: ok = v == t.value; break;
        case attr_predicate::not_equal: ok = v != t.value; break;
        case attr_predicate::in:
          ok = std::binary_search(set_values_.begin() + t.set_begin, set_values_.begin() + t.set_end, v);
          break;
        case attr_predicate::not_in:
          ok = !std::binary_search(set_values_.begin() + t.set_begin, set_values_.begin() + t.set_end, v);
          break;
        case attr_predicate::greater_equal: ok = static_cast<double>(v) >= t.number; break;
        case attr_predicate::less_equal: ok = static_cast<double>(v) <= t.number; break;
        case attr_predicate::greater: ok = static_cast<double>(v) > t.number; break;
        case attr_predicate::less: ok = static_cast<double>(v) < t.number; break;
      }
    }
    return el.kind == detail::element_kind::negated ? !ok : ok;
  }

  // Simulates the pattern's NFA from token `s`: a bit per compiled element (bit E: matched).
  void run(const detail::compiled_pattern& p, std::span<const record_type> recs, std::size_t s, std::uint64_t* scratch,
           std::vector<pattern_match>& out) const {
    const std::uint32_t count = p.elem_count;
    const std::uint32_t words = p.words();
    std::uint64_t* cur = scratch;
    std::uint64_t* next = scratch + words;
    const std::uint64_t* skip = skip_words_.data() + p.skip_begin;
    const detail::compiled_element* el = elements_.data() + p.elem_begin;
    std::fill(cur, cur + words, 0);
    cur[0] = 1;
    detail::close_states(cur, skip, words);
    for (std::size_t pos = s; pos < recs.size(); ++pos) {
      std::fill(next, next + words, 0);
      bool any = false;
      for (std::uint32_t w = 0; w < words; ++w) {
        std::uint64_t bits = cur[w];
        while (bits != 0) {
          const std::uint32_t i = w * 64 + static_cast<std::uint32_t>(std::countr_zero(bits));
          bits &= bits - 1;
          if (i >= count || !accepts(el[i], recs[pos])) continue;
          const std::uint32_t target = el[i].kind == detail::element_kind::star ? i : i + 1;
          next[target >> 6] |= std::uint64_t{1} << (target & 63);
          any = true;
        }
      }
      if (!any) return;
      detail::close_states(next, skip, words);
      if ((next[count >> 6] >> (count & 63)) & 1u)
        out.push_back(
            pattern_match{p.key, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(pos + 1), p.index});
      std::swap(cur, next);
    }
  }

  void walk(const detail::phrase_trie& trie, std::span<const record_type> recs, std::size_t s,
            std::vector<pattern_match>& out) const {
    std::uint32_t node = 0;
    for (std::size_t pos = s; pos < recs.size(); ++pos) {
      const auto it = trie.edges.find(detail::edge_key{node, detail::phrase_value(recs[pos], trie.attr)});
      if (it == trie.edges.end()) return;
      node = it->second;
      for (const auto& t : trie.terminals[node])
        out.push_back(
            pattern_match{t.key, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(pos + 1), t.index});
    }
  }

  // Deduplicates per (key, start, end), applies the greedy filters, orders by (end, start, pattern).
  void finish(std::vector<pattern_match>& out, std::size_t n) const {
    if (out.empty()) return;
    std::sort(out.begin(), out.end(), [](const pattern_match& a, const pattern_match& b) {
      if (a.key != b.key) return a.key < b.key;
      if (a.start != b.start) return a.start < b.start;
      if (a.end != b.end) return a.end < b.end;
      return a.pattern < b.pattern;
    });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const pattern_match& a, const pattern_match& b) {
                            return a.key == b.key && a.start == b.start && a.end == b.end;
                          }),
              out.end());
    if (!greedy_.empty()) apply_greedy(out, n);
    std::sort(out.begin(), out.end(), [](const pattern_match& a, const pattern_match& b) {
      if (a.end != b.end) return a.end < b.end;
      if (a.start != b.start) return a.start < b.start;
      return a.pattern < b.pattern;
    });
  }

  void apply_greedy(std::vector<pattern_match>& out, std::size_t n) const {
    std::vector<pattern_match> kept;
    kept.reserve(out.size());
    std::vector<pattern_match> group;
    std::vector<std::uint32_t> stamp;
    std::uint32_t generation = 0;
    for (std::size_t i = 0; i < out.size();) {
      std::size_t j = i;
      while (j < out.size() && out[j].key == out[i].key) ++j;
      const greedy_filter g = filter(out[i].key);
      if (g == greedy_filter::none) {
        kept.insert(kept.end(), out.begin() + static_cast<std::ptrdiff_t>(i),
                    out.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
        continue;
      }
      group.assign(out.begin() + static_cast<std::ptrdiff_t>(i), out.begin() + static_cast<std::ptrdiff_t>(j));
      if (g == greedy_filter::first) {
        std::sort(group.begin(), group.end(), [](const pattern_match& a, const pattern_match& b) {
          return a.start != b.start ? a.start < b.start : a.end > b.end;
        });
      } else {
        std::sort(group.begin(), group.end(), [](const pattern_match& a, const pattern_match& b) {
          const auto la = a.end - a.start, lb = b.end - b.start;
          return la != lb ? la > lb : a.start < b.start;
        });
      }
      if (stamp.empty()) stamp.assign(n, 0);
      ++generation;
      for (const auto& m : group) {
        bool free = true;
        for (std::uint32_t t = m.start; free && t < m.end; ++t) free = stamp[t] != generation;
        if (!free) continue;
        for (std::uint32_t t = m.start; t < m.end; ++t) stamp[t] = generation;
        kept.push_back(m);
      }
      i = j;
    }
    out.swap(kept);
  }

  void commit_impl(batch& b) {
    using detail::element_kind;
    // Greedy filters: built aside, swapped in at the end (no throw after the swap point).
    bool sets_filter = false;
    for (const auto& g : b.greedy_) sets_filter = sets_filter || g.second != greedy_filter::none;
    decltype(greedy_) new_greedy;
    if (sets_filter) {
      new_greedy = greedy_;
      for (const auto& [key, g] : b.greedy_) {
        if (g == greedy_filter::none) new_greedy.erase(key);
        else new_greedy[key] = g;
      }
    }

    const std::size_t old_patterns = patterns_.size(), old_elements = elements_.size(), old_tests = tests_.size(),
                      old_sets = set_values_.size(), old_skip = skip_words_.size(), old_scan = scan_.size(),
                      old_tries = tries_.size();
    std::vector<std::size_t> old_nodes;
    for (const auto& t : tries_) old_nodes.push_back(t.terminals.size());
    // Rollback journals, reserved up front so that journaling cannot throw.
    std::size_t index_pushes = 0, trie_steps = 0;
    for (const auto& st : b.tokens_) index_pushes += st.entry.keys.size();
    for (const auto& ph : b.phrases_) trie_steps += ph.values.size();
    std::vector<std::pair<std::uint8_t, std::uint64_t>> index_journal;
    std::vector<std::pair<std::size_t, detail::edge_key>> edge_journal;
    std::vector<std::pair<std::size_t, std::uint32_t>> terminal_journal;
    index_journal.reserve(index_pushes);
    edge_journal.reserve(trie_steps);
    terminal_journal.reserve(b.phrases_.size());
    std::uint32_t max_words = max_words_;
    try {
      for (const auto& st : b.tokens_) {
        detail::compiled_pattern p;
        p.key = st.key;
        p.index = static_cast<std::uint32_t>(pattern_count_ + st.order);
        p.elem_begin = static_cast<std::uint32_t>(elements_.size());
        p.elem_count = static_cast<std::uint32_t>(st.elements.size());
        p.skip_begin = static_cast<std::uint32_t>(skip_words_.size());
        const auto test_base = static_cast<std::uint32_t>(tests_.size());
        const auto set_base = static_cast<std::uint32_t>(set_values_.size());
        for (auto t : st.tests) {
          t.set_begin += set_base;
          t.set_end += set_base;
          tests_.push_back(t);
        }
        set_values_.insert(set_values_.end(), st.sets.begin(), st.sets.end());
        for (auto e : st.elements) {
          e.test_begin += test_base;
          e.test_end += test_base;
          elements_.push_back(e);
        }
        const std::uint32_t words = p.words();
        skip_words_.resize(skip_words_.size() + words, 0);
        for (std::uint32_t i = 0; i < p.elem_count; ++i) {
          const auto k = st.elements[i].kind;
          if (k == element_kind::optional || k == element_kind::star)
            skip_words_[p.skip_begin + (i >> 6)] |= std::uint64_t{1} << (i & 63);
        }
        max_words = std::max(max_words, words);
        const auto id = static_cast<std::uint32_t>(patterns_.size());
        patterns_.push_back(p);
        if (st.entry.field == detail::scan_field) {
          scan_.push_back(id);
        } else {
          for (const std::uint64_t key : st.entry.keys) {
            index_[st.entry.field][key].push_back(id);
            index_journal.emplace_back(st.entry.field, key);
          }
        }
      }
      for (const auto& ph : b.phrases_) {
        std::size_t ti = 0;
        while (ti < tries_.size() && tries_[ti].attr != ph.attr) ++ti;
        if (ti == tries_.size()) {
          tries_.emplace_back();
          tries_.back().attr = ph.attr;
        }
        detail::phrase_trie& trie = tries_[ti];
        std::uint32_t node = 0;
        for (const std::uint64_t v : ph.values) {
          const detail::edge_key k{node, v};
          const auto it = trie.edges.find(k);
          if (it != trie.edges.end()) {
            node = it->second;
            continue;
          }
          const auto child = static_cast<std::uint32_t>(trie.terminals.size());
          trie.terminals.emplace_back();
          try {
            trie.edges.emplace(k, child);
          } catch (...) {
            trie.terminals.pop_back();
            throw;
          }
          edge_journal.emplace_back(ti, k);
          node = child;
        }
        trie.terminals[node].push_back({ph.key, static_cast<std::uint32_t>(pattern_count_ + ph.order)});
        terminal_journal.emplace_back(ti, node);
      }
    } catch (...) {
      // Undone in reverse order. NOLINTBEGIN(modernize-loop-convert): std::views::reverse does not
      // build with clang 14 and libstdc++ 12.
      for (auto it = terminal_journal.rbegin(); it != terminal_journal.rend(); ++it)
        tries_[it->first].terminals[it->second].pop_back();
      for (auto it = edge_journal.rbegin(); it != edge_journal.rend(); ++it) tries_[it->first].edges.erase(it->second);
      for (std::size_t t = 0; t < old_nodes.size(); ++t) tries_[t].terminals.resize(old_nodes[t]);
      tries_.resize(old_tries);
      for (auto it = index_journal.rbegin(); it != index_journal.rend(); ++it) {
        auto& map = index_[it->first];
        auto found = map.find(it->second);
        found->second.pop_back();
        if (found->second.empty()) map.erase(found);
      }
      // NOLINTEND(modernize-loop-convert)
      scan_.resize(old_scan);
      patterns_.resize(old_patterns);
      elements_.resize(old_elements);
      tests_.resize(old_tests);
      set_values_.resize(old_sets);
      skip_words_.resize(old_skip);
      throw;
    }
    if (sets_filter) {
      greedy_.swap(new_greedy);
    } else {
      for (const auto& g : b.greedy_) greedy_.erase(g.first);
    }
    max_words_ = max_words;
    pattern_count_ += b.count_;
    b.tokens_.clear();
    b.phrases_.clear();
    b.greedy_.clear();
    b.count_ = 0;
  }

  Vocab* vocab_;
  std::size_t pattern_count_ = 0;
  std::uint32_t max_words_ = 1;
  std::vector<detail::compiled_pattern> patterns_;
  std::vector<detail::compiled_element> elements_;
  std::vector<detail::compiled_test> tests_;
  std::vector<std::uint64_t> set_values_;
  std::vector<std::uint64_t> skip_words_;
  std::array<std::unordered_map<std::uint64_t, std::vector<std::uint32_t>, detail::id_hash>,
             detail::indexed_field_count>
      index_{};
  std::vector<std::uint32_t> scan_;
  std::vector<detail::phrase_trie> tries_;
  std::unordered_map<hash_t, greedy_filter, detail::id_hash> greedy_;
};

}  // namespace lexzone
