/// \file regex/pattern_regex.hpp
/// `REGEX` in token patterns with PCRE2: the `regex_compiler` to give a `matcher` or an `entity_ruler`
/// (`entity_ruler_config::regex`). Includes `<pcre2.h>` (through `regex/pcre2_regex.hpp`): link the CMake
/// target `lexzone::regex`. The matcher itself needs no regex library (see matcher/text_predicate.hpp).
///
/// ```cpp
/// #include <lexzone/regex/pattern_regex.hpp>
/// lexzone::entity_ruler_config config;
/// config.regex = lexzone::regex::pcre2_compiler();
/// lexzone::entity_ruler<vocab> ruler(v, config);  // patterns may now use {"TEXT": {"REGEX": "..."}}
/// ```
///
/// ## Semantics (spaCy 3.8's)
/// spaCy compiles each `REGEX` with `re.compile(source)` (no flags) and tests a token with
/// `bool(regex.search(text))`; the predicates made here do the same through `predicate_regex::search`:
/// Python `re` syntax and semantics on PCRE2 (regex/pcre2_regex.hpp): unanchored (`^`/`$` are needed to
/// test the whole text), `$` also before a final newline, inline flags such as `(?i)`, Unicode `\d`/`\w`
/// as Python's. A source PCRE2 cannot compile in one piece because of its size is split at its outermost
/// alternatives (whether some part matches is whether the whole does).
///
/// ## Errors
/// - Adding a pattern whose regex Python would reject (`re.error`) throws `pattern_error` (invalid) naming
///   the pattern (its line, from a patterns file), the token, the attribute and the regex; a valid regex
///   lexzone cannot translate (`\N{...}`) or compile (too large) is refused as unsupported.
/// - Every match runs under `regex_options::limits` (PCRE2's match, depth and heap limits): a regex that
///   backtracks catastrophically on a token makes `matcher::match` / `entity_ruler::operator()` throw
///   `regex::regex_error` (`match_limit`, `depth_limit` or `heap_limit`) instead of hanging. Lower the
///   limits for patterns from untrusted sources.
#pragma once

#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../matcher/text_predicate.hpp"
#include "pcre2_regex.hpp"
#include "regex_error.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex {

/// A `regex_compiler` for token patterns: each source is compiled with `predicate_regex::from_python`
/// and `options` (limits, JIT), and its predicate is `bool(re.search(source, text))`.
/// Lifetime: the compiler and its predicates own what they use (a predicate shares its compiled code
/// with copies). Thread safety: the compiler may be called from any thread; a predicate may be called
/// concurrently by any number of threads (the regex is immutable; matching state is per thread).
/// Complexity: the compiler O(source size); a predicate O(text size) plus the match, bounded by the
/// limits. Throws: the compiler `regex_error` (`syntax`, `unsupported`, `compile`, `too_large`) and
/// `std::bad_alloc`; a predicate `regex_error` (`match_limit`, `depth_limit`, `heap_limit`, `internal`)
/// and `std::bad_alloc`; `pcre2_compiler` itself `std::bad_alloc`.
[[nodiscard]] inline lexzone::regex_compiler pcre2_compiler(const regex_options& options = {}) {
  return [options](std::string_view source) -> lexzone::text_predicate {
    return [r = predicate_regex::from_python(source, options)](std::string_view text) { return r.search(text); };
  };
}

}  // namespace lexzone::regex
