// Fuzz target `patterns`: spaCy `patterns.jsonl` loading (io/entity_ruler_jsonl.hpp) and `entity_ruler`
// on arbitrary bytes.
//
// The whole input is one patterns file. It goes through both entry points of the loader:
//   - `load_patterns_jsonl(istream)`, then `entity_ruler::add_patterns` on ruler `lower` (the default
//     phrase splitter, phrases compared on LOWER, `overwrite_ents`);
//   - `add_patterns_jsonl(ruler, istream)` on rulers `orth` and `norm` (phrases split by the English
//     tokenizer's rules, with its special cases' norms, compared on ORTH and on NORM).
// Each call either succeeds (the ruler holds exactly the new patterns more) or throws `pattern_error`
// (the loader's documented error; its `line()` is a line of the input, and both entry points report the
// same error for a file the loader rejects); any other exception is a finding. All or nothing: after a
// throw the ruler's pattern count and the vocab's permanent strings and lexemes are as before.
// When the file loads, a fixed text and up to four of the file's phrases are tokenized in a zone and run
// through the rulers: the entities are sorted, disjoint, in range, with permanent labels and ids; a
// phrase that `orth` or `norm` accepted is found as one entity spanning its whole doc; and the zone adds nothing
// permanent (every size of the vocab is back after it closes).
//
// REGEX: when built with PCRE2 (LEXZONE_HAVE_PCRE2, target lexzone::regex), every ruler compiles REGEX
// with `regex::pcre2_compiler` under small limits, so that valid, invalid and pathological regexes from
// the input are all exercised: a bad regex must be a `pattern_error` (with its line, nothing added or
// interned), and a match beyond the limits a `regex::regex_error` from the ruler that leaves the doc
// unchanged (as does a doc beyond the ruler's `match_limits`: `match_limit_error`). Without PCRE2, REGEX
// patterns are refused as unsupported (`pattern_error` as well).
//
// State: the vocab, the tokenizer and the rulers (which start with a few patterns of their own) live
// for `inputs_per_vocab` inputs, then are made afresh, so the rulers grow across inputs as in a service
// that loads several files. A finding may depend on earlier inputs: see tests/fuzz/README.md.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/regex/regex_error.hpp>
#include <lexzone/vocab.hpp>
#if LEXZONE_HAVE_PCRE2
#  include <lexzone/regex/pattern_regex.hpp>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using vocab_t = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer_t = lexzone::english_tokenizer<vocab_t>;
using ruler_t = lexzone::entity_ruler<vocab_t>;
using doc_t = tokenizer_t::doc_type;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "patterns: check failed at patterns.cpp:%d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond)                \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

[[noreturn]] void unexpected(const char* where, const std::exception& e) {
  std::fprintf(stderr, "patterns: %s threw an undocumented exception: %s\n", where, e.what());
  std::abort();
}

constexpr std::size_t inputs_per_vocab = 64;

// What the rulers start with (from tests/data/entity_ruler_patterns.sample.jsonl).
constexpr std::string_view initial_patterns =
    "{\"label\": \"ORG\", \"pattern\": \"Explosion AI\", \"id\": \"explosion\"}\n"
    "{\"label\": \"GPE\", \"pattern\": [{\"LOWER\": \"san\"}, {\"LOWER\": \"francisco\"}], \"id\": \"san-francisco\"}\n"
    "{\"label\": \"MONEY\", \"pattern\": [{\"ORTH\": \"$\"}, {\"LIKE_NUM\": true}, "
    "{\"LOWER\": {\"IN\": [\"million\", \"billion\"]}, \"OP\": \"?\"}]}\n"
    "{\"label\": \"EMAIL\", \"pattern\": [{\"LIKE_EMAIL\": true}]}\n";

constexpr std::string_view fixed_text =
    "Explosion AI paid $ 5 million to Dr. Smith in San Francisco; mail ada@example.com or see "
    "https://example.org/v1.2 (version 1.2.3), don't wait!!  NEW YORK\tcity\n\"Apple\" iPhone 15 Pro Max.";

// The regex compiler of the rulers: PCRE2 with limits small enough that a pathological regex fails in
// well under the fuzzer's timeout on any token, or none without PCRE2.
lexzone::regex_compiler fuzz_regex_compiler() {
#if LEXZONE_HAVE_PCRE2
  lexzone::regex::regex_options options;
  options.limits.match_limit = 100'000;
  options.limits.depth_limit = 10'000;
  options.limits.heap_limit_kib = 4'096;
  return lexzone::regex::pcre2_compiler(options);
#else
  return {};
#endif
}

