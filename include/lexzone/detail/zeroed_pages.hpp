/// \file detail/zeroed_pages.hpp
/// Zeroed memory for a large per-thread table (the attribute cache, the learning counts), taken from the
/// system directly where it can be (POSIX `mmap`): its pages become resident only as they are touched, and
/// all of them go back to the system when it is freed. A `calloc` block of a few MiB does neither once
/// glibc has raised its mmap threshold (it does when the first such block is freed): the block then comes
/// from a malloc arena, `calloc` writes its zeros (every page resident at once), and when the thread ends
/// the freed block stays resident at the top of that arena (`malloc_trim` does not shrink other arenas
/// than the main one), so a service that starts threads kept about 3 MiB for each thread it had run at
/// once. Elsewhere: `calloc` and `free`.
#pragma once

#include <cstddef>
#include <cstdlib>

#if defined(__unix__) || defined(__APPLE__)
#  include <sys/mman.h>
#  define LEXZONE_DETAIL_HAVE_MMAP 1
#else
#  define LEXZONE_DETAIL_HAVE_MMAP 0
#endif

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// `bytes` of zeroed memory, or nullptr when the system has none. Free with `free_zeroed_pages(p, bytes)`.
/// Complexity: O(1) (pages are zeroed by the system as they are first touched). Throws: nothing.
inline void* allocate_zeroed_pages(std::size_t bytes) noexcept {
#if LEXZONE_DETAIL_HAVE_MMAP
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;  // NOLINT(performance-no-int-to-ptr): MAP_FAILED is POSIX's
#  if defined(MADV_NOHUGEPAGE)
  // Resident as touched, 4 KiB at a time: with transparent huge pages set to "always", a touch could
  // otherwise make 2 MiB of the table resident at once. Advice only: its failure changes nothing.
  static_cast<void>(::madvise(p, bytes, MADV_NOHUGEPAGE));
#  endif
  return p;
#else
  return std::calloc(1, bytes);  // NOLINT(cppcoreguidelines-no-malloc)
#endif
}

/// Gives back memory from `allocate_zeroed_pages(bytes)` (nullptr: nothing). Throws: nothing.
inline void free_zeroed_pages(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
#if LEXZONE_DETAIL_HAVE_MMAP
  ::munmap(p, bytes);
#else
  static_cast<void>(bytes);
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc)
#endif
}

}  // namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail
