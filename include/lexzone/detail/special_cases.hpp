/// \file detail/special_cases.hpp
/// The special-case store and the special-case matcher of `basic_segmenter` (tokenizer/basic_segmenter.hpp):
/// spaCy's `_specials` (exact lookup of a chunk or core) and its `_special_matcher` (a phrase matcher
/// over the affix-only segmentation of the rules, run on the whole text by `_apply_special_cases`).
///
/// Internal: the segmenter owns one of each and gives their guarantees. Both are copyable values;
/// `const` members may run concurrently, modifiers need exclusive access.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"
#include "../hash.hpp"
#include "../tokenizer/piece.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// A piece's ORTH or NORM as a view: a string (view) as it is, an optional string (a rule file's NORM)
/// as its value or "" when empty. The view refers to `v`.
template <class T>
[[nodiscard]] constexpr std::string_view text_view(const T& v) noexcept {
  if constexpr (requires {
                  v.has_value();
                  *v;
                }) {
    return v.has_value() ? std::string_view(*v) : std::string_view{};
  } else {
    return std::string_view(v);
  }
}

/// Pieces and the rules that made them, filled in parallel when a caller wants `explain`'s labels.
/// `label_sink<false>` records nothing and costs nothing.
template <bool Enabled>
struct label_sink {
  /// Records that the last `n` pieces came from `rule` (special pieces are numbered from 1).
  void add(piece_rule, std::size_t = 1) noexcept {}
};

template <>
struct label_sink<true> {
  /// The label of one piece.
  struct entry {
    piece_rule rule;              ///< the rule that made the piece
    std::uint32_t special_index;  ///< which piece of a special case (from 1), else 0
  };
  std::vector<entry> entries;  ///< one per piece, in order

  /// Records that the last `n` pieces came from `rule`. Throws: std::bad_alloc.
  void add(piece_rule rule, std::size_t n = 1) {
    for (std::size_t k = 0; k < n; ++k)
      entries.push_back({rule, rule == piece_rule::special ? static_cast<std::uint32_t>(k + 1) : 0u});
  }
};

/// The special cases: every key, ORTH length and NORM in one pool, found by key in an open-addressing
/// table behind a 64 Ki-bit filter of (first byte, last byte, length).
class special_case_table {
 public:
  /// A special case: its key and its pieces (`rule_piece`s from `piece_begin`).
  struct rule {
    std::uint32_t key_off;      ///< the key's offset in the pool
    std::uint32_t key_len;      ///< the key's length in bytes
    std::uint32_t piece_begin;  ///< the first piece in the piece list
    std::uint32_t piece_count;  ///< number of pieces
  };
  /// A piece of a special case: ORTH length (the ORTHs tile the key) and NORM in the pool.
  struct rule_piece {
    std::uint32_t orth_len;  ///< ORTH length in bytes
    std::uint32_t norm_off;  ///< NORM offset in the pool
    std::uint32_t norm_len;  ///< NORM length (0: no NORM)
  };
  /// What `store` did.
  struct stored {
    std::uint32_t index;  ///< the rule's index
    bool replaced;        ///< an existing rule with this key was replaced
  };
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();  ///< "no rule"

  /// Throws std::invalid_argument unless `key` is non-empty, every ORTH non-empty and the ORTHs join to
  /// `key` (spaCy E997). `Pieces` is a range of objects with `orth` and `norm` (see `text_view`).
  template <class Pieces>
  static void validate(std::string_view key, const Pieces& pieces) {
    if (key.empty()) throw std::invalid_argument("lexzone: special case with an empty key");
    std::size_t at = 0;
    bool joined = true;
    for (const auto& p : pieces) {
      const std::string_view orth = text_view(p.orth);
      if (orth.empty()) throw std::invalid_argument("lexzone: special case piece with an empty ORTH");
      joined = joined && key.substr(at, orth.size()) == orth;
      at += orth.size();
    }
    if (!joined || at != key.size()) {
      throw std::invalid_argument("lexzone: the ORTHs of special case \"" + printable(key, 64) +
                                  "\" do not join to the key (spaCy E997)");
    }
  }

