// spaCy's rule files and the data-driven tokenizer (regex/rule_tokenizer.hpp), issue #12's speed goals:
//   - each of the 73 rule files of ../shared/data/spacy_lang loads, ready to tokenize, in under 50 ms;
//   - the data-driven engine on English text >= 0.5x the hand-compiled fast path (same run);
//   - its German throughput >= 0.6x its English throughput;
//   - tokens/s per core for de, fr, ru and el (the README's table).
//
//   BM_LoadRules/<lang>         read + parse + compile + special cases + vocab interning: load_rule_tokenizer
//   BM_ParseRules/<lang>        read + parse only (the MessagePack reader's share)
//   BM_CompileRegexes/<lang>    the five regexes only, from parsed rules
//   BM_Tokenize/<engine>_<text>/cache:<0|1>   tokenizer + vocab + doc, one zone per 50 documents:
//       engine  fast (en::tokenizer, hand-compiled) or rules (rule_tokenizer over L.tokenizer)
//       text    corpus (real English text: ../shared/data/corpus_docs.txt.gz, 3 MB of it) or L (the
//               texts of L_cases.jsonl, spaCy's test sentences in that language, as documents)
//       cache   the segmentation cache on (a service's setting) or off (every chunk through the rules)
//
// Languages: every L.tokenizer of ../shared/data/spacy_lang when present (else tests/data's en, de, xx).
// $LEXZONE_BENCH_LANGS=fr,de,en restricts the list (load benchmarks and texts).
#include <lexzone/en.hpp>
#include <lexzone/io/spacy_tokenizer_file.hpp>
#include <lexzone/lexzone.hpp>
#include <lexzone/regex/rule_tokenizer.hpp>
#include <lexzone/regex/tokenizer_regexes.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

namespace fs = std::filesystem;
using vocab = lexzone::en::vocab;
using rule_tokenizer = lexzone::rule_tokenizer<vocab>;

constexpr std::size_t docs_per_zone = 50;

const fs::path source_root(LEXZONE_BENCH_SOURCE_DIR);
const fs::path shared_lang = source_root / ".." / "shared" / "data" / "spacy_lang";

bool have_shared() { return fs::exists(shared_lang / "en.tokenizer"); }

bool selected(const std::string& lang) {
  const char* only = std::getenv("LEXZONE_BENCH_LANGS");
  if (only == nullptr || *only == '\0') return true;
  return (std::string(",") + only + ",").find("," + lang + ",") != std::string::npos;
}

/// The rule file of `lang`: the shared data's, else tests/data's copy (en, de, xx).
fs::path rule_file(const std::string& lang) {
  if (have_shared()) return shared_lang / (lang + ".tokenizer");
  return source_root / "tests" / "data" / ("spacy_" + lang + ".tokenizer");
}

std::vector<std::string> languages() {
  std::vector<std::string> out;
  if (have_shared()) {
    for (const auto& e : fs::directory_iterator(shared_lang))
      if (e.path().extension() == ".tokenizer") out.push_back(e.path().stem().string());
  } else {
    out = {"de", "en", "xx"};
  }
  std::erase_if(out, [](const std::string& l) { return !selected(l); });
  std::sort(out.begin(), out.end());
  return out;
}

/// The texts of `lang`'s L_cases.jsonl (shared data, else tests/data/spacy_lang), empty when absent.
const std::vector<std::string>& case_texts(const std::string& lang) {
  static std::map<std::string, std::vector<std::string>> cache;
  auto [it, fresh] = cache.try_emplace(lang);
  if (!fresh) return it->second;
  fs::path path = shared_lang / (lang + "_cases.jsonl");
  if (!fs::exists(path)) path = source_root / "tests" / "data" / "spacy_lang" / (lang + "_cases.jsonl");
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) it->second.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
  return it->second;
}

// ---- loading ----------------------------------------------------------------------------------------

void load_rules(benchmark::State& state, const fs::path& path) {
  for (auto _ : state) {
    vocab v;
    auto tok = lexzone::load_rule_tokenizer(v, path);
    benchmark::DoNotOptimize(tok.rules().special_case_count());
  }
  state.counters["bytes"] = static_cast<double>(fs::file_size(path));
}

