/// \file detail/match_program.hpp
/// The compiled form of a matcher's patterns (internal): what detail/match_compiler.hpp produces and
/// what `lexzone::matcher` (matcher.hpp) executes. Nothing here interns, validates or knows JSON.
///
/// ## Token patterns: a bit-parallel NFA
/// A token pattern compiles to a run of *elements*, one per token its quantifiers can consume:
/// `{n,m}` gives n `one` elements then m-n `optional` ones, `{n,}` n `one` elements and a `star`,
/// `!` one `negated` element. Matching from token s keeps one bit per element ("reached"); bit
/// `elem_count` is the accept state. An element accepts a token when its flag mask matches and all its
/// tests pass (`match_program::accepts`); `optional` and `star` elements may be skipped (the `skip`
/// mask, closed over by `close_states`), and a `star` stays where it is when it consumes. Patterns of at
/// most 63 elements need one 64-bit word of state; longer ones (up to 4096) several.
///
/// An element's conditions come in two tiers:
/// - flags: `flag_mask`/`flag_want`, one AND and one compare on the token's flag word (lexeme flags
///   plus `spacy_flag_bit`);
/// - tests, `tests[test_begin, test_end)`: each compares one field value of the token (an id, or the
///   length) with a value, a sorted set (`set_values[set_begin, set_end)`) or a number (`test_op`).
///
/// ## Phrase patterns: one trie per attribute
/// Edges are keyed by (node, value); node 0 is the root; a node's `terminals` are the patterns that
/// end there.
///
/// ## Indexing: the first-token prefilter
/// A token pattern is listed in `starts` (detail/first_token_index.hpp) under the values that its
/// first consumed token must take on ORTH, LOWER, NORM or SHAPE (`pattern_entry`; an equality or an
/// `IN` list on every element that can consume the first token), so that matching tries it only where
/// one occurs. Each root edge of a phrase trie on one of these attributes is listed there too, under
/// its value, with the node it leads to. The rest is tried at every token: token patterns in `scan`,
/// each behind a flag test that every element able to consume the first token requires
/// (`scan_entry`; `LIKE_NUM`, `IS_TITLE`, ...), and tries on other attributes (`LENGTH`, flags) in
/// `root_tries`.
///
/// ## Text tests (REGEX)
/// A `REGEX` constraint compiles to a test with op `text_any` (some predicate holds) or `text_none` (none
/// does) whose `[set_begin, set_end)` indexes `match_program::texts`: the compiled predicates
/// (`text_predicate`, made by the matcher's `regex_compiler`), immutable and shared by copies of the
/// program. Such a test reads the text of its field: ORTH's is the lexeme's (`lex->text()`); LOWER, NORM
/// and SHAPE are ids whose strings may be transient, so their text comes through the doc
/// (`doc_text`, the doc's `string_of`). The compiler emits text tests after the value tests of their
/// element, so they run only when everything cheaper passed, and `entry_of` ignores them (they narrow no
/// index).
///
/// `accepts` takes the text source as a template argument. Matching a program without text tests passes
/// `no_text` (the matcher decides once per call, on `texts.empty()`: the compiler emits no text test
/// without a predicate, an empty `IN` list making the element `never`): that instantiation is the one that
/// existed before text tests, its text cases unreachable, so patterns without `REGEX` keep their cost.
///
/// Thread safety: a `match_program` is read concurrently by any number of matching threads; `append` is
/// the only writer and must not run concurrently with anything else on the same program.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../errors.hpp"
#include "../hash.hpp"
#include "../lexeme.hpp"
#include "../matcher/pattern.hpp"
#include "../matcher/text_predicate.hpp"
#include "first_token_index.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The token fields that tests compare (the first four share their values with `token_attr`).
enum class match_field : std::uint8_t { orth = 0, lower = 1, norm = 2, shape = 3, length = 4 };
/// Fields token patterns and trie roots are indexed by: orth, lower, norm, shape.
inline constexpr std::size_t indexed_field_count = 4;

/// How an element consumes tokens (see the file comment).
enum class element_kind : std::uint8_t { one, optional, star, negated };

