// Fuzz target `tokenizer`: the English tokenizer on arbitrary bytes (invalid UTF-8, NUL bytes, any white
// space), in a zone and on the permanent layer, with the segmentation cache on and off.
//
// The whole input is one text. Each input is tokenized
//   1. in a fresh zone: twice by the cached tokenizer (the second run reads the chunks the first one
//      cached) and once by a tokenizer without a cache; the three docs must be identical (same lexemes,
//      offsets, spaces and norms); the zone adds nothing permanent, and after it closes every size of
//      the vocab and its string store is back to what it was before;
//   2. on the permanent layer, cached and uncached (identical docs again); every token's lexeme is then
//      the vocab's permanent lexeme of its text;
//   3. in a fresh zone once more: every lexeme is permanent by now, so the zone creates none;
//   4. through the segmenter's explain(), which must give the segmentation's pieces minus white space.
// Every doc is checked on its own: `doc.text()` is the input; tokens are non-empty, follow each other
// with no gap but the single ' ' of `has_space()`, and each one's text is the input at its byte offset,
// so tokens plus spaces rebuild the input; no token boundary falls inside a UTF-8 sequence; `char_idx`
// is `unicode::length` of the bytes before the token; the token's norm resolves in its scope.
//
// State: the vocab and both tokenizers live for `inputs_per_vocab` inputs (so the cache and the
// permanent layer carry over between inputs, as in a service), then are made afresh; every other
// generation the cached tokenizer keeps only 8 chunks, so its cache is full and reset all the time.
// A finding may therefore depend on the inputs run before it: see tests/fuzz/README.md.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/unicode/properties.hpp>
#include <lexzone/unicode/utf8.hpp>
#include <lexzone/vocab.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using vocab_t = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer_t = lexzone::english_tokenizer<vocab_t>;
using doc_t = tokenizer_t::doc_type;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "tokenizer: check failed at tokenizer.cpp:%d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond)                \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

constexpr std::size_t inputs_per_vocab = 128;

// One generation: a vocab, a tokenizer with a cache and one without, over it.
struct generation {
  explicit generation(std::size_t cache_entries)
      : cached(vocab, tokenizer_t::options{cache_entries}), uncached(vocab, tokenizer_t::options{0}) {}
  vocab_t vocab;
  tokenizer_t cached;
  tokenizer_t uncached;
  std::size_t inputs = 0;
};

// Every size the vocab reports; a closed zone must leave all of them as they were.
struct sizes {
  std::size_t lexemes, permanent_lexemes, strings, permanent_strings, transient_lexemes, transient_strings, open_zones,
      zone_bytes;
  bool operator==(const sizes&) const = default;
};

sizes sizes_of(const vocab_t& v) {
  const auto st = v.stats();
  return {v.size(),
          v.permanent_size(),
          v.strings().size(),
          v.strings().permanent_size(),
          st.transient_lexemes,
          st.strings.transient_strings,
          st.strings.open_zones,
          st.strings.zone_bytes};
}

// The checks every doc passes on its own. `zone` is the doc's zone, or nullptr for the permanent layer.
void check_doc(const doc_t& doc, std::string_view text, vocab_t& vocab, vocab_t::zone_type* zone) {
  FUZZ_CHECK(doc.is_alive());
  FUZZ_CHECK(doc.text() == text);
  FUZZ_CHECK(doc.end_char(doc.size()) <= lexzone::unicode::length(text));
  std::string rebuilt;
  rebuilt.reserve(text.size());
  std::size_t pos = 0;                    // bytes covered so far (tokens and their spaces)
  std::size_t cursor = 0;                 // code point boundary of the whole text at or before pos
  std::size_t chars = 0;                  // code points before `cursor`
  const bool small = text.size() <= 512;  // small enough to recount every prefix from scratch
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto tok = doc[i];
    const std::size_t idx = tok.byte_idx();
    const std::string_view t = tok.text();
    FUZZ_CHECK(idx == pos);  // monotone, no gap, no overlap
    FUZZ_CHECK(!t.empty());
    FUZZ_CHECK(idx + t.size() <= text.size());
    FUZZ_CHECK(text.substr(idx, t.size()) == t);
    FUZZ_CHECK(tok.orth() == lexzone::hash_string(t));
    FUZZ_CHECK(tok.lex().text() == t);
    // Walk the whole text's code points up to the token: it must start on a boundary.
    while (cursor < idx) {
      cursor += lexzone::unicode::decode(text, cursor).size;
      ++chars;
    }
    FUZZ_CHECK(cursor == idx);
    FUZZ_CHECK(tok.idx() == chars);
    if (small) FUZZ_CHECK(tok.idx() == lexzone::unicode::length(text.substr(0, idx)));
    // The norm (a special case's NORM, else the lexeme's) is a string of the doc's scope.
    const lexzone::hash_t norm = tok.norm();
    if (zone != nullptr) {
      FUZZ_CHECK(zone->strings().find(norm).has_value());
    } else {
      FUZZ_CHECK(vocab.strings().find(norm).has_value());
    }
    rebuilt.append(t);
    pos = idx + t.size();
    if (tok.has_space()) {
      FUZZ_CHECK(pos < text.size() && text[pos] == ' ');
      rebuilt.push_back(' ');
      ++pos;
    }
  }
  FUZZ_CHECK(pos == text.size());
  FUZZ_CHECK(rebuilt == text);
  // The doc's last token ends on a code point boundary too (the end of the text).
  while (cursor < text.size()) cursor += lexzone::unicode::decode(text, cursor).size;
  FUZZ_CHECK(cursor == text.size());
}

