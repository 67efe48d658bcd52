// The per-thread cache of computed attributes (detail/attribute_cache.hpp): a word created again in a
// later zone gets exactly the record and strings a fresh computation gives, its strings resolve in that
// zone and end with it, and one vocab's entries never answer for another vocab (other traits data, or a
// vocab made later at the same address).
#include <lexzone/detail/attribute_cache.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/vocab.hpp>

#if defined(__GLIBC__)
#  include <malloc.h>
#endif

#include <barrier>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/colliding_hash.hpp"
#include "support/fresh_attributes.hpp"
#include "support/sanitizers.hpp"

namespace attribute_cache_test {

namespace {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using lexzone::test::check_fresh_attributes;
using attrs = lexzone::lexeme_attributes;

// Random words: letters of both cases, digits, punctuation and a few multi-byte code points; some long
// enough not to be cached.
std::string random_word(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"a", "b", "e", "k", "q", "z", "A", "B", "Q", "Z",   "0",   "7",
                                                  ".", "-", "@", "'", "é", "É", "ß", "ö", "€", "ing", "tion"};
  std::uniform_int_distribution<std::size_t> len(1, 12), pick(0, pieces.size() - 1), longer(0, 20);
  std::string w;
  const std::size_t n = longer(rng) == 0 ? 40 : len(rng);
  for (std::size_t i = 0; i < n; ++i) w += pieces[pick(rng)];
  return w;
}

// English traits with a different norm for one word: a traits object with data.
struct odd_norm_traits {
  using attributes_type = attrs;
  std::string odd;  // its norm becomes "odd-norm"
  template <class Intern>
  attrs compute(std::string_view text, Intern&& intern) const {
    attrs a = lexzone::en::lexeme_traits::compute(text, intern);
    if (text == odd) a.norm = intern("odd-norm");
    return a;
  }
};

}  // namespace

TEST_CASE("attribute_cache: finds only the committed text of the committed store", "[attribute_cache]") {
  using cache = lexzone::detail::attribute_cache<attrs>;
  const std::uint64_t store = lexzone::detail::next_generation();
  attrs a;
  a.length = 5;
  a.lower = 42;
  cache::recorder rec(store, 7, "Hello");
  rec.add(42, "hello");
  rec.add(42, "hello");  // a repeated string is kept once
  rec.add(43, "llo");
  rec.commit(a);
  const auto* e = cache::find(store, 7, "Hello");
  REQUIRE(e != nullptr);
  CHECK(e->attributes().length == 5);
  CHECK(e->attributes().lower == 42);
  std::vector<std::pair<lexzone::hash_t, std::string>> seen;
  e->for_each_string([&](lexzone::hash_t id, std::string_view s, bool) { seen.emplace_back(id, std::string(s)); });
  CHECK(seen == std::vector<std::pair<lexzone::hash_t, std::string>>{{42, "hello"}, {43, "llo"}});
  CHECK(cache::find(store, 7, "Hellp") == nullptr);  // same id, other text
  CHECK(cache::find(store, 7, "Hell") == nullptr);
  CHECK(cache::find(lexzone::detail::next_generation(), 7, "Hello") == nullptr);
  // Too many strings, or too many bytes: not cached.
  cache::recorder many(store, 8, "many");
  for (lexzone::hash_t i = 1; i <= cache::max_strings + 1; ++i) many.add(i, "x");
  many.commit(a);
  CHECK(cache::find(store, 8, "many") == nullptr);
  // Without a stamp an entry never vouches for the permanent layer; with one, for that count only.
  CHECK_FALSE(e->current(0));
  cache::recorder stamped(store, 10, "Stamped", std::uint64_t{17});
  stamped.text_permanent(true);
  stamped.add(50, "stamped", true);
  stamped.add(51, "ped", false);
  stamped.commit(a);
  const auto* st = cache::find(store, 10, "Stamped");
  REQUIRE(st != nullptr);
  CHECK(st->current(17));
  CHECK_FALSE(st->current(18));
  CHECK(st->text_permanent());
  std::vector<bool> flags;
  st->for_each_string([&](lexzone::hash_t, std::string_view, bool permanent) { flags.push_back(permanent); });
  CHECK(flags == std::vector<bool>{true, false});
  CHECK(sizeof(cache::entry) <= 200);  // the size the file comment gives
  cache::forget(*st);                  // dropped: found no more, the other entries stay
  CHECK(cache::find(store, 10, "Stamped") == nullptr);
  CHECK(cache::find(store, 7, "Hello") != nullptr);
  const std::string big(cache::max_bytes + 1, 'b');
  cache::recorder large(store, 9, big);
  large.commit(a);
  CHECK(cache::find(store, 9, big) == nullptr);
}

