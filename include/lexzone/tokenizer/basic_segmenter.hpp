/// \file tokenizer/basic_segmenter.hpp
/// spaCy's tokenizer algorithm (`spacy/tokenizer.pyx`, v3.8), written once for any language: text in,
/// byte spans out (no vocabulary, no doc). The language comes in as a *rules policy*.
///
/// `basic_segmenter<Rules>` runs spaCy's `Tokenizer.__call__`: the whitespace pass, the per-chunk
/// special-case lookup, `_split_affixes` (prefix and suffix peeling with its special-case checks and
/// `token_match`), `_attach_tokens` (special cases, `token_match`, `url_match`, infixes), and the final
/// special-case matcher pass (`_apply_special_cases`) with `faster_heuristics`. It owns the special
/// cases; `Rules` answers the five regular-expression questions of a spaCy tokenizer:
///
/// | member of `Rules` (const)                      | spaCy                       | answer                      |
/// |------------------------------------------------|-----------------------------|-----------------------------|
/// | `std::size_t prefix_length(std::string_view s)`| `find_prefix(s)`            | bytes to peel off the front |
/// | `std::size_t suffix_length(std::string_view s)`| `find_suffix(s)`            | bytes to peel off the end   |
/// | `void for_each_infix(std::string_view s, F&& f)`| `infix_finditer(s)`        | `f(begin, end)` per match   |
/// | `bool token_match(std::string_view s)`         | `token_match(s)`            | keep `s` whole              |
/// | `bool url_match(std::string_view s)`           | `url_match(s)`              | keep `s` whole              |
///
/// - `prefix_length(s)`: 0 for no prefix, else the byte length of the first k code points of `s`, where k
///   is the length in code points of `prefix_search(s)`'s match (spaCy peels `s[:len(match)]` wherever
///   the match is). Must not exceed `s.size()`; a zero-width match is no prefix.
/// - `suffix_length(s)`: likewise, the byte length of the last k code points, k the length of
///   `suffix_search(s)`'s match.
/// - `for_each_infix(s, f)`: calls `f(std::size_t begin, std::size_t end)` with the byte offsets of each
///   match of `infix_finditer(s)`, left to right, without overlap; zero-width matches allowed (they split
///   `s` without making an infix piece). The segmenter ignores a match that starts at byte 0 (as spaCy
///   does) and one that starts before the end of the previous one or ends past `s`.
/// - `token_match(s)` and `url_match(s)`: whether the pattern matches at the start of `s`, as Python's
///   `re.match` (anchored at the start only; a pattern ending in `$` thereby matches the whole string,
///   or all but a final "\n"). spaCy's English has no token_match (always false) and uses URL_MATCH
///   (`lang::url_match`).
///
/// Optional: `std::size_t affix_scan_budget(std::size_t chunk_size)`. Each round of peeling asks the
/// rules about the whole remaining string, so a chunk of n affix characters (a run of thousands of ')')
/// costs O(n^2) when the answers cost O(|s|), as regular-expression searches do (spaCy's own tokenizer
/// is quadratic there too). When `Rules` has this member, a chunk stops peeling once the strings of its
/// rounds add up to more than the budget: what is left is its core (special case, token_match,
/// url_match, infixes), so the pieces still cover the text, but they may differ from spaCy's for that
/// chunk (a long chunk with many affixes). The English rules answer in O(1) a round and have no budget.
///
/// Every member must be callable concurrently from several threads (the segmenter's `const` members call
/// them), may throw only what the caller of the segmenter is told (std::bad_alloc at most, for the
/// English policy nothing), and, for speed, should be inlinable: the English rules
/// (`lang/en/punctuation.hpp`) are hand-compiled predicates. A policy backed by compiled regular
/// expressions (PCRE2, issue #12) answers with `pcre2_match` on the same strings: an unanchored search for
/// prefix and suffix (converting the match's code-point length into bytes at the start or end of `s`),
/// the usual finditer loop for infixes (advancing past empty matches as Python does), and a match
/// with PCRE2_ANCHORED for token_match and url_match; a missing pattern answers 0, nothing or false.
///
/// Output: `piece`s, byte spans into the caller's text. Every byte of the text belongs to exactly one
/// piece or to the single space recorded by a piece's `space_after`, so concatenating the pieces' text
/// (plus one space where `space_after`) gives the input back, whatever the bytes (invalid UTF-8 and NUL
/// included: an invalid byte decodes to U+DC80..U+DCFF, see `unicode/utf8.hpp`, and is kept).
///
/// Differences from spaCy: none known for valid UTF-8, except that no tokenizer cache is kept here (the
/// caller may keep one, by chunk text: see `segment_chunk`).
///
/// Thread safety: all `const` members may run concurrently on one segmenter; the modifiers
/// (`add_special_case`, `add_special_cases`, `remove_special_case`, `clear_special_cases`,
/// `set_faster_heuristics`) need exclusive access.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../detail/special_cases.hpp"
#include "../errors.hpp"
#include "../unicode/properties.hpp"
#include "../unicode/utf8.hpp"
#include "piece.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

