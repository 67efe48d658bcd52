// lexzone_tokenize [--tokenizer FILE] [--threads N] [--learn-zones N [--learn-max N] [--learn-max-bytes N]]
// [FILE...]: tokenizes UTF-8 text (standard input when no file is given), one document per line, and
// writes one JSON object per input line:
//   {"tokens":["...",...],"ws":[true,false,...]}
// where ws[i] is true when token i is followed by a single space that belongs to it (spaCy's
// `token.whitespace_ == " "`). Without --tokenizer the English fast path tokenizes; with it, the rules of
// a spaCy tokenizer file (the `tokenizer` file of a spaCy pipeline directory, or
// tools/spacy_tokenizer_file.py's output: any of spaCy's rule-based languages). Lines run through a
// parallel pipe on N worker threads (default 1) over one vocab, in batches of 256 lines, each batch inside
// its own memory zone; the output is the same for every N. --learn-zones N turns the vocab's learning on
// (as lexzone_ner's: same output, the count learned on stderr). Invalid UTF-8 bytes are written as U+FFFD
// (JSON must be valid UTF-8), one for each byte. A line that makes a tokenizer file's regex backtrack past
// its limits is refused and the run goes on: its output line is {"error":"match_limit","message":"..."}
// (or "depth_limit", "heap_limit"), and stderr names the file and the line. Exit status: 0; 3 when every
// line was written and some were refused; 1 with a message on an unreadable file, a bad tokenizer file
// (it names the file) or output that cannot be written; 2 on bad usage (e.g. a bad N).
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>
#if LEXZONE_EXAMPLES_HAVE_PCRE2
#  include <lexzone/regex/rule_tokenizer.hpp>
#endif

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
    j["tokens"].push_back(lexzone::examples::valid_utf8(t.text()));
    j["ws"].push_back(t.has_space());
  }
  return lexzone::examples::json_line(j);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: lexzone_tokenize [--tokenizer FILE] [--threads N] [--learn-zones N [--learn-max N]\n"
      "                        [--learn-max-bytes N]] [FILE...]   (one JSON object per input line; stdin when\n"
      "  no file; --tokenizer: a spaCy tokenizer file, e.g. <pipeline>/tokenizer; default: the English fast\n"
      "  path; --learn-zones N: a word a worker meets in N batches becomes permanent, at most --learn-max\n"
      "  words (100000) of at most --learn-max-bytes bytes (32); the output is the same)";
  std::string tokenizer_file;
  lexzone::examples::tool_run run{.program = "lexzone_tokenize"};
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads") {
      const auto n = lexzone::examples::threads_option(argc, argv, i, "lexzone_tokenize", usage);
      if (!n) return 2;
      run.threads = *n;
      continue;
    }
    if (a == "--tokenizer") {
      const auto f = lexzone::examples::file_option(argc, argv, i, "lexzone_tokenize", usage);
      if (!f) return 2;
      tokenizer_file = *f;
      if (!lexzone::examples::rule_files_supported("lexzone_tokenize")) return 2;
      continue;
    }
    if (const auto st = lexzone::examples::learning_option(argc, argv, i, run.learning, run.program, usage);
        st != lexzone::examples::option_status::other) {
      if (st == lexzone::examples::option_status::bad) return 2;
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
  std::size_t refused = 0;
  try {
    lexzone::en::vocab vocab;
    // The tokenizer alone, as a pipeline without components.
#if LEXZONE_EXAMPLES_HAVE_PCRE2
    if (!tokenizer_file.empty()) {
      using rule_tokenizer = lexzone::rule_tokenizer<lexzone::en::vocab>;
      const lexzone::pipeline<lexzone::en::vocab, rule_tokenizer> nlp{
          lexzone::load_rule_tokenizer(vocab, tokenizer_file)};
      return lexzone::examples::finish_run("lexzone_tokenize",
                                           lexzone::examples::pipe_lines(vocab, nlp, run, files, tokens_line));
    }
#endif
    const lexzone::pipeline<lexzone::en::vocab, lexzone::en::tokenizer> nlp{lexzone::en::tokenizer(vocab)};
    refused = lexzone::examples::pipe_lines(vocab, nlp, run, files, tokens_line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_tokenize: %s\n", e.what());
    return 1;
  }
  return lexzone::examples::finish_run("lexzone_tokenize", refused);
}
