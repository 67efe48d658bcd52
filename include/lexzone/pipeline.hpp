/// \file pipeline.hpp
/// Pipelines: a tokenizer followed by components, composed statically (`pipeline`, zero overhead) or at
/// run time (`dynamic_pipeline`, components registered by name, e.g. a model loaded from a plugin).
///
/// Both run a text in a scope: `auto doc = nlp(zone, text);` (lexemes new to the zone are evicted when
/// it closes) or `nlp(vocab, text)` (permanent). `nlp.memory_zone(vocab)` opens a `pipeline_zone`, a
/// vocab zone that also tells zone-aware components (see `zone_aware`) that it is about to close.
///
/// Thread safety: a pipeline object is used by one thread at a time (tokenizers keep caches); give each
/// worker thread its own copy. Copies of the built-in tokenizer share their immutable rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "concepts.hpp"
#include "config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "doc.hpp"
#include "memory_zone.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// A vocab zone opened through a pipeline: before the zone closes (explicitly, or by the destructor,
/// also during unwinding) every zone-aware component's `on_zone_close()` runs. Move-only.
///
/// Lifetime: as the vocab zone it holds (see memory_zone.hpp); `notify` refers to the pipeline, which must
/// outlive the zone and stay where it is (not moved, nor moved from) while the zone is open. Thread
/// safety: as a vocab zone (one thread at a time). `Notify`: a callable `void() noexcept`; the move
/// assignment needs it move-assignable (the pipelines' notifiers are).
template <class Vocab, class Notify>
class pipeline_zone {
 public:
  /// Takes over `zone`; `notify` runs once, before the zone closes. Complexity: O(1). Throws: what moving
  /// `notify` throws (nothing for the pipelines' notifiers).
  pipeline_zone(typename Vocab::zone_type zone, Notify notify)
      : zone_(std::move(zone)), notify_(std::move(notify)), pending_(zone_.is_open()) {}
  pipeline_zone(const pipeline_zone&) = delete;             ///< move-only
  pipeline_zone& operator=(const pipeline_zone&) = delete;  ///< move-only
  /// Takes over `o`'s zone; `o` holds none afterwards. Complexity: O(1). Throws: nothing.
  pipeline_zone(pipeline_zone&& o) noexcept
      : zone_(std::move(o.zone_)), notify_(std::move(o.notify_)), pending_(std::exchange(o.pending_, false)) {}
  /// Closes the zone held now (notifying first), then takes over `o`'s. Complexity: that of `close`.
  /// Throws: nothing.
  pipeline_zone& operator=(pipeline_zone&& o) noexcept requires std::is_nothrow_move_assignable_v<Notify> {
    if (this != &o) {
      close();
      zone_ = std::move(o.zone_);
      notify_ = std::move(o.notify_);
      pending_ = std::exchange(o.pending_, false);
    }
    return *this;
  }
  /// Closes the zone (see `close`). Complexity: that of `close`. Throws: nothing.
  ~pipeline_zone() { close(); }

  /// Notifies the components, then closes the vocab zone. Idempotent. Complexity: that of the
  /// components' hooks plus the zone's close. Throws: nothing.
  void close() noexcept {
    if (std::exchange(pending_, false)) notify_();
    zone_.close();
  }
  /// The vocab zone (pass it to the pipeline, or use it directly). Close this object rather than the
  /// zone: a zone closed through this reference (or moved out of it) closes before the components hear
  /// of it, and they are notified only when this object closes or is destroyed. Lifetime: this
  /// object's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] typename Vocab::zone_type& zone() noexcept { return zone_; }
  /// Whether the zone is open. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool is_open() const noexcept { return zone_.is_open(); }

 private:
  typename Vocab::zone_type zone_;
  Notify notify_;
  bool pending_;  // the components have not been notified of this zone's close yet
};

