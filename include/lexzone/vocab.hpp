/// \file vocab.hpp
/// `basic_vocab`: one lexeme record per distinct string, split into a permanent layer and one private
/// layer per open `memory_zone` (see memory_zone.hpp for the lifetime model).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "config.hpp"
#include "detail/attribute_cache.hpp"
#include "detail/creation_counts.hpp"
#include "detail/layer_chain.hpp"
#include "detail/string_layer.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "lexeme.hpp"
#include "memory_zone.hpp"
#include "string_store.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// Monitoring figures of a vocab and its string store. Transient figures cover every open zone.
struct vocab_stats {
  std::size_t permanent_lexemes = 0;       ///< lexemes in the permanent layer
  std::size_t transient_lexemes = 0;       ///< live lexemes in all open zones' layers
  std::size_t permanent_lexeme_bytes = 0;  ///< bytes of the permanent lexeme records (part of strings.permanent_bytes)
  /// Permanent lexemes the learning policy made (part of permanent_lexemes), plus those being made at
  /// that moment by other threads.
  std::size_t learned_lexemes = 0;
  string_store_stats strings;  ///< the string store's figures (its layers hold the lexemes too)
};

/// Opt-in learning (`basic_vocab::set_learning`): when one thread creates a word in a zone for the
/// `zones`-th time, the word is made permanent (and the add returns the permanent lexeme), until
/// `max_lexemes` words were learned in the vocab's life; words longer than `max_text_bytes` are never
/// learned. With it, a service's steady vocabulary (its language's frequent words, missing from the
/// model) stops costing a creation in every zone, while the words seen once (e-mails, ids, typos) stay
/// transient; the vocab grows by at most `max_lexemes` lexemes of at most `max_text_bytes` bytes, with
/// their attribute strings that were not permanent.
///
/// The count is per thread and approximate: a 4-way set-associative table of the thread's recent
/// creations (detail/creation_counts.hpp: 65,536 counts, 256 KiB, allocated on a thread's first count),
/// so a word whose set saw 4 other words since its last creation starts again from zero (with k distinct
/// words created in between, a probability of about P(Poisson(k / 16,384) >= 4): 1.9 % for
/// k = 16,384). A learned lexeme is permanent like any other: it lives as long as the vocab, its address
/// never changes, and it is not evicted when the zone that learned it closes (nor counted in that zone).
/// Learning never changes what an add returns or throws otherwise: the word is first created in the zone
/// as usual, then made permanent; when that fails (memory), the zone's lexeme is returned, and the
/// strings that had become permanent (attribute strings, the text) stay so.
///
/// Memory beyond the learned lexemes: a word whose text was already a permanent string (another word's
/// lower form, say) replaces that string's index entry, and the erased slot is reclaimed by rebuilding
/// the permanent index at the same size; a concurrent index keeps the tables it outgrew for lock-free
/// readers, some tens of bytes for each such word, until `strings().shrink_to_fit()` (which must not run
/// concurrently with other uses of the store). Bounded by `max_lexemes`.
struct learning_policy {
  /// Creations in zones, by one thread, after which a word becomes permanent: 0 never (the default: a
  /// zone evicts everything it created), 1 at its first creation in a zone, 2 at its second, ..., at most
  /// `max_zones`.
  std::uint32_t zones = 0;
  /// The largest `zones` (the per-thread count saturates at 255).
  static constexpr std::uint32_t max_zones = 256;
  /// Most words ever learned by the vocab (learning stops there; values above 2^40 - 1 count as 2^40 - 1).
  std::size_t max_lexemes = 0;
  /// Longest text learned, in bytes (values above 32,767 count as 32,767): longer words (URLs, ids, long
  /// tokens) stay transient, which bounds what a learned word can hold.
  std::size_t max_text_bytes = 32;
};

/// The vocabulary: `add(text)` returns the one lexeme of `text`, creating it (attributes computed by
/// `Traits`, see lexeme.hpp) on first sight.
///
/// - Layers: calls on the vocab use the permanent layer; calls through a zone guard from `memory_zone()`
///   see the permanent layer, then the zone and its enclosing zones, and create new lexemes in the zone.
///   Lexemes live in the string store's layers: a lexeme record is stored in front of its text, which is
///   also the orth string (`strings()[lex.orth]`), so the text is stored once; its attribute strings are
///   interned in the same layer (or a longer-lived one that has them), so a zone's close removes lexemes
///   and strings together.
/// - Names: as `basic_string_store`: `add` creates; `find` and `contains` never throw (a text whose id
///   another lexeme holds is simply not found); `operator[]` throws `unknown_hash`; `size`, `stats`.
/// - Lifetime: `const lexeme_type&` stays valid, at the same address, until its layer ends: the vocab's
///   destruction for a permanent lexeme, the close of its zone for a transient one.
/// - Strings: the vocab owns a string store, or uses one that must outlive it (constructor); a store
///   holds the lexemes of at most one vocab in its life.
/// - Thread safety: as `basic_string_store`: every member of the vocab may be called concurrently (but the
///   store's `shrink_to_fit`);
///   permanent lookups take no lock; zones are private to one thread at a time. All zones must be closed
///   before the vocab is destroyed.
/// - Exceptions: strong guarantee for every creation (on a throw no lexeme is added; strings already
///   interned for the lexeme's attributes, and then its text, stay in the same layer and are evicted with
///   it).
///
/// \tparam Traits computes the attributes (see `lexeme_traits` in lexeme.hpp).
/// \tparam Hasher, Allocator as `basic_string_store`.
template <class Traits, class Hasher = default_hasher, class Allocator = std::allocator<std::byte>>
class basic_vocab {
  static_assert(lexeme_traits<Traits>, "Traits must satisfy lexzone::lexeme_traits (see lexeme.hpp)");

