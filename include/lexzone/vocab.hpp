/// \file vocab.hpp
/// `basic_vocab`: one lexeme record per distinct string, split into a permanent layer and one private
/// layer per open `memory_zone` (see memory_zone.hpp for the lifetime model).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "config.hpp"
#include "detail/layer_chain.hpp"
#include "detail/lexeme_layer.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "lexeme.hpp"
#include "memory_zone.hpp"
#include "string_store.hpp"

namespace lexzone {

/// Monitoring figures of a vocab and its string store. Transient figures cover every open zone.
struct vocab_stats {
  std::size_t permanent_lexemes = 0;       ///< lexemes in the permanent layer
  std::size_t transient_lexemes = 0;       ///< live lexemes in all open zones' layers
  std::size_t permanent_lexeme_bytes = 0;  ///< memory held by the permanent lexeme layer
  string_store_stats strings;              ///< the string store's figures (its zone_bytes include lexemes)
};

/// The vocabulary: `add(text)` returns the one lexeme of `text`, creating it (attributes computed by
/// `Traits`, see lexeme.hpp) on first sight.
///
/// - Layers: calls on the vocab use the permanent layer; calls through a zone guard from `memory_zone()`
///   see the permanent layer, then the zone and its enclosing zones, and create new lexemes in the zone.
///   A lexeme's strings (orth and attribute strings) are interned in the string store's layer of the same
///   zone (or permanently), so a zone's close removes lexemes and strings together.
/// - Names: as `basic_string_store`: `add` creates; `find` and `contains` never throw (a text whose id
///   another lexeme holds is simply not found); `operator[]` throws `unknown_hash`; `size`, `stats`.
/// - Lifetime: `const lexeme_type&` stays valid, at the same address, until its layer ends: the vocab's
///   destruction for a permanent lexeme, the close of its zone for a transient one.
/// - Strings: the vocab owns a string store, or refers to one that must outlive it (constructor).
/// - Thread safety: as `basic_string_store`: every member of the vocab may be called concurrently;
///   permanent lookups take no lock; zones are private to one thread at a time. All zones must be closed
///   before the vocab is destroyed.
/// - Exceptions: strong guarantee for every creation (on a throw no lexeme is added; strings already
///   interned for the lexeme's attributes stay in the same layer and are evicted with it).
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

 private:
  using perm_layer = detail::lexeme_layer<lexeme_type, Allocator, true>;
  using zone_layer = detail::lexeme_layer<lexeme_type, Allocator, false>;

 public:
  /// Per-zone state. Implementation detail; public only so that `basic_memory_zone` can name it.
  struct zone_node : store_type::zone_node {
    /// Empty layers drawing chunks from `src`.
    zone_node(detail::chunk_source<Allocator>& src, const Hasher& h) : store_type::zone_node(src, h), lexemes(src) {}
    zone_layer lexemes;  ///< the zone's own lexemes
  };

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
        perm_(strings_->chunks_), traits_(std::move(traits)) {}

  /// A vocab over `strings`, which must outlive it. Complexity: O(1). Throws: `std::bad_alloc`.
  explicit basic_vocab(store_type& strings LEXZONE_LIFETIMEBOUND, Traits traits = Traits())
      : strings_(&strings), perm_(strings_->chunks_), traits_(std::move(traits)) {}

  basic_vocab(const basic_vocab&) = delete;             ///< not copyable
  basic_vocab& operator=(const basic_vocab&) = delete;  ///< not copyable
  /// Frees every lexeme (and the owned store). Requires: every zone of this vocab is closed.
  ~basic_vocab() = default;

  /// The permanent lexeme of `text`, created (permanently) if absent.
  /// Complexity: O(text.size()) expected; creation computes the attributes. Lifetime: the vocab's.
  /// Thread safety: any thread. Throws: `hash_collision`, `std::bad_alloc`, what `Traits` throws.
  /// Strong guarantee.
  const lexeme_type& add(std::string_view text) LEXZONE_LIFETIMEBOUND {
    const hash_t h = strings_->hasher_(text);
    if (const lexeme_type* lex = perm_.find_checked(h, text)) return *lex;
    return create_permanent(nullptr, h, text);
  }

  /// The permanent lexeme of `text`, or nullptr; never creates.
  /// Complexity: O(text.size()) expected. Lifetime: the vocab's. Thread safety: any thread.
  /// Throws: nothing.
  [[nodiscard]] const lexeme_type* find(std::string_view text) const noexcept LEXZONE_LIFETIMEBOUND {
    return perm_.find(strings_->hasher_(text), text);
  }

