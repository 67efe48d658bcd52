// A deliberately weak hasher: ids collide on purpose so collision detection and probing are exercised.
#pragma once

#include <string_view>

#include <lexzone/hash.hpp>

namespace lexzone::test {

// Id = 1 + (sum of bytes mod Buckets), "" -> 0. Many different strings share an id.
template <unsigned Buckets = 7>
struct colliding_hash {
  hash_t operator()(std::string_view s) const noexcept {
    if (s.empty()) return 0;
    unsigned sum = 0;
    for (char c : s) sum += static_cast<unsigned char>(c);
    return 1 + sum % Buckets;
  }
};

// Lets the test choose ids: strings of the form "#<decimal>" hash to that number; others hash with XXH3.
// Used to place strings on purpose (same group, same tag, ...).
struct chosen_hash {
  hash_t operator()(std::string_view s) const noexcept {
    if (s.size() > 1 && s[0] == '#') {
      hash_t v = 0;
      for (char c : s.substr(1)) v = v * 10 + static_cast<hash_t>(c - '0');
      return v;
    }
    return hash_string(s);
  }
};

}  // namespace lexzone::test

namespace lexzone::test {
// Full 64-bit ids are distinct, but their low 24 bits are all zero: every string lands in the same
// home group, so the index's probing and tag matching carry the whole load.
struct clustered_hash {
  hash_t operator()(std::string_view s) const noexcept {
    if (s.empty()) return 0;
    return hash_string(s) << 24 | (hash_t{1} << 24);
  }
};
}  // namespace lexzone::test
