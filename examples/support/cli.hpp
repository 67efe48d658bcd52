// Command-line values for the example programs: strict parsing, so that a bad value is reported instead
// of being read as 0 or wrapped around (strtoull("-5") is a huge number). Each program reports a failure
// with its own usage text.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

namespace lexzone::examples {

/// The decimal integer `s` (digits only: no sign, no spaces) if it lies within [min, max]; otherwise
/// nothing. Throws: nothing.
inline std::optional<std::uint64_t> parse_unsigned(const char* s, std::uint64_t min,
                                                   std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  if (s == nullptr || *s < '0' || *s > '9') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return std::nullopt;
  return v;
}

/// The finite, non-negative decimal number `s`; otherwise nothing. Throws: nothing.
inline std::optional<double> parse_non_negative(const char* s) {
  if (s == nullptr) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

/// Whether this build reads spaCy tokenizer files (`--tokenizer FILE`): only with PCRE2 (the examples are
/// built with LEXZONE_EXAMPLES_HAVE_PCRE2 when lexzone::regex exists). When not, says so for `program` on
/// stderr. Throws: nothing.
inline bool rule_files_supported([[maybe_unused]] const char* program) {
#if LEXZONE_EXAMPLES_HAVE_PCRE2
  return true;
#else
  std::fprintf(stderr, "%s: --tokenizer needs PCRE2, and lexzone was built without it (Debian: libpcre2-dev)\n",
               program);
  return false;
#endif
}

}  // namespace lexzone::examples