lexzone::entity_ruler_config lower_config() {
  lexzone::entity_ruler_config c;
  c.phrase_matcher_attr = lexzone::token_attr::lower;
  c.overwrite_ents = true;
  c.regex = fuzz_regex_compiler();
  return c;
}

lexzone::entity_ruler_config orth_config(const tokenizer_t& tok) {
  lexzone::entity_ruler_config c;
  c.splitter = tok.phrase_splitter();
  c.regex = fuzz_regex_compiler();
  return c;
}

// As orth_config, compared on NORM: phrases take the norms of the tokenizer's special cases.
lexzone::entity_ruler_config norm_config(const tokenizer_t& tok) {
  lexzone::entity_ruler_config c = orth_config(tok);
  c.phrase_matcher_attr = lexzone::token_attr::norm;
  return c;
}

struct generation {
  generation()
      : tok(vocab), lower(vocab, lower_config()), orth(vocab, orth_config(tok)), norm(vocab, norm_config(tok)) {
    std::istringstream a{std::string(initial_patterns)};
    lower.add_patterns(lexzone::io::load_patterns_jsonl(a));
    std::istringstream b{std::string(initial_patterns)};
    (void)lexzone::io::add_patterns_jsonl(orth, b);
    std::istringstream c{std::string(initial_patterns)};
    (void)lexzone::io::add_patterns_jsonl(norm, c);
  }
  vocab_t vocab;
  tokenizer_t tok;
  ruler_t lower;
  ruler_t orth;
  ruler_t norm;
  std::size_t inputs = 0;
};

// What an add must leave unchanged when it throws.
struct footprint {
  std::size_t patterns, permanent_strings, permanent_lexemes;
  bool operator==(const footprint&) const = default;
};
footprint footprint_of(const ruler_t& r, const vocab_t& v) {
  return {r.size(), v.strings().permanent_size(), v.permanent_size()};
}

struct sizes {
  std::size_t lexemes, permanent_lexemes, strings, permanent_strings, open_zones, zone_bytes;
  bool operator==(const sizes&) const = default;
};
sizes sizes_of(const vocab_t& v) {
  const auto st = v.stats();
  return {v.size(),
          v.permanent_size(),
          v.strings().size(),
          v.strings().permanent_size(),
          st.strings.open_zones,
          st.strings.zone_bytes};
}

// Lines std::getline sees in `bytes`.
std::size_t line_count(std::string_view bytes) {
  const auto n = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  return n + (!bytes.empty() && bytes.back() != '\n' ? 1 : 0);
}

void check_error(const lexzone::pattern_error& e, std::string_view bytes) {
  FUZZ_CHECK(e.line() >= 1 && e.line() <= line_count(bytes));
  FUZZ_CHECK(!e.problem().empty());
  FUZZ_CHECK(std::string_view(e.what()).find(e.problem()) != std::string_view::npos);
  // The problem quotes the input escaped (a NUL in a key once cut what() short): nothing left to escape.
  FUZZ_CHECK(lexzone::detail::printable(e.problem()) == e.problem());
}

// Entities as `entity_ruler` promises them: ordered, disjoint, in range; ids permanent; labels permanent
// and those of the rulers that ran on the doc (`lower` keeps the entities of `orth` it does not overlap).
void check_ents(const doc_t& doc, std::initializer_list<const ruler_t*> rulers, const vocab_t& vocab) {
  std::vector<std::string_view> labels;
  for (const ruler_t* r : rulers) {
    const auto more = r->labels();
    labels.insert(labels.end(), more.begin(), more.end());
  }
  std::uint32_t end = 0;
  for (const auto& e : doc.entity_records()) {
    FUZZ_CHECK(e.start >= end);
    FUZZ_CHECK(e.start < e.end && e.end <= doc.size());
    end = e.end;
    const auto label = vocab.strings().find(e.label);
    FUZZ_CHECK(label.has_value() && !label->empty());
    FUZZ_CHECK(std::find(labels.begin(), labels.end(), *label) != labels.end());
    if (e.id != 0) FUZZ_CHECK(vocab.strings().find(e.id).has_value());
  }
}

// Runs `ruler` on `doc`: true when it set the entities; false when a REGEX match exceeded its limits
// (`regex_error` with a limit code) or the doc its matching limits (`match_limit_error`), the documented
// errors of matching, either of which must leave the doc unchanged.
bool run_ruler(const ruler_t& ruler, doc_t& doc) {
  const auto before = doc.entity_records();
  const auto unchanged = [&] {
    const auto& after = doc.entity_records();
    FUZZ_CHECK(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i)
      FUZZ_CHECK(after[i].start == before[i].start && after[i].end == before[i].end &&
                 after[i].label == before[i].label && after[i].id == before[i].id);
  };
  try {
    ruler(doc);
    return true;
  } catch (const lexzone::regex::regex_error& e) {
    const auto code = e.code();
    FUZZ_CHECK(code == lexzone::regex::regex_errc::match_limit || code == lexzone::regex::regex_errc::depth_limit ||
               code == lexzone::regex::regex_errc::heap_limit);
    unchanged();
    return false;
  } catch (const lexzone::match_limit_error&) {
    unchanged();
    return false;
  }
}

