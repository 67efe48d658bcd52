/// \file string_store.hpp
/// `basic_string_store`: a two-way map between strings and their 64-bit ids, split into a permanent
/// layer and one private layer per open `memory_zone` (see memory_zone.hpp for the lifetime model).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "config.hpp"
#include "detail/arena.hpp"
#include "detail/layer_chain.hpp"
#include "detail/permanent_memo.hpp"
#include "detail/string_layer.hpp"
#include "detail/zone_registry.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "memory_zone.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

template <class Traits, class Hasher, class Allocator>
class basic_vocab;

/// Memory and size figures of a store, for monitoring. Transient figures cover every open zone.
struct string_store_stats {
  std::size_t permanent_strings = 0;  ///< strings in the permanent layer
  std::size_t transient_strings = 0;  ///< live strings in all open zones' layers
  std::size_t open_zones = 0;         ///< zones open on this store (string and vocab zones)
  std::size_t permanent_bytes = 0;    ///< memory held by the permanent layer (arena and index)
  std::size_t zone_bytes = 0;         ///< memory held by open zones' layers
  std::size_t pooled_bytes = 0;       ///< free chunks, chunks zone nodes keep and spare zone nodes (bounded)
};

template <class Store>
class basic_string_zone_view;

/// Interns strings: `add` stores a string once and returns its id; `operator[]` maps an id back.
///
/// - Layers: calls on the store itself use the permanent layer only. Calls through a zone guard (from
///   `memory_zone()`) see the permanent layer, then the zone and its enclosing zones.
/// - Names (the same on every lexzone table): `add` creates; `find` and `contains` never throw (an
///   unknown id, or a string whose id a different stored string holds, is simply not found);
///   `operator[]` throws `unknown_hash`; `size`, `stats`.
/// - Stability: string bytes never move once stored; a `std::string_view` from the store stays valid
///   until its layer ends (the store's destruction, or its zone's close). Views are not NUL-terminated.
/// - Ids: `Hasher` of the bytes (XXH3-64, seed 0, by default; "" is always present with id 0).
///   Adding a string whose id a visible layer holds for different bytes throws `hash_collision`, and so
///   does adding it through a zone while a zone nested in it (which sees it) holds the id for other bytes.
/// - Thread safety: every member of the store may be called concurrently, except `shrink_to_fit` (see
///   there). Lookups on the permanent layer take no lock (see detail/index_table.hpp); permanent adds
///   are serialised by a mutex only when the string is new. All zones must be closed before the store is destroyed.
/// - Exceptions: strong guarantee for every add (on a throw nothing is stored).
///
/// \tparam Hasher see `default_hasher`.
/// \tparam Allocator an allocator of `std::byte`, rebound for internals (raw memory is allocated as
///   units aligned to `alignof(std::max_align_t)`, so an allocator that aligns `std::byte` to 1 is
///   fine); every byte the store holds comes from it, except, in checked builds, each zone's liveness
///   sentinel (a few bytes from `new`, see memory_zone.hpp). Zones allocate on the threads that use them,
///   with no lock of the store's: when several threads use the store, its allocator must be safe to call
///   from several threads at once (`std::allocator` and `std::pmr::synchronized_pool_resource` are,
///   `std::pmr::unsynchronized_pool_resource` is not).
template <class Hasher = default_hasher, class Allocator = std::allocator<std::byte>>
class basic_string_store {
  using perm_layer = detail::string_layer<Hasher, Allocator, true>;
  using zone_layer = detail::string_layer<Hasher, Allocator, false>;

 public:
  using hasher = Hasher;             ///< the id function
  using allocator_type = Allocator;  ///< the allocator every byte comes from
  using size_type = std::size_t;     ///< counts

  /// Per-zone state (also of a vocab's zones). Implementation detail; public only so that
  /// `basic_memory_zone` can name it.
  struct zone_node : detail::zone_node_base {
    /// An empty layer drawing chunks from `src`; allocates nothing. Complexity: O(1).
    /// Throws: what copying `Hasher` or the allocator throws (nothing for the defaults).
    zone_node(detail::chunk_source<Allocator>& src, const Hasher& h) : strings(src, h, &kept_bytes) {}
    zone_layer strings;  ///< the zone's own strings (and its vocab's lexeme records)
  };