namespace detail {
/// A callable of the shape `for_each_infix` calls, to state the `segmentation_rules` concept.
struct infix_callback_archetype {
  void operator()(std::size_t, std::size_t) const noexcept {}
};

/// Python's `str.isspace` for the ASCII bytes, as one table (the whitespace pass reads every byte).
inline constexpr std::array<bool, 128> ascii_space_table = [] {
  std::array<bool, 128> t{};
  for (char32_t c = 0; c < 128; ++c) t[c] = unicode::is_space(c);
  return t;
}();
// `plain_prefix` relies on it: every ASCII space is a byte below 0x21.
static_assert([] {
  for (std::size_t c = 0x21; c < 128; ++c)
    if (ascii_space_table[c]) return false;
  return true;
}());

/// How many of the bytes at `p` (8 readable) come before the first one that is below 0x21 (every ASCII
/// space is) or not ASCII: 8 when none is. One word's test instead of a test a byte, for the whitespace
/// pass's runs of word characters. Little-endian targets; elsewhere 0 (the caller goes byte by byte).
/// Complexity: O(1). Throws: nothing.
[[nodiscard]] inline std::size_t plain_prefix(const char* p) noexcept {
  if constexpr (std::endian::native != std::endian::little) {
    return 0;
  } else {
    constexpr std::uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    std::uint64_t w = 0;
    std::memcpy(&w, p, sizeof w);
    // High bit of a byte set: the byte is below 0x21 (exact for the lowest such byte; a borrow only
    // runs upwards) or is not ASCII.
    const std::uint64_t stop = (((w - ones * 0x21) & ~w) | w) & high;
    return stop == 0 ? 8 : static_cast<std::size_t>(std::countr_zero(stop)) / 8;
  }
}
}  // namespace detail

/// A rules policy of `basic_segmenter`: see the table at the top of tokenizer/basic_segmenter.hpp.
template <class R>
concept segmentation_rules = std::copy_constructible<R> &&
    requires(const R& r, std::string_view s, detail::infix_callback_archetype fn) {
  { r.prefix_length(s) } -> std::convertible_to<std::size_t>;
  { r.suffix_length(s) } -> std::convertible_to<std::size_t>;
  r.for_each_infix(s, fn);
  { r.token_match(s) } -> std::convertible_to<bool>;
  { r.url_match(s) } -> std::convertible_to<bool>;
};

/// spaCy's tokenizer algorithm over the rules policy `Rules` (see the file comment). Construction costs
/// nothing beyond copying `Rules`; segmentation allocates nothing except growth of the caller's output
/// vector (and scratch space for more than 32 suffixes in one chunk or a special-case matcher hit).
///
/// Copyable and movable (a copy owns its own special cases). Not thread-safe while being modified.
template <segmentation_rules Rules>
class basic_segmenter {
  static constexpr bool has_scan_budget = requires(const Rules& r, std::size_t n) {
    { r.affix_scan_budget(n) } -> std::convertible_to<std::size_t>;
  };

 public:
  using rules_type = Rules;  ///< the rules policy

