/// \file matcher/text_predicate.hpp
/// How `REGEX` predicates reach the matcher without the core depending on a regex library.
///
/// ## Design
/// - A pattern carries each `REGEX` as its Python `re` source (`attr_predicate::regex`, `regex_in`,
///   `regex_not_in` in matcher/pattern.hpp): patterns stay plain values, built and validated without a
///   regex library.
/// - A `matcher` (and an `entity_ruler`, through `entity_ruler_config::regex`) is given a
///   `regex_compiler`: a function from a source to a `text_predicate`, the compiled test. The matcher
///   calls it when patterns are added, once per distinct source of the call and before anything is
///   interned, and keeps the predicates in its compiled program (copies of the matcher share them).
/// - While matching, a token's ORTH, LOWER, NORM or SHAPE text is handed to the predicate; `re.search`
///   semantics are the compiler's to give.
/// - lexzone's compiler is `regex::pcre2_compiler()` in regex/pattern_regex.hpp (CMake target
///   `lexzone::regex`, PCRE2, Python `re` semantics). Only that header includes `<pcre2.h>`; this one and
///   the matcher include nothing of a regex library. Another engine plugs in as a `regex_compiler`.
/// - A matcher without a compiler refuses a pattern with `REGEX`: `pattern_error` with
///   `reason::unsupported`, whose message says what to include, link and pass.
///
/// ## Contract of a `regex_compiler`
/// - It returns a non-empty predicate, or throws `regex::regex_error` for a source it refuses. The matcher
///   turns that into a `pattern_error` naming the pattern, the token, the attribute and the source:
///   `reason::invalid` for `regex_errc::syntax` and `compile` (the source is no valid regex; Python raises
///   `re.error` when spaCy adds the pattern), `reason::unsupported` for the other codes (valid Python the
///   engine cannot run, e.g. `\N{...}`, or too large). Anything else it throws reaches the caller of `add`.
/// - The predicate is called concurrently by every thread that matches, with any text (valid UTF-8 in
///   practice: token texts and the strings of the vocab), and must be safe for that. It may throw (e.g.
///   `regex::regex_error` when a match exceeds a backtracking limit): the exception leaves
///   `matcher::match`, `matcher::operator()` and `entity_ruler::operator()` (which then change nothing).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../regex/regex_error.hpp"
#include "pattern.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// A compiled `REGEX` test: whether the regex matches somewhere in `text` (Python's
/// `bool(re.search(source, text))`). Made by a `regex_compiler`; called concurrently by matching threads
/// (see the file comment). Copies share what they hold.
using text_predicate = std::function<bool(std::string_view text)>;

/// Compiles the Python `re` source of a `REGEX` predicate into a `text_predicate`; throws
/// `regex::regex_error` for a source it refuses (see the file comment). An empty `regex_compiler` means
/// "no regex engine": patterns with `REGEX` are refused.
using regex_compiler = std::function<text_predicate(std::string_view source)>;

namespace detail {

/// At most this many bytes of a regex source are quoted in an error message.
inline constexpr std::size_t quoted_source_bytes = 200;

/// `source` in double quotes, cut after `quoted_source_bytes` bytes (at a UTF-8 sequence boundary, then
/// "...").
[[nodiscard]] inline std::string quote_source(std::string_view source) {
  std::string out = "\"";
  if (source.size() <= quoted_source_bytes) {
    out += source;
    out += '"';
    return out;
  }
  std::size_t cut = quoted_source_bytes;
  while (cut > 0 && (static_cast<unsigned char>(source[cut]) & 0xC0u) == 0x80u) --cut;
  out += source.substr(0, cut);
  out += "\"...";
  return out;
}

/// Compiles `source`, the regex of a `REGEX` predicate on `attr` in token `token` of the pattern at
/// `index`, with `compiler`. Throws `pattern_error` (at `index`): no compiler (unsupported; the message
/// says what to include, link and pass), a source the compiler refuses (see the file comment), an empty
/// predicate returned (unsupported); what the compiler throws otherwise.
[[nodiscard]] inline text_predicate compile_regex(const regex_compiler& compiler, std::string_view source,
                                                  std::size_t index, std::size_t token, token_attr attr) {
  const std::string where = "token " + std::to_string(token) + ": REGEX " + quote_source(source) + " on " +
                            std::string(token_attr_name(attr));
  if (!compiler)
    throw pattern_error(index,
                        where +
                            " needs a regex compiler: include <lexzone/regex/pattern_regex.hpp>, link "
                            "lexzone::regex (PCRE2) and give lexzone::regex::pcre2_compiler() to the matcher "
                            "(or to entity_ruler_config::regex)",
                        pattern_error::reason::unsupported);
  text_predicate p;
  try {
    p = compiler(source);
  } catch (const regex::regex_error& e) {
    const bool invalid = e.code() == regex::regex_errc::syntax || e.code() == regex::regex_errc::compile;
    std::string_view message(e.what());
    constexpr std::string_view prefix = "lexzone regex: ";
    if (message.substr(0, prefix.size()) == prefix) message.remove_prefix(prefix.size());
    throw pattern_error(index, where + ": " + std::string(message),
                        invalid ? pattern_error::reason::invalid : pattern_error::reason::unsupported);
  }
  if (!p)
    throw pattern_error(index, where + ": the regex compiler returned no predicate",
                        pattern_error::reason::unsupported);
  return p;
}

}  // namespace detail

}  // namespace lexzone
