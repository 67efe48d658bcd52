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
//   --passes P: measured passes (default 3, at most 1000), after one pass that is not measured (warm
//               caches, and the no-zone vocab then holds every word, its steady state)
// The measured passes run inside `lexzone_measured_passes` (callgrind:
// --toggle-collect='lexzone_measured_passes*').
// Prints one line: the scenario, passes, and tokens and units (documents or requests) per pass.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "pipeline_fixture.hpp"

namespace {
std::size_t sink = 0;  // results flow here, so that no pass is optimised away
}  // namespace

// Runs `pass` `passes` times: the one function callgrind's --toggle-collect names. Global and extern "C"
// so that every compiler emits it under this plain name (an extern "C" function in an unnamed namespace
// has internal linkage, which clang and newer GCC mangle).
extern "C" __attribute__((noinline)) void lexzone_measured_passes(const std::function<std::size_t()>* pass,
                                                                  int passes) {
  for (int k = 0; k < passes; ++k) sink += (*pass)();
}

namespace {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer = lexzone::english_tokenizer<vocab>;
using ruler = lexzone::entity_ruler<vocab>;
using pipeline = lexzone::pipeline<vocab, tokenizer, ruler>;

constexpr std::size_t docs_per_zone = 50;  // as bench_pipeline
constexpr std::size_t max_passes = 1000;
constexpr std::array<std::string_view, 6> scenarios{"segment",        "tokenize_nozone",    "tokenize_zones",
                                                    "pipeline_zones", "requests_zone_each", "requests_one_zone"};

struct options {
  std::string scenario;
  std::size_t bytes = 1'000'000;
  int passes = 3;
};

// A positive integer, all of `text`, at most `max`; nullopt otherwise.
std::optional<std::size_t> positive(std::string_view text, std::size_t max) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > max) return std::nullopt;
  return value;
}

bool parse(int argc, char** argv, options& o) {
  if (argc < 2 || argc % 2 != 0) return false;
  o.scenario = argv[1];
  if (std::find(scenarios.begin(), scenarios.end(), o.scenario) == scenarios.end()) return false;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--bytes") {
      const auto v = positive(argv[i + 1], std::size_t{1} << 40);
      if (!v) return false;
      o.bytes = *v;
    } else if (flag == "--passes") {
      const auto v = positive(argv[i + 1], max_passes);
      if (!v) return false;
      o.passes = static_cast<int>(*v);
    } else {
      return false;
    }
  }
  return true;
}

// A pass of the scenario over `docs` (or `requests`), returning the tokens it made.
std::function<std::size_t()> make_pass(const options& o, const lexzone_bench::token_list& docs,
                                       const lexzone_bench::token_list& requests, vocab& v, tokenizer& tok,
                                       std::optional<pipeline>& nlp) {
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
      const auto doc = (*nlp)(zone, d);
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
  // `parse` accepts only the names of `scenarios`: one of them has no pass above.
  throw std::logic_error("no pass for scenario " + o.scenario);
}

int run(const options& o) {
  const lexzone_bench::token_list docs = lexzone_bench::pipeline_documents(o.bytes);
  const lexzone_bench::token_list requests = lexzone_bench::cut_requests(docs, 2000);
  // One scenario a process: the no-zone one may grow this vocab (every word it meets becomes permanent).
  // The ruler only for the pipeline: its patterns intern their words permanently, which would make the
  // other scenarios cheaper than bench_pipeline's (a permanent text is not stored again in a zone).
  auto v = lexzone_bench::base_vocab<vocab>();
  tokenizer tok(*v);
  std::optional<ruler> rules;
  std::optional<pipeline> nlp;
  if (o.scenario == "pipeline_zones") {
    lexzone::entity_ruler_config cfg;
    cfg.splitter = tok.phrase_splitter();
    rules.emplace(*v, cfg);
    rules->add_patterns(lexzone::io::load_patterns_jsonl(lexzone_bench::ruler_patterns()));
    nlp.emplace(tok, *rules);
  }
  const std::function<std::size_t()> pass = make_pass(o, docs, requests, *v, tok, nlp);
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
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: lexzone_instructions SCENARIO [--bytes N] [--passes P (at most 1000)]\n  SCENARIO:");
    for (std::size_t i = 0; i < scenarios.size(); ++i)
      std::fprintf(stderr, "%s %.*s", i == 0 ? "" : " |", static_cast<int>(scenarios[i].size()), scenarios[i].data());
    std::fprintf(stderr, "\n");
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_instructions: %s\n", e.what());
    return 1;
  }
}
