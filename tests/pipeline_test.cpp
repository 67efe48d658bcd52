#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <map>
#include <stdexcept>
#include <string>

#include "support/catch.hpp"
#include "support/simple_traits.hpp"
#include "support/whitespace_tokenizer.hpp"

namespace pipeline_test {

using vocab = lexzone::basic_vocab<lexzone::test::simple_traits>;
using doc = lexzone::basic_doc<vocab>;
using ws_tokenizer = lexzone::test::whitespace_tokenizer<vocab>;

namespace {

// A dictionary "NER model": labels single tokens found in its table.
struct dictionary_ner {
  using lexzone_component_tag = void;
  std::map<lexzone::hash_t, lexzone::hash_t> table;  // orth -> label (permanent strings)

  dictionary_ner(vocab& v, std::initializer_list<std::pair<const char*, const char*>> entries) {
    for (auto& [word, label] : entries) table[v.strings().add(word)] = v.strings().add(label);
  }
  void operator()(doc& d) const {
    std::vector<doc::entity_record> ents;
    for (std::size_t i = 0; i < d.size(); ++i) {
      auto it = table.find(d[i].orth());
      if (it != table.end())
        ents.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + 1), it->second, 0});
    }
    d.set_ents(std::move(ents));
  }
};

struct cache_keeper {
  using lexzone_component_tag = void;
  int* closes;
  void operator()(doc&) const {}
  void on_zone_close() noexcept { ++*closes; }
};

struct throwing_component {
  using lexzone_component_tag = void;
  void operator()(doc&) const { throw std::runtime_error("model failed"); }
};

// Types that must be rejected by the concepts.
struct no_tag_tokenizer {
  doc operator()(vocab::zone_type&, std::string_view);
  doc operator()(vocab&, std::string_view);
};
struct wrong_result_tokenizer {
  using lexzone_tokenizer_tag = void;
  int operator()(vocab::zone_type&, std::string_view);
  int operator()(vocab&, std::string_view);
};
struct no_tag_component {
  void operator()(doc&) const;
};
struct throwing_hook {
  void on_zone_close();  // not noexcept
};

}  // namespace

static_assert(lexzone::tokenizer<ws_tokenizer, vocab>);
static_assert(!lexzone::tokenizer<no_tag_tokenizer, vocab>);
static_assert(!lexzone::tokenizer<wrong_result_tokenizer, vocab>);
static_assert(!lexzone::tokenizer<dictionary_ner, vocab>);
static_assert(lexzone::pipeline_component<dictionary_ner, vocab>);
static_assert(!lexzone::pipeline_component<no_tag_component, vocab>);
static_assert(!lexzone::pipeline_component<ws_tokenizer, vocab>);
static_assert(lexzone::zone_aware<cache_keeper>);
static_assert(!lexzone::zone_aware<throwing_hook>);
static_assert(!lexzone::zone_aware<dictionary_ner>);

TEST_CASE("pipeline: static composition runs tokenizer and components in a zone", "[pipeline]") {
  vocab v;
  dictionary_ner ner(v, {{"Alice", "PERSON"}, {"Paris", "GPE"}});
  lexzone::pipeline<vocab, ws_tokenizer, dictionary_ner> nlp(ws_tokenizer{}, ner);
  const std::size_t base = v.size();
  lexzone::owned_doc out;
  {
    auto zone = v.memory_zone();
    doc d = nlp(zone, "Alice flew to Paris yesterday");
    CHECK(d.text() == "Alice flew to Paris yesterday");
    REQUIRE(d.size() == 5);
    CHECK(d[3].text() == "Paris");
    CHECK(d[3].byte_idx() == 14);
    CHECK(d[3].has_space());
    CHECK_FALSE(d[4].has_space());
    auto ents = d.ents();
    REQUIRE(ents.size() == 2);
    CHECK(ents[1].text() == "Paris");
    CHECK(v.strings()[ents[1].label()] == "GPE");
    out = d.to_owned();
    CHECK(v.size() > base);
  }
  CHECK(v.size() == base);  // everything the text brought in is gone
  REQUIRE(out.ents.size() == 2);
  CHECK(out.ents[0].text == "Alice");
  CHECK(out.ents[0].label == "PERSON");
  CHECK(out.ents[1].start_char == 14);
  CHECK(out.ents[1].end_char == 19);
  CHECK(out.tokens[4].text == "yesterday");
  CHECK(
      out.to_json() ==
      R"({"text":"Alice flew to Paris yesterday","tokens":[{"text":"Alice","start_char":0,"end_char":5,"ws":true},)"
      R"({"text":"flew","start_char":6,"end_char":10,"ws":true},{"text":"to","start_char":11,"end_char":13,"ws":true},)"
      R"({"text":"Paris","start_char":14,"end_char":19,"ws":true},{"text":"yesterday","start_char":20,"end_char":29,"ws":false}],)"
      R"("ents":[{"text":"Alice","label":"PERSON","start_char":0,"end_char":5},{"text":"Paris","label":"GPE","start_char":14,"end_char":19}]})");
}