  /// Stores `key` -> `pieces` (validated already), replacing a rule with the same key.
  /// Throws: capacity_error past 4 GiB of rule text; std::bad_alloc.
  template <class Pieces>
  stored store(std::string_view key, const Pieces& pieces) {
    rule r{};
    r.key_off = append_pool(key);
    r.key_len = static_cast<std::uint32_t>(key.size());
    r.piece_begin = static_cast<std::uint32_t>(pieces_.size());
    for (const auto& p : pieces) {
      const std::string_view orth = text_view(p.orth);
      const std::string_view norm = text_view(p.norm);
      const std::uint32_t norm_off = norm.empty() ? 0 : append_pool(norm);
      pieces_.push_back(
          rule_piece{static_cast<std::uint32_t>(orth.size()), norm_off, static_cast<std::uint32_t>(norm.size())});
    }
    r.piece_count = static_cast<std::uint32_t>(pieces_.size() - r.piece_begin);
    const std::uint32_t existing = find_index(key);
    if (existing != npos) {
      count_dead(rules_[existing]);
      rules_[existing] = r;
      return {existing, true};
    }
    rules_.push_back(r);
    const auto index = static_cast<std::uint32_t>(rules_.size() - 1);
    if ((rules_.size() + 1) * 2 > table_.size()) {
      rebuild_table();
    } else {
      insert_key(index);
      max_key_size_ = std::max(max_key_size_, key.size());
    }
    return {index, false};
  }

  /// Removes the rule `key`; false when there is none. Throws: std::bad_alloc.
  bool remove(std::string_view key) {
    const std::uint32_t index = find_index(key);
    if (index == npos) return false;
    const rule gone = rules_[index];
    rules_.erase(rules_.begin() + index);
    count_dead(gone);
    rebuild_table();
    return true;
  }