TEST_CASE("attribute_cache: a set keeps its 4 most recently used words", "[attribute_cache]") {
  using cache = lexzone::detail::attribute_cache<attrs>;
  static_assert(cache::ways == 4 && cache::sets * cache::ways == cache::slots);
  const std::uint64_t store = lexzone::detail::next_generation();
  // Six ids of one set (texts "w<id>"), found by search.
  const std::size_t set = cache::set_index(store, 1);
  std::vector<lexzone::hash_t> ids{1};
  for (lexzone::hash_t id = 2; ids.size() < 6; ++id)
    if (cache::set_index(store, id) == set) ids.push_back(id);
  const auto text = [](lexzone::hash_t id) { return "w" + std::to_string(id); };
  const auto put = [&](lexzone::hash_t id) {
    attrs a;
    a.lower = id;
    cache::recorder rec(store, id, text(id));
    rec.commit(a);
  };
  const auto held = [&](lexzone::hash_t id) {
    const auto* e = cache::find(store, id, text(id));
    return e != nullptr && e->attributes().lower == id;
  };
  for (std::size_t i = 0; i < 4; ++i) put(ids[i]);
  for (std::size_t i = 0; i < 4; ++i) CHECK(held(ids[i]));  // 4 words of one set, all held
  // Found in the order 0..3 above, so 0 is the least recently used: the fifth word displaces it.
  put(ids[4]);
  CHECK_FALSE(held(ids[0]));
  // Now 1 is the least recent; finding it makes 2 the one the sixth word displaces.
  CHECK(held(ids[1]));
  put(ids[5]);
  CHECK_FALSE(held(ids[2]));
  CHECK(held(ids[1]));
  CHECK(held(ids[3]));
  CHECK(held(ids[4]));
  CHECK(held(ids[5]));
  // Committing a held word again replaces its own entry (no second copy displaces another word).
  attrs changed;
  changed.lower = 99;
  cache::recorder again(store, ids[3], text(ids[3]));
  again.commit(changed);
  const auto* e = cache::find(store, ids[3], text(ids[3]));
  REQUIRE(e != nullptr);
  CHECK(e->attributes().lower == 99);
  for (const std::size_t i : {1, 4, 5}) CHECK(held(ids[i]));
  // A forgotten entry's slot is the next one taken, before any least recently used word: 3 is the
  // least recent now (found before 1, 4 and 5), and stays held when 0 comes in.
  const auto* forgotten = cache::find(store, ids[4], text(ids[4]));
  REQUIRE(forgotten != nullptr);
  cache::forget(*forgotten);
  CHECK_FALSE(held(ids[4]));
  put(ids[0]);
  CHECK(held(ids[0]));
  for (const std::size_t i : {1, 5}) CHECK(held(ids[i]));
  CHECK(cache::find(store, ids[3], text(ids[3])) != nullptr);  // not displaced: the forgotten slot was taken
}

TEST_CASE("attribute_cache: random words in many zones agree with fresh computations", "[attribute_cache]") {
  vocab v;
  for (const char* w : {"the", "a", "Apple", "ing", "ion", "e", "Xxxx", "xxxx", "dd", "A", "0"}) v.add(w);
  std::mt19937 rng(1234);
  std::vector<std::string> words;
  for (int i = 0; i < 300; ++i) words.push_back(random_word(rng));
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  for (int round = 0; round < 40; ++round) {
    auto z = v.memory_zone();
    std::vector<std::string> used;
    for (int i = 0; i < 25; ++i) {
      const std::string& w = words[pick(rng)];
      const auto& lex = z.add(w);
      check_fresh_attributes(z.strings(), lex);
      used.push_back(w);
    }
    if (round % 4 == 0) {  // a nested zone sees the parent's strings and makes its own
      auto child = z.memory_zone();
      for (int i = 0; i < 10; ++i) check_fresh_attributes(child.strings(), child.add(words[pick(rng)] + "Q"));
    }
    z.close();
    // Nothing of the zone is left: its strings ended with it.
    CHECK(v.strings().size() == v.strings().permanent_size());
    CHECK(v.size() == v.permanent_size());
  }
}