/// What a compiled test does with the token's field value `v`.
enum class test_op : std::uint8_t {
  equal,          // v == value
  not_equal,      // v != value
  in_set,         // v in set_values[set_begin, set_end)
  not_in_set,     // v not in that set
  greater_equal,  // v >= number (length only)
  less_equal,     // v <= number
  greater,        // v > number
  less,           // v < number
  text_any,       // some predicate of texts[set_begin, set_end) holds for the field's text
  text_none,      // none of them holds
};

/// One test on one field of a token.
struct compiled_test {
  match_field field = match_field::orth;  ///< the field compared
  test_op op = test_op::equal;            ///< the comparison
  std::uint32_t set_begin = 0;            ///< set ops: first of the sorted unique values; text ops: first predicate
  std::uint32_t set_end = 0;              ///< set ops: one past the last value; text ops: past the last predicate
  std::uint64_t value = 0;                ///< equal/not_equal: the value
  double number = 0;                      ///< ordered comparisons (length): the bound
};

/// One token position of a compiled token pattern.
struct compiled_element {
  element_kind kind = element_kind::one;  ///< how it consumes tokens
  bool never = false;                     ///< the spec can match no token (contradictory constraints)
  std::uint32_t flag_mask = 0;            ///< flag bits the spec tests
  std::uint32_t flag_want = 0;            ///< their required values
  std::uint32_t test_begin = 0;           ///< first test in `match_program::tests`
  std::uint32_t test_end = 0;             ///< one past the last test
};

/// A token pattern in the program: its key, its index in the order of addition, and where its elements
/// and skip mask are.
struct compiled_pattern {
  hash_t key = 0;                ///< the match key
  std::uint32_t index = 0;       ///< position in the order of addition (`pattern_match::pattern`)
  std::uint32_t elem_begin = 0;  ///< first element in `match_program::elements`
  std::uint32_t elem_count = 0;  ///< number of elements
  std::uint32_t skip_begin = 0;  ///< first skip-mask word in `match_program::skip_words`
  /// 64-bit words of NFA state (elements plus the accept bit).
  [[nodiscard]] std::uint32_t words() const noexcept { return (elem_count + 64) / 64; }
};

/// Where a token pattern is indexed: by the values of one field its first token must take.
struct pattern_entry {
  std::uint8_t field = 0;             ///< an indexed `match_field`, or `scan_field`
  std::vector<std::uint64_t> keys{};  ///< the values (sorted, unique); empty for `scan_field`
};

/// `pattern_entry::field` of a pattern tried at every token.
inline constexpr std::uint8_t scan_field = static_cast<std::uint8_t>(indexed_field_count);

/// A token pattern tried at every token, behind a flag test: it is run from a token only when
/// `(token_flags & flag_mask) == flag_want` (mask 0: always).
struct scan_entry {
  std::uint32_t pattern = 0;    ///< index into `match_program::patterns`
  std::uint32_t flag_mask = 0;  ///< flag bits every element able to consume the first token tests alike
  std::uint32_t flag_want = 0;  ///< their required values
};

/// Bit set in the flag word for `token_attr::spacy` (lex_flag uses the low bits).
inline constexpr std::uint32_t spacy_flag_bit = 1u << 31;

/// The flag bit that `a` (a flag attribute) tests in the flag word; 0 for other attributes.
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

/// The value of field `f` of the token `r` (a doc's token record).
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

/// `accepts`'s text source for programs without text tests: provides no text.
struct no_text {};

/// `accepts`'s text source for programs with text tests: the text of a token's field, its string ids
/// resolved through `doc` (the doc the token records belong to).
template <class Doc>
struct doc_text {
  const Doc* doc;  ///< the doc matched
  /// The text of field `f` (orth, lower, norm or shape) of the token `r`. Throws: `zone_closed`
  /// (checked builds, doc of a closed zone).
  template <class Record>
  std::string_view operator()(const Record& r, match_field f) const {
    return f == match_field::orth ? r.lex->text() : doc->string_of(field_value(r, f));
  }
};

