/// \file detail/permanent_memo.hpp
/// A per-thread memo of short strings known to be permanent in a string store, with their ids.
///
/// Creating a lexeme interns its attribute strings (lower, norm, shape, prefix, suffix). Most of them are
/// short and already permanent ("Xxxxx", "T", "ing"), yet each cost a hash, a probe of the large
/// permanent index and a compare with the text in the arena: cache misses, paid again for every lexeme a
/// zone creates. The memo answers "is `s` permanent in store S, and with which id" from a small table
/// that stays in the L1/L2 cache.
///
/// Why an entry never goes stale: a permanent string stays in its store until the store is destroyed,
/// and the memo is keyed by the store's instance id, unique in the process and never reused (a store
/// made later at the same address has another id). Only strings found permanent are recorded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../config.hpp"
#include "../hash.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The per-thread memo (see the file comment). All members are static and act on the calling thread's
/// table only. Thread safety: any thread (nothing is shared). Throws: nothing.
class permanent_memo {
 public:
  /// Longest string the memo keeps.
  static constexpr std::size_t max_size = 15;

  /// The id recorded for `s` in the store with instance id `store`, or 0 (not recorded: unknown, not
  /// permanent, longer than `max_size`, or displaced). Complexity: O(1), no allocation.
  [[nodiscard]] static hash_t find(std::uint64_t store, std::string_view s) noexcept {
    if (s.empty() || s.size() > max_size) return 0;
    const key k = key_of(s);
    const slot& e = table()[index_of(k)];
    return e.store == store && e.k.low == k.low && e.k.high == k.high && e.k.size == k.size ? e.id : 0;
  }

  /// Records that `s` is permanent in store `store` with id `id` (no-op for strings longer than
  /// `max_size`, or empty). Requires: it is. Complexity: O(1), no allocation.
  static void record(std::uint64_t store, std::string_view s, hash_t id) noexcept {
    if (s.empty() || s.size() > max_size) return;
    const key k = key_of(s);
    table()[index_of(k)] = slot{store, id, k};
  }

 private:
  static constexpr unsigned index_bits = 9;  // 512 slots of 40 bytes: 20 KiB a thread

  // A string of 1 to 15 bytes as its size and two words that determine it together (overlapping loads
  // that cover every byte, as `same_bytes` in entry.hpp).
  struct key {
    std::uint64_t low;
    std::uint64_t high;
    std::uint64_t size;
  };
  struct slot {
    std::uint64_t store = 0;  // 0: empty (instance ids start at 1)
    hash_t id = 0;
    key k{};
  };

  static key key_of(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t a = 0, b = 0;
    if (n >= 8) {
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t x = 0, y = 0;
      std::memcpy(&x, p, 4);
      std::memcpy(&y, p + n - 4, 4);
      a = x | (std::uint64_t{y} << 32);
    } else {
      a = static_cast<unsigned char>(p[0]) | (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          (std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    }
    return {a, b, n};
  }

  static std::size_t index_of(const key& k) noexcept {
    const std::uint64_t h = (k.low * 0x9E3779B97F4A7C15ull) ^ ((k.high + k.size) * 0xC2B2AE3D27D4EB4Full);
    return static_cast<std::size_t>((h ^ (h >> 29)) >> (64 - index_bits));
  }

  static std::array<slot, std::size_t{1} << index_bits>& table() noexcept {
    thread_local std::array<slot, std::size_t{1} << index_bits> t{};
    return t;
  }
};

}  // namespace lexzone::detail