// Same tokens: same lexeme (hence text), byte and char offsets, space and norm.
void check_same(const doc_t& a, const doc_t& b) {
  const auto ra = a.token_records();
  const auto rb = b.token_records();
  FUZZ_CHECK(ra.size() == rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) {
    FUZZ_CHECK(ra[i].lex == rb[i].lex);
    FUZZ_CHECK(ra[i].byte_idx == rb[i].byte_idx);
    FUZZ_CHECK(ra[i].idx == rb[i].idx);
    FUZZ_CHECK(ra[i].space == rb[i].space);
    FUZZ_CHECK(ra[i].norm == rb[i].norm);
  }
}

void run(generation& g, std::string_view text) {
  vocab_t& vocab = g.vocab;

  // 1. In a zone: cached (twice) and uncached agree; nothing permanent; the close restores every size.
  const sizes before = sizes_of(vocab);
  {
    auto zone = vocab.memory_zone();
    {
      const doc_t first = g.cached(zone, text);
      check_doc(first, text, vocab, &zone);
      const doc_t again = g.cached(zone, text);
      check_same(first, again);
      const doc_t plain = g.uncached(zone, text);
      check_doc(plain, text, vocab, &zone);
      check_same(first, plain);
      FUZZ_CHECK(vocab.permanent_size() == before.permanent_lexemes);
      FUZZ_CHECK(vocab.strings().permanent_size() == before.permanent_strings);
    }
    zone.close();
    FUZZ_CHECK(!zone.is_open());
  }
  FUZZ_CHECK(sizes_of(vocab) == before);

  // 2. On the permanent layer.
  {
    const doc_t perm = g.cached(vocab, text);
    check_doc(perm, text, vocab, nullptr);
    const doc_t plain = g.uncached(vocab, text);
    check_same(perm, plain);
    for (const auto& r : perm.token_records()) FUZZ_CHECK(vocab.find(r.lex->text()) == r.lex);
  }

  // 3. In a zone again: every token's lexeme is permanent now, so the zone creates none.
  const sizes after_perm = sizes_of(vocab);
  {
    auto zone = vocab.memory_zone();
    const doc_t doc = g.cached(zone, text);
    check_doc(doc, text, vocab, &zone);
    FUZZ_CHECK(zone.transient_size() == 0);
    for (const auto& r : doc.token_records()) FUZZ_CHECK(vocab.find(r.lex->text()) == r.lex);
  }  // the doc dies, then the guard closes the zone
  FUZZ_CHECK(sizes_of(vocab) == after_perm);

  // 4. explain() labels exactly the segmenter's pieces that are not white space (spaCy's test_explain).
  {
    std::vector<lexzone::piece> pieces;
    g.uncached.segment(text, pieces);
    const auto explained = g.uncached.rules().explain(text);
    std::size_t k = 0;
    for (const lexzone::piece& p : pieces) {
      if (lexzone::unicode::str_isspace(p.text_in(text))) continue;
      FUZZ_CHECK(k < explained.size());
      FUZZ_CHECK(explained[k].piece.begin == p.begin && explained[k].piece.size == p.size);
      FUZZ_CHECK(explained[k].piece.space_after == p.space_after);
      ++k;
    }
    FUZZ_CHECK(k == explained.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<generation> g;
  static std::size_t generations = 0;
  if (!g || g->inputs == inputs_per_vocab) {
    g.reset();  // the old tokenizers and vocab go first
    g = std::make_unique<generation>(generations++ % 2 == 0 ? 10000 : 8);
  }
  ++g->inputs;
  run(*g, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
