// Shared helpers of lexzone's benchmarks: the token data (real text, or a seeded generator of
// production-like tokens when the corpus is absent), quick-mode sizing, RSS, and a main() that records
// the data source in the benchmark context.
//
// Data source, in order:
//   1. the file named by $LEXZONE_CORPUS (gzip or plain text; read through zlib when it is available),
//   2. ../shared/data/corpus_docs.txt.gz next to the source tree (LEXZONE_BENCH_SOURCE_DIR),
//   3. a seeded generator (words with a Zipf distribution, e-mails, URLs, ids, numbers, typos).
// The text is split into whitespace tokens. Every data set below is built once per process.
//
// Sizes: $LEXZONE_BENCH_QUICK=1 (set by `bench/run.sh --quick`) selects the smaller sizes of `sized()`.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <unistd.h>

#if LEXZONE_BENCH_HAVE_ZLIB
#  include <zlib.h>
#endif

#ifndef LEXZONE_BENCH_SOURCE_DIR
#  define LEXZONE_BENCH_SOURCE_DIR "."
#endif

namespace lexzone_bench {

using token_list = std::vector<std::string_view>;

// ---------------------------------------------------------------------------------------------------
// Sizing

/// True when $LEXZONE_BENCH_QUICK is set to anything but "" or "0" (a smoke run).
inline bool quick() {
  static const bool q = [] {
    const char* v = std::getenv("LEXZONE_BENCH_QUICK");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return q;
}

/// `full` normally, `small` in quick mode.
template <class T>
T sized(T full, T small) {
  return quick() ? small : full;
}

/// Sum of the sizes of `tokens`.
inline std::size_t total_bytes(const token_list& tokens) {
  std::size_t n = 0;
  for (std::string_view t : tokens) n += t.size();
  return n;
}

/// Records `items` tokens (and their bytes) per iteration.
inline void set_processed(benchmark::State& state, std::size_t items, std::size_t bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(items));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}
inline void set_processed(benchmark::State& state, const token_list& tokens) {
  set_processed(state, tokens.size(), total_bytes(tokens));
}

/// Resident set size of this process in KiB (from /proc/self/statm); 0 when unavailable.
inline double rss_kib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1024.0;
}

// ---------------------------------------------------------------------------------------------------
// Storage and generation of tokens

/// Append-only string storage whose bytes never move (views into it stay valid).
class string_pool {
 public:
  std::string_view add(std::string_view s) {
    if (chunks_.empty() || s.size() > capacity_ - used_) {
      capacity_ = std::max(chunk_bytes, s.size());
      chunks_.push_back(std::make_unique<char[]>(capacity_));
      used_ = 0;
    }
    char* p = chunks_.back().get() + used_;
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    used_ += s.size();
    return {p, s.size()};
  }

 private:
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
};

/// Seeded generator of production-like tokens: words (some capitalised, some with trailing
/// punctuation), typos, e-mail addresses, URLs, ids, numbers, versions, dates, code identifiers and
/// paths. Deterministic for a given seed.
class token_generator {
 public:
  explicit token_generator(std::uint64_t seed) : rng_(seed) {}

  /// A pronounceable word of 1 to 4 syllables, lower case.
  std::string word() {
    // Laid out by hand (clang-format would align the syllables in columns).
    // clang-format off
    static constexpr std::string_view syllables[] = {
        "ka", "ri", "lo", "men", "tor", "ba", "sel", "qui", "on", "ar", "ex", "ma", "ven", "sto", "lin",
        "pa", "dru", "net", "ca", "fi", "gra", "hel", "jo", "mu", "ple", "sa", "ti", "zor", "ung", "ble",
        "con", "de", "in", "re", "ter", "al", "pro", "ment", "tion", "er", "ing", "ly", "so", "ve", "ra"};
    // clang-format on
    std::string w;
    const std::size_t n = 1 + below(4);
    for (std::size_t i = 0; i < n; ++i) w += syllables[below(std::size(syllables))];
    return w;
  }

