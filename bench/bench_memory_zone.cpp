// Memory zones: open+close of an empty zone, the close alone after N entries (ns per entry), nested
// zones of depth 1..64, against spaCy's rollback (one shared table, transient keys erased one by one).
//
// Close benchmarks use manual timing: the N adds run untimed in each iteration, the close is timed
// with steady_clock. Their iteration counts are fixed (the untimed adds dominate the wall time).
// Every store here has base() in its permanent layer, as a loaded model would.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <lexzone/string_store.hpp>
#include <lexzone/vocab.hpp>

#include "baselines.hpp"
#include "common.hpp"

#include <lexzone/lang/en/lexeme_traits.hpp>

namespace {

using lexzone_bench::base;
using lexzone_bench::fresh;
using lexzone_bench::sized;
using lexzone_bench::token_list;
using clock_type = std::chrono::steady_clock;

using traits = lexzone::en::lexeme_traits;
using vocab_type = lexzone::basic_vocab<traits>;

lexzone::string_store& lexzone_store() {
  return lexzone_bench::base_filled<lexzone::string_store>(
      [](lexzone::string_store& store, std::string_view t) { store.add(t); });
}

vocab_type& vocab() {
  return lexzone_bench::base_filled<vocab_type>([](vocab_type& v, std::string_view t) { v.add(t); });
}

lexzone_bench::spacy_style_store& spacy() {
  return lexzone_bench::base_filled<lexzone_bench::spacy_style_store>(
      [](lexzone_bench::spacy_style_store& store, std::string_view t) { store.add(t); });
}

double elapsed_seconds(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// --- open + close of an empty zone ----------------------------------------------------------------------

// The floor the zone benchmarks stand on: the benchmark loop plus one call the compiler cannot see
// through or remove (a zone's open and close are two such calls at best).
[[gnu::noinline]] void* opaque_call(void* p) {
  benchmark::DoNotOptimize(p);
  return p;
}

void BM_ZoneOpenClose_Empty_Baseline(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) benchmark::DoNotOptimize(opaque_call(&x));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ZoneOpenClose_Empty_Baseline);

void BM_ZoneOpenClose_Empty_Lexzone(benchmark::State& state) {
  auto& store = lexzone_store();
  for (auto _ : state) {
    auto zone = store.memory_zone();
    benchmark::DoNotOptimize(zone);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ZoneOpenClose_Empty_Lexzone);

void BM_ZoneOpenClose_Empty_LexzoneVocab(benchmark::State& state) {
  auto& v = vocab();
  for (auto _ : state) {
    auto zone = v.memory_zone();
    benchmark::DoNotOptimize(zone);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ZoneOpenClose_Empty_LexzoneVocab);

void BM_ZoneOpenClose_Empty_SpacyStyle(benchmark::State& state) {
  auto& store = spacy();
  for (auto _ : state) {
    store.open_zone();
    store.close_zone();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ZoneOpenClose_Empty_SpacyStyle);

// --- close after N entries (the close alone is timed) -----------------------------------------------

void finish_close(benchmark::State& state, std::size_t n, double seconds) {
  const double iterations = static_cast<double>(state.iterations());
  state.counters["ns_per_entry"] = seconds * 1e9 / (iterations * static_cast<double>(n));
  state.counters["entries"] = static_cast<double>(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

void BM_ZoneClose_Lexzone(benchmark::State& state) {
  auto& store = lexzone_store();
  const auto n = static_cast<std::size_t>(state.range(0));
  const token_list tokens = fresh(n);
  double total = 0;
  for (auto _ : state) {
    auto zone = store.memory_zone();
    for (std::string_view t : tokens) zone.add(t);
    const auto t0 = clock_type::now();
    zone.close();
    const auto t1 = clock_type::now();
    state.SetIterationTime(elapsed_seconds(t0, t1));
    total += elapsed_seconds(t0, t1);
  }
  finish_close(state, n, total);
}

// A vocab zone: lexemes and their strings (orth and attribute strings) are evicted together.
void BM_ZoneClose_LexzoneVocab(benchmark::State& state) {
  auto& v = vocab();
  const auto n = static_cast<std::size_t>(state.range(0));
  const token_list tokens = fresh(n);
  double total = 0;
  for (auto _ : state) {
    auto zone = v.memory_zone();
    for (std::string_view t : tokens) zone.add(t);
    const auto t0 = clock_type::now();
    zone.close();
    const auto t1 = clock_type::now();
    state.SetIterationTime(elapsed_seconds(t0, t1));
    total += elapsed_seconds(t0, t1);
  }
  finish_close(state, n, total);
}

// Baseline: spaCy's rollback of the same N entries (erase each key, free each string).
void BM_ZoneClose_SpacyStyle(benchmark::State& state) {
  auto& store = spacy();
  const auto n = static_cast<std::size_t>(state.range(0));
  const token_list tokens = fresh(n);
  double total = 0;
  for (auto _ : state) {
    store.open_zone();
    for (std::string_view t : tokens) store.add(t);
    const auto t0 = clock_type::now();
    store.close_zone();
    const auto t1 = clock_type::now();
    state.SetIterationTime(elapsed_seconds(t0, t1));
    total += elapsed_seconds(t0, t1);
  }
  finish_close(state, n, total);
}

// Iterations per size: enough timed closes, while the untimed adds stay within a few seconds a run.
benchmark::IterationCount close_iterations(std::size_t n) {
  if (n <= 1000) return sized<benchmark::IterationCount>(1000, 100);
  if (n <= 100'000) return sized<benchmark::IterationCount>(20, 5);
  return sized<benchmark::IterationCount>(3, 1);
}

const bool registered_close = [] {
  for (const std::size_t n : {std::size_t{1000}, std::size_t{100'000}, std::size_t{1'000'000}}) {
    const auto arg = static_cast<std::int64_t>(n);
    benchmark::RegisterBenchmark("BM_ZoneClose_Lexzone", BM_ZoneClose_Lexzone)
        ->Arg(arg)
        ->Iterations(close_iterations(n))
        ->UseManualTime();
    benchmark::RegisterBenchmark("BM_ZoneClose_SpacyStyle", BM_ZoneClose_SpacyStyle)
        ->Arg(arg)
        ->Iterations(close_iterations(n))
        ->UseManualTime();
  }
  benchmark::RegisterBenchmark("BM_ZoneClose_LexzoneVocab", BM_ZoneClose_LexzoneVocab)
      ->Arg(100'000)
      ->Iterations(sized<benchmark::IterationCount>(5, 2))
      ->UseManualTime();
  return true;
}();

// --- nested zones ---------------------------------------------------------------------------------------

// Opens a chain of `depth` nested zones, adds 4 new strings at each level (each add looks through the
// permanent layer and every enclosing zone), then closes the outermost zone (which closes the others,
// innermost first) and destroys the guards.
void BM_NestedZones(benchmark::State& state) {
  auto& store = lexzone_store();
  const auto depth = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t per_level = 4;
  const token_list tokens = fresh(depth * per_level);
  std::vector<lexzone::string_store::zone_type> chain;
  chain.reserve(depth);
  for (auto _ : state) {
    chain.push_back(store.memory_zone());
    for (std::size_t level = 0; level < depth; ++level) {
      if (level > 0) chain.push_back(chain.back().memory_zone());
      for (std::size_t i = 0; i < per_level; ++i)
        benchmark::DoNotOptimize(chain.back().add(tokens[level * per_level + i]));
    }
    chain.front().close();
    chain.clear();
  }
  // items = levels: report.py shows 1e9 / items_per_second as the cost per level.
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(depth));
}
BENCHMARK(BM_NestedZones)->RangeMultiplier(4)->Range(1, 64);  // depths 1, 4, 16, 64

}  // namespace

LEXZONE_BENCH_MAIN()
