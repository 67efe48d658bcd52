// Memory: bytes per string and per lexeme at 100k and 1M unique strings, counted by a counting
// allocator (every byte each structure asks for), against the raw bytes (the floor) and the baselines
// measured the same way; and the RSS of a process that runs zone after zone.
//
// Counters: bytes_per_string = allocated bytes / n; overhead_per_string = (allocated - raw bytes) / n;
// raw_bytes_per_string = the mean string size. "Allocated" is the live byte count after the n adds
// minus the count before the first add. One iteration per run: the figures are exact, the time shown
// is the build time of the structure.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <lexzone/string_store.hpp>
#include <lexzone/vocab.hpp>

#include "../tests/support/counting_allocator.hpp"
#include "baselines.hpp"
#include "common.hpp"

#include <lexzone/lang/en/lexeme_traits.hpp>

namespace {

using lexzone::test::allocation_counter;
using lexzone::test::counting_allocator;
using lexzone_bench::base;
using lexzone_bench::fresh;
using lexzone_bench::sized;
using lexzone_bench::token_list;
using lexzone_bench::total_bytes;
using lexzone_bench::uniques;

using traits = lexzone::en::lexeme_traits;

using counted_store = lexzone::basic_string_store<lexzone::default_hasher, counting_allocator<std::byte>>;
using counted_vocab = lexzone::basic_vocab<traits, lexzone::default_hasher, counting_allocator<std::byte>>;

// The n unique strings of a size (one shuffled set per size, reused by every structure).
const token_list& unique_set(std::size_t n) {
  static std::map<std::size_t, token_list> sets;
  auto it = sets.find(n);
  if (it == sets.end()) it = sets.emplace(n, uniques(n)).first;
  return it->second;
}

void report(benchmark::State& state, std::size_t n, std::size_t allocated, std::size_t raw) {
  const auto dn = static_cast<double>(n);
  state.counters["strings"] = dn;
  state.counters["bytes_per_string"] = static_cast<double>(allocated) / dn;
  state.counters["overhead_per_string"] = (static_cast<double>(allocated) - static_cast<double>(raw)) / dn;
  state.counters["raw_bytes_per_string"] = static_cast<double>(raw) / dn;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

// --- strings ------------------------------------------------------------------------------------------

// The floor: the bytes of the strings themselves.
void BM_Memory_RawBytes(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  const std::size_t raw = total_bytes(tokens);
  for (auto _ : state) benchmark::DoNotOptimize(raw);
  report(state, tokens.size(), raw, raw);
}

void BM_Memory_LexzonePermanent(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  std::size_t allocated = 0;
  for (auto _ : state) {
    allocation_counter counter;
    {
      counted_store store{lexzone::default_hasher{}, counting_allocator<std::byte>(counter)};
      const std::size_t before = counter.live_bytes;
      for (std::string_view t : tokens) store.add(t);
      allocated = counter.live_bytes - before;
    }
  }
  report(state, tokens.size(), allocated, total_bytes(tokens));
}

void BM_Memory_LexzoneZone(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  std::size_t allocated = 0;
  for (auto _ : state) {
    allocation_counter counter;
    {
      counted_store store{lexzone::default_hasher{}, counting_allocator<std::byte>(counter)};
      const std::size_t before = counter.live_bytes;
      auto zone = store.memory_zone();
      for (std::string_view t : tokens) zone.add(t);
      allocated = counter.live_bytes - before;
    }
  }
  report(state, tokens.size(), allocated, total_bytes(tokens));
}

void BM_Memory_BareRobinMap(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  std::size_t allocated = 0;
  for (auto _ : state) {
    allocation_counter counter;
    {
      lexzone_bench::bare_table<counting_allocator<char>> table{counting_allocator<char>(counter)};
      const std::size_t before = counter.live_bytes;
      for (std::string_view t : tokens) table.add(t);
      allocated = counter.live_bytes - before;
    }
  }
  report(state, tokens.size(), allocated, total_bytes(tokens));
}

// std::unordered_map<std::string, hash> whose strings and nodes come from the counting allocator
// (short strings live inside the node: libstdc++'s small-string buffer).
void BM_Memory_StdUnorderedMap(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  std::size_t allocated = 0;
  for (auto _ : state) {
    allocation_counter counter;
    {
      lexzone_bench::std_interner<counting_allocator<char>> map{counting_allocator<char>(counter)};
      const std::size_t before = counter.live_bytes;
      for (std::string_view t : tokens) map.add(t);
      allocated = counter.live_bytes - before;
    }
  }
  report(state, tokens.size(), allocated, total_bytes(tokens));
}

// --- lexemes --------------------------------------------------------------------------------------------

void report_lexemes(benchmark::State& state, std::size_t n, std::size_t allocated, std::size_t raw,
                    std::size_t strings) {
  const auto dn = static_cast<double>(n);
  state.counters["lexemes"] = dn;
  state.counters["bytes_per_lexeme"] = static_cast<double>(allocated) / dn;
  state.counters["overhead_per_lexeme"] = (static_cast<double>(allocated) - static_cast<double>(raw)) / dn;
  state.counters["strings_per_lexeme"] = static_cast<double>(strings) / dn;
  state.counters["record_bytes"] = static_cast<double>(sizeof(counted_vocab::lexeme_type));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

// Lexemes with their attribute strings (lower, norm, shape, prefix, suffix with the English traits).
// `bytes_per_lexeme` is measured once the model is loaded and `shrink_to_fit` freed the index's outgrown
// tables (as a service does before it serves); `bytes_per_lexeme_unshrunk` before that call.
void BM_Memory_VocabPermanent(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  std::size_t allocated = 0, unshrunk = 0, strings = 0;
  for (auto _ : state) {
    allocation_counter counter;
    {
      counted_vocab v{lexzone::default_hasher{}, counting_allocator<std::byte>(counter)};
      const std::size_t before = counter.live_bytes;
      for (std::string_view t : tokens) v.add(t);
      unshrunk = counter.live_bytes - before;
      v.strings().shrink_to_fit();
      allocated = counter.live_bytes - before;
      strings = v.strings().size();
    }
  }
  report_lexemes(state, tokens.size(), allocated, total_bytes(tokens), strings);
  state.counters["bytes_per_lexeme_unshrunk"] = static_cast<double>(unshrunk) / static_cast<double>(tokens.size());
}

void BM_Memory_VocabZone(benchmark::State& state) {
  const token_list& tokens = unique_set(static_cast<std::size_t>(state.range(0)));
  std::size_t allocated = 0, strings = 0;
  for (auto _ : state) {
    allocation_counter counter;
    {
      counted_vocab v{lexzone::default_hasher{}, counting_allocator<std::byte>(counter)};
      const std::size_t before = counter.live_bytes;
      auto zone = v.memory_zone();
      for (std::string_view t : tokens) zone.add(t);
      allocated = counter.live_bytes - before;
      strings = v.strings().size();
    }
  }
  report_lexemes(state, tokens.size(), allocated, total_bytes(tokens), strings);
}

void memory_sizes(benchmark::internal::Benchmark* b) {
  // Exact byte counts: one run, whatever --benchmark_repetitions says (repeating measures nothing).
  b->Arg(sized<std::int64_t>(100'000, 20'000))->Arg(sized<std::int64_t>(1'000'000, 200'000));
  b->Iterations(1)->Repetitions(1)->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_Memory_RawBytes)->Apply(memory_sizes);
BENCHMARK(BM_Memory_LexzonePermanent)->Apply(memory_sizes);
BENCHMARK(BM_Memory_LexzoneZone)->Apply(memory_sizes);
BENCHMARK(BM_Memory_BareRobinMap)->Apply(memory_sizes);
BENCHMARK(BM_Memory_StdUnorderedMap)->Apply(memory_sizes);
BENCHMARK(BM_Memory_VocabPermanent)->Apply(memory_sizes);
BENCHMARK(BM_Memory_VocabZone)->Apply(memory_sizes);

// --- RSS over many zones --------------------------------------------------------------------------------

// A store with base() permanent runs one warm-up zone (the chunk pool and malloc's heap reach their
// steady size), then `zones` zones of 100k new strings each. Counters, in KiB: rss_growth_kib = RSS
// after the zones - RSS after the warm-up (0 when nothing accumulates); rss_growth_after_trim_kib the
// same after trim_pool(); rss_first_zone_kib = what the warm-up zone left (pool, heap high-water mark).
void BM_Memory_RssAfterZones_Lexzone(benchmark::State& state) {
  const std::size_t zones = sized<std::size_t>(50, 10);
  const token_list tokens = fresh(100'000);
  for (auto _ : state) {
    lexzone::string_store store;
    for (std::string_view t : base()) store.add(t);
    auto run_zone = [&] {
      auto zone = store.memory_zone();
      for (std::string_view t : tokens) zone.add(t);
    };
    const double start = lexzone_bench::rss_kib();
    run_zone();
    const double warm = lexzone_bench::rss_kib();
    for (std::size_t i = 0; i < zones; ++i) run_zone();
    const double after = lexzone_bench::rss_kib();
    store.trim_pool();
    const double trimmed = lexzone_bench::rss_kib();
    state.counters["rss_first_zone_kib"] = warm - start;
    state.counters["rss_growth_kib"] = after - warm;
    state.counters["rss_growth_after_trim_kib"] = trimmed - warm;
  }
  state.counters["zones"] = static_cast<double>(zones);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(zones * tokens.size()));
}
BENCHMARK(BM_Memory_RssAfterZones_Lexzone)->Iterations(1)->Unit(benchmark::kMillisecond);

// Baseline: the same zones with spaCy's rollback (each string malloc'ed, erased and freed one by one).
void BM_Memory_RssAfterZones_SpacyStyle(benchmark::State& state) {
  const std::size_t zones = sized<std::size_t>(50, 10);
  const token_list tokens = fresh(100'000);
  for (auto _ : state) {
    lexzone_bench::spacy_style_store store;
    for (std::string_view t : base()) store.add(t);
    auto run_zone = [&] {
      store.open_zone();
      for (std::string_view t : tokens) store.add(t);
      store.close_zone();
    };
    const double start = lexzone_bench::rss_kib();
    run_zone();
    const double warm = lexzone_bench::rss_kib();
    for (std::size_t i = 0; i < zones; ++i) run_zone();
    const double after = lexzone_bench::rss_kib();
    state.counters["rss_first_zone_kib"] = warm - start;
    state.counters["rss_growth_kib"] = after - warm;
  }
  state.counters["zones"] = static_cast<double>(zones);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(zones * tokens.size()));
}
BENCHMARK(BM_Memory_RssAfterZones_SpacyStyle)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

LEXZONE_BENCH_MAIN()