  /// Whether more than half of the pool or of the piece list belongs to rules that were replaced or
  /// removed (with some slack for small tables): then `compact` should run. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] bool sparse() const noexcept {
    constexpr std::size_t slack_bytes = 4096, slack_pieces = 256;
    return dead_bytes_ * 2 > pool_.size() + slack_bytes || dead_pieces_ * 2 > pieces_.size() + slack_pieces;
  }

  /// Rebuilds the pool and the piece list from the rules alone, so that a table edited again and again
  /// (a user dictionary reloaded every hour) keeps memory in proportion to its rules. Rule indexes stay;
  /// pool offsets change, so every view into the pool and every offset kept elsewhere (a matcher's
  /// patterns) must be made again for the compacted table. Complexity: O(live rule text). Strong
  /// guarantee. Throws: std::bad_alloc.
  void compact() {
    std::string pool;
    std::vector<rule_piece> pieces;
    std::vector<rule> rules(rules_);
    pool.reserve(pool_.size() - dead_bytes_);
    pieces.reserve(pieces_.size() - dead_pieces_);
    for (rule& r : rules) {  // as `store` lays them out: the key, then the NORMs
      const std::string_view k = text(r.key_off, r.key_len);
      r.key_off = static_cast<std::uint32_t>(pool.size());
      pool.append(k);
      const auto first = static_cast<std::uint32_t>(pieces.size());
      for (std::uint32_t i = 0; i < r.piece_count; ++i) {
        rule_piece rp = pieces_[r.piece_begin + i];
        if (rp.norm_len != 0) {
          const std::string_view norm = text(rp.norm_off, rp.norm_len);
          rp.norm_off = static_cast<std::uint32_t>(pool.size());
          pool.append(norm);
        } else {
          rp.norm_off = 0;
        }
        pieces.push_back(rp);
      }
      r.piece_begin = first;
    }
    pool_.swap(pool);
    pieces_.swap(pieces);
    rules_.swap(rules);
    dead_bytes_ = 0;
    dead_pieces_ = 0;
  }

  /// Bytes of the pool (keys and NORMs, those of replaced or removed rules included until `compact`
  /// drops them). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t pool_size() const noexcept { return pool_.size(); }

  /// Removes every rule and frees the pool's content.
  void clear() noexcept {
    rules_.clear();
    pieces_.clear();
    pool_.clear();
    dead_bytes_ = 0;
    dead_pieces_ = 0;
    table_.assign(table_.size(), 0);
    key_filter_.fill(0);
    max_key_size_ = 0;
  }

  /// Index of the rule `s`, or `npos`. Complexity: O(|s|); most misses cost one filter test.
  [[nodiscard]] std::uint32_t find_index(std::string_view s) const noexcept {
    if (s.size() > max_key_size_ || s.empty()) return npos;
    const std::size_t bit = key_bit(s);
    if (((key_filter_[bit / 64] >> (bit % 64)) & 1u) == 0) return npos;
    const hash_t h = hash_string(s);
    const std::uint64_t tag = h >> 32;
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = table_[i];
      if (slot == 0) return npos;
      if ((slot >> 32) == tag) {
        const std::uint32_t index = static_cast<std::uint32_t>(slot) - 1;
        if (key(index) == s) return index;
      }
    }
  }

  /// The rule `s`, or nullptr.
  [[nodiscard]] const rule* find(std::string_view s) const noexcept {
    const std::uint32_t index = find_index(s);
    return index == npos ? nullptr : &rules_[index];
  }

  /// Appends the pieces of `r`, starting at byte `at` of the text, to `out` (and their labels).
  template <class Labels>
  void emit(const rule& r, std::uint32_t at, std::vector<piece>& out, Labels& labels) const {
    for (std::uint32_t k = 0; k < r.piece_count; ++k) {
      const rule_piece& rp = pieces_[r.piece_begin + k];
      out.push_back(piece{at, rp.orth_len, false, text(rp.norm_off, rp.norm_len)});
      at += rp.orth_len;
    }
    labels.add(piece_rule::special, r.piece_count);
  }

  /// Number of rules.
  [[nodiscard]] std::size_t size() const noexcept { return rules_.size(); }
  /// Rule `index` (< size()).
  [[nodiscard]] const rule& operator[](std::uint32_t index) const noexcept { return rules_[index]; }
  /// The key of rule `index` (< size()), a view into the pool (valid until the table is modified).
  [[nodiscard]] std::string_view key(std::uint32_t index) const noexcept {
    return text(rules_[index].key_off, rules_[index].key_len);
  }
  /// Text of the pool at [off, off + len).
  [[nodiscard]] std::string_view text(std::uint32_t off, std::uint32_t len) const noexcept {
    return {pool_.data() + off, len};
  }

 private:
  std::string pool_;  // keys, norms
  std::vector<rule> rules_;
  std::vector<rule_piece> pieces_;
  std::vector<std::uint64_t> table_;  // (hash high 32 bits << 32) | (rule index + 1)
  std::size_t max_key_size_ = 0;
  std::array<std::uint64_t, 1024> key_filter_{};  // bits of (first byte, last byte, length) of the keys
  std::size_t dead_bytes_ = 0;                    // pool bytes of replaced or removed rules
  std::size_t dead_pieces_ = 0;                   // pieces of replaced or removed rules

  // Counts the pool bytes and pieces of `r`, a rule being replaced or removed, as dead.
  void count_dead(const rule& r) noexcept {
    dead_bytes_ += r.key_len;
    dead_pieces_ += r.piece_count;
    for (std::uint32_t i = 0; i < r.piece_count; ++i) dead_bytes_ += pieces_[r.piece_begin + i].norm_len;
  }

  [[nodiscard]] static constexpr std::size_t key_bit(std::string_view key) noexcept {
    const std::uint64_t k = (std::uint64_t{static_cast<unsigned char>(key.front())} << 40) ^
                            (std::uint64_t{static_cast<unsigned char>(key.back())} << 32) ^ std::uint64_t{key.size()};
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 48);  // 16 bits
  }

  std::uint32_t append_pool(std::string_view s) {
    if (pool_.size() + s.size() > std::numeric_limits<std::uint32_t>::max()) {
      throw capacity_error("lexzone: special cases exceed 4 GiB");
    }
    const auto off = static_cast<std::uint32_t>(pool_.size());
    pool_.append(s);
    return off;
  }

  void insert_key(std::uint32_t index) {
    const std::string_view k = key(index);
    const hash_t h = hash_string(k);
    const std::size_t mask = table_.size() - 1;
    std::size_t i = static_cast<std::size_t>(h) & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = ((h >> 32) << 32) | (static_cast<std::uint64_t>(index) + 1);
    const std::size_t bit = key_bit(k);
    key_filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
  }

  void rebuild_table() {
    std::size_t cap = 64;
    while (cap < (rules_.size() + 1) * 2) cap *= 2;
    table_.assign(cap, 0);
    key_filter_.fill(0);
    max_key_size_ = 0;
    for (std::uint32_t i = 0; i < rules_.size(); ++i) {
      insert_key(i);
      max_key_size_ = std::max<std::size_t>(max_key_size_, rules_[i].key_len);
    }
  }
};

/// The special-case matcher: the affix-only segmentation of some rules' keys as token patterns, found
/// as consecutive pieces of a text, longest then leftmost without overlap (spaCy's `_special_matcher`
/// with `_filter_special_spans`). Patterns are indexed by their first token, behind filters on (first
/// byte, length) of the first token of one-token patterns, of the first token of longer ones, and of the
/// first two tokens of longer ones, so that most pieces cost two bit tests.
class special_case_matcher {
 public:
  /// A match: pieces [start, end).
  struct span_match {
    std::uint32_t start;  ///< first piece
    std::uint32_t end;    ///< one past the last piece
  };

