/// \file detail/layer_chain.hpp
/// The one walk over the layers a zone sees: the permanent layer, then the zone and its enclosing zones.
///
/// `basic_string_store` and `basic_vocab` both answer a lookup through a zone by asking the permanent
/// layer first and then each zone of the chain, innermost first; they count and enumerate the same
/// chain. These helpers are that walk, written once. `Node` is a zone node type (derived from
/// `zone_node_base`); the walk follows `parent` links, so a chain holds only nodes of one owner.
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "zone_registry.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The parent of zone node `n`, as the same node type (nullptr for a zone opened on the owner).
/// Complexity: O(1). Throws: nothing.
template <class Node>
[[nodiscard]] Node* parent_node(Node* n) noexcept {
  using base = std::conditional_t<std::is_const_v<Node>, const zone_node_base, zone_node_base>;
  return static_cast<Node*>(static_cast<base*>(n->parent));
}

/// The first non-empty result of `probe(node)` over the chain from `z` outwards (innermost first), or
/// a value-initialised result when every probe gives an empty one (`z` may be nullptr: no zone).
/// `probe` returns something testable in a boolean context (a pointer, an optional).
/// Complexity: O(depth) probes. Throws: what `probe` throws.
template <class Node, class Probe>
[[nodiscard]] auto first_in_chain(Node* z, Probe&& probe) -> decltype(probe(*z)) {
  for (Node* n = z; n != nullptr; n = parent_node(n))
    // NOLINTNEXTLINE(readability-qualified-auto): a pointer or an optional, whichever `probe` returns
    if (auto r = probe(*n)) return r;
  return {};
}

/// The sum of `count(node)` over the chain from `z` outwards. Complexity: O(depth). Throws: nothing
/// unless `count` does.
template <class Node, class Count>
[[nodiscard]] std::size_t sum_over_chain(Node* z, Count&& count) {
  std::size_t total = 0;
  for (Node* n = z; n != nullptr; n = parent_node(n)) total += count(*n);
  return total;
}

/// Calls `f(node)` for each zone of the chain ending at `z`, outermost first (the order in which the
/// zones were opened). Iterative: 10,000 nested zones use no deep recursion.
/// Complexity: O(depth); allocates O(depth) pointers. Throws: `std::bad_alloc`, what `f` throws.
template <class Node, class F>
void for_each_outermost_first(Node* z, F&& f) {
  std::vector<Node*> chain;
  for (Node* n = z; n != nullptr; n = parent_node(n)) chain.push_back(n);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) f(**it);
}

/// Calls `f(node)` for every open zone nested in `z` (children, their children, ...), in pre-order.
/// Without a stack: the walk follows the child, sibling and parent links. Complexity: O(descendants).
/// Throws: what `f` throws.
template <class Node, class F>
void for_each_descendant(Node* z, F&& f) {
  using base = std::conditional_t<std::is_const_v<Node>, const zone_node_base, zone_node_base>;
  base* const root = z;
  base* n = root->first_child;
  while (n != nullptr) {
    f(*static_cast<Node*>(n));
    if (n->first_child != nullptr) {
      n = n->first_child;
      continue;
    }
    while (n != root && n->next_sibling == nullptr) n = n->parent;
    n = n == root ? nullptr : n->next_sibling;
  }
}

}  // namespace lexzone::detail