  /// A segmenter with the rules `rules` and no special cases. Complexity: O(1).
  /// Throws: what moving `Rules` throws.
  explicit basic_segmenter(Rules rules = Rules{}) noexcept(std::is_nothrow_move_constructible_v<Rules>)
      : rules_(std::move(rules)) {}

  // ------------------------------------------------------------------------------------------------
  // Special cases
  // ------------------------------------------------------------------------------------------------

  /// Adds (or replaces) the special case `key` -> `pieces` (spaCy `add_special_case`). The rule is used
  /// for exact chunks and chunk cores, and, when `key` holds a prefix, suffix or infix match or a space
  /// (or always, without faster heuristics), by the special-case matcher pass.
  /// Throws: std::invalid_argument when the ORTHs do not join to `key` (spaCy E997), when `key` is empty
  /// or a piece's ORTH is empty (nothing changes then); lexzone::capacity_error past 4 GiB of rule text;
  /// std::bad_alloc. Invalidates the `norm` views of pieces made earlier.
  /// Complexity: a new key O(|key| + p log p) for p matcher patterns; replacing a key rebuilds the
  /// patterns: every key segmented by the rules again, O(total key size) rule calls plus p log p.
  void add_special_case(std::string_view key, std::span<const special_piece> pieces) {
    special_case_input input{key, pieces};
    add_special_cases(std::span<const special_case_input>(&input, 1));
  }

  /// `add_special_case` for a braced list: `seg.add_special_case("lorem", {{"lo"}, {"rem"}})`.
  /// Throws, complexity: as the `std::span` overload.
  void add_special_case(std::string_view key, std::initializer_list<special_piece> pieces) {
    add_special_case(key, std::span<const special_piece>(pieces.begin(), pieces.size()));
  }

  /// Adds many special cases at once (a later one replaces an earlier one with the same key), as
  /// spaCy's `rules` setter or a rule file does. `cases` is a range of objects `c` with a key `c.key`
  /// (convertible to std::string_view) and pieces, `c.begin()`..`c.end()` or else the range `c.tokens`,
  /// each with an `orth` (convertible to std::string_view) and a `norm` (the same, or an optional string:
  /// empty or nullopt for none). `en::tokenizer_exception` is such a case, and so is a rule file's
  /// `special_case` (key, tokens of ORTH and optional NORM).
  /// Throws: as `add_special_case`; every case is validated before any is added. Invalidates earlier
  /// `norm` views. Complexity: O(total key size + p log p) for p matcher patterns, plus one rebuild of the
  /// patterns (as `add_special_case`) when any case replaces a key.
  template <class Cases>
  void add_special_cases(const Cases& cases) {
    for (const auto& c : cases) detail::special_case_table::validate(std::string_view(c.key), pieces_of(c));
    bool any_replaced = false;
    for (const auto& c : cases) {
      const auto [index, replaced] = table_.store(std::string_view(c.key), pieces_of(c));
      any_replaced = any_replaced || replaced;
      // A new key's pattern is added now; a replaced key's old pattern goes in the one rebuild below (a
      // rule file repeating a key many times costs one rebuild, not one per repetition).
      if (!replaced && !any_replaced) add_pattern(index, matcher_);
    }
    if (any_replaced) {
      rebuild_after_edit();
    } else {
      matcher_.reindex(table_);
    }
  }

  /// Removes the special case `key`; returns false when there was none. Invalidates earlier `norm`
  /// views. Throws: std::bad_alloc, what the rules throw while the patterns are rebuilt. Complexity: a
  /// rebuild of the patterns (see `add_special_case`).
  bool remove_special_case(std::string_view key) {
    if (!table_.remove(key)) return false;
    rebuild_after_edit();
    return true;
  }

  /// Removes every special case (spaCy: `tokenizer.rules = {}`). Throws: nothing. Complexity: O(rules).
  void clear_special_cases() noexcept {
    table_.clear();
    matcher_.clear();
  }

  /// Number of special cases. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t special_case_count() const noexcept { return table_.size(); }

  /// Bytes of the special cases' keys and NORMs as stored. Replaced and removed cases leave theirs until
  /// they would make up more than half (the store is then rebuilt), so this stays below about twice the
  /// live cases' text (plus 4 KiB) however often the cases are edited. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t special_case_bytes() const noexcept { return table_.pool_size(); }

