// Fuzz target `rule_engine`: the data-driven tokenizer (regex/rule_tokenizer.hpp) with random rules on
// random text. The engine must give a clear error for a bad rule, or tokens that rebuild the text; never
// crash, hang or throw anything else.
//
// Input: records separated by the byte 0x1E.
//   record 0      flags: bit 0 faster_heuristics off; bit 1 the cache keeps 8 chunks (else 10,000)
//   records 1-5   prefix_search, suffix_search, infix_finditer, token_match, url_match (Python regex
//                 source; an empty record is no rule); at most 512 bytes each
//   records 6..   special cases, pieces separated by 0x1F: the key is their concatenation, or, for a
//                 record that starts with '!', the first piece is the key and the rest its pieces (which
//                 may not join: the error must then be std::invalid_argument)
//   last record   the text, at most 1,024 bytes
// Checks:
//   1. Construction succeeds, or throws regex_error whose message names one of the five rules, or
//      std::invalid_argument for a bad special case.
//   2. The text is tokenized in a zone by a tokenizer with the cache (twice) and a copy without it. Either
//      all three throw regex_error naming a rule (a PCRE2 limit), or the three docs are equal and each one
//      rebuilds the text: `doc.text()` is the input, tokens are non-empty, contiguous but for the single
//      ' ' of `has_space()`, and each token's text is the input at its byte offset. `explain()` gives the
//      same pieces minus white space.
//   3. The infix rule is removed through the builder and the text tokenized again: the same checks.
// Matching runs under small PCRE2 limits, so that no input takes long.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>
#include <lexzone/regex/rule_tokenizer.hpp>
#include <lexzone/unicode/properties.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using vocab_t = lexzone::en::vocab;
using tokenizer_t = lexzone::rule_tokenizer<vocab_t>;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "rule_engine: check failed at rule_engine.cpp:%d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond)                \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

bool names_a_rule(std::string_view message) {
  for (const lexzone::regex_rule r : lexzone::all_regex_rules) {
    if (message.find(std::string(lexzone::to_string(r)) + ": ") != std::string_view::npos) return true;
  }
  return false;
}

/// A doc's tokens as (byte offset, text, trailing space), checked to rebuild `text`.
struct token_view {
  std::size_t at;
  std::string_view text;
  bool space;
  bool operator==(const token_view&) const = default;
};

std::vector<token_view> checked_tokens(const lexzone::basic_doc<vocab_t>& doc, std::string_view text) {
  FUZZ_CHECK(doc.text() == text);
  std::vector<token_view> out;
  std::size_t at = 0;
  for (const auto& t : doc) {
    FUZZ_CHECK(t.byte_idx() == at);
    FUZZ_CHECK(!t.text().empty());
    FUZZ_CHECK(text.substr(at, t.text().size()) == t.text());
    out.push_back({at, t.text(), t.has_space()});
    at += t.text().size();
    if (t.has_space()) {
      FUZZ_CHECK(at < text.size() && text[at] == ' ');
      ++at;
    }
  }
  FUZZ_CHECK(at == text.size());
  return out;
}

/// Tokenizes `text` with `cached` (twice) and `uncached`; checks the outcomes agree (see the file comment).
void run_text(vocab_t& vocab, tokenizer_t& cached, tokenizer_t& uncached, std::string_view text) {
  auto zone = vocab.memory_zone();
  std::vector<std::vector<token_view>> results;
  int errors = 0;
  for (tokenizer_t* tok : {&cached, &cached, &uncached}) {
    try {
      results.push_back(checked_tokens((*tok)(zone, text), text));
    } catch (const lexzone::regex::regex_error& e) {
      FUZZ_CHECK(names_a_rule(e.what()));
      ++errors;
    }
  }
  FUZZ_CHECK(errors == 0 || errors == 3);
  if (errors != 0) return;
  FUZZ_CHECK(results[0] == results[1] && results[0] == results[2]);
  const auto explained = cached.explain(text);
  std::size_t k = 0;
  for (const auto& t : results[0]) {
    if (lexzone::unicode::str_isspace(t.text)) continue;
    FUZZ_CHECK(k < explained.size());
    FUZZ_CHECK(explained[k].piece.begin == t.at && explained[k].piece.text_in(text) == t.text);
    ++k;
  }
  FUZZ_CHECK(k == explained.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto records = split(std::string_view(reinterpret_cast<const char*>(data), size), '\x1e');
  if (records.size() < 7) return 0;
  lexzone::tokenizer_rules rules;
  const unsigned flags = records[0].empty() ? 0u : static_cast<unsigned char>(records[0][0]);
  rules.faster_heuristics = (flags & 1u) == 0;
  for (std::size_t i = 0; i < 5; ++i) {
    if (!records[1 + i].empty())
      rules.regex_source(lexzone::all_regex_rules[i]) = std::string(records[1 + i].substr(0, 512));
  }
  bool bad_case = false;
  for (std::size_t i = 6; i + 1 < records.size(); ++i) {
    auto pieces = split(records[i], '\x1f');
    lexzone::special_case sc;
    if (!pieces.front().empty() && pieces.front().front() == '!') {
      sc.key = std::string(pieces.front().substr(1));
      pieces.erase(pieces.begin());
      bad_case = true;
    }
    for (const auto p : pieces) {
      sc.tokens.push_back({std::string(p), std::nullopt});
      if (!bad_case) sc.key += p;
      bad_case = bad_case || p.empty();
    }
    rules.exceptions.push_back(std::move(sc));
  }
  const std::string_view text = records.back().substr(0, 1024);

  lexzone::regex::regex_options limited;
  limited.limits.match_limit = 20'000;
  limited.limits.depth_limit = 2'000;
  limited.limits.heap_limit_kib = 2'000;
  vocab_t vocab;
  std::optional<tokenizer_t> cached;
  try {
    cached.emplace(vocab, rules, tokenizer_t::options{(flags & 2u) != 0 ? 8u : 10'000u}, limited);
  } catch (const lexzone::regex::regex_error& e) {
    FUZZ_CHECK(names_a_rule(e.what()));
    return 0;
  } catch (const std::invalid_argument&) {
    FUZZ_CHECK(bad_case);
    return 0;
  }
  tokenizer_t uncached(vocab, cached->shared_rules(), tokenizer_t::options{0});
  run_text(vocab, *cached, uncached, text);

  try {
    cached->set_infix_finditer(std::nullopt);
  } catch (const lexzone::regex::regex_error& e) {  // a limit while rebuilding the special-case patterns
    FUZZ_CHECK(names_a_rule(e.what()));
    return 0;
  }
  uncached = tokenizer_t(vocab, cached->shared_rules(), tokenizer_t::options{0});
  run_text(vocab, *cached, uncached, text);
  return 0;
}
