// String store: add hit, add miss, id -> string lookup and contains, for lexzone's permanent layer and
// zones, against the baselines of baselines.hpp on the same tokens.
//
// Data (common.hpp): `stream()` = the first 600k corpus tokens in text order; the permanent layer of
// every store (and each baseline) first receives `base()`, the distinct tokens of that stream, so that
// every add of the stream is a hit. Misses use `fresh()`: distinct tokens outside `base()`, shuffled.
// Per-item costs: 1e9 / items_per_second (report.py).
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <lexzone/string_store.hpp>

#include "baselines.hpp"
#include "common.hpp"

namespace {

using lexzone_bench::base;
using lexzone_bench::fresh;
using lexzone_bench::set_processed;
using lexzone_bench::sized;
using lexzone_bench::stream;
using lexzone_bench::token_list;

std::size_t miss_count() { return sized<std::size_t>(100'000, 20'000); }

const token_list& miss_tokens() {
  static const token_list t = fresh(miss_count());
  return t;
}

std::vector<lexzone::hash_t> ids_of(const token_list& tokens) {
  std::vector<lexzone::hash_t> ids;
  ids.reserve(tokens.size());
  for (std::string_view t : tokens) ids.push_back(lexzone::hash_string(t));
  return ids;
}

// Stores whose permanent layer holds base(); built once, shared by the benchmarks of this binary.
lexzone::string_store& lexzone_store() {
  return lexzone_bench::base_filled<lexzone::string_store>(
      [](lexzone::string_store& store, std::string_view t) { store.add(t); });
}

lexzone_bench::bare_table<>& bare() {
  return lexzone_bench::base_filled<lexzone_bench::bare_table<>>(
      [](lexzone_bench::bare_table<>& table, std::string_view t) { table.add(t); });
}

lexzone_bench::std_interner<>& std_map() {
  return lexzone_bench::base_filled<lexzone_bench::std_interner<>>(
      [](lexzone_bench::std_interner<>& map, std::string_view t) { map.add(t); });
}

lexzone_bench::spacy_style_store& spacy() {
  return lexzone_bench::base_filled<lexzone_bench::spacy_style_store>(
      [](lexzone_bench::spacy_style_store& store, std::string_view t) { store.add(t); });
}

// --- add hit: every token of the text-order stream is already stored --------------------------------

void BM_AddHit_LexzonePermanent(benchmark::State& state) {
  auto& store = lexzone_store();
  const token_list& tokens = stream();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(store.add(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_LexzonePermanent);

// Through a zone; the strings are permanent (the usual case: the model's vocabulary).
void BM_AddHit_LexzoneZone(benchmark::State& state) {
  auto& store = lexzone_store();
  const token_list& tokens = stream();
  auto zone = store.memory_zone();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(zone.add(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_LexzoneZone);

// Through a zone; the strings live in the zone's own layer (a permanent miss, then a zone hit).
// Shuffled unique tokens: compare with BM_AddHit_BareProbeShuffled.
void BM_AddHit_LexzoneZoneLayer(benchmark::State& state) {
  auto& store = lexzone_store();
  const token_list& tokens = miss_tokens();
  auto zone = store.memory_zone();
  for (std::string_view t : tokens) zone.add(t);
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(zone.add(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_LexzoneZoneLayer);

// Baseline: XXH3 + robin_map probe + compare.
void BM_AddHit_BareProbe(benchmark::State& state) {
  const auto& table = bare();
  const token_list& tokens = stream();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(table.find(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_BareProbe);

// Baseline: the bare probe on the shuffled tokens of BM_AddHit_LexzoneZoneLayer.
void BM_AddHit_BareProbeShuffled(benchmark::State& state) {
  const token_list& tokens = miss_tokens();
  lexzone_bench::bare_table<> table;
  for (std::string_view t : base()) table.add(t);
  for (std::string_view t : tokens) table.add(t);
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(table.find(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_BareProbeShuffled);

void BM_AddHit_StdUnorderedMap(benchmark::State& state) {
  auto& map = std_map();
  const token_list& tokens = stream();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(map.add(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_StdUnorderedMap);

void BM_AddHit_SpacyStyle(benchmark::State& state) {
  auto& store = spacy();
  const token_list& tokens = stream();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(store.add(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_AddHit_SpacyStyle);

// --- add miss: shuffled unique tokens, none stored yet; setup and teardown are not timed -------------

// Into a fresh zone over the store's permanent base (the zone's close is not timed).
void BM_AddMiss_LexzoneZone(benchmark::State& state) {
  auto& store = lexzone_store();
  const token_list& tokens = miss_tokens();
  for (auto _ : state) {
    auto zone = store.memory_zone();
    for (std::string_view t : tokens) benchmark::DoNotOptimize(zone.add(t));
    state.PauseTiming();
    zone.close();
    state.ResumeTiming();
  }
  set_processed(state, tokens);
}
BENCHMARK(BM_AddMiss_LexzoneZone);

// Into the permanent layer of a fresh, empty store (the index grows as it goes; concurrent layer).
void BM_AddMiss_LexzonePermanent(benchmark::State& state) {
  const token_list& tokens = miss_tokens();
  std::optional<lexzone::string_store> store;
  for (auto _ : state) {
    state.PauseTiming();
    store.emplace();
    state.ResumeTiming();
    for (std::string_view t : tokens) benchmark::DoNotOptimize(store->add(t));
    state.PauseTiming();
    store.reset();
    state.ResumeTiming();
  }
  set_processed(state, tokens);
}
BENCHMARK(BM_AddMiss_LexzonePermanent);

// Baseline: into a fresh, empty bare table (one probe and an arena append per token).
void BM_AddMiss_BareInsert(benchmark::State& state) {
  const token_list& tokens = miss_tokens();
  std::optional<lexzone_bench::bare_table<>> table;
  for (auto _ : state) {
    state.PauseTiming();
    table.emplace();
    state.ResumeTiming();
    for (std::string_view t : tokens) benchmark::DoNotOptimize(table->add(t));
    state.PauseTiming();
    table.reset();
    state.ResumeTiming();
  }
  set_processed(state, tokens);
}
BENCHMARK(BM_AddMiss_BareInsert);

void BM_AddMiss_StdUnorderedMap(benchmark::State& state) {
  const token_list& tokens = miss_tokens();
  std::optional<lexzone_bench::std_interner<>> map;
  for (auto _ : state) {
    state.PauseTiming();
    map.emplace();
    state.ResumeTiming();
    for (std::string_view t : tokens) benchmark::DoNotOptimize(map->add(t));
    state.PauseTiming();
    map.reset();
    state.ResumeTiming();
  }
  set_processed(state, tokens);
}
BENCHMARK(BM_AddMiss_StdUnorderedMap);

// spaCy's way: into the shared table (which holds base()), keys recorded; the rollback is not timed.
void BM_AddMiss_SpacyStyleZone(benchmark::State& state) {
  auto& store = spacy();
  const token_list& tokens = miss_tokens();
  for (auto _ : state) {
    store.open_zone();
    for (std::string_view t : tokens) benchmark::DoNotOptimize(store.add(t));
    state.PauseTiming();
    store.close_zone();
    state.ResumeTiming();
  }
  set_processed(state, tokens);
}
BENCHMARK(BM_AddMiss_SpacyStyleZone);

// --- lookup: id -> string, for the ids of the stream (text order) --------------------------------------

void BM_Lookup_LexzonePermanent(benchmark::State& state) {
  const auto& store = lexzone_store();
  const std::vector<lexzone::hash_t> ids = ids_of(stream());
  for (auto _ : state)
    for (const lexzone::hash_t h : ids) benchmark::DoNotOptimize(store[h].data());
  set_processed(state, ids.size(), lexzone_bench::total_bytes(stream()));
}
BENCHMARK(BM_Lookup_LexzonePermanent);

void BM_Lookup_LexzoneZone(benchmark::State& state) {
  auto& store = lexzone_store();
  const std::vector<lexzone::hash_t> ids = ids_of(stream());
  auto zone = store.memory_zone();
  for (auto _ : state)
    for (const lexzone::hash_t h : ids) benchmark::DoNotOptimize(zone[h].data());
  set_processed(state, ids.size(), lexzone_bench::total_bytes(stream()));
}
BENCHMARK(BM_Lookup_LexzoneZone);

// Ids of strings held by the zone's own layer (a permanent miss first), shuffled unique tokens.
void BM_Lookup_LexzoneZoneLayer(benchmark::State& state) {
  auto& store = lexzone_store();
  const token_list& tokens = miss_tokens();
  const std::vector<lexzone::hash_t> ids = ids_of(tokens);
  auto zone = store.memory_zone();
  for (std::string_view t : tokens) zone.add(t);
  for (auto _ : state)
    for (const lexzone::hash_t h : ids) benchmark::DoNotOptimize(zone[h].data());
  set_processed(state, tokens);
}
BENCHMARK(BM_Lookup_LexzoneZoneLayer);

void BM_Lookup_BareRobinMap(benchmark::State& state) {
  const auto& table = bare();
  const std::vector<lexzone::hash_t> ids = ids_of(stream());
  for (auto _ : state)
    for (const lexzone::hash_t h : ids) benchmark::DoNotOptimize(table.get(h)->data());
  set_processed(state, ids.size(), lexzone_bench::total_bytes(stream()));
}
BENCHMARK(BM_Lookup_BareRobinMap);

void BM_Lookup_SpacyStyle(benchmark::State& state) {
  const auto& store = spacy();
  const std::vector<lexzone::hash_t> ids = ids_of(stream());
  for (auto _ : state)
    for (const lexzone::hash_t h : ids) benchmark::DoNotOptimize(store.get(h)->data());
  set_processed(state, ids.size(), lexzone_bench::total_bytes(stream()));
}
BENCHMARK(BM_Lookup_SpacyStyle);

// --- contains ------------------------------------------------------------------------------------------

void BM_Contains_LexzonePermanent(benchmark::State& state) {
  const auto& store = lexzone_store();
  const token_list& tokens = stream();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(store.contains(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_Contains_LexzonePermanent);

void BM_Contains_LexzoneZone(benchmark::State& state) {
  auto& store = lexzone_store();
  const token_list& tokens = stream();
  auto zone = store.memory_zone();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(zone.contains(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_Contains_LexzoneZone);

void BM_Contains_LexzonePermanentMiss(benchmark::State& state) {
  const auto& store = lexzone_store();
  const token_list& tokens = miss_tokens();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(store.contains(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_Contains_LexzonePermanentMiss);

void BM_Contains_BareMiss(benchmark::State& state) {
  const auto& table = bare();
  const token_list& tokens = miss_tokens();
  for (auto _ : state)
    for (std::string_view t : tokens) benchmark::DoNotOptimize(table.find(t));
  set_processed(state, tokens);
}
BENCHMARK(BM_Contains_BareMiss);

void BM_ContainsId_LexzonePermanent(benchmark::State& state) {
  const auto& store = lexzone_store();
  const std::vector<lexzone::hash_t> ids = ids_of(stream());
  for (auto _ : state)
    for (const lexzone::hash_t h : ids) benchmark::DoNotOptimize(store.contains(h));
  set_processed(state, ids.size(), 0);
}
BENCHMARK(BM_ContainsId_LexzonePermanent);

}  // namespace

LEXZONE_BENCH_MAIN()
