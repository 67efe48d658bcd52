// basic_doc, basic_token, basic_span and the entity range: ranges, spaCy's attribute names and offsets.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>

#include <algorithm>
#include <iterator>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/catch.hpp"

namespace doc_test {

namespace {

using vocab = lexzone::en::vocab;
using doc = lexzone::basic_doc<vocab>;

static_assert(std::ranges::random_access_range<doc>);
static_assert(std::ranges::sized_range<doc>);
static_assert(std::ranges::random_access_range<doc::span>);
static_assert(std::ranges::random_access_range<lexzone::basic_entity_range<vocab>>);
static_assert(std::same_as<std::ranges::range_value_t<doc>, doc::token>);

std::vector<std::string> texts_of(const auto& range) {
  std::vector<std::string> out;
  for (const auto& tok : range) out.emplace_back(tok.text());
  return out;
}

}  // namespace

TEST_CASE("doc: a range of tokens for range-for and the <ranges> algorithms", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  const doc d = tok(zone, "Hello, new world!");
  CHECK(texts_of(d) == std::vector<std::string>{"Hello", ",", "new", "world", "!"});
  CHECK(std::ranges::distance(d) == 5);
  CHECK(std::ranges::count_if(d, [](const auto& t) { return t.is_punct(); }) == 2);
  const auto it = std::ranges::find_if(d, [](const auto& t) { return t.text() == "world"; });
  REQUIRE(it != d.end());
  CHECK((*it).i() == 3);
  CHECK(it->i() == 3);  // operator-> through a proxy holding the token
  CHECK(it->text() == "world");
  CHECK(d.ents().begin() == d.ents().end());
  lexzone::en::entity_ruler ruler(v);
  ruler.add_pattern(lexzone::entity_pattern{"LOC", "new world"});
  doc tagged = tok(zone, "Hello, new world!");
  ruler(tagged);
  REQUIRE(tagged.ents().size() == 1);
  CHECK(tagged.ents().begin()->text() == "new world");  // the entity range's iterator too
  CHECK(tagged.ents().begin()->label_() == "LOC");
  CHECK(std::ranges::find_if(d, [](const auto& t) { return t.is_punct(); })->text() == ",");
  CHECK(it - d.begin() == 3);
  CHECK(d.begin()[4].text() == "!");
  CHECK(std::ranges::is_sorted(d, {}, [](const auto& t) { return t.idx(); }));
#if !defined(__clang__) || __clang_major__ >= 15
  // Range adaptors over libstdc++ 12 do not compile with clang 14 (not even over a std::vector).
  auto words = d | std::views::filter([](const auto& t) { return t.is_alpha(); }) |
               std::views::transform([](const auto& t) { return std::string(t.lower_()); });
  CHECK(std::vector<std::string>(words.begin(), words.end()) == std::vector<std::string>{"hello", "new", "world"});
  CHECK(texts_of(d | std::views::reverse) == std::vector<std::string>{"!", "world", "new", ",", "Hello"});
#endif
}

TEST_CASE("doc: idx() is the character offset as in spaCy, and byte_idx() the byte offset", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  // spaCy 3.8.2's tokens for this text (shared/data/spacy_lang/en_cases.jsonl).
  const doc d = tok(zone, "—Yo me llamo... –murmuró el niño– Emilio Sánchez Pérez.");
  CHECK(texts_of(d) == std::vector<std::string>{"—", "Yo", "me", "llamo", "...", "–", "murmuró", "el", "niño", "–",
                                                "Emilio", "Sánchez", "Pérez", "."});
  const std::vector<std::size_t> chars{0, 1, 4, 7, 12, 16, 17, 25, 28, 32, 34, 41, 49, 54};
  for (std::size_t i = 0; i < d.size(); ++i) CHECK(d[i].idx() == chars[i]);
  CHECK(d[1].byte_idx() == 3);                             // "—" is 3 bytes
  CHECK(d[10].byte_idx() == d[10].idx() + 3 * 2 + 2 * 1);  // before it: three dashes of 3 bytes, ó and ñ of 2
  const auto sp = d.slice(10, 13);
  CHECK(sp.text() == "Emilio Sánchez Pérez");
  CHECK(sp.start_char() == 34);
  CHECK(sp.end_char() == 54);
  CHECK(sp.end_byte() - sp.start_byte() == sp.text().size());
  CHECK(texts_of(sp) == std::vector<std::string>{"Emilio", "Sánchez", "Pérez"});
  CHECK(sp.start_token() == 10);
  CHECK(sp.end_token() == 13);
}

TEST_CASE("doc: tokens give text, whitespace and lexeme attributes by name", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  const doc d = tok(zone, "They don't sell 10 Apples at www.example.com");
  CHECK(texts_of(d) == std::vector<std::string>{"They", "do", "n't", "sell", "10", "Apples", "at", "www.example.com"});
  CHECK(d[0].text_with_ws() == "They ");
  CHECK(d[1].text_with_ws() == "do");
  CHECK(d[0].whitespace_() == " ");
  CHECK(d[1].whitespace_().empty());
  CHECK(d[2].norm_() == "not");  // the tokenizer exception's NORM
  CHECK(d[2].lower_() == "n't");
  CHECK(d[5].lower_() == "apples");  // a transient lexeme: its strings resolve through the doc's zone
  CHECK(d[5].shape_() == "Xxxxx");
  CHECK(d[5].prefix_() == "A");
  CHECK(d[5].suffix_() == "les");
  CHECK(d[5].is_title());
  CHECK(d[5].is_alpha());
  CHECK_FALSE(d[5].is_lower());
  CHECK(d[4].like_num());
  CHECK(d[4].is_digit());
  CHECK(d[6].is_stop());
  CHECK(d[7].like_url());
  CHECK(d[5].length() == 6);
  CHECK(d[5].lex().is_alpha());  // the lexeme answers by the same names
  CHECK(d[5].lower() == d[5].lex().lower());
}

TEST_CASE("doc: an empty span has no text and ends where it starts, as spaCy's", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  const doc d = tok(zone, "ab cd ef");
  REQUIRE(d.size() == 3);
  for (std::size_t k = 0; k <= d.size(); ++k) {
    const auto sp = d.slice(k, k);
    CHECK(sp.empty());
    CHECK(sp.text().empty());
    CHECK(sp.start_char() == (k < d.size() ? d[k].idx() : 8));
    CHECK(sp.end_char() == sp.start_char());
    CHECK(sp.end_byte() == sp.start_byte());
  }
  // An empty entity (set_ents does not refuse one) copies out the same way.
  doc d2 = tok(zone, "ab cd ef");
  d2.set_ents({{1, 1, v.strings().add("X"), 0}});
  const lexzone::owned_doc o = d2.to_owned();
  REQUIRE(o.ents.size() == 1);
  CHECK(o.ents[0].text.empty());
  CHECK(o.ents[0].start_char == 3);
  CHECK(o.ents[0].end_char == 3);
  CHECK(o.ents[0].end_byte == 3);
}

TEST_CASE("doc: a moved-from doc is a default-constructed one", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  doc d = tok(zone, "Hello brave new world");
  d.set_ents({{1, 2, v.strings().add("X"), 0}});
  const doc taken = std::move(d);
  CHECK(taken.size() == 4);
  CHECK(taken.text() == "Hello brave new world");
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from state is what is tested
  CHECK(d.empty());
  CHECK(d.text().empty());
  CHECK(d.ents().size() == 0);
  const auto sp = d.slice(0, 0);  // offsets of the empty doc, not of the text it had
  CHECK(sp.text().empty());
  CHECK(sp.start_char() == 0);
  CHECK(sp.start_byte() == 0);
  CHECK(sp.end_char() == 0);
  CHECK(d.to_owned().text.empty());
  d = tok(zone, "again");  // usable again once assigned
  // NOLINTEND(bugprone-use-after-move)
  CHECK(d.size() == 1);
  CHECK(d[0].idx() == 0);
}

static_assert(lexzone::scope_of<vocab::zone_type, vocab> && lexzone::scope_of<vocab, vocab>);
static_assert(!lexzone::scope_of<const vocab::zone_type, vocab> && !lexzone::scope_of<const vocab, vocab>,
              "a const scope is refused by the constraint, not deep inside a tokenizer");

TEST_CASE("doc: set_ents refuses entities that break its rules, and keeps the ones it had", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  doc d = tok(zone, "Ada Lovelace lived in London");
  const lexzone::hash_t person = v.strings().add("PERSON"), gpe = v.strings().add("GPE");
  d.set_ents({{0, 2, person, 0}, {4, 5, gpe, 0}});
  const auto refused = [&](std::vector<doc::entity_record> ents, std::string_view why) {
    try {
      d.set_ents(std::move(ents));
    } catch (const std::invalid_argument& e) {
      INFO(e.what());
      CHECK(std::string_view(e.what()).find(why) != std::string_view::npos);
      return true;
    }
    return false;
  };
  CHECK(refused({{4, 5, gpe, 0}, {0, 2, person, 0}}, "entity 1 [0, 2): it starts before"));  // unsorted
  CHECK(refused({{0, 2, person, 0}, {1, 3, gpe, 0}}, "entity 1 [1, 3): it starts before"));  // overlapping
  CHECK(refused({{4, 6, gpe, 0}}, "not a span of the doc"));                                 // past the end
  CHECK(refused({{3, 2, gpe, 0}}, "not a span of the doc"));                                 // reversed
  CHECK(refused({{0, 2, lexzone::hash_string("NEVER-ADDED"), 0}}, "not a permanent string"));
  CHECK(refused({{0, 2, person, lexzone::hash_string("no-such-id")}}, "not a permanent string"));
  const lexzone::hash_t zoned = zone.strings().add("ZONE-LABEL");  // labels must outlive the zone
  CHECK(refused({{0, 2, zoned, 0}}, "not a permanent string"));
  REQUIRE(d.ents().size() == 2);  // unchanged by every refusal
  CHECK(d.ents()[1].text() == "London");
  // Allowed: touching spans, an empty one between, no label, an id that was added.
  d.set_ents({{0, 2, person, v.strings().add("Q7259")}, {2, 2, 0, 0}, {2, 3, gpe, 0}});
  CHECK(d.ents().size() == 3);
  CHECK(d.ents()[0].id_() == "Q7259");
}

TEST_CASE("doc: entities give their label text, id text and character offsets", "[doc]") {
  vocab v;
  auto nlp = lexzone::en::make_pipeline(v, {{"PERSON", "Emilio Sánchez Pérez", "emilio"}, {"VERB", "llamo"}});
  auto zone = v.memory_zone();
  const doc d = nlp(zone, "—Yo me llamo... –murmuró el niño– Emilio Sánchez Pérez.");
  const auto ents = d.ents();
  REQUIRE(ents.size() == 2);
  CHECK(ents[0].label_() == "VERB");
  CHECK(ents[0].id_().empty());
  CHECK(ents[1].text() == "Emilio Sánchez Pérez");
  CHECK(ents[1].label_() == "PERSON");
  CHECK(ents[1].id_() == "emilio");
  CHECK(ents[1].start_char() == 34);
  CHECK(ents[1].end_char() == 54);
  std::vector<std::string> labels;
  for (const auto& ent : d.ents()) labels.emplace_back(ent.label_());
  CHECK(labels == std::vector<std::string>{"VERB", "PERSON"});
  CHECK(std::ranges::count_if(d.ents(), [](const auto& e) { return e.size() == 3; }) == 1);
  const lexzone::owned_doc o = d.to_owned();
  REQUIRE(o.ents.size() == 2);
  CHECK(o.ents[1].label == "PERSON");
  CHECK(o.ents[1].start_char == 34);
  CHECK(o.ents[1].id == "emilio");
}

TEST_CASE("doc: a doc on the permanent layer resolves strings there", "[doc]") {
  vocab v;
  lexzone::en::tokenizer tok(v);
  const doc d = tok(v, "Plain Words");
  CHECK(d[0].lower_() == "plain");
  CHECK(d[1].shape_() == "Xxxxx");
  CHECK(v.contains("Words"));  // permanent: made on the vocab itself
}

TEST_CASE("doc: push_token computes character offsets from byte offsets", "[doc]") {
  vocab v;
  auto zone = v.memory_zone();
  doc d(zone, "añb  c");
  d.push_token(zone.add("añb"), 0, true);
  d.push_token(zone.add(" "), 5, false);
  d.push_token(zone.add("c"), 6, false);
  CHECK(d[0].idx() == 0);
  CHECK(d[1].idx() == 4);
  CHECK(d[1].byte_idx() == 5);
  CHECK(d[2].idx() == 5);
  CHECK(d.slice(0, 3).end_char() == 6);
}

}  // namespace doc_test
