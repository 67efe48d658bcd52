// ner_service: quoting the client's bytes in an error message, bounded.
//
// An error body may name what the client sent (a path, a method, a Content-Encoding, the JSON token that
// did not parse). Those bytes can be as long as the request allows (a request line of 4 KiB, a body of
// 1 MiB): quoted whole, a small mistake would be answered with a large body. `quote_excerpt` keeps at most
// `max_quoted_bytes` of them, cut between UTF-8 sequences, and says that it cut and how long the whole was.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <lexzone/unicode/utf8.hpp>

namespace lexzone::ner_service {

/// The most bytes of the client's input one error message quotes.
inline constexpr std::size_t max_quoted_bytes = 200;

/// `s` when it has at most `max_bytes` bytes; otherwise its first whole UTF-8 sequences up to `max_bytes`
/// bytes (an invalid byte counts as a sequence of one: the JSON writer replaces it with U+FFFD), then
/// "[... cut, N bytes in all]". Complexity: O(max_bytes). Thread safety: any thread (reads its arguments
/// only). Throws: std::bad_alloc.
[[nodiscard]] inline std::string quote_excerpt(std::string_view s, std::size_t max_bytes = max_quoted_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t end = 0;
  while (end < s.size()) {
    const std::size_t next = end + unicode::decode(s, end).size;
    if (next > max_bytes) break;
    end = next;
  }
  return std::string(s.substr(0, end)) + "[... cut, " + std::to_string(s.size()) + " bytes in all]";
}

/// nlohmann_json's exception message `what`, with the client's bytes it quotes bounded by `quote_excerpt`:
/// a lexer error ends with "; last read: '<the token so far>'" (a whole string up to a bad character), a
/// number overflow with "number overflow parsing '<the number>'". Other messages quote nothing of the
/// input; they are bounded all the same. Complexity: O(size of what). Thread safety: any thread. Throws:
/// std::bad_alloc.
[[nodiscard]] inline std::string bounded_json_error(std::string_view what) {
  static constexpr std::array<std::string_view, 2> openings{"; last read: '", "number overflow parsing '"};
  for (const std::string_view opening : openings) {
    const std::size_t at = what.find(opening);
    if (at == std::string_view::npos || what.back() != '\'') continue;
    const std::size_t start = at + opening.size();
    if (start > what.size() - 1) continue;  // the opening quote is the last character
    return std::string(what.substr(0, start)) + quote_excerpt(what.substr(start, what.size() - 1 - start)) + "'";
  }
  return quote_excerpt(what, 2 * max_quoted_bytes);
}

}  // namespace lexzone::ner_service
