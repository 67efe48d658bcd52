/// \file detail/sanitizer.hpp
/// AddressSanitizer poisoning of memory that a closed zone gave back (no-ops without ASan).
#pragma once

#include <cstddef>

#include "../config.hpp"

#if LEXZONE_HAS_ASAN
#  include <sanitizer/asan_interface.h>
#endif

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Marks [p, p + n) as unaddressable: ASan reports any later read or write as use after zone close.
inline void poison(const void* p, std::size_t n) noexcept {
#if LEXZONE_HAS_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

/// Makes [p, p + n) addressable again (before memory is reused or handed back to the allocator).
inline void unpoison(const void* p, std::size_t n) noexcept {
#if LEXZONE_HAS_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

}  // namespace lexzone::detail
