/// \file detail/index_table.hpp
/// Open-addressing index from a 64-bit hash to a 32-bit handle, with one control byte per slot.
///
/// Layout: slots are grouped by 8; each group has one 64-bit control word (8 control bytes: 0x80 empty,
/// 0xFE erased, 0x00-0x7F full with 7 bits of the hash) and 8 four-byte handles. A lookup loads one
/// control word, matches the 7-bit tag in all 8 bytes at once (SWAR), and compares only the candidates'
/// keys through a caller-supplied predicate. Memory: 5 bytes per slot, at most 7/8 of the slots in use;
/// the first 16 slots live inside the object, so a small table allocates nothing. When it grows the
/// table asks `hash_of(handle)`, which may give only the low 32 bits: an entry is placed by
/// `keyed_mix(low 32 bits of its hash, key)` (keyed_mix.hpp: the key is drawn per table, so that chosen
/// texts cannot pile up in one probe chain), whose bits 25-31 are its tag and low bits its home group.
///
/// Concurrency (`Concurrent == true`): one writer at a time (the caller serialises writers); any number
/// of readers run `find` without locks at the same time. A writer fills a slot's handle before it
/// publishes the control word with a release store; readers load control words with acquire. Growth
/// builds a new table and publishes it with a release store; the old table is retired, not freed, until
/// the index dies (readers may still be probing it). Retired tables of growths add at most the size of the
/// current one (sizes double); a rehash at the same size, which reclaims erased slots (a permanent lexeme
/// replacing the string entry of its text erases one), retires a table of the current size each time:
/// rare (once erased slots take at least 3/8 of the table), but not bounded by the table's size.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"
#include "arena.hpp"
#include "keyed_mix.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

inline constexpr std::uint64_t lsb_bytes = 0x0101010101010101ull;
inline constexpr std::uint64_t msb_bytes = 0x8080808080808080ull;
inline constexpr std::uint8_t ctrl_empty = 0x80;
inline constexpr std::uint8_t ctrl_erased = 0xFE;

// Bytes of `w` equal to `b` get their high bit set in the result (false positives possible only above a
// true match; callers verify every candidate).
constexpr std::uint64_t match_byte(std::uint64_t w, std::uint8_t b) noexcept {
  const std::uint64_t x = w ^ (lsb_bytes * b);
  return (x - lsb_bytes) & ~x & msb_bytes;
}
constexpr std::uint64_t match_full(std::uint64_t w) noexcept { return ~w & msb_bytes; }
constexpr unsigned lowest_byte(std::uint64_t m) noexcept { return static_cast<unsigned>(std::countr_zero(m)) / 8; }
constexpr std::uint8_t tag_of(std::uint64_t placement) noexcept {
  return static_cast<std::uint8_t>((placement >> 25) & 0x7F);
}

template <class Alloc, bool Concurrent>
class index_table {
  using slot_type = std::uint32_t;
  struct rep {
    std::size_t group_mask;  // number of groups - 1
    std::size_t capacity;    // slots
    std::atomic<std::uint64_t>* ctrl;
    slot_type* slots;
  };

 public:
  explicit index_table(const Alloc& a = Alloc()) : alloc_(a), retired_(rebind_t<Alloc, rep*>(a)) {
    for (auto& w : small_.ctrl) w.store(msb_bytes, std::memory_order_relaxed);
  }
  index_table(const index_table&) = delete;
  index_table& operator=(const index_table&) = delete;
  ~index_table() { clear(); }

  /// The handle of the first entry with hash `h` for which `eq(handle)` is true.
  /// Complexity: O(1) expected. Thread safety: lock-free, may run concurrently with one writer when
  /// Concurrent. Throws: what `eq` throws.
  template <class Eq>
  [[nodiscard]] LEXZONE_ALWAYS_INLINE bool find(hash_t h, Eq&& eq, std::uint32_t& out) const {
    const rep* r = rep_.load(std::memory_order_acquire);
    return probe(*r, placement(h), std::memory_order_acquire,
                 [&](std::size_t g, unsigned i, std::uint64_t) LEXZONE_INLINE_LAMBDA {
                   const std::uint32_t handle = r->slots[g * 8 + i];
                   if (!eq(handle)) return false;
                   out = handle;
                   return true;
                 });
  }

