// lexzone_ner --patterns FILE.jsonl [FILE...]: runs the English tokenizer and an entity ruler loaded
// from spaCy's patterns.jsonl over UTF-8 text (standard input when no file is given), one document per
// line, and writes one JSON object per input line:
//   {"ents":[{"text":"...","label":"...","start_char":N,"end_char":N},...]}
// with character offsets in code points, as spaCy reports them (and "id" when the pattern has one).
// Each line is processed inside its own memory_zone. Exit status: 0; 1 with a message on an unreadable
// file or bad patterns; 2 on bad usage.
#include <lexzone/en.hpp>
#include <lexzone/io/en_pipeline.hpp>
#include <lexzone/lexzone.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "support/json_lines.hpp"
#include "support/text_input.hpp"

int main(int argc, char** argv) {
  constexpr const char* usage = "usage: lexzone_ner --patterns FILE.jsonl [FILE...]   (one JSON object per input line)";
  std::string patterns;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--patterns" && i + 1 < argc) {
      patterns = argv[++i];
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
    auto nlp = lexzone::en::make_pipeline(vocab, std::filesystem::path(patterns));
    std::string out;
    for (const auto& f : files) {
      std::string text;
      lexzone::examples::read_file(f, text);
      for (std::string_view line : lexzone::examples::split_lines(text)) {
        auto zone = vocab.memory_zone();
        const auto doc = nlp(zone, line);
        nlohmann::ordered_json j{{"ents", nlohmann::ordered_json::array()}};
        for (const auto& e : doc.ents()) {
          nlohmann::ordered_json ent{
              {"text", e.text()}, {"label", e.label_()}, {"start_char", e.start_char()}, {"end_char", e.end_char()}};
          if (e.id() != 0) ent["id"] = e.id_();
          j["ents"].push_back(std::move(ent));
        }
        lexzone::examples::write_json_line(j, out);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_ner: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
