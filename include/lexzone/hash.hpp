/// \file hash.hpp
/// String ids: `hash_t`, `hash_string` and the default hasher.
///
/// The id of a string is XXH3-64 of its UTF-8 bytes with seed 0, except that the empty string has id 0
/// (as in spaCy). These ids are part of lexzone's stable interface: the same bytes give the same id on
/// every run, platform and version (the tests pin them). They differ from spaCy's ids, which use
/// MurmurHash64A with seed 1.
#pragma once

#include <string_view>

#include "config.hpp"
#include "errors.hpp"

#ifndef XXH_INLINE_ALL
#  define XXH_INLINE_ALL
#  define LEXZONE_DEFINED_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef LEXZONE_DEFINED_XXH_INLINE_ALL
#  undef XXH_INLINE_ALL
#  undef LEXZONE_DEFINED_XXH_INLINE_ALL
#endif

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// Returns the stable id of `s`: XXH3-64 with seed 0, and 0 for the empty string.
/// Complexity: O(s.size()). Thread safety: pure function. Throws: nothing.
[[nodiscard]] inline hash_t hash_string(std::string_view s) noexcept {
  if (s.empty()) return 0;
  return static_cast<hash_t>(XXH3_64bits(s.data(), s.size()));
}

/// The default `Hasher` of `basic_string_store`: forwards to `hash_string`.
///
/// A user hasher is any default-constructible, copyable type with
/// `hash_t operator()(std::string_view) const noexcept` that maps "" to 0. It must be deterministic;
/// the store calls it again on stored strings when it grows.
struct default_hasher {
  /// `hash_string(s)`. Complexity: O(s.size()). Thread safety: pure. Throws: nothing.
  [[nodiscard]] hash_t operator()(std::string_view s) const noexcept { return hash_string(s); }
};

}  // namespace lexzone
