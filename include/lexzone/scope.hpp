/// \file scope.hpp
/// Scopes: where a doc's lexemes come from and where new ones go.
///
/// A scope is a `basic_vocab` (the permanent layer) or one of its zones (`basic_vocab::zone_type`).
/// Tokenizers take a scope, create lexemes through it (`scope.add(text)`), and make docs that belong to
/// it: a doc made in a zone must not be used after that zone closes. These helpers give what a doc needs
/// from either kind of scope, so a tokenizer is written once for both.
#pragma once

#include <concepts>
#include <type_traits>

#include "detail/zone_registry.hpp"
#include "memory_zone.hpp"

namespace lexzone {

// Not formatted: clang-format 14 mis-parses requires-clauses and concept definitions (fixed in 15).
// clang-format off

/// A scope over vocab type `Vocab`: the vocab itself or one of its zones.
template <class S, class Vocab>
concept scope_of =
    std::same_as<std::remove_cvref_t<S>, Vocab> || std::same_as<std::remove_cvref_t<S>, typename Vocab::zone_type>;

/// The vocab of a scope that is a vocab: `vocab` itself. Complexity: O(1). Throws: nothing.
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
[[nodiscard]] V& scope_vocab(V& vocab) noexcept {
  return vocab;
}

/// The vocab of a zone scope. Requires: `zone` holds a zone. Complexity: O(1). Throws: nothing.
template <class V>
[[nodiscard]] V& scope_vocab(basic_memory_zone<V>& zone) {
  return zone.owner();
}

/// The liveness cell a doc made in a vocab scope shares: none (permanent docs never expire).
/// Complexity: O(1). Throws: nothing.
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
[[nodiscard]] detail::zone_sentinel* scope_sentinel(V&) noexcept {
  return nullptr;
}

/// The liveness cell a doc made in `zone` shares (checked builds; nullptr otherwise).
/// Complexity: O(1). Throws: `zone_closed` when the zone is not open.
template <class V>
[[nodiscard]] detail::zone_sentinel* scope_sentinel(basic_memory_zone<V>& zone) {
  return zone.sentinel();
}
// clang-format on

}  // namespace lexzone
