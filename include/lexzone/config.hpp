/// \file config.hpp
/// Version, build switches and the small macros every lexzone header uses.
///
/// Switches (define before including any lexzone header, consistently in every translation unit):
/// - `LEXZONE_CHECKED` (0 or 1): checked build. Defaults to 1 when `NDEBUG` is not defined. In a checked
///   build every `doc`, `token` and `span` remembers the zone that made it and reports use after that zone
///   closed as `lexzone::zone_closed` through the replaceable handler of `errors.hpp`, and precondition
///   checks (`LEXZONE_ASSERT`: an index out of range, `owner()` of a moved-from guard) report a broken contract
///   through the replaceable assertion handler of `errors.hpp` (default: print and abort).
/// - `LEXZONE_ATTRIBUTE_CACHE_BITS`, `LEXZONE_CREATION_COUNT_BITS` (plain decimal literals): the sizes of
///   per-thread tables (below).
/// - AddressSanitizer is detected automatically: the memory of a closed zone is poisoned before it is
///   pooled, so reading a `std::string_view` or `const lexeme&` of a closed zone is reported by ASan
///   until a later zone takes that memory from the pool (the pool then hands out its oldest chunk first,
///   so the zone closed last stays poisoned longest); checked builds report docs, tokens and spans always.
///
/// The three switches above are part of the inline namespace's name (LEXZONE_ABI_NAMESPACE), so that
/// translation units built with different values use distinct types.
#pragma once

#include <cstddef>
#include <cstdint>

/// The major version: incompatible API changes.
#define LEXZONE_VERSION_MAJOR 0
/// The minor version: additions (before 1.0 a minor version may also change the API: the CMake package
/// accepts only the same major.minor then). The three numbers must equal CMakeLists.txt's `project`
/// version, which checks them: they also name the ABI namespace.
#define LEXZONE_VERSION_MINOR 1
/// The patch version: fixes.
#define LEXZONE_VERSION_PATCH 0

#if !defined(__cplusplus) || __cplusplus <= 201703L  // GCC 10 says 201709L for -std=c++20
#  error "lexzone needs C++20 (-std=c++20); CMake's lexzone::lexzone target asks for it"
#endif

#ifndef LEXZONE_CHECKED
#  ifdef NDEBUG
#    define LEXZONE_CHECKED 0
#  else
#    define LEXZONE_CHECKED 1
#  endif
#endif

// The table sizes' defaults, written once: the macros below and the ABI namespace's short name use them.
#define LEXZONE_DETAIL_DEFAULT_ATTRIBUTE_CACHE_BITS 14
#define LEXZONE_DETAIL_DEFAULT_CREATION_COUNT_BITS 16

#ifndef LEXZONE_ATTRIBUTE_CACHE_BITS
/// log2 of the entries of each thread's attribute cache (detail/attribute_cache.hpp): 14, 16,384 entries
/// (at most 3.2 MiB a thread for the English attributes). Creations answered by the cache in zones of
/// 50 documents of the benchmark corpus, with 14 bits: 89 % (80 % when the table was direct-mapped).
#  define LEXZONE_ATTRIBUTE_CACHE_BITS LEXZONE_DETAIL_DEFAULT_ATTRIBUTE_CACHE_BITS
#endif

#ifndef LEXZONE_CREATION_COUNT_BITS
/// log2 of the slots of each thread's creation counts (detail/creation_counts.hpp), 3 to 28: 16, 65,536
/// slots of 4 bytes in 16,384 sets of 4 (256 KiB a thread, allocated only on threads that count for a
/// learning policy).
#  define LEXZONE_CREATION_COUNT_BITS LEXZONE_DETAIL_DEFAULT_CREATION_COUNT_BITS
#endif