/// The flag word of the token `r`: its lexeme's flags, plus `spacy_flag_bit` when a space follows.
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

/// The flag test that every element able to consume a pattern's first token requires alike (the
/// elements from the first through the first that cannot be skipped; those that can match nothing left
/// out), as `scan_entry`'s (mask, want); (0, 0) when they share no flag test or one is negated.
[[nodiscard]] inline std::pair<std::uint32_t, std::uint32_t> start_flags(
    const std::vector<compiled_element>& elements) noexcept {
  std::uint32_t mask = ~0u, want = 0;
  bool first = true;
  for (const auto& el : elements) {
    if (el.kind == element_kind::negated) return {0, 0};
    if (!el.never) {
      if (first) want = el.flag_want;
      mask &= el.flag_mask & ~(el.flag_want ^ want);
      first = false;
    }
    if (el.kind == element_kind::one) break;
  }
  if (first) return {0, 0};
  return {mask, want & mask};
}

/// Epsilon closure of a one-word state (patterns of at most 63 elements): `bits` with, for every set
/// bit on a skippable element (`skip`), the next bit set too, and so on along each run of skippable
/// elements. One addition does it: adding to a run of `skip` bits its set bits carries from the lowest
/// of them through the bit past the run's end (`skip` has no bit 63: every element's bit is below the
/// accept bit). Complexity: O(1), whatever the length of the runs.
[[nodiscard]] constexpr std::uint64_t close_states(std::uint64_t bits, std::uint64_t skip) noexcept {
  return bits | ((skip + (bits & skip)) ^ skip);
}

/// Epsilon closure of a state of `words` words: as the one-word overload, the addition carried from
/// word to word (the top word has no skip bit at or above the accept bit, so nothing carries out).
/// Complexity: O(words).
inline void close_states(std::uint64_t* bits, const std::uint64_t* skip, std::uint32_t words) noexcept {
  std::uint64_t carry = 0;
  for (std::uint32_t w = 0; w < words; ++w) {
    const std::uint64_t partial = skip[w] + (bits[w] & skip[w]);
    const std::uint64_t sum = partial + carry;
    carry = static_cast<std::uint64_t>(partial < skip[w]) | static_cast<std::uint64_t>(sum < partial);
    bits[w] |= sum ^ skip[w];
  }
}

/// Key of a trie edge: (node, value).
struct edge_key {
  std::uint32_t node;   ///< the node the edge leaves
  std::uint64_t value;  ///< the token value it consumes
  /// Member-wise equality.
  friend constexpr bool operator==(const edge_key&, const edge_key&) = default;
};
/// Hash of an `edge_key` (a multiply-xorshift mix of both members).
struct edge_key_hash {
  /// The hash of `k`.
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
  /// A pattern that ends at a node.
  struct terminal {
    hash_t key;           ///< its match key
    std::uint32_t index;  ///< its position in the order of addition
  };
  token_attr attr = token_attr::orth;                                     ///< the attribute compared
  std::unordered_map<edge_key, std::uint32_t, edge_key_hash> edges{};     ///< (node, value) -> child node
  std::vector<std::vector<terminal>> terminals{std::vector<terminal>{}};  ///< per node: patterns ending there
};

/// True when phrase tries on `a` are indexed by their root edges' values (ORTH, LOWER, NORM, SHAPE).
[[nodiscard]] constexpr bool indexed_attr(token_attr a) noexcept {
  return static_cast<std::size_t>(a) < indexed_field_count;
}

/// Identity-ish hash for 64-bit ids that are already well mixed.
struct id_hash {
  /// The hash of `v`.
  std::size_t operator()(std::uint64_t v) const noexcept { return static_cast<std::size_t>(v ^ (v >> 32)); }
};

/// A compiled token pattern not yet in a program: element, test and set indices are relative to its own
/// vectors (`match_program::append` relocates them). `order`: its position among the patterns staged
/// together.
struct staged_token {
  hash_t key = 0;                          ///< the match key
  std::uint32_t order = 0;                 ///< position among the patterns staged together
  std::vector<compiled_element> elements;  ///< the elements (test indices into `tests`)
  std::vector<compiled_test> tests;        ///< the tests (set indices into `sets`)
  std::vector<std::uint64_t> sets;         ///< the values of its set tests
  pattern_entry entry;                     ///< where it is indexed
  std::vector<text_predicate> texts;       ///< the predicates of its text tests
};