TEST_CASE("pipeline: character offsets count code points", "[pipeline]") {
  vocab v;
  lexzone::pipeline<vocab, ws_tokenizer> nlp(ws_tokenizer{});
  auto zone = v.memory_zone();
  doc d = nlp(zone, "caf\xc3\xa9 na\xc3\xafve ok");
  REQUIRE(d.size() == 3);
  CHECK(d[1].idx() == 5);
  CHECK(d[1].byte_idx() == 6);
  CHECK(d[2].idx() == 11);
}

TEST_CASE("pipeline: dynamic pipeline with components registered at run time", "[pipeline]") {
  vocab v;
  lexzone::dynamic_pipeline<vocab> nlp(ws_tokenizer{});
  nlp.add("ner", dictionary_ner(v, {{"Bob", "PERSON"}}));
  int closes = 0;
  nlp.add("cache", cache_keeper{&closes});
  CHECK_THROWS_AS(nlp.add("ner", dictionary_ner(v, {})), std::invalid_argument);
  CHECK(nlp.names() == std::vector<std::string>{"ner", "cache"});
  {
    auto zone = nlp.memory_zone(v);
    doc d = nlp(zone, "hi Bob");
    REQUIRE(d.ents().size() == 1);
    CHECK(d.ents()[0].text() == "Bob");
  }
  CHECK(closes == 1);
  CHECK(nlp.remove("cache"));
  CHECK_FALSE(nlp.remove("cache"));
  doc permanent_doc = nlp(v, "Bob again");
  CHECK(permanent_doc.ents().size() == 1);
  CHECK(v.contains("again"));
}

TEST_CASE("pipeline: zone hooks run for zone-aware components (static)", "[pipeline]") {
  vocab v;
  int closes = 0;
  lexzone::pipeline<vocab, ws_tokenizer, cache_keeper> nlp(ws_tokenizer{}, cache_keeper{&closes});
  {
    auto z = nlp.memory_zone(v);
    nlp(z, "a b c");
    z.close();
    z.close();
  }
  CHECK(closes == 1);
}

TEST_CASE("pipeline: a call in another scope than the previous one notifies the zone-aware parts first", "[pipeline]") {
  // Zones the pipeline did not open (README's `auto z = vocab.memory_zone(); nlp(z, text)`), nested zones,
  // the vocab: a component that keeps borrows must not meet them in a later scope (a new zone may reuse
  // the closed one's addresses).
  vocab v;
  int closes = 0, dyn_closes = 0;
  lexzone::pipeline<vocab, ws_tokenizer, cache_keeper> nlp(ws_tokenizer{}, cache_keeper{&closes});
  lexzone::dynamic_pipeline<vocab> dyn(ws_tokenizer{});
  dyn.add("cache", cache_keeper{&dyn_closes});
  {
    auto z = v.memory_zone();
    nlp(z, "a");
    dyn(z, "a");
    nlp(z, "b");  // the same zone: nothing to tell
    dyn(z, "b");
    CHECK(closes == 0);
    CHECK(dyn_closes == 0);
    {
      auto inner = z.memory_zone();
      nlp(inner, "c");
      dyn(inner, "c");
      CHECK(closes == 1);
      CHECK(dyn_closes == 1);
    }
    nlp(z, "d");  // back in the outer zone: the inner one's borrows are dropped first
    dyn(z, "d");
    CHECK(closes == 2);
    CHECK(dyn_closes == 2);
  }
  {
    auto z = v.memory_zone();  // may reuse the closed zone's node and memory
    nlp(z, "e");
    dyn(z, "e");
    CHECK(closes == 3);
    CHECK(dyn_closes == 3);
  }
  nlp(v, "f");  // the vocab
  dyn(v, "f");
  CHECK(closes == 4);
  CHECK(dyn_closes == 4);
  nlp(v, "g");
  dyn(v, "g");
  CHECK(closes == 4);
  CHECK(dyn_closes == 4);
  {
    auto pz = nlp.memory_zone(v);  // its close notifies; its first call has no borrows to drop after that
    nlp(pz, "h");
    CHECK(closes == 5);  // from the vocab's call before
    pz.close();
    CHECK(closes == 6);
    auto pz2 = nlp.memory_zone(v);
    nlp(pz2, "i");
    CHECK(closes == 6);
  }
  CHECK(closes == 7);
}

