/// \file scope.hpp
/// Scopes: where a doc's lexemes come from and where new ones go.
///
/// A scope is a `basic_vocab` (the permanent layer) or one of its zones (`basic_vocab::zone_type`).
/// Tokenizers take a scope, create lexemes through it (`scope.add(text)`), and make docs that belong to
/// it: a doc made in a zone must not be used after that zone closes. These helpers give what a doc needs
/// from either kind of scope, so a tokenizer is written once for both, and the scope's generation, with
/// which a cache knows how long the lexemes it keeps stay valid (memory_zone.hpp, "generation").
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "detail/zone_registry.hpp"
#include "lexeme.hpp"
#include "memory_zone.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

// Not formatted: clang-format 14 mis-parses requires-clauses and concept definitions (fixed in 15).
// clang-format off

/// A scope over vocab type `Vocab`: the vocab itself or one of its zones, not const (a tokenizer creates
/// lexemes through it; a const zone or vocab is refused here rather than deep inside a tokenizer).
template <class S, class Vocab>
concept scope_of = std::same_as<std::remove_reference_t<S>, Vocab> ||
                   std::same_as<std::remove_reference_t<S>, typename Vocab::zone_type>;

/// The vocab of a scope that is a vocab: `vocab` itself. Complexity: O(1). Throws: nothing.
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
[[nodiscard]] V& scope_vocab(V& vocab) noexcept {
  return vocab;
}

/// The vocab of a zone scope. Complexity: O(1). Throws: `zone_closed` when the zone is not open (closed,
/// moved from or default-constructed: a tokenizer or doc given such a guard reports it as a closed zone).
template <class V>
[[nodiscard]] V& scope_vocab(basic_memory_zone<V>& zone) {
  if (LEXZONE_UNLIKELY(!zone.is_open())) detail::report_zone_closed("memory_zone");
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

/// The generation of a vocab scope: 0, the permanent layer (lexemes obtained through it live as long
/// as the vocab). Complexity: O(1). Throws: nothing.
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
[[nodiscard]] constexpr std::uint64_t scope_generation(const V&) noexcept {
  return 0;
}

/// The generation of a zone scope: `zone.generation()`, unique to that zone in the process. A lexeme
/// obtained through a scope of generation g stays valid while a scope of generation g is open (a zone's
/// enclosing zones outlive it). Complexity: O(1). Throws: `zone_closed` when the zone is not open.
template <class V>
[[nodiscard]] std::uint64_t scope_generation(const basic_memory_zone<V>& zone) {
  return zone.generation();
}

/// The lexeme of `text` through a vocab scope (`vocab.add(text)`), with generation 0: it is permanent.
/// Complexity, lifetime, throws: as `basic_vocab::add`.
template <class V>
  requires requires { typename V::zone_type; typename V::lexeme_type; }
[[nodiscard]] generational_ref<typename V::lexeme_type> scope_add(V& vocab, std::string_view text) {
  return {&vocab.add(text), 0};
}

/// The lexeme of `text` through a zone scope (`zone.add(text)`), with the generation that bounds its
/// life: 0 when the lexeme is permanent, else `zone.generation()`. A per-thread cache keeps such pairs
/// and reuses the pointer without hashing while `scope_generation(current scope)` equals the pair's
/// generation, or forever when it is 0. A reuse skips what a lookup would see of permanent entries added
/// since: a lexeme promoted later by a permanent add stays valid, with the same text and attributes, but
/// is no longer the one lookups return, and a permanent entry of another text with the same id makes the
/// lookup report `hash_collision`; a cache that must match lookups also keeps
/// `basic_vocab::permanent_inserts()` and reuses only while it is unchanged (as `basic_tokenizer` does).
/// Complexity, lifetime, throws: as `zone.add(text)`.
template <class V>
[[nodiscard]] generational_ref<typename V::lexeme_type> scope_add(basic_memory_zone<V>& zone, std::string_view text) {
  return zone.add_with_generation(text);
}
// clang-format on

}  // namespace lexzone
