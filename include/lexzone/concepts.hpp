/// \file concepts.hpp
/// The concepts a tokenizer and a pipeline component satisfy.
///
/// A tokenizer and the components work in a *scope* (scope.hpp): the vocab, or one of its zones.
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
/// | `c.on_zone_close()` | void | must be `noexcept` | for a tokenizer or component that keeps borrows (lexeme pointers, views) from one doc to the next: called by a pipeline just before a zone it opened (`pipeline_zone`) closes, and, before a doc is made, whenever the pipeline is called in another scope than its previous call (a zone it did not open, a nested zone, the vocab): the part must then drop every borrow it kept, without reading through it (its zone may have closed already) |
///
/// A pipeline refuses, at compile time, a part with an accessible member named `on_zone_close` that is not
/// `void on_zone_close() noexcept` (`declares_zone_hook` without `zone_aware`): such a hook would never be
/// called. (A hook the check cannot see, a private one or one that takes arguments, is not called either.) A component's call operator takes `basic_doc<Vocab>&` (one taking the doc by value, which the
/// concept cannot tell from `const basic_doc<Vocab>&`, annotates a copy that is then thrown away).
#pragma once

#include <concepts>
#include <string_view>
#include <type_traits>

#include "config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "doc.hpp"
#include "scope.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

// Not formatted: clang-format 14 mis-parses requires-clauses and concept definitions (fixed in 15).
// clang-format off
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

/// Whether `C` has a member named `on_zone_close`, of whatever signature (see the file comment).
template <class C>
concept declares_zone_hook = requires { &C::on_zone_close; } || requires(C& c) { c.on_zone_close(); };

/// A part whose zone hook, if it declares one, is `zone_aware`.
template <class C>
concept zone_hook_well_formed = !declares_zone_hook<C> || zone_aware<C>;
// clang-format on

}  // namespace lexzone