  /// The most zone nodes a store keeps for the next zones (one per thread shard, see `trim_pool`).
  static constexpr std::size_t max_spare_zones = detail::node_spares::slot_count;
  /// The bytes one spare zone node counts in `stats().pooled_bytes`.
  static constexpr std::size_t zone_node_bytes = sizeof(zone_node);

  template <class Zone>
  class zone_api;
  /// The guard returned by `memory_zone()`; its operations are those of `zone_api`.
  using zone_type = basic_memory_zone<basic_string_store>;
  /// A view of one zone's strings with the operations of `zone_api` (see `basic_vocab::zone_api::strings`).
  using zone_view = basic_string_zone_view<basic_string_store>;

  /// An empty store (holding only "", id 0).
  /// \param hash_function the id function. \param alloc where every byte comes from.
  /// \param max_pooled_chunks how many free 64 KiB chunks closed zones may leave for the next zones (the
  ///   bound on memory a closed zone does not give back). Up to half of them may be leased: a zone node
  ///   (recycled for the thread's next zone, see `memory_zone`) may keep the first chunk its zone used,
  ///   so that a zone per request takes no lock and allocates nothing; such a chunk counts against the
  ///   bound while its node keeps it and while a zone uses it, so free and leased chunks together stay
  ///   within the bound (0 or 1: nothing is leased).
  /// Complexity: O(1). Throws: `std::bad_alloc`.
  explicit basic_string_store(const Hasher& hash_function = Hasher(), const Allocator& alloc = Allocator(),
                              std::size_t max_pooled_chunks = 16)
      : chunks_(alloc, max_pooled_chunks), perm_(chunks_, hash_function), hasher_(hash_function) {}

  basic_string_store(const basic_string_store&) = delete;             ///< not copyable
  basic_string_store& operator=(const basic_string_store&) = delete;  ///< not copyable

  /// Frees every string. Requires: every zone guard of this store (or of a vocab over it) is destroyed,
  /// open or closed: a guard that outlives the store touches it when it dies (checked builds report a
  /// broken precondition otherwise). Complexity: O(memory chunks and index tables held), independent of
  /// the number of strings.
  ~basic_string_store() {
    LEXZONE_ASSERT(registry_.totals().guarded_zones == 0, "a store destroyed while zone guards are alive");
    trim_spares();
  }

  /// Adds `s` to the permanent layer (if absent) and returns its id.
  /// Complexity: O(s.size()) expected. Lifetime: permanent (the id always resolves; the bytes live as
  /// long as the store). Thread safety: any thread, any time.
  /// Throws: `hash_collision`; `std::bad_alloc`; `capacity_error`. Strong guarantee.
  hash_t add(std::string_view s) { return add_permanent(hasher_(s), s); }

  /// The string with id `h` in the permanent layer.
  /// Complexity: O(1) expected, plus the found string's length (a string's id is confirmed by hashing it
  /// again; a lexeme's text keeps its id). Lifetime: the view is valid as long as the store. Thread
  /// safety: any thread. Throws: `unknown_hash` when the permanent layer has no string with id `h`.
  [[nodiscard]] std::string_view operator[](hash_t h) const LEXZONE_LIFETIMEBOUND {
    if (auto v = find(h)) return *v;
    throw unknown_hash(h);
  }

  /// The string with id `h` in the permanent layer, or `std::nullopt`.
  /// Complexity: as `operator[]`. Lifetime: as `operator[]`. Thread safety: any thread. Throws: nothing.
  [[nodiscard]] std::optional<std::string_view> find(hash_t h) const noexcept LEXZONE_LIFETIMEBOUND {
    if (h == 0) return std::string_view();
    return perm_.find_hash(h);
  }

