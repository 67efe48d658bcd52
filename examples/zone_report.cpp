// zone_report: the 12-batch memory report, with and without memory zones, on real or generated text.
//
// A production NER service was killed again and again by memory growth: every distinct word it met
// (e-mails, URLs, IDs, typos) stayed in its vocabulary. This program replays that: it loads a "model"
// into the permanent layer (tokenizer special cases, entity patterns, a 20,000-word base vocabulary),
// then pushes the input through the English tokenizer and the entity ruler as N consecutive batches of
// documents of up to 50 lines, extracting the entities, in two modes, each in its own process so that
// their figures do not mix:
//   nozone  everything is interned permanently (today's production behaviour);
//   zone    each batch runs inside its own memory_zone.
//
// usage: zone_report [FILE...] [--mode both|zone|nozone] [--batches N] [--tokens-per-batch N] [--seed S]
//                    [--lines-per-doc N] [--rounds N] [--base-words FILE] [--patterns FILE.jsonl] [--json]
//                    [--learn-zones N [--learn-max N] [--learn-max-bytes N]]
// FILEs are UTF-8 text, plain or .gz; without files a deterministic generator makes production-like text.
// --learn-zones N turns the vocab's learning policy on in zone mode (vocab.hpp, `learning_policy`): a word
// created in N batches' zones becomes permanent, at most --learn-max words (default 100,000) of at most
// --learn-max-bytes bytes (default 32); the report then shows the words learned, and zone mode's vocab
// is its baseline plus them after every batch.
// --fail-at-batch N (for tests) makes the zone run fail at batch N, to show how a failed run is reported.
// Timing: each mode runs in a process of its own, and the two processes take turns batch by batch, so
// that both modes' batch b run seconds apart and a shared machine's slow spells weigh on both alike.
// This is repeated `--rounds` times (default 3, fresh processes each round); a batch's time is its
// fastest round (interference only ever slows a run down), every other figure comes from the first
// round, and the rounds must agree on every count.
#include <lexzone/vocab.hpp>

#include <fcntl.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"
#include "support/english_model.hpp"
#include "support/process_stats.hpp"
#include "support/text_generator.hpp"
#include "support/text_input.hpp"

namespace {

using vocab = lexzone::examples::en_vocab;

struct options {
  std::vector<std::string> files;
  std::string mode = "both";
  int batches = 12;
  std::size_t tokens_per_batch = 250000;
  std::uint64_t seed = 2026;
  std::size_t lines_per_doc = 50;
  std::string base_words = LEXZONE_EXAMPLES_DATA_DIR "/base_words.txt";
  std::string patterns = LEXZONE_EXAMPLES_DATA_DIR "/patterns.jsonl";
  int rounds = 3;
  int fail_at_batch = 0;  // testing: the zone run fails at this batch (0: never)
  lexzone::learning_policy learning = lexzone::examples::default_learning;  // zone mode's (zones 0: off)
  bool json = false;
  std::string run_mode;  // set in the child processes
};

constexpr const char* usage_text =
    "usage: zone_report [FILE...] [--mode both|zone|nozone] [--batches N] [--tokens-per-batch N] [--seed S]\n"
    "                   [--lines-per-doc N] [--rounds N] [--base-words FILE] [--patterns FILE.jsonl] [--json]\n"
    "                   [--learn-zones N [--learn-max N] [--learn-max-bytes N]]\n"
    "FILEs: plain or .gz text (without files: generated production-like text). Each mode runs in its own\n"
    "process, the two taking turns batch by batch; a batch's time is its fastest of --rounds (default 3).\n"
    "--learn-zones N (0 to 256; 0: off): in zone mode, a word created in N batches becomes permanent, at most\n"
    "--learn-max words (0 to 100000000, default 100000) of at most --learn-max-bytes bytes (1 to 1024, 32).\n";

// Bad arguments: the reason and the usage on stderr, exit status 2.
[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "zone_report: %s\n%s", why, usage_text);
  std::exit(2);
}

