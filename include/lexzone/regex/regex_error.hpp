/// \file regex/regex_error.hpp
/// The exception of lexzone's regex layer (`regex/python_syntax.hpp`, `regex/pcre2_regex.hpp`).
///
/// Does not include PCRE2: code that only catches the error needs no regex library.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex {

/// Why a regex operation failed.
enum class regex_errc {
  syntax,       ///< the pattern is not valid Python `re` syntax (Python raises re.error too)
  unsupported,  ///< valid Python, but beyond what lexzone translates (e.g. `\N{...}`, repeat > 65535)
  compile,      ///< PCRE2 refused the translated pattern (other than for its size), or would: groups nested
                ///< deeper than `max_group_nesting` are refused by the translation
  too_large,    ///< the pattern is larger than PCRE2 compiles, even split into alternatives, or its
                ///< translation would exceed `max_translation_size`
  match_limit,  ///< matching hit PCRE2's match limit, or spent its call's budget (catastrophic backtracking)
  depth_limit,  ///< matching hit PCRE2's depth limit
  heap_limit,   ///< matching hit PCRE2's heap limit
  bad_offset,   ///< a start offset beyond the subject or inside a UTF-8 sequence
  internal,     ///< any other PCRE2 failure (out of memory, ...)
};

/// Name of `e` ("syntax", "match_limit", ...). Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view to_string(regex_errc e) noexcept {
  switch (e) {
    case regex_errc::syntax: return "syntax";
    case regex_errc::unsupported: return "unsupported";
    case regex_errc::compile: return "compile";
    case regex_errc::too_large: return "too_large";
    case regex_errc::match_limit: return "match_limit";
    case regex_errc::depth_limit: return "depth_limit";
    case regex_errc::heap_limit: return "heap_limit";
    case regex_errc::bad_offset: return "bad_offset";
    case regex_errc::internal: return "internal";
  }
  return "unknown";
}

/// Thrown by pattern translation, compilation and matching. `code()` says why; `offset()` is the byte
/// offset in the Python pattern source of a syntax problem (npos when not applicable). `what()` reads
/// "lexzone regex: <reason>: <message> (at offset N of: <pattern start>)". Derives from
/// `std::runtime_error`; a limit hit during matching leaves nothing changed (patterns are immutable).
class regex_error : public std::runtime_error {
 public:
  /// Builds the error; `pattern` may be empty. `what()` keeps at most 80 bytes of the pattern (cut at a
  /// character boundary, "..." when cut); control characters and bytes outside well-formed UTF-8, in the
  /// message and the pattern, appear there as `\xNN` (`detail::printable`). Complexity: O(message size +
  /// 80). Throws: `std::bad_alloc`.
  regex_error(regex_errc code, std::string_view message, std::string_view pattern = {},
              std::size_t offset = std::string_view::npos)
      : std::runtime_error(format(code, message, pattern, offset)), code_(code), offset_(offset) {}

  /// Why the operation failed. Complexity: O(1). Throws: nothing.
  [[nodiscard]] regex_errc code() const noexcept { return code_; }
  /// Byte offset in the pattern source, or `std::string_view::npos`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

 private:
  static std::string format(regex_errc code, std::string_view message, std::string_view pattern, std::size_t offset) {
    std::string out = "lexzone regex: ";
    out += to_string(code);
    out += ": ";
    out += lexzone::detail::printable(message);
    if (!pattern.empty()) {
      out += offset != std::string_view::npos ? " (at offset " + std::to_string(offset) + " of: " : " (pattern: ";
      out += lexzone::detail::printable(pattern, 80);
      out += ")";
    }
    return out;
  }

  regex_errc code_;
  std::size_t offset_;
};

/// `e` with `context` put before its message ("prefix_search: <message>"), same code and offset: how a
/// caller names the rule or pattern an error came from. Complexity: O(message size). Throws:
/// std::bad_alloc.
[[nodiscard]] inline regex_error with_context(const regex_error& e, std::string_view context) {
  std::string message = e.what();
  const std::string head = "lexzone regex: " + std::string(to_string(e.code())) + ": ";
  if (message.rfind(head, 0) == 0) message.erase(0, head.size());
  return {e.code(), std::string(context) + ": " + message, {}, e.offset()};
}

}  // namespace lexzone::regex