/// A statically composed pipeline: `Tokenizer` then each of `Components`, in order. Zero overhead: the
/// calls are resolved at compile time.
///
/// Ownership: holds the tokenizer and the components by value (copy a pipeline to give a thread its own).
/// Thread safety: one thread at a time per object (tokenizers keep caches). Lifetime: the parts refer to
/// the vocab, which must outlive the pipeline.
// Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
// clang-format off
template <class Vocab, class Tokenizer, class... Components>
  requires tokenizer<Tokenizer, Vocab> && (pipeline_component<Components, Vocab> && ...)
class pipeline {
  // clang-format on
  static_assert(zone_hook_well_formed<Tokenizer> && (zone_hook_well_formed<Components> && ...),
                "lexzone: a tokenizer's or component's on_zone_close must be `void on_zone_close() noexcept`; "
                "with another signature it would never be called");

 public:
  using vocab_type = Vocab;           ///< the vocab type
  using doc_type = basic_doc<Vocab>;  ///< what a call returns

  /// A pipeline of `tok` then `components`, in that order. Complexity: the moves. Throws: what the moves
  /// throw (`std::bad_alloc` for the built-in parts).
  explicit pipeline(Tokenizer tok, Components... components)
      : tokenizer_(std::move(tok)), components_(std::move(components)...) {}

  /// Tokenizes `text` in `scope` (the vocab, or one of its zones) and runs every component. When `scope`
  /// is not the scope of this pipeline's previous call (by generation: a zone it did not open, a nested
  /// zone, the vocab), the zone-aware parts are notified first (see `zone_aware`).
  /// Complexity: the tokenizer's and the components'. Lifetime: the doc belongs to `scope`.
  /// Throws: `zone_closed` (a scope that is not open), what the tokenizer and components throw; the doc is
  /// then discarded, and a zone still rolls back everything when it closes.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class Scope>
    requires scope_of<Scope, Vocab>
  doc_type operator()(Scope& scope, std::string_view text) {
    // clang-format on
    if constexpr (has_zone_aware_parts) {
      const std::uint64_t g = scope_generation(scope);
      if (g != seen_generation_) {
        if (seen_generation_ != no_generation) notify_zone_close();
        seen_generation_ = g;
      }
    }
    doc_type doc = tokenizer_(scope, text);
    std::apply([&](auto&... c) { (static_cast<void>(c(doc)), ...); }, components_);
    return doc;
  }

  /// Runs `text` in a pipeline zone (its vocab zone). Complexity, lifetime and throws: as the scope overload.
  template <class Notify>
  doc_type operator()(pipeline_zone<Vocab, Notify>& zone, std::string_view text) {
    return (*this)(zone.zone(), text);
  }

  /// Opens a zone on `vocab` whose close first notifies the zone-aware tokenizer and components.
  /// Complexity: O(1). Lifetime: this pipeline must outlive the zone, and must not be moved (nor moved
  /// from) while it is open: the zone notifies this object. Throws: `std::bad_alloc`.
  [[nodiscard]] auto memory_zone(Vocab& vocab) {
    return pipeline_zone<Vocab, zone_notifier>(vocab.memory_zone(), zone_notifier{this});
  }

  /// The tokenizer. Lifetime: the pipeline's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] Tokenizer& tokenizer() noexcept { return tokenizer_; }
  /// The tokenizer. Lifetime: the pipeline's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const Tokenizer& tokenizer() const noexcept { return tokenizer_; }
  /// Component `I` (0-based, in pipeline order). Lifetime: the pipeline's. Complexity: O(1).
  /// Throws: nothing.
  template <std::size_t I>
  [[nodiscard]] auto& component() noexcept {
    return std::get<I>(components_);
  }
  /// Component `I` (0-based, in pipeline order). Lifetime: the pipeline's. Complexity: O(1).
  /// Throws: nothing.
  template <std::size_t I>
  [[nodiscard]] const auto& component() const noexcept {
    return std::get<I>(components_);
  }

 private:
  // What a pipeline zone calls before it closes (assignable, so that such zones are).
  struct zone_notifier {
    pipeline* self;
    void operator()() const noexcept { self->notify_zone_close(); }
  };

