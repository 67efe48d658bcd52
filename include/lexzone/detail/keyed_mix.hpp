/// \file detail/keyed_mix.hpp
/// Keyed placement of ids in the library's hash tables, against hash flooding.
///
/// Ids are XXH3-64 with seed 0 of a text: public and stable by design. Whoever sends text to a service can
/// therefore search offline for texts whose ids share the bits a table places entries by (for a table of
/// 2^k groups, about 2^k hashes a text), and make every insert and lookup of that table walk one chain:
/// n such texts cost O(n^2) probes (measured before this: 64k words of 14 shared bits took 1.7 s to add to
/// a zone instead of 3 ms). The tables place an id by `keyed_mix(id, key)` instead, with a key drawn per
/// table by `placement_key()` from a per-process secret: ids, lookups and their results are unchanged; only
/// where an entry sits in memory differs from one table and one process to the next, which a sender cannot
/// observe or predict.
///
/// The mix is one multiply and a fold: not a cryptographic function, but without the key the carries of the
/// multiply, and so the bits that pick a group, cannot be steered by choosing the input. Its cost is a few
/// cycles per probe. Limit: the index tables mix the low 32 bits of an id only (a zone string keeps no
/// more of its id), so texts whose ids share all 32 low bits still share a probe chain under every key;
/// finding each such text takes about 2^32 hashes (against about 2^14 for 14 bits before), and each one
/// costs a lookup a hash of the colliding text.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE, LEXZONE_ALWAYS_INLINE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The position of `value` in a table keyed by `key`: low bits pick a group or bucket, bits 25-31 a tag.
/// Each bit of the result depends on every bit of `value` through the multiply's carries and the fold.
/// Complexity: O(1). Throws: nothing.
LEXZONE_ALWAYS_INLINE constexpr std::uint64_t keyed_mix(std::uint64_t value, std::uint64_t key) noexcept {
  const std::uint64_t x = (value ^ key) * 0x9E3779B97F4A7C15ull;
  return x ^ (x >> 32);
}

/// The process's placement secret: drawn once, from `std::random_device` when it works, mixed with the
/// clock and an address (ASLR), so that it differs between processes even without one. Defining
/// `LEXZONE_PLACEMENT_SEED` (an integer, for the whole program) fixes it instead, so that two runs place
/// alike: for counting instructions (bench/instructions.sh), never for a program that reads text from
/// senders. Complexity: O(1) after the first call. Thread safety: any thread. Throws: nothing.
inline std::uint64_t placement_secret() noexcept {
#if defined(LEXZONE_PLACEMENT_SEED)
  return static_cast<std::uint64_t>(LEXZONE_PLACEMENT_SEED);
#else
  static const std::uint64_t secret = [] {
    std::uint64_t s = 0;
    try {
      std::random_device device;
      s = (static_cast<std::uint64_t>(device()) << 32) ^ static_cast<std::uint64_t>(device());
    } catch (...) {  // no entropy source: the clock and the address below still differ between runs
    }
    static const char anchor = 0;
    s ^=
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) * 0xC2B2AE3D27D4EB4Full;
    s ^= static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&anchor));
    return s;
  }();
  return secret;
#endif
}

/// A fresh key for one table: the process secret and a counter through splitmix64's finalizer, so that
/// two tables (two zones) place the same ids differently. Complexity: O(1). Thread safety: any thread.
/// Throws: nothing.
inline std::uint64_t placement_key() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = placement_secret() + counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// A keyed hash of ids for `tsl::robin_map` and the like (which place by the low bits of the hash): the
/// identity that `std::hash<std::uint64_t>` is would let chosen texts pile up in one bucket run and grow
/// the map without bound. The key is drawn at construction and copied with the map.
struct keyed_id_hash {
  std::uint64_t key = placement_key();  ///< this map's key
  /// The keyed position of `id`. Complexity: O(1). Throws: nothing.
  std::size_t operator()(std::uint64_t id) const noexcept { return static_cast<std::size_t>(keyed_mix(id, key)); }
};

}  // namespace lexzone::detail
