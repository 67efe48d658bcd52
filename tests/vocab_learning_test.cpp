// The vocab's opt-in learning policy (vocab.hpp, `learning_policy`): a word one thread creates in N zones
// becomes permanent, up to a limit.
#include <lexzone/scope.hpp>
#include <lexzone/vocab.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/simple_traits.hpp"

using lexzone::retention;
using vocab = lexzone::basic_vocab<lexzone::test::simple_traits>;

namespace {
// Opens a zone, adds `words` in it, returns whether each came back permanent (generation 0), closes it.
std::vector<bool> one_zone(vocab& v, const std::vector<std::string>& words) {
  std::vector<bool> permanent;
  auto z = v.memory_zone();
  for (const auto& w : words) permanent.push_back(z.add_with_generation(w).generation == 0);
  return permanent;
}
}  // namespace

TEST_CASE("vocab learning: off by default, a zone evicts everything it created", "[vocab][learning]") {
  vocab v;
  CHECK(v.learning().zones == 0);
  const std::size_t strings = v.strings().size();
  for (int round = 0; round < 5; ++round) {
    CHECK(one_zone(v, {"alpha", "beta"}) == std::vector<bool>{false, false});
    CHECK(v.size() == 0);
  }
  CHECK(v.stats().learned_lexemes == 0);
  CHECK(v.strings().size() == strings);
}

TEST_CASE("vocab learning: a word created in N zones of a thread becomes permanent", "[vocab][learning]") {
  vocab v;
  v.set_learning({3, 100});
  CHECK(v.learning().zones == 3);
  CHECK(v.learning().max_lexemes == 100);
  // Zones 1 and 2 create "Alpha" as usual; the third makes it permanent, with its attribute strings.
  CHECK(one_zone(v, {"Alpha"}) == std::vector<bool>{false});
  CHECK(v.size() == 0);
  CHECK(one_zone(v, {"Alpha", "Beta"}) == std::vector<bool>{false, false});
  CHECK(v.size() == 0);
  const vocab::lexeme_type* learned = nullptr;
  {
    auto z = v.memory_zone();
    const auto ref = z.add_with_generation("Alpha");
    CHECK(ref.generation == 0);
    learned = ref.lexeme;
    CHECK(z.transient_size() == 0);  // not the zone's
    CHECK(&z.add("Alpha") == learned);
    CHECK(z.add_with_generation("Beta").generation != 0);  // seen in two zones only
  }
  CHECK(v.size() == 1);
  CHECK(v.find("Alpha") == learned);
  CHECK(learned->text() == "Alpha");  // alive after the zone closed, at the same address
  CHECK(v.strings().contains("alpha"));
  CHECK(v.strings().contains("A"));
  CHECK_FALSE(v.strings().contains("Beta"));
  CHECK(v.stats().learned_lexemes == 1);
  CHECK(v.stats().transient_lexemes == 0);
  CHECK(v.stats().strings.transient_strings == 0);
  // "Beta" reaches its third zone now.
  CHECK(one_zone(v, {"Beta", "Alpha"}) == std::vector<bool>{true, true});
  CHECK(v.stats().learned_lexemes == 2);
  CHECK(v.size() == 2);
}

TEST_CASE("vocab learning: with zones = 1 every creation in a zone is permanent, up to the limit",
          "[vocab][learning]") {
  vocab v;
  v.set_learning({1, 3});
  CHECK(one_zone(v, {"a1", "a2", "a3", "a4", "a5"}) == std::vector<bool>{true, true, true, false, false});
  CHECK(v.size() == 3);
  CHECK(v.stats().learned_lexemes == 3);
  // The limit holds for good: the next zones keep creating the other words.
  CHECK(one_zone(v, {"a4", "a5", "a1"}) == std::vector<bool>{false, false, true});
  CHECK(v.size() == 3);
  // Raising the limit resumes learning; turning it off stops it.
  v.set_learning({1, 4});
  CHECK(one_zone(v, {"a4", "a5"}) == std::vector<bool>{true, false});
  v.set_learning({});
  CHECK(one_zone(v, {"a5", "a6"}) == std::vector<bool>{false, false});
  CHECK(v.size() == 4);
  CHECK(v.stats().learned_lexemes == 4);
  CHECK(v.stats().permanent_lexemes == 4);
}

TEST_CASE("vocab learning: permanent adds do not count, and words already permanent are not learned",
          "[vocab][learning]") {
  vocab v;
  (void)v.add("model");
  v.set_learning({1, 10});
  {
    auto z = v.memory_zone();
    CHECK(&z.add("model") == v.find("model"));
    (void)z.add("pinned", retention::permanent);
    CHECK(z.add_with_generation("fresh").generation == 0);
  }
  CHECK(v.size() == 3);
  CHECK(v.stats().learned_lexemes == 1);  // "fresh" only
}

TEST_CASE("vocab learning: a word learned in an inner zone whose text an enclosing zone holds", "[vocab][learning]") {
  vocab v;
  v.set_learning({1, 10});
  auto outer = v.memory_zone();
  (void)outer.strings().add("Gamma");  // the text as a plain string of the outer zone
  (void)outer.strings().add("gamma");  // and its lower form
  const std::size_t outer_strings = outer.strings().transient_size();
  {
    auto inner = outer.memory_zone();
    CHECK(inner.add_with_generation("Gamma").generation == 0);
    CHECK(inner.transient_size() == 0);
  }
  // The strings moved to the permanent layer with the lexeme: the outer zone no longer holds them.
  CHECK(outer.strings().transient_size() + 2 == outer_strings);
  CHECK(outer.find("Gamma") == v.find("Gamma"));
  outer.close();
  CHECK(v.strings().contains("Gamma"));
  CHECK(v.strings().contains("gamma"));
  CHECK(v.stats().strings.transient_strings == 0);
}

TEST_CASE("threads: learning on two threads counts each thread's zones and respects the limit",
          "[threads][vocab][learning]") {
  vocab v;
  v.set_learning({2, 150});
  std::vector<std::string> words;
  for (int i = 0; i < 400; ++i) words.push_back("learn" + std::to_string(i));
  std::atomic<int> wrong{0};
  const auto work = [&] {
    for (int round = 0; round < 3; ++round) {
      auto z = v.memory_zone();
      for (const auto& w : words) {
        const auto ref = z.add_with_generation(w);
        // A permanent answer is the vocab's permanent lexeme; a transient one is this zone's.
        if (ref.generation == 0 ? v.find(w) != ref.lexeme : z.transient_size() == 0) wrong.fetch_add(1);
        if (ref.lexeme->text() != w) wrong.fetch_add(1);
      }
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  CHECK(wrong.load() == 0);
  CHECK(v.stats().learned_lexemes == 150);  // both threads saw every word in 3 zones: the limit decides
  CHECK(v.permanent_size() == 150);
  CHECK(v.stats().transient_lexemes == 0);
}
