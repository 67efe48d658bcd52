// Command-line values for the example programs: strict parsing, so that a bad value is reported instead
// of being read as 0 or wrapped around (strtoull("-5") is a huge number). Each program reports a failure
// with its own usage text.
#pragma once

#include <lexzone/vocab.hpp>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

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

/// The file name after option `argv[i]` (e.g. --patterns), advancing `i` past it. A missing value, an
/// empty one or one that looks like an option (starts with '-') prints a message naming `program`, then
/// `usage`, on stderr and gives nothing (the program then exits with status 2). Throws: `std::bad_alloc`.
inline std::optional<std::string> file_option(int argc, char** argv, int& i, const char* program, const char* usage) {
  const char* flag = argv[i];
  const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
  if (value == nullptr || *value == '\0' || *value == '-') {
    std::fprintf(stderr, "%s: %s needs a file name%s%s%s\n%s\n", program, flag, value == nullptr ? "" : ", not '",
                 value == nullptr ? "" : value, value == nullptr ? "" : "'", usage);
    return std::nullopt;
  }
  ++i;
  return std::string(value);
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

/// The learning flags' ranges and defaults, shared by the command-line tools, zone_report and the
/// service (vocab.hpp, `learning_policy`): `--learn-zones` 0 (off, the default) to 256, `--learn-max` 0
/// to `learn_max_limit` (default 100,000), `--learn-max-bytes` 1 to `learn_max_bytes_limit` (default 32).
inline constexpr std::uint64_t learn_max_limit = 100000000;
inline constexpr std::uint64_t learn_max_bytes_limit = 1024;
inline constexpr lexzone::learning_policy default_learning{0, 100000, 32};

/// What `learning_option` made of `argv[i]`.
enum class option_status {
  other,  ///< not a learning flag: `i` unchanged
  taken,  ///< a learning flag and its value, stored; `i` is at the value
  bad,    ///< a learning flag with a missing or bad value: reported on stderr (exit with status 2)
};

/// Parses the learning flag at `argv[i]` into `policy`: `--learn-zones N` (a word one thread creates in
/// N zones becomes permanent), `--learn-max N` (most words ever learned), `--learn-max-bytes N` (longest
/// word learned); ranges as above. The last two change nothing while `--learn-zones` is 0. A bad value
/// is reported naming `program`, the flag and the value, followed by `usage`. Throws: nothing.
inline option_status learning_option(int argc, char** argv, int& i, lexzone::learning_policy& policy,
                                     const char* program, const char* usage) {
  struct flag {
    const char* name;
    std::uint64_t min, max;
  };
  static constexpr flag flags[] = {{"--learn-zones", 0, lexzone::learning_policy::max_zones},
                                   {"--learn-max", 0, learn_max_limit},
                                   {"--learn-max-bytes", 1, learn_max_bytes_limit}};
  const std::string_view a = argv[i];
  for (std::size_t f = 0; f < std::size(flags); ++f) {
    if (a != flags[f].name) continue;
    const char* value = i + 1 < argc ? argv[++i] : nullptr;
    const auto n = parse_unsigned(value, flags[f].min, flags[f].max);
    if (!n) {
      std::fprintf(stderr, "%s: %s needs a whole number from %llu to %llu%s%s%s\n%s\n", program, flags[f].name,
                   static_cast<unsigned long long>(flags[f].min), static_cast<unsigned long long>(flags[f].max),
                   value == nullptr ? "" : ", not '", value == nullptr ? "" : value, value == nullptr ? "" : "'",
                   usage);
      return option_status::bad;
    }
    if (f == 0) policy.zones = static_cast<std::uint32_t>(*n);
    else if (f == 1) policy.max_lexemes = static_cast<std::size_t>(*n);
    else policy.max_text_bytes = static_cast<std::size_t>(*n);
    return option_status::taken;
  }
  return option_status::other;
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