/// \def LEXZONE_ABI_NAMESPACE
/// The inline namespace that holds all of lexzone (`lexzone::LEXZONE_ABI_NAMESPACE::basic_vocab`, found as
/// `lexzone::basic_vocab`). Its name encodes the version and every switch that changes the layout or the
/// code of lexzone's types: `v0_1` unchecked, `v0_1_checked` checked, with `_a<bits>_n<bits>` appended when
/// LEXZONE_ATTRIBUTE_CACHE_BITS or LEXZONE_CREATION_COUNT_BITS is not its default. Translation units built
/// with different switches (a Release library linked into a Debug program) thus use distinct types: code
/// that hands a lexzone object from one to the other fails to link, instead of reading it with the other
/// layout at run time. Only signatures are protected: lexzone objects behind `void*` or inside your own
/// types shared by such translation units are not. Exceptions and the handlers of errors.hpp are per
/// namespace too: catch lexzone's exceptions, and install handlers, in code built with the same switches.
/// Do not forward-declare lexzone's types: include their headers.
#define LEXZONE_DETAIL_CAT(a, b) a##b
#define LEXZONE_DETAIL_XCAT(a, b) LEXZONE_DETAIL_CAT(a, b)
#define LEXZONE_DETAIL_ABI_VERSION \
  LEXZONE_DETAIL_XCAT(LEXZONE_DETAIL_XCAT(v, LEXZONE_VERSION_MAJOR), LEXZONE_DETAIL_XCAT(_, LEXZONE_VERSION_MINOR))
#if LEXZONE_CHECKED
#  define LEXZONE_DETAIL_ABI_MODE LEXZONE_DETAIL_XCAT(LEXZONE_DETAIL_ABI_VERSION, _checked)
#else
#  define LEXZONE_DETAIL_ABI_MODE LEXZONE_DETAIL_ABI_VERSION
#endif
#if LEXZONE_ATTRIBUTE_CACHE_BITS == LEXZONE_DETAIL_DEFAULT_ATTRIBUTE_CACHE_BITS && \
    LEXZONE_CREATION_COUNT_BITS == LEXZONE_DETAIL_DEFAULT_CREATION_COUNT_BITS
#  define LEXZONE_ABI_NAMESPACE LEXZONE_DETAIL_ABI_MODE
#else
#  define LEXZONE_ABI_NAMESPACE                                                                              \
    LEXZONE_DETAIL_XCAT(                                                                                     \
        LEXZONE_DETAIL_XCAT(LEXZONE_DETAIL_XCAT(LEXZONE_DETAIL_ABI_MODE, _a), LEXZONE_ATTRIBUTE_CACHE_BITS), \
        LEXZONE_DETAIL_XCAT(_n, LEXZONE_CREATION_COUNT_BITS))
#endif

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {
/// The table sizes the namespace's name was made with (their headers check that they did not change).
inline constexpr int abi_attribute_cache_bits = LEXZONE_ATTRIBUTE_CACHE_BITS;
inline constexpr int abi_creation_count_bits = LEXZONE_CREATION_COUNT_BITS;
}  // namespace lexzone::detail

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
/// \def LEXZONE_NOINLINE
/// Never inlined: the rare path of a hot function, kept out of it so that the hot path stays inlinable.
#if defined(__GNUC__) || defined(__clang__)
#  define LEXZONE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define LEXZONE_ALWAYS_INLINE inline __attribute__((always_inline))
#  define LEXZONE_INLINE_LAMBDA __attribute__((always_inline))
#  define LEXZONE_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#  define LEXZONE_UNLIKELY(x) (x)
#  define LEXZONE_ALWAYS_INLINE inline
#  define LEXZONE_INLINE_LAMBDA
#  define LEXZONE_NOINLINE __declspec(noinline)
#else
#  define LEXZONE_UNLIKELY(x) (x)
#  define LEXZONE_ALWAYS_INLINE inline
#  define LEXZONE_INLINE_LAMBDA
#  define LEXZONE_NOINLINE
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

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// The version of the headers, as `major * 10000 + minor * 100 + patch`.
inline constexpr int version = LEXZONE_VERSION_MAJOR * 10000 + LEXZONE_VERSION_MINOR * 100 + LEXZONE_VERSION_PATCH;

}  // namespace lexzone
