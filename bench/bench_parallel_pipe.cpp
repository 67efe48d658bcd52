// The parallel pipe: the English tokenizer + an entity ruler of 300 patterns (bench/data/ner_patterns.jsonl)
// over real text (the corpus's lines, as lexzone_ner reads them), on 1 and 2 worker threads over one
// shared vocab whose permanent layer holds the 20,000-word base vocabulary of the examples.
//
// - BM_ParallelPipe_Zones: a private zone per batch of 50 lines in each worker (pipe_scope::zone_per_batch).
// - BM_ParallelPipe_NoZone: no zones: every new word is added to the shared permanent layer
//   (pipe_scope::permanent), as a service without zones does on fresh traffic.
// - BM_ParallelPipe_ShortRuns against BM_ParallelPipe_OneRun: the same lines through one long-lived pipe
//   (2 threads, zones per batch) in runs of 200 lines, as a service calling it per request would, or in
//   one run (each run ends with fewer batches than threads for a moment): one model and one pipe for
//   every iteration, the steady state of a pipe a service keeps.
//
// Each iteration of the first two starts from a fresh model (vocab, pipeline, pipe: made outside the timed
// region), so that the no-zone runs meet new words as a service does, and both variants start with the
// same cold caches. Timed: one run of the pipe over every line (manual time, wall clock); items_per_second counts
// the tokens of all threads. The goal compares threads:2 with threads:1 (bench/report.py).
// cpu_ns_per_token is the CPU time of the whole process (every thread) per token during the runs: equal
// for 1 and 2 threads means the threads cost each other nothing, whatever the wall clock of a busy
// machine allows; time spent waiting for a lock is not CPU time and shows in the wall clock only.
#include <lexzone/en.hpp>
#include <lexzone/io/en_pipeline.hpp>
#include <lexzone/parallel_pipe.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <sys/time.h>

#include "common.hpp"

namespace {

constexpr std::size_t lines_per_batch = 50;

// CPU time of the whole process (every thread), user and system.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// A model as a service loads it: the base vocabulary permanent, then the pipeline.
struct model {
  lexzone::en::vocab vocab;
  lexzone::en::pipeline nlp;

  model() : nlp(load(vocab)) {}

  static lexzone::en::pipeline load(lexzone::en::vocab& v) {
    std::ifstream in(LEXZONE_BENCH_SOURCE_DIR "/examples/data/base_words.txt");
    for (std::string w; std::getline(in, w);)
      if (!w.empty() && w[0] != '#') v.add(w);
    return lexzone::en::make_pipeline(v,
                                      std::filesystem::path(LEXZONE_BENCH_SOURCE_DIR "/bench/data/ner_patterns.jsonl"));
  }
};

struct workload {
  std::vector<std::string_view> lines;
  std::size_t tokens = 0, bytes = 0, entities = 0;
};

// The corpus's non-empty lines, up to 4 MB (400 KB in quick mode), with their token and entity counts.
const workload& lines() {
  static const workload w = [] {
    workload out;
    const std::size_t budget = lexzone_bench::sized<std::size_t>(4'000'000, 400'000);
    std::string_view rest = lexzone_bench::corpus_text();
    while (!rest.empty() && out.bytes < budget) {
      const std::size_t end = std::min(rest.find('\n'), rest.size());
      const std::string_view line = rest.substr(0, end);
      rest.remove_prefix(std::min(end + 1, rest.size()));
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      out.lines.push_back(line);
      out.bytes += line.size();
    }
    model m;
    lexzone::parallel_pipe pipe(m.vocab, m.nlp, {.batch_size = lines_per_batch});
    pipe.for_each(out.lines, [&](auto& doc) {
      out.tokens += doc.size();
      out.entities += doc.ents().size();
    });
    return out;
  }();
  return w;
}

void run_pipe(benchmark::State& state, lexzone::pipe_scope scope) {
  const workload& w = lines();
  const auto threads = static_cast<std::size_t>(state.range(0));
  std::size_t entities = 0;
  double cpu_seconds = 0;
  for (auto _ : state) {
    auto m = std::make_unique<model>();
    lexzone::parallel_pipe pipe(m->vocab, m->nlp, {.threads = threads, .batch_size = lines_per_batch, .scope = scope});
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    pipe.transform(
        w.lines, [](auto& doc) { return doc.entity_records().size(); }, [&](std::size_t n) { entities += n; });
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    cpu_seconds += process_cpu_seconds() - cpu_start;
  }
  if (entities != w.entities * static_cast<std::size_t>(state.iterations())) state.SkipWithError("entities differ");
  state.counters["threads"] = static_cast<double>(threads);
  state.counters["cpu_ns_per_token"] =
      cpu_seconds * 1e9 / (static_cast<double>(w.tokens) * static_cast<double>(state.iterations()));
  lexzone_bench::set_processed(state, w.tokens, w.bytes);
}

void BM_ParallelPipe_Zones(benchmark::State& state) { run_pipe(state, lexzone::pipe_scope::zone_per_batch); }
BENCHMARK(BM_ParallelPipe_Zones)->ArgName("threads")->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_ParallelPipe_NoZone(benchmark::State& state) { run_pipe(state, lexzone::pipe_scope::permanent); }
BENCHMARK(BM_ParallelPipe_NoZone)->ArgName("threads")->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- many short runs on one pipe ----------------------------------------------------------------------

// A service that calls one pipe for each request of a few hundred lines: the lines in runs of
// `lines_per_run` (`short_runs`) or in one run (`one run`, the baseline), 2 threads, zones per batch. One
// model and one pipe serve every iteration, after an untimed warm-up run: the steady state of a
// long-lived pipe (the pipe's threads and their per-thread vocab state are kept from run to run).
constexpr std::size_t lines_per_run = 200;

void run_in_runs(benchmark::State& state, std::size_t per_run) {
  const workload& w = lines();
  static model m;  // one model for both benchmarks: the vocab's permanent layer does not grow in zones
  const auto threads = static_cast<std::size_t>(state.range(0));
  lexzone::parallel_pipe pipe(m.vocab, m.nlp, {.threads = threads, .batch_size = lines_per_batch});
  std::size_t entities = 0;
  const auto count = [](auto& doc) { return doc.entity_records().size(); };
  const auto pass = [&] {
    const std::span<const std::string_view> all(w.lines);
    for (std::size_t i = 0; i < all.size(); i += per_run)
      pipe.transform(all.subspan(i, std::min(per_run, all.size() - i)), count, [&](std::size_t n) { entities += n; });
  };
  pass();
  entities = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    pass();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (entities != w.entities * static_cast<std::size_t>(state.iterations())) state.SkipWithError("entities differ");
  state.counters["runs"] = static_cast<double>(w.lines.size() / per_run + (w.lines.size() % per_run != 0 ? 1 : 0));
  lexzone_bench::set_processed(state, w.tokens, w.bytes);
}

void BM_ParallelPipe_ShortRuns(benchmark::State& state) { run_in_runs(state, lines_per_run); }
BENCHMARK(BM_ParallelPipe_ShortRuns)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_ParallelPipe_OneRun(benchmark::State& state) { run_in_runs(state, std::numeric_limits<std::size_t>::max()); }
BENCHMARK(BM_ParallelPipe_OneRun)->ArgName("threads")->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

LEXZONE_BENCH_MAIN()