/// A phrase pattern not yet in a program: the values its tokens must have on `attr`.
struct staged_phrase {
  hash_t key = 0;                      ///< the match key
  std::uint32_t order = 0;             ///< position among the patterns staged together
  token_attr attr = token_attr::orth;  ///< the attribute compared
  std::vector<std::uint64_t> values;   ///< one value per token
};

/// The most patterns (token and phrase) a matcher holds: their indexes are 31-bit.
inline constexpr std::size_t max_pattern_count = (std::size_t{1} << 31) - 1;

/// A key's greedy filter as staged: `none` removes the key's filter.
using staged_filter = std::pair<hash_t, greedy_filter>;

/// Every table a matcher reads while matching. Copyable (a copy shares only the immutable predicates of
/// `texts`).
struct match_program {
  std::size_t pattern_count = 0;           ///< token and phrase patterns
  std::uint32_t max_words = 1;             ///< the largest `compiled_pattern::words()`
  std::vector<compiled_pattern> patterns;  ///< the token patterns
  std::vector<compiled_element> elements;  ///< their elements, pattern after pattern
  std::vector<compiled_test> tests;        ///< the elements' tests
  std::vector<std::uint64_t> set_values;   ///< the tests' value sets
  std::vector<std::uint64_t> skip_words;   ///< per pattern: bit i set when element i may be skipped
  /// The first-token prefilter: value -> the token patterns and trie root edges it may start.
  first_token_index starts{};
  std::uint8_t start_fields = 0;  ///< bit `1 << field`: `starts` lists some
  std::vector<scan_entry> scan;   ///< token patterns tried at every token
  /// Unless `scan_always`, `scan` is looked at only for tokens whose flags share a bit with this: the
  /// union of the flags its entries require set (each requires one).
  std::uint32_t scan_gate = 0;
  bool scan_always = false;                                   ///< some `scan` entry requires no flag set
  std::vector<phrase_trie> tries;                             ///< phrase patterns, one trie per attribute
  std::vector<std::uint32_t> root_tries;                      ///< tries walked from every token (not indexed)
  std::unordered_map<hash_t, greedy_filter, id_hash> greedy;  ///< keys with a filter other than none
  std::vector<text_predicate> texts;                          ///< the predicates of the text tests

  /// The filter of `key` (`none` if it has none).
  [[nodiscard]] greedy_filter filter(hash_t key) const noexcept {
    const auto it = greedy.find(key);
    return it == greedy.end() ? greedy_filter::none : it->second;
  }

  /// Whether element `el` consumes the token `r` (a `negated` element: whether its spec does not match).
  /// Each test compares one field value of the token, or (text tests) calls predicates on the text of a
  /// field, which `text(r, field)` gives; `Text` is `no_text` when the program has no text tests. The
  /// switch on `test_op` is the one place that gives the ops their meaning. Throws: what `text` and the
  /// predicates throw (nothing for `no_text`).
  template <class Record, class Text = no_text>
  bool accepts(const compiled_element& el, const Record& r, Text text = {}) const
      noexcept(std::is_same_v<Text, no_text>) {
    bool ok = !el.never && (token_flags(r) & el.flag_mask) == el.flag_want;
    for (std::uint32_t k = el.test_begin; ok && k < el.test_end; ++k) {
      const compiled_test& t = tests[k];
      const std::uint64_t v = field_value(r, t.field);
      switch (t.op) {
        case test_op::equal: ok = v == t.value; break;
        case test_op::not_equal: ok = v != t.value; break;
        case test_op::in_set:
          ok = std::binary_search(set_values.begin() + t.set_begin, set_values.begin() + t.set_end, v);
          break;
        case test_op::not_in_set:
          ok = !std::binary_search(set_values.begin() + t.set_begin, set_values.begin() + t.set_end, v);
          break;
        case test_op::greater_equal: ok = static_cast<double>(v) >= t.number; break;
        case test_op::less_equal: ok = static_cast<double>(v) <= t.number; break;
        case test_op::greater: ok = static_cast<double>(v) > t.number; break;
        case test_op::less: ok = static_cast<double>(v) < t.number; break;
        case test_op::text_any:
        case test_op::text_none:
          // Never reached with `no_text` (passed only for programs without text tests), whose code then
          // stays that of the eight ops above.
          if constexpr (!std::is_same_v<Text, no_text>) {
            const std::string_view s = text(r, t.field);
            bool any = false;
            for (std::uint32_t p = t.set_begin; !any && p < t.set_end; ++p) any = texts[p](s);
            ok = any == (t.op == test_op::text_any);
          }
          break;
      }
    }
    return el.kind == element_kind::negated ? !ok : ok;
  }

