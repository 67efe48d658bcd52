/// \file detail/first_token_index.hpp
/// The matcher's first-token prefilter (internal): a flat hash table from a token value (an ORTH,
/// LOWER, NORM or SHAPE id) to the *starts* that a token with that value may begin: token patterns
/// whose first consumed token must take the value on one field, and phrase tries whose root has an
/// edge for it. `lexzone::matcher` probes it once per distinct value of each token, so that per-token
/// work is done only for the patterns whose first token can match.
///
/// Most probes miss (most tokens start nothing), so a miss is made cheap: a bit filter of 16 bits per
/// listed value (8 per slot; 1 KiB for 500 values, small enough to stay in L1 beside the tokenizer's
/// tables) answers most misses without reading the slots; its bit for a value is the top bits of the
/// same Fibonacci hash that picks the value's slot. The slots stay at most half full.
///
/// A start names the one field whose value must be the key (`fields`, a one-bit mask of
/// `1 << match_field`): the matcher probes a value once for all the token's fields that share it and
/// keeps the starts whose bit is among them.
///
/// Growth is incremental (`add`); `rollback` undoes the adds since a `mark`, without allocating, for
/// `match_program::append`'s strong guarantee.
///
/// Thread safety: `find` is const and may run concurrently; `add` and `rollback` are the only writers
/// and must not run concurrently with anything else.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "../config.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// What a first-token start begins.
enum class start_kind : std::uint8_t {
  pattern,  ///< a token pattern: `target` indexes `match_program::patterns`
  trie,     ///< a phrase trie: `target` indexes `match_program::tries`, `node` is the root's child
};

/// One start listed under a value of a `first_token_index`.
struct first_start {
  std::uint32_t target = 0;               ///< the pattern or trie (see `kind`)
  std::uint32_t node = 0;                 ///< trie starts: the node the root edge leads to; else 0
  std::uint8_t fields = 0;                ///< the field (bit `1 << match_field`) that must take the value
  start_kind kind = start_kind::pattern;  ///< what `target` names
};

/// Value -> starts, open addressing with linear probing (see the file comment).
class first_token_index {
 public:
  /// The state `rollback` returns to.
  struct mark {
    std::size_t lists = 0;  ///< number of distinct values at the mark
  };

  /// The starts listed under `value` (empty when none). Complexity: O(1) expected (one probe of a
  /// table at most half full). Lifetime: valid until the next `add` or `rollback`. Throws: nothing.
  [[nodiscard]] LEXZONE_ALWAYS_INLINE std::span<const first_start> find(std::uint64_t value) const noexcept {
    if (slots_.empty()) return {};
    const std::uint64_t h = value * fibonacci;
    const std::uint64_t bit = h >> (shift_ - filter_extra_bits);
    if (((filter_[bit >> 6] >> (bit & 63)) & 1u) == 0) return {};
    for (std::size_t i = static_cast<std::size_t>(h >> shift_);; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.list == empty_slot) return {};
      if (s.value == value) return lists_[s.list];
    }
  }

  /// Lists `start` under `value`. Complexity: O(1) amortized expected. Throws: `std::bad_alloc`; on a
  /// throw the starts listed are unchanged (an empty list for `value` may remain; `rollback` to an
  /// earlier mark removes it).
  void add(std::uint64_t value, const first_start& start) {
    std::size_t i = locate(value);
    if (slots_.empty() || slots_[i].list == empty_slot) {
      if (2 * (lists_.size() + 1) > slots_.size()) {
        grow();
        i = locate(value);
      }
      values_.reserve(values_.size() + 1);
      lists_.emplace_back();
      values_.push_back(value);  // reserved: cannot throw
      slots_[i] = slot{value, static_cast<std::uint32_t>(lists_.size() - 1)};
      set_filter(value);
    }
    lists_[slots_[i].list].push_back(start);
  }

  /// The current state, for `rollback`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] mark position() const noexcept { return mark{lists_.size()}; }

  /// Undoes the adds made since `m`: `added` lists their values in the order they were added (each one
  /// whose `add` returned). Complexity: O(added + distinct values + table size). Throws: nothing
  /// (allocates nothing).
  void rollback(mark m, std::span<const std::uint64_t> added) noexcept {
    for (std::size_t k = added.size(); k-- > 0;) {
      const std::size_t i = locate(added[k]);
      lists_[slots_[i].list].pop_back();
    }
    lists_.resize(m.lists);
    values_.resize(m.lists);
    reinsert();
  }

  /// True when nothing is listed. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return lists_.empty(); }

 private:
  static constexpr std::uint32_t empty_slot = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint64_t fibonacci = 0x9E3779B97F4A7C15ull;  // 2^64 / golden ratio
  static constexpr unsigned filter_extra_bits = 3;                   // filter bits per slot: 2^3
  struct slot {
    std::uint64_t value = 0;
    std::uint32_t list = empty_slot;  // index into lists_, or empty_slot
  };

  // Home slot of `value`: Fibonacci hashing (SHAPE ids and small values spread too).
  [[nodiscard]] std::size_t slot_of(std::uint64_t value) const noexcept {
    return static_cast<std::size_t>((value * fibonacci) >> shift_);
  }

  // Sets the filter bit of `value`.
  void set_filter(std::uint64_t value) noexcept {
    const std::uint64_t bit = (value * fibonacci) >> (shift_ - filter_extra_bits);
    filter_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
  }

  // Clears the slots and the filter and lists every value of `values_` again (allocates nothing).
  void reinsert() noexcept {
    for (auto& s : slots_) s = slot{};
    for (auto& w : filter_) w = 0;
    for (std::size_t l = 0; l < values_.size(); ++l) {
      slots_[locate(values_[l])] = slot{values_[l], static_cast<std::uint32_t>(l)};
      set_filter(values_[l]);
    }
  }

  // The slot holding `value`, or the empty slot where it would go (the table is not empty).
  [[nodiscard]] std::size_t locate(std::uint64_t value) const noexcept {
    if (slots_.empty()) return 0;
    std::size_t i = slot_of(value);
    while (slots_[i].list != empty_slot && slots_[i].value != value) i = (i + 1) & mask_;
    return i;
  }

  // Doubles the table (16 slots at first) and reinserts the values; strong guarantee.
  void grow() {
    const std::size_t size = slots_.empty() ? 16 : 2 * slots_.size();
    std::vector<slot> bigger(size);
    std::vector<std::uint64_t> filter((size << filter_extra_bits) / 64);
    std::swap(slots_, bigger);
    std::swap(filter_, filter);
    mask_ = size - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(size));
    reinsert();
  }

  std::vector<slot> slots_;                      // power-of-two size, at most half full
  std::vector<std::vector<first_start>> lists_;  // per distinct value: its starts
  std::vector<std::uint64_t> values_;            // per list: its value
  std::vector<std::uint64_t> filter_;            // 2^filter_extra_bits bits per slot
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace lexzone::detail
