// lexzone_ner --patterns FILE.jsonl [FILE...]: runs the English tokenizer and an entity ruler loaded
// from spaCy's patterns.jsonl over UTF-8 text (standard input when no file is given), one document per
// line, and writes one JSON object per input line:
//   {"ents": [{"text": "...", "label": "...", "start_char": N, "end_char": N}, ...]}
// with character offsets in code points, as spaCy reports them. Each line is processed inside its own
// memory_zone. Exit status: 0; 1 with a message on an unreadable file or bad patterns; 2 on bad usage.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "support/text_input.hpp"

int main(int argc, char** argv) {
  using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
  std::string patterns;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--patterns" && i + 1 < argc) {
      patterns = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::puts("usage: lexzone_ner --patterns FILE.jsonl [FILE...]   (one JSON object per input line)");
      return 0;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "lexzone_ner: unknown option %s\nusage: lexzone_ner --patterns FILE.jsonl [FILE...]\n",
                   a.c_str());
      return 2;
    } else {
      files.push_back(a);
    }
  }
  if (patterns.empty()) {
    std::fprintf(stderr, "lexzone_ner: --patterns FILE.jsonl is required\n");
    return 2;
  }
  if (files.empty()) files.emplace_back("-");
  try {
    vocab v;
    lexzone::english_tokenizer<vocab> tok(v);
    lexzone::entity_ruler_config cfg;
    cfg.splitter = tok.phrase_splitter();
    lexzone::entity_ruler<vocab> ruler(v, cfg);
    lexzone::io::add_patterns_jsonl(ruler, std::filesystem::path(patterns));
    lexzone::pipeline<vocab, lexzone::english_tokenizer<vocab>, lexzone::entity_ruler<vocab>> nlp(tok, ruler);
    std::string out;
    for (const auto& f : files) {
      std::string text;
      lexzone::examples::read_file(f, text);
      for (std::string_view line : lexzone::examples::split_lines(text)) {
        auto zone = v.memory_zone();
        const auto doc = nlp(zone, line);
        out.assign("{\"ents\": [");
        bool first = true;
        for (const auto& e : doc.ents()) {
          out.append(first ? "{\"text\": " : ", {\"text\": ");
          first = false;
          lexzone::detail::append_json_string(out, e.text());
          out.append(", \"label\": ");
          lexzone::detail::append_json_string(out, v.strings()[e.label()]);
          out.append(", \"start_char\": " + std::to_string(e.start_char()) +
                     ", \"end_char\": " + std::to_string(e.end_char()) + "}");
        }
        out.append("]}\n");
        std::fwrite(out.data(), 1, out.size(), stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_ner: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
