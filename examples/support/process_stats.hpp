// Process figures for the demos: resident set size from /proc/self/statm (Linux), and whether it means
// anything in this build.
#pragma once

#include <lexzone/config.hpp>

#include <unistd.h>
#include <cstdio>

// Sanitizers replace the allocator (ASan keeps freed memory in a quarantine, TSan maps shadow memory):
// RSS then measures them, not the program, and glibc's malloc settings do not apply.
#define LEXZONE_EXAMPLES_SANITIZED (LEXZONE_HAS_ASAN || LEXZONE_HAS_TSAN)

namespace lexzone::examples {

/// Whether RSS reflects the program's own memory: false in ASan and TSan builds.
inline constexpr bool rss_is_meaningful = LEXZONE_EXAMPLES_SANITIZED == 0;

namespace detail {
inline long long read_statm() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long pages_total = 0, pages_resident = 0;
  const int n = std::fscanf(f, "%lld %lld", &pages_total, &pages_resident);
  std::fclose(f);
  return n == 2 ? pages_resident * static_cast<long long>(sysconf(_SC_PAGESIZE)) : 0;
}
}  // namespace detail

/// Resident set size in bytes, or 0 where /proc is unavailable.
///
/// The first report of a program touches code and data it never used before (stdio's formatting of
/// floating-point numbers, the /proc reader itself): about 120 KiB of RSS that would otherwise show up as
/// "growth" right after the first sample. The first call therefore exercises both once before it reads.
inline long long resident_bytes() {
  static const bool warmed = [] {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f %+.2f%% %12.0f %lld", 1.5, 2.5, 3.5, detail::read_statm());
    return buf[0] != 0;
  }();
  (void)warmed;
  return detail::read_statm();
}

}  // namespace lexzone::examples