  static constexpr bool has_zone_aware_parts = zone_aware<Tokenizer> || (zone_aware<Components> || ...);
  static constexpr std::uint64_t no_generation = ~std::uint64_t{0};  // no borrows kept since the last notice

  void notify_zone_close() noexcept {
    seen_generation_ = no_generation;
    if constexpr (zone_aware<Tokenizer>) tokenizer_.on_zone_close();
    std::apply(
        [](auto&... c) {
          (
              [&] {
                if constexpr (zone_aware<std::remove_reference_t<decltype(c)>>) c.on_zone_close();
              }(),
              ...);
        },
        components_);
  }

  Tokenizer tokenizer_;
  std::tuple<Components...> components_;
  std::uint64_t seen_generation_ = no_generation;  // the scope of the last call (see operator())
};

/// The interface of a component registered at run time (e.g. from a plugin).
template <class Vocab>
class component_base {
 public:
  /// Destroys the component. Throws: nothing.
  virtual ~component_base() = default;
  /// Annotates `doc` (as `pipeline_component`'s `c(doc)`). Complexity: the component's. Throws: user errors.
  virtual void process(basic_doc<Vocab>& doc) = 0;
  /// Called when the component must drop the borrows it kept (see `zone_aware`): before a pipeline zone
  /// closes, and before a call in another scope than the previous one (the zone they came from may have
  /// closed already: drop them without reading through them). Must not throw. Complexity: the component's
  /// (the default does nothing).
  virtual void on_zone_close() noexcept {}
};

/// A pipeline whose tokenizer and components are chosen at run time. Components run in the order they
/// were added; names are unique.
///
/// Ownership: owns its tokenizer and components (move-only). Thread safety: one thread at a time.
/// Lifetime: the parts refer to the vocab, which must outlive the pipeline.
template <class Vocab>
class dynamic_pipeline {
 public:
  using vocab_type = Vocab;           ///< the vocab type
  using doc_type = basic_doc<Vocab>;  ///< what a call returns

  /// Takes any `tokenizer<T, Vocab>`. Complexity: O(1). Throws: `std::bad_alloc`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class T>
    requires tokenizer<T, Vocab>
  explicit dynamic_pipeline(T tok) : tokenizer_(std::make_unique<tokenizer_model<T>>(std::move(tok))) {
    static_assert(zone_hook_well_formed<T>, "lexzone: a tokenizer's on_zone_close must be "
                                            "`void on_zone_close() noexcept`; otherwise it would never be called");
  }
  // clang-format on

  /// Appends a component that satisfies `pipeline_component` under `name`.
  /// Complexity: O(components). Throws: `std::invalid_argument` if the name is taken; `std::bad_alloc`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class C>
    requires pipeline_component<C, Vocab>
  void add(std::string name, C component) {
    // clang-format on
    static_assert(zone_hook_well_formed<C>,
                  "lexzone: a component's on_zone_close must be "
                  "`void on_zone_close() noexcept`; otherwise it would never be called");
    add(std::move(name), std::make_unique<component_model<C>>(std::move(component)));
  }

  /// Appends a type-erased component (e.g. created by a plugin's factory). Complexity: O(components).
  /// Throws: `std::invalid_argument` if the name is taken or `component` is null; `std::bad_alloc`.
  void add(std::string name, std::unique_ptr<component_base<Vocab>> component) {
    if (!component) throw std::invalid_argument("lexzone: null component '" + name + "'");
    for (const auto& e : components_)
      if (e.name == name) throw std::invalid_argument("lexzone: a component named '" + name + "' exists");
    components_.push_back(entry{std::move(name), std::move(component)});
  }

  /// Removes the component `name`; returns whether it existed. Complexity: O(components).
  /// Throws: nothing.
  bool remove(std::string_view name) {
    for (auto it = components_.begin(); it != components_.end(); ++it) {
      if (it->name == name) {
        components_.erase(it);
        return true;
      }
    }
    return false;
  }

