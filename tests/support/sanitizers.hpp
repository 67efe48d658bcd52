// Whether this test binary runs under a sanitizer: the randomised and exhaustive tests that take seconds
// natively run fewer rounds there (ASan at -O0 and TSan run them 3 to 5 times slower), keeping CI's time.
#pragma once

#include <lexzone/config.hpp>

namespace lexzone::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool under_tsan = true;
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
inline constexpr bool under_tsan = true;
#  else
inline constexpr bool under_tsan = false;
#  endif
#else
inline constexpr bool under_tsan = false;
#endif

/// True under ASan or TSan.
inline constexpr bool under_sanitizer = LEXZONE_HAS_ASAN != 0 || under_tsan;

}  // namespace lexzone::test