  /// True when no rule has a pattern (the matcher pass can be skipped).
  [[nodiscard]] bool empty() const noexcept { return patterns_.empty(); }

  /// Removes every pattern (call `reindex` after adding the new ones).
  void clear() noexcept {
    patterns_.clear();
    tokens_.clear();
    groups_.clear();
    group_table_.assign(group_table_.size(), 0);
    single_filter_.fill(0);
    pair_first_.fill(0);
    pair_filter_.fill(0);
  }

  /// Adds a pattern: the pieces `toks` (offsets into a key that starts at `key_off` in the table's pool).
  void add(std::uint32_t key_off, const std::vector<piece>& toks) {
    patterns_.push_back(pattern{static_cast<std::uint32_t>(tokens_.size()), static_cast<std::uint32_t>(toks.size())});
    for (const piece& t : toks) tokens_.emplace_back(key_off + t.begin, t.size);
  }

  /// Rebuilds the index after patterns were added or cleared. Throws: std::bad_alloc.
  void reindex(const special_case_table& table) {
    // Sorted by first token, compared by its first 8 bytes (big-endian, zero-padded: the same order as
    // the text's) before the text itself; a rule file's thousands of patterns sort in a few milliseconds.
    struct keyed {
      std::uint64_t head;
      std::string_view text;
      pattern pat;
    };
    std::vector<keyed> order;
    order.reserve(patterns_.size());
    for (const pattern& pat : patterns_) {
      const std::string_view t = token_text(table, pat.token_begin);
      std::uint64_t head = 0;
      for (std::size_t i = 0; i < 8; ++i) head = (head << 8) | (i < t.size() ? static_cast<unsigned char>(t[i]) : 0u);
      order.push_back(keyed{head, t, pat});
    }
    std::sort(order.begin(), order.end(),
              [](const keyed& a, const keyed& b) { return a.head != b.head ? a.head < b.head : a.text < b.text; });
    for (std::size_t i = 0; i < order.size(); ++i) patterns_[i] = order[i].pat;
    groups_.clear();
    single_filter_.fill(0);
    pair_first_.fill(0);
    pair_filter_.fill(0);
    for (std::uint32_t i = 0; i < patterns_.size(); ++i) {
      const pattern& pat = patterns_[i];
      const std::string_view t = token_text(table, pat.token_begin);
      if (groups_.empty() || token_text(table, patterns_[groups_.back().pattern_begin].token_begin) != t) {
        groups_.push_back(group{pat.token_begin, i, i});
      }
      groups_.back().pattern_end = i + 1;
      const auto b0 = static_cast<unsigned char>(t[0]);
      if (pat.token_count == 1) {
        single_filter_[b0] |= std::uint64_t{1} << length_bit(t.size());
      } else {
        const std::string_view t1 = token_text(table, pat.token_begin + 1);
        pair_first_[b0] |= std::uint64_t{1} << length_bit(t.size());
        const std::size_t bit = pair_bit(b0, t.size(), static_cast<unsigned char>(t1[0]), t1.size());
        pair_filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
      }
    }
    std::size_t cap = 16;
    while (cap < (groups_.size() + 1) * 2) cap *= 2;
    group_table_.assign(cap, 0);
    for (std::uint32_t g = 0; g < groups_.size(); ++g) {
      const hash_t h = hash_string(token_text(table, groups_[g].first_token));
      std::size_t i = static_cast<std::size_t>(h) & (cap - 1);
      while (group_table_[i] != 0) i = (i + 1) & (cap - 1);
      group_table_[i] = ((h >> 32) << 32) | (static_cast<std::uint64_t>(g) + 1);
    }
  }

