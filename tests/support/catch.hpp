// One include for Catch2 v2 (Debian bookworm) and v3 (vcpkg, Conan, bookworm-backports), and the few names
// that differ between them.
#pragma once
#include <string>

#if defined(LEXZONE_CATCH3) || __has_include(<catch2/catch_all.hpp>)
#  include <catch2/catch_all.hpp>
#  define LEXZONE_TEST_CATCH_MAJOR 3
#else
#  include <catch2/catch.hpp>
#  define LEXZONE_TEST_CATCH_MAJOR 2
#endif

namespace lexzone_test {

/// A matcher of strings that contain `part` (for `CHECK_THROWS_WITH`): v2's `Contains` is v3's
/// `ContainsSubstring`.
inline auto contains_text(const std::string& part) {
#if LEXZONE_TEST_CATCH_MAJOR == 3
  return Catch::Matchers::ContainsSubstring(part);
#else
  return Catch::Matchers::Contains(part);
#endif
}

}  // namespace lexzone_test
