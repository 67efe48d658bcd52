// Whether this test binary runs under ASan or TSan: the randomised tests that take seconds natively run fewer
// rounds there (the matcher prefilter's ran about 5 times slower under ASan at -O0), keeping CI's time.
#pragma once

#include <lexzone/config.hpp>

namespace lexzone::test {

/// True under ASan or TSan.
inline constexpr bool under_sanitizer = LEXZONE_HAS_ASAN != 0 || LEXZONE_HAS_TSAN != 0;

}  // namespace lexzone::test
