/// \file memory_zone.hpp
/// The RAII guard that opens a generation of a string store or vocab and rolls it back on close.
///
/// # Lifetime model
/// - The **permanent layer** of a store (or vocab) holds what was added outside any zone, or with
///   `retention::permanent`. It lives as long as the store.
/// - A **zone** (`memory_zone`) is a generation: a private layer stacked on the permanent layer, and on
///   its enclosing zone when it is nested (`zone.memory_zone()`). Adding through a zone stores the string
///   (or lexeme) in the zone's own layer unless a visible layer (permanent, or an enclosing zone) has it.
/// - Each zone has a **generation** (`generation()`): a 64-bit id unique in the process (ids are never
///   reused; 0 stands for the permanent layer). What a zone with generation g hands out stays valid while
///   a zone with generation g is open, which lets caches keep borrows tagged with it (scope.hpp).
/// - The **owning zone** of a transient string or lexeme is the zone whose layer stores it.
/// - A zone **closes** when `close()` is called or its guard is destroyed (also during unwinding). Closing
///   evicts everything its layer holds and returns the memory: the layer's table and arena are freed,
///   except that up to `max_pooled_chunks` 64 KiB chunks per store are kept for the next zone.
/// - **Ids** (`hash_t`) are values and always safe to keep. Looking up an id whose owning zone closed
///   throws `unknown_hash`, as for an id never stored.
/// - **Borrows** (`std::string_view`, `const lexeme&`, `doc`, `token`, `span`) obtained from a zone's
///   layer end when the owning zone closes; borrows of permanent entries end with the store. Using a
///   borrow after its end is undefined behaviour; checked builds (`LEXZONE_CHECKED`) report docs, tokens
///   and spans as `zone_closed`, and AddressSanitizer builds report a read of a closed zone's memory
///   while it is pooled (until a later zone takes it; the zone closed last stays poisoned longest).
/// - Zones nest and are meant to close innermost first. Closing a zone that still has open children
///   first closes those children (innermost first); their guards then report `is_open() == false`, and
///   using them reports `zone_closed`. Sibling zones (two children of one zone) are independent.
/// - Zones are private overlays: zones of different threads never see or evict each other's entries.
///   A zone, with its nested zones, is used by one thread at a time (it may be moved to, and closed on,
///   another thread with the usual synchronisation). Permanent adds may come from any thread at any
///   time; reading the permanent layer takes no lock.
#pragma once

#include <cstdint>
#include <utility>

#include "config.hpp"
#include "detail/zone_registry.hpp"
#include "errors.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// Where an add through a zone stores a new entry.
enum class retention {
  automatic,  ///< in the zone's layer (spaCy's default inside a memory zone)
  permanent,  ///< in the permanent layer even inside a zone; promotes an entry that is transient in
              ///< this zone's chain (spaCy leaves it transient and evicts it)
};

/// Move-only RAII guard for one generation of `Owner` (a `basic_string_store` or `basic_vocab`).
///
/// Obtained from `owner.memory_zone()` or, nested, from `zone.memory_zone()`. The operations on the
/// zone's view of the owner (add, lookups, size) come from `Owner::zone_api` and are documented there.
/// Thread safety: a guard is not thread-safe; see the lifetime model above. Throws: only where stated.
template <class Owner>
class basic_memory_zone : public Owner::template zone_api<basic_memory_zone<Owner>> {
  using node_type = typename Owner::zone_node;

 public:
  using owner_type = Owner;  ///< the store or vocab type

  /// A guard that holds no zone (`is_open()` is false). Complexity: O(1). Throws: nothing.
  basic_memory_zone() noexcept = default;