  /// The matches in `pieces[first..]` of `text` to keep, sorted by start: taken longest first, then
  /// leftmost, a match is kept unless one of its end pieces lies in a match taken before it (kept or
  /// not, as spaCy's `_filter_special_spans`). Empty when nothing matches (no allocation then).
  /// Complexity: O(number of pieces), plus O(m log m) for m matches when two of them overlap. Throws:
  /// std::bad_alloc.
  [[nodiscard]] std::vector<span_match> find(const special_case_table& table, std::string_view text,
                                             const std::vector<piece>& pieces, std::size_t first) const {
    std::vector<span_match> matches;
    const std::size_t n = pieces.size();
    for (std::size_t i = first; i < n; ++i) {
      const piece& p = pieces[i];
      const auto b0 = static_cast<unsigned char>(text[p.begin]);
      const std::uint32_t len_bit = length_bit(p.size);
      bool candidate = ((single_filter_[b0] >> len_bit) & 1u) != 0;
      // The pair filter only for a piece that may start a longer pattern (most pieces may not).
      if (!candidate && i + 1 < n && ((pair_first_[b0] >> len_bit) & 1u) != 0) {
        const piece& q = pieces[i + 1];
        const std::size_t bit = pair_bit(b0, p.size, static_cast<unsigned char>(text[q.begin]), q.size);
        candidate = ((pair_filter_[bit / 64] >> (bit % 64)) & 1u) != 0;
      }
      if (!candidate) continue;
      const group* g = find_group(table, p.text_in(text));
      if (g == nullptr) continue;
      for (std::uint32_t pi = g->pattern_begin; pi < g->pattern_end; ++pi) {
        const pattern& pat = patterns_[pi];
        if (i + pat.token_count > n) continue;
        bool ok = true;
        for (std::uint32_t k = 1; k < pat.token_count && ok; ++k)
          ok = pieces[i + k].text_in(text) == token_text(table, pat.token_begin + k);
        if (ok) matches.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + pat.token_count)});
      }
    }
    // Found in order of start. When no two overlap (the usual case), every one is kept, already in order:
    // the rules below would drop none.
    bool disjoint = true;
    for (std::size_t k = 1; k < matches.size() && disjoint; ++k) disjoint = matches[k].start >= matches[k - 1].end;
    if (disjoint) return matches;
    std::sort(matches.begin(), matches.end(), [](const span_match& a, const span_match& b) {
      const std::uint32_t la = a.end - a.start;
      const std::uint32_t lb = b.end - b.start;
      return la != lb ? la > lb : a.start < b.start;
    });
    // A match is kept when neither of its end pieces is covered by an earlier (longer or more left) match,
    // kept or not: spaCy's _filter_special_spans marks the pieces of every match it looks at, so a match
    // dropped for an overlap still blocks the matches after it (":):)" gives ":)" ":" ")").
    std::vector<bool> seen(n, false);
    std::vector<span_match> kept;
    for (const span_match& m : matches) {
      if (!seen[m.start] && !seen[m.end - 1]) kept.push_back(m);
      for (std::uint32_t t = m.start; t < m.end; ++t) seen[t] = true;
    }
    std::sort(kept.begin(), kept.end(), [](const span_match& a, const span_match& b) { return a.start < b.start; });
    return kept;
  }

 private:
  struct pattern {
    std::uint32_t token_begin;  // into tokens_
    std::uint32_t token_count;
  };
  struct group {                // patterns sharing a first token
    std::uint32_t first_token;  // into tokens_
    std::uint32_t pattern_begin;
    std::uint32_t pattern_end;
  };

  std::vector<pattern> patterns_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> tokens_;  // (offset, length) in the table's pool
  std::vector<group> groups_;
  std::vector<std::uint64_t> group_table_;
  std::array<std::uint64_t, 256> single_filter_{};  // one-token patterns: per first byte, bit (length - 1)
  std::array<std::uint64_t, 256> pair_first_{};     // first tokens of longer patterns: the same bits
  std::array<std::uint64_t, 1024> pair_filter_{};   // longer patterns: bits of (byte, length) of tokens 1 and 2

  [[nodiscard]] std::string_view token_text(const special_case_table& table, std::uint32_t t) const noexcept {
    return table.text(tokens_[t].first, tokens_[t].second);
  }

  [[nodiscard]] static constexpr std::uint32_t length_bit(std::size_t size) noexcept {
    return size >= 64 ? 63u : static_cast<std::uint32_t>(size) - 1u;
  }
  [[nodiscard]] static constexpr std::size_t pair_bit(unsigned char b0, std::size_t len0, unsigned char b1,
                                                      std::size_t len1) noexcept {
    const std::uint64_t k = (std::uint64_t{b0} << 24) ^ (std::uint64_t{b1} << 16) ^
                            (std::uint64_t{length_bit(len0)} << 8) ^ std::uint64_t{length_bit(len1)};
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 48);  // 16 bits
  }

  [[nodiscard]] const group* find_group(const special_case_table& table, std::string_view t) const noexcept {
    if (group_table_.empty()) return nullptr;
    const hash_t h = hash_string(t);
    const std::size_t mask = group_table_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = group_table_[i];
      if (slot == 0) return nullptr;
      if ((slot >> 32) == (h >> 32)) {
        const group& g = groups_[static_cast<std::uint32_t>(slot) - 1];
        if (token_text(table, g.first_token) == t) return &g;
      }
    }
  }
};

}  // namespace lexzone::detail
