// Writing the command-line tools' output: one compact JSON object per line (nlohmann_json), invalid
// UTF-8 written as U+FFFD (JSON must be valid UTF-8).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace lexzone::examples {

/// `j` as one line of compact JSON, without the newline. Throws: `std::bad_alloc`.
inline std::string json_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

/// Writes `line` and a newline to stdout; `line` is left with the newline. Throws: `std::bad_alloc`.
inline void write_line(std::string& line) {
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

}  // namespace lexzone::examples
