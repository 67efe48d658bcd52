/// \file config.hpp
/// Version, build switches and the small macros every lexzone header uses.
///
/// Switches (define before including any lexzone header, consistently in every translation unit):
/// - `LEXZONE_CHECKED` (0 or 1): checked build. Defaults to 1 when `NDEBUG` is not defined. In a checked
///   build every `doc`, `token` and `span` remembers the zone that made it and reports use after that zone
///   closed as `lexzone::zone_closed` through the replaceable handler of `errors.hpp`; precondition checks
///   (`LEXZONE_ASSERT`) are active.
/// - AddressSanitizer is detected automatically: the memory of a closed zone is poisoned before it is
///   pooled, so reading a `std::string_view` or `const lexeme&` of a closed zone is reported by ASan.
#pragma once

#include <cstddef>
#include <cstdint>

#define LEXZONE_VERSION_MAJOR 0
#define LEXZONE_VERSION_MINOR 1
#define LEXZONE_VERSION_PATCH 0

#ifndef LEXZONE_CHECKED
#  ifdef NDEBUG
#    define LEXZONE_CHECKED 0
#  else
#    define LEXZONE_CHECKED 1
#  endif
#endif

#if defined(__has_cpp_attribute)
#  if __has_cpp_attribute(clang::lifetimebound)
#    define LEXZONE_LIFETIMEBOUND [[clang::lifetimebound]]
#  else
#    define LEXZONE_LIFETIMEBOUND
#  endif
#  if __has_cpp_attribute(gsl::Pointer)
#    define LEXZONE_VIEW_TYPE [[gsl::Pointer]]
#  else
#    define LEXZONE_VIEW_TYPE
#  endif
#else
#  define LEXZONE_LIFETIMEBOUND
#  define LEXZONE_VIEW_TYPE
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define LEXZONE_LIKELY(x) __builtin_expect(!!(x), 1)
#  define LEXZONE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define LEXZONE_NOINLINE __attribute__((noinline))
#  define LEXZONE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#  define LEXZONE_LIKELY(x) (x)
#  define LEXZONE_UNLIKELY(x) (x)
#  define LEXZONE_NOINLINE
#  define LEXZONE_ALWAYS_INLINE inline
#endif

#if defined(__SANITIZE_ADDRESS__)
#  define LEXZONE_HAS_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define LEXZONE_HAS_ASAN 1
#  endif
#endif
#ifndef LEXZONE_HAS_ASAN
#  define LEXZONE_HAS_ASAN 0
#endif

namespace lexzone {

/// The version of the headers, as `major * 10000 + minor * 100 + patch`.
inline constexpr int version = LEXZONE_VERSION_MAJOR * 10000 + LEXZONE_VERSION_MINOR * 100 + LEXZONE_VERSION_PATCH;

}  // namespace lexzone
