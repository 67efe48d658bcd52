// Tokenizer and pipeline throughput on real text (../shared/data/corpus_docs.txt.gz when present):
// words/s and MB/s with and without zones, segmentation cache on and off, and the whole pipeline
// (English tokenizer + entity ruler). The "model" in the permanent layer is the 20,000-word base
// vocabulary of the examples, plus the tokenizer's special cases and the entity patterns of
// bench/data/ner_patterns.jsonl (300 patterns: the examples' 28, 200 phrases, 72 versioned products;
// written by tools/gen_bench_patterns.py).
//
// Zone runs open one zone per 50 documents (a batch) and close it; no-zone runs intern everything
// permanently (after the first pass every word is a hit, the steady state of a service without zones).
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"
#include "pipeline_fixture.hpp"

namespace {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer = lexzone::english_tokenizer<vocab>;
using ruler = lexzone::entity_ruler<vocab>;

constexpr std::size_t docs_per_zone = 50;

// A vocab holding the base vocabulary (the "model").
std::unique_ptr<vocab> base_vocab() { return lexzone_bench::base_vocab<vocab>(); }

// The `...Learning` runs: each over a vocab of its own with the learning policy (vocab.hpp, opt-in) of a
// service: a word created in 2 zones of a thread becomes permanent, up to 200,000 words (about 20 MB of
// lexemes at most). Each measures the steady state: 2 passes, untimed, come first (`learning_passes`),
// in which the words whose count survives from one pass to the next are learned.
constexpr lexzone::learning_policy bench_learning{2, 200'000};
constexpr int learning_passes = 2;

std::unique_ptr<vocab> learning_vocab() {
  auto v = base_vocab();
  v->set_learning(bench_learning);
  return v;
}

struct fixture {
  std::unique_ptr<vocab> v = base_vocab();
  lexzone_bench::token_list docs;
  std::size_t tokens = 0, bytes = 0;

  fixture()
      : docs(lexzone_bench::pipeline_documents(lexzone_bench::sized<std::size_t>(3'000'000, 300'000))),
        bytes(lexzone_bench::total_bytes(docs)) {
    tokenizer probe(*v);
    auto zone = v->memory_zone();
    for (auto d : docs) tokens += probe(zone, d).size();
  }
};

fixture& data() {
  static fixture f;
  return f;
}

tokenizer make_tokenizer(bool cache) {
  return cache ? tokenizer(*data().v) : tokenizer(*data().v, tokenizer::options{0});
}

// Segmentation alone (no vocab, no doc).
void BM_Segment(benchmark::State& state) {
  auto& f = data();
  tokenizer tok = make_tokenizer(state.range(0) != 0);
  std::vector<lexzone::en::piece> pieces;
  for (auto _ : state) {
    for (auto d : f.docs) {
      pieces.clear();
      tok.segment(d, pieces);
      benchmark::DoNotOptimize(pieces.data());
    }
  }
  lexzone_bench::set_processed(state, f.tokens, f.bytes);
}
BENCHMARK(BM_Segment)->ArgName("cache")->Arg(1)->Arg(0);

// The documents tokenized by `tok` over `v`, one zone per batch of documents; `warm` untimed passes first.
void tokenize_in_zones(benchmark::State& state, vocab& v, tokenizer& tok, int warm = 0) {
  auto& f = data();
  const auto pass = [&] {
    for (std::size_t i = 0; i < f.docs.size(); i += docs_per_zone) {
      auto zone = v.memory_zone();
      for (std::size_t j = i; j < std::min(f.docs.size(), i + docs_per_zone); ++j) {
        auto doc = tok(zone, f.docs[j]);
        benchmark::DoNotOptimize(doc.size());
      }
    }
  };
  for (int k = 0; k < warm; ++k) pass();
  for (auto _ : state) pass();
  lexzone_bench::set_processed(state, f.tokens, f.bytes);
}

// Tokenizer + vocab + doc, one zone per batch of documents.
void BM_Tokenize_Zones(benchmark::State& state) {
  tokenizer tok = make_tokenizer(state.range(0) != 0);
  tokenize_in_zones(state, *data().v, tok);
}
BENCHMARK(BM_Tokenize_Zones)->ArgName("cache")->Arg(1)->Arg(0);

// As BM_Tokenize_Zones/cache:1, over a vocab that learns (see `bench_learning`): the words that recur
// across zones are permanent, the others are created in every zone.
void BM_Tokenize_ZonesLearning(benchmark::State& state) {
  static vocab& v = *learning_vocab().release();
  tokenizer tok(v);
  tokenize_in_zones(state, v, tok, learning_passes);
  state.counters["learned"] = static_cast<double>(v.stats().learned_lexemes);
}
BENCHMARK(BM_Tokenize_ZonesLearning);

// Tokenizer + vocab + doc, everything permanent (a separate vocab, so the zone runs keep their base).
void BM_Tokenize_NoZone(benchmark::State& state) {
  auto& f = data();
  static vocab* permanent = base_vocab().release();
  tokenizer tok = state.range(0) != 0 ? tokenizer(*permanent) : tokenizer(*permanent, tokenizer::options{0});
  for (auto _ : state) {
    for (auto d : f.docs) {
      auto doc = tok(*permanent, d);
      benchmark::DoNotOptimize(doc.size());
    }
  }
  lexzone_bench::set_processed(state, f.tokens, f.bytes);
}
BENCHMARK(BM_Tokenize_NoZone)->ArgName("cache")->Arg(1)->Arg(0);

// --- a zone per request --------------------------------------------------------------------------------

// Requests of about 10 tokens, as a service sees them: the documents cut every 8 whitespace-separated
// words (punctuation makes them about 10 tokens), up to 2,000 requests (1,000 quick); `tokens` counts the
// tokenizer's tokens over all of them.
struct request_set {
  lexzone_bench::token_list lines;
  std::size_t tokens = 0, bytes = 0;

  request_set()
      : lines(lexzone_bench::cut_requests(data().docs, lexzone_bench::sized<std::size_t>(2000, 1000))),
        bytes(lexzone_bench::total_bytes(lines)) {
    auto& f = data();
    tokenizer probe(*f.v);
    auto zone = f.v->memory_zone();
    for (auto line : lines) tokens += probe(zone, line).size();
  }
};

const request_set& requests() {
  static const request_set r;
  return r;
}

// The requests tokenized with a zone each (`zone_each`: opened, the request tokenized in it, closed, as
// a service with a zone per request does), or all in one zone per pass (each new word created once a
// pass: the baseline).
void run_requests(benchmark::State& state, vocab& v, bool zone_each, int warm = 0) {
  const request_set& r = requests();
  tokenizer tok(v);
  const auto pass = [&] {
    auto pass_zone = v.memory_zone();
    for (auto line : r.lines) {
      if (zone_each) {
        auto zone = v.memory_zone();
        benchmark::DoNotOptimize(tok(zone, line).size());
      } else {
        benchmark::DoNotOptimize(tok(pass_zone, line).size());
      }
    }
  };
  for (int k = 0; k < warm; ++k) pass();
  for (auto _ : state) pass();
  state.counters["tokens_per_request"] = static_cast<double>(r.tokens) / static_cast<double>(r.lines.size());
  lexzone_bench::set_processed(state, r.tokens, r.bytes);
}

void BM_Requests_ZoneEach(benchmark::State& state) { run_requests(state, *data().v, true); }
BENCHMARK(BM_Requests_ZoneEach);

void BM_Requests_OneZone(benchmark::State& state) { run_requests(state, *data().v, false); }
BENCHMARK(BM_Requests_OneZone);

// The same over vocabs that learn (see `bench_learning`), one for each.
void BM_Requests_ZoneEachLearning(benchmark::State& state) {
  static vocab& v = *learning_vocab().release();
  run_requests(state, v, true, learning_passes);
}
BENCHMARK(BM_Requests_ZoneEachLearning);

void BM_Requests_OneZoneLearning(benchmark::State& state) {
  static vocab& v = *learning_vocab().release();
  run_requests(state, v, false, learning_passes);
}
BENCHMARK(BM_Requests_OneZoneLearning);

// The whole pipeline: tokenizer + entity ruler (the 300 patterns of bench/data/ner_patterns.jsonl, the
// size of a service's ruler: issue #13 asks >= 250), one zone per batch. Goal: >= 0.45x BM_Segment/cache:1.
void run_pipeline(benchmark::State& state, vocab& v, int warm = 0) {
  auto& f = data();
  tokenizer tok(v);
  lexzone::entity_ruler_config cfg;
  cfg.splitter = tok.phrase_splitter();
  ruler rules(v, cfg);
  rules.add_patterns(lexzone::io::load_patterns_jsonl(lexzone_bench::ruler_patterns()));
  lexzone::pipeline<vocab, tokenizer, ruler> nlp(tok, rules);
  std::size_t ents = 0;
  const auto pass = [&] {
    ents = 0;
    for (std::size_t i = 0; i < f.docs.size(); i += docs_per_zone) {
      auto zone = v.memory_zone();
      for (std::size_t j = i; j < std::min(f.docs.size(), i + docs_per_zone); ++j) {
        auto doc = nlp(zone, f.docs[j]);
        ents += doc.entity_records().size();
      }
    }
  };
  for (int k = 0; k < warm; ++k) pass();
  for (auto _ : state) pass();
  benchmark::DoNotOptimize(ents);
  state.counters["entities"] = static_cast<double>(ents);  // per pass: the same before and after a change
  lexzone_bench::set_processed(state, f.tokens, f.bytes);
}

// Over a vocab of its own: the ruler's patterns intern their words permanently, and the other zone
// benchmarks must not see them (with random interleaving, whether they ran after this one or not would
// change what they measure).
void BM_Pipeline_Zones(benchmark::State& state) {
  static vocab& v = *base_vocab().release();
  run_pipeline(state, v);
}
BENCHMARK(BM_Pipeline_Zones);

// The same over a vocab that learns (see `bench_learning`).
void BM_Pipeline_ZonesLearning(benchmark::State& state) {
  static vocab& v = *learning_vocab().release();
  run_pipeline(state, v, learning_passes);
}
BENCHMARK(BM_Pipeline_ZonesLearning);

}  // namespace

LEXZONE_BENCH_MAIN()
