// Reading the demos' input: plain UTF-8 text files, or gzip-compressed ones (.gz, through zlib).
#pragma once

#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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

/// The lines of a file ("-": standard input; a name ending in .gz: decompressed through zlib), read as
/// they are needed, so that memory holds a line and a read buffer (64 KiB), not the file: an input range
/// of `std::string` for `parallel_pipe`, which copies each line it takes (the reader reuses one string).
/// Lines as `split_lines` cuts them. Single pass; not copyable. Throws (constructor, `begin`, increment):
/// `std::runtime_error` naming the file when it cannot be opened or read; `std::bad_alloc`.
class line_reader {
 public:
  explicit line_reader(std::string path)
      : path_(std::move(path)), gz_(path_.size() > 3 && path_.compare(path_.size() - 3, 3, ".gz") == 0) {
    if (gz_) {
      gz_file_ = gzopen(path_.c_str(), "rb");
      if (gz_file_ == nullptr) throw std::runtime_error("cannot open " + path_);
    } else {
      file_ = path_ == "-" ? stdin : std::fopen(path_.c_str(), "rb");
      if (file_ == nullptr) throw std::runtime_error("cannot open " + path_);
    }
  }
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;
  ~line_reader() {
    if (gz_file_ != nullptr) gzclose(gz_file_);
    if (file_ != nullptr && file_ != stdin) std::fclose(file_);
  }

  /// The range's iterator: `*it` is the current line, valid until the next increment.
  class iterator {
   public:
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(line_reader* r) : r_(r) {}
    const std::string& operator*() const { return r_->line_; }
    iterator& operator++() {
      r_->advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    [[nodiscard]] bool at_end() const { return r_->done_; }

    line_reader* r_ = nullptr;
  };

  /// Reads the first line. Call once.
  iterator begin() {
    advance();
    return iterator(this);
  }
  static std::default_sentinel_t end() noexcept { return {}; }

 private:
  // Reads the next line into `line_`, or sets `done_` at the end of the input.
  void advance() {
    line_.clear();
    for (;;) {
      if (pos_ == size_) {
        if (!fill()) {
          done_ = !has_partial_;  // a last line without '\n' counts
          has_partial_ = false;
          return;
        }
      }
      const char* start = buf_.data() + pos_;
      const auto* nl = static_cast<const char*>(std::memchr(start, '\n', size_ - pos_));
      if (nl != nullptr) {
        line_.append(start, static_cast<std::size_t>(nl - start));
        pos_ += static_cast<std::size_t>(nl - start) + 1;
        has_partial_ = false;
        return;
      }
      line_.append(start, size_ - pos_);
      pos_ = size_;
      has_partial_ = true;
    }
  }

  // Refills the buffer; false at the end of the input. Throws when reading fails.
  bool fill() {
    pos_ = size_ = 0;
    if (gz_) {
      const int n = gzread(gz_file_, buf_.data(), static_cast<unsigned>(buf_.size()));
      if (n < 0) fail(gz_message());
      if (n == 0) {  // the end, or an error (a truncated file)
        const std::string what = gz_message();
        if (!what.empty()) fail(what);
        return false;
      }
      size_ = static_cast<std::size_t>(n);
      return true;
    }
    size_ = std::fread(buf_.data(), 1, buf_.size(), file_);
    if (size_ == 0 && std::ferror(file_) != 0) fail(std::strerror(errno));
    return size_ != 0;
  }

  // zlib's message for the last error of the file, empty when there is none.
  std::string gz_message() {
    int err = 0;
    const char* msg = gzerror(gz_file_, &err);
    return err != Z_OK && err != Z_STREAM_END ? std::string(msg) : std::string();
  }

  [[noreturn]] void fail(const std::string& what) {
    done_ = true;
    throw std::runtime_error("cannot read " + path_ + (what.empty() ? std::string() : ": " + what));
  }

  std::string path_;
  bool gz_ = false;
  gzFile gz_file_ = nullptr;
  std::FILE* file_ = nullptr;
  std::array<char, std::size_t{1} << 16> buf_{};
  std::size_t pos_ = 0, size_ = 0;
  std::string line_;
  bool has_partial_ = false;
  bool done_ = false;
};

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