TEST_CASE("attribute_cache: a string made permanent meanwhile is not interned in the zone", "[attribute_cache]") {
  vocab v;
  {
    auto z = v.memory_zone();
    check_fresh_attributes(z.strings(), z.add("Zorblax"));  // "zorblax", "lax" in the zone
  }
  v.strings().add("zorblax");  // now permanent
  // The same word in a vocab that had "zorblax" permanent from the start (its own, cold, entries).
  vocab control;
  control.strings().add("zorblax");
  auto cz = control.memory_zone();
  check_fresh_attributes(cz.strings(), cz.add("Zorblax"));
  auto z = v.memory_zone();
  check_fresh_attributes(z.strings(), z.add("Zorblax"));  // from the cache
  CHECK(z.strings().contains("zorblax"));
  CHECK(z.strings().contains("lax"));
  CHECK(z.strings().transient_size() == cz.strings().transient_size());
  CHECK(z.transient_size() == 1);
  z.close();
  CHECK(v.strings().contains("zorblax"));
  CHECK_FALSE(v.strings().contains("lax"));
}

TEST_CASE("attribute_cache: a word made permanent meanwhile is found permanent, not made again", "[attribute_cache]") {
  vocab v;
  {
    auto z = v.memory_zone();
    z.add("Zorblaxian");  // recorded: not permanent
  }
  const auto& perm = v.add("Zorblaxian");
  auto z = v.memory_zone();
  CHECK(&z.add("Zorblaxian") == &perm);
  CHECK(z.transient_size() == 0);
  CHECK(z.strings().transient_size() == 0);
  CHECK(&z.add("Zorblaxian") == &perm);  // again (its entry was dropped: `forget`, tested above)
  CHECK(z.transient_size() == 0);
}

TEST_CASE("attribute_cache: a word made again in later zones probes only the zone chain, with the same result",
          "[attribute_cache]") {
  vocab v;
  v.add("the");
  for (int round = 0; round < 4; ++round) {
    auto z = v.memory_zone();
    const auto& a = z.add("Frobnicator");
    CHECK(&z.add("Frobnicator") == &a);
    check_fresh_attributes(z.strings(), a);
    CHECK(z.transient_size() == 1);
    auto child = z.memory_zone();
    CHECK(&child.add("Frobnicator") == &a);  // the enclosing zone's
    CHECK(child.transient_size() == 0);
    const auto& b = child.add("frobnicator");  // its text is the enclosing zone's string "frobnicator"
    check_fresh_attributes(child.strings(), b);
    CHECK(child.strings().contains("frobnicator"));
    CHECK(child.transient_size() == 1);
    child.close();
    z.close();
    CHECK(v.strings().size() == v.strings().permanent_size());
    CHECK(v.size() == 1);
  }
}

TEST_CASE("attribute_cache: a zone string that collides with an attribute string throws, cached or not",
          "[attribute_cache][collision]") {
  using chosen_vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits, lexzone::test::chosen_hash>;
  const std::string word = "#5X";
  // The lower form and its id; "#<id>" is another string with that id.
  std::string lower;
  {
    chosen_vocab fresh;
    lower = std::string(fresh.strings()[fresh.add(word).attrs.lower]);
  }
  const std::string rival = "#" + std::to_string(lexzone::test::chosen_hash{}(lower));
  REQUIRE(rival != lower);
  chosen_vocab v;
  for (int round = 0; round < 3; ++round) {  // round 0 computes; later rounds use the cache entry
    {
      auto z = v.memory_zone();
      z.add(word);
    }
    auto z = v.memory_zone();
    z.strings().add(rival);
    CHECK_THROWS_AS(z.add(word), lexzone::hash_collision);
    CHECK(z.find(word) == nullptr);
    CHECK(z.strings().contains(rival));
    CHECK(z.strings().contains(word));  // the text is kept as a string, as for any failed creation
  }
}

