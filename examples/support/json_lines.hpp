// Writing the command-line tools' output: one compact JSON object per line (nlohmann_json), invalid
// UTF-8 written as U+FFFD (JSON must be valid UTF-8).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "text_input.hpp"

namespace lexzone::examples {

/// Writes `j` and a newline to stdout; `buffer` is reused across calls. Throws: `std::bad_alloc`.
inline void write_json_line(const nlohmann::ordered_json& j, std::string& buffer) {
  buffer = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  buffer.push_back('\n');
  std::fwrite(buffer.data(), 1, buffer.size(), stdout);
}

/// The command-line tools' loop: every line of every file (stdin for "-"), each in its own memory zone of
/// `vocab`, turned into one JSON object by `to_json(zone, line)` and written as one line.
/// Throws: std::runtime_error naming an unreadable file, what `to_json` throws, std::bad_alloc.
template <class Vocab, class ToJson>
void write_lines_in_zones(Vocab& vocab, const std::vector<std::string>& files, ToJson&& to_json) {
  std::string out;
  for (const auto& f : files) {
    std::string text;
    read_file(f, text);
    for (std::string_view line : split_lines(text)) {
      auto zone = vocab.memory_zone();
      write_json_line(to_json(zone, line), out);
    }
  }
}

}  // namespace lexzone::examples
