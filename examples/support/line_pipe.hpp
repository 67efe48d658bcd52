// The command-line tools' loop: every line of the input files through a parallel pipe, one output line
// per input line, in input order. `--threads N` chooses the number of worker threads and the learning
// flags the vocab's learning policy; the output depends on neither.
#pragma once

#include <lexzone/matcher.hpp>  // match_limit_error
#include <lexzone/parallel_pipe.hpp>
#include <lexzone/regex/regex_error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

/// A line that the tools refuse instead of stopping: its text asks for more work than the limits allow.
/// `reason` is "match_limit" (the entity patterns would match too often: `lexzone::match_limit_error`) or
/// the `regex_errc` of a regex that backtracked past its limits ("match_limit", "depth_limit",
/// "heap_limit": `lexzone::regex::regex_error`, from a rule tokenizer); `message` is the exception's.
/// A plain value (owned strings).
struct refusal {
  std::string reason;
  std::string message;
};

namespace detail {
/// The refusal of the text that this thread's `refusing_pipeline` ran last, until that text's result
/// takes it (`parallel_pipe::transform` calls the result's function right after the pipeline, on the
/// same thread). Complexity: O(1). Thread safety: each thread has its own. Lifetime: the calling
/// thread's. Throws: nothing.
inline std::optional<refusal>& last_refusal() noexcept {
  thread_local std::optional<refusal> last;
  return last;
}
}  // namespace detail

/// A text pipeline that turns the refusal of one text into an empty doc, with the refusal left in
/// `detail::last_refusal()` for the line's result, instead of an exception that would stop the whole run:
/// one hostile line among millions must not end a batch job. Every other exception (a closed zone, memory,
/// a regex error that is not a limit) still propagates. Opens its zones through the wrapped pipeline's
/// `memory_zone`, so zone-aware components are told as before. Owns its copy of the pipeline; a
/// `parallel_pipe` copies it once per worker. Thread safety: as the wrapped pipeline's (one call at a time
/// per copy); the refusal goes to the calling thread's `detail::last_refusal()`.
template <class Pipeline>
class refusing_pipeline {
 public:
  using vocab_type = typename Pipeline::vocab_type;

  /// Wraps `nlp`. Complexity, throws: moving a `Pipeline`.
  explicit refusing_pipeline(Pipeline nlp) : nlp_(std::move(nlp)) {}

  /// The wrapped pipeline's `memory_zone(vocab)`. Complexity, throws, lifetime: as that.
  template <class Vocab>
  auto memory_zone(Vocab& vocab) -> decltype(std::declval<Pipeline&>().memory_zone(vocab)) {
    return nlp_.memory_zone(vocab);
  }

  /// The wrapped pipeline's doc of `text` in `scope` (a zone or the vocab), or, when the text is
  /// refused, an empty doc and the refusal in `detail::last_refusal()` (which every call first empties).
  /// Complexity: the pipeline's. Lifetime: the doc is `scope`'s. Throws: what the pipeline throws, but
  /// for the refusals above; `std::bad_alloc` (then no refusal is left behind).
  template <class Scope>
  lexzone::basic_doc<vocab_type> operator()(Scope& scope, std::string_view text) {
    detail::last_refusal().reset();
    std::optional<refusal> refused;
    try {
      return nlp_(scope, text);
    } catch (const lexzone::match_limit_error& e) {
      refused = refusal{"match_limit", e.what()};
    } catch (const lexzone::regex::regex_error& e) {
      using lexzone::regex::regex_errc;
      if (e.code() != regex_errc::match_limit && e.code() != regex_errc::depth_limit &&
          e.code() != regex_errc::heap_limit)
        throw;
      refused = refusal{std::string(lexzone::regex::to_string(e.code())), e.what()};
    }
    // Set only once the empty doc exists: a throw here leaves no refusal behind for another text.
    auto doc = nlp_(scope, std::string_view{});
    detail::last_refusal() = std::move(refused);
    return doc;
  }

 private:
  Pipeline nlp_;
};

/// The output line of a refused input line: `{"error":"<reason>","message":"..."}`. Complexity: O(the
/// message's size). Throws: `std::bad_alloc`.
inline std::string refusal_line(const refusal& r) {
  return json_line(nlohmann::ordered_json{{"error", valid_utf8(r.reason)}, {"message", valid_utf8(r.message)}});
}