  /// Makes room for one more entry, so that the next `insert` cannot throw. Strong guarantee.
  /// `hash_of(handle)` gives the hash of a stored entry. Writer only.
  template <class HashOf>
  void reserve_one(HashOf&& hash_of) {
    const rep* r = rep_.load(std::memory_order_relaxed);
    if (LEXZONE_UNLIKELY((size_ + erased_ + 1) * 8 > r->capacity * 7)) grow_for_one(r, hash_of);
  }

 private:
  // `reserve_one`'s rare path, out of line so that the test above stays inline in every insert.
  template <class HashOf>
  LEXZONE_NOINLINE void grow_for_one(const rep* r, HashOf& hash_of) {
    std::size_t cap = r->capacity;
    if (size_ + 1 > cap / 2) cap *= 2;  // otherwise erased slots are reclaimed at the same size
    // A private table leaving its inline slots grows at once to the size its entries needed when it
    // was last cleared (a recycled zone's table, bounded by `max_grow_hint`): the doublings in between
    // would be made again by every zone of a similar size. The hint follows the last non-empty zone's
    // size, down as well as up: after one large zone, small ones (a zone per request) go back to small
    // tables.
    if constexpr (!Concurrent) {
      if (r == &small_rep_ && grow_hint_ > cap) cap = grow_hint_;
    }
    rehash(cap, hash_of);
  }

