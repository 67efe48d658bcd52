// The segmentation cache's lexemes (english_tokenizer.hpp, "The zone-aware cache"): whatever the cache
// holds, every token's lexeme is the one its scope's `add(text)` returns now: permanent lexemes across
// zones, a zone's lexemes only in that zone (never after it closed, also when the next zone reuses its
// memory), an enclosing zone's through a child, and a cache emptied while a text is tokenized.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/vocab.hpp>

#include <string>
#include <vector>

#include "support/catch.hpp"

namespace tokenizer_lexeme_cache_test {

namespace {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer = lexzone::english_tokenizer<vocab>;

// Texts that repeat chunks (cache hits), mix permanent words with new ones, and use special cases
// (contractions, emoticons) and the matcher pass across chunks.
const std::vector<std::string> texts = {
    "The quokka met a Zebra. The quokka didn't care!",
    "Zebra crossings: quokka-proof? Yes, the quokka said :) and left.",
    "A quokka, a Zebra and the U.S. don't mix... (really)",
    "quokka quokka Zebra Zebra the the 10,000 quokkas",
};

// Every token's lexeme is the scope's lexeme of its text (same address), and its text is that text.
template <class Scope>
void check_doc(Scope& scope, const lexzone::basic_doc<vocab>& d) {
  REQUIRE(d.size() > 0);
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto& lex = d[i].lex();
    REQUIRE(lex.text() == d[i].text());
    REQUIRE(&lex == &scope.add(d[i].text()));
  }
}

}  // namespace

TEST_CASE("tokenizer cache: tokens get the lexemes their scope gives, zone after zone", "[tokenizer][cache]") {
  vocab v;
  for (const char* w : {"the", "The", "a", "A", "and", "care", "said"}) v.add(w);
  tokenizer tok(v);
  for (int round = 0; round < 20; ++round) {
    auto zone = v.memory_zone();
    for (const auto& t : texts) check_doc(zone, tok(zone, t));
    {
      auto child = zone.memory_zone();  // the enclosing zone's lexemes, and the child's own
      for (const auto& t : texts) check_doc(child, tok(child, t + " Child" + std::to_string(round)));
    }
    for (const auto& t : texts) check_doc(zone, tok(zone, t));  // the child closed: none of its lexemes
  }
  for (const auto& t : texts) check_doc(v, tok(v, t));  // now permanent
  auto zone = v.memory_zone();
  for (const auto& t : texts) check_doc(zone, tok(zone, t));  // the permanent lexemes, through a zone
  CHECK(tok.stats().hits > 0);
}

TEST_CASE("tokenizer cache: a closed zone's lexemes are never handed out again", "[tokenizer][cache]") {
  vocab v;
  tokenizer tok(v);
  const std::size_t base = v.permanent_size();
  for (int round = 0; round < 50; ++round) {
    auto zone = v.memory_zone();
    // A word of its own first, so that the repeated words land elsewhere in each zone's memory: a
    // pointer kept from a closed zone would show another text (or, under ASan, poisoned memory).
    const std::string text =
        "Lead" + std::string(static_cast<std::size_t>(round % 9), 'x') + " Zorblax met Quuxine near Zorblax.";
    const auto d = tok(zone, text);
    check_doc(zone, d);
    REQUIRE(zone.transient_size() >= 3);  // the new words were made in this zone again
  }
  CHECK(v.permanent_size() == base);  // nothing became permanent
}

TEST_CASE("tokenizer cache: emptied while a text is tokenized, or used with another vocab", "[tokenizer][cache]") {
  vocab v;
  tokenizer tok(v, tokenizer::options{3});  // resets every few chunks
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "w" + std::to_string(i % 7) + " Zebra! the quokka, ";
  for (int round = 0; round < 5; ++round) {
    auto zone = v.memory_zone();
    check_doc(zone, tok(zone, long_text));
    for (const auto& t : texts) check_doc(zone, tok(zone, t));
  }
  CHECK(tok.stats().resets > 0);
  // The same tokenizer on another vocab's zone: that vocab's lexemes, never the cached ones.
  vocab other;
  tokenizer warm(v);
  auto vz = v.memory_zone();
  for (const auto& t : texts) check_doc(vz, warm(vz, t));
  auto oz = other.memory_zone();
  for (const auto& t : texts) check_doc(oz, warm(oz, t));
  for (const auto& t : texts) check_doc(vz, warm(vz, t));
}

}  // namespace tokenizer_lexeme_cache_test
