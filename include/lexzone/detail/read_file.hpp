/// \file detail/read_file.hpp
/// Reads a whole file into memory for the data-file loaders (io/), telling a missing file from one that
/// cannot be read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ios>
#include <string>
#include <system_error>
#include <utility>

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

/// The content of the regular file `path`, read in one allocation of the size the file has when it is
/// opened (a file that grows meanwhile is read to its end, in blocks; one that shrinks is cut to what was
/// read), so that the peak is the file's size, not the 2 to 3 times of a string grown by doubling.
/// Complexity: O(file size). Thread safety: reentrant. Throws: std::bad_alloc.
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
  const auto fail = [&r](std::string problem) {
    r.status = file_read_status::unreadable;
    r.problem = std::move(problem);
    r.bytes = std::string();  // the memory back, not only the size
    return std::move(r);
  };
  try {
    // The size now (after the open: a file replaced in between is read as opened); 0 when unknown.
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    std::size_t have = 0;
    if (!ec && size > 0 && size < r.bytes.max_size()) {
      r.bytes.resize(static_cast<std::size_t>(size));
      in.read(r.bytes.data(), static_cast<std::streamsize>(size));
      have = static_cast<std::size_t>(in.gcount());
    }
    // What the file holds beyond that size, if it grew (or its size was unknown), in blocks.
    constexpr std::size_t block = std::size_t{64} * 1024;
    while (in && in.peek() != std::ifstream::traits_type::eof()) {
      r.bytes.resize(have + block);
      in.read(r.bytes.data() + have, static_cast<std::streamsize>(block));
      have += static_cast<std::size_t>(in.gcount());
    }
    r.bytes.resize(have);
  } catch (const std::ios_base::failure& e) {  // libstdc++'s filebuf throws on a read error (EIO)
    return fail("read error: " + e.code().message());
  }
  if (in.bad()) return fail("read error");
  return r;
}

}  // namespace lexzone::detail
