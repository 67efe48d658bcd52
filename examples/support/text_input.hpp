// Reading the demos' input: plain UTF-8 text files, or gzip-compressed ones (.gz, through zlib).
#pragma once

#include <zlib.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lexzone::examples {

/// Appends the whole content of `path` (decompressed when it ends in .gz). Throws std::runtime_error
/// naming the file when it cannot be read.
inline void read_file(const std::string& path, std::string& out) {
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gz) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot open " + path);
    char buf[1 << 16];
    int n = 0;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    int err = 0;
    const char* msg = gzerror(f, &err);
    const bool failed = n < 0 || (err != Z_OK && err != Z_STREAM_END);
    const std::string what = failed ? std::string(msg) : std::string();
    gzclose(f);
    if (failed) throw std::runtime_error("cannot read " + path + ": " + what);
    return;
  }
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) throw std::runtime_error("cannot read " + path);
}

/// Splits `text` into lines (without their '\n'; a final line without '\n' counts; "\r\n" keeps '\r').
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace lexzone::examples