void parse_rules(benchmark::State& state, const fs::path& path) {
  for (auto _ : state) {
    auto rules = lexzone::io::load_spacy_tokenizer(path);
    benchmark::DoNotOptimize(rules);
  }
}

void compile_regexes(benchmark::State& state, const fs::path& path) {
  const auto rules = lexzone::io::load_spacy_tokenizer(path);
  for (auto _ : state) {
    auto rx = lexzone::regex::tokenizer_regexes::compile(rules);
    benchmark::DoNotOptimize(rx);
  }
}

// ---- throughput -------------------------------------------------------------------------------------

/// Documents to tokenize: the corpus (3 MB; 300 KB quick) or a language's case texts.
struct text_set {
  std::vector<std::string_view> docs;
  std::size_t bytes = 0;
};

const text_set& texts(const std::string& name) {
  static std::map<std::string, text_set> sets;
  auto [it, fresh] = sets.try_emplace(name);
  text_set& t = it->second;
  if (!fresh) return t;
  if (name == "corpus") {
    const std::size_t budget = lexzone_bench::sized<std::size_t>(3'000'000, 300'000);
    for (auto d : lexzone_bench::documents(16 * 1024)) {
      if (t.bytes >= budget) break;
      t.docs.push_back(d);
      t.bytes += d.size();
    }
  } else {
    for (const auto& s : case_texts(name)) {
      t.docs.emplace_back(s);
      t.bytes += s.size();
    }
  }
  return t;
}

template <class Tokenizer>
void tokenize(benchmark::State& state, vocab& v, Tokenizer& tok, const text_set& t) {
  std::size_t tokens = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < t.docs.size(); i += docs_per_zone) {
      auto zone = v.memory_zone();
      for (std::size_t j = i; j < std::min(t.docs.size(), i + docs_per_zone); ++j)
        tokens += tok(zone, t.docs[j]).size();
    }
  }
  benchmark::DoNotOptimize(tokens);
  // Items are the engine's own tokens (for languages other than English they differ from the fast path's).
  lexzone_bench::set_processed(state, tokens / std::max<std::size_t>(state.iterations(), 1), t.bytes);
  const auto stats = tok.stats();
  if (stats.hits + stats.misses != 0) {
    state.counters["cache_hit_rate"] = static_cast<double>(stats.hits) / static_cast<double>(stats.hits + stats.misses);
  }
}

void tokenize_fast(benchmark::State& state, const std::string& text) {
  const auto& t = texts(text);
  vocab v;
  lexzone::en::tokenizer tok(v, lexzone::en::tokenizer::options{state.range(0) != 0 ? 10000u : 0u});
  tokenize(state, v, tok, t);
}

void tokenize_rules(benchmark::State& state, const std::string& lang, const std::string& text) {
  const auto& t = texts(text);
  vocab v;
  auto tok =
      lexzone::load_rule_tokenizer(v, rule_file(lang), rule_tokenizer::options{state.range(0) != 0 ? 10000u : 0u});
  tokenize(state, v, tok, t);
}

const bool registered = [] {
  for (const auto& lang : languages()) {
    const fs::path path = rule_file(lang);
    benchmark::RegisterBenchmark(("BM_LoadRules/" + lang).c_str(), load_rules, path)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_ParseRules/" + lang).c_str(), parse_rules, path)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_CompileRegexes/" + lang).c_str(), compile_regexes, path)
        ->Unit(benchmark::kMillisecond);
  }
  auto cache_args = [](benchmark::internal::Benchmark* b) { b->ArgName("cache")->Arg(1)->Arg(0); };
  cache_args(benchmark::RegisterBenchmark("BM_Tokenize/fast_corpus", tokenize_fast, std::string("corpus")));
  cache_args(benchmark::RegisterBenchmark("BM_Tokenize/rules_corpus", tokenize_rules, std::string("en"),
                                          std::string("corpus")));
  for (const std::string lang : {"en", "de", "fr", "ru", "el"}) {
    if (!selected(lang) || case_texts(lang).empty() || !fs::exists(rule_file(lang))) continue;
    cache_args(benchmark::RegisterBenchmark(("BM_Tokenize/rules_" + lang).c_str(), tokenize_rules, lang, lang));
  }
  return true;
}();

}  // namespace

LEXZONE_BENCH_MAIN()