  /// A token of one of the production-like kinds; most are unique in practice.
  std::string token() {
    const std::size_t kind = below(100);
    if (kind < 25) return decorated_word();
    if (kind < 33) return typo(word());
    if (kind < 43) return email();
    if (kind < 53) return url();
    if (kind < 68) return identifier();
    if (kind < 85) return number();
    return code_name();
  }

 private:
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  std::string digits(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('0' + below(10));
    return s;
  }
  std::string hex(std::size_t n) {
    static constexpr char h[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += h[below(16)];
    return s;
  }
  std::string decorated_word() {
    std::string w = word();
    if (below(4) == 0) w[0] = static_cast<char>(w[0] - 'a' + 'A');
    static constexpr std::string_view tails[] = {",", ".", ")", ":", ";", "'s", "s"};
    if (below(3) == 0) w += tails[below(std::size(tails))];
    return w;
  }
  std::string typo(std::string w) {
    if (w.size() < 3) return w + w.back();
    const std::size_t i = 1 + below(w.size() - 2);
    switch (below(3)) {
      case 0: std::swap(w[i], w[i - 1]); break;                                   // transposition
      case 1: w.insert(w.begin() + static_cast<std::ptrdiff_t>(i), w[i]); break;  // doubled letter
      default: w.erase(w.begin() + static_cast<std::ptrdiff_t>(i)); break;        // dropped letter
    }
    return w;
  }
  std::string email() {
    static constexpr std::string_view tlds[] = {"com", "org", "net", "de", "io", "co.uk"};
    std::string s = word();
    if (below(2) == 0) s += "." + word();
    if (below(2) == 0) s += digits(1 + below(3));
    return s + "@" + word() + "." + std::string(tlds[below(std::size(tlds))]);
  }
  std::string url() {
    std::string s = below(3) == 0 ? "www." : (below(2) == 0 ? "https://" : "http://");
    s += word() + "." + (below(2) == 0 ? "org" : "com");
    const std::size_t segments = below(4);
    for (std::size_t i = 0; i < segments; ++i) s += "/" + word();
    if (below(3) == 0) s += "?id=" + digits(3 + below(5));
    return s;
  }
  std::string identifier() {
    switch (below(4)) {
      case 0: return "#" + digits(5 + below(3));             // bug numbers
      case 1: return "0x" + hex(4 + below(9));               // addresses
      case 2: return hex(8) + "-" + hex(4) + "-" + hex(4);   // uuid-like
      default: return "ORD-" + digits(4) + "-" + digits(6);  // order ids
    }
  }
  std::string number() {
    switch (below(5)) {
      case 0: return digits(1 + below(7));
      case 1: return digits(1 + below(4)) + "." + digits(1 + below(3));
      case 2: return std::to_string(below(10)) + "." + std::to_string(below(30)) + "." + std::to_string(below(60));
      case 3: return "20" + digits(2) + "-" + digits(2) + "-" + digits(2);
      default: return "(" + digits(1 + below(4)) + ")";
    }
  }
  std::string code_name() {
    switch (below(4)) {
      case 0: return word() + "_" + word();
      case 1: return "--" + word() + "-" + word();
      case 2: return "/usr/lib/" + word() + "/" + word() + ".so";
      default: {
        std::string a = word(), b = word();
        a[0] = static_cast<char>(a[0] - 'a' + 'A');
        b[0] = static_cast<char>(b[0] - 'a' + 'A');
        return a + b;
      }
    }
  }

  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------------------------------
// The corpus

struct corpus_data {
  std::string text;    ///< the loaded text (empty for the synthetic corpus)
  string_pool pool;    ///< bytes of synthetic tokens
  token_list tokens;   ///< every token, in text order
  std::string source;  ///< file name, or "synthetic"
};

/// The corpus file to read: $LEXZONE_CORPUS, else the shared data next to the source tree.
inline std::string corpus_path() {
  if (const char* env = std::getenv("LEXZONE_CORPUS"); env != nullptr && *env != '\0') return env;
  return std::string(LEXZONE_BENCH_SOURCE_DIR) + "/../shared/data/corpus_docs.txt.gz";
}

/// Reads a whole (optionally gzip-compressed) file; false when it cannot be read.
inline bool read_file(const std::string& path, std::string& out) {
#if LEXZONE_BENCH_HAVE_ZLIB
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files too
  if (f == nullptr) return false;
  std::vector<char> buf(std::size_t{1} << 20);
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      gzclose(f);
      return false;
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  gzclose(f);
  return true;
#else
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0) return false;  // no zlib
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::vector<char> buf(std::size_t{1} << 20);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  std::fclose(f);
  return true;
#endif
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/// Splits `text` at ASCII whitespace; the views point into `text`.
inline token_list split_whitespace(std::string_view text) {
  token_list out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

/// A synthetic text-order token stream: 88% words drawn with a Zipf law from a 30,000-word lexicon,
/// 12% production-like tokens (mostly unique).
inline void synthesize(corpus_data& c, std::size_t count) {
  token_generator gen(20240611);
  std::vector<std::string_view> lexicon;
  std::unordered_set<std::string_view> seen;
  while (lexicon.size() < 30000) {
    std::string w = gen.word();
    if (seen.count(w) != 0) w += std::to_string(lexicon.size());
    const std::string_view v = c.pool.add(w);
    seen.insert(v);
    lexicon.push_back(v);
  }
  std::vector<double> cumulative(lexicon.size());
  double sum = 0;
  for (std::size_t r = 0; r < lexicon.size(); ++r) cumulative[r] = (sum += 1.0 / static_cast<double>(r + 1));
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, sum);
  c.tokens.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (rng() % 100 < 88) {
      const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), uniform(rng));
      c.tokens.push_back(
          lexicon[std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), lexicon.size() - 1)]);
    } else {
      c.tokens.push_back(c.pool.add(gen.token()));
    }
  }
  c.source = "synthetic";
}