  /// True when `key` is a special case. Complexity: O(|key|). Throws: nothing.
  [[nodiscard]] bool has_special_case(std::string_view key) const noexcept { return table_.find(key) != nullptr; }

  /// spaCy's `faster_heuristics` (default true): when false, every special case also goes through the
  /// matcher pass, so e.g. `No--don't` gives `No -- do n't` under English rules. Throws: std::bad_alloc.
  /// Complexity: O(total key size + p log p) when it changes.
  void set_faster_heuristics(bool on) {
    if (on == faster_heuristics_) return;
    faster_heuristics_ = on;
    rebuild_patterns();
  }

  /// See `set_faster_heuristics`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool faster_heuristics() const noexcept { return faster_heuristics_; }

  /// The rules policy. Complexity: O(1). Throws: nothing. Lifetime: as the segmenter.
  [[nodiscard]] const Rules& rules() const noexcept { return rules_; }

  /// Replaces the rules policy (spaCy: assigning `prefix_search`, `suffix_search`, `infix_finditer`,
  /// `token_match` or `url_match`) and rebuilds the special-case matcher's patterns, which depend on the
  /// rules, as spaCy's `_reload_special_cases` does. The special cases stay.
  /// Throws: std::bad_alloc, what `Rules` throws while segmenting the keys; strong guarantee (on a throw
  /// the old rules and patterns stay). Complexity: O(total key size + p log p) for p matcher patterns.
  /// Invalidates the `norm` views of pieces made earlier.
  void replace_rules(Rules rules) {
    using std::swap;
    swap(rules_, rules);  // `rules` holds the old policy until the patterns are built
    try {
      matcher_ = build_patterns();
    } catch (...) {
      swap(rules_, rules);
      throw;
    }
  }

