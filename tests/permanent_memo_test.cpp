// The per-thread memo of permanent attribute strings (detail/permanent_memo.hpp): exact keys, one store's
// entries never answer for another (also a store made later at the same address), and lexemes created
// with it hold exactly the attributes and strings they hold without it.
#include <lexzone/detail/permanent_memo.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/vocab.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/fresh_attributes.hpp"

namespace permanent_memo_test {

namespace {

using lexzone::detail::permanent_memo;
using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using lexzone::test::check_fresh_attributes;

}  // namespace

TEST_CASE("permanent_memo: finds exactly the recorded string of the recorded store", "[memo]") {
  const std::uint64_t store = lexzone::detail::next_generation();
  const std::uint64_t other = lexzone::detail::next_generation();
  const std::vector<std::string> texts = {
      "a",    "ab",      "abc",      "abd",      "bbc",      "abcd",           "abce",
      "xbcd", "abcdefg", "abcdefgh", "abcdefgi", "bbcdefgh", "abcdefghijklmno"};
  for (std::size_t i = 0; i < texts.size(); ++i) permanent_memo::record(store, texts[i], 1000 + i);
  std::size_t found = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const lexzone::hash_t id = permanent_memo::find(store, texts[i]);
    // Displaced by a later record in the same slot (possible, 512 slots) or the recorded id; never another.
    CHECK((id == 0 || id == 1000 + i));
    found += id != 0 ? 1 : 0;
    CHECK(permanent_memo::find(other, texts[i]) == 0);
  }
  CHECK(found > texts.size() / 2);
  // Strings that share bytes with recorded ones, or are one byte longer or shorter, are not found.
  for (const char* s : {"ac", "abcdf", "abcdefgj", "abcdefghijklmnp", "abcdefghijklmn", "b", "abcdefghi"})
    CHECK(permanent_memo::find(store, s) == 0);
  // Longer than max_size, or empty: never recorded.
  permanent_memo::record(store, "abcdefghijklmnop", 7);
  CHECK(permanent_memo::find(store, "abcdefghijklmnop") == 0);
  permanent_memo::record(store, "", 7);
  CHECK(permanent_memo::find(store, "") == 0);
}

TEST_CASE("permanent_memo: a zone's lexemes get every attribute string, whatever an earlier store recorded", "[memo]") {
  // A store records "Xxxxx", "bra", "Z"... as permanent; it is destroyed and the next one (often at the
  // same address) does not have them: its zone lexemes must intern them in the zone.
  for (int round = 0; round < 3; ++round) {
    {
      vocab earlier;
      for (const char* w : {"Zebra", "Cobra", "cobra", "Bra", "ZEBRA"}) earlier.add(w);
      auto z = earlier.memory_zone();
      check_fresh_attributes(z.strings(), z.add("Abra"));  // "bra", "Xxxx": permanent, from the memo
    }
    vocab later;
    auto z = later.memory_zone();
    for (const char* w : {"Cobra", "Zebra", "Abra", "ZEBRA"}) {
      const auto& lex = z.add(w);
      check_fresh_attributes(z.strings(), lex);
    }
    z.close();
    CHECK(later.strings().size() == later.strings().permanent_size());
    CHECK_FALSE(later.strings().contains("bra"));  // only zone strings were made, and they are gone
  }
}

TEST_CASE("permanent_memo: permanent and zone creations agree with a vocab that never used the memo", "[memo]") {
  vocab v;
  for (const char* w : {"the", "Apple", "apple", "running", "Running", "U.S.", "10,000", "ing"}) v.add(w);
  const std::vector<std::string> words = {"Pineapple", "APPLE",  "jogging", "Jogging", "U.K.",   "20,000", "ring",
                                          "Ring",      "apples", "naïve",   "Naïve",   "e-mail", "x"};
  for (int round = 0; round < 2; ++round) {  // the second round finds the memo warm
    auto z = v.memory_zone();
    for (const auto& w : words) check_fresh_attributes(z.strings(), z.add(w));
    auto child = z.memory_zone();
    for (const auto& w : words) check_fresh_attributes(child.strings(), child.add(w + "s"));
  }
  for (const auto& w : words) check_fresh_attributes(v.strings(), v.add(w));  // permanent creations record
  auto z = v.memory_zone();
  for (const auto& w : words) check_fresh_attributes(z.strings(), z.add("Re" + w));
}

}  // namespace permanent_memo_test
