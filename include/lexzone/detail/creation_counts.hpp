/// \file detail/creation_counts.hpp
/// A per-thread table of how many zones created each recent word: the memory of the vocab's learning
/// policy (vocab.hpp, `learning_policy`).
///
/// A slot holds a 24-bit tag of the word (mixed with the store's instance id, so that vocabs do not
/// share counts) and an 8-bit count that saturates at 255. The table is 4-way set-associative: a word's
/// mix picks a set of 4 slots (16 bytes, 16-byte aligned: within one cache line), kept in order of last
/// use; a word found there moves to the front, a word not found takes the front and the least recently
/// counted word of the set is forgotten. So a word is forgotten only when 4 other words of its set were
/// counted since it was: with n distinct words counted between two creations of a word, a probability of
/// about P(Poisson(n / sets) >= 4): 1.9 % for n = 16,384 with the default 16,384 sets, where a
/// direct-mapped table of the same size forgets a word with a probability of about 1 - e^(-n / slots),
/// 22 % then.
/// Two words with the same set and tag (one pair in 2^24) share a count, which only makes one of them
/// learned a zone early. Counting is a heuristic: nothing else depends on it.
///
/// Memory: 2^`LEXZONE_CREATION_COUNT_BITS` slots of 4 bytes (65,536 slots, 256 KiB, by default) per thread
/// that counts at all (the vocab counts only while a learning policy with `zones >= 2` is set),
/// allocated zeroed on the thread's first count and freed when the thread ends; it never grows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../hash.hpp"
#include "zeroed_pages.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The calling thread's creation counts (see the file comment). Thread safety: any thread (each has its
/// own table). Throws: nothing.
class creation_counts {
 public:
  /// Slots a thread keeps.
  static constexpr std::size_t slots = std::size_t{1} << LEXZONE_CREATION_COUNT_BITS;
  static_assert(LEXZONE_CREATION_COUNT_BITS >= 3 && LEXZONE_CREATION_COUNT_BITS <= 28,
                "LEXZONE_CREATION_COUNT_BITS: 3 to 28");
  static_assert(LEXZONE_CREATION_COUNT_BITS == abi_creation_count_bits,
                "LEXZONE_CREATION_COUNT_BITS changed after a lexzone header: define it before including any");
  /// Slots of a set (the associativity).
  static constexpr std::size_t ways = 4;
  /// The largest count (a count saturates there).
  static constexpr unsigned max_count = 255;

  /// Counts one more creation of the word with id `id` in a zone of store `store` (its instance id);
  /// returns the count before this one (0 when the table does not remember the word, or could not be
  /// allocated). Complexity: O(1); allocates on the thread's first call. Throws: nothing.
  static unsigned count(std::uint64_t store, hash_t id) noexcept {
    std::uint32_t* table = thread_table().data();
    if (table == nullptr) return 0;
    const std::uint64_t mix = (id ^ (store * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
    std::uint32_t* const set = table + ways * static_cast<std::size_t>(mix >> (66 - LEXZONE_CREATION_COUNT_BITS));
    const auto tag = static_cast<std::uint32_t>(mix) & ~std::uint32_t{0xFF};  // 24 other bits
    // The word's way, or the last (the least recently counted word, forgotten): either way, the ways
    // before it move back by one and the word takes the front.
    std::size_t at = 0;
    while (at + 1 < ways && (set[at] & ~std::uint32_t{0xFF}) != tag) ++at;
    const unsigned before = (set[at] & ~std::uint32_t{0xFF}) == tag ? (set[at] & 0xFFu) : 0;
    std::copy_backward(set, set + at, set + at + 1);
    set[0] = tag | (before < max_count ? before + 1 : max_count);
    return before;
  }

 private:
  // Owns a thread's slots (zeroed pages from the system, zeroed_pages.hpp: resident as they are touched,
  // given back when the thread ends; nullptr when the allocation failed).
  class table {
   public:
    table() noexcept : slots_(allocate()) {}
    [[nodiscard]] std::uint32_t* data() const noexcept { return slots_.get(); }

   private:
    static std::uint32_t* allocate() noexcept { return static_cast<std::uint32_t*>(allocate_zeroed_pages(bytes)); }
    static constexpr std::size_t bytes = creation_counts::slots * sizeof(std::uint32_t);
    struct free_slots {
      void operator()(std::uint32_t* p) const noexcept { free_zeroed_pages(p, bytes); }
    };
    std::unique_ptr<std::uint32_t, free_slots> slots_;
  };

  static const table& thread_table() noexcept {
    thread_local const table t;
    return t;
  }
};

}  // namespace lexzone::detail
