/// \file detail/zone_registry.hpp
/// Zone nodes (the heap state behind a memory_zone guard) and the registry that sums their statistics.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>

#include "../config.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Liveness cell shared by a zone and the docs made in it (checked builds). Reference counted so a doc
/// can outlive its zone and still learn that the zone closed.
struct zone_sentinel {
  std::atomic<std::uint32_t> refs{1};
  std::atomic<bool> alive{true};

  static zone_sentinel* make() { return new zone_sentinel(); }
  void retain() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

/// A counted reference to a `zone_sentinel`: copies share it, the last one frees it. It has no move
/// operations, so a move copies: a moved-from reference still refers to its cell (a moved-from zone view
/// still learns that its zone closed). Thread safety: as `zone_sentinel` (distinct references may be used
/// on distinct threads).
class sentinel_ref {  // NOLINT(cppcoreguidelines-special-member-functions): moves copy, see above
 public:
  /// Shares `s`. Requires: `s` not null.
  explicit sentinel_ref(zone_sentinel* s) noexcept : s_(s) { s_->retain(); }
  sentinel_ref(const sentinel_ref& o) noexcept : s_(o.s_) { s_->retain(); }
  sentinel_ref& operator=(const sentinel_ref& o) noexcept {
    if (this != &o) {
      o.s_->retain();
      s_->release();
      s_ = o.s_;
    }
    return *this;
  }
  ~sentinel_ref() { s_->release(); }

  /// False once the zone closed.
  [[nodiscard]] bool alive() const noexcept { return s_->alive.load(std::memory_order_acquire); }

 private:
  zone_sentinel* s_;
};

/// Where a zone node is in its life (see `zone_node_base::state`).
enum class node_state : std::uint8_t {
  open,    ///< a guard holds it and the zone is open
  closed,  ///< a guard holds it and the zone is closed
  spare,   ///< kept by its owner for the next zone (no guard)
};

/// Returns a process-wide unique zone generation id (never 0, never repeated). Each thread takes blocks
/// of 1024 ids from one global counter, so a call is a few instructions and rarely an atomic add.
/// Thread safety: any thread. Throws: nothing.
inline std::uint64_t next_generation() noexcept {
  constexpr std::uint64_t block = 1024;
  static std::atomic<std::uint64_t> next_block{0};
  thread_local std::uint64_t next = 0;
  thread_local std::uint64_t end = 0;
  if (next == end) {
    next = next_block.fetch_add(1, std::memory_order_relaxed) * block + 1;
    end = next + block;
  }
  return next++;
}

/// State common to every zone node. A node is owned by its guard while a zone uses it, then by its
/// owner's spares (see `node_spares`) until it is reused or freed; links are used by the guard's thread
/// only, counters and the state are read by `stats()` from any thread.
struct zone_node_base {
  zone_node_base* parent = nullptr;
  zone_node_base* first_child = nullptr;  // open children, most recent first
  zone_node_base* next_sibling = nullptr;
  zone_node_base* prev_sibling = nullptr;
  zone_node_base* reg_next = nullptr;  // registry shard list
  zone_node_base* reg_prev = nullptr;
  std::uint64_t generation = 0;  // unique per zone opened (next_generation)
  std::uint32_t depth = 0;
  std::uint32_t shard = 0;      // the registry shard that lists the node
  std::uint32_t footprint = 0;  // sizeof the node's full type (counted as pooled while spare)
  std::atomic<node_state> state{node_state::closed};
  std::atomic<std::size_t> string_count{0};
  std::atomic<std::size_t> lexeme_count{0};
  std::atomic<std::size_t> byte_count{0};
  // Bytes of the chunk the node's layer keeps for its next zone, unused (detail/arena.hpp): pooled memory.
  std::atomic<std::uint32_t> kept_bytes{0};
  // The permanent layer's insert count at which every lexeme record of this zone was last known to have
  // no permanent counterpart (basic_vocab::add_in_zone); `dirty_stamp` when unknown; meaningless while
  // the zone has no lexeme (lexeme_count 0). Zone thread only.
  std::uint64_t clean_stamp = 0;
  static constexpr std::uint64_t dirty_stamp = ~std::uint64_t{0};
#if LEXZONE_CHECKED
  zone_sentinel* sentinel = nullptr;
#endif

