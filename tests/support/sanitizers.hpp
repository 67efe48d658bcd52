// Whether this test binary runs under ASan or TSan: the randomised tests that take seconds natively run fewer
// rounds there (the matcher prefilter's ran about 5 times slower under ASan at -O0), keeping CI's time.
// The same detection as examples/support/process_stats.hpp, which the unit tests do not include.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define LEXZONE_TEST_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define LEXZONE_TEST_SANITIZED 1
#  endif
#endif
#ifndef LEXZONE_TEST_SANITIZED
#  define LEXZONE_TEST_SANITIZED 0
#endif

namespace lexzone::test {

/// True under ASan or TSan.
inline constexpr bool under_sanitizer = LEXZONE_TEST_SANITIZED != 0;

}  // namespace lexzone::test