  /// Whether the permanent layer holds id `h` (0, the empty string, always).
  /// Complexity: as `operator[]`. Thread safety: any thread. Throws: nothing.
  [[nodiscard]] bool contains(hash_t h) const noexcept { return find(h).has_value(); }

  /// Whether the permanent layer holds `s` (a string whose id another stored string holds is not).
  /// Complexity: O(s.size()) expected. Thread safety: any thread. Throws: nothing.
  [[nodiscard]] bool contains(std::string_view s) const noexcept {
    return s.empty() || perm_.find(hasher_(s), s).has_value();
  }

  /// Live strings: the permanent layer plus every open zone's layer (the empty string is not counted).
  /// Complexity: O(open zones). Thread safety: any thread; a snapshot. Throws: nothing.
  [[nodiscard]] size_type size() const noexcept { return perm_.size() + registry_.totals().strings; }
  /// Strings in the permanent layer. Complexity: O(1). Thread safety: any thread. Throws: nothing.
  [[nodiscard]] size_type permanent_size() const noexcept { return perm_.size(); }

  /// Calls `f(std::string_view)` for every permanent string, in an unspecified order.
  /// Complexity: O(permanent strings). Lifetime: each view as long as the store. Thread safety:
  /// permanent adds from other threads wait until it returns; `f` must not add permanently.
  /// Throws: what `f` throws.
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard lock(write_mutex_);
    perm_.for_each(f);
  }

  /// Opens a zone on this store.
  /// Complexity: O(1); allocates nothing (but, in checked builds, the zone's liveness sentinel) when the
  /// calling thread's spare zone node is free (a node is recycled when a guard dies; spare nodes are kept
  /// per thread shard, so threads of one shard share one, see `trim_pool`), and when that node kept a
  /// chunk (see `max_pooled_chunks`) the zone's first 64 KiB come from it, without the pool's lock.
  /// Lifetime: the zone must close (its guard be destroyed) before the store is destroyed. Thread safety: any thread;
  /// the zone is private to the thread that uses it. Throws: `std::bad_alloc`.
  [[nodiscard]] zone_type memory_zone() { return zone_type(this, open_node(nullptr)); }

  /// Monitoring figures. Complexity: O(open zones). Thread safety: any thread; a snapshot.
  /// Throws: nothing.
  [[nodiscard]] string_store_stats stats() const noexcept {
    const detail::zone_totals t = registry_.totals();
    string_store_stats s;
    s.permanent_strings = perm_.size();
    s.transient_strings = t.strings;
    s.open_zones = t.open_zones;
    s.permanent_bytes = perm_.bytes_held();  // no lock: callable from a `for_each` callback
    s.zone_bytes = t.bytes;
    s.pooled_bytes = chunks_.pooled_bytes() + t.pooled_node_bytes;
    return s;
  }

  /// Frees the pool: the pooled chunks and the spare zone nodes (at most 16, one per thread shard, kept
  /// so that a new zone allocates nothing) with the chunks they keep; a node whose guard is alive keeps
  /// its chunk until the guard dies. Complexity: O(pooled chunks + 16). Thread safety: any thread.
  /// Throws: nothing.
  void trim_pool() noexcept {
    trim_spares();
    chunks_.trim();
  }

  /// Frees the permanent index's outgrown tables. The index grows by doubling into a new table and keeps
  /// the old ones, because lock-free readers on other threads may still be probing them: after a bulk
  /// load that is about as much memory again as the current index (some 10 bytes per permanent string).
  /// Call it once the model is loaded, before other threads use the store. Complexity: O(outgrown
  /// tables). Thread safety: none: no other thread may use the store, its zones or a vocab over it
  /// during the call. Throws: nothing.
  void shrink_to_fit() noexcept { perm_.release_retired(); }

  /// Fills the chunk pool to its bound (`max_pooled_chunks` x 64 KiB, less the chunks zone nodes keep)
  /// with resident memory. A service calls it once at start-up so that its RSS is flat from the first
  /// zone on, instead of stepping up while zones of growing size fill the pool. Complexity:
  /// O(max_pooled_chunks). Thread safety: any thread. Throws: `std::bad_alloc` (what was allocated stays
  /// pooled).
  void reserve_pool() { chunks_.prefill(); }

  /// The id function. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const Hasher& hash_function() const noexcept { return hasher_; }
  /// A copy of the allocator. Complexity: O(1). Throws: nothing.
  [[nodiscard]] allocator_type get_allocator() const noexcept { return chunks_.allocator(); }

 private:
  template <class Z>
  friend class basic_memory_zone;
  template <class S>
  friend class basic_string_zone_view;
  template <class, class, class>
  friend class basic_vocab;

  // --- zone plumbing (also used by basic_vocab, whose zones use the same nodes) ---

  using node_alloc = detail::rebind_t<Allocator, zone_node>;

  // A node for a new zone under `parent` (nullptr: on the store): the calling thread's spare, else a
  // new one (registered for stats()).
  zone_node* open_node(detail::zone_node_base* parent) {
    auto* n = static_cast<zone_node*>(spares_.take());
    if (n == nullptr) {
      node_alloc a(chunks_.allocator());
      n = std::allocator_traits<node_alloc>::allocate(a, 1);
      try {
        ::new (static_cast<void*>(n)) zone_node(chunks_, hasher_);
      } catch (...) {
        std::allocator_traits<node_alloc>::deallocate(a, n, 1);
        throw;
      }
      n->footprint = sizeof(zone_node);
      registry_.add(n);
    }
#if LEXZONE_CHECKED
    try {
      n->sentinel = detail::zone_sentinel::make();
    } catch (...) {
      recycle(n);
      throw;
    }
#endif
    n->activate(parent);
    return n;
  }

  // Evicts the node's layer; the node stays with its guard until the guard dies.
  void close_node(zone_node* n) noexcept {
    n->unlink_from_parent();
    n->strings.clear();
    n->mark_closed();
  }

  // The guard of closed node `n` dies: the node becomes the calling thread's spare.
  void destroy_node(zone_node* n) noexcept {
#if LEXZONE_CHECKED
    n->sentinel->release();
    n->sentinel = nullptr;
#endif
    recycle(n);
  }

  void recycle(zone_node* n) noexcept {
    n->state.store(detail::node_state::spare, std::memory_order_relaxed);
    if (detail::zone_node_base* displaced = spares_.give(n)) free_node(static_cast<zone_node*>(displaced));
  }

  void free_node(zone_node* n) noexcept {
    registry_.remove(n);
    n->~zone_node();
    node_alloc a(chunks_.allocator());
    std::allocator_traits<node_alloc>::deallocate(a, n, 1);
  }

  void trim_spares() noexcept {
    spares_.drain([this](detail::zone_node_base* n) { free_node(static_cast<zone_node*>(n)); });
  }

  hash_t add_permanent(hash_t h, std::string_view s) {
    if (LEXZONE_UNLIKELY(h == 0)) {
      if (s.empty()) return 0;
      throw hash_collision(0, std::string_view(), s);
    }
    if (perm_.find_checked(h, s)) return h;
    std::lock_guard lock(write_mutex_);
    if (!perm_.find_checked(h, s)) perm_.insert(h, s);
    return h;
  }

  // Looks `s` up in the permanent layer, then in `z` and its ancestors; a collision gives nullopt.
  std::optional<std::string_view> find_in(const zone_node* z, hash_t h, std::string_view s) const noexcept {
    if (auto v = perm_.find(h, s)) return v;
    return detail::first_in_chain(z, [&](const zone_node& n) { return n.strings.find(h, s); });
  }

  std::optional<std::string_view> find_hash_in(const zone_node* z, hash_t h) const noexcept {
    if (h == 0) return std::string_view();
    if (auto v = perm_.find_hash(h)) return v;
    return detail::first_in_chain(z, [&](const zone_node& n) { return n.strings.find_hash(h); });
  }

  // Strings visible through `z`: permanent plus z's chain.
  std::size_t size_in(const zone_node* z) const noexcept {
    return perm_.size() + detail::sum_over_chain(z, [](const zone_node& n) { return n.strings.size(); });
  }

  // Calls `f` for every string visible through `z`: permanent first, then the outermost zone inwards.
  template <class F>
  void for_each_in(const zone_node* z, F& f) const {
    for_each(f);
    detail::for_each_outermost_first(z, [&](const zone_node& n) { n.strings.for_each(f); });
  }

  // Adds through zone `z`; returns the stored view (valid until its owning layer ends).
  std::string_view add_in(zone_node* z, hash_t h, std::string_view s, retention r) {
    if (LEXZONE_UNLIKELY(h == 0)) {
      if (s.empty()) return {};
      throw hash_collision(0, std::string_view(), s);
    }
    if (r == retention::permanent) return promote(z, h, s);
    if (auto v = perm_.find_checked(h, s)) return *v;
    return add_in_chain(z, h, s);
  }

  // Adds `s` (id `h`, not 0; not a permanent string) through zone `z`: the string of z's chain, else a new
  // one in z. A collision in the chain throws `hash_collision`, and so does one with a zone nested in z
  // (open while z adds): that zone sees z's strings too.
  std::string_view add_in_chain(zone_node* z, hash_t h, std::string_view s) {
    if (auto v = detail::first_in_chain(z, [&](const zone_node& n) { return n.strings.find_checked(h, s); })) return *v;
    reject_nested(z, h, s);
    const detail::byte_growth<zone_layer> growth(z->byte_count, z->strings);  // counted even on a throw
    const std::string_view v = z->strings.insert(h, s);
    detail::zone_node_base::bump(z->string_count, 1);
    return v;
  }

  // Throws `hash_collision` when a zone nested in `z` holds id `h` for another string than `s`: such a zone
  // sees what z adds. Nothing to do (one test) when z has no open child.
  static void reject_nested(const zone_node* z, hash_t h, std::string_view s) {
    if (LEXZONE_UNLIKELY(z->first_child != nullptr)) reject_in_descendants(z, h, s);
  }
  LEXZONE_NOINLINE static void reject_in_descendants(const zone_node* z, hash_t h, std::string_view s) {
    detail::for_each_descendant(z, [&](const zone_node& n) { (void)n.strings.find_checked(h, s); });
  }

  // `add_in(z, h, s, retention::automatic)` for a lexeme's attribute string: a string found permanent is
  // recorded in the calling thread's permanent_memo, so the next lexemes find it without a probe. Returns
  // whether it was permanent.
  bool add_attribute_string(zone_node* z, hash_t h, std::string_view s) {
    if (LEXZONE_UNLIKELY(h == 0)) throw hash_collision(0, std::string_view(), s);  // s is not empty
    if (perm_.find_checked(h, s)) {
      detail::permanent_memo::record(memo_id_, s, h);
      return true;
    }
    add_in_chain(z, h, s);
    return false;
  }

  // The zone of z's chain (z may be null: none) whose string `s` (id `h`) a permanent add of `s` through z
  // takes over (the string leaves that zone), innermost first as lookups go, or nullptr. A different
  // string with id `h` throws `hash_collision` before anything changed: one in the permanent layer; while
  // `s` is not permanent, one in the chain or in a zone nested in z, which sees the permanent layer too (a
  // permanent add must never shadow a visible zone string of the same id). Once `s` is permanent, lookups
  // find it first: a zone string of the same id is shadowed already, and the add leaves it as it is, as
  // an add with retention::automatic does.
  static zone_node* promotion_holder(const perm_layer& perm, zone_node* z, hash_t h, std::string_view s) {
    if (perm.find_checked(h, s))
      return detail::first_in_chain(z, [&](zone_node& n) -> zone_node* { return n.strings.find(h, s) ? &n : nullptr; });
    zone_node* holder = detail::first_in_chain(
        z, [&](zone_node& n) -> zone_node* { return n.strings.find_checked(h, s) ? &n : nullptr; });
    if (z != nullptr) reject_nested(z, h, s);
    return holder;
  }

  std::string_view promote(zone_node* z, hash_t h, std::string_view s) {
    zone_node* holder = promotion_holder(perm_, z, h, s);
    add_permanent(h, s);
    if (holder != nullptr && holder->strings.erase(h, s)) detail::zone_node_base::bump(holder->string_count, -1);
    return *perm_.find(h, s);
  }

  // Ordered for size (the registry and the spares are cache-line aligned); chunks_ before perm_, which
  // takes it.
  detail::zone_registry registry_;
  detail::node_spares spares_;
  const std::uint64_t memo_id_ = detail::next_generation();  // this store in permanent_memo (never reused)
  mutable std::mutex write_mutex_;
  detail::chunk_source<Allocator> chunks_;
  perm_layer perm_;
  Hasher hasher_;
  std::atomic<bool> serves_vocab_{false};  // a vocab keeps its lexemes in this store's layers
};