  /// The permanent lexeme with orth id `orth`, or nullptr. Complexity: O(1) expected. Lifetime: the
  /// vocab's. Thread safety: any thread. Throws: nothing.
  [[nodiscard]] const lexeme_type* find(hash_t orth) const noexcept LEXZONE_LIFETIMEBOUND {
    return perm_.find_hash(orth);
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
  [[nodiscard]] std::size_t size() const noexcept { return perm_.size() + strings_->registry_.totals().lexemes; }
  /// Permanent lexemes. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t permanent_size() const noexcept { return perm_.size(); }

  /// Calls `f(const lexeme_type&)` for every permanent lexeme, in an unspecified order.
  /// Complexity: O(permanent lexemes). Thread safety: permanent creations from other threads wait until
  /// it returns; `f` must not create permanent lexemes. Throws: what `f` throws.
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard lock(write_mutex_);
    perm_.for_each(f);
  }

  /// The traits object that computes attributes. Lifetime: the vocab's. Throws: nothing.
  [[nodiscard]] const Traits& traits() const noexcept LEXZONE_LIFETIMEBOUND { return traits_; }

  /// The string store (shared with this vocab's lexemes). Lifetime: the vocab's. Throws: nothing.
  [[nodiscard]] store_type& strings() noexcept LEXZONE_LIFETIMEBOUND { return *strings_; }
  /// The string store (shared with this vocab's lexemes). Lifetime: the vocab's. Throws: nothing.
  [[nodiscard]] const store_type& strings() const noexcept LEXZONE_LIFETIMEBOUND { return *strings_; }

  /// Opens a zone on this vocab (and its string store). Complexity: O(1). Lifetime: the zone must close
  /// before the vocab is destroyed. Thread safety: any thread; the zone is private to the thread that
  /// uses it. Throws: `std::bad_alloc`.
  [[nodiscard]] zone_type memory_zone() { return zone_type(this, open_node(nullptr)); }

  /// Monitoring figures. Complexity: O(open zones). Thread safety: any thread; a snapshot.
  /// Throws: nothing.
  [[nodiscard]] vocab_stats stats() const noexcept {
    vocab_stats s;
    s.strings = strings_->stats();
    s.permanent_lexemes = perm_.size();
    s.transient_lexemes = strings_->registry_.totals().lexemes;
    std::lock_guard lock(write_mutex_);
    s.permanent_lexeme_bytes = perm_.bytes_held();
    return s;
  }

 private:
  template <class Z>
  friend class basic_memory_zone;

  zone_node* open_node(detail::zone_node_base* parent) { return strings_->template open_node<zone_node>(parent); }

  void close_node(zone_node* n) noexcept {
    n->lexemes.~zone_layer();
    ::new (static_cast<void*>(&n->lexemes)) zone_layer(strings_->chunks_);
    strings_->close_node(n);
  }

  void destroy_node(zone_node* n) noexcept { strings_->destroy_node(n); }

  const lexeme_type* find_in(const zone_node* z, hash_t h, std::string_view text) const noexcept {
    if (const lexeme_type* lex = perm_.find(h, text)) return lex;
    return detail::first_in_chain(z, [&](const zone_node& n) { return n.lexemes.find(h, text); });
  }

  const lexeme_type* find_checked_in(const zone_node* z, hash_t h, std::string_view text) const {
    if (const lexeme_type* lex = perm_.find_checked(h, text)) return lex;
    return detail::first_in_chain(z, [&](const zone_node& n) { return n.lexemes.find_checked(h, text); });
  }

  const lexeme_type* find_hash_in(const zone_node* z, hash_t h) const noexcept {
    if (const lexeme_type* lex = perm_.find_hash(h)) return lex;
    return detail::first_in_chain(z, [&](const zone_node& n) { return n.lexemes.find_hash(h); });
  }

  std::size_t size_in(const zone_node* z) const noexcept {
    return perm_.size() + detail::sum_over_chain(z, [](const zone_node& n) { return n.lexemes.size(); });
  }

  // Calls `f` for every lexeme visible through `z`: permanent first, then the outermost zone inwards.
  template <class F>
  void for_each_in(const zone_node* z, F& f) const {
    for_each(f);
    detail::for_each_outermost_first(z, [&](const zone_node& n) { n.lexemes.for_each(f); });
  }