TEST_CASE("pipeline: a zone closed through pipeline_zone::zone() still notifies, once", "[pipeline]") {
  vocab v;
  int closes = 0;
  lexzone::pipeline<vocab, ws_tokenizer, cache_keeper> nlp(ws_tokenizer{}, cache_keeper{&closes});
  {
    auto z = nlp.memory_zone(v);
    nlp(z, "a b c");
    z.zone().close();  // bypasses the pipeline zone: the components hear of it when z closes
    CHECK(closes == 0);
    CHECK_FALSE(z.is_open());
    z.close();
    CHECK(closes == 1);
    z.close();
  }
  CHECK(closes == 1);
  {
    auto z = nlp.memory_zone(v);
    auto moved_out = std::move(z.zone());  // the zone leaves z, which still notifies when it ends
    moved_out.close();
  }
  CHECK(closes == 2);
  {
    auto z = nlp.memory_zone(v);
    auto w = std::move(z);  // the notification moves with the zone: once, from w
    z.close();
    CHECK(closes == 2);
  }
  CHECK(closes == 3);
}

TEST_CASE("pipeline: a pipeline zone move-assigned closes the zone it held, notifying once", "[pipeline]") {
  vocab v;
  int closes = 0;
  lexzone::pipeline<vocab, ws_tokenizer, cache_keeper> nlp(ws_tokenizer{}, cache_keeper{&closes});
  lexzone::dynamic_pipeline<vocab> dyn(ws_tokenizer{});
  int dyn_closes = 0;
  dyn.add("cache", cache_keeper{&dyn_closes});
  {
    auto a = nlp.memory_zone(v);
    auto b = nlp.memory_zone(v);
    nlp(a, "only-in-a");
    nlp(b, "only-in-b");  // another scope than the last call's: notified first
    CHECK(closes == 1);
    a = std::move(b);  // a's zone closes (notified), then a holds b's
    CHECK(closes == 2);
    CHECK_FALSE(v.contains("only-in-a"));
    CHECK(a.is_open());
    CHECK(a.zone().contains("only-in-b"));
    auto c = dyn.memory_zone(v);
    auto d = dyn.memory_zone(v);
    c = std::move(d);
    CHECK(dyn_closes == 1);
    CHECK(c.is_open());
  }
  CHECK(closes == 3);
  CHECK(dyn_closes == 2);
  CHECK_FALSE(v.contains("only-in-b"));
}

TEST_CASE("pipeline: a component that throws mid-pipeline, the zone still rolls back", "[pipeline]") {
  vocab v;
  lexzone::dynamic_pipeline<vocab> nlp(ws_tokenizer{});
  nlp.add("boom", throwing_component{});
  const std::size_t lexemes = v.size();
  const std::size_t strings = v.strings().size();
  try {
    auto zone = v.memory_zone();
    nlp(zone, "some brand new words");
    FAIL("expected the component's exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "model failed");
  }
  CHECK(v.size() == lexemes);
  CHECK(v.strings().size() == strings);
  CHECK(v.stats().strings.open_zones == 0);
  auto zone = v.memory_zone();  // still usable
  CHECK(zone.add("fine").text() == "fine");
}

#if LEXZONE_CHECKED
TEST_CASE("checked builds: a doc used after its zone closed reports zone_closed", "[pipeline][checked]") {
  vocab v;
  lexzone::pipeline<vocab, ws_tokenizer> nlp(ws_tokenizer{});
  doc d;
  {
    auto zone = v.memory_zone();
    d = nlp(zone, "short lived text");
    CHECK(d.is_alive());
    CHECK(d[0].text() == "short");
  }
  CHECK_FALSE(d.is_alive());
  CHECK_THROWS_AS(d.text(), lexzone::zone_closed);
  CHECK_THROWS_AS(d[0], lexzone::zone_closed);
  CHECK_THROWS_AS(d.ents(), lexzone::zone_closed);
  CHECK_THROWS_AS(d.to_owned(), lexzone::zone_closed);

  // A replaceable handler sees the report first.
  static int reports = 0;
  auto previous = lexzone::set_zone_closed_handler([](const char*) { ++reports; });
  CHECK_THROWS_AS(d.text(), lexzone::zone_closed);  // the handler returned: the operation still throws
  CHECK(reports == 1);
  lexzone::set_zone_closed_handler(previous);

  // Nested: closing the outer zone ends docs of the inner one too.
  auto outer = v.memory_zone();
  auto inner = outer.memory_zone();
  doc di = nlp(inner, "inner doc");
  doc copy = di;
  outer.close();
  CHECK_THROWS_AS(di.text(), lexzone::zone_closed);
  CHECK_THROWS_AS(copy.text(), lexzone::zone_closed);

  // Docs made on the permanent layer never expire.
  doc p = nlp(v, "permanent words");
  CHECK(p.text() == "permanent words");
}
#endif

TEST_CASE("doc: moved-from docs are empty and safe", "[pipeline]") {
  vocab v;
  lexzone::pipeline<vocab, ws_tokenizer> nlp(ws_tokenizer{});
  auto zone = v.memory_zone();
  doc a = nlp(zone, "x y");
  doc b = std::move(a);
  CHECK(b.size() == 2);
  CHECK(a.size() == 0);     // NOLINT(bugprone-use-after-move): tested on purpose
  CHECK(a.ents().empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace pipeline_test
