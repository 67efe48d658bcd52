// Writing the command-line tools' output: one compact JSON object per line (nlohmann_json), each invalid
// UTF-8 byte written as U+FFFD (JSON must be valid UTF-8, and the tools count an invalid byte as one
// character in their offsets).
#pragma once

#include <lexzone/unicode/utf8.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lexzone::examples {

/// `s` with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD, one for one (as
/// `owned_doc::to_json` writes it; nlohmann's replacement would write one for a whole truncated sequence,
/// and the character offsets beside the text would no longer match it). Throws: `std::bad_alloc`.
inline std::string valid_utf8(std::string_view s) {
  if (lexzone::unicode::is_valid(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const auto d = lexzone::unicode::decode(s, i);
    if (d.valid) out.append(s.substr(i, d.size));
    else out.append("\xEF\xBF\xBD");  // U+FFFD
    i += d.size;
  }
  return out;
}

/// `j` as one line of compact JSON, without the newline. Its strings must be valid UTF-8 (`valid_utf8`).
/// Throws: `std::bad_alloc`.
inline std::string json_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

/// Writes `line` and a newline to stdout; `line` is left with the newline. Throws: `std::runtime_error`
/// when the write fails (a full disk; a closed pipe where SIGPIPE is ignored): the run stops there, and
/// the tool exits 1 with the message instead of reporting success over lost output; `std::bad_alloc`.
inline void write_line(std::string& line) {
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size())
    throw std::runtime_error(std::string("cannot write the output: ") + std::strerror(errno));
}

/// Flushes stdout at the end of a run: 0 when everything written reached it, else 1 after a message
/// naming `program` (a write that failed earlier, or the final flush). Throws: nothing.
inline int finish_output(const char* program) noexcept {
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  if (!failed) return 0;
  std::fprintf(stderr, "%s: cannot write the output: %s\n", program, std::strerror(errno));
  return 1;
}

}  // namespace lexzone::examples