  /// Component names, in order. Complexity: O(components). Throws: `std::bad_alloc`.
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : components_) out.push_back(e.name);
    return out;
  }

  /// Tokenizes `text` in `zone` and runs every component, as `pipeline::operator()` (which also says when
  /// the parts are notified first). Complexity: the tokenizer's and the components'. Lifetime: the doc
  /// belongs to `zone`. Throws: `zone_closed`, what the tokenizer and components throw.
  doc_type operator()(typename Vocab::zone_type& zone, std::string_view text) {
    enter_scope(zone.generation());
    doc_type doc = tokenizer_->run(zone, text);
    for (auto& e : components_) e.component->process(doc);
    return doc;
  }
  /// Tokenizes `text` into the permanent layer and runs every component. Complexity: the tokenizer's and
  /// the components'. Lifetime: the vocab's. Throws: what the tokenizer and components throw.
  doc_type operator()(Vocab& vocab, std::string_view text) {
    enter_scope(0);
    doc_type doc = tokenizer_->run(vocab, text);
    for (auto& e : components_) e.component->process(doc);
    return doc;
  }
  /// Runs `text` in a pipeline zone (its vocab zone). Complexity, lifetime and throws: as the zone overload.
  template <class Notify>
  doc_type operator()(pipeline_zone<Vocab, Notify>& zone, std::string_view text) {
    return (*this)(zone.zone(), text);
  }

  /// Opens a zone on `vocab` whose close first notifies every component. Complexity: O(1).
  /// Lifetime: as `pipeline::memory_zone` (the zone calls back this object, which must stay where it is
  /// until the zone closes; a moved-from one is skipped). Throws: `std::bad_alloc`.
  [[nodiscard]] auto memory_zone(Vocab& vocab) {
    return pipeline_zone<Vocab, zone_notifier>(vocab.memory_zone(), zone_notifier{this});
  }

 private:
  // The dynamic pipeline's zone notifier (an assignable callable, as `pipeline`'s).
  struct zone_notifier {
    dynamic_pipeline* self;
    void operator()() const noexcept { self->notify_zone_close(); }
  };

  static constexpr std::uint64_t no_generation = ~std::uint64_t{0};  // as `pipeline`'s

  void notify_zone_close() noexcept {
    seen_generation_ = no_generation;
    if (tokenizer_ == nullptr) return;  // moved from: nothing to notify
    tokenizer_->on_zone_close();
    for (auto& e : components_) e.component->on_zone_close();
  }

  // As `pipeline::operator()`: a call in another scope than the previous one notifies first.
  void enter_scope(std::uint64_t generation) noexcept {
    if (generation == seen_generation_) return;
    if (seen_generation_ != no_generation) notify_zone_close();
    seen_generation_ = generation;
  }

  struct tokenizer_base {
    virtual ~tokenizer_base() = default;
    virtual doc_type run(typename Vocab::zone_type& zone, std::string_view text) = 0;
    virtual doc_type run(Vocab& vocab, std::string_view text) = 0;
    virtual void on_zone_close() noexcept = 0;
  };
  template <class T>
  struct tokenizer_model final : tokenizer_base {
    explicit tokenizer_model(T t) : tok(std::move(t)) {}
    doc_type run(typename Vocab::zone_type& zone, std::string_view text) override { return tok(zone, text); }
    doc_type run(Vocab& vocab, std::string_view text) override { return tok(vocab, text); }
    void on_zone_close() noexcept override {
      if constexpr (zone_aware<T>) tok.on_zone_close();
    }
    T tok;
  };
  template <class C>
  struct component_model final : component_base<Vocab> {
    explicit component_model(C c) : comp(std::move(c)) {}
    void process(doc_type& doc) override { static_cast<void>(comp(doc)); }
    void on_zone_close() noexcept override {
      if constexpr (zone_aware<C>) comp.on_zone_close();
    }
    C comp;
  };
  struct entry {
    std::string name;
    std::unique_ptr<component_base<Vocab>> component;
  };

  std::unique_ptr<tokenizer_base> tokenizer_;
  std::vector<entry> components_;
  std::uint64_t seen_generation_ = no_generation;  // the scope of the last call (see enter_scope)
};

}  // namespace lexzone
