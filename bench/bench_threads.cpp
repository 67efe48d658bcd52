// Threads: 1 vs 2 threads over ONE shared vocab (or string store) whose permanent layer holds base();
// each thread works through the corpus in batches of 10k tokens, one private zone per batch (open,
// look up or create every token's lexeme, close). items_per_second counts the tokens of all threads
// per second of wall time (UseRealTime); the goal compares threads:2 with threads:1.
// `BM_Threads_VocabZonePerRequest` does the same with a zone per 10 tokens (a service's zone per request):
// what a zone's open and close cost when threads open thousands of zones a second over one vocab.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <lexzone/string_store.hpp>
#include <lexzone/vocab.hpp>

#include "common.hpp"

#include <lexzone/lang/en/lexeme_traits.hpp>

namespace {

using lexzone_bench::all_tokens;
using lexzone_bench::base;
using lexzone_bench::sized;
using lexzone_bench::token_list;

using traits = lexzone::en::lexeme_traits;
using vocab_type = lexzone::basic_vocab<traits>;

constexpr std::size_t batch_size = 10'000;

// The work: the corpus in text order (the first 400k tokens in quick mode), in whole batches.
const token_list& work() {
  static const token_list w = [] {
    const token_list& all = all_tokens();
    std::size_t n = std::min(all.size(), sized<std::size_t>(all.size(), 400'000));
    n -= n % batch_size;
    if (n == 0) n = std::min(all.size(), batch_size);
    return token_list(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
  }();
  return w;
}

vocab_type& shared_vocab() {
  return lexzone_bench::base_filled<vocab_type>([](vocab_type& v, std::string_view t) { v.add(t); });
}

lexzone::string_store& shared_store() {
  return lexzone_bench::base_filled<lexzone::string_store>(
      [](lexzone::string_store& store, std::string_view t) { store.add(t); });
}

// Thread t of T takes batches t, t + T, t + 2T, ... (wrapping around), so that threads never work on
// the same batch at the same time.
struct batch_cursor {
  std::size_t next;
  std::size_t step;
  std::size_t count;
  std::size_t take() {
    const std::size_t b = next;
    next = (next + step) % count;
    return b;
  }
};

// Thread `state.thread_index()` works through its batches of `work()` over `table` (a vocab or a string
// store), with one zone per `zone_tokens` tokens, calling `add(zone, token)` for each token.
template <class Table, class Add>
void run_zones(benchmark::State& state, Table& table, std::size_t zone_tokens, Add&& add) {
  const token_list& tokens = work();
  const std::size_t batches = (tokens.size() + batch_size - 1) / batch_size;
  batch_cursor cursor{static_cast<std::size_t>(state.thread_index()) % batches,
                      static_cast<std::size_t>(state.threads()), batches};
  std::size_t items = 0;
  for (auto _ : state) {
    const std::size_t first = cursor.take() * batch_size;
    const std::size_t last = std::min(tokens.size(), first + batch_size);
    for (std::size_t z = first; z < last; z += zone_tokens) {
      auto zone = table.memory_zone();
      for (std::size_t i = z; i < std::min(last, z + zone_tokens); ++i) add(zone, tokens[i]);
    }
    items += last - first;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}

void BM_Threads_VocabZones(benchmark::State& state) {
  run_zones(state, shared_vocab(), batch_size,
            [](auto& zone, std::string_view t) { benchmark::DoNotOptimize(&zone.add(t)); });
}
BENCHMARK(BM_Threads_VocabZones)->Threads(1)->Threads(2)->UseRealTime();

void BM_Threads_VocabZonePerRequest(benchmark::State& state) {
  run_zones(state, shared_vocab(), 10, [](auto& zone, std::string_view t) { benchmark::DoNotOptimize(&zone.add(t)); });
}
BENCHMARK(BM_Threads_VocabZonePerRequest)->Threads(1)->Threads(2)->UseRealTime();

void BM_Threads_StoreZones(benchmark::State& state) {
  run_zones(state, shared_store(), batch_size,
            [](auto& zone, std::string_view t) { benchmark::DoNotOptimize(zone.add(t)); });
}
BENCHMARK(BM_Threads_StoreZones)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

LEXZONE_BENCH_MAIN()