  [[nodiscard]] bool is_open() const noexcept { return state.load(std::memory_order_relaxed) == node_state::open; }

  // Single-writer counter update (the zone's own thread), readable from others.
  static void bump(std::atomic<std::size_t>& c, std::ptrdiff_t d) noexcept {
    c.store(c.load(std::memory_order_relaxed) + static_cast<std::size_t>(d), std::memory_order_relaxed);
  }

  // Starts a zone in this (closed or fresh) node under `parent` (nullptr: on the owner).
  void activate(zone_node_base* p) noexcept {
    generation = next_generation();
    if (p != nullptr) {
      p->link_child(this);
      depth = p->depth + 1;
    } else {
      depth = 1;
    }
    state.store(node_state::open, std::memory_order_relaxed);
  }

  // Marks the node closed and zeroes its counters (its layers were released by the owner).
  void mark_closed() noexcept {
    state.store(node_state::closed, std::memory_order_relaxed);
    string_count.store(0, std::memory_order_relaxed);
    lexeme_count.store(0, std::memory_order_relaxed);
    byte_count.store(0, std::memory_order_relaxed);
#if LEXZONE_CHECKED
    sentinel->alive.store(false, std::memory_order_release);
#endif
  }

  void link_child(zone_node_base* c) noexcept {
    c->parent = this;
    c->next_sibling = first_child;
    c->prev_sibling = nullptr;
    if (first_child != nullptr) first_child->prev_sibling = c;
    first_child = c;
  }
  void unlink_from_parent() noexcept {
    if (parent == nullptr) return;
    if (prev_sibling != nullptr) {
      prev_sibling->next_sibling = next_sibling;
    } else {
      parent->first_child = next_sibling;
    }
    if (next_sibling != nullptr) next_sibling->prev_sibling = prev_sibling;
    parent = next_sibling = prev_sibling = nullptr;
  }
};

/// The shard of the calling thread: threads are numbered in the order they first ask, modulo `count`.
/// Complexity: O(1). Throws: nothing.
inline std::uint32_t this_thread_shard(std::uint32_t count) noexcept {
  static std::atomic<std::uint32_t> next{0};
  thread_local const std::uint32_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine % count;
}

/// Closed zone nodes kept for the next zones: one slot per thread shard, taken and given back with one
/// atomic exchange each, so that opening a zone on a warm thread allocates nothing and takes no lock.
/// At most `slot_count` nodes are kept. Thread safety: every member may be called concurrently.
class node_spares {
 public:
  static constexpr std::uint32_t slot_count = 16;

  node_spares() = default;
  node_spares(const node_spares&) = delete;
  node_spares& operator=(const node_spares&) = delete;
  /// Does not free the nodes still kept: the owner drains them first (they need its allocator).
  ~node_spares() = default;

  /// A spare node for the calling thread, or nullptr. Throws: nothing.
  [[nodiscard]] zone_node_base* take() noexcept {
    std::atomic<zone_node_base*>& s = slots_[this_thread_shard(slot_count)].node;
    if (s.load(std::memory_order_relaxed) == nullptr) return nullptr;
    return s.exchange(nullptr, std::memory_order_acquire);
  }

  /// Keeps `n` (a spare node) in the calling thread's slot; returns the node it displaced (the caller
  /// frees it), or nullptr. Throws: nothing.
  [[nodiscard]] zone_node_base* give(zone_node_base* n) noexcept {
    return slots_[this_thread_shard(slot_count)].node.exchange(n, std::memory_order_acq_rel);
  }

  /// Empties every slot, calling `f(node)` on each node taken (the caller frees them). Throws: nothing.
  template <class F>
  void drain(F&& f) noexcept {
    for (slot& s : slots_)
      if (zone_node_base* n = s.node.exchange(nullptr, std::memory_order_acquire)) f(n);
  }