/// The operations on one zone's view of a string store: those of a string-store zone guard
/// (`basic_string_store::zone_type`) and of `basic_vocab::zone_api::strings()`.
///
/// Every operation first checks that the zone is open and otherwise reports `zone_closed` (through the
/// handler of errors.hpp). Thread safety: a zone is used by one thread at a time (see memory_zone.hpp).
template <class Hasher, class Allocator>
template <class Zone>
class basic_string_store<Hasher, Allocator>::zone_api {
 public:
  /// Adds `s` and returns its id. `retention::automatic` stores it in this zone's layer unless the
  /// permanent layer or an enclosing zone has it; `retention::permanent` stores it permanently and
  /// promotes it when this zone or an enclosing one holds it. Either finds a permanent `s` first (a
  /// zone's different string with the same id is then shadowed already: no collision).
  /// Complexity: O(s.size() + depth) expected; a new string also probes each zone nested in this one
  /// that is open (they see what this zone adds: a collision with one of theirs throws), so O(s.size() +
  /// depth + open nested zones). Lifetime: the string lives until this zone closes (automatic, new) or as
  /// long as the store (permanent, or found there).
  /// Throws: `zone_closed`, `hash_collision`, `std::bad_alloc`, `capacity_error`. Strong guarantee.
  hash_t add(std::string_view s, retention r = retention::automatic) {
    auto& z = self();
    auto* n = z.require_open();
    const hash_t h = z.owner_->hasher_(s);
    z.owner_->add_in(n, h, s, r);
    return h;
  }