  /// Takes over `other`'s zone; `other` is left holding none. Complexity: O(1). Throws: nothing.
  basic_memory_zone(basic_memory_zone&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)), node_(std::exchange(other.node_, nullptr)) {}

  /// Closes the zone held now, then takes over `other`'s. Complexity: that of `close`. Throws: nothing.
  basic_memory_zone& operator=(basic_memory_zone&& other) noexcept {
    if (this != &other) {
      reset();
      owner_ = std::exchange(other.owner_, nullptr);
      node_ = std::exchange(other.node_, nullptr);
    }
    return *this;
  }

  basic_memory_zone(const basic_memory_zone&) = delete;             ///< move-only
  basic_memory_zone& operator=(const basic_memory_zone&) = delete;  ///< move-only

  /// Closes the zone (see `close`) and frees the guard's node (or keeps it as the thread's spare node).
  /// Complexity: that of `close`. Throws: nothing.
  ~basic_memory_zone() { reset(); }

  /// Evicts everything this zone and its open descendants added, innermost first, and frees their
  /// layers. Idempotent. Complexity: O(number of 64 KiB chunks + 1) per zone closed, independent of the
  /// number of entries. Throws: nothing.
  void close() noexcept {
    if (node_ == nullptr || !node_->is_open()) return;
    detail::zone_node_base* n = node_;
    for (;;) {
      while (n->first_child != nullptr) n = n->first_child;
      detail::zone_node_base* parent = n->parent;
      const bool last = (n == node_);
      owner_->close_node(static_cast<node_type*>(n));
      if (last) break;
      n = parent;
    }
  }

  /// True while the zone is open (not closed, not moved from, not closed by its parent).
  /// Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool is_open() const noexcept { return node_ != nullptr && node_->is_open(); }
  /// `is_open()`. Complexity: O(1). Throws: nothing.
  explicit operator bool() const noexcept { return is_open(); }

  /// Opens a zone nested in this one. Lookups through the child also see this zone's entries.
  /// Complexity: O(1). Lifetime: the child closes at the latest when this zone closes.
  /// Thread safety: as this zone. Throws: `zone_closed` if this zone is not open; `std::bad_alloc`.
  [[nodiscard]] basic_memory_zone memory_zone() {
    require_open();
    return basic_memory_zone(owner_, owner_->open_node(node_));
  }

  /// Nesting depth: 1 for a zone opened on the owner, 2 for its child, ... (0 when not open).
  /// Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::uint32_t depth() const noexcept { return is_open() ? node_->depth : 0; }

  /// The store or vocab this zone belongs to. Requires: the guard holds a zone (not default-constructed
  /// or moved from; checked builds report a broken precondition). Complexity: O(1). Lifetime: the
  /// owner's. Throws: nothing.
  [[nodiscard]] Owner& owner() const {
    LEXZONE_ASSERT(owner_ != nullptr, "owner() of a memory_zone guard that holds no zone (moved from?)");
    return *owner_;
  }

  /// The zone's generation: an id that no other zone of the process has or will have (never 0, which
  /// stands for the permanent layer). A borrow obtained through this zone (a `const lexeme&`, a string
  /// view) stays valid at least as long as a zone with this generation is open, because it lives in this
  /// zone, an enclosing zone (which closes after this one) or the permanent layer; so a cache may keep
  /// `(pointer, generation)` pairs and reuse a pointer, without a lookup, while the current scope's
  /// generation is the pair's (see `scope_generation` and `scope_add` in scope.hpp; a cache that must
  /// answer as lookups do, which also see permanent entries added since, keeps the vocab's
  /// `permanent_inserts()` too).
  /// Complexity: O(1). Throws: `zone_closed` if the zone is not open.
  [[nodiscard]] std::uint64_t generation() const { return require_open()->generation; }

  /// The liveness cell that docs made in this zone share (checked builds; nullptr otherwise).
  /// Implementation detail of `basic_doc`. Complexity: O(1). Throws: `zone_closed` if the zone is not open.
  [[nodiscard]] detail::zone_sentinel* sentinel() const {
    require_open();
#if LEXZONE_CHECKED
    return node_->sentinel;
#else
    return nullptr;
#endif
  }

 private:
  friend Owner;
  friend typename Owner::template zone_api<basic_memory_zone<Owner>>;

  basic_memory_zone(Owner* owner, node_type* node) noexcept : owner_(owner), node_(node) {}

  void reset() noexcept {
    if (node_ == nullptr) return;
    close();
    owner_->destroy_node(node_);
    node_ = nullptr;
    owner_ = nullptr;
  }

  // The node, after checking that the zone is open (reports zone_closed otherwise).
  node_type* require_open() const {
    if (LEXZONE_UNLIKELY(node_ == nullptr || !node_->is_open())) detail::report_zone_closed("memory_zone");
    return node_;
  }

  Owner* owner_ = nullptr;
  node_type* node_ = nullptr;
};

}  // namespace lexzone