std::uint64_t parse_number(const char* flag, const char* s, std::uint64_t min,
                           std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  const auto v = lexzone::examples::parse_unsigned(s, min, max);
  if (!v) usage((std::string("bad value for ") + flag).c_str());
  return *v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--mode") {
      o.mode = value();
      if (o.mode != "both" && o.mode != "zone" && o.mode != "nozone") usage("--mode is both, zone or nozone");
    } else if (a == "--batches") {
      o.batches = static_cast<int>(parse_number("--batches", value(), 1, 100000));
    } else if (a == "--tokens-per-batch") {
      o.tokens_per_batch = parse_number("--tokens-per-batch", value(), 1);
    } else if (a == "--seed") {
      o.seed = parse_number("--seed", value(), 0);
    } else if (a == "--lines-per-doc") {
      o.lines_per_doc = parse_number("--lines-per-doc", value(), 1);
    } else if (a == "--base-words") {
      o.base_words = value();
    } else if (a == "--patterns") {
      o.patterns = value();
    } else if (a == "--rounds") {
      o.rounds = static_cast<int>(parse_number("--rounds", value(), 1, 100));
    } else if (const auto st = lexzone::examples::learning_option(argc, argv, i, o.learning, "zone_report", usage_text);
               st != lexzone::examples::option_status::other) {
      if (st == lexzone::examples::option_status::bad) std::exit(2);
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--run-mode") {
      o.run_mode = value();
    } else if (a == "--help" || a == "-h") {
      std::fputs(usage_text, stdout);
      std::exit(0);
    } else if (a == "--fail-at-batch") {
      o.fail_at_batch = static_cast<int>(parse_number("--fail-at-batch", value(), 1, 100000));
    } else if (a == "-") {
      usage("standard input cannot be an input: each mode reads the input in a process of its own");
    } else if (!a.empty() && a[0] == '-') {
      usage(("unknown option " + a).c_str());
    } else {
      o.files.push_back(a);
    }
  }
  return o;
}

struct batch_row {
  int batch = 0;
  double rss_mb = 0;
  std::size_t vocab_size = 0, strings_size = 0, tokens = 0, entities = 0;
  std::size_t learned = 0;            // words the vocab learned so far (zone mode with --learn-zones; else 0)
  std::uint64_t entities_digest = 0;  // digest of (text, label, offsets) of every entity so far, in order
  double seconds = 0;
};

// Where a document's entities go when they leave the zone. A service would serialize them into its
// response; here they are serialized into one reused buffer (text, label, character offsets: owned data,
// valid after the zone closes) and folded into a digest, which shows that both modes extract exactly
// the same entities. Nothing is kept from one document to the next.
class entity_sink {
 public:
  template <class Doc>
  void consume(const Doc& doc, const vocab& v, batch_row& row) {
    out_.clear();
    for (const auto& e : doc.ents()) {
      out_.append(e.text()).push_back('\t');
      out_.append(v.strings()[e.label()]).push_back('\t');
      out_.append(std::to_string(e.start_char())).push_back(':');
      out_.append(std::to_string(e.end_char())).push_back('\n');
      ++row.entities;
    }
    for (const char c : out_) digest_ = (digest_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;  // FNV-1a
  }
  [[nodiscard]] std::uint64_t digest() const noexcept { return digest_; }

 private:
  std::string out_;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
};

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

nlohmann::json row_json(const batch_row& r) {
  return {{"batch", r.batch},           {"rss_mb", r.rss_mb},
          {"vocab_size", r.vocab_size}, {"strings_size", r.strings_size},
          {"tokens", r.tokens},         {"seconds", r.seconds},
          {"entities", r.entities},     {"entities_digest", hex(r.entities_digest)},
          {"learned", r.learned}};
}

void send_row(std::FILE* out, const batch_row& r) {
  const std::string line = row_json(r).dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0)
    throw std::runtime_error("cannot write to the parent process");
}

