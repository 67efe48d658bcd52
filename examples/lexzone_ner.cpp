// lexzone_ner [--tokenizer FILE] --patterns FILE.jsonl [--threads N] [--learn-zones N [--learn-max N]
// [--learn-max-bytes N]] [FILE...]: runs a tokenizer and an entity ruler loaded from spaCy's
// patterns.jsonl over UTF-8 text (standard input when no file is given), one document per line, and
// writes one JSON object per input line:
//   {"ents":[{"text":"...","label":"...","start_char":N,"end_char":N},...]}
// with character offsets in code points, as spaCy reports them (and "id" when the pattern has one).
// The tokenizer is the English fast path, or with --tokenizer the rules of a spaCy tokenizer file (phrase
// patterns are split by the same rules). Lines run through a parallel pipe on N worker threads (default 1)
// over one vocab, in batches of 256 lines, each batch inside its own memory zone; the output is the same
// for every N. With --learn-zones N, a word one worker meets in N batches becomes permanent (the vocab's
// learning policy: at most --learn-max words, default 100,000, of at most --learn-max-bytes bytes, default
// 32): faster on text whose new words recur, with the same output; the count learned goes to stderr at
// the end. A line whose text asks for more matching work than lexzone::match_limits' defaults allow (the
// patterns would match quadratically often in it), or makes a tokenizer regex backtrack past its limits,
// is refused and the run goes on: its output line is {"error":"match_limit","message":"..."} (or
// "depth_limit", "heap_limit"), and stderr names the file and the line. Exit status: 0; 3 when every line
// was written and some were refused; 1 with a message on an unreadable file, a bad tokenizer file
// (named), bad patterns or output that cannot be written; 2 on bad usage (e.g. a bad N).
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

#include "support/line_pipe.hpp"

namespace {

// The entities of `doc` as one line of JSON.
std::string entities_line(const lexzone::basic_doc<lexzone::en::vocab>& doc) {
  nlohmann::ordered_json j{{"ents", nlohmann::ordered_json::array()}};
  for (const auto& e : doc.ents()) {
    nlohmann::ordered_json ent{{"text", lexzone::examples::valid_utf8(e.text())},
                               {"label", e.label_()},
                               {"start_char", e.start_char()},
                               {"end_char", e.end_char()}};
    if (e.id() != 0) ent["id"] = e.id_();
    j["ents"].push_back(std::move(ent));
  }
  return lexzone::examples::json_line(j);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: lexzone_ner [--tokenizer FILE] --patterns FILE.jsonl [--threads N] [--learn-zones N\n"
      "                   [--learn-max N] [--learn-max-bytes N]] [FILE...]   (one JSON object per input line;\n"
      "  --tokenizer: a spaCy tokenizer file, e.g. <pipeline>/tokenizer; default: the English fast path;\n"
      "  --learn-zones N: a word a worker meets in N batches becomes permanent, at most --learn-max words\n"
      "  (100000) of at most --learn-max-bytes bytes (32); the output is the same)";
  std::string patterns;
  std::string tokenizer_file;
  lexzone::examples::tool_run run{.program = "lexzone_ner"};
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--patterns") {
      const auto f = lexzone::examples::file_option(argc, argv, i, "lexzone_ner", usage);
      if (!f) return 2;
      patterns = *f;
    } else if (a == "--tokenizer") {
      const auto f = lexzone::examples::file_option(argc, argv, i, "lexzone_ner", usage);
      if (!f) return 2;
      tokenizer_file = *f;
      if (!lexzone::examples::rule_files_supported("lexzone_ner")) return 2;
    } else if (a == "--threads") {
      const auto n = lexzone::examples::threads_option(argc, argv, i, "lexzone_ner", usage);
      if (!n) return 2;
      run.threads = *n;
    } else if (const auto st = lexzone::examples::learning_option(argc, argv, i, run.learning, run.program, usage);
               st != lexzone::examples::option_status::other) {
      if (st == lexzone::examples::option_status::bad) return 2;
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
  std::size_t refused = 0;
  try {
    lexzone::en::vocab vocab;
#if LEXZONE_EXAMPLES_HAVE_PCRE2
    if (!tokenizer_file.empty()) {
      using rule_tokenizer = lexzone::rule_tokenizer<lexzone::en::vocab>;
      auto tok = lexzone::load_rule_tokenizer(vocab, tokenizer_file);
      lexzone::entity_ruler_config config;
      config.splitter = tok.phrase_splitter();
      lexzone::en::entity_ruler ruler(vocab, std::move(config));
      lexzone::io::add_patterns_jsonl(ruler, std::filesystem::path(patterns));
      const lexzone::pipeline<lexzone::en::vocab, rule_tokenizer, lexzone::en::entity_ruler> nlp(std::move(tok),
                                                                                                 std::move(ruler));
      return lexzone::examples::finish_run("lexzone_ner",
                                           lexzone::examples::pipe_lines(vocab, nlp, run, files, entities_line));
    }
#endif
    const auto nlp = lexzone::en::make_pipeline(vocab, std::filesystem::path(patterns));
    refused = lexzone::examples::pipe_lines(vocab, nlp, run, files, entities_line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lexzone_ner: %s\n", e.what());
    return 1;
  }
  return lexzone::examples::finish_run("lexzone_ner", refused);
}
