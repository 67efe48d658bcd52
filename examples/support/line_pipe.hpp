// The command-line tools' loop: every line of the input files through a parallel pipe, one output line
// per input line, in input order. `--threads N` chooses the number of worker threads and the learning
// flags the vocab's learning policy; the output depends on neither.
#pragma once

#include <lexzone/parallel_pipe.hpp>
#include <lexzone/vocab.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
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

/// What `learning_option` made of `argv[i]`.
enum class option_status {
  other,  ///< not a learning flag: `i` unchanged
  taken,  ///< a learning flag and its value, stored; `i` is at the value
  bad,    ///< a learning flag with a missing or bad value: reported on stderr (exit with status 2)
};

/// The learning flags (vocab.hpp, `learning_policy`): `--learn-zones N` (0 to 256: a word one worker
/// thread meets in N batches becomes permanent; 0, the default: never), `--learn-max N` (0 to
/// 100,000,000: most words ever learned; default 100,000) and `--learn-max-bytes N` (1 to 1,024: longest
/// word learned, in bytes; default 32); the last two change nothing while `--learn-zones` is 0. Parses
/// the flag at `argv[i]` into `policy`; a bad value is reported naming `program` and the value, followed
/// by `usage`. Throws: nothing.
inline option_status learning_option(int argc, char** argv, int& i, lexzone::learning_policy& policy,
                                     const char* program, const char* usage) {
  struct flag {
    const char* name;
    std::uint64_t min, max;
  };
  static constexpr flag flags[] = {{"--learn-zones", 0, lexzone::learning_policy::max_zones},
                                   {"--learn-max", 0, 100000000},
                                   {"--learn-max-bytes", 1, 1024}};
  const std::string_view a = argv[i];
  for (std::size_t f = 0; f < std::size(flags); ++f) {
    if (a != flags[f].name) continue;
    const char* value = i + 1 < argc ? argv[++i] : nullptr;
    const auto n = parse_unsigned(value, flags[f].min, flags[f].max);
    if (!n) {
      std::fprintf(stderr, "%s: %s needs a whole number from %llu to %llu%s%s%s\n%s\n", program, flags[f].name,
                   static_cast<unsigned long long>(flags[f].min), static_cast<unsigned long long>(flags[f].max),
                   value == nullptr ? "" : ", not '", value == nullptr ? "" : value, value == nullptr ? "" : "'",
                   usage);
      return option_status::bad;
    }
    if (f == 0) policy.zones = static_cast<std::uint32_t>(*n);
    else if (f == 1) policy.max_lexemes = static_cast<std::size_t>(*n);
    else policy.max_text_bytes = static_cast<std::size_t>(*n);
    return option_status::taken;
  }
  return option_status::other;
}

/// A tool's run: its name (for messages), worker threads, learning policy.
struct tool_run {
  const char* program = "";
  std::size_t threads = 1;
  /// The learning flags' defaults (see `learning_option`): learning off; at most 100,000 words of at most
  /// 32 bytes once `--learn-zones` turns it on.
  lexzone::learning_policy learning{0, 100000, 32};
};

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