// One mode, in this (child) process. Loads the model, sends the baseline row (batch 0) as one JSON line
// on `out`, then runs batch b = 1, 2, ... each time the parent sends a byte on `go`, and answers with
// that batch's row. Stops after the last batch, or early when `go` reaches end of file.
void run_mode(const options& o, bool zones, std::FILE* go, std::FILE* out) {
  vocab v;
  auto nlp = lexzone::examples::load_english_model(v, o.base_words, o.patterns);  // permanent; pool resident
  if (zones) v.set_learning(o.learning);  // after the model: its words are the baseline

  // Input: the files' lines split into `batches` contiguous groups, or generated text per batch.
  std::string file_text;
  std::vector<std::string_view> file_lines;
  if (!o.files.empty()) {
    for (const auto& f : o.files) {
      lexzone::examples::read_file(f, file_text);
      if (!file_text.empty() && file_text.back() != '\n') file_text.push_back('\n');
    }
    file_lines = lexzone::examples::split_lines(file_text);
  }

  batch_row baseline;
  baseline.rss_mb = static_cast<double>(lexzone::examples::resident_bytes()) / 1e6;
  baseline.vocab_size = v.size();
  baseline.strings_size = v.strings().size();
  send_row(out, baseline);
  std::string generated;
  std::vector<std::string_view> lines;
  entity_sink sink;
  for (int b = 1; b <= o.batches; ++b) {
    // Wait for the turn first, then prepare the input (untimed): nothing runs while the other mode's batch
    // is being timed.
    if (std::fgetc(go) == EOF) return;  // the parent stopped the run
    if (zones && b == o.fail_at_batch) throw std::runtime_error("failing at batch " + std::to_string(b) + " (test)");
    lines.clear();
    if (o.files.empty()) {
      generated.clear();
      lexzone::examples::text_generator gen(o.seed * 1000 + static_cast<std::uint64_t>(b));
      gen.text(generated, o.tokens_per_batch);
      lines = lexzone::examples::split_lines(generated);
    } else {
      const std::size_t n = file_lines.size();
      const std::size_t from = n * static_cast<std::size_t>(b - 1) / static_cast<std::size_t>(o.batches);
      const std::size_t to = n * static_cast<std::size_t>(b) / static_cast<std::size_t>(o.batches);
      lines.assign(file_lines.begin() + static_cast<std::ptrdiff_t>(from),
                   file_lines.begin() + static_cast<std::ptrdiff_t>(to));
    }
    batch_row row;
    row.batch = b;
    const auto t0 = std::chrono::steady_clock::now();
    {
      vocab::zone_type zone;
      if (zones) zone = v.memory_zone();
      for (std::size_t i = 0; i < lines.size(); i += o.lines_per_doc) {
        // A document: up to `lines_per_doc` consecutive lines, as one slice of the input.
        const std::size_t last = std::min(lines.size(), i + o.lines_per_doc) - 1;
        const char* begin = lines[i].data();
        const std::string_view text(begin, static_cast<std::size_t>(lines[last].data() + lines[last].size() - begin));
        const auto doc = zones ? nlp(zone, text) : nlp(v, text);
        row.tokens += doc.size();
        sink.consume(doc, v, row);
      }
    }  // the batch's zone closes here
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    row.entities_digest = sink.digest();
    malloc_trim(0);  // hand the pages freed by this batch back to the OS (both modes; see the README)
    row.rss_mb = static_cast<double>(lexzone::examples::resident_bytes()) / 1e6;
    row.vocab_size = v.size();
    row.strings_size = v.strings().size();
    row.learned = v.stats().learned_lexemes;
    send_row(out, row);
  }
}

// Folds another round of one mode into `into`: the fastest time per batch; the counts must agree.
void merge_round(nlohmann::json& into, const nlohmann::json& round) {
  auto& batches = into["batches"];
  const auto& other = round["batches"];
  if (other.size() != batches.size()) throw std::runtime_error("the rounds processed different batches");
  for (std::size_t i = 0; i < batches.size(); ++i) {
    for (const char* key : {"vocab_size", "strings_size", "tokens", "entities", "entities_digest", "learned"})
      if (batches[i][key] != other[i][key])
        throw std::runtime_error(std::string("the rounds disagree on ") + key + " (nondeterministic run)");
    batches[i]["seconds"] = std::min(batches[i]["seconds"].get<double>(), other[i]["seconds"].get<double>());
  }
}

