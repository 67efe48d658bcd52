// Process figures for the demos: resident set size from /proc/self/statm (Linux).
#pragma once

#include <cstdio>
#include <unistd.h>

namespace lexzone::examples {

/// Resident set size in bytes, or 0 where /proc is unavailable.
inline long long resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long pages_total = 0, pages_resident = 0;
  const int n = std::fscanf(f, "%lld %lld", &pages_total, &pages_resident);
  std::fclose(f);
  return n == 2 ? pages_resident * static_cast<long long>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace lexzone::examples
