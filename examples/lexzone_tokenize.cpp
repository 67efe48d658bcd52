// lexzone_tokenize [--tokenizer FILE] [FILE...]: tokenizes UTF-8 text (standard input when no file is
// given), one document per line, and writes one JSON object per input line:
//   {"tokens":["...",...],"ws":[true,false,...]}
// where ws[i] is true when token i is followed by a single space that belongs to it (spaCy's
// `token.whitespace_ == " "`). Each line is processed inside its own memory_zone. Invalid UTF-8 bytes are
// written as U+FFFD (JSON must be valid UTF-8). Without --tokenizer the English fast path tokenizes; with
// it, the rules of a spaCy tokenizer file (the `tokenizer` file of a spaCy pipeline directory, or
// tools/spacy_tokenizer_file.py's output: any of spaCy's rule-based languages). Exit status: 0; 1 with a
// message on an unreadable file or a bad tokenizer file (it names the file); 2 on bad usage.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>
#if LEXZONE_EXAMPLES_HAVE_PCRE2
#  include <lexzone/regex/rule_tokenizer.hpp>
#endif

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/json_lines.hpp"

namespace {

// One JSON object per line of every file, each line tokenized by `tok` in its own zone of `vocab`.
template <class Tokenizer>
void tokenize_files(lexzone::en::vocab& vocab, Tokenizer& tok, const std::vector<std::string>& files) {
  lexzone::examples::write_lines_in_zones(vocab, files, [&tok](auto& zone, std::string_view line) {
    nlohmann::ordered_json j{{"tokens", nlohmann::ordered_json::array()}, {"ws", nlohmann::ordered_json::array()}};
    for (const auto& t : tok(zone, line)) {
      j["tokens"].push_back(t.text());
      j["ws"].push_back(t.has_space());
    }
    return j;
  });
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: lexzone_tokenize [--tokenizer FILE] [FILE...]   (one JSON object per input line; stdin when no "
      "file;\n  --tokenizer: a spaCy tokenizer file, e.g. <pipeline>/tokenizer; default: the English fast path)";
  std::string tokenizer_file;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::puts(usage);
      return 0;
    }
    if (a == "--tokenizer" && i + 1 < argc) {
      tokenizer_file = argv[++i];
      if (!lexzone::examples::rule_files_supported("lexzone_tokenize")) return 2;
      continue;
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
#if LEXZONE_EXAMPLES_HAVE_PCRE2
    if (!tokenizer_file.empty()) {
      auto tok = lexzone::load_rule_tokenizer(vocab, tokenizer_file);
      tokenize_files(vocab, tok, files);
      return std::fflush(stdout) == 0 ? 0 : 1;
    }
#endif
    lexzone::en::tokenizer tok(vocab);
    tokenize_files(vocab, tok, files);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_tokenize: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
