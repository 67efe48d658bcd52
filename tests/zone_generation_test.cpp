// Zone generations: unique ids per zone (never 0, never repeated, also across threads and recycled zone
// nodes), and the property a lexeme cache relies on: a lexeme obtained through a scope of generation g
// stays valid while a scope of generation g is open; a permanent one (generation 0) as long as the vocab.
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/scope.hpp>
#include <lexzone/string_store.hpp>
#include <lexzone/vocab.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "support/catch.hpp"

namespace zone_generation_test {

namespace {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using lexeme = vocab::lexeme_type;

// The cache a tokenizer would keep: text -> (lexeme, generation). An entry is reused without a lookup when
// its generation is 0 or the current scope's; otherwise the text is added again and the entry replaced.
struct lexeme_cache {
  std::unordered_map<std::string, lexzone::generational_ref<lexeme>> entries;
  std::size_t reused = 0;

  template <class Scope>
  const lexeme& get(Scope& scope, const std::string& text) {
    const std::uint64_t g = lexzone::scope_generation(scope);
    if (auto it = entries.find(text); it != entries.end()) {
      const auto& e = it->second;
      if (e.generation == 0 || e.generation == g) {
        ++reused;
        return *e.lexeme;
      }
    }
    const auto ref = lexzone::scope_add(scope, text);
    entries[text] = ref;
    return *ref.lexeme;
  }
};

}  // namespace

TEST_CASE("generation: every zone has its own id, never 0 and never repeated", "[generation]") {
  lexzone::string_store s;
  vocab v;
  std::unordered_set<std::uint64_t> seen;
  for (int i = 0; i < 3000; ++i) {  // recycled nodes included: a node reused by the next zone gets a new id
    auto z = s.memory_zone();
    REQUIRE(z.generation() != 0);
    CHECK(seen.insert(z.generation()).second);
    auto child = z.memory_zone();
    CHECK(seen.insert(child.generation()).second);
    auto vz = v.memory_zone();
    CHECK(seen.insert(lexzone::scope_generation(vz)).second);
  }
  CHECK(lexzone::scope_generation(v) == 0);
  auto z = s.memory_zone();
  const std::uint64_t g = z.generation();
  CHECK(z.generation() == g);  // stable while open
  z.close();
  CHECK_THROWS_AS(z.generation(), lexzone::zone_closed);
  lexzone::string_store::zone_type moved_from;
  CHECK_THROWS_AS(moved_from.generation(), lexzone::zone_closed);
}

TEST_CASE("threads: zone generations are unique across threads", "[generation][threads]") {
  vocab v;
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  std::vector<std::vector<std::uint64_t>> ids(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto z = v.memory_zone();
        ids[t].push_back(z.generation());
      }
    });
  }
  for (auto& w : workers) w.join();
  std::vector<std::uint64_t> all;
  for (const auto& v_ids : ids) all.insert(all.end(), v_ids.begin(), v_ids.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() != 0);
}

TEST_CASE("generation: scope_add gives 0 for permanent lexemes and the zone's generation otherwise", "[generation]") {
  vocab v;
  const lexeme& the = v.add("the");
  const auto p = lexzone::scope_add(v, "apple");
  CHECK(p.generation == 0);
  CHECK(p.lexeme == &v.add("apple"));
  auto z = v.memory_zone();
  const auto a = lexzone::scope_add(z, "the");
  CHECK(a.lexeme == &the);
  CHECK(a.generation == 0);
  const auto b = lexzone::scope_add(z, "zonal");
  CHECK(b.generation == z.generation());
  CHECK(b.lexeme == &z.add("zonal"));
  CHECK(b.lexeme->text() == "zonal");
  auto child = z.memory_zone();
  const auto c = lexzone::scope_add(child, "zonal");  // found in the enclosing zone: valid while child is
  CHECK(c.lexeme == b.lexeme);
  CHECK(c.generation == child.generation());
}

TEST_CASE("generation: a cache keyed by generation reuses exactly the lexemes a lookup would give", "[generation]") {
  // Outcome: while the current scope's generation is the entry's (or the entry is permanent) the cached
  // pointer is the lexeme the scope would return, with its text; a closed zone's entries are never reused
  // (the next zone has another generation, even when it recycles the same node), and an enclosing zone's
  // lexemes cached through it stay right while it is open, also across its children.
  vocab v;
  for (const char* w : {"the", "a", "of"}) v.add(w);
  lexeme_cache cache;
  const std::vector<std::string> words = {"the", "Zebra", "of", "quokka", "a", "Zebra", "quokka"};
  for (int round = 0; round < 50; ++round) {
    auto outer = v.memory_zone();
    for (const auto& w : words) {
      const lexeme& got = cache.get(outer, w);
      REQUIRE(&got == &outer.add(w));
      REQUIRE(got.text() == w);
    }
    {
      auto inner = outer.memory_zone();
      for (const auto& w : words) {
        const lexeme& got = cache.get(inner, w + "!");
        REQUIRE(&got == &inner.add(w + "!"));
        const lexeme& again = cache.get(outer, w);  // the outer zone's entries are still its
        REQUIRE(&again == &outer.add(w));
      }
    }
    // The inner zone closed: its entries carry a generation no open scope has.
    for (const auto& w : words) REQUIRE(&cache.get(outer, w + "!") == &outer.add(w + "!"));
  }
  CHECK(cache.reused > 0);
  // Permanent entries are reused in any scope, and outside zones.
  const std::size_t before = cache.reused;
  CHECK(&cache.get(v, "the") == &v.add("the"));
  CHECK(cache.reused == before + 1);
}

}  // namespace zone_generation_test