  /// Like `add`, returning the stored view instead of the id.
  /// Complexity: as `add`. Lifetime: until the owning layer ends (this zone's close, or the store's
  /// destruction). Throws: as `add`.
  std::string_view intern(std::string_view s, retention r = retention::automatic) LEXZONE_LIFETIMEBOUND {
    auto& z = self();
    auto* n = z.require_open();
    return z.owner_->add_in(n, z.owner_->hasher_(s), s, r);
  }

  /// The string with id `h` in the permanent layer, this zone or an enclosing one.
  /// Complexity: O(depth) expected, plus the found string's length (as the store's `operator[]`).
  /// Lifetime: until its owning layer ends. Throws: `unknown_hash`,
  /// `zone_closed`.
  [[nodiscard]] std::string_view operator[](hash_t h) const LEXZONE_LIFETIMEBOUND {
    if (auto v = find(h)) return *v;
    throw unknown_hash(h);
  }

  /// Like `operator[]`, but `std::nullopt` when no visible layer has `h`.
  /// Complexity: as `operator[]`. Lifetime: as `operator[]`. Throws: `zone_closed` only.
  [[nodiscard]] std::optional<std::string_view> find(hash_t h) const LEXZONE_LIFETIMEBOUND {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return z.owner_->find_hash_in(n, h);
  }

