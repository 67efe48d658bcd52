// lexzone_instructions: the work of bench_pipeline's main benchmarks, for counting instructions under
// callgrind (bench/instructions.sh) instead of timing them. On a shared or noisy machine, wall-clock
// ratios of two builds swing by more than a small change moves them; the instructions a pass executes
// do not (the same binary and input give the same count), so a change's cost or gain on the hot paths
// shows as an exact difference. Cache misses are not counted: a change that only moves memory traffic
// needs the wall-clock benchmarks (bench/compare.sh).
//
// Usage: lexzone_instructions SCENARIO [--bytes N] [--passes P]
//   SCENARIO: segment | tokenize_nozone | tokenize_zones | pipeline_zones | requests_zone_each |
//             requests_one_zone (as bench_pipeline's BM_Segment/cache:1, BM_Tokenize_NoZone/cache:1,
//             BM_Tokenize_Zones/cache:1, BM_Pipeline_Zones, BM_Requests_ZoneEach, BM_Requests_OneZone)
//   --bytes N: documents of the corpus up to N bytes (default 1,000,000); requests: at most 2,000
//   --passes P: measured passes (default 3), after one pass that is not measured (warm caches, and the
//               no-zone vocab then holds every word, its steady state)
// The measured passes run inside `lexzone_measured_passes` (callgrind: --toggle-collect=lexzone_measured_passes).
// Prints one line: the scenario, passes, and tokens and units (documents or requests) per pass.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "pipeline_fixture.hpp"

namespace {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer = lexzone::english_tokenizer<vocab>;
using ruler = lexzone::entity_ruler<vocab>;

constexpr std::size_t docs_per_zone = 50;  // as bench_pipeline

std::size_t sink = 0;  // results flow here, so that no pass is optimised away

// Runs `pass` `passes` times; the one function callgrind's --toggle-collect names.
extern "C" __attribute__((noinline)) void lexzone_measured_passes(const std::function<std::size_t()>* pass,
                                                                  int passes) {
  for (int k = 0; k < passes; ++k) sink += (*pass)();
}

struct options {
  std::string scenario;
  std::size_t bytes = 1'000'000;
  int passes = 3;
};

bool parse(int argc, char** argv, options& o) {
  if (argc < 2) return false;
  o.scenario = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const long long value = std::stoll(argv[i + 1]);
    if (value < 1) return false;
    if (flag == "--bytes") {
      o.bytes = static_cast<std::size_t>(value);
    } else if (flag == "--passes") {
      o.passes = static_cast<int>(std::min(value, 1000LL));
    } else {
      return false;
    }
  }
  return argc % 2 == 0;
}

// A pass of the scenario over `docs` (or `requests`), returning the tokens it made.
std::function<std::size_t()> make_pass(const options& o, const lexzone_bench::token_list& docs,
                                       const lexzone_bench::token_list& requests, vocab& v, tokenizer& tok,
                                       lexzone::pipeline<vocab, tokenizer, ruler>& nlp) {
  const auto in_zones = [&docs, &v](auto&& run_doc) {
    return [&docs, &v, run_doc]() mutable {
      std::size_t tokens = 0;
      for (std::size_t i = 0; i < docs.size(); i += docs_per_zone) {
        auto zone = v.memory_zone();
        for (std::size_t j = i; j < std::min(docs.size(), i + docs_per_zone); ++j) tokens += run_doc(zone, docs[j]);
      }
      return tokens;
    };
  };
  if (o.scenario == "segment") {
    return [&docs, &tok, pieces = std::vector<lexzone::en::piece>()]() mutable {
      std::size_t tokens = 0;
      for (std::string_view d : docs) {
        pieces.clear();
        tok.segment(d, pieces);
        tokens += pieces.size();
      }
      return tokens;
    };
  }
  if (o.scenario == "tokenize_nozone") {
    return [&docs, &v, &tok] {
      std::size_t tokens = 0;
      for (std::string_view d : docs) tokens += tok(v, d).size();
      return tokens;
    };
  }
  if (o.scenario == "tokenize_zones")
    return in_zones([&tok](vocab::zone_type& zone, std::string_view d) { return tok(zone, d).size(); });
  if (o.scenario == "pipeline_zones") {
    return in_zones([&nlp](vocab::zone_type& zone, std::string_view d) {
      const auto doc = nlp(zone, d);
      sink += doc.entity_records().size();
      return doc.size();
    });
  }
  if (o.scenario == "requests_zone_each" || o.scenario == "requests_one_zone") {
    const bool each = o.scenario == "requests_zone_each";
    return [&requests, &v, &tok, each] {
      std::size_t tokens = 0;
      auto pass_zone = v.memory_zone();
      for (std::string_view line : requests) {
        if (each) {
          auto zone = v.memory_zone();
          tokens += tok(zone, line).size();
        } else {
          tokens += tok(pass_zone, line).size();
        }
      }
      return tokens;
    };
  }
  return {};
}

int run(const options& o) {
  const lexzone_bench::token_list docs = lexzone_bench::pipeline_documents(o.bytes);
  const lexzone_bench::token_list requests = lexzone_bench::cut_requests(docs, 2000);
  // One scenario a process: the no-zone one may grow this vocab (every word it meets becomes permanent).
  auto v = lexzone_bench::base_vocab<vocab>();
  tokenizer tok(*v);
  lexzone::entity_ruler_config cfg;
  cfg.splitter = tok.phrase_splitter();
  ruler rules(*v, cfg);
  rules.add_patterns(lexzone::io::load_patterns_jsonl(lexzone_bench::ruler_patterns()));
  lexzone::pipeline<vocab, tokenizer, ruler> nlp(tok, rules);
  const std::function<std::size_t()> pass = make_pass(o, docs, requests, *v, tok, nlp);
  if (!pass) {
    std::fprintf(stderr, "lexzone_instructions: unknown scenario %s\n", o.scenario.c_str());
    return 2;
  }
  const bool per_request = o.scenario.rfind("requests_", 0) == 0;
  const std::size_t tokens = pass();  // the pass that is not measured
  lexzone_measured_passes(&pass, o.passes);
  std::printf("scenario=%s passes=%d tokens_per_pass=%zu units_per_pass=%zu unit=%s\n", o.scenario.c_str(), o.passes,
              tokens, per_request ? requests.size() : docs.size(), per_request ? "request" : "document");
  return sink == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  bool ok = false;
  try {
    ok = parse(argc, argv, o);
  } catch (const std::exception&) {  // std::stoll: not a number
    ok = false;
  }
  if (!ok) {
    std::fprintf(stderr,
                 "usage: lexzone_instructions SCENARIO [--bytes N] [--passes P]\n"
                 "  SCENARIO: segment | tokenize_nozone | tokenize_zones | pipeline_zones | requests_zone_each |\n"
                 "            requests_one_zone\n");
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_instructions: %s\n", e.what());
    return 1;
  }
}
