/// \file detail/read_file.hpp
/// Reads a whole file into memory for the data-file loaders (io/), telling a missing file from one that
/// cannot be read.
#pragma once

#include <filesystem>
#include <fstream>
#include <ios>
#include <iterator>
#include <string>
#include <system_error>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Outcome of `read_file`.
enum class file_read_status {
  ok,          ///< `bytes` holds the file
  missing,     ///< no such file
  unreadable,  ///< exists but cannot be read (a directory, no permission, I/O error); see `problem`
};

/// What `read_file` found.
struct file_read_result {
  file_read_status status = file_read_status::ok;  ///< the outcome
  std::string bytes;                               ///< the file's content when `ok`
  std::string problem;                             ///< why it could not be read, otherwise
};

/// The content of the regular file `path`. Complexity: O(file size). Thread safety: reentrant.
/// Throws: std::bad_alloc.
[[nodiscard]] inline file_read_result read_file(const std::filesystem::path& path) {
  file_read_result r;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    r.status = file_read_status::missing;
    r.problem = "no such file";
    return r;
  }
  if (ec || status.type() != std::filesystem::file_type::regular) {
    r.status = file_read_status::unreadable;
    r.problem = ec ? ec.message() : "not a regular file";
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.status = file_read_status::unreadable;
    r.problem = "cannot open the file";
    return r;
  }
  try {
    r.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {  // libstdc++'s filebuf throws on a read error (EIO)
    r.status = file_read_status::unreadable;
    r.problem = "read error: " + e.code().message();
    r.bytes.clear();
    return r;
  }
  if (in.bad()) {
    r.status = file_read_status::unreadable;
    r.problem = "read error";
    r.bytes.clear();
  }
  return r;
}

}  // namespace lexzone::detail
