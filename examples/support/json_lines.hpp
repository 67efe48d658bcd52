// Writing the command-line tools' output: one compact JSON object per line (nlohmann_json), invalid
// UTF-8 written as U+FFFD (JSON must be valid UTF-8).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace lexzone::examples {

/// Writes `j` and a newline to stdout; `buffer` is reused across calls. Throws: `std::bad_alloc`.
inline void write_json_line(const nlohmann::ordered_json& j, std::string& buffer) {
  buffer = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  buffer.push_back('\n');
  std::fwrite(buffer.data(), 1, buffer.size(), stdout);
}

}  // namespace lexzone::examples