 private:
  struct alignas(64) slot {
    std::atomic<zone_node_base*> node{nullptr};
  };
  std::array<slot, slot_count> slots_{};
};

/// Adds to a zone's `byte_count` how much `layer.bytes_held()` grew during its scope, also when the scope
/// is left by an exception: a failed add may keep capacity it grew (index table, arena directory), and
/// `stats().zone_bytes` must still count it. (Hardening fix: the growth was counted only on success, so
/// after a std::bad_alloc the figure stayed low for the zone's life.)
template <class Layer>
class byte_growth {
 public:
  byte_growth(std::atomic<std::size_t>& counter, const Layer& layer) noexcept
      : counter_(counter), layer_(layer), before_(layer.bytes_held()) {}
  byte_growth(const byte_growth&) = delete;
  byte_growth& operator=(const byte_growth&) = delete;
  ~byte_growth() { zone_node_base::bump(counter_, static_cast<std::ptrdiff_t>(layer_.bytes_held() - before_)); }

 private:
  std::atomic<std::size_t>& counter_;
  const Layer& layer_;
  std::size_t before_;
};

/// Totals over the zone nodes of one store.
struct zone_totals {
  std::size_t open_zones = 0;
  std::size_t guarded_zones = 0;  ///< nodes a guard holds: open zones and closed ones whose guard lives
  std::size_t strings = 0;
  std::size_t lexemes = 0;
  std::size_t bytes = 0;
  std::size_t pooled_node_bytes = 0;  ///< footprints of the spare nodes, plus the chunks nodes keep unused
};

/// Every zone node of one store (open, closed or spare: a node is listed from its allocation to its
/// release), in 16 shards picked per thread, so that threads allocating nodes at the same time rarely
/// share a lock. Opening and closing a zone on a recycled node does not touch the registry.
/// Thread safety: all members may be called concurrently.
class zone_registry {
 public:
  static constexpr std::uint32_t shard_count = 16;

  void add(zone_node_base* n) noexcept {
    n->shard = this_thread_shard(shard_count);
    shard& s = shards_[n->shard];
    std::lock_guard lock(s.mutex);
    n->reg_prev = nullptr;
    n->reg_next = s.head;
    if (s.head != nullptr) s.head->reg_prev = n;
    s.head = n;
  }

  void remove(zone_node_base* n) noexcept {
    shard& s = shards_[n->shard];
    std::lock_guard lock(s.mutex);
    if (n->reg_prev != nullptr) {
      n->reg_prev->reg_next = n->reg_next;
    } else {
      s.head = n->reg_next;
    }
    if (n->reg_next != nullptr) n->reg_next->reg_prev = n->reg_prev;
    n->reg_next = n->reg_prev = nullptr;
  }

  /// Sums the counters of every node (closed and spare nodes count zero), counts the open ones, and
  /// sums the bytes of the spare ones and the chunks every node keeps unused. Complexity: O(nodes).
  [[nodiscard]] zone_totals totals() const noexcept {
    zone_totals t;
    for (const shard& s : shards_) {
      std::lock_guard lock(s.mutex);
      for (const zone_node_base* n = s.head; n != nullptr; n = n->reg_next) {
        const node_state st = n->state.load(std::memory_order_relaxed);
        t.open_zones += st == node_state::open ? 1 : 0;
        t.guarded_zones += st != node_state::spare ? 1 : 0;  // closed: its guard has not died yet
        t.pooled_node_bytes +=
            (st == node_state::spare ? n->footprint : 0) + n->kept_bytes.load(std::memory_order_relaxed);
        t.strings += n->string_count.load(std::memory_order_relaxed);
        t.lexemes += n->lexeme_count.load(std::memory_order_relaxed);
        t.bytes += n->byte_count.load(std::memory_order_relaxed);
      }
    }
    return t;
  }

 private:
  struct alignas(64) shard {
    mutable std::mutex mutex;
    zone_node_base* head = nullptr;
  };

  std::array<shard, shard_count> shards_{};
};

}  // namespace lexzone::detail
