/// \file detail/zone_registry.hpp
/// Zone nodes (the heap state behind a memory_zone guard) and the registry that sums their statistics.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "../config.hpp"

namespace lexzone::detail {

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

/// State common to every zone node. A node is owned by its guard; links are used by the guard's thread
/// only, counters are read by `stats()` from any thread.
struct zone_node_base {
  zone_node_base* parent = nullptr;
  zone_node_base* first_child = nullptr;  // open children, most recent first
  zone_node_base* next_sibling = nullptr;
  zone_node_base* prev_sibling = nullptr;
  zone_node_base* reg_next = nullptr;  // registry shard list
  zone_node_base* reg_prev = nullptr;
  std::uint32_t depth = 0;
  std::uint32_t shard = 0;
  bool open = true;
  std::atomic<std::size_t> string_count{0};
  std::atomic<std::size_t> lexeme_count{0};
  std::atomic<std::size_t> byte_count{0};
#if LEXZONE_CHECKED
  zone_sentinel* sentinel = nullptr;
#endif

  // Single-writer counter update (the zone's own thread), readable from others.
  static void bump(std::atomic<std::size_t>& c, std::ptrdiff_t d) noexcept {
    c.store(c.load(std::memory_order_relaxed) + static_cast<std::size_t>(d), std::memory_order_relaxed);
  }

  // Marks the node closed and zeroes its counters (its layers were released by the owner).
  void mark_closed() noexcept {
    open = false;
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

/// Totals over the open zones of one store.
struct zone_totals {
  std::size_t open_zones = 0;
  std::size_t strings = 0;
  std::size_t lexemes = 0;
  std::size_t bytes = 0;
};

/// The open zones of one store, in 16 shards picked per thread, so that threads opening and closing
/// zones at the same time rarely share a lock. Thread safety: all members may be called concurrently.
class zone_registry {
 public:
  static constexpr std::uint32_t shard_count = 16;

  void add(zone_node_base* n) noexcept {
    n->shard = this_thread_shard();
    shard& s = shards_[n->shard];
    std::lock_guard lock(s.mutex);
    n->reg_prev = nullptr;
    n->reg_next = s.head;
    if (s.head != nullptr) s.head->reg_prev = n;
    s.head = n;
    ++s.count;
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
    --s.count;
  }

  /// Sums the counters of every open zone. Complexity: O(open zones).
  [[nodiscard]] zone_totals totals() const noexcept {
    zone_totals t;
    for (const shard& s : shards_) {
      std::lock_guard lock(s.mutex);
      t.open_zones += s.count;
      for (const zone_node_base* n = s.head; n != nullptr; n = n->reg_next) {
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
    std::size_t count = 0;
  };

  static std::uint32_t this_thread_shard() noexcept {
    static std::atomic<std::uint32_t> next{0};
    thread_local const std::uint32_t mine = next.fetch_add(1, std::memory_order_relaxed) % shard_count;
    return mine;
  }

  std::array<shard, shard_count> shards_{};
};

}  // namespace lexzone::detail