 public:
  /// Inserts `handle` under `h`; requires a preceding `reserve_one` and that no equal entry exists.
  /// Writer only. Throws: nothing.
  void insert(hash_t h, std::uint32_t handle) noexcept {
    rep* r = rep_.load(std::memory_order_relaxed);
    place(*r, placement(h), handle);
    size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  /// Marks the entry with hash `h` and handle `handle` erased. Writer only. In a Concurrent table a
  /// reader that loaded the control word before may still return `handle`: the caller keeps what it
  /// refers to valid. Returns whether it was found. Throws: nothing.
  bool erase(hash_t h, std::uint32_t handle) noexcept {
    rep* r = rep_.load(std::memory_order_relaxed);
    const bool found = probe(*r, placement(h), std::memory_order_relaxed,
                             [&](std::size_t g, unsigned i, std::uint64_t w) LEXZONE_INLINE_LAMBDA {
                               if (r->slots[g * 8 + i] != handle) return false;
                               const std::uint64_t nw =
                                   (w & ~(std::uint64_t{0xFF} << (8 * i))) | (std::uint64_t{ctrl_erased} << (8 * i));
                               r->ctrl[g].store(nw, std::memory_order_release);
                               return true;
                             });
    if (!found) return false;
    size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    ++erased_;
    return true;
  }

  /// Calls `f(handle)` for every entry. Writer, or no concurrent writer.
  template <class F>
  void for_each(F&& f) const {
    const rep* r = rep_.load(std::memory_order_acquire);
    for (std::size_t g = 0; g <= r->group_mask; ++g) {
      const std::uint64_t w = r->ctrl[g].load(std::memory_order_acquire);
      for (std::uint64_t m = match_full(w); m != 0; m &= m - 1) f(r->slots[g * 8 + lowest_byte(m)]);
    }
  }

  /// Groups that a lookup of `h` visits when it misses: from h's home group to the first group with an
  /// empty slot (for tests of the placement: see keyed_mix.hpp). Complexity: O(that number). Writer, or
  /// no concurrent writer. Throws: nothing.
  [[nodiscard]] std::size_t probe_length(hash_t h) const noexcept {
    const rep* r = rep_.load(std::memory_order_acquire);
    std::size_t g = static_cast<std::size_t>(placement(h)) & r->group_mask;
    for (std::size_t step = 1;; ++step) {
      if (match_byte(r->ctrl[g].load(std::memory_order_acquire), ctrl_empty) != 0 || step > r->group_mask) return step;
      g = (g + step) & r->group_mask;
    }
  }

  /// Number of entries. Thread safety: may be read concurrently (relaxed).
  [[nodiscard]] std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  /// Bytes of memory held: the current table plus retired ones.
  [[nodiscard]] std::size_t bytes_held() const noexcept { return bytes_held_.get(); }

  /// Frees the retired tables (the outgrown ones a concurrent table keeps for readers that may still
  /// probe them). Requires: no concurrent reader. Complexity: O(retired tables). Throws: nothing.
  void release_retired() noexcept {
    for (rep* old : retired_) {
      bytes_held_.sub(rep_bytes(old->capacity));
      free_rep(old);
    }
    retired_.clear();
    retired_.shrink_to_fit();
  }

  /// Frees everything; the table becomes empty (its first 16 slots live inside the object, so a table
  /// that never held more than 14 entries allocated nothing). Not concurrently with readers.
  /// Complexity: O(1) when nothing was allocated. Throws: nothing.
  void clear() noexcept {
    rep* r = rep_.load(std::memory_order_relaxed);
    if (r == &small_rep_ && size_.load(std::memory_order_relaxed) == 0 && erased_ == 0) return;
    if constexpr (!Concurrent) {
      grow_hint_ = std::min(capacity_for(size_.load(std::memory_order_relaxed)), max_grow_hint);
    }
    free_rep(r);
    for (rep* old : retired_) free_rep(old);
    retired_.clear();
    retired_.shrink_to_fit();
    for (auto& w : small_.ctrl) w.store(msb_bytes, std::memory_order_relaxed);
    rep_.store(&small_rep_, std::memory_order_relaxed);
    size_.store(0, std::memory_order_relaxed);
    erased_ = 0;
    bytes_held_.set(0);
  }

 private:
  // Where hash `h` is placed in this table (see the file comment).
  [[nodiscard]] LEXZONE_ALWAYS_INLINE std::uint64_t placement(hash_t h) const noexcept {
    return keyed_mix(static_cast<std::uint32_t>(h), key_);
  }

  // The one probe sequence of placement `p` in `r`: calls `visit(group, slot, control_word)` for each
  // slot whose control byte holds p's tag (SWAR false positives skipped), in probe order, until it
  // returns true; returns whether one did. Ends at a group with an empty slot, or after every group.
  template <class Visit>
  LEXZONE_ALWAYS_INLINE static bool probe(const rep& r, std::uint64_t p, std::memory_order order, Visit&& visit) {
    const std::uint8_t tag = tag_of(p);
    std::size_t g = static_cast<std::size_t>(p) & r.group_mask;
    for (std::size_t step = 1;; ++step) {
      const std::uint64_t w = r.ctrl[g].load(order);
      for (std::uint64_t m = match_byte(w, tag); m != 0; m &= m - 1) {
        const unsigned i = lowest_byte(m);
        if (((w >> (8 * i)) & 0xFF) == tag && visit(g, i, w)) return true;
      }
      if (match_byte(w, ctrl_empty) != 0 || step > r.group_mask) return false;
      g = (g + step) & r.group_mask;
    }
  }

  static std::size_t rep_bytes(std::size_t cap) noexcept {
    return sizeof(rep) + (cap / 8) * sizeof(std::atomic<std::uint64_t>) + cap * sizeof(slot_type);
  }

  rep* make_rep(std::size_t cap) {
    std::byte* mem = allocate_aligned_bytes(alloc_, rep_bytes(cap));
    auto* ctrl = reinterpret_cast<std::atomic<std::uint64_t>*>(mem + sizeof(rep));
    for (std::size_t g = 0; g < cap / 8; ++g)
      ::new (static_cast<void*>(ctrl + g)) std::atomic<std::uint64_t>(msb_bytes);
    auto* slots = reinterpret_cast<slot_type*>(mem + sizeof(rep) + (cap / 8) * sizeof(std::atomic<std::uint64_t>));
    return ::new (static_cast<void*>(mem)) rep{cap / 8 - 1, cap, ctrl, slots};
  }

  void free_rep(rep* r) noexcept {
    if (r == &small_rep_) return;
    const std::size_t n = rep_bytes(r->capacity);
    deallocate_aligned_bytes(alloc_, reinterpret_cast<std::byte*>(r), n);
  }

  static void place(rep& r, std::uint64_t p, std::uint32_t handle) noexcept {
    std::size_t g = static_cast<std::size_t>(p) & r.group_mask;
    for (std::size_t step = 1;; ++step) {
      const std::uint64_t w = r.ctrl[g].load(std::memory_order_relaxed);
      const std::uint64_t m = match_byte(w, ctrl_empty);
      if (m != 0) {
        const unsigned i = lowest_byte(m);
        r.slots[g * 8 + i] = handle;
        const std::uint64_t nw = (w & ~(std::uint64_t{0xFF} << (8 * i))) | (std::uint64_t{tag_of(p)} << (8 * i));
        r.ctrl[g].store(nw, std::memory_order_release);
        return;
      }
      g = (g + step) & r.group_mask;
    }
  }

  template <class HashOf>
  void rehash(std::size_t cap, HashOf& hash_of) {
    if (cap > (std::size_t{1} << 33)) throw capacity_error("lexzone: index table too large");
    if constexpr (Concurrent) retired_.reserve(retired_.size() + 1);
    rep* fresh = make_rep(cap);
    rep* old = rep_.load(std::memory_order_relaxed);
    try {
      for (std::size_t g = 0; g <= old->group_mask; ++g) {
        const std::uint64_t w = old->ctrl[g].load(std::memory_order_relaxed);
        for (std::uint64_t m = match_full(w); m != 0; m &= m - 1) {
          const std::uint32_t handle = old->slots[g * 8 + lowest_byte(m)];
          place(*fresh, placement(static_cast<hash_t>(hash_of(handle))), handle);
        }
      }
    } catch (...) {
      free_rep(fresh);
      throw;
    }
    rep_.store(fresh, std::memory_order_release);
    bytes_held_.add(rep_bytes(cap));
    erased_ = 0;
    if (old == &small_rep_) {
      // Inside the object: readers of a Concurrent table may still probe it; clear() empties it.
    } else if constexpr (Concurrent) {
      retired_.push_back(old);  // capacity reserved above
    } else {
      bytes_held_.sub(rep_bytes(old->capacity));
      free_rep(old);
    }
  }

  static constexpr std::size_t small_capacity = 16;
  // The capacity a table needs to hold `n` entries without growing (see `reserve_one`).
  static std::size_t capacity_for(std::size_t n) noexcept {
    std::size_t cap = small_capacity;
    while (n * 8 > cap * 7) cap *= 2;
    return cap;
  }
  // The first table, inside the object (its bytes are not counted by bytes_held).
  struct small_storage {
    std::atomic<std::uint64_t> ctrl[small_capacity / 8];
    slot_type slots[small_capacity] = {};  // read only where ctrl says full
  };

  Alloc alloc_;
  const std::uint64_t key_ = placement_key();  // this table's placement key, for its whole life
  small_storage small_;
  rep small_rep_{small_capacity / 8 - 1, small_capacity, small_.ctrl, small_.slots};
  std::atomic<rep*> rep_{&small_rep_};
  std::atomic<std::size_t> size_{0};
  std::size_t erased_ = 0;
  writer_count<Concurrent> bytes_held_;  // read by `stats()` without the writer's lock when Concurrent
  // Private tables: the capacity to grow to when leaving the inline slots (see `reserve_one`).
  static constexpr std::size_t max_grow_hint = std::size_t{1} << 14;
  std::size_t grow_hint_ = 0;
  std::vector<rep*, rebind_t<Alloc, rep*>> retired_;
};

}  // namespace lexzone::detail
