// lexzone_tokenize [FILE...]: tokenizes UTF-8 text (standard input when no file is given), one document
// per line, and writes one JSON object per input line:
//   {"tokens": ["...", ...], "ws": [true, false, ...]}
// where ws[i] is true when token i is followed by a single space that belongs to it (spaCy's
// `token.whitespace_ == " "`). Each line is processed inside its own memory_zone. Invalid UTF-8 bytes are
// written as U+FFFD (JSON must be valid UTF-8). Exit status: 0, or 1 with a message on an unreadable file.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/vocab.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "support/text_input.hpp"

int main(int argc, char** argv) {
  using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
  std::vector<std::string> files(argv + 1, argv + argc);
  if (files.empty()) files.emplace_back("-");
  for (const auto& f : files) {
    if (f == "--help" || f == "-h") {
      std::puts("usage: lexzone_tokenize [FILE...]   (one JSON object per input line; stdin when no file)");
      return 0;
    }
  }
  try {
    vocab v;
    lexzone::english_tokenizer<vocab> tok(v);
    std::string out;
    for (const auto& f : files) {
      std::string text;
      lexzone::examples::read_file(f, text);
      for (std::string_view line : lexzone::examples::split_lines(text)) {
        auto zone = v.memory_zone();
        const auto doc = tok(zone, line);
        out.assign("{\"tokens\": [");
        for (std::size_t i = 0; i < doc.size(); ++i) {
          if (i != 0) out.append(", ");
          lexzone::detail::append_json_string(out, doc[i].text());
        }
        out.append("], \"ws\": [");
        for (std::size_t i = 0; i < doc.size(); ++i)
          out.append(i != 0 ? ", " : "").append(doc[i].whitespace() ? "true" : "false");
        out.append("]}\n");
        std::fwrite(out.data(), 1, out.size(), stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_tokenize: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
