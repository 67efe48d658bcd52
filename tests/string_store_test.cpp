#include <lexzone/detail/index_table.hpp>
#include <lexzone/detail/keyed_mix.hpp>
#include <lexzone/string_store.hpp>

#include <tsl/robin_map.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/colliding_hash.hpp"
#include "support/counting_allocator.hpp"

#if LEXZONE_HAS_ASAN
#  include <sanitizer/asan_interface.h>
#endif

namespace string_store_test {

using lexzone::hash_t;
using lexzone::retention;
using lexzone::string_store;

TEST_CASE("hash_string is XXH3-64 seed 0 with \"\" -> 0, pinned", "[hash]") {
  CHECK(lexzone::hash_string("") == 0u);
  // Pinned ids: these values are part of lexzone's stable interface and must never change.
  CHECK(lexzone::hash_string("a") == 0xe6c632b61e964e1full);
  CHECK(lexzone::hash_string("hello") == 0x9555e8555c62dcfdull);
  CHECK(lexzone::hash_string("The quick brown fox jumps over the lazy dog") == 0xce7d19a5418fb365ull);
  CHECK(lexzone::hash_string("lexzone") == 0xd7aaeb5f29b0e96dull);
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  CHECK(lexzone::hash_string("\xc3\x9c" "n\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9") == 0x315d1c81360c8bb8ull);  // "Ünïcödé"
  // clang-format on
  // Longer inputs take XXH3's other code paths (17-128, 129-240, > 240 bytes).
  // Reference values from the xxhsum tool (xxhsum -H3).
  CHECK(lexzone::hash_string(std::string(100, 'x')) == 0xc90984ffdf50ce42ull);
  CHECK(lexzone::hash_string(std::string(200, 'x')) == 0x50ef124fb1e4de53ull);
  CHECK(lexzone::hash_string(std::string(1000, 'x')) == 0xc0a4877b962cba82ull);
}

TEST_CASE("string_store: permanent add and lookup", "[string_store]") {
  string_store s;
  const hash_t h = s.add("dog");
  CHECK(h == lexzone::hash_string("dog"));
  CHECK(s.add("dog") == h);
  CHECK(s[h] == "dog");
  CHECK(s.contains(h));
  CHECK(s.contains("dog"));
  CHECK_FALSE(s.contains("cat"));
  CHECK(s.size() == 1);
  CHECK(s.find(lexzone::hash_string("cat")) == std::nullopt);
  try {
    (void)s[lexzone::hash_string("cat")];
    FAIL("expected unknown_hash");
  } catch (const lexzone::unknown_hash& e) {
    CHECK(e.hash() == lexzone::hash_string("cat"));
  }
  CHECK_THROWS_AS(s[12345], std::out_of_range);
}

TEST_CASE("string_store: the empty string has id 0 and is always present", "[string_store]") {
  string_store s;
  CHECK(s.add("") == 0u);
  CHECK(s[0].empty());
  CHECK(s.contains(hash_t{0}));
  CHECK(s.contains(std::string_view()));
  CHECK(s.size() == 0);
  auto z = s.memory_zone();
  CHECK(z.add("") == 0u);
  CHECK(z[0].empty());
  CHECK(z.transient_size() == 0);
}

TEST_CASE("string_store: views stay valid and in place while the store grows", "[string_store]") {
  string_store s;
  std::vector<std::pair<hash_t, std::string_view>> seen;
  for (int i = 0; i < 50000; ++i) {
    const std::string w = "word" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x');
    const hash_t h = s.add(w);
    seen.emplace_back(h, s[h]);
  }
  const std::string big(200000, 'b');  // a large block of its own
  const hash_t hb = s.add(big);
  CHECK(s[hb] == big);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    REQUIRE(s[seen[i].first].data() == seen[i].second.data());
  }
  std::size_t n = 0;
  s.for_each([&](std::string_view) { ++n; });
  CHECK(n == 50001);
}

TEST_CASE("string_store: stats() may be called from a for_each callback", "[string_store]") {
  // for_each holds the writer's lock while it walks; stats() reads the permanent bytes without it (it
  // used to take that lock, and waited for itself).
  string_store s;
  for (int i = 0; i < 100; ++i) s.add("s" + std::to_string(i));
  const std::size_t bytes = s.stats().permanent_bytes;
  CHECK(bytes > 0);
  std::size_t n = 0;
  s.for_each([&](std::string_view) {
    CHECK(s.stats().permanent_bytes == bytes);
    ++n;
  });
  CHECK(n == 100);
  auto zone = s.memory_zone();
  zone.add("zoned");
  n = 0;
  zone.for_each([&](std::string_view) {
    CHECK(s.stats().transient_strings == 1);
    ++n;
  });
  CHECK(n == 101);
}