 public:
  using traits_type = Traits;                                ///< the attribute computer
  using attributes_type = typename Traits::attributes_type;  ///< the attribute record
  using lexeme_type = basic_lexeme<attributes_type>;         ///< one entry
  using store_type = basic_string_store<Hasher, Allocator>;  ///< the string store
  using allocator_type = Allocator;                          ///< where every byte comes from
  /// Per-zone state (the string store's). Implementation detail; public only so that
  /// `basic_memory_zone` can name it.
  using zone_node = typename store_type::zone_node;

  template <class Zone>
  class zone_api;
  /// The guard returned by `memory_zone()`; its operations are those of `zone_api`.
  using zone_type = basic_memory_zone<basic_vocab>;

  /// A vocab with a string store of its own (arguments as `basic_string_store`'s constructor).
  /// Complexity: O(1). Throws: `std::bad_alloc`.
  explicit basic_vocab(const Hasher& hasher = Hasher(), const Allocator& alloc = Allocator(),
                       std::size_t max_pooled_chunks = 16)
      : basic_vocab(Traits(), hasher, alloc, max_pooled_chunks) {}

  /// A vocab whose attributes `traits` computes (a traits object with data: a language's word lists),
  /// with a string store of its own (the other arguments as `basic_string_store`'s constructor).
  /// Complexity: O(1) plus the move of `traits`. Throws: `std::bad_alloc`.
  explicit basic_vocab(Traits traits, const Hasher& hasher = Hasher(), const Allocator& alloc = Allocator(),
                       std::size_t max_pooled_chunks = 16)
      : owned_(std::make_unique<store_type>(hasher, alloc, max_pooled_chunks)), strings_(owned_.get()),
        traits_(std::move(traits)) {
    strings_->serves_vocab_.store(true, std::memory_order_relaxed);
  }

  /// A vocab over `strings`, which must outlive it. Complexity: O(1).
  /// Throws: `std::invalid_argument` when `strings` already holds (or held) another vocab's lexemes.
  explicit basic_vocab(store_type& strings LEXZONE_LIFETIMEBOUND, Traits traits = Traits())
      : strings_(&strings), traits_(std::move(traits)) {
    if (strings_->serves_vocab_.exchange(true))
      throw std::invalid_argument("lexzone: this string store already holds another vocab's lexemes");
  }

  basic_vocab(const basic_vocab&) = delete;             ///< not copyable
  basic_vocab& operator=(const basic_vocab&) = delete;  ///< not copyable
  /// Frees every lexeme (with the owned store). Requires: every zone guard of this vocab is destroyed,
  /// open or closed: a guard that outlives the vocab touches it when it dies (checked builds report a
  /// broken precondition, also for a vocab over a store it does not own). Complexity: O(1) for a vocab over
  /// a store it does not own; else that of the store's destructor (independent of the number of lexemes).
  ~basic_vocab() {
#if LEXZONE_CHECKED
    LEXZONE_ASSERT(guards_.load(std::memory_order_acquire) == 0, "a vocab destroyed while zone guards are alive");
#endif
  }

  /// The permanent lexeme of `text`, created (permanently) if absent.
  /// Complexity: O(text.size()) expected; creation computes the attributes. Lifetime: the vocab's.
  /// Thread safety: any thread. Throws: `hash_collision`, `std::bad_alloc`, `capacity_error` (a text over
  /// 2 GiB, or a layer past 4 GiB of string bytes), what `Traits` throws. Strong guarantee.
  const lexeme_type& add(std::string_view text) LEXZONE_LIFETIMEBOUND {
    const hash_t h = hash_of(text);
    if (const lexeme_type* lex = find_permanent_checked(h, text)) return *lex;
    return create_permanent(nullptr, h, text);
  }

  /// The permanent lexeme of `text`, or nullptr; never creates.
  /// Complexity: O(text.size()) expected. Lifetime: the vocab's. Thread safety: any thread.
  /// Throws: nothing.
  [[nodiscard]] const lexeme_type* find(std::string_view text) const noexcept LEXZONE_LIFETIMEBOUND {
    return find_permanent(hash_of(text), text);
  }

  /// The permanent lexeme with orth id `orth`, or nullptr. Complexity: O(1) expected. Lifetime: the
  /// vocab's. Thread safety: any thread. Throws: nothing.
  [[nodiscard]] const lexeme_type* find(hash_t orth) const noexcept LEXZONE_LIFETIMEBOUND {
    return record_of(perm().find_id(orth, detail::entry_kind::record));
  }

  /// The permanent lexeme with orth id `orth`. Complexity: O(1) expected. Lifetime: the vocab's.
  /// Thread safety: any thread. Throws: `unknown_hash`.
  [[nodiscard]] const lexeme_type& operator[](hash_t orth) const LEXZONE_LIFETIMEBOUND {
    if (const lexeme_type* lex = find(orth)) return *lex;
    throw unknown_hash(orth);
  }

  /// Whether `text` has a permanent lexeme. Complexity: O(text.size()) expected. Throws: nothing.
  [[nodiscard]] bool contains(std::string_view text) const noexcept { return find(text) != nullptr; }
  /// Whether a permanent lexeme has orth id `orth`. Complexity: O(1) expected. Throws: nothing.
  [[nodiscard]] bool contains(hash_t orth) const noexcept { return find(orth) != nullptr; }