/// The corpus, loaded on first use.
inline const corpus_data& corpus() {
  static const corpus_data* c = [] {
    auto* d = new corpus_data();  // lives until exit: views into it are handed out
    const std::string path = corpus_path();
    if (read_file(path, d->text) && !d->text.empty()) {
      d->tokens = split_whitespace(d->text);
      d->source = path;
    } else {
      d->text.clear();
      std::fprintf(stderr, "lexzone bench: corpus %s not readable; using synthetic tokens\n", path.c_str());
      synthesize(*d, 2'400'000);
    }
    return d;
  }();
  return *c;
}

// ---------------------------------------------------------------------------------------------------
// Data sets

/// Every corpus token in text order.
inline const token_list& all_tokens() { return corpus().tokens; }

/// The first 600k tokens (100k quick) in text order: the "hit" workload.
inline const token_list& stream() {
  static const token_list s = [] {
    const token_list& all = all_tokens();
    const std::size_t n = std::min(all.size(), sized<std::size_t>(600'000, 100'000));
    return token_list(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
  }();
  return s;
}

/// The distinct tokens of `stream()`, in first-seen order: the permanent "model" strings.
inline const token_list& base() {
  static const token_list b = [] {
    token_list out;
    std::unordered_set<std::string_view> seen;
    for (std::string_view t : stream())
      if (seen.insert(t).second) out.push_back(t);
    return out;
  }();
  return b;
}

/// A process-wide `T`, made on first use and filled with the base tokens through `add(T&, token)`:
/// the permanent layer (or the baseline's table) that every benchmark of a binary shares. One object per
/// (T, Add) pair, so give each call site its own lambda. Thread-safe (a function-local static).
template <class T, class Add>
T& base_filled(Add add) {
  static T value;
  static const bool filled = [&] {
    for (std::string_view t : base()) add(value, t);
    return true;
  }();
  (void)filled;
  return value;
}

/// Unique tokens that are not in `base()`: the corpus's other distinct tokens (shuffled with a fixed
/// seed), then synthetic unique tokens when more are asked for. `fresh(n)` is a prefix of `fresh(m)`
/// for n < m. Thread-safe.
inline token_list fresh(std::size_t n) {
  struct state {
    std::mutex mutex;
    token_list tokens;
    std::unordered_set<std::string_view> seen;  // every corpus token and every synthetic one
    string_pool pool;
    token_generator gen{42};
  };
  static state* s = [] {
    auto* st = new state();
    std::unordered_set<std::string_view> in_base(base().begin(), base().end());
    for (std::string_view t : all_tokens()) {
      if (st->seen.insert(t).second && in_base.count(t) == 0) st->tokens.push_back(t);
    }
    std::mt19937_64 rng(1234);
    std::shuffle(st->tokens.begin(), st->tokens.end(), rng);
    return st;
  }();
  std::lock_guard lock(s->mutex);
  while (s->tokens.size() < n) {
    const std::string t = s->gen.token();
    if (s->seen.count(t) != 0) continue;
    const std::string_view v = s->pool.add(t);
    s->seen.insert(v);
    s->tokens.push_back(v);
  }
  return token_list(s->tokens.begin(), s->tokens.begin() + static_cast<std::ptrdiff_t>(n));
}

/// `n` distinct tokens: `base()` followed by `fresh()`, shuffled with a fixed seed.
inline token_list uniques(std::size_t n) {
  token_list out = base();
  if (out.size() < n) {
    const token_list more = fresh(n - out.size());
    out.insert(out.end(), more.begin(), more.end());
  }
  std::mt19937_64 rng(99);
  std::shuffle(out.begin(), out.end(), rng);
  out.resize(n);
  return out;
}

/// The raw corpus text (for tokenizer benchmarks): the file's bytes, or the synthetic tokens joined by
/// spaces with a blank line every 200 tokens.
inline std::string_view corpus_text() {
  static const std::string* synthetic = [] {
    auto* s = new std::string();
    const corpus_data& c = corpus();
    if (!c.text.empty()) return s;
    for (std::size_t i = 0; i < c.tokens.size(); ++i) {
      s->append(c.tokens[i]);
      s->append((i + 1) % 200 == 0 ? "\n\n" : " ");
    }
    return s;
  }();
  const corpus_data& c = corpus();
  return c.text.empty() ? std::string_view(*synthetic) : std::string_view(c.text);
}

/// The corpus split into documents at blank lines ("\n\n"), each at most `max_bytes` long (longer ones
/// are cut at the last whitespace before the limit): the unit of work of a service, e.g. one zone per
/// document or per batch of documents.
inline token_list documents(std::size_t max_bytes = 64 * 1024) {
  token_list docs;
  std::string_view rest = corpus_text();
  while (!rest.empty()) {
    std::size_t end = rest.find("\n\n");
    end = end == std::string_view::npos ? rest.size() : end + 2;
    if (end > max_bytes) {
      end = max_bytes;
      while (end > 1 && !is_space(rest[end - 1])) --end;
      if (end <= 1) end = max_bytes;
    }
    const std::string_view doc = rest.substr(0, end);
    if (doc.find_first_not_of(" \t\r\n\f\v") != std::string_view::npos) docs.push_back(doc);
    rest.remove_prefix(end);
  }
  return docs;
}

/// Adds the data source and mode to the benchmark context (shown in the console and the JSON).
inline void add_context() {
  std::string path = corpus_path();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) {
    std::fclose(f);
  } else {
    path = "synthetic (no corpus at " + path + ")";
  }
  benchmark::AddCustomContext("lexzone_corpus", path);
  benchmark::AddCustomContext("lexzone_quick", quick() ? "1" : "0");
}

}  // namespace lexzone_bench

/// The main() of every lexzone benchmark binary.
#define LEXZONE_BENCH_MAIN()                                          \
  int main(int argc, char** argv) {                                   \
    lexzone_bench::add_context();                                     \
    benchmark::Initialize(&argc, argv);                               \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1; \
    benchmark::RunSpecifiedBenchmarks();                              \
    benchmark::Shutdown();                                            \
    return 0;                                                         \
  }
