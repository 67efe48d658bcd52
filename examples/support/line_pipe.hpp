// The command-line tools' loop: every line of the input files through a parallel pipe, one output line
// per input line, in input order. `--threads N` chooses the number of worker threads; the output does not
// depend on it.
#pragma once

#include <lexzone/parallel_pipe.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "json_lines.hpp"
#include "text_input.hpp"

namespace lexzone::examples {

/// Lines per batch: a zone per batch, and the unit of work of a thread. A zone has a cost of its own
/// (its tables grow from empty each time): on the shared corpus, lexzone_ner used 10 % more CPU time
/// with 64-line batches than with 256-line ones.
inline constexpr std::size_t lines_per_batch = 256;
/// The largest value of `--threads`.
inline constexpr std::uint64_t max_threads = 256;

/// The value of `--threads N` at `argv[i + 1]`, and advances `i` past it. When the value is missing or
/// not a whole number from 1 to `max_threads`, prints a message naming `program`, then `usage`, on stderr
/// and returns nothing (the program then exits with status 2).
inline std::optional<std::size_t> threads_option(int argc, char** argv, int& i, const char* program,
                                                 const char* usage) {
  const char* value = i + 1 < argc ? argv[++i] : nullptr;
  const auto n = parse_unsigned(value, 1, max_threads);
  if (!n) {
    std::fprintf(stderr, "%s: --threads needs a whole number from 1 to %llu%s%s%s\n%s\n", program,
                 static_cast<unsigned long long>(max_threads), value == nullptr ? "" : ", not '",
                 value == nullptr ? "" : value, value == nullptr ? "" : "'", usage);
    return std::nullopt;
  }
  return static_cast<std::size_t>(*n);
}

/// Runs `pipe` over every line of `files` ("-" is standard input), file after file, and writes
/// `line_of(doc)` (one line of output, without its newline; made inside the batch's zone on a worker
/// thread) to stdout for each input line, in input order. Throws: `std::runtime_error` naming a file
/// that cannot be read; what the pipeline and `line_of` throw.
template <class Pipe, class LineOf>
void write_lines(Pipe& pipe, const std::vector<std::string>& files, const LineOf& line_of) {
  std::string text;
  for (const auto& f : files) {
    text.clear();
    read_file(f, text);
    pipe.transform(split_lines(text), line_of, [](std::string&& line) { write_line(line); });
  }
}

/// Runs `nlp` (a `text_pipeline` over `vocab`) on `threads` worker threads, one copy each, in batches of
/// `lines_per_batch` lines, and writes `line_of(doc)` for every line of `files` as `write_lines` does.
/// Throws: as `write_lines`; what copying `nlp` throws.
template <class Vocab, class Pipeline, class LineOf>
void pipe_lines(Vocab& vocab, const Pipeline& nlp, std::size_t threads, const std::vector<std::string>& files,
                const LineOf& line_of) {
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = lines_per_batch});
  write_lines(pipe, files, line_of);
}

}  // namespace lexzone::examples
