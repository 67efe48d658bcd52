// lexzone_tokenize [FILE...]: tokenizes UTF-8 text (standard input when no file is given), one document
// per line, and writes one JSON object per input line:
//   {"tokens":["...",...],"ws":[true,false,...]}
// where ws[i] is true when token i is followed by a single space that belongs to it (spaCy's
// `token.whitespace_ == " "`). Each line is processed inside its own memory_zone. Invalid UTF-8 bytes are
// written as U+FFFD (JSON must be valid UTF-8). Exit status: 0; 1 with a message on an unreadable file;
// 2 on bad usage.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "support/json_lines.hpp"
#include "support/text_input.hpp"

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: lexzone_tokenize [FILE...]   (one JSON object per input line; stdin when no file)";
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::puts(usage);
      return 0;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "lexzone_tokenize: unknown option %s\n%s\n", a.c_str(), usage);
      return 2;
    }
    files.push_back(a);
  }
  if (files.empty()) files.emplace_back("-");
  try {
    lexzone::en::vocab vocab;
    lexzone::en::tokenizer tok(vocab);
    std::string out;
    for (const auto& f : files) {
      std::string text;
      lexzone::examples::read_file(f, text);
      for (std::string_view line : lexzone::examples::split_lines(text)) {
        auto zone = vocab.memory_zone();
        nlohmann::ordered_json j{{"tokens", nlohmann::ordered_json::array()}, {"ws", nlohmann::ordered_json::array()}};
        for (const auto& t : tok(zone, line)) {
          j["tokens"].push_back(t.text());
          j["ws"].push_back(t.has_space());
        }
        lexzone::examples::write_json_line(j, out);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_tokenize: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
