// The data-file loaders' whole-file read (detail/read_file.hpp): every byte comes back (NULs, sizes at
// and around its block size), a missing file and a path that is not a regular file are told apart, and
// the read's peak memory is about the file's size (a string grown by doubling, then copied to its exact
// size, peaked at 2 to 3 times the file).
#include <lexzone/detail/read_file.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "support/catch.hpp"
#include "support/sanitizers.hpp"

namespace read_file_test {

namespace {

using lexzone::detail::file_read_status;
using lexzone::detail::read_file;

// A directory of its own under the system's temporary directory, removed with the object.
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    path = std::filesystem::temp_directory_path() / ("lexzone_read_file_test." + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
};

std::string bytes_of(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) % 256);  // NULs included
  return s;
}

void write(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); 0 when unknown.
std::size_t status_kib(const char* field) {
  std::size_t kib = 0;
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    const std::size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strncmp(line, field, n) == 0 && line[n] == ':' && std::sscanf(line + n + 1, "%zu", &kib) == 1) break;
    }
    std::fclose(f);
  }
  return kib;
}

// Resets the process's peak RSS (VmHWM) to its RSS now; false when the kernel does not allow it.
bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

TEST_CASE("read_file: every byte of files of any size, in one allocation of the file's size", "[read_file]") {
  const scratch_dir dir;
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{65'535}, std::size_t{65'536},
                              std::size_t{65'537}, std::size_t{1'000'001}}) {
    CAPTURE(n);
    const auto p = dir.path / "data.bin";
    const std::string bytes = bytes_of(n);
    write(p, bytes);
    const auto r = read_file(p);
    REQUIRE(r.status == file_read_status::ok);
    CHECK(r.problem.empty());
    CHECK(r.bytes == bytes);
    CHECK(r.bytes.capacity() < n + 64);  // no slack left over
  }
}

TEST_CASE("read_file: the peak memory of a read is about the file's size", "[read_file][memory]") {
  const scratch_dir dir;
  constexpr std::size_t mib = 1024 * 1024, n = 48 * mib;
  const auto p = dir.path / "large.bin";
  write(p, std::string(n, 'x'));
  const bool measurable = reset_peak_rss() && status_kib("VmHWM") != 0;
  const std::size_t before_kib = status_kib("VmRSS");
  const auto r = read_file(p);
  const std::size_t peak_kib = status_kib("VmHWM");
  REQUIRE(r.status == file_read_status::ok);
  REQUIRE(r.bytes.size() == n);
  CHECK(r.bytes.find_first_not_of('x') == std::string::npos);
  // Skipped under sanitizers (their shadow memory and quarantine inflate RSS) and where the kernel does
  // not let a process reset its peak.
  if (!lexzone::test::under_sanitizer && measurable) {
    const std::size_t grew = (peak_kib - before_kib) * 1024;
    CAPTURE(before_kib, peak_kib, grew);
    CHECK(grew < n + n / 4);  // doubling then copying peaked at 2 to 3 times n
  }
}

TEST_CASE("read_file: a missing file, a directory and a FIFO are reported, not read", "[read_file]") {
  const scratch_dir dir;
  const auto missing = read_file(dir.path / "no_such_file");
  CHECK(missing.status == file_read_status::missing);
  CHECK(missing.problem == "no such file");
  CHECK(missing.bytes.empty());

  const auto directory = read_file(dir.path);
  CHECK(directory.status == file_read_status::unreadable);
  CHECK(directory.problem == "not a regular file");

  // A FIFO would block a reader until a writer came: refused before it is opened.
  const auto fifo = dir.path / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto r = read_file(fifo);
  CHECK(r.status == file_read_status::unreadable);
  CHECK(r.problem == "not a regular file");
}

}  // namespace read_file_test
