/// \file config.hpp
/// Version, build switches and the small macros every lexzone header uses.
///
/// Switches (define before including any lexzone header, consistently in every translation unit):
/// - `LEXZONE_CHECKED` (0 or 1): checked build. Defaults to 1 when `NDEBUG` is not defined. In a checked
///   build every `doc`, `token` and `span` remembers the zone that made it and reports use after that zone
///   closed as `lexzone::zone_closed` through the replaceable handler of `errors.hpp`, and precondition
///   checks (`LEXZONE_ASSERT`: an index out of range, a moved-from guard used) report a broken contract
///   through the replaceable assertion handler of `errors.hpp` (default: print and abort).
/// - AddressSanitizer is detected automatically: the memory of a closed zone is poisoned before it is
///   pooled, so reading a `std::string_view` or `const lexeme&` of a closed zone is reported by ASan.
#pragma once

#include <cstddef>
#include <cstdint>

/// The major version: incompatible API changes.
#define LEXZONE_VERSION_MAJOR 0
/// The minor version: compatible additions.
#define LEXZONE_VERSION_MINOR 1
/// The patch version: fixes.
#define LEXZONE_VERSION_PATCH 0

#ifndef LEXZONE_CHECKED
#  ifdef NDEBUG
#    define LEXZONE_CHECKED 0
#  else
#    define LEXZONE_CHECKED 1
#  endif
#endif

/// \def LEXZONE_LIFETIMEBOUND
/// Marks a parameter (or `this`) that the result borrows from, so that clang warns about a view that
/// outlives what it refers to. Empty on compilers without `[[clang::lifetimebound]]`.
/// \def LEXZONE_VIEW_TYPE
/// Marks a class as a non-owning view (`[[gsl::Pointer]]`) for the compiler's dangling checks.
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

/// \def LEXZONE_UNLIKELY(x)
/// Branch hint: `x` is expected to be false (error paths).
/// \def LEXZONE_ALWAYS_INLINE
/// `inline`, and inlined even when the optimiser would not (hot per-token helpers).
/// \def LEXZONE_INLINE_LAMBDA
/// Placed after a lambda's parameters: the lambda is inlined into its caller (the probes of the hash
/// indexes, whose callbacks the optimiser otherwise calls out of line).
#if defined(__GNUC__) || defined(__clang__)
#  define LEXZONE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define LEXZONE_ALWAYS_INLINE inline __attribute__((always_inline))
#  define LEXZONE_INLINE_LAMBDA __attribute__((always_inline))
#else
#  define LEXZONE_UNLIKELY(x) (x)
#  define LEXZONE_ALWAYS_INLINE inline
#  define LEXZONE_INLINE_LAMBDA
#endif

/// \def LEXZONE_ASSERT(cond, msg)
/// Checks the precondition `cond` in checked builds (`LEXZONE_CHECKED`): when it is false, the assertion
/// handler (`lexzone::set_assertion_handler`, errors.hpp) receives `msg`, the condition's text and the
/// place. Expands to nothing in unchecked builds, so `cond` must have no side effect. A header that uses
/// it includes errors.hpp. Members whose contract says `Requires:` are checked this way; they are not
/// `noexcept` (except destructors), so that a handler that throws reaches the caller. Their `Throws:`
/// lines list what they throw when the precondition holds.
#if LEXZONE_CHECKED
#  define LEXZONE_ASSERT(cond, msg) \
    (LEXZONE_UNLIKELY(!(cond)) ? ::lexzone::detail::assertion_failed(#cond, msg, __FILE__, __LINE__) : void(0))
#else
#  define LEXZONE_ASSERT(cond, msg) static_cast<void>(0)
#endif

/// \def LEXZONE_HAS_ASAN
/// 1 when compiled with AddressSanitizer (closed zones' memory is then poisoned), else 0.
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

/// \def LEXZONE_HAS_TSAN
/// 1 when compiled with ThreadSanitizer, else 0. The library does not change under it; programs and tests
/// use it (with LEXZONE_HAS_ASAN) to tell that RSS measures the sanitizer's allocator and shadow memory.
#if defined(__SANITIZE_THREAD__)
#  define LEXZONE_HAS_TSAN 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define LEXZONE_HAS_TSAN 1
#  endif
#endif
#ifndef LEXZONE_HAS_TSAN
#  define LEXZONE_HAS_TSAN 0
#endif

namespace lexzone {

/// The version of the headers, as `major * 10000 + minor * 100 + patch`.
inline constexpr int version = LEXZONE_VERSION_MAJOR * 10000 + LEXZONE_VERSION_MINOR * 100 + LEXZONE_VERSION_PATCH;

}  // namespace lexzone