  /// Whether a visible layer holds id `h`. Complexity: as `operator[]`. Throws: `zone_closed` only.
  [[nodiscard]] bool contains(hash_t h) const { return find(h).has_value(); }

  /// Whether a visible layer holds `s` (a string whose id another visible string holds is not).
  /// Complexity: O(s.size() + depth) expected. Throws: `zone_closed` only.
  [[nodiscard]] bool contains(std::string_view s) const {
    const auto& z = self();
    const auto* n = z.require_open();
    return s.empty() || z.owner_->find_in(n, z.owner_->hasher_(s), s).has_value();
  }

  /// Strings visible through this zone: permanent plus this zone's and its ancestors' layers.
  /// Complexity: O(depth). Throws: `zone_closed` only.
  [[nodiscard]] std::size_t size() const {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return z.owner_->size_in(n);
  }

  /// Strings held by this zone's own layer. Complexity: O(1). Throws: `zone_closed` only.
  [[nodiscard]] std::size_t transient_size() const { return self().require_open()->strings.size(); }

  /// Calls `f(std::string_view)` for every visible string: permanent first, then the outermost zone
  /// down to this one. Complexity: O(visible strings). Lifetime: each view until its layer ends.
  /// Requires: `f` adds nothing, neither through this zone or a zone of its chain (a layer's index may
  /// grow and move while it is walked) nor permanently (the walk of the permanent layer holds the store's
  /// write lock: a permanent add would wait for itself).
  /// Throws: `zone_closed`; `std::bad_alloc`; what `f` throws.
  template <class F>
  void for_each(F&& f) const {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    z.owner_->for_each_in(n, f);
  }