// A child process running one mode (this program again, with `--run-mode`), driven over two pipes.
class mode_process {
 public:
  mode_process(int argc, char** argv, std::string mode) : mode_(std::move(mode)) {
    // Close-on-exec: a child started later must not inherit this child's pipe ends (it would keep this
    // child's stdin open after the parent closed it). dup2 clears the flag on the child's fds 0 and 1.
    int to_child[2] = {-1, -1};
    int from_child[2] = {-1, -1};
    const auto close_all = [&] {
      for (const int fd : {to_child[0], to_child[1], from_child[0], from_child[1]})
        if (fd >= 0) close(fd);
    };
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
      close_all();
      throw std::runtime_error("pipe failed");
    }
    pid_ = fork();
    if (pid_ < 0) {
      close_all();
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      std::vector<char*> args(argv, argv + argc);
      std::string flag = "--run-mode";
      args.push_back(flag.data());
      args.push_back(mode_.data());
      args.push_back(nullptr);
      execv("/proc/self/exe", args.data());
      std::perror("zone_report: exec");
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    to_ = fdopen(to_child[1], "w");
    from_ = fdopen(from_child[0], "r");
    if (to_ == nullptr || from_ == nullptr) {
      if (to_ == nullptr) close(to_child[1]);
      if (from_ == nullptr) close(from_child[0]);
      finish_quietly();
      throw std::runtime_error("fdopen failed");
    }
  }
  mode_process(const mode_process&) = delete;
  mode_process& operator=(const mode_process&) = delete;
  mode_process(mode_process&&) = delete;
  mode_process& operator=(mode_process&&) = delete;
  ~mode_process() { finish_quietly(); }

  [[nodiscard]] const std::string& mode() const noexcept { return mode_; }

  // The next row the child sends (its baseline first).
  nlohmann::json read_row() {
    std::string line;
    for (int c = 0; (c = std::fgetc(from_)) != EOF && c != '\n';) line.push_back(static_cast<char>(c));
    if (line.empty()) {
      finish();
      throw std::runtime_error("the " + mode_ + " run failed");
    }
    return nlohmann::json::parse(line);
  }

  // Lets the child run its next batch and returns that batch's row.
  nlohmann::json run_batch() {
    if (std::fputc('g', to_) == EOF || std::fflush(to_) != 0) {
      finish();
      throw std::runtime_error("the " + mode_ + " run stopped early");
    }
    return read_row();
  }

  // Closes the pipes: the child sees end of file and stops.
  void close_pipes() noexcept {
    if (to_ != nullptr) std::fclose(std::exchange(to_, nullptr));
    if (from_ != nullptr) std::fclose(std::exchange(from_, nullptr));
  }

  // Closes the pipes and reaps the child; throws when it did not exit with status 0.
  void finish() {
    close_pipes();
    if (pid_ <= 0) return;
    int status = 0;
    waitpid(std::exchange(pid_, -1), &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the " + mode_ + " run failed");
  }

 private:
  void finish_quietly() noexcept {
    try {
      finish();
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): an error is already on its way
    }
  }

  std::string mode_;
  pid_t pid_ = -1;
  std::FILE* to_ = nullptr;
  std::FILE* from_ = nullptr;
};

// One round: every selected mode in its own process, the processes taking turns batch by batch (the
// order alternating), so that both modes' batch b run seconds apart and a shared machine's slow spells
// weigh on both alike. Returns one {"mode", "batches"} object per mode.
nlohmann::json run_round(int argc, char** argv, const options& o, int round) {
  std::vector<std::unique_ptr<mode_process>> procs;
  for (const char* mode : {"nozone", "zone"})
    if (o.mode == "both" || o.mode == mode) procs.push_back(std::make_unique<mode_process>(argc, argv, mode));
  nlohmann::json runs = nlohmann::json::array();
  try {
    for (auto& p : procs) runs.push_back({{"mode", p->mode()}, {"batches", nlohmann::json::array({p->read_row()})}});
    for (int b = 1; b <= o.batches; ++b) {
      std::fprintf(stderr, "\r[round %d/%d] batch %d/%d:", round + 1, o.rounds, b, o.batches);
      for (std::size_t k = 0; k < procs.size(); ++k) {
        const std::size_t i = b % 2 == 1 ? k : procs.size() - 1 - k;
        auto row = procs[i]->run_batch();
        std::fprintf(stderr, " %s %.0f tokens/s", procs[i]->mode().c_str(),
                     row["tokens"].get<double>() / std::max(row["seconds"].get<double>(), 1e-9));
        runs[i]["batches"].push_back(std::move(row));
      }
      std::fprintf(stderr, "     ");
    }
  } catch (...) {
    std::fprintf(stderr, "\n");
    for (auto& p : procs) p->close_pipes();  // every child stops before any is waited for
    throw;
  }
  for (auto& p : procs) p->finish();
  return runs;
}