TEST_CASE("attribute_cache: another vocab or traits object never reuses an entry", "[attribute_cache]") {
  const std::string word = "Quuxification";
  for (int round = 0; round < 3; ++round) {
    lexzone::hash_t plain_norm = 0;
    {
      vocab plain;
      auto z = plain.memory_zone();
      plain_norm = z.add(word).attrs.norm;
      z.close();
      auto again = plain.memory_zone();
      CHECK(again.add(word).attrs.norm == plain_norm);  // from the cache
    }
    // Made next, often at the same address: other traits data, same word.
    lexzone::basic_vocab<odd_norm_traits> odd(odd_norm_traits{word});
    for (int zone = 0; zone < 2; ++zone) {
      auto z = odd.memory_zone();
      const auto& lex = z.add(word);
      CHECK(lex.attrs.norm != plain_norm);
      CHECK(z.strings()[lex.attrs.norm] == "odd-norm");
      CHECK(z.strings()[lex.attrs.lower] == "quuxification");
    }
  }
}

TEST_CASE("attribute_cache: threads keep their own entries", "[attribute_cache][thread]") {
  vocab v;
  std::vector<std::string> words;
  std::mt19937 rng(99);
  for (int i = 0; i < 200; ++i) words.push_back(random_word(rng));
  // What a fresh computation gives for each word: its lower and suffix strings.
  std::vector<std::pair<std::string, std::string>> want;
  {
    vocab fresh;
    for (const auto& w : words) {
      const auto& lex = fresh.add(w);
      want.emplace_back(fresh.strings()[lex.attrs.lower], fresh.strings()[lex.attrs.suffix]);
    }
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        auto z = v.memory_zone();
        const auto strings = z.strings();
        for (std::size_t i = static_cast<std::size_t>(t); i < words.size(); i += 3) {
          const auto& lex = z.add(words[i]);
          const auto lower = strings.find(lex.attrs.lower);
          const auto suffix = strings.find(lex.attrs.suffix);
          if (lex.text() != words[i] || lower != want[i].first || suffix != want[i].second)
            ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
  for (const auto& w : words) {
    auto z = v.memory_zone();
    check_fresh_attributes(z.strings(), z.add(w));
  }
}

namespace {
// Resident bytes of this process (Linux; 0 elsewhere), after glibc gave back what it can.
std::size_t resident_bytes() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  std::size_t pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%zu %zu", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * 4096;
}
}  // namespace

TEST_CASE("attribute cache: threads that end give their tables back to the system", "[attribute_cache]") {
  // Each thread's table (3.2 MiB) came from calloc: once glibc raised its mmap threshold (at the first such
  // block freed), the next ones came from malloc arenas, zeroed (all resident) and kept resident there after
  // their threads ended (about 50 MB after 3 generations of 16 threads, each creating one word). They are
  // mapped from the system now: resident as touched, unmapped at the thread's end.
  vocab v;
  constexpr int threads = 16;
  const std::size_t before = resident_bytes();
  for (int generation = 0; generation < 3; ++generation) {
    std::barrier all(threads);
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) {
      pool.emplace_back([&, i] {
        {
          auto zone = v.memory_zone();
          (void)zone.add("threadword" + std::to_string(generation * threads + i));
        }
        all.arrive_and_wait();  // every table of the generation alive at once
      });
    }
    for (auto& t : pool) t.join();
  }
  const std::size_t after = resident_bytes();
  CHECK(v.stats().transient_lexemes == 0);
  if (!lexzone::test::under_sanitizer && before != 0) {
    const double grown_mb = (static_cast<double>(after) - static_cast<double>(before)) / 1e6;
    INFO("resident " << before << " -> " << after << " bytes after 48 threads");
    CHECK(grown_mb < 8.0);
  }
}

}  // namespace attribute_cache_test
