// The command-line tools' loop: every line of the input files through a parallel pipe, one output line
// per input line, in input order. `--threads N` chooses the number of worker threads and the learning
// flags the vocab's learning policy; the output depends on neither.
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

/// A tool's run: its name (for messages), worker threads, learning policy.
struct tool_run {
  const char* program = "";
  std::size_t threads = 1;
  lexzone::learning_policy learning = default_learning;  ///< set by `learning_option` (cli.hpp)
};

/// Runs `pipe` over every line of `files` ("-" is standard input), file after file, and writes
/// `line_of(doc)` (one line of output, without its newline; made inside the batch's zone on a worker
/// thread) to stdout for each input line, in input order. On an error, the lines before the one that
/// failed are written, whatever the number of threads. Throws: `std::runtime_error` naming a file that
/// cannot be read, or saying that the output cannot be written; what the pipeline and `line_of` throw.
template <class Pipe, class LineOf>
void write_lines(Pipe& pipe, const std::vector<std::string>& files, const LineOf& line_of) {
  for (const auto& f : files) {
    // Streamed: the pipe takes lines as its workers need them (at most its batches in flight), so a tool
    // runs in bounded memory over an input of any size and writes while the input still comes.
    line_reader lines(f);
    pipe.transform(lines, line_of, [](std::string&& line) { write_line(line); });
  }
}

/// Sets `run.learning` on `vocab`, runs `nlp` (a `text_pipeline` over `vocab`) on `run.threads` worker
/// threads, one copy each, in batches of `lines_per_batch` lines, and writes `line_of(doc)` for every line
/// of `files` as `write_lines` does; then, with learning on, says on stderr how many words the vocab
/// learned. Throws: as `write_lines`; what copying `nlp` throws; `std::invalid_argument` when
/// `run.learning.zones` exceeds `learning_policy::max_zones` (before anything runs).
template <class Vocab, class Pipeline, class LineOf>
void pipe_lines(Vocab& vocab, const Pipeline& nlp, const tool_run& run, const std::vector<std::string>& files,
                const LineOf& line_of) {
  vocab.set_learning(run.learning);
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = run.threads, .batch_size = lines_per_batch});
  write_lines(pipe, files, line_of);
  if (run.learning.zones != 0)
    std::fprintf(stderr, "%s: learned %zu words (--learn-zones %u, --learn-max %zu)\n", run.program,
                 vocab.stats().learned_lexemes, static_cast<unsigned>(run.learning.zones), run.learning.max_lexemes);
}

}  // namespace lexzone::examples