  // Builds a lexeme whose strings are interned by `intern(hash, text) -> std::string_view`.
  template <class Intern>
  lexeme_type build(hash_t h, std::string_view text, Intern&& intern) {
    lexeme_type lex;
    lex.orth = h;
    const std::string_view stored = text.empty() ? std::string_view() : intern(h, text);
    lex.text_data = stored.data();
    lex.text_size = stored.size();
    lex.attrs = traits_.compute(stored, [&](std::string_view s) -> hash_t {
      if (s.empty()) return 0;
      if (s == stored) return h;  // the orth itself (lower-case words: their lower and norm)
      const hash_t sh = hash_of(s);
      intern(sh, s);
      return sh;
    });
    return lex;
  }

  hash_t hash_of(std::string_view s) const noexcept { return strings_->hasher_(s); }

  // Creates a permanent lexeme; when `z` is given, promotes a transient one (and its strings) of z's chain.
  const lexeme_type& create_permanent(zone_node* z, hash_t h, std::string_view text) {
    std::lock_guard lock(write_mutex_);
    if (const lexeme_type* lex = perm_.find_checked(h, text)) return *lex;
    // The transient lexeme of `text` in z's chain, innermost first as lookups go; `find_checked` throws
    // `hash_collision` when a zone holds a lexeme with id `h` but other text (the erase below goes by id
    // only, so it must never unpublish an unrelated lexeme).
    zone_node* holder = detail::first_in_chain(
        z, [&](zone_node& n) -> zone_node* { return n.lexemes.find_checked(h, text) ? &n : nullptr; });
    const lexeme_type lex = build(h, text, [&](hash_t sh, std::string_view s) {
      return z != nullptr ? strings_->promote(z, sh, s) : *strings_->perm_.find(strings_->add_permanent(sh, s), s);
    });
    const lexeme_type& stored = perm_.insert(lex);
    if (holder != nullptr && holder->lexemes.erase(h)) detail::zone_node_base::bump(holder->lexeme_count, -1);
    return stored;
  }

  const lexeme_type& add_in(zone_node* z, std::string_view text, retention r) {
    const hash_t h = strings_->hasher_(text);
    if (r == retention::permanent) {
      if (const lexeme_type* lex = perm_.find_checked(h, text)) return *lex;
      return create_permanent(z, h, text);
    }
    if (const lexeme_type* lex = find_checked_in(z, h, text)) return *lex;
    const lexeme_type lex =
        build(h, text, [&](hash_t sh, std::string_view s) { return strings_->add_in(z, sh, s, retention::automatic); });
    const detail::byte_growth<zone_layer> growth(z->byte_count, z->lexemes);  // counted even on a throw
    const lexeme_type& stored = z->lexemes.insert(lex);
    detail::zone_node_base::bump(z->lexeme_count, 1);
    return stored;
  }

  std::unique_ptr<store_type> owned_;
  store_type* strings_;
  perm_layer perm_;
  [[no_unique_address]] Traits traits_;
  mutable std::mutex write_mutex_;
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
  /// this zone (`retention::automatic`) or permanently (`retention::permanent`, which also promotes a
  /// lexeme that is transient in this zone's chain).
  /// Complexity: O(text.size() + depth) expected. Lifetime: until the close of the zone that holds it
  /// (the vocab's life for a permanent lexeme). Throws: `zone_closed`, `hash_collision`,
  /// `std::bad_alloc`, what `Traits` throws. Strong guarantee.
  const lexeme_type& add(std::string_view text, retention r = retention::automatic) LEXZONE_LIFETIMEBOUND {
    auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    return z.owner_->add_in(n, text, r);
  }

  /// The visible lexeme of `text`, or nullptr; never creates.
  /// Complexity: O(text.size() + depth) expected. Lifetime: as `add`. Throws: `zone_closed` only.
  [[nodiscard]] const lexeme_type* find(std::string_view text) const LEXZONE_LIFETIMEBOUND {
    const auto& z = self();
    const auto* n = z.require_open();
    return z.owner_->find_in(n, z.owner_->hash_of(text), text);
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
  [[nodiscard]] std::size_t transient_size() const { return self().require_open()->lexemes.size(); }

  /// Calls `f(const lexeme_type&)` for every visible lexeme: permanent first, then the outermost zone
  /// down to this one. Complexity: O(visible lexemes). Throws: `zone_closed`; `std::bad_alloc`; what
  /// `f` throws.
  template <class F>
  void for_each(F&& f) const {
    const auto& z = self();
    auto* n = z.require_open();  // first: a moved-from guard has no owner
    z.owner_->for_each_in(n, f);
  }

  /// The vocab this zone belongs to. Complexity: O(1). Lifetime: the vocab's. Throws: `zone_closed`
  /// when the guard holds no zone (moved from).
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