TEST_CASE("string_store: shrink_to_fit frees the outgrown index tables, keeps every string", "[string_store]") {
  string_store s;
  std::vector<hash_t> ids;
  for (int i = 0; i < 50000; ++i) ids.push_back(s.add("word" + std::to_string(i)));
  const std::size_t before = s.stats().permanent_bytes;
  s.shrink_to_fit();
  const std::size_t after = s.stats().permanent_bytes;
  CHECK(after < before);
  CHECK(before - after >= 50000 * 4);  // the index doubled to hold them: the old tables were at least this
  for (int i = 0; i < 50000; ++i) REQUIRE(s[ids[static_cast<std::size_t>(i)]] == "word" + std::to_string(i));
  s.shrink_to_fit();  // nothing left to free
  CHECK(s.stats().permanent_bytes == after);
  // It keeps growing normally afterwards, and zones work.
  for (int i = 50000; i < 60000; ++i) s.add("word" + std::to_string(i));
  auto z = s.memory_zone();
  CHECK(z.add("zone-only") == lexzone::hash_string("zone-only"));
  CHECK(s.size() == s.permanent_size() + 1);  // the zone's string
  CHECK(s.permanent_size() >= 60000);
}

TEST_CASE("string_store: hash collisions are detected, nothing is stored", "[string_store][collision]") {
  lexzone::basic_string_store<lexzone::test::colliding_hash<7>> s;
  // 'a' = 97 and 'h' = 104 have the same byte sum modulo 7.
  const hash_t h = s.add("a");
  CHECK_THROWS_AS(s.add("h"), lexzone::hash_collision);
  try {
    s.add("h");
  } catch (const lexzone::hash_collision& e) {
    CHECK(e.hash() == h);
    CHECK(std::string(e.what()).find("\"a\"") != std::string::npos);
  }
  CHECK(s[h] == "a");
  CHECK(s.size() == 1);
  CHECK_FALSE(s.contains("h"));
  auto z = s.memory_zone();
  CHECK_THROWS_AS(z.add("h"), lexzone::hash_collision);  // against the permanent layer
  const hash_t hb = z.add("b");
  CHECK_THROWS_AS(z.add("i"), lexzone::hash_collision);  // against the zone layer ('b'=98, 'i'=105)
  auto inner = z.memory_zone();
  CHECK_THROWS_AS(inner.add("i"), lexzone::hash_collision);  // against the enclosing zone
  CHECK(inner[hb] == "b");
  CHECK(z.transient_size() == 1);
  CHECK(inner.transient_size() == 0);
}

