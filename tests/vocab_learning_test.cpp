// The vocab's opt-in learning policy (vocab.hpp, `learning_policy`): a word one thread creates in N zones
// becomes permanent, up to a limit.
#include <lexzone/scope.hpp>
#include <lexzone/vocab.hpp>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/colliding_hash.hpp"
#include "support/simple_traits.hpp"

namespace vocab_learning_test {

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
  CHECK_THROWS_AS(v.set_learning({lexzone::learning_policy::max_zones + 1, 10}), std::invalid_argument);
  CHECK(v.learning().zones == 0);  // unchanged
  CHECK(v.size() == 4);
  CHECK(v.stats().learned_lexemes == 4);
  CHECK(v.stats().permanent_lexemes == 4);
}

TEST_CASE("vocab learning: the counts remember nearly every word of a large working set", "[vocab][learning]") {
  // As many distinct words as the table has sets (16,384 by default), each created in two zones, the
  // second time after all the others were: the 4-way table forgets about 1.9 % of them
  // (P(Poisson(1) >= 4)), where a direct-mapped table of the same size would forget about 22 %.
  using counts = lexzone::detail::creation_counts;
  const std::size_t n = std::min<std::size_t>(counts::slots / counts::ways, std::size_t{1} << 16);
  vocab v;
  v.set_learning({2, std::size_t{1} << 20});
  std::vector<std::string> words;
  for (std::size_t i = 0; i < n; ++i) words.push_back("w" + std::to_string(i));
  const auto first = one_zone(v, words);
  CHECK(std::count(first.begin(), first.end(), true) == 0);
  const auto second = one_zone(v, words);
  const auto learned = static_cast<std::size_t>(std::count(second.begin(), second.end(), true));
  CAPTURE(learned);
  CHECK(learned >= words.size() * 95 / 100);
  CHECK(v.stats().learned_lexemes == learned);
  CHECK(v.size() == learned);
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
        // A permanent answer is the vocab's permanent lexeme; a transient one is this zone's, which lookups
        // return until the other thread makes the word permanent (then they return the permanent one).
        if (ref.lexeme->text() != w) wrong.fetch_add(1);
        if (ref.generation == 0) {
          if (v.find(w) != ref.lexeme || z.find(w) != ref.lexeme) wrong.fetch_add(1);
        } else {
          const auto* now = z.find(w);
          if (ref.generation != z.generation() || (now != ref.lexeme && (now == nullptr || now != v.find(w))))
            wrong.fetch_add(1);
        }
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

TEST_CASE("threads: the count of zones is each thread's own", "[threads][vocab][learning]") {
  vocab v;
  v.set_learning({2, 100});
  const auto one_zone_on_a_thread = [&] {
    std::vector<bool> permanent;
    std::thread t([&] { permanent = one_zone(v, {"Shared"}); });
    t.join();
    return permanent;
  };
  // Two threads each create the word in one zone: neither has seen it in two zones.
  CHECK(one_zone_on_a_thread() == std::vector<bool>{false});
  CHECK(one_zone_on_a_thread() == std::vector<bool>{false});
  CHECK(v.size() == 0);
  // This thread, twice: learned at the second.
  CHECK(one_zone(v, {"Shared"}) == std::vector<bool>{false});
  CHECK(one_zone(v, {"Shared"}) == std::vector<bool>{true});
  CHECK(v.stats().learned_lexemes == 1);
}

namespace {
using chosen_vocab = lexzone::basic_vocab<lexzone::test::simple_traits, lexzone::test::chosen_hash>;

// Runs `steps` on a vocab with and one without learning (zones = 1); both must answer alike: the same
// text, or the same exception.
template <class Steps>
void same_with_and_without_learning(Steps&& steps) {
  for (const bool learning : {false, true}) {
    CAPTURE(learning);
    chosen_vocab v;
    if (learning) v.set_learning({1, 10});
    steps(v, learning);
  }
}
}  // namespace

TEST_CASE("vocab learning: collisions are reported exactly as without learning", "[vocab][learning][collision]") {
  // The text is permanent as a string, and the zone holds another string with its id: lookups find the
  // permanent string first, so the add succeeds (learned or not).
  same_with_and_without_learning([](chosen_vocab& v, bool learning) {
    auto z = v.memory_zone();
    (void)z.strings().add("#5");
    (void)v.strings().add("#05");
    const auto ref = z.add_with_generation("#05");
    CHECK(ref.lexeme->text() == "#05");
    CHECK((ref.generation == 0) == learning);
  });
  // The same for an attribute string: "quick", the lower form of "Quick", is permanent, and the zone holds
  // another string with its id.
  same_with_and_without_learning([](chosen_vocab& v, bool learning) {
    auto z = v.memory_zone();
    (void)z.strings().add("#" + std::to_string(lexzone::hash_string("quick")));
    (void)v.strings().add("quick");
    const auto ref = z.add_with_generation("Quick");
    CHECK(ref.lexeme->text() == "Quick");
    CHECK(v.strings()[ref.lexeme->attrs.lower] == "quick");
    CHECK((ref.generation == 0) == learning);
  });
  // A real collision in the zone throws in both, and nothing is learned.
  same_with_and_without_learning([](chosen_vocab& v, bool) {
    auto z = v.memory_zone();
    (void)z.strings().add("#7");
    CHECK_THROWS_AS(z.add("#07"), lexzone::hash_collision);
    CHECK(v.stats().learned_lexemes == 0);
    CHECK(v.find("#07") == nullptr);
  });
}

namespace {
// Interns the lower form, then throws for "boom".
struct throwing_traits {
  using attributes_type = lexzone::test::simple_attributes;
  template <class Intern>
  static attributes_type compute(std::string_view text, Intern&& intern) {
    attributes_type a = lexzone::test::simple_traits::compute(text, intern);
    if (text == "Boom") throw std::runtime_error("no attributes for Boom");
    return a;
  }
};
}  // namespace

TEST_CASE("vocab learning: a creation that throws leaves nothing permanent", "[vocab][learning]") {
  lexzone::basic_vocab<throwing_traits> v;
  v.set_learning({1, 10});
  const std::size_t strings = v.strings().size();
  {
    auto z = v.memory_zone();
    CHECK_THROWS_AS(z.add("Boom"), std::runtime_error);
    CHECK(z.add_with_generation("Calm").generation == 0);
  }
  CHECK(v.stats().learned_lexemes == 1);
  CHECK(v.size() == 1);
  CHECK_FALSE(v.strings().contains("boom"));  // the zone's, evicted with it
  CHECK_FALSE(v.strings().contains("Boom"));
  CHECK(v.strings().size() == strings + 3);  // "Calm", "calm", "C"
}

TEST_CASE("vocab learning: words longer than max_text_bytes are never learned", "[vocab][learning]") {
  const std::string long_word(100, 'x');
  vocab v;
  v.set_learning({1, 10});  // max_text_bytes: 32 by default
  CHECK(v.learning().max_text_bytes == 32);
  CHECK(one_zone(v, {long_word, std::string(32, 'y'), std::string(33, 'z')}) == std::vector<bool>{false, true, false});
  // Counted like any word once the limit allows it (longer than any attribute-cache entry, too).
  v.set_learning({2, 10, 200});
  CHECK(one_zone(v, {long_word}) == std::vector<bool>{false});
  CHECK(one_zone(v, {long_word}) == std::vector<bool>{true});
  CHECK(v.find(long_word) != nullptr);
  CHECK(v.stats().learned_lexemes == 2);
  // Out-of-range limits are clamped to what the policy can hold.
  v.set_learning({3, std::size_t{1} << 50, std::size_t{1} << 20});
  CHECK(v.learning().zones == 3);
  CHECK(v.learning().max_lexemes == (std::size_t{1} << 40) - 1);
  CHECK(v.learning().max_text_bytes == 32767);
}

}  // namespace vocab_learning_test