std::string fmt_count(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  std::string s = buf, out;
  const std::size_t lead = s[0] == '-' ? 1 : 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > lead && (s.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(s[i]);
  }
  return out;
}

// Per-batch counts (tokens, entities) have no baseline; their growth is measured from batch 1.
bool is_per_batch(const char* key) { return std::strcmp(key, "tokens") == 0 || std::strcmp(key, "entities") == 0; }

double total(const nlohmann::json& run, const char* key) {
  double t = 0;
  for (const auto& b : run["batches"]) t += b[key].get<double>();
  return t;
}

void print_table(const options& o, const nlohmann::json& runs) {
  const double total_tokens = total(runs[0], "tokens");
  std::printf("lexzone zone report: %d batches of documents of up to %zu lines, %s tokens per mode (%s)\n\n", o.batches,
              o.lines_per_doc, fmt_count(total_tokens).c_str(),
              o.files.empty() ? ("generated text, seed " + std::to_string(o.seed)).c_str() : "input files");
  struct metric {
    const char* name;
    const char* key;
  };
  const metric metrics[] = {
      {"RSS MB", "rss_mb"},         {"vocab size", "vocab_size"},     {"string-store size", "strings_size"},
      {"tokens (batch)", "tokens"}, {"entities (batch)", "entities"}, {"tokens/s", nullptr}};
  std::printf("%-18s", "");
  for (const auto& r : runs) std::printf(" | %-52s", r["mode"].get<std::string>().c_str());
  std::printf("\n%-18s", "metric");
  for (std::size_t k = 0; k < runs.size(); ++k)
    std::printf(" | %10s %10s %10s %10s %8s", "baseline", "batch 1", ("batch " + std::to_string(o.batches)).c_str(),
                "growth", "growth%");
  std::printf("\n");
  for (const auto& m : metrics) {
    std::printf("%-18s", m.name);
    for (const auto& r : runs) {
      const auto& bs = r["batches"];
      auto val = [&](std::size_t i) -> double {
        if (m.key != nullptr) return bs[i][m.key].get<double>();
        const double s = bs[i]["seconds"].get<double>();
        return s > 0 ? bs[i]["tokens"].get<double>() / s : 0.0;
      };
      const double base = val(0), first = val(1), last = val(bs.size() - 1);
      const bool is_rss = std::strcmp(m.name, "RSS MB") == 0;
      char b0[32], b1[32], bn[32];
      if (is_rss) {
        std::snprintf(b0, sizeof b0, "%.1f", base);
        std::snprintf(b1, sizeof b1, "%.1f", first);
        std::snprintf(bn, sizeof bn, "%.1f", last);
      } else {
        std::snprintf(b0, sizeof b0, "%s", m.key != nullptr && is_per_batch(m.key) ? "-" : fmt_count(base).c_str());
        std::snprintf(b1, sizeof b1, "%s", fmt_count(first).c_str());
        std::snprintf(bn, sizeof bn, "%s", fmt_count(last).c_str());
      }
      // Growth: from the baseline for sizes and RSS; from batch 1 for throughput and tokens.
      const bool from_first = m.key == nullptr || is_per_batch(m.key);
      const double ref = from_first ? first : base;
      char g[32], gp[32];
      if (is_rss) {
        std::snprintf(g, sizeof g, "%+.1f", last - ref);
      } else {
        std::snprintf(g, sizeof g, "%s%s", last - ref >= 0 ? "+" : "", fmt_count(last - ref).c_str());
      }
      std::snprintf(gp, sizeof gp, "%+.1f%%", ref != 0 ? 100.0 * (last - ref) / ref : 0.0);
      std::printf(" | %10s %10s %10s %10s %8s", b0, b1, bn, g, gp);
    }
    std::printf("\n");
  }
  std::printf("\ngrowth: from the baseline for RSS and sizes; from batch 1 for per-batch counts and tokens/s.\n");
  std::printf(
      "time: each batch's fastest of %d round%s (a process per mode and round, the modes taking turns by batch).\n",
      o.rounds, o.rounds == 1 ? "" : "s");
  for (const auto& r : runs) {
    if (r["mode"] != "zone") continue;
    const auto& bs = r["batches"];
    const double rss1 = bs[1]["rss_mb"].get<double>(), rssn = bs[bs.size() - 1]["rss_mb"].get<double>();
    if (o.learning.zones == 0) {
      bool flat = true;
      for (const auto& b : bs)
        flat = flat && b["vocab_size"] == bs[0]["vocab_size"] && b["strings_size"] == bs[0]["strings_size"];
      std::printf("zone mode: vocab and strings back at baseline after every batch: %s; RSS batch 1 -> %d: %+.2f%%\n",
                  flat ? "yes" : "NO", o.batches, 100.0 * (rssn - rss1) / rss1);
    } else {
      // Learning: the vocab keeps the words learned, and nothing else.
      bool exact = true;
      for (const auto& b : bs)
        exact = exact && b["vocab_size"].get<std::size_t>() ==
                             bs[0]["vocab_size"].get<std::size_t>() + b["learned"].get<std::size_t>();
      std::printf(
          "zone mode, learning (a word of at most %zu bytes created in %u batches, at most %s words): %s words "
          "learned; vocab = baseline + learned after every batch: %s; RSS batch 1 -> %d: %+.2f%%\n",
          o.learning.max_text_bytes, static_cast<unsigned>(o.learning.zones),
          fmt_count(static_cast<double>(o.learning.max_lexemes)).c_str(),
          fmt_count(bs.back()["learned"].get<double>()).c_str(), exact ? "yes" : "NO", o.batches,
          100.0 * (rssn - rss1) / rss1);
    }
  }
  if (runs.size() == 2) {
    auto rate = [](const nlohmann::json& r) {
      const double sec = total(r, "seconds");
      return sec > 0 ? total(r, "tokens") / sec : 0.0;
    };
    std::printf("throughput: zone %.0f tokens/s, nozone %.0f tokens/s (zone/nozone = %.2f)\n", rate(runs[1]),
                rate(runs[0]), rate(runs[1]) / rate(runs[0]));
    const auto digest = [](const nlohmann::json& r) { return r["batches"].back()["entities_digest"]; };
    std::printf("entities: both modes extracted the same %s entities: %s\n",
                fmt_count(total(runs[0], "entities")).c_str(), digest(runs[0]) == digest(runs[1]) ? "yes" : "NO");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  // A fixed mmap threshold keeps large blocks out of the heap, so a closed zone's big tables go back to
  // the OS at once instead of glibc raising its threshold after the first free (see the README).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  try {
    if (!o.run_mode.empty()) {  // child: one mode, driven by the parent through stdin and stdout
      run_mode(o, o.run_mode == "zone", stdin, stdout);
      return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a child that died is reported from the failed write, not by a signal
    nlohmann::json runs;
    for (int round = 0; round < o.rounds; ++round) {
      auto results = run_round(argc, argv, o, round);
      if (round == 0) {
        runs = std::move(results);
      } else {
        for (std::size_t k = 0; k < runs.size(); ++k) merge_round(runs[k], results[k]);
      }
    }
    std::fprintf(stderr, "\n");
    if (o.json) {
      std::printf("%s\n", nlohmann::json{{"runs", runs}, {"rounds", o.rounds}}.dump().c_str());
    } else {
      print_table(o, runs);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zone_report: %s\n", e.what());
    return 1;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {  // a report lost (a full disk) is a failure
    std::fprintf(stderr, "zone_report: cannot write the output\n");
    return 1;
  }
  return 0;
}