  /// Live lexemes: permanent plus every open zone's. Complexity: O(open zones). Thread safety: any
  /// thread; a snapshot. Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return permanent_size() + strings_->registry_.totals().lexemes; }
  /// Permanent lexemes. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t permanent_size() const noexcept { return perm_lexemes_.load(std::memory_order_relaxed); }
  /// How many entries (strings and lexeme records) the permanent layer has received so far, through the
  /// vocab or its string store: a count that only grows, and changes with every permanent insert. A
  /// cache that keeps zone lexemes and reuses them without a lookup (the tokenizer's segmentation cache)
  /// compares it with the count it saw when it kept them: unchanged, no permanent entry (one whose id
  /// collides with a kept lexeme, or one of the same text, which lookups would now return) appeared
  /// since. Complexity: O(1). Thread safety: any thread; an insert is counted after its entry is
  /// visible. Throws: nothing.
  [[nodiscard]] std::uint64_t permanent_inserts() const noexcept { return perm().inserts(); }

  /// Calls `f(const lexeme_type&)` for every permanent lexeme, in an unspecified order.
  /// Complexity: O(permanent strings). Thread safety: permanent adds (strings and lexemes) from other
  /// threads wait until it returns; `f` must not add permanently, nor, while learning is on (see
  /// `set_learning`), through a zone (a word learned there becomes permanent). Throws: what `f` throws.
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard lock(strings_->write_mutex_);
    for_each_in_layer(perm(), f);
  }

  /// Sets the learning policy (see `learning_policy`; off by default). Words learned before stay
  /// permanent; a lower `max_lexemes` than the words already learned stops learning. Complexity: O(1).
  /// Thread safety: any thread; creations running at the same time use the old or the new policy.
  /// Throws: `std::invalid_argument` when `policy.zones > learning_policy::max_zones` (nothing changes).
  void set_learning(const learning_policy& policy) {
    if (policy.zones > learning_policy::max_zones)
      throw std::invalid_argument("lexzone: learning_policy::zones is at most 256");
    const std::uint64_t limit = std::min<std::uint64_t>(policy.max_lexemes, learn_field_max(learn_limit_bits));
    const std::uint64_t bytes = std::min<std::uint64_t>(policy.max_text_bytes, learn_field_max(learn_bytes_bits));
    learning_.store((limit << learn_limit_shift) | (bytes << learn_bytes_shift) | policy.zones,
                    std::memory_order_relaxed);
  }
  /// The learning policy. Complexity: O(1). Thread safety: any thread. Throws: nothing.
  [[nodiscard]] learning_policy learning() const noexcept {
    const std::uint64_t p = learning_.load(std::memory_order_relaxed);
    return {static_cast<std::uint32_t>(learn_field(p, 0, learn_zone_bits)),
            static_cast<std::size_t>(learn_field(p, learn_limit_shift, learn_limit_bits)),
            static_cast<std::size_t>(learn_field(p, learn_bytes_shift, learn_bytes_bits))};
  }

  /// The traits object that computes attributes. Lifetime: the vocab's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const Traits& traits() const noexcept LEXZONE_LIFETIMEBOUND { return traits_; }

  /// The string store (shared with this vocab's lexemes). Lifetime: the vocab's. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] store_type& strings() noexcept LEXZONE_LIFETIMEBOUND { return *strings_; }
  /// The string store (shared with this vocab's lexemes). Lifetime: the vocab's. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const store_type& strings() const noexcept LEXZONE_LIFETIMEBOUND { return *strings_; }

  /// Opens a zone on this vocab (and its string store). Complexity: O(1); allocates nothing (but, in
  /// checked builds, the zone's liveness sentinel) when the calling thread's spare zone node is free
  /// (spare nodes are kept per thread shard, see the store's `trim_pool`: threads of one shard share
  /// one).
  /// Lifetime: the zone must close before the vocab is destroyed. Thread safety: any thread; the zone is
  /// private to the thread that uses it.
  /// Throws: `std::bad_alloc`.
  [[nodiscard]] zone_type memory_zone() { return zone_type(this, open_node(nullptr)); }

  /// Monitoring figures. Complexity: O(open zones). Thread safety: any thread; a snapshot.
  /// Throws: nothing.
  [[nodiscard]] vocab_stats stats() const noexcept {
    vocab_stats s;
    s.strings = strings_->stats();
    s.permanent_lexemes = permanent_size();
    s.transient_lexemes = strings_->registry_.totals().lexemes;
    s.permanent_lexeme_bytes = s.permanent_lexemes * sizeof(lexeme_type);
    s.learned_lexemes = learned_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  template <class Z>
  friend class basic_memory_zone;
  static_assert(alignof(lexeme_type) == alignof(hash_t),
                "the attribute record's alignment must be at most 8 (the record ends with its id)");

  using perm_layer = typename store_type::perm_layer;

  const perm_layer& perm() const noexcept { return strings_->perm_; }
  hash_t hash_of(std::string_view s) const noexcept { return strings_->hasher_(s); }

  zone_node* open_node(detail::zone_node_base* parent) {
    zone_node* n = strings_->open_node(parent);
#if LEXZONE_CHECKED
    guards_.fetch_add(1, std::memory_order_relaxed);
#endif
    return n;
  }
  void close_node(zone_node* n) noexcept { strings_->close_node(n); }
  void destroy_node(zone_node* n) noexcept {
    strings_->destroy_node(n);
#if LEXZONE_CHECKED
    guards_.fetch_sub(1, std::memory_order_release);  // last: the guard no longer touches the vocab
#endif
  }

  // The lexeme record in front of an entry's header (none: nullptr).
  static const lexeme_type* record_of(const detail::entry_ref& e) noexcept { return e ? record_of(e.header) : nullptr; }
  static const lexeme_type* record_of(const std::byte* header) noexcept {
    return std::launder(reinterpret_cast<const lexeme_type*>(header - sizeof(lexeme_type)));
  }
  // The lexeme of `text` (id `h`) in `layer`, or nullptr. With `Checked`, a lexeme of another text with
  // id `h` throws `hash_collision`.
  template <bool Checked, class Layer>
  static const lexeme_type* find_in_layer(const Layer& layer, hash_t h, std::string_view text) {
    if constexpr (Checked) {
      return record_of(layer.find_entry_checked(h, text, detail::entry_kind::record));
    } else {
      return record_of(layer.find_entry(h, text, detail::entry_kind::record));
    }
  }

  const lexeme_type* find_permanent(hash_t h, std::string_view text) const noexcept {
    return find_in_layer<false>(perm(), h, text);
  }
  const lexeme_type* find_permanent_checked(hash_t h, std::string_view text) const {
    return find_in_layer<true>(perm(), h, text);
  }

  // Lookups through zone `z`: the permanent layer, then z and its ancestors. `*permanent` (if given) is
  // set when the lexeme is permanent.
  template <bool Checked>
  const lexeme_type* find_in(const zone_node* z, hash_t h, std::string_view text, bool* permanent = nullptr) const {
    if (const lexeme_type* lex = find_in_layer<Checked>(perm(), h, text)) {
      if (permanent != nullptr) *permanent = true;
      return lex;
    }
    return detail::first_in_chain(z, [&](const zone_node& n) { return find_in_layer<Checked>(n.strings, h, text); });
  }

  const lexeme_type* find_hash_in(const zone_node* z, hash_t h) const noexcept {
    if (const lexeme_type* lex = find(h)) return lex;
    return detail::first_in_chain(
        z, [&](const zone_node& n) { return record_of(n.strings.find_id(h, detail::entry_kind::record)); });
  }

  std::size_t size_in(const zone_node* z) const noexcept {
    return permanent_size() +
           detail::sum_over_chain(z, [](const zone_node& n) { return n.lexeme_count.load(std::memory_order_relaxed); });
  }

  template <class Layer, class F>
  static void for_each_in_layer(const Layer& layer, F& f) {
    layer.for_each_record([&](const std::byte* header) { f(*record_of(header)); });
  }

  // Calls `f` for every lexeme visible through `z`: permanent first, then the outermost zone inwards.
  template <class F>
  void for_each_in(const zone_node* z, F& f) const {
    for_each(f);
    detail::for_each_outermost_first(z, [&](const zone_node& n) { for_each_in_layer(n.strings, f); });
  }

  // What the permanent layer held for a lexeme created in a zone: its insert count before the lookups,
  // and whether the text was a permanent string (detail/attribute_cache.hpp remembers both).
  struct permanent_view {
    std::uint64_t stamp = 0;
    bool text_permanent = false;
  };

  // Runs `f()` and returns its result; when it throws, runs `recover()` first (an exception of
  // `recover` is dropped: the first one is the one to report), then rethrows.
  template <class F, class Recover>
  static decltype(auto) with_recovery(F&& f, Recover&& recover) {
    try {
      return std::forward<F>(f)();
    } catch (...) {
      try {
        std::forward<Recover>(recover)();
      } catch (...) {  // NOLINT(bugprone-empty-catch): the first exception is the one to report
      }
      throw;
    }
  }

  // The attributes of `text` (id `h`). Each attribute string other than the text itself is hashed once
  // and handed to `intern(id, string)`, unless `use_memo` and this thread's permanent_memo knows it is
  // permanent (then it is neither hashed nor looked up: right for adds that look at the permanent layer
  // first, not for promotions through a zone, which check the zone chain for a colliding string first);
  // the text is stored later, with the record. When anything throws, `store_text()` first stores the
  // text as a plain string (as if it had been interned first), then the exception propagates.
  template <class Intern, class StoreText>
  attributes_type compute(hash_t h, std::string_view text, Intern&& intern, StoreText&& store_text, bool use_memo) {
    return with_recovery([&] { return compute_fresh(h, text, intern, use_memo); }, store_text);
  }

  // As `compute` with `use_memo`, for a lexeme made in a zone (`intern` returns whether the string was
  // permanent): a computation this thread made recently for the same vocab and text
  // (detail/attribute_cache.hpp) is reused, its record copied and the strings it interned handed to
  // `intern` again, in the same order. The computation is recorded in the cache with `seen` (what the
  // caller's lookups of the permanent layer found).
  template <class Intern, class StoreText>
  attributes_type compute_reusing(hash_t h, std::string_view text, Intern&& intern, StoreText&& store_text,
                                  const permanent_view& seen) {
    return with_recovery(
        [&] {
          using cache = detail::attribute_cache<attributes_type>;
          typename cache::recorder rec(strings_->memo_id_, h, text, seen.stamp);
          rec.text_permanent(seen.text_permanent);
          if (const auto* e = cache::find(strings_->memo_id_, h, text)) {
            const attributes_type a = e->attributes();  // copied first: `intern` may not reach the cache
            e->for_each_string([&](hash_t sh, std::string_view s, bool) { rec.add(sh, s, intern(sh, s)); });
            rec.commit(a);  // with what this creation's lookups found
            return a;
          }
          const attributes_type a = compute_fresh(
              h, text, [&](hash_t sh, std::string_view s) { rec.add(sh, s, intern(sh, s)); }, true);
          rec.commit(a);
          return a;
        },
        store_text);
  }

  // `Traits::compute` with the interning described at `compute`.
  template <class Intern>
  attributes_type compute_fresh(hash_t h, std::string_view text, Intern&& intern, bool use_memo) {
    return traits_.compute(text, [&](std::string_view s) -> hash_t {
      if (s.empty()) return 0;
      if (s.size() == text.size() && s == text) return h;
      const hash_t known = use_memo ? detail::permanent_memo::find(strings_->memo_id_, s) : 0;
      const hash_t sh = known != 0 ? known : hash_of(s);
      if (LEXZONE_UNLIKELY(sh == h)) throw hash_collision(h, text, s);  // the text's id
      if (known == 0) intern(sh, s);
      return sh;
    });
  }

  // Places a record for `text` (id `h`, attributes `a`) into `layer`, returning it.
  template <class Layer>
  const lexeme_type& place_record(Layer& layer, hash_t h, std::string_view text, const attributes_type& a,
                                  bool lexeme_only, const detail::entry_ref* replace) {
    void* p = layer.insert_record(h, text, sizeof(lexeme_type), lexeme_only, replace,
                                  [&](void* at) { ::new (at) lexeme_type(detail::lexeme_record_tag{}, h, a); });
    return *std::launder(static_cast<const lexeme_type*>(p));
  }

  // Id 0 is the empty text's (every store holds it): another text with id 0 collides with it.
  static void reject_id_zero(hash_t h, std::string_view text) {
    if (LEXZONE_UNLIKELY(h == 0 && !text.empty())) throw hash_collision(0, std::string_view(), text);
  }

  // Creates a permanent lexeme; when `z` is given, promotes a transient one (and its strings) of z's
  // chain. The caller found no permanent lexeme of `text`. `*created` (if given) is set to whether this
  // call made the lexeme (false: another thread made it meanwhile).
  const lexeme_type& create_permanent(zone_node* z, hash_t h, std::string_view text, bool* created = nullptr) {
    reject_id_zero(h, text);
    // The zone of z's chain that holds the lexeme (innermost first, as lookups go), and the one that holds
    // the text as a string; collisions throw before anything changed.
    zone_node* holder = detail::first_in_chain(z, [&](zone_node& n) -> zone_node* {
      return find_in_layer<true>(n.strings, h, text) != nullptr ? &n : nullptr;
    });
    zone_node* text_holder = text.empty() ? nullptr : store_type::promotion_holder(perm(), z, h, text);
    auto& store = *strings_;
    const auto make_permanent = [&](hash_t sh, std::string_view s) {
      if (z != nullptr) {
        store.promote(z, sh, s);
      } else {
        store.add_permanent(sh, s);
      }
      detail::permanent_memo::record(store.memo_id_, s, sh);
    };
    const attributes_type a = compute(
        h, text, make_permanent,
        [&] {
          if (!text.empty()) make_permanent(h, text);
        },
        z == nullptr);
    const lexeme_type* made = nullptr;
    {
      std::lock_guard lock(store.write_mutex_);
      if (const lexeme_type* lex = find_permanent_checked(h, text)) {
        made = lex;  // made by another thread meanwhile
      } else {
        // The text as a permanent string: its entry is replaced by the lexeme's ("" is every store's).
        const detail::entry_ref e =
            text.empty() ? detail::entry_ref() : perm().find_entry_checked(h, text, detail::entry_kind::string);
        made = &place_record(store.perm_, h, text, a, text.empty(), e ? &e : nullptr);
        perm_lexemes_.fetch_add(1, std::memory_order_relaxed);
        if (created != nullptr) *created = true;
      }
    }
    // The zones give up what became permanent (their records stay readable until they close). The
    // holder of the lexeme may keep its text as a string when an inner zone held the string; moving it
    // can fail for memory only, which leaves a shadowed record counted in that zone until it closes
    // (lookups find the permanent lexeme first): the lexeme is permanent by now, so the add succeeded
    // and does not throw (its strong guarantee).
    if (text_holder != nullptr && text_holder->strings.erase(h, text))
      detail::zone_node_base::bump(text_holder->string_count, -1);
    try {
      if (holder != nullptr) {
        const detail::byte_growth<typename store_type::zone_layer> growth(holder->byte_count, holder->strings);
        if (holder->strings.erase_record(h, text)) detail::zone_node_base::bump(holder->lexeme_count, -1);
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): memory for the text's string entry (allocator, capacity)
    }
    return *made;
  }

  // Where the text of a lexeme to create is a string: nowhere, permanently (`layer == nullptr`) or in
  // a zone of the chain.
  struct text_place {
    bool visible = false;
    zone_node* layer = nullptr;
    detail::entry_ref entry;
  };

  // Adds through zone `z` (retention::automatic): the visible lexeme of `text`, else a new one in `z`.
  // Collisions are decided as the lookups of `find_in` then `basic_string_store::add_in` would.
  const lexeme_type& add_in_zone(zone_node* z, hash_t h, std::string_view text, bool* permanent = nullptr) {
    const std::uint64_t stamp = perm().inserts();  // before any lookup (a later insert changes it)
    // The zone chain first: a lexeme found in a zone whose records all had no permanent counterpart (nor
    // a colliding one) at this very insert count still has none (permanent entries are never removed,
    // and any permanent insert changes the count), so it is what `find_in` would return.
    const zone_node* holder = nullptr;
    detail::entry_ref colliding;  // a lexeme of another text with id h: decided by `find_in` below
    // Set when a probe met any candidate under h's tag; left false, it proves that no zone of the chain
    // holds an entry with id h, so none holds the text as a string either, and the creation below need
    // not look for it (one probe a zone fewer).
    bool chain_met = false;
    const lexeme_type* in_chain = detail::first_in_chain(z, [&](const zone_node& n) -> const lexeme_type* {
      if (colliding) return nullptr;
      const lexeme_type* lex =
          record_of(n.strings.find_entry_or_colliding(h, text, detail::entry_kind::record, colliding, &chain_met));
      if (lex != nullptr) holder = &n;
      return lex;
    });
    // A lexeme found in an enclosing zone: the zones in between may hold a string of another text with
    // the same id (added through their string stores), a collision as that string store's add would see.
    if (in_chain != nullptr && holder != z) reject_strings_between(z, holder, h, text);
    if (colliding) {
      // `find_in`'s order decides: the permanent lexeme of the text, else the collision is thrown.
      if (const lexeme_type* lex = find_in<true>(z, h, text, permanent)) return *lex;
    } else {
      if (in_chain != nullptr && holder->clean_stamp == stamp) return *in_chain;
      // A word this thread created recently, while the permanent layer has not changed since: what its
      // lookups there found (no lexeme of the text, no collision) still holds
      // (detail/attribute_cache.hpp), so the permanent layer is skipped.
      using cache = detail::attribute_cache<attributes_type>;
      const auto* e = cache::find(strings_->memo_id_, h, text);
      if (e != nullptr && e->current(stamp)) {
        if (in_chain != nullptr) return *in_chain;
        return learned_or(z, h, text, create_cached(z, h, text, *e, stamp, chain_met), permanent);
      }
      // As `find_in`: the permanent layer, then the chain (probed above: it is this thread's own).
      if (const lexeme_type* lex = find_permanent_checked(h, text)) {
        if (e != nullptr) cache::forget(*e);  // permanent for good (learned, say): never current again
        if (permanent != nullptr) *permanent = true;
        return *lex;
      }
      if (in_chain != nullptr) return *in_chain;
    }
    reject_id_zero(h, text);
    // Where the text is a string (a collision throws before anything changed).
    text_place place;
    place.visible = text.empty();  // "" is every store's string
    if (!place.visible) {
      place.entry = perm().find_entry_checked(h, text, detail::entry_kind::string);
      place.visible = static_cast<bool>(place.entry);
    }
    const permanent_view seen{stamp, place.visible && !text.empty()};
    if (!place.visible && chain_met) find_text_in_chain(z, h, text, place);
    if (!place.visible) store_type::reject_nested(z, h, text);  // before any string is added
    return learned_or(z, h, text, create_in(z, h, text, place, seen), permanent);
  }

  // The packed learning policy (`learning_`): zones in bits 0-8, max_text_bytes in 9-23, max_lexemes in
  // 24-63.
  static constexpr unsigned learn_zone_bits = 9;
  static constexpr unsigned learn_bytes_shift = learn_zone_bits, learn_bytes_bits = 15;
  static constexpr unsigned learn_limit_shift = learn_bytes_shift + learn_bytes_bits, learn_limit_bits = 40;
  static_assert(learning_policy::max_zones < (1u << learn_zone_bits) && learn_limit_shift + learn_limit_bits == 64);
  static constexpr std::uint64_t learn_field_max(unsigned bits) noexcept { return (std::uint64_t{1} << bits) - 1; }
  static constexpr std::uint64_t learn_field(std::uint64_t policy, unsigned shift, unsigned bits) noexcept {
    return (policy >> shift) & learn_field_max(bits);
  }

  // The learning policy's answer for `made`, the lexeme of `text` (id `h`) just created in zone `z`:
  // the creation is counted (detail/creation_counts.hpp), and when the policy learns the word, the
  // permanent lexeme it becomes (`*permanent` set), else `made`. Learning is best effort: when making
  // the word permanent throws (memory; any exception is dropped), `made` is returned, still the zone's
  // (the strings already made permanent, attribute strings and the text, stay so: visible through the
  // zone as before).
  LEXZONE_ALWAYS_INLINE const lexeme_type& learned_or(zone_node* z, hash_t h, std::string_view text,
                                                      const lexeme_type& made, bool* permanent) {
    const std::uint64_t policy = learning_.load(std::memory_order_relaxed);
    if (learn_field(policy, 0, learn_zone_bits) == 0) return made;  // off (the default): no call
    return learn(z, h, text, made, permanent, policy);
  }

  // `learned_or` with a policy that learns (`policy`, its packed value).
  const lexeme_type& learn(zone_node* z, hash_t h, std::string_view text, const lexeme_type& made, bool* permanent,
                           std::uint64_t policy) {
    const auto zones = static_cast<std::uint32_t>(learn_field(policy, 0, learn_zone_bits));
    const std::uint64_t limit = policy >> learn_limit_shift;
    if (text.size() > learn_field(policy, learn_bytes_shift, learn_bytes_bits) ||
        learned_.load(std::memory_order_relaxed) >= limit)
      return made;
    if (zones > 1 && detail::creation_counts::count(strings_->memo_id_, h) + 1 < zones) return made;
    // A place under the limit, given back unless this call makes the lexeme.
    std::size_t n = learned_.load(std::memory_order_relaxed);
    do {
      if (n >= limit) return made;
    } while (!learned_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    bool created = false;
    const lexeme_type* lex = nullptr;
    try {
      lex = &create_permanent(z, h, text, &created);  // promotes `made` (and its strings) out of z's chain
    } catch (...) {                                   // learning is best effort
      if (!created) {
        learned_.fetch_sub(1, std::memory_order_relaxed);
        return made;
      }
      lex = find_permanent(h, text);  // made permanent before the failure
    }
    if (!created) learned_.fetch_sub(1, std::memory_order_relaxed);  // another thread made it meanwhile
    if (permanent != nullptr) *permanent = true;
    return *lex;
  }

  // Throws `hash_collision` when a zone from `z` out to `holder` (excluded) holds a string of another
  // text with id `h`, unless the text is a permanent string (lookups by id find it first, as the string
  // store's add does). Complexity: O(zones in between) probes.
  void reject_strings_between(const zone_node* z, const zone_node* holder, hash_t h, std::string_view text) const {
    if (perm().find_entry(h, text, detail::entry_kind::string)) return;
    for (const zone_node* n = z; n != nullptr && n != holder; n = detail::parent_node(n))
      (void)n->strings.find_entry_checked(h, text, detail::entry_kind::string);
  }

  // Where in z's chain the text is a string, if anywhere (a collision throws).
  static void find_text_in_chain(zone_node* z, hash_t h, std::string_view text, text_place& place) {
    place.layer = detail::first_in_chain(z, [&](zone_node& n) -> zone_node* {
      place.entry = n.strings.find_entry_checked(h, text, detail::entry_kind::string);
      return place.entry ? &n : nullptr;
    });
    place.visible = place.layer != nullptr;
  }

  // `create_in` for a word whose attribute cache entry `e` is current: the record is copied, the strings
  // that were not permanent are added through the zone chain (those that were still are), and the text
  // is placed as the entry says, without any lookup of the permanent layer. The entry is read before
  // anything can displace it (nothing here records into the cache). `chain_met`: whether the caller's
  // probes of z's chain met any entry that may have id `h` (when not, the text is a string of none of its
  // zones).
  const lexeme_type& create_cached(zone_node* z, hash_t h, std::string_view text,
                                   const typename detail::attribute_cache<attributes_type>::entry& e,
                                   std::uint64_t stamp, bool chain_met) {
    reject_id_zero(h, text);
    text_place place;
    place.visible = text.empty() || e.text_permanent();
    if (!place.visible && chain_met) find_text_in_chain(z, h, text, place);
    if (!place.visible) store_type::reject_nested(z, h, text);  // before any string is added
    auto& store = *strings_;
    const attributes_type a = e.attributes();
    // The strings that were not permanent; on a throw, the text is stored first, as `create_in` does.
    with_recovery(
        [&] {
          e.for_each_string([&](hash_t sh, std::string_view s, bool permanent) {
            if (!permanent) store.add_in_chain(z, sh, s);
          });
        },
        [&] {
          if (!place.visible) store.add_in(z, h, text, retention::automatic);
        });
    return place_in_zone(z, h, text, a, place, stamp);
  }

  // Creates the lexeme of `text` (id `h`) in zone `z`, whose text is a string at `place`; `seen`: what
  // the lookups of the permanent layer found.
  const lexeme_type& create_in(zone_node* z, hash_t h, std::string_view text, const text_place& place,
                               const permanent_view& seen) {
    auto& store = *strings_;
    const attributes_type a = compute_reusing(
        h, text, [&](hash_t sh, std::string_view s) { return store.add_attribute_string(z, sh, s); },
        [&] {
          if (!place.visible) store.add_in(z, h, text, retention::automatic);
        },
        seen);
    return place_in_zone(z, h, text, a, place, seen.stamp);
  }

  // Places the record of a lexeme created in zone `z` (see `create_in`) and counts it; `stamp`: the
  // permanent layer's insert count at which the lookups found no permanent lexeme of `text`. The zone's
  // records stay known to have no permanent counterpart at `stamp` when they all were at that count
  // (see `add_in_zone`).
  const lexeme_type& place_in_zone(zone_node* z, hash_t h, std::string_view text, const attributes_type& a,
                                   const text_place& place, std::uint64_t stamp) {
    const detail::byte_growth<typename store_type::zone_layer> growth(z->byte_count, z->strings);
    const bool own_text = place.visible && place.layer == z && !text.empty();  // replaced by the record entry
    const bool was_clean = z->lexeme_count.load(std::memory_order_relaxed) == 0 || z->clean_stamp == stamp;
    const lexeme_type& made =
        place_record(z->strings, h, text, a, place.visible && !own_text, own_text ? &place.entry : nullptr);
    z->clean_stamp = was_clean ? stamp : detail::zone_node_base::dirty_stamp;
    if (!place.visible) detail::zone_node_base::bump(z->string_count, 1);
    detail::zone_node_base::bump(z->lexeme_count, 1);
    return made;
  }

  const lexeme_type& add_in(zone_node* z, std::string_view text, retention r) {
    const hash_t h = hash_of(text);
    if (r == retention::permanent) {
      if (const lexeme_type* lex = find_permanent_checked(h, text)) return *lex;
      return create_permanent(z, h, text);
    }
    return add_in_zone(z, h, text);
  }

  std::unique_ptr<store_type> owned_;
  store_type* strings_;
  [[no_unique_address]] Traits traits_;
  std::atomic<std::size_t> perm_lexemes_{0};
  // The learning policy in one word, so that a creation reads one policy (see `learn_zone_bits`).
  std::atomic<std::uint64_t> learning_{0};
  std::atomic<std::size_t> learned_{0};  // words learned (vocab_stats::learned_lexemes)
#if LEXZONE_CHECKED
  std::atomic<std::size_t> guards_{0};  // zone guards alive, open or closed (the destructor's precondition)
#endif
};

/// The operations of a vocab zone (`basic_vocab::zone_type`, a `basic_memory_zone`).
///
/// Every operation first checks that the zone is open and otherwise reports `zone_closed` (through the
/// handler of errors.hpp). Thread safety: a zone is used by one thread at a time (see memory_zone.hpp).
template <class Traits, class Hasher, class Allocator>
template <class Zone>
class basic_vocab<Traits, Hasher, Allocator>::zone_api {
 public:
  /// The lexeme of `text`: found in the permanent layer, this zone or an enclosing one, else created in
  /// this zone (`retention::automatic`; then made permanent when the vocab's learning policy learns the
  /// word, see `learning_policy`) or permanently (`retention::permanent`, which also promotes a lexeme
  /// that is transient in this zone's chain).
  /// Complexity: O(text.size() + depth) expected; a new lexeme also probes the open zones nested in this
  /// one (as the string store's zone `add`). Lifetime: until the close of the zone that holds it
  /// (the vocab's life for a permanent lexeme). Throws: `zone_closed`, `hash_collision`,
  /// `std::bad_alloc`, `capacity_error` (as the vocab's `add`), what `Traits` throws. Strong guarantee.
  const lexeme_type& add(std::string_view text, retention r = retention::automatic) LEXZONE_LIFETIMEBOUND {
    auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return z.owner_->add_in(n, text, r);
  }

  /// As `add(text)`, with the generation that bounds the lexeme's life: 0 when it is permanent, else
  /// this zone's generation (see `scope_add` in scope.hpp). Complexity, lifetime, throws: as `add`.
  generational_ref<lexeme_type> add_with_generation(std::string_view text) {
    auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    bool permanent = false;
    const lexeme_type& lex = z.owner_->add_in_zone(n, z.owner_->hash_of(text), text, &permanent);
    return {&lex, permanent ? 0 : n->generation};
  }

  /// The visible lexeme of `text`, or nullptr; never creates.
  /// Complexity: O(text.size() + depth) expected. Lifetime: as `add`. Throws: `zone_closed` only.
  [[nodiscard]] const lexeme_type* find(std::string_view text) const LEXZONE_LIFETIMEBOUND {
    const auto& z = self();
    const auto* n = z.require_open();
    return z.owner_->template find_in<false>(n, z.owner_->hash_of(text), text);
  }

  /// The visible lexeme with orth id `orth`, or nullptr. Complexity: O(depth) expected. Lifetime: as
  /// `add`. Throws: `zone_closed` only.
  [[nodiscard]] const lexeme_type* find(hash_t orth) const LEXZONE_LIFETIMEBOUND {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return z.owner_->find_hash_in(n, orth);
  }

  /// The visible lexeme with orth id `orth`. Complexity: O(depth) expected. Lifetime: as `add`.
  /// Throws: `unknown_hash`, `zone_closed`.
  [[nodiscard]] const lexeme_type& operator[](hash_t orth) const LEXZONE_LIFETIMEBOUND {
    if (const lexeme_type* lex = find(orth)) return *lex;
    throw unknown_hash(orth);
  }

  /// Whether `text` has a visible lexeme. Complexity: as `find`. Throws: `zone_closed` only.
  [[nodiscard]] bool contains(std::string_view text) const { return find(text) != nullptr; }
  /// Whether a visible lexeme has orth id `orth`. Complexity: as `find`. Throws: `zone_closed` only.
  [[nodiscard]] bool contains(hash_t orth) const { return find(orth) != nullptr; }

  /// This zone's view of the vocab's strings, with the operations of a string-store zone (`add`,
  /// `find`, `operator[]`, `contains`, `size`, ...): lexemes' attribute strings (lower, norm, ...) made
  /// in this zone resolve through it. Complexity: O(1). Lifetime: the view must not outlive this guard.
  /// Throws: `zone_closed`.
  [[nodiscard]] typename store_type::zone_view strings() const {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return typename store_type::zone_view(*z.owner_->strings_, n);
  }

  /// Lexemes visible through this zone: permanent plus this zone's and its ancestors'.
  /// Complexity: O(depth). Throws: `zone_closed` only.
  [[nodiscard]] std::size_t size() const {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return z.owner_->size_in(n);
  }

  /// Lexemes held by this zone's own layer. Complexity: O(1). Throws: `zone_closed` only.
  [[nodiscard]] std::size_t transient_size() const {
    return self().require_open()->lexeme_count.load(std::memory_order_relaxed);
  }

  /// Calls `f(const lexeme_type&)` for every visible lexeme: permanent first, then the outermost zone
  /// down to this one. Complexity: O(visible lexemes). Requires: `f` adds nothing, neither through this
  /// zone or a zone of its chain (a layer's index may grow and move while it is walked) nor permanently
  /// (the walk of the permanent layer holds the store's write lock: a permanent add would wait for
  /// itself).
  /// Throws: `zone_closed`; `std::bad_alloc`; what `f` throws.
  template <class F>
  void for_each(F&& f) const {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    z.owner_->for_each_in(n, f);
  }

  /// The vocab this zone belongs to. Complexity: O(1). Lifetime: the vocab's. Throws: `zone_closed`
  /// when the zone is not open (closed, or the guard moved from).
  [[nodiscard]] basic_vocab& vocab() const {
    const auto& z = self();
    z.require_open();
    return *z.owner_;
  }

 private:
  Zone& self() noexcept { return static_cast<Zone&>(*this); }
  const Zone& self() const noexcept { return static_cast<const Zone&>(*this); }
};

}  // namespace lexzone