  /// Calls `f(std::string_view key, std::span<const piece> pieces)` for every special case, in the order
  /// the cases were added: its key and its pieces (offsets into `key`; `norm` empty when a piece has
  /// none), e.g. to intern them in a vocab or to write the rules out. Complexity: O(number of pieces).
  /// Throws: std::bad_alloc, what `f` throws. Lifetime: the views are valid until the segmenter is
  /// modified.
  template <class F>
  void for_each_special_case(F&& f) const {
    std::vector<piece> pieces;
    detail::label_sink<false> labels;
    for (std::uint32_t i = 0; i < table_.size(); ++i) {
      pieces.clear();
      table_.emit(table_[i], 0, pieces, labels);
      f(table_.key(i), std::span<const piece>(pieces));
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Segmentation
  // ------------------------------------------------------------------------------------------------

  /// Segments all of `text` and appends the pieces to `out` (offsets relative to `text`): the
  /// whitespace pass, every chunk through `segment_chunk`, then `apply_special_cases` on the new pieces.
  /// Throws: lexzone::capacity_error when `text` is 4 GiB or longer; std::bad_alloc; what `Rules`
  /// throws. Complexity: O(|text|) times the cost of the rules per byte (pathological inputs such as
  /// long runs of `@` stay O(|text| * runs) under the English rules). Thread safety: const.
  void segment(std::string_view text, std::vector<piece>& out) const {
    segment_with(text, out, [this](std::string_view chunk, std::uint32_t base, std::vector<piece>& o) {
      (void)segment_chunk(chunk, base, o);
    });
  }

  /// `segment` with the per-chunk step supplied by the caller, e.g. to consult a cache:
  /// `chunk_fn(std::string_view chunk, std::uint32_t base, std::vector<piece>& out)` must append the
  /// chunk's pieces (offsets `base + ...`, at least one piece) to `out`, as `segment_chunk` does. Chunks
  /// are maximal runs of non-space or of space code points, minus the single ' ' after a non-space run.
  /// Throws: as `segment`, plus whatever `chunk_fn` throws; std::logic_error when `chunk_fn` appends
  /// nothing. Complexity, thread safety: as `segment`.
  template <class ChunkFn>
  void segment_with(std::string_view text, std::vector<piece>& out, ChunkFn&& chunk_fn) const {
    check_size(text.size());
    const std::size_t first = out.size();
    whitespace_pass(text, out, chunk_fn);
    apply_special_cases(text, out, first);
  }

  /// Segments one chunk (a run of non-space code points, or a whitespace run that is not a single
  /// trailing ' ') without the doc-level matcher pass, appending pieces with offsets `base + ...` and
  /// `space_after == false`. Returns whether the result may be cached by chunk text, NORMs included,
  /// until the rules change: always true here, since it depends on nothing else. (spaCy does not cache a
  /// chunk that used a special case, #1250: its cache lost the other attributes a special case may set;
  /// a special case here sets only ORTH and NORM.) The tokenizer's concept lets another segmenter say
  /// false. Requires `chunk` non-empty. Throws: std::bad_alloc; what `Rules` throws. Complexity:
  /// O(|chunk|) rule calls. Thread safety: const.
  bool segment_chunk(std::string_view chunk, std::uint32_t base, std::vector<piece>& out) const {
    detail::label_sink<false> labels;
    (void)tokenize_chunk<true>(chunk, base, out, labels);  // reports whether a special case was used
    return true;
  }

  /// spaCy's `_apply_special_cases`: finds the special cases whose affix-only segmentation appears as
  /// consecutive pieces of `pieces[first..]`; takes the matches longest first, then leftmost, keeping one
  /// unless an end piece of it lies in a match taken before (kept or not, as spaCy's
  /// `_filter_special_spans`); and replaces a kept match by the rule's pieces when the text it covers
  /// (inner spaces included) is a rule key; the last new piece keeps the match's final `space_after`.
  /// Throws: std::bad_alloc (only when a match is found). Complexity: O(number of pieces).
  void apply_special_cases(std::string_view text, std::vector<piece>& pieces, std::size_t first = 0) const {
    detail::label_sink<false> labels;
    apply_special_cases_impl(text, pieces, first, labels);
  }

  /// spaCy's `Tokenizer.explain`: the pieces of `text` that are not white space, each with the rule that
  /// made it (`explained_piece::label()` gives spaCy's label: PREFIX, SUFFIX, INFIX, SPECIAL-n,
  /// TOKEN_MATCH, URL_MATCH, TOKEN). The pieces are exactly those of `segment(text)` minus the pieces
  /// that consist of white space only; a piece replaced by the matcher pass is SPECIAL-n.
  /// Throws: as `segment`. Complexity: O(|text|). Thread safety: const. Lifetime: offsets into `text`;
  /// `norm` views as for `segment`.
  [[nodiscard]] std::vector<explained_piece> explain(std::string_view text) const {
    check_size(text.size());
    std::vector<piece> pieces;
    detail::label_sink<true> labels;
    whitespace_pass(text, pieces, [&](std::string_view chunk, std::uint32_t base, std::vector<piece>& o) {
      (void)tokenize_chunk<true>(chunk, base, o, labels);
    });
    apply_special_cases_impl(text, pieces, 0, labels);
    std::vector<explained_piece> out;
    out.reserve(pieces.size());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (unicode::str_isspace(pieces[i].text_in(text))) continue;
      out.push_back(explained_piece{pieces[i], labels.entries[i].rule, labels.entries[i].special_index});
    }
    return out;
  }

 private:
  /// One special case given as a key and a span of pieces (the single-case overloads use it).
  struct special_case_input {
    std::string_view key;
    std::span<const special_piece> pieces;
    [[nodiscard]] const special_piece* begin() const noexcept { return pieces.data(); }
    [[nodiscard]] const special_piece* end() const noexcept { return pieces.data() + pieces.size(); }
  };

  /// The pieces of a special case: `c.begin()`..`c.end()`, or else `c.tokens`.
  template <class Case>
  static auto pieces_of(const Case& c) {
    if constexpr (requires {
                    c.begin();
                    c.end();
                  }) {
      return std::span(c.begin(), c.end());
    } else {
      return std::span(c.tokens);
    }
  }

  Rules rules_;
  bool faster_heuristics_ = true;
  detail::special_case_table table_;
  detail::special_case_matcher matcher_;

  static void check_size(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max()) {
      throw capacity_error("lexzone: text of 4 GiB or more cannot be segmented");
    }
  }

