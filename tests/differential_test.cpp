// Randomized differential test: random operations on a store and its zones against a simple model.
// Fixed seed, plus LEXZONE_TEST_SEED from the environment when set.
#include <lexzone/string_store.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace differential_test {

namespace {

struct model_zone {
  std::set<std::string> strings;
};

std::size_t run_differential(std::uint64_t seed, int operations) {
  lexzone::string_store store;
  std::set<std::string> permanent;
  std::vector<lexzone::string_store::zone_type> zones;  // a stack: zones[i + 1] is nested in zones[i]
  std::vector<model_zone> models;
  std::mt19937_64 rng(seed);
  std::size_t mismatches = 0;
  auto word = [&] { return "w" + std::to_string(rng() % 3000); };
  auto visible = [&](const std::string& w) -> bool {
    if (permanent.count(w)) return true;
    for (auto& m : models)
      if (m.strings.count(w)) return true;
    return false;
  };
  for (int op = 0; op < operations; ++op) {
    const auto r = rng() % 100;
    if (r < 30) {  // add through the innermost zone, or permanently when none is open
      const std::string w = word();
      if (zones.empty()) {
        store.add(w);
        permanent.insert(w);
      } else {
        zones.back().add(w);
        if (!visible(w)) models.back().strings.insert(w);
      }
    } else if (r < 38) {  // explicit permanent add (promotes)
      const std::string w = word();
      if (zones.empty()) {
        store.add(w);
      } else {
        zones.back().add(w, lexzone::retention::permanent);
        for (auto& m : models) m.strings.erase(w);
      }
      permanent.insert(w);
    } else if (r < 70) {  // lookups
      const std::string w = word();
      const lexzone::hash_t h = lexzone::hash_string(w);
      const bool expect = visible(w);
      bool got;
      std::optional<std::string_view> v;
      if (zones.empty()) {
        got = store.contains(w);
        v = store.find(h);
      } else {
        got = zones.back().contains(w);
        v = zones.back().find(h);
      }
      if (got != expect || v.has_value() != expect || (v && *v != w)) ++mismatches;
      if (store.contains(w) != (permanent.count(w) == 1)) ++mismatches;
    } else if (r < 80) {  // open (nested when a zone is open)
      if (zones.size() < 12) {
        zones.push_back(zones.empty() ? store.memory_zone() : zones.back().memory_zone());
        models.emplace_back();
      }
    } else if (r < 92) {  // close the innermost
      if (!zones.empty()) {
        zones.pop_back();
        models.pop_back();
      }
    } else if (r < 95) {  // close out of order: a middle zone closes its descendants too
      if (zones.size() >= 2) {
        const std::size_t k = rng() % zones.size();
        zones[k].close();
        for (std::size_t j = k; j < zones.size(); ++j)
          if (zones[j].is_open()) ++mismatches;
        zones.resize(k);
        models.resize(k);
      }
    } else {  // sizes
      std::size_t expect = permanent.size();
      for (auto& m : models) expect += m.strings.size();
      if (store.size() != expect) ++mismatches;
      if (!zones.empty() && zones.back().size() != expect) ++mismatches;
    }
  }
  zones.clear();
  if (store.size() != permanent.size()) ++mismatches;
  return mismatches;
}

}  // namespace

TEST_CASE("differential: 200,000 random operations against a model (fixed seed)", "[differential]") {
  CHECK(run_differential(20261127, 200000) == 0);
}

// Another fixed seed by default, so that a run of the suite is repeatable; LEXZONE_TEST_SEED=N runs seed N,
// and LEXZONE_TEST_SEED=random draws one (printed on failure) to explore.
TEST_CASE("differential: seed from LEXZONE_TEST_SEED", "[differential]") {
  const char* env = std::getenv("LEXZONE_TEST_SEED");
  const std::string value = env != nullptr ? env : "";
  const std::uint64_t seed = value.empty()       ? 20261207
                             : value == "random" ? std::random_device{}()
                                                 : std::strtoull(value.c_str(), nullptr, 10);
  INFO("LEXZONE_TEST_SEED=" << seed);
  CHECK(run_differential(seed, 100000) == 0);
}

}  // namespace differential_test
