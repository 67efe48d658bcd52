// lexzone_ner [--tokenizer FILE] --patterns FILE.jsonl [FILE...]: runs a tokenizer and an entity ruler
// loaded from spaCy's patterns.jsonl over UTF-8 text (standard input when no file is given), one document
// per line, and writes one JSON object per input line:
//   {"ents":[{"text":"...","label":"...","start_char":N,"end_char":N},...]}
// with character offsets in code points, as spaCy reports them (and "id" when the pattern has one).
// Each line is processed inside its own memory_zone. The tokenizer is the English fast path, or with
// --tokenizer the rules of a spaCy tokenizer file (phrase patterns are split by the same rules). Exit
// status: 0; 1 with a message on an unreadable file, a bad tokenizer file (named) or bad patterns; 2 on
// bad usage.
#include <lexzone/en.hpp>
#include <lexzone/io/en_pipeline.hpp>
#include <lexzone/lexzone.hpp>
#if LEXZONE_EXAMPLES_HAVE_PCRE2
#  include <lexzone/regex/rule_tokenizer.hpp>
#endif

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/json_lines.hpp"

namespace {

// One JSON object per line of every file, each line run through `nlp` in its own zone of `vocab`.
template <class Pipeline>
void ner_files(lexzone::en::vocab& vocab, Pipeline& nlp, const std::vector<std::string>& files) {
  lexzone::examples::write_lines_in_zones(vocab, files, [&nlp](auto& zone, std::string_view line) {
    const auto doc = nlp(zone, line);
    nlohmann::ordered_json j{{"ents", nlohmann::ordered_json::array()}};
    for (const auto& e : doc.ents()) {
      nlohmann::ordered_json ent{
          {"text", e.text()}, {"label", e.label_()}, {"start_char", e.start_char()}, {"end_char", e.end_char()}};
      if (e.id() != 0) ent["id"] = e.id_();
      j["ents"].push_back(std::move(ent));
    }
    return j;
  });
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: lexzone_ner [--tokenizer FILE] --patterns FILE.jsonl [FILE...]   (one JSON object per input line;\n"
      "  --tokenizer: a spaCy tokenizer file, e.g. <pipeline>/tokenizer; default: the English fast path)";
  std::string patterns;
  std::string tokenizer_file;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--patterns" && i + 1 < argc) {
      patterns = argv[++i];
    } else if (a == "--tokenizer" && i + 1 < argc) {
      tokenizer_file = argv[++i];
      if (!lexzone::examples::rule_files_supported("lexzone_ner")) return 2;
    } else if (a == "--help" || a == "-h") {
      std::puts(usage);
      return 0;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "lexzone_ner: unknown option %s\n%s\n", a.c_str(), usage);
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (patterns.empty()) {
    std::fprintf(stderr, "lexzone_ner: --patterns FILE.jsonl is required\n%s\n", usage);
    return 2;
  }
  if (files.empty()) files.emplace_back("-");
  try {
    lexzone::en::vocab vocab;
#if LEXZONE_EXAMPLES_HAVE_PCRE2
    if (!tokenizer_file.empty()) {
      auto tok = lexzone::load_rule_tokenizer(vocab, tokenizer_file);
      lexzone::entity_ruler_config config;
      config.splitter = tok.phrase_splitter();
      lexzone::en::entity_ruler ruler(vocab, std::move(config));
      lexzone::io::add_patterns_jsonl(ruler, std::filesystem::path(patterns));
      lexzone::pipeline<lexzone::en::vocab, decltype(tok), lexzone::en::entity_ruler> nlp(std::move(tok),
                                                                                          std::move(ruler));
      ner_files(vocab, nlp, files);
      return std::fflush(stdout) == 0 ? 0 : 1;
    }
#endif
    auto nlp = lexzone::en::make_pipeline(vocab, std::filesystem::path(patterns));
    ner_files(vocab, nlp, files);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_ner: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