TEST_CASE("errors: input quoted in a message is cut at a character and escaped", "[collision]") {
  using lexzone::detail::printable;
  CHECK(printable("plain ASCII, é and 😀") == "plain ASCII, é and 😀");
  CHECK(printable(std::string_view("a\0b\nc\x7f", 6)) == "a\\x00b\\x0Ac\\x7F");
  CHECK(printable("\xff\xc3(\xe0\x80\x80\xed\xa0\x80") == "\\xFF\\xC3(\\xE0\\x80\\x80\\xED\\xA0\\x80");  // not UTF-8
  CHECK(printable("\xf0\x9f\x98") == "\\xF0\\x9F\\x98");  // a sequence cut short
  CHECK(printable("C1 \xc2\x85, LS \xe2\x80\xa8, RLO \xe2\x80\xae, RLI \xe2\x81\xa7, \xc2\xa0") ==
        "C1 \\xC2\\x85, LS \\xE2\\x80\\xA8, RLO \\xE2\\x80\\xAE, RLI \\xE2\\x81\\xA7, \xc2\xa0");
  // The edges of each escaped range: U+0085 and U+009F, U+2029, U+061C, U+200E/U+200F escaped; U+00A0,
  // U+2027, U+202F, U+2065, U+206A, U+061B, U+200D kept.
  CHECK(printable("\xc2\x9f\xe2\x80\xa9\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f") ==
        "\\xC2\\x9F\\xE2\\x80\\xA9\\xD8\\x9C\\xE2\\x80\\x8E\\xE2\\x80\\x8F");
  const std::string kept = "\xe2\x80\xa7 \xe2\x80\xaf \xe2\x81\xa5 \xe2\x81\xaa \xd8\x9b \xe2\x80\x8d";
  CHECK(printable(kept) == kept);
  CHECK(printable("abcdef", 4) == "abcd...");
  CHECK(printable("ab\xc3\xa9", 3) == "ab...");  // not in the middle of "é"
  CHECK(printable("ab\xc3\xa9", 4) == "ab\xc3\xa9");
  CHECK(printable(printable(std::string_view("x\0\n\xff", 4))) == printable(std::string_view("x\0\n\xff", 4)));

  // '\n' = 10 and '\x11' = 17 have the same byte sum modulo 7: the message names both, escaped, on one line.
  lexzone::basic_string_store<lexzone::test::colliding_hash<7>> s;
  s.add("\n");
  try {
    s.add("\x11");
    FAIL("no collision");
  } catch (const lexzone::hash_collision& e) {
    const std::string what = e.what();
    CHECK(what.find("\"\\x0A\" and \"\\x11\"") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

TEST_CASE("string_store: find and contains never throw on a collision, on the store and its zones",
          "[string_store][collision]") {
  lexzone::basic_string_store<lexzone::test::colliding_hash<7>> s;
  const hash_t h = s.add("a");  // "h" has the same id
  CHECK_NOTHROW(s.contains("h"));
  CHECK_FALSE(s.contains("h"));
  CHECK(s.find(h) == std::optional<std::string_view>("a"));
  CHECK_FALSE(s.find(h + 1).has_value());
  auto z = s.memory_zone();
  z.add("b");
  CHECK_NOTHROW(z.contains("h"));
  CHECK_FALSE(z.contains("h"));  // collides with the permanent "a"
  CHECK_FALSE(z.contains("i"));  // collides with the zone's "b"
  CHECK(z.contains("b"));
  CHECK(z.find(h) == std::optional<std::string_view>("a"));
  CHECK_THROWS_AS(z[h + 100], lexzone::unknown_hash);
  CHECK_FALSE(z.find(h + 100).has_value());
}

TEST_CASE("string_store: an add through an outer zone collides with a string of a zone nested in it",
          "[string_store][collision]") {
  // A nested zone sees its enclosing zones' strings: a different string of the same id added to an outer
  // zone while the inner one is open would give one id two texts through the inner zone.
  lexzone::basic_string_store<lexzone::test::chosen_hash> s;
  auto outer = s.memory_zone();
  auto middle = outer.memory_zone();
  auto inner = middle.memory_zone();
  auto sibling = middle.memory_zone();  // open after inner: first in middle's list of children
  (void)inner.add("#41");
  CHECK(inner.add("#41") == 41);
  (void)sibling.add("#42");
  // "#041" also has id 41 (leading zero), and "#042" id 42: different texts.
  CHECK_THROWS_AS(outer.add("#041"), lexzone::hash_collision);
  CHECK_THROWS_AS(middle.add("#041"), lexzone::hash_collision);
  CHECK_THROWS_AS(outer.add("#042"), lexzone::hash_collision);
  // A permanent add through the outer zone too: the nested zones see the permanent layer.
  CHECK_THROWS_AS(outer.add("#041", lexzone::retention::permanent), lexzone::hash_collision);
  CHECK_THROWS_AS(middle.intern("#042", lexzone::retention::permanent), lexzone::hash_collision);
  CHECK_FALSE(s.contains("#041"));
  CHECK_FALSE(s.contains("#042"));
  CHECK_FALSE(outer.contains("#041"));
  CHECK(inner[41] == "#41");
  // The same text is no collision: the outer zone stores its own copy.
  CHECK(outer.add("#41") == 41);
  CHECK(outer[41] == "#41");
  // A string no nested zone holds is added as before; a closed zone no longer counts.
  CHECK(outer.add("#43") == 43);
  CHECK(outer.add("#44", lexzone::retention::permanent) == 44);
  CHECK(s.contains("#44"));
  sibling.close();
  CHECK(middle.add("#042") == 42);
  CHECK(middle[42] == "#042");
  CHECK_THROWS_AS(middle.add("#041"), lexzone::hash_collision);  // outer's "#41" now
}

TEST_CASE("index_table: ids chosen to share their low bits do not share one probe chain", "[string_store][flood]") {
  // Ids are public (XXH3, seed 0): a sender can pick texts whose ids share the low bits that would pick a
  // home group. 4,096 ids whose low 20 bits are 0 (distinct bits 20-31) would all start at group 0 of a
  // table of 1,024 groups, one chain of 512 full groups that every insert and lookup walks (n^2 in all).
  // Placed by a keyed mix (keyed_mix.hpp), they spread like any ids.
  lexzone::detail::index_table<std::allocator<std::byte>, false> table;
  constexpr std::uint32_t n = 4096;
  const auto id_of = [](std::uint32_t handle) { return static_cast<lexzone::hash_t>(handle + 1) << 20; };
  for (std::uint32_t i = 0; i < n; ++i) {
    table.reserve_one(id_of);
    table.insert(id_of(i), i);
  }
  REQUIRE(table.size() == n);
  std::size_t total = 0;
  std::size_t longest = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t groups = table.probe_length(id_of(i));
    total += groups;
    longest = std::max(longest, groups);
    std::uint32_t found = n;
    REQUIRE(table.find(
        id_of(i), [&](std::uint32_t h) { return h == i; }, found));
    REQUIRE(found == i);
  }
  CHECK(total < 3 * n);  // a mean of under 3 groups a miss (about 1.5 at this load); 512 unkeyed
  CHECK(longest < 64);
}

TEST_CASE("keyed_id_hash: a robin_map of ids sharing their low bits keeps its reserved size", "[flood]") {
  // tsl::robin_map places by the low bits of the hash and doubles its buckets when a probe gets longer
  // than 8,192; with the identity std::hash<uint64_t>, 10,000 ids whose low 20 bits are 0 grow a map
  // reserved for 10,000 entries from 16,384 to 2^21 buckets (the tokenizer's segmentation cache, whose
  // memory is meant to be fixed). Keyed, it stays as reserved.
  tsl::robin_map<lexzone::hash_t, std::uint32_t, lexzone::detail::keyed_id_hash> map;
  map.reserve(10000);
  const std::size_t reserved = map.bucket_count();
  for (std::uint32_t i = 0; i < 10000; ++i) map.emplace(static_cast<lexzone::hash_t>(i + 1) << 20, i);
  CHECK(map.size() == 10000);
  CHECK(map.bucket_count() == reserved);
  // Two maps (two tokenizers) get different keys: their placements differ.
  CHECK(lexzone::detail::keyed_id_hash{}.key != lexzone::detail::keyed_id_hash{}.key);
}

TEST_CASE("string_store: a non-empty string hashing to 0 collides with the empty string", "[collision]") {
  lexzone::basic_string_store<lexzone::test::chosen_hash> s;
  CHECK_THROWS_AS(s.add("#0"), lexzone::hash_collision);
  CHECK(s.size() == 0);
}

TEST_CASE("string_store: many ids in one home group (probing and tags)", "[string_store]") {
  lexzone::basic_string_store<lexzone::test::clustered_hash> s;
  std::vector<std::string> words;
  for (int i = 0; i < 3000; ++i) words.push_back("w" + std::to_string(i));
  for (auto& w : words) s.add(w);
  auto z = s.memory_zone();
  for (int i = 0; i < 3000; ++i) z.add("z" + std::to_string(i));
  for (auto& w : words) REQUIRE(s[lexzone::test::clustered_hash{}(w)] == w);
  for (int i = 0; i < 3000; ++i) {
    const std::string w = "z" + std::to_string(i);
    REQUIRE(z[lexzone::test::clustered_hash{}(w)] == w);
    REQUIRE_FALSE(s.contains(w));
  }
}

// --- spaCy's memory-zone tests (spacy/tests/vocab_vectors/test_memory_zone.py), for the string store ---

TEST_CASE("spaCy memory zone: no insertion", "[memory_zone][spacy]") {
  string_store s;
  { auto z = s.memory_zone(); }
  const hash_t h = s.add("horse");
  CHECK(s[h] == "horse");
  CHECK(s.contains("horse"));
}

TEST_CASE("spaCy memory zone: insertion is evicted", "[memory_zone][spacy]") {
  string_store s;
  s.add("dog");
  CHECK(s.contains("dog"));
  CHECK_FALSE(s.contains("horse"));
  {
    auto z = s.memory_zone();
    const hash_t h = z.add("horse");
    CHECK(z[h] == "horse");
  }
  CHECK(s.contains("dog"));
  CHECK_FALSE(s.contains("horse"));
}

TEST_CASE("spaCy memory zone: redundant insertion stays permanent", "[memory_zone][spacy]") {
  string_store s;
  s.add("dog");
  {
    auto z = s.memory_zone();
    z.add("horse");
    z.add("dog");
    CHECK(z.transient_size() == 1);
  }
  CHECK(s.contains("dog"));
  CHECK_FALSE(s.contains("horse"));
}

TEST_CASE("spaCy memory zone: an exception inside the zone still cleans up", "[memory_zone][spacy]") {
  string_store s;
  s.add("dog");
  try {
    auto z = s.memory_zone();
    z.add("horse");
    throw std::invalid_argument("boom");
  } catch (const std::invalid_argument&) {
  }
  CHECK(s.stats().open_zones == 0);
  CHECK(s.contains("dog"));
  CHECK_FALSE(s.contains("horse"));
  const hash_t h = s.add("cat");
  CHECK(s[h] == "cat");
}

TEST_CASE("spaCy #13882: length restored after the zone", "[memory_zone][spacy]") {
  string_store s;
  s.add("hello");
  s.add("world");
  CHECK(s.size() == 2);
  {
    auto z = s.memory_zone();
    for (int i = 1; i <= 3; ++i) z.add("transient" + std::to_string(i));
    CHECK(s.size() == 5);
    CHECK(z.size() == 5);
  }
  CHECK(s.size() == 2);
  std::size_t n = 0;
  s.for_each([&](std::string_view) { ++n; });
  CHECK(n == 2);
}

TEST_CASE("spaCy #13882: three zone cycles", "[memory_zone][spacy]") {
  string_store s;
  s.add("permanent");
  for (int i = 0; i < 3; ++i) {
    {
      auto z = s.memory_zone();
      for (int j = 0; j < 5; ++j) z.add("temp_" + std::to_string(i) + "_" + std::to_string(j));
    }
    CHECK(s.size() == 1);
  }
  std::size_t n = 0;
  s.for_each([&](std::string_view) { ++n; });
  CHECK(n == 1);
}

// --- zone semantics beyond spaCy ---

TEST_CASE("memory_zone: nested zones see outer entries, inner close keeps them", "[memory_zone]") {
  string_store s;
  s.add("perm");
  auto outer = s.memory_zone();
  const hash_t a = outer.add("outer-word");
  {
    auto inner = outer.memory_zone();
    CHECK(inner.depth() == 2);
    CHECK(inner.add("outer-word") == a);
    CHECK(inner.transient_size() == 0);  // already visible in the enclosing zone
    const hash_t b = inner.add("inner-word");
    CHECK(inner[a] == "outer-word");
    CHECK(inner[b] == "inner-word");
    CHECK(inner.size() == 3);
    CHECK_FALSE(outer.contains(b));  // the outer zone does not see its child's entries
  }
  CHECK(outer[a] == "outer-word");
  CHECK_FALSE(outer.contains("inner-word"));
  CHECK(outer.size() == 2);
  outer.close();
  CHECK_FALSE(s.contains(a));
  CHECK(s.size() == 1);
}

TEST_CASE("memory_zone: closing a zone with open children closes them first", "[memory_zone]") {
  string_store s;
  auto outer = s.memory_zone();
  outer.add("o");
  auto inner = outer.memory_zone();
  inner.add("i");
  auto innermost = inner.memory_zone();
  innermost.add("ii");
  CHECK(s.stats().open_zones == 3);
  CHECK(s.size() == 3);
  outer.close();
  CHECK_FALSE(outer.is_open());
  CHECK_FALSE(inner.is_open());
  CHECK_FALSE(innermost.is_open());
  CHECK(s.stats().open_zones == 0);
  CHECK(s.size() == 0);
  CHECK_THROWS_AS(inner.add("x"), lexzone::zone_closed);
  CHECK_THROWS_AS(innermost[0], lexzone::zone_closed);
  CHECK_THROWS_AS(inner.memory_zone(), lexzone::zone_closed);
  inner.close();  // idempotent
}

TEST_CASE("memory_zone: the parent guard may die before its closed children", "[memory_zone]") {
  string_store s;
  lexzone::string_store::zone_type child;
  {
    auto parent = s.memory_zone();
    child = parent.memory_zone();
    child.add("c");
  }
  CHECK_FALSE(child.is_open());
  CHECK(s.size() == 0);
}

TEST_CASE("memory_zone: sibling zones are independent", "[memory_zone]") {
  string_store s;
  auto parent = s.memory_zone();
  auto a = parent.memory_zone();
  auto b = parent.memory_zone();
  const hash_t ha = a.add("in-a");
  const hash_t hb = b.add("in-b");
  CHECK_FALSE(b.contains(ha));
  CHECK_FALSE(a.contains(hb));
  a.close();
  CHECK(b[hb] == "in-b");
  CHECK(s.size() == 1);
}

TEST_CASE("memory_zone: moved-from guards hold nothing", "[memory_zone]") {
  string_store s;
  auto z = s.memory_zone();
  const hash_t h = z.add("moved");
  auto z2 = std::move(z);
  CHECK_FALSE(z.is_open());  // NOLINT(bugprone-use-after-move): tested on purpose
  CHECK(z2.is_open());
  CHECK(z2[h] == "moved");
  CHECK_THROWS_AS(z.add("x"), lexzone::zone_closed);  // NOLINT(bugprone-use-after-move)
  z.close();                                          // NOLINT(bugprone-use-after-move)
  lexzone::string_store::zone_type z3;
  z3 = std::move(z2);
  CHECK(z3[h] == "moved");
  z3 = s.memory_zone();  // assigning closes the zone held before
  CHECK_FALSE(s.contains(h));
  CHECK(s.stats().open_zones == 1);
}

TEST_CASE("memory_zone: permanent add inside a zone, and promotion", "[memory_zone]") {
  string_store s;
  hash_t label = 0;
  hash_t promoted = 0;
  {
    auto z = s.memory_zone();
    label = z.add("LABEL", retention::permanent);
    CHECK(z.transient_size() == 0);
    promoted = z.add("word");
    CHECK(z.transient_size() == 1);
    const std::string_view old_view = z[promoted];
    CHECK(z.add("word", retention::permanent) == promoted);
    CHECK(z.transient_size() == 0);
    CHECK(s.contains(promoted));
    CHECK(old_view == "word");  // the transient bytes stay valid until the zone closes
    CHECK(s.size() == 2);
    auto inner = z.memory_zone();
    const hash_t outer_word = z.add("outer");
    CHECK(inner.add("outer", retention::permanent) == outer_word);  // promoted from the enclosing zone
    CHECK(z.transient_size() == 0);
  }
  CHECK(s[label] == "LABEL");
  CHECK(s[promoted] == "word");
  CHECK(s.contains("outer"));
  CHECK(s.size() == 3);
}

TEST_CASE("memory_zone: zone iteration gives permanent strings first", "[memory_zone]") {
  string_store s;
  s.add("p1");
  s.add("p2");
  auto z = s.memory_zone();
  z.add("t1");
  auto in = z.memory_zone();
  in.add("t2");
  std::vector<std::string> seen;
  in.for_each([&](std::string_view v) { seen.emplace_back(v); });
  REQUIRE(seen.size() == 4);
  CHECK(std::set<std::string>(seen.begin(), seen.begin() + 2) == std::set<std::string>{"p1", "p2"});
  CHECK(seen[2] == "t1");
  CHECK(seen[3] == "t2");
}

TEST_CASE("memory_zone: memory returns to the baseline (counting allocator)", "[memory_zone][memory]") {
  using alloc_t = lexzone::test::counting_allocator<std::byte>;
  lexzone::test::allocation_counter counter;
  {
    lexzone::basic_string_store<lexzone::default_hasher, alloc_t> s(lexzone::default_hasher(), alloc_t(counter), 4);
    for (int i = 0; i < 1000; ++i) s.add("base" + std::to_string(i));
    s.trim_pool();
    const std::size_t base_bytes = counter.live_bytes;
    const auto base_stats = s.stats();
    for (int round = 0; round < 5; ++round) {
      {
        auto z = s.memory_zone();
        for (int i = 0; i < 100000; ++i) z.add("r" + std::to_string(round) + "-" + std::to_string(i));
        CHECK(s.stats().transient_strings == 100000);
        CHECK(s.stats().zone_bytes > 1000000);
      }
      const auto st = s.stats();
      CHECK(st.permanent_strings == base_stats.permanent_strings);
      CHECK(st.transient_strings == 0);
      CHECK(st.zone_bytes == 0);
      CHECK(st.open_zones == 0);
      CHECK(st.permanent_bytes == base_stats.permanent_bytes);
      // Up to the documented pool bound: 4 chunks of 64 KiB and the spare zone nodes.
      CHECK(counter.live_bytes >= base_bytes);
      CHECK(counter.live_bytes - base_bytes <= 4 * 65536 + decltype(s)::max_spare_zones * decltype(s)::zone_node_bytes);
      CHECK(counter.live_bytes - base_bytes == st.pooled_bytes);
    }
    s.trim_pool();
    CHECK(counter.live_bytes == base_bytes);
  }
  CHECK(counter.live_bytes == 0);
  CHECK(counter.live_allocations == 0);
}

TEST_CASE("memory_zone: a zone per request starts on the chunk its node kept, every byte accounted",
          "[memory_zone][memory]") {
  // A zone node keeps the first chunk its zone used for the thread's next zone (detail/arena.hpp): the
  // chunk counts as pooled while unused (also while the next zone has not needed it yet, and after a
  // close whose guard lives), in the zone's bytes while used, and within the pool's bound.
  using alloc_t = lexzone::test::counting_allocator<std::byte>;
  using store_t = lexzone::basic_string_store<lexzone::default_hasher, alloc_t>;
  lexzone::test::allocation_counter counter;
  {
    store_t s(lexzone::default_hasher(), alloc_t(counter), 4);
    s.add("base");
    s.trim_pool();
    const std::size_t base_bytes = counter.live_bytes;
    const std::size_t base_permanent = s.stats().permanent_bytes;
    // Every byte allocated since the baseline: pooled, a zone's, permanent, or a node a guard holds.
    const auto accounted = [&](std::size_t guards) {
      const auto st = s.stats();
      return counter.live_bytes - base_bytes == st.pooled_bytes + st.zone_bytes +
                                                    (st.permanent_bytes - base_permanent) +
                                                    guards * store_t::zone_node_bytes;
    };
    {
      auto z = s.memory_zone();
      z.add("first");
      CHECK(accounted(1));
    }
    CHECK(accounted(0));
    const std::size_t allocations = counter.total_allocations;
    for (int i = 0; i < 100; ++i) {
      auto z = s.memory_zone();
      CHECK(accounted(1));
      CHECK(s.stats().zone_bytes == 0);
      z.add("request-" + std::to_string(i));
      CHECK(accounted(1));
      CHECK(s.stats().zone_bytes >= 65536);
      z.close();
      CHECK(accounted(1));
    }
    CHECK(counter.total_allocations == allocations);  // each zone on the kept (or a pooled) chunk
#if !LEXZONE_HAS_ASAN
    {
      // The node keeps its chunk while the guard of its closed zone lives: trim_pool cannot free it.
      auto z = s.memory_zone();
      z.add("kept");
      z.close();
      s.trim_pool();
      CHECK(s.stats().pooled_bytes == 65536);
      CHECK(accounted(1));
    }
    CHECK(s.stats().pooled_bytes == 65536 + store_t::zone_node_bytes);  // now a spare node, with its chunk
#endif
    {
      auto outer = s.memory_zone();  // the spare node, with its chunk
      auto inner = s.memory_zone();  // a new node: a chunk from the pool or the allocator
      outer.add("outer");
      inner.add("inner");
      for (int i = 0; i < 2000; ++i) inner.add("a longer string that fills more than one chunk " + std::to_string(i));
      CHECK(accounted(2));
    }
    CHECK(accounted(0));
    CHECK(s.stats().pooled_bytes <= 4 * 65536 + store_t::max_spare_zones * store_t::zone_node_bytes);
    s.trim_pool();  // the spare nodes and the chunks they kept
    CHECK(counter.live_bytes == base_bytes);
    CHECK(s.stats().pooled_bytes == 0);
  }
  CHECK(counter.live_bytes == 0);
}

TEST_CASE("memory_zone: with no pool, no zone keeps a chunk", "[memory_zone][memory]") {
  using alloc_t = lexzone::test::counting_allocator<std::byte>;
  using store_t = lexzone::basic_string_store<lexzone::default_hasher, alloc_t>;
  lexzone::test::allocation_counter counter;
  store_t s(lexzone::default_hasher(), alloc_t(counter), 0);
  s.trim_pool();
  const std::size_t base_bytes = counter.live_bytes;
  for (int i = 0; i < 3; ++i) {
    auto z = s.memory_zone();
    z.add("word" + std::to_string(i));
    z.close();
    // Only the closed zone's node is left (counted as pooled once its guard dies).
    CHECK(counter.live_bytes - base_bytes == store_t::zone_node_bytes);
  }
  CHECK(s.stats().pooled_bytes == store_t::zone_node_bytes);
}

#if !LEXZONE_HAS_ASAN
TEST_CASE("arena: a zone arena keeps its leased chunk for its next use, within the pool's bound", "[memory]") {
  using alloc_t = lexzone::test::counting_allocator<std::byte>;
  using source_t = lexzone::detail::chunk_source<alloc_t>;
  using arena_t = lexzone::detail::arena<alloc_t, false>;
  constexpr std::size_t chunk = lexzone::detail::chunk_size;
  lexzone::test::allocation_counter counter;
  {
    source_t src(alloc_t(counter), 2);  // a bound of 2 chunks: 1 lease at most
    REQUIRE(src.max_leases() == 1);
    const std::size_t base = counter.live_bytes;  // the pool's own vector
    std::atomic<std::uint32_t> kept_a{0}, kept_b{0};
    arena_t a(src, &kept_a);
    arena_t b(src, &kept_b);
    std::byte* const first = a.allocate(100).ptr;  // a new chunk, leased
    CHECK(src.leased_chunks() == 1);
    a.release(true);
    CHECK(kept_a.load() == chunk);
    CHECK(src.pooled_bytes() == 0);  // kept, not pooled
    CHECK(counter.live_bytes == base + chunk);
    // The next use starts on the kept chunk.
    const std::size_t allocations = counter.total_allocations;
    CHECK(a.allocate(100).ptr == first);
    CHECK(kept_a.load() == 0);
    CHECK(counter.total_allocations == allocations);
    // The one lease is taken: another arena gets a chunk without one (and asks once per use only), and
    // gives it back to the pool.
    for (int i = 0; i < 5; ++i) (void)b.allocate(16000);  // two chunks (at most 16 KiB goes in a chunk)
    CHECK(src.leased_chunks() == 1);
    CHECK(counter.total_allocations == allocations + 2);
    b.release(true);
    CHECK(kept_b.load() == 0);
    CHECK(src.pooled_bytes() == chunk);  // one free (free + leased = 2), the other freed
    CHECK(counter.live_bytes == base + 2 * chunk);
    // More chunks and a large block: only the leased chunk is kept.
    for (int i = 0; i < 5; ++i) (void)a.allocate(16000);     // a second chunk
    (void)a.allocate(100000);                                // a block of its own
    CHECK(counter.live_bytes >= base + 2 * chunk + 100000);  // the second chunk came from the pool
    a.release(true);
    CHECK(kept_a.load() == chunk);
    CHECK(counter.live_bytes == base + 2 * chunk);  // the kept one and the free one
    // Without keeping, the lease ends and the chunk is pooled; a lease on a pooled chunk moves it out.
    a.release(false);
    CHECK(kept_a.load() == 0);
    CHECK(src.leased_chunks() == 0);
    CHECK(src.pooled_bytes() == 2 * chunk);
    (void)a.allocate(100);
    CHECK(src.leased_chunks() == 1);
    CHECK(src.pooled_bytes() == chunk);
    src.prefill();  // free + leased is at the bound already
    CHECK(src.pooled_bytes() == chunk);
    CHECK(counter.live_bytes == base + 2 * chunk);
    // An arena without a `kept` cell asks for no lease.
    a.release(false);
    arena_t plain(src);
    (void)plain.allocate(100);
    CHECK(src.leased_chunks() == 0);
  }
  CHECK(counter.live_bytes == 0);
  for (const std::size_t bound : {0u, 1u}) {  // no room for a lease
    source_t small(alloc_t(counter), bound);
    std::atomic<std::uint32_t> kept{0};
    arena_t c(small, &kept);
    (void)c.allocate(100);
    CHECK(small.leased_chunks() == 0);
    c.release(true);
    CHECK(kept.load() == 0);
  }
  CHECK(counter.live_bytes == 0);
}
#endif

TEST_CASE("memory_zone: a recycled zone's index is sized by the zone before it, down as well as up",
          "[memory_zone][memory]") {
  // A zone's index leaving its inline slots grows at once to what the previous zone on this thread
  // needed. After one large zone, the next small zone may get a large table, but the one after it is
  // sized by that small zone again: a zone per request after a batch does not keep a batch's table.
  const auto fill = [](auto& zone, const char* prefix, int n) {
    for (int i = 0; i < n; ++i) zone.add(prefix + std::to_string(i));
  };
  const auto small_zone_bytes = [&](lexzone::string_store& s) {
    auto z = s.memory_zone();
    fill(z, "small-", 40);
    return s.stats().zone_bytes;
  };
  lexzone::string_store fresh;
  (void)small_zone_bytes(fresh);  // the node is recycled from here on, as below
  const std::size_t expected = small_zone_bytes(fresh);

  lexzone::string_store s;
  {
    auto big = s.memory_zone();
    fill(big, "big-", 5000);
  }
  (void)small_zone_bytes(s);  // right after the large zone: may use its size
  CHECK(small_zone_bytes(s) == expected);
  CHECK(small_zone_bytes(s) == expected);
}

TEST_CASE("string_store: std::bad_alloc at every allocation point keeps the store consistent", "[memory]") {
  using alloc_t = lexzone::test::counting_allocator<std::byte>;
  lexzone::test::allocation_counter counter;
  lexzone::basic_string_store<lexzone::default_hasher, alloc_t> s(lexzone::default_hasher(), alloc_t(counter), 0);
  std::vector<std::string> stored;
  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string w = "w" + std::to_string(i) + (i % 500 == 0 ? std::string(40000, 'L') : std::string());
    counter.fail_after = i % 3;  // fail early and often
    try {
      s.add(w);
      stored.push_back(w);
    } catch (const std::bad_alloc&) {
      ++failures;
      counter.fail_after = -1;
      CHECK_FALSE(s.contains(w));  // strong guarantee: not half-added
    }
    counter.fail_after = -1;
  }
  CHECK(failures > 0);
  CHECK(s.size() == stored.size());
  for (const auto& w : stored) REQUIRE(s.contains(w));
  // Zone open and zone adds under injected failures.
  for (int i = 0; i < 200; ++i) {
    counter.fail_after = i % 4;
    try {
      auto z = s.memory_zone();
      z.add("zone-word-" + std::to_string(i));
      z.add("zone-word-b-" + std::to_string(i));
    } catch (const std::bad_alloc&) {
      ++failures;
    }
    counter.fail_after = -1;
    REQUIRE(s.stats().open_zones == 0);
    REQUIRE(s.stats().transient_strings == 0);
  }
  CHECK(s.size() == stored.size());
}

TEST_CASE("string_store: a first allocation that fails leaves no directory table behind", "[memory]") {
  // A string of 600 kB needs a directory larger than the arena's inline one: its table was allocated,
  // then the block failed, and an arena with no chunk never freed the table (not even when destroyed).
  using alloc_t = lexzone::test::counting_allocator<std::byte>;
  const std::string big(600'000, 'x');
  int failures = 0;
  for (long k = 0; k < 6; ++k) {
    lexzone::test::allocation_counter counter;
    {
      lexzone::basic_string_store<lexzone::default_hasher, alloc_t> s(lexzone::default_hasher(), alloc_t(counter), 0);
      auto add_failing_after_k = [&](auto& where) {
        counter.fail_after = k;
        try {
          (void)where.add(big);
        } catch (const std::bad_alloc&) {
          ++failures;
        }
        counter.fail_after = -1;
      };
      {
        auto z = s.memory_zone();
        add_failing_after_k(z);
      }
      CHECK(s.stats().zone_bytes == 0);
      add_failing_after_k(s);
    }
    CHECK(counter.live_bytes == 0);
    CHECK(counter.live_allocations == 0);
  }
  CHECK(failures > 0);
}

#if LEXZONE_HAS_ASAN
TEST_CASE("string_store: with ASan the zone closed last stays poisoned while the next zone runs",
          "[string_store][memory]") {
  // The pool hands out its oldest chunk first under ASan: a view of the zone that closed last, read
  // during the next zone (a request's stale view read by the next request), is still reported.
  lexzone::string_store s;
  std::string_view first, last;
  {
    auto a = s.memory_zone();
    auto b = s.memory_zone();
    first = *a.find(a.add("alpha-word"));
    last = *b.find(b.add("beta-word"));
    a.close();
    b.close();
  }
  CHECK(__asan_address_is_poisoned(first.data()));
  CHECK(__asan_address_is_poisoned(last.data()));
  auto next = s.memory_zone();
  const std::string_view fresh = *next.find(next.add("gamma-word"));
  CHECK(fresh == "gamma-word");
  CHECK(__asan_address_is_poisoned(last.data()));  // the most recently pooled chunk was not taken
}
#endif

}  // namespace string_store_test
