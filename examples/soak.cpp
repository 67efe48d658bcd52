// soak: pushes unique, generated production-like text through the pipeline (English tokenizer +
// entity ruler) in memory zones, a zone per batch of documents, and reports RSS at regular intervals.
// With --check it fails (exit 1) unless RSS after the first interval stays within --tolerance percent
// (default 1; not checked in ASan and TSan builds, whose allocators own RSS) and the vocab and string
// store are back at their baseline after every zone.
//
// usage: soak [--tokens N] [--every N] [--doc-tokens N] [--docs-per-zone N] [--seed S] [--check]
//             [--tolerance PCT] [--patterns FILE.jsonl] [--base-words FILE]
#include <malloc.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "support/cli.hpp"
#include "support/english_model.hpp"
#include "support/process_stats.hpp"
#include "support/text_generator.hpp"

namespace {
using vocab = lexzone::examples::en_vocab;

constexpr const char* usage_text =
    "usage: soak [--tokens N] [--every N] [--doc-tokens N] [--docs-per-zone N] [--seed S] [--check]\n"
    "            [--tolerance PCT] [--patterns FILE.jsonl] [--base-words FILE]\n";

// Bad arguments: the reason and the usage on stderr, exit status 2.
[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "soak: %s\n%s", why.c_str(), usage_text);
  std::exit(2);
}

std::uint64_t number(const char* flag, const char* s, std::uint64_t min) {
  const auto v = lexzone::examples::parse_unsigned(s, min);
  if (!v) usage(std::string("bad value for ") + flag + ": " + s);
  return *v;
}

double percent(const char* flag, const char* s) {
  const auto v = lexzone::examples::parse_non_negative(s);
  if (!v) usage(std::string("bad value for ") + flag + ": " + s);
  return *v;
}
}  // namespace

int main(int argc, char** argv) {
  std::uint64_t total = 100'000'000, every = 10'000'000, doc_tokens = 400, docs_per_zone = 250, seed = 7;
  bool check = false;
  double tolerance = 1.0;
  std::string patterns = LEXZONE_EXAMPLES_DATA_DIR "/patterns.jsonl";
  std::string base_words = LEXZONE_EXAMPLES_DATA_DIR "/base_words.txt";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage("missing value after " + a);
      return argv[++i];
    };
    if (a == "--tokens") {
      total = number("--tokens", value(), 1);
    } else if (a == "--every") {
      every = number("--every", value(), 1);
    } else if (a == "--doc-tokens") {
      doc_tokens = number("--doc-tokens", value(), 1);
    } else if (a == "--docs-per-zone") {
      docs_per_zone = number("--docs-per-zone", value(), 1);
    } else if (a == "--seed") {
      seed = number("--seed", value(), 0);
    } else if (a == "--tolerance") {
      tolerance = percent("--tolerance", value());
    } else if (a == "--patterns") {
      patterns = value();
    } else if (a == "--base-words") {
      base_words = value();
    } else if (a == "--check") {
      check = true;
    } else if (a == "--help" || a == "-h") {
      std::fputs(usage_text, stdout);
      return 0;
    } else {
      usage("unknown option " + a);
    }
  }
  // glibc raises its mmap threshold the first time a large block is freed, after which blocks of that
  // size come from the heap: RSS then steps up once, at a point that depends on the input. Fixing the
  // threshold keeps large blocks (zone index tables) in mmap, returned to the OS when a zone closes.
  // After each zone, malloc_trim hands the heap pages the zone freed back to the OS, so RSS measures
  // live memory instead of the allocator's free lists (see the README's deployment notes).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  try {
    vocab v;
    auto nlp = lexzone::examples::load_english_model(v, base_words, patterns);  // permanent; pool resident
    const std::size_t base_lexemes = v.size(), base_strings = v.strings().size();

    lexzone::examples::text_generator gen(seed);
    std::string text;
    std::uint64_t tokens = 0, next_report = every, entities = 0;
    double reference_rss = 0, worst = 0;
    bool sizes_ok = true;
    const auto start = std::chrono::steady_clock::now();
    std::printf("%12s %10s %10s %12s %12s\n", "tokens", "RSS MB", "vs first", "tokens/s", "entities");
    while (tokens < total) {
      {
        auto zone = v.memory_zone();
        for (std::uint64_t d = 0; d < docs_per_zone; ++d) {
          text.clear();
          gen.text(text, doc_tokens);
          const auto doc = nlp(zone, text);
          tokens += doc.size();
          entities += doc.entity_records().size();
        }
      }
      malloc_trim(0);
      sizes_ok = sizes_ok && v.size() == base_lexemes && v.strings().size() == base_strings;
      if (tokens >= next_report || tokens >= total) {
        next_report += every;
        const double rss = static_cast<double>(lexzone::examples::resident_bytes()) / 1e6;
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (reference_rss == 0) reference_rss = rss;
        const double drift = 100.0 * (rss - reference_rss) / reference_rss;
        worst = std::max(worst, std::fabs(drift));
        std::printf("%12llu %10.1f %+9.2f%% %12.0f %12llu\n", static_cast<unsigned long long>(tokens), rss, drift,
                    static_cast<double>(tokens) / secs, static_cast<unsigned long long>(entities));
        std::fflush(stdout);
      }
    }
    std::printf(
        "RSS drift after the first interval: at most %.2f%%; vocab and strings at baseline after every zone: %s\n",
        worst, sizes_ok ? "yes" : "NO");
    // Under ASan or TSan RSS is the sanitizer's (quarantine, shadow memory): --check keeps the sizes only.
    const bool check_rss = lexzone::examples::rss_is_meaningful;
    if (check && !check_rss) std::printf("RSS not checked: sanitizer build (its allocator's memory, not soak's)\n");
    // Without /proc the RSS reads 0 and every drift is NaN, which no comparison fails: a check that did
    // not measure fails.
    const bool rss_read = reference_rss > 0 && std::isfinite(worst);
    if (check && check_rss && !rss_read) std::fprintf(stderr, "soak: the RSS could not be read (/proc/self/statm)\n");
    if (check && ((check_rss && (!rss_read || worst > tolerance)) || !sizes_ok)) {
      std::fprintf(stderr, "soak: FAILED (tolerance %.2f%%)\n", tolerance);
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: %s\n", e.what());
    return 1;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::fprintf(stderr, "soak: cannot write the output\n");
    return 1;
  }
  return 0;
}
