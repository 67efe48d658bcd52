// Loading spaCy's tokenizer rule files (io/spacy_tokenizer_file.hpp) and compiling their five regexes
// (regex/tokenizer_regexes.hpp: Python-to-PCRE2 translation, PCRE2 compile, JIT). Goal (issue #12): each
// of the 73 files of ../shared/data/spacy_lang loads, regexes compiled, in under 50 ms; fr (1.5 MB, its
// token_match split into parts) is the largest.
//
//   BM_LoadRules/<lang>         read + parse + compile (what a service pays at start-up)
//   BM_ParseRules/<lang>        read + parse only (baseline: the MessagePack reader's share)
//   BM_CompileRegexes/<lang>    compile only, from parsed rules
//
// Languages: every L.tokenizer of ../shared/data/spacy_lang when present (else tests/data's en and de).
// $LEXZONE_BENCH_LANGS=fr,de,en restricts the list.
#include <lexzone/io/spacy_tokenizer_file.hpp>
#include <lexzone/regex/tokenizer_regexes.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

std::vector<std::pair<std::string, std::filesystem::path>> rule_files() {
  const std::filesystem::path root(LEXZONE_BENCH_SOURCE_DIR);
  const std::filesystem::path shared = root / ".." / "shared" / "data" / "spacy_lang";
  std::vector<std::pair<std::string, std::filesystem::path>> out;
  if (std::filesystem::exists(shared / "en.tokenizer")) {
    for (const auto& e : std::filesystem::directory_iterator(shared))
      if (e.path().extension() == ".tokenizer") out.emplace_back(e.path().stem().string(), e.path());
  } else {
    out.emplace_back("en", root / "tests" / "data" / "spacy_en.tokenizer");
    out.emplace_back("de", root / "tests" / "data" / "spacy_de.tokenizer");
  }
  if (const char* only = std::getenv("LEXZONE_BENCH_LANGS"); only != nullptr && *only != '\0') {
    const std::string list = std::string(",") + only + ",";
    std::erase_if(out, [&](const auto& f) { return list.find("," + f.first + ",") == std::string::npos; });
  }
  std::sort(out.begin(), out.end());
  return out;
}

void load_rules(benchmark::State& state, const std::filesystem::path& path) {
  for (auto _ : state) {
    const auto rules = lexzone::io::load_spacy_tokenizer(path);
    auto rx = lexzone::regex::tokenizer_regexes::compile(rules);
    benchmark::DoNotOptimize(rx);
  }
  state.counters["bytes"] = static_cast<double>(std::filesystem::file_size(path));
}

void parse_rules(benchmark::State& state, const std::filesystem::path& path) {
  for (auto _ : state) {
    auto rules = lexzone::io::load_spacy_tokenizer(path);
    benchmark::DoNotOptimize(rules);
  }
}

void compile_regexes(benchmark::State& state, const std::filesystem::path& path) {
  const auto rules = lexzone::io::load_spacy_tokenizer(path);
  for (auto _ : state) {
    auto rx = lexzone::regex::tokenizer_regexes::compile(rules);
    benchmark::DoNotOptimize(rx);
  }
}

const bool registered = [] {
  for (const auto& [lang, path] : rule_files()) {
    benchmark::RegisterBenchmark(("BM_LoadRules/" + lang).c_str(), load_rules, path)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_ParseRules/" + lang).c_str(), parse_rules, path)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_CompileRegexes/" + lang).c_str(), compile_regexes, path)
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace

LEXZONE_BENCH_MAIN()