 private:
  Zone& self() noexcept { return static_cast<Zone&>(*this); }
  const Zone& self() const noexcept { return static_cast<const Zone&>(*this); }
};

/// A non-owning view of one zone's strings, with the operations of `basic_string_store::zone_api`.
///
/// Obtained from `basic_vocab::zone_api::strings()`: the strings of a vocab zone (the vocab's string
/// store seen through that zone). Lifetime: the view must not outlive the zone's guard. After the zone
/// closes, while its guard lives, its operations report `zone_closed`. A view kept after the guard died
/// is a broken precondition: checked builds (`LEXZONE_CHECKED`) report it as `zone_closed` (the view
/// shares the zone's liveness cell); other builds may report it (the view remembers its zone's
/// generation, which a later zone that reuses the node on the same thread does not have), but have
/// undefined behaviour once the node is freed or taken by another thread. Copyable; a copy views the
/// same zone. Thread safety: as the zone (one thread at a time).
template <class Store>
class basic_string_zone_view : public Store::template zone_api<basic_string_zone_view<Store>> {
 public:
  /// The view of zone node `node` of `store`, which must be open. Implementation detail of
  /// `basic_vocab`; use `vocab_zone.strings()`. Complexity: O(1). Throws: nothing.
  basic_string_zone_view(Store& store, typename Store::zone_node* node) noexcept
      : owner_(&store), node_(node), generation_(node->generation)
#if LEXZONE_CHECKED
        ,
        alive_(node->sentinel)
#endif
  {
  }

  /// Whether the viewed zone is open. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool is_open() const noexcept {
#if LEXZONE_CHECKED
    if (!alive_.alive()) return false;  // before touching the node, which may be gone
#endif
    return node_->is_open() && node_->generation == generation_;
  }

 private:
  friend Store;
  friend typename Store::template zone_api<basic_string_zone_view<Store>>;

  typename Store::zone_node* require_open() const {
    if (LEXZONE_UNLIKELY(!is_open())) detail::report_zone_closed("memory_zone");
    return node_;
  }

  Store* owner_;
  typename Store::zone_node* node_;
  std::uint64_t generation_;  // the viewed zone's: a node reused by a later zone has another
#if LEXZONE_CHECKED
  detail::sentinel_ref alive_;  // the zone's liveness cell, shared
#endif
};

/// The default string store: XXH3 ids, `std::allocator`.
using string_store = basic_string_store<>;

}  // namespace lexzone