void run(generation& g, std::string_view bytes) {
  vocab_t& vocab = g.vocab;

  // load_patterns_jsonl, then add_patterns on `lower`.
  std::optional<std::vector<lexzone::entity_pattern>> loaded;
  std::string load_error;
  try {
    std::istringstream in{std::string(bytes)};
    loaded = lexzone::io::load_patterns_jsonl(in);
  } catch (const lexzone::pattern_error& e) {
    check_error(e, bytes);
    load_error = e.what();
  } catch (const std::exception& e) {
    unexpected("load_patterns_jsonl", e);
  }
  if (loaded) {
    const footprint before = footprint_of(g.lower, vocab);
    try {
      g.lower.add_patterns(*loaded);
      FUZZ_CHECK(g.lower.size() == before.patterns + loaded->size());
    } catch (const lexzone::pattern_error& e) {
      FUZZ_CHECK(e.index() < loaded->size());
      FUZZ_CHECK(lexzone::detail::printable(e.problem()) == e.problem());
      FUZZ_CHECK(footprint_of(g.lower, vocab) == before);
    } catch (const std::exception& e) {
      unexpected("entity_ruler::add_patterns", e);
    }
  }

  // add_patterns_jsonl on `orth` and on `norm`: true when the patterns were added.
  const auto add_jsonl = [&](ruler_t& ruler) {
    const footprint before = footprint_of(ruler, vocab);
    try {
      std::istringstream in{std::string(bytes)};
      const std::size_t n = lexzone::io::add_patterns_jsonl(ruler, in);
      FUZZ_CHECK(loaded.has_value() && n == loaded->size());
      FUZZ_CHECK(ruler.size() == before.patterns + n);
      return true;
    } catch (const lexzone::pattern_error& e) {
      check_error(e, bytes);
      if (!loaded) FUZZ_CHECK(e.what() == load_error);  // the same loader, the same first error
      FUZZ_CHECK(footprint_of(ruler, vocab) == before);
    } catch (const std::exception& e) {
      unexpected("add_patterns_jsonl", e);
    }
    return false;
  };
  const bool orth_added = add_jsonl(g.orth);
  const bool norm_added = add_jsonl(g.norm);
  if (!loaded) return;

  // Matching in a zone: correct entities, nothing permanent.
  const sizes before = sizes_of(vocab);
  {
    auto zone = vocab.memory_zone();
    doc_t doc = g.tok(zone, fixed_text);
    run_ruler(g.orth, doc);
    check_ents(doc, {&g.orth}, vocab);
    run_ruler(g.lower, doc);  // overwrite_ents: may replace what `orth` found
    check_ents(doc, {&g.orth, &g.lower}, vocab);
    doc_t fresh = g.tok(zone, fixed_text);
    run_ruler(g.lower, fresh);
    check_ents(fresh, {&g.lower}, vocab);

    std::size_t phrases = 0;
    for (const auto& p : *loaded) {
      const auto* text = std::get_if<std::string>(&p.pattern);
      if (text == nullptr) continue;
      if (++phrases > 4) break;
      // The phrase was split by the tokenizer's own rules, with its norms: on ORTH and on NORM, the
      // longest match is the whole doc.
      for (const auto& [ruler, added] : {std::pair{&g.orth, orth_added}, std::pair{&g.norm, norm_added}}) {
        doc_t d = g.tok(zone, *text);
        const bool matched = run_ruler(*ruler, d);
        check_ents(d, {ruler}, vocab);
        if (added && matched) {
          const auto& ents = d.entity_records();
          FUZZ_CHECK(ents.size() == 1 && ents[0].start == 0 && ents[0].end == d.size());
        }
      }
      doc_t d = g.tok(zone, *text);
      run_ruler(g.orth, d);
      run_ruler(g.lower, d);
      check_ents(d, {&g.orth, &g.lower}, vocab);
    }
    FUZZ_CHECK(vocab.permanent_size() == before.permanent_lexemes);
    FUZZ_CHECK(vocab.strings().permanent_size() == before.permanent_strings);
  }  // the docs die, then the guard closes the zone
  FUZZ_CHECK(sizes_of(vocab) == before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<generation> g;
  if (!g || g->inputs == inputs_per_vocab) {
    g.reset();
    g = std::make_unique<generation>();
  }
  ++g->inputs;
  run(*g, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