  template <class Labels>
  static void push(std::vector<piece>& out, std::size_t begin, std::size_t size, Labels& labels, piece_rule rule) {
    detail::append_piece(out, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(size));
    labels.add(rule);
  }

  /// spaCy's `_split_affixes` + `_attach_tokens` for one chunk. Returns true when a special case was used.
  template <bool WithSpecials, class Labels>
  bool tokenize_chunk(std::string_view text, std::uint32_t base, std::vector<piece>& out, Labels& labels) const {
    using rule = detail::special_case_table::rule;
    if constexpr (WithSpecials) {
      if (const rule* r = table_.find(text)) {
        table_.emit(*r, base, out, labels);
        return true;
      }
    }
    std::size_t begin = 0;
    std::size_t end = text.size();
    // Suffix start offsets, in discovery order. Written before read: not zeroed (this runs per chunk).
    std::array<std::uint32_t, 32> suffix_small;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    std::vector<std::uint32_t> suffix_more;
    std::size_t suffix_count = 0;
    auto add_suffix = [&](std::size_t at) {
      if (suffix_count < suffix_small.size()) {
        suffix_small[suffix_count] = static_cast<std::uint32_t>(at);
      } else {
        suffix_more.push_back(static_cast<std::uint32_t>(at));
      }
      ++suffix_count;
    };
    const rule* core_rule = nullptr;
    bool token_matched = false;
    bool checked = true;  // the current string was looked up already (whole chunk above)
    std::size_t last_size = 0;
    [[maybe_unused]] std::size_t scan_left = 0;  // affix_scan_budget: bytes the rounds may still ask about
    [[maybe_unused]] bool budget_spent = false;
    if constexpr (has_scan_budget) scan_left = rules_.affix_scan_budget(text.size());
    while (begin < end && end - begin != last_size) {
      const std::string_view s(text.data() + begin, end - begin);
      if constexpr (has_scan_budget) {
        if (s.size() > scan_left) {
          budget_spent = true;
          break;
        }
        scan_left -= s.size();
      }
      if (rules_.token_match(s)) {
        token_matched = true;
        break;
      }
      if constexpr (WithSpecials) {
        if (!checked && (core_rule = table_.find(s)) != nullptr) break;
      }
      checked = false;
      last_size = s.size();
      const std::size_t pre = std::min<std::size_t>(rules_.prefix_length(s), s.size());
      if constexpr (WithSpecials) {
        if (pre != 0 && pre < s.size()) {
          if ((core_rule = table_.find(s.substr(pre))) != nullptr) {
            push(out, base + begin, pre, labels, piece_rule::prefix);
            begin += pre;
            break;
          }
        }
      }
      const std::size_t suf = std::min<std::size_t>(rules_.suffix_length(s.substr(pre)), s.size() - pre);
      if constexpr (WithSpecials) {
        if (suf != 0 && suf < s.size()) {
          if ((core_rule = table_.find(s.substr(0, s.size() - suf))) != nullptr) {
            add_suffix(end - suf);
            end -= suf;
            break;
          }
        }
      }
      if (pre != 0 && suf != 0 && pre + suf <= s.size()) {
        push(out, base + begin, pre, labels, piece_rule::prefix);
        add_suffix(end - suf);
        begin += pre;
        end -= suf;
      } else if (pre != 0) {
        push(out, base + begin, pre, labels, piece_rule::prefix);
        begin += pre;
      } else if (suf != 0) {
        add_suffix(end - suf);
        end -= suf;
      }
    }
    bool touched = false;
    if (begin < end) {
      const std::string_view core(text.data() + begin, end - begin);
      if constexpr (WithSpecials) {
        // After a token_match stop (or a spent budget) the core was not looked up yet; spaCy's
        // _attach_tokens does.
        if (token_matched || budget_spent) core_rule = table_.find(core);
      }
      if (core_rule != nullptr) {
        table_.emit(*core_rule, base + static_cast<std::uint32_t>(begin), out, labels);
        touched = true;
      } else if (token_matched || rules_.token_match(core)) {
        push(out, base + begin, core.size(), labels, piece_rule::token_match);
      } else if (rules_.url_match(core)) {
        push(out, base + begin, core.size(), labels, piece_rule::url_match);
      } else {
        attach_infixes(core, base + begin, out, labels);
      }
    }
    // Suffixes were found right to left; suffix k spans [start k, start k-1) (k = 0 ends the chunk).
    auto suffix_start = [&](std::size_t k) -> std::size_t {
      return k < suffix_small.size() ? suffix_small[k] : suffix_more[k - suffix_small.size()];
    };
    for (std::size_t k = suffix_count; k-- > 0;) {
      const std::size_t at = suffix_start(k);
      const std::size_t stop = k == 0 ? text.size() : suffix_start(k - 1);
      push(out, base + at, stop - at, labels, piece_rule::suffix);
    }
    return touched;
  }