  /// Adds the staged patterns (their `index` is `pattern_count + order`) and `filters` (in order; each
  /// replaces the key's filter), then adds `count` to `pattern_count`. Complexity: O(staged size)
  /// expected. Throws: `std::bad_alloc`, `capacity_error` past `max_pattern_count` patterns; strong
  /// guarantee (on a throw the program is unchanged).
  void append(const std::vector<staged_token>& tokens, const std::vector<staged_phrase>& phrases,
              const std::vector<staged_filter>& filters, std::size_t count) {
    if (count > max_pattern_count - pattern_count)
      throw capacity_error("lexzone: a matcher holds at most 2^31 - 1 patterns");
    // Greedy filters: built aside, swapped in at the end (no throw after the swap point).
    bool sets_filter = false;
    for (const auto& g : filters) sets_filter = sets_filter || g.second != greedy_filter::none;
    decltype(greedy) new_greedy;
    if (sets_filter) {
      new_greedy = greedy;
      for (const auto& [key, g] : filters) {
        if (g == greedy_filter::none) new_greedy.erase(key);
        else new_greedy[key] = g;
      }
    }

    const std::size_t old_patterns = patterns.size(), old_elements = elements.size(), old_tests = tests.size(),
                      old_sets = set_values.size(), old_skip = skip_words.size(), old_scan = scan.size(),
                      old_tries = tries.size(), old_texts = texts.size(), old_root_tries = root_tries.size();
    const first_token_index::mark old_starts = starts.position();
    std::uint8_t new_start_fields = start_fields;
    std::uint32_t new_scan_gate = scan_gate;
    bool new_scan_always = scan_always;
    std::vector<std::size_t> old_nodes;
    for (const auto& t : tries) old_nodes.push_back(t.terminals.size());
    // Rollback journals, reserved up front so that journaling cannot throw.
    std::size_t index_pushes = 0, trie_steps = 0;
    for (const auto& st : tokens) index_pushes += st.entry.keys.size();
    for (const auto& ph : phrases) trie_steps += ph.values.size();
    std::vector<std::uint64_t> index_journal;  // the values added to `starts`
    std::vector<std::pair<std::size_t, edge_key>> edge_journal;
    std::vector<std::pair<std::size_t, std::uint32_t>> terminal_journal;
    index_journal.reserve(index_pushes + trie_steps);
    edge_journal.reserve(trie_steps);
    terminal_journal.reserve(phrases.size());
    std::uint32_t new_max_words = max_words;
    try {
      for (const auto& st : tokens) {
        compiled_pattern p;
        p.key = st.key;
        p.index = static_cast<std::uint32_t>(pattern_count + st.order);
        p.elem_begin = static_cast<std::uint32_t>(elements.size());
        p.elem_count = static_cast<std::uint32_t>(st.elements.size());
        p.skip_begin = static_cast<std::uint32_t>(skip_words.size());
        const auto test_base = static_cast<std::uint32_t>(tests.size());
        const auto set_base = static_cast<std::uint32_t>(set_values.size());
        const auto text_base = static_cast<std::uint32_t>(texts.size());
        for (auto t : st.tests) {
          const bool text = t.op == test_op::text_any || t.op == test_op::text_none;
          t.set_begin += text ? text_base : set_base;
          t.set_end += text ? text_base : set_base;
          tests.push_back(t);
        }
        set_values.insert(set_values.end(), st.sets.begin(), st.sets.end());
        texts.insert(texts.end(), st.texts.begin(), st.texts.end());
        for (auto e : st.elements) {
          e.test_begin += test_base;
          e.test_end += test_base;
          elements.push_back(e);
        }
        const std::uint32_t words = p.words();
        skip_words.resize(skip_words.size() + words, 0);
        for (std::uint32_t i = 0; i < p.elem_count; ++i) {
          const auto k = st.elements[i].kind;
          if (k == element_kind::optional || k == element_kind::star)
            skip_words[p.skip_begin + (i >> 6)] |= std::uint64_t{1} << (i & 63);
        }
        new_max_words = std::max(new_max_words, words);
        const auto id = static_cast<std::uint32_t>(patterns.size());
        patterns.push_back(p);
        if (st.entry.field == scan_field) {
          const auto [mask, want] = start_flags(st.elements);
          scan.push_back(scan_entry{id, mask, want});
          new_scan_gate |= want;
          new_scan_always = new_scan_always || want == 0;
        } else {
          const auto bit = static_cast<std::uint8_t>(1u << st.entry.field);
          for (const std::uint64_t key : st.entry.keys) {
            starts.add(key, first_start{id, 0, bit, start_kind::pattern});
            index_journal.push_back(key);
          }
          if (!st.entry.keys.empty()) new_start_fields |= bit;
        }
      }
      for (const auto& ph : phrases) {
        std::size_t ti = 0;
        while (ti < tries.size() && tries[ti].attr != ph.attr) ++ti;
        if (ti == tries.size()) {
          if (!indexed_attr(ph.attr)) {
            root_tries.reserve(root_tries.size() + 1);
            root_tries.push_back(static_cast<std::uint32_t>(ti));  // reserved: cannot throw
          }
          tries.emplace_back();
          tries.back().attr = ph.attr;
        }
        phrase_trie& trie = tries[ti];
        std::uint32_t node = 0;
        for (const std::uint64_t v : ph.values) {
          const edge_key k{node, v};
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
          if (node == 0 && indexed_attr(ph.attr)) {
            const auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(ph.attr));
            starts.add(v, first_start{static_cast<std::uint32_t>(ti), child, bit, start_kind::trie});
            index_journal.push_back(v);
            new_start_fields |= bit;
          }
          node = child;
        }
        trie.terminals[node].push_back({ph.key, static_cast<std::uint32_t>(pattern_count + ph.order)});
        terminal_journal.emplace_back(ti, node);
      }
    } catch (...) {
      // Undone in reverse order. NOLINTBEGIN(modernize-loop-convert): std::views::reverse does not
      // build with clang 14 and libstdc++ 12.
      for (auto it = terminal_journal.rbegin(); it != terminal_journal.rend(); ++it)
        tries[it->first].terminals[it->second].pop_back();
      for (auto it = edge_journal.rbegin(); it != edge_journal.rend(); ++it) tries[it->first].edges.erase(it->second);
      for (std::size_t t = 0; t < old_nodes.size(); ++t) tries[t].terminals.resize(old_nodes[t]);
      tries.resize(old_tries);
      // NOLINTEND(modernize-loop-convert)
      starts.rollback(old_starts, index_journal);
      root_tries.resize(old_root_tries);
      scan.resize(old_scan);
      patterns.resize(old_patterns);
      elements.resize(old_elements);
      tests.resize(old_tests);
      set_values.resize(old_sets);
      texts.resize(old_texts);
      skip_words.resize(old_skip);
      throw;
    }
    if (sets_filter) {
      greedy.swap(new_greedy);
    } else {
      for (const auto& g : filters) greedy.erase(g.first);
    }
    max_words = new_max_words;
    start_fields = new_start_fields;
    scan_gate = new_scan_gate;
    scan_always = new_scan_always;
    pattern_count += count;
  }
};

}  // namespace lexzone::detail
