// The regex compiler the matcher and entity ruler tests give their matchers: lexzone's PCRE2 one when the
// tests are built with PCRE2 (LEXZONE_HAVE_PCRE2, target lexzone::regex), else none (patterns with REGEX
// are then refused as unsupported, and the conformance tests count them as skipped).
#pragma once

#include <lexzone/matcher/text_predicate.hpp>

#if LEXZONE_HAVE_PCRE2
#  include <lexzone/regex/pattern_regex.hpp>
#endif

namespace lexzone::test {

#if LEXZONE_HAVE_PCRE2
// True when the tests run REGEX patterns.
inline constexpr bool have_regex = true;
inline regex_compiler test_regex_compiler() { return regex::pcre2_compiler(); }
#else
inline constexpr bool have_regex = false;
inline regex_compiler test_regex_compiler() { return {}; }
#endif

}  // namespace lexzone::test