  /// The infix part of `_attach_tokens`: pieces between infix matches, and the non-empty matches.
  template <class Labels>
  LEXZONE_ALWAYS_INLINE void attach_infixes(std::string_view core, std::size_t at, std::vector<piece>& out,
                                            Labels& labels) const {
    std::size_t start = 0;
    rules_.for_each_infix(core, [&](std::size_t ms, std::size_t me) {
      if (ms == 0 || ms < start || me < ms || me > core.size()) return;  // spaCy skips a match at 0
      if (ms != start) push(out, at + start, ms - start, labels, piece_rule::token);
      if (me != ms) push(out, at + ms, me - ms, labels, piece_rule::infix);
      start = me;
    });
    if (start < core.size()) push(out, at + start, core.size() - start, labels, piece_rule::token);
  }

  /// spaCy's whitespace pass (`_tokenize_affixes`): calls `chunk_fn` for each chunk.
  template <class ChunkFn>
  static void whitespace_pass(std::string_view text, std::vector<piece>& out, ChunkFn&& chunk_fn) {
    const std::size_t n = text.size();
    if (n == 0) return;
    auto space_at = [&text](std::size_t i, std::size_t& len) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (b < 0x80) {
        len = 1;
        return detail::ascii_space_table[b];
      }
      const unicode::decoded d = unicode::decode(text, i);
      len = d.size;
      return unicode::is_space(d.cp);
    };
    std::size_t len = 0;
    bool in_ws = space_at(0, len);
    std::size_t start = 0;
    for (std::size_t i = 0; i < n; i += len) {
      if (!in_ws) {
        // Inside a run of non-space: skip its ASCII word bytes a word at a time, to the next byte that
        // may be a space (which the test below decides).
        for (std::size_t skip = 8; skip == 8 && i + 8 <= n; i += skip) skip = detail::plain_prefix(text.data() + i);
        if (i >= n) break;
      }
      const bool sp = space_at(i, len);
      if (sp == in_ws) continue;
      if (start < i) call_chunk(chunk_fn, text.substr(start, i - start), start, out);
      if (text[i] == ' ') {
        out.back().space_after = true;
        start = i + 1;
      } else {
        start = i;
      }
      in_ws = sp;
    }
    if (start < n) call_chunk(chunk_fn, text.substr(start), start, out);
  }

  template <class ChunkFn>
  static void call_chunk(ChunkFn& chunk_fn, std::string_view chunk, std::size_t start, std::vector<piece>& out) {
    const std::size_t before = out.size();
    chunk_fn(chunk, static_cast<std::uint32_t>(start), out);
    if (out.size() == before) throw std::logic_error("lexzone: a chunk function appended no piece");
  }

  template <class Labels>
  void apply_special_cases_impl(std::string_view text, std::vector<piece>& pieces, std::size_t first,
                                Labels& labels) const {
    if (matcher_.empty() || first >= pieces.size()) return;
    const auto kept = matcher_.find(table_, text, pieces, first);
    if (kept.empty()) return;
    std::vector<piece> rebuilt;
    Labels relabelled;
    std::size_t next = kept.front().start;
    rebuilt.reserve(pieces.size() - next + 8);
    auto copy = [&](std::size_t from, std::size_t to) {
      rebuilt.insert(rebuilt.end(), pieces.begin() + static_cast<std::ptrdiff_t>(from),
                     pieces.begin() + static_cast<std::ptrdiff_t>(to));
      if constexpr (!std::is_same_v<Labels, detail::label_sink<false>>) {
        relabelled.entries.insert(relabelled.entries.end(), labels.entries.begin() + static_cast<std::ptrdiff_t>(from),
                                  labels.entries.begin() + static_cast<std::ptrdiff_t>(to));
      }
    };
    for (const auto& m : kept) {
      copy(next, m.start);
      const std::uint32_t b = pieces[m.start].begin;
      const piece& last = pieces[m.end - 1];
      if (const auto* r = table_.find(text.substr(b, last.begin + last.size - b))) {
        table_.emit(*r, b, rebuilt, relabelled);
        rebuilt.back().space_after = last.space_after;
      } else {
        copy(m.start, m.end);
      }
      next = m.end;
    }
    copy(next, pieces.size());
    const std::size_t keep = kept.front().start;
    pieces.resize(keep);
    pieces.insert(pieces.end(), rebuilt.begin(), rebuilt.end());
    if constexpr (!std::is_same_v<Labels, detail::label_sink<false>>) {
      labels.entries.resize(keep);
      labels.entries.insert(labels.entries.end(), relabelled.entries.begin(), relabelled.entries.end());
    }
  }

  // ---- the special-case matcher's patterns ---------------------------------------------------------

  /// Adds the matcher pattern of rule `index` to `matcher` when the rule needs one (spaCy
  /// `add_special_case`).
  void add_pattern(std::uint32_t index, detail::special_case_matcher& matcher) const {
    add_pattern(table_, index, matcher);
  }

  // The pattern of rule `index` of `table` (when the matcher pass needs it) into `matcher`.
  void add_pattern(const detail::special_case_table& table, std::uint32_t index,
                   detail::special_case_matcher& matcher) const {
    const std::string_view key = table.key(index);
    // spaCy's test (prefix, infix or suffix match, or a space), cheapest questions first: the answer does
    // not depend on the order, and loading a rule file asks it for every key.
    bool needed = !faster_heuristics_ || key.find(' ') != std::string_view::npos;
    if (!needed) rules_.for_each_infix(key, [&needed](std::size_t, std::size_t) { needed = true; });
    needed = needed || rules_.prefix_length(key) != 0 || rules_.suffix_length(key) != 0;
    if (!needed) return;
    std::vector<piece> toks;
    detail::label_sink<false> labels;
    whitespace_pass(key, toks, [&](std::string_view chunk, std::uint32_t base, std::vector<piece>& o) {
      (void)tokenize_chunk<false>(chunk, base, o, labels);
    });
    matcher.add(table[index].key_off, toks);
  }

  /// The matcher patterns of every rule of `table` (default: the segmenter's), built afresh (the current
  /// ones stay untouched until assigned).
  [[nodiscard]] detail::special_case_matcher build_patterns(const detail::special_case_table* table = nullptr) const {
    const detail::special_case_table& t = table != nullptr ? *table : table_;
    detail::special_case_matcher fresh;
    for (std::uint32_t i = 0; i < t.size(); ++i) add_pattern(t, i, fresh);
    fresh.reindex(t);
    return fresh;
  }

  void rebuild_patterns() { matcher_ = build_patterns(); }

  // After rules were replaced or removed: the patterns rebuilt, and the store compacted when its dead
  // text dominates. Compaction moves the rules' text, which the current patterns point into: it is done
  // on a copy, whose patterns are built before both replace the current ones (on a throw the segmenter
  // keeps its store and patterns, consistent with each other). Strong guarantee for that step.
  void rebuild_after_edit() {
    if (!table_.sparse()) {
      rebuild_patterns();
      return;
    }
    detail::special_case_table compacted = table_;
    compacted.compact();
    detail::special_case_matcher fresh = build_patterns(&compacted);
    table_ = std::move(compacted);
    matcher_ = std::move(fresh);
  }
};

}  // namespace lexzone
