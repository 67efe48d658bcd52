// lexzone_tokenize [--threads N] [FILE...]: tokenizes UTF-8 text (standard input when no file is given),
// one document per line, and writes one JSON object per input line:
//   {"tokens":["...",...],"ws":[true,false,...]}
// where ws[i] is true when token i is followed by a single space that belongs to it (spaCy's
// `token.whitespace_ == " "`). Lines run through a parallel pipe on N worker threads (default 1) over one
// vocab, in batches of 256 lines, each batch inside its own memory zone; the output is the same for every
// N. Invalid UTF-8 bytes are written as U+FFFD (JSON must be valid UTF-8). Exit status: 0; 1 with a
// message on an unreadable file; 2 on bad usage (e.g. a bad N).
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "support/line_pipe.hpp"

namespace {

// The tokens of `doc` and their trailing spaces as one line of JSON.
std::string tokens_line(const lexzone::basic_doc<lexzone::en::vocab>& doc) {
  nlohmann::ordered_json j{{"tokens", nlohmann::ordered_json::array()}, {"ws", nlohmann::ordered_json::array()}};
  for (const auto& t : doc) {
    j["tokens"].push_back(t.text());
    j["ws"].push_back(t.has_space());
  }
  return lexzone::examples::json_line(j);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: lexzone_tokenize [--threads N] [FILE...]   (one JSON object per input line; stdin when no file)";
  std::size_t threads = 1;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads") {
      const auto n = lexzone::examples::threads_option(argc, argv, i, "lexzone_tokenize", usage);
      if (!n) return 2;
      threads = *n;
      continue;
    }
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
    // The tokenizer alone, as a pipeline without components.
    const lexzone::pipeline<lexzone::en::vocab, lexzone::en::tokenizer> nlp{lexzone::en::tokenizer(vocab)};
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = lexzone::examples::lines_per_batch});
    lexzone::examples::write_lines(pipe, files, tokens_line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_tokenize: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
