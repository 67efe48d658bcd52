/// \file concepts.hpp
/// The concepts a tokenizer and a pipeline component satisfy, and the *scope* they work in.
///
/// ## Scope
/// A scope is where a doc's lexemes come from: a `basic_vocab` (the permanent layer) or one of its zones
/// (`basic_vocab::zone_type`). `lexzone::scope_vocab(scope)` gives the vocab, `lexzone::scope_sentinel`
/// the zone's liveness cell for checked builds.
///
/// ## tokenizer<T, Vocab>
/// | Expression | Type | Throws | Meaning |
/// |---|---|---|---|
/// | `typename T::lexzone_tokenizer_tag` | any | | opt-in: nothing is a tokenizer by accident |
/// | `t(zone, text)` (`zone`: `Vocab::zone_type&`, `text`: `std::string_view`) | `basic_doc<Vocab>` | `zone_closed`, `std::bad_alloc`, user errors | tokenizes `text`; new lexemes go to `zone`; the doc belongs to `zone` |
/// | `t(vocab, text)` (`vocab`: `Vocab&`) | `basic_doc<Vocab>` | `std::bad_alloc`, user errors | tokenizes into the permanent layer |
/// Requirements beyond syntax: `doc.text() == text`, tokens cover the text in order. `t` may keep state
/// (caches), so calls on one object are not concurrent unless its documentation says otherwise.
///
/// ## pipeline_component<C, Vocab>
/// | Expression | Type | Throws | Meaning |
/// |---|---|---|---|
/// | `typename C::lexzone_component_tag` | any | | opt-in |
/// | `c(doc)` (`doc`: `basic_doc<Vocab>&`) | any (ignored) | user errors | annotates `doc` in place (entities, ...); may intern strings only through the doc's scope rules: permanent strings must already exist |
///
/// ## zone_aware<C>
/// | Expression | Type | Throws | Meaning |
/// |---|---|---|---|
/// | `c.on_zone_close()` | void | must be `noexcept` | called by `pipeline_zone` just before the zone closes, for components that keep caches of borrows |
#pragma once

#include <concepts>
#include <string_view>
#include <type_traits>

#include "detail/zone_registry.hpp"
#include "doc.hpp"
#include "memory_zone.hpp"

namespace lexzone {

// Not formatted: clang-format 14 mis-parses requires-clauses and concept definitions (fixed in 15).
// clang-format off
/// The vocab of a scope.
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
V& scope_vocab(V& vocab) noexcept {
  return vocab;
}
template <class V>
V& scope_vocab(basic_memory_zone<V>& zone) noexcept {
  return zone.owner();
}

/// The liveness cell a doc made in this scope shares (nullptr for the permanent layer, or unchecked).
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
detail::zone_sentinel* scope_sentinel(V&) noexcept {
  return nullptr;
}
template <class V>
detail::zone_sentinel* scope_sentinel(basic_memory_zone<V>& zone) {
  return zone.sentinel();
}

/// A scope over vocab type `Vocab`: the vocab itself or one of its zones.
template <class S, class Vocab>
concept scope_of =
    std::same_as<std::remove_cvref_t<S>, Vocab> || std::same_as<std::remove_cvref_t<S>, typename Vocab::zone_type>;

/// See the table in the file comment.
template <class T, class Vocab>
concept tokenizer = requires(T& t, typename Vocab::zone_type& zone, Vocab& vocab, std::string_view text) {
  typename T::lexzone_tokenizer_tag;
  { t(zone, text) } -> std::same_as<basic_doc<Vocab>>;
  { t(vocab, text) } -> std::same_as<basic_doc<Vocab>>;
};

/// See the table in the file comment.
template <class C, class Vocab>
concept pipeline_component = requires(C& c, basic_doc<Vocab>& doc) {
  typename C::lexzone_component_tag;
  c(doc);
};

/// See the table in the file comment.
template <class C>
concept zone_aware = requires(C& c) {
  { c.on_zone_close() } noexcept -> std::same_as<void>;
};
// clang-format on

}  // namespace lexzone