/// A tool's run: its name (for messages), worker threads, learning policy.
struct tool_run {
  const char* program = "";
  std::size_t threads = 1;
  lexzone::learning_policy learning = default_learning;  ///< set by `learning_option` (cli.hpp)
};

/// Runs `pipe` (over a `refusing_pipeline`) over every line of `files` ("-" is standard input), file after
/// file, and writes `line_of(doc)` (one line of output, without its newline; made inside the batch's zone
/// on a worker thread) to stdout for each input line, in input order; a refused line gets `refusal_line`
/// instead, and a message on stderr naming `program`, the file and the line number. On an error, the lines
/// before the one that failed are written, whatever the number of threads. Returns: the number of lines
/// refused. Throws: `std::runtime_error` naming a file that cannot be read, or saying that the output
/// cannot be written; what the pipeline and `line_of` throw.
template <class Pipe, class LineOf>
std::size_t write_lines(Pipe& pipe, const std::vector<std::string>& files, const LineOf& line_of, const char* program) {
  struct line_result {
    std::string line;
    std::optional<refusal> refused;
  };
  const auto result_of = [&line_of](auto& doc) {
    // Taken first, before anything that may throw: the refusal belongs to this doc's text only.
    std::optional<refusal> refused = std::exchange(detail::last_refusal(), std::nullopt);
    if (refused) return line_result{refusal_line(*refused), std::move(refused)};
    return line_result{line_of(doc), std::nullopt};
  };
  std::size_t refused_lines = 0;
  for (const auto& f : files) {
    // Streamed: the pipe takes lines as its workers need them (at most its batches in flight), so a tool
    // runs in bounded memory over an input of any size and writes while the input still comes.
    line_reader lines(f);
    std::size_t number = 0;
    pipe.transform(lines, result_of, [&](line_result&& r) {
      ++number;
      write_line(r.line);
      if (!r.refused) return;
      ++refused_lines;
      std::fprintf(stderr, "%s: %s, line %zu: refused (%s): %s\n", program, f == "-" ? "standard input" : f.c_str(),
                   number, r.refused->reason.c_str(), r.refused->message.c_str());
    });
  }
  return refused_lines;
}

/// Sets `run.learning` on `vocab`, runs `nlp` (a `text_pipeline` over `vocab`, wrapped into a
/// `refusing_pipeline`) on `run.threads` worker threads, one copy each, in batches of `lines_per_batch`
/// lines, and writes `line_of(doc)` for every line of `files` as `write_lines` does; then, with learning
/// on, says on stderr how many words the vocab learned. Returns: the number of lines refused (each
/// written as `refusal_line` and named on stderr; the tools then exit 3). Throws: as `write_lines`; what
/// copying `nlp` throws; `std::invalid_argument` when `run.learning.zones` exceeds
/// `learning_policy::max_zones` (before anything runs).
template <class Vocab, class Pipeline, class LineOf>
std::size_t pipe_lines(Vocab& vocab, const Pipeline& nlp, const tool_run& run, const std::vector<std::string>& files,
                       const LineOf& line_of) {
  vocab.set_learning(run.learning);
  lexzone::parallel_pipe pipe(vocab, refusing_pipeline<Pipeline>(nlp),
                              {.threads = run.threads, .batch_size = lines_per_batch});
  const std::size_t refused = write_lines(pipe, files, line_of, run.program);
  if (run.learning.zones != 0)
    std::fprintf(stderr, "%s: learned %zu words (--learn-zones %u, --learn-max %zu)\n", run.program,
                 vocab.stats().learned_lexemes, static_cast<unsigned>(run.learning.zones), run.learning.max_lexemes);
  return refused;
}

/// A tool's exit status at the end of a run that wrote every line: `finish_output`'s (1 when the output
/// could not be written), else 3 after a summary on stderr when `refused` lines were refused, else 0.
/// Complexity: a flush of stdout. Thread safety: the calling thread must be the only writer of stdout.
inline int finish_run(const char* program, std::size_t refused) noexcept {
  const int status = finish_output(program);
  if (status != 0 || refused == 0) return status;
  std::fprintf(stderr, "%s: %zu line%s refused (an {\"error\":...} object in %s place)\n", program, refused,
               refused == 1 ? "" : "s", refused == 1 ? "its" : "their");
  return 3;
}

}  // namespace lexzone::examples
