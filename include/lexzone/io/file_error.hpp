/// \file io/file_error.hpp
/// `io::file_error<Errc>`: the exception of the data-file readers under io/ (spaCy tokenizer files,
/// lexeme-attribute files, patterns files), and `io::read_data_file`, which reads such a file or throws one.
/// No dependency beyond the standard library.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../detail/read_file.hpp"
#include "../errors.hpp"  // detail::printable

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::io {

/// Thrown by a data-file reader; `Errc` is the reader's enumeration of causes. `what()` reads
/// "<name>: <problem>" where name is the file (or the name given for a buffer), so a command-line tool can
/// print it as it is: both parts quote input (a path, a key read from the file), so their control
/// characters and bytes outside well-formed UTF-8 are written as `\xNN` (see `detail::printable`).
/// Thread safety: as `std::runtime_error` (const members may be called concurrently).
template <class Errc>
class file_error : public std::runtime_error {
 public:
  /// An error of kind `code` about the file `name`. Complexity: O(name and message size).
  /// Throws: std::bad_alloc.
  file_error(Errc code, std::string name, const std::string& message)
      : std::runtime_error(lexzone::detail::printable(name) + ": " + lexzone::detail::printable(message)), code_(code),
        name_(std::move(name)) {}
  /// Why reading failed. Complexity: O(1). Throws: nothing.
  [[nodiscard]] Errc code() const noexcept { return code_; }
  /// The file name (or buffer name) given to the reader, as given (not escaped). Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  Errc code_;
  std::string name_;
};

/// The bytes of the file `path`. Complexity: O(file size). Thread safety: reentrant.
/// Throws: `file_error<Errc>` with `Errc::missing` or `Errc::unreadable` naming the file, std::bad_alloc.
template <class Errc>
[[nodiscard]] std::string read_data_file(const std::filesystem::path& path) {
  auto file = lexzone::detail::read_file(path);
  switch (file.status) {
    case lexzone::detail::file_read_status::ok: break;
    case lexzone::detail::file_read_status::missing: throw file_error<Errc>(Errc::missing, path.string(), file.problem);
    case lexzone::detail::file_read_status::unreadable:
      throw file_error<Errc>(Errc::unreadable, path.string(), file.problem);
  }
  return std::move(file.bytes);
}

}  // namespace lexzone::io
