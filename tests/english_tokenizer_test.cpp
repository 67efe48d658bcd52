#include <lexzone/english_tokenizer.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/catch.hpp"

namespace english_tokenizer_test {

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using tokenizer = lexzone::english_tokenizer<vocab>;

static_assert(lexzone::tokenizer<tokenizer, vocab>);

namespace {
std::vector<std::string> texts(const lexzone::basic_doc<vocab>& d) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < d.size(); ++i) out.emplace_back(d[i].text());
  return out;
}
std::string rebuild(const lexzone::basic_doc<vocab>& d) {
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    out.append(d[i].text());
    if (d[i].has_space()) out.push_back(' ');
  }
  return out;
}
}  // namespace

TEST_CASE("english_tokenizer: contractions, punctuation, URLs, offsets", "[tokenizer]") {
  vocab v;
  tokenizer tok(v);
  auto zone = v.memory_zone();
  auto d = tok(zone, "I don't know, see https://example.com/a?b=1 (or e-mail me@x.org).");
  CHECK(texts(d) == std::vector<std::string>{"I", "do", "n't", "know", ",", "see", "https://example.com/a?b=1", "(",
                                             "or", "e", "-", "mail", "me@x.org", ")", "."});
  CHECK(d.text() == rebuild(d));
  CHECK(v.strings()[d[2].norm()] == "not");  // the special case's NORM
  CHECK(d[2].idx() == 4);
  auto u = tok(zone, "\xc3\xa9t\xc3\xa9 caf\xc3\xa9!");  // "été café!"
  REQUIRE(u.size() == 3);
  CHECK(u[1].idx() == 4);
  CHECK(u[1].byte_idx() == 6);
  CHECK(u[2].idx() == 8);
}

TEST_CASE("english_tokenizer: special cases are permanent, a zone only holds what the text brought", "[tokenizer]") {
  vocab v;
  tokenizer tok(v);
  const std::size_t base = v.size();
  CHECK(base > 400);  // the distinct pieces of the special cases
  {
    auto zone = v.memory_zone();
    auto d = tok(zone, "don't can't won't");
    CHECK(d.size() == 6);
    CHECK(zone.transient_size() == 0);
    tok(zone, "zyxwv qwerty");
    CHECK(zone.transient_size() == 2);
  }
  CHECK(v.size() == base);
}

TEST_CASE("english_tokenizer: chunks made by special cases are cached with their NORMs", "[tokenizer]") {
  vocab v;
  tokenizer tok(v);
  auto zone = v.memory_zone();
  const auto norms = [&](std::string_view text) {
    std::vector<std::string> out;
    const auto d = tok(zone, text);
    for (std::size_t i = 0; i < d.size(); ++i) out.emplace_back(zone.strings()[d[i].norm()]);
    return out;
  };
  const std::vector<std::string> expected{"(", "do", "not", ")", "going", "to", "\n"};
  CHECK(norms("(don't) gonna\n") == expected);
  const auto before = tok.stats();
  CHECK(norms("(don't) gonna\n") == expected);  // every chunk from the cache now
  CHECK(tok.stats().hits == before.hits + 3);
  CHECK(tok.stats().misses == before.misses);
  // A rule change empties the cache: the new rule applies at once.
  tok.add_special_case("gonna", {{"gon", "GOING"}, {"na", "TO"}});
  CHECK(norms("(don't) gonna\n") == std::vector<std::string>{"(", "do", "not", ")", "GOING", "TO", "\n"});
  CHECK(tok.remove_special_case("gonna"));
  CHECK(texts(tok(zone, "gonna")) == std::vector<std::string>{"gonna"});
}

TEST_CASE("english_tokenizer: a NORM of rules edited with update_rules leaves with the zone", "[tokenizer]") {
  // update_rules interns nothing: a NORM it brings is added through the zone that meets it, not
  // permanently (the store would otherwise grow with every zone that used such a rule).
  vocab v;
  tokenizer tok(v);
  tok.update_rules([](auto& rules) {
    const lexzone::special_piece pieces[] = {{"qq"}, {"foo", "REQUEST-SPECIFIC-NORM"}};
    rules.add_special_case("qqfoo", pieces);
  });
  const std::size_t strings_before = v.strings().size();
  const std::size_t lexemes_before = v.size();
  for (int round = 0; round < 2; ++round) {  // the second round: the chunk comes from the cache
    auto zone = v.memory_zone();
    const auto d = tok(zone, "qqfoo");
    REQUIRE(d.size() == 2);
    CHECK(d[1].norm_() == "REQUEST-SPECIFIC-NORM");
    CHECK(zone.strings().contains(std::string_view("REQUEST-SPECIFIC-NORM")));
    CHECK_FALSE(v.strings().contains(std::string_view("REQUEST-SPECIFIC-NORM")));
  }
  CHECK(v.strings().size() == strings_before);
  CHECK(v.size() == lexemes_before);
  // Through the permanent layer it is permanent, as every string a permanent doc adds.
  const auto d = tok(v, "qqfoo");
  CHECK(d[1].norm_() == "REQUEST-SPECIFIC-NORM");
  CHECK(v.strings().contains(std::string_view("REQUEST-SPECIFIC-NORM")));
}

TEST_CASE("english_tokenizer: a moved-from zone guard is reported as a closed zone", "[tokenizer]") {
  vocab v;
  tokenizer tok(v);
  auto zone = v.memory_zone();
  auto other = std::move(zone);
  CHECK_THROWS_AS(tok(zone, "hello"), lexzone::zone_closed);  // NOLINT(bugprone-use-after-move): the test
  CHECK_THROWS_AS(lexzone::basic_doc<vocab>(zone, "hello"), lexzone::zone_closed);
  lexzone::basic_memory_zone<vocab> never_opened;
  CHECK_THROWS_AS(tok(never_opened, "hello"), lexzone::zone_closed);
  CHECK(tok(other, "hello").size() == 1);
}

TEST_CASE("english_tokenizer: the cache works inside zones and never serves a closed zone", "[tokenizer]") {
  vocab v;
  tokenizer tok(v);
  for (int round = 0; round < 3; ++round) {
    auto zone = v.memory_zone();
    auto d = tok(zone, "unseenword1 unseenword2 unseenword1 (unseenword2)");
    REQUIRE(d.size() == 6);
    CHECK(d[0].text() == "unseenword1");
    CHECK(&d[0].lex() == &d[2].lex());
    CHECK(zone.find(d[0].orth()) == &d[0].lex());  // the lexeme belongs to this zone, not an old one
  }
  CHECK(tok.stats().hits > 0);
  CHECK(v.find("unseenword1") == nullptr);
}

namespace {
// Ids chosen by the test: "q<digits>" hashes to the number ("q05" and "q5" share id 5); other texts XXH3.
struct q_hash {
  lexzone::hash_t operator()(std::string_view s) const noexcept {
    if (s.size() > 1 && s[0] == 'q' && s.find_first_not_of("0123456789", 1) == std::string_view::npos) {
      lexzone::hash_t v = 0;
      for (char c : s.substr(1)) v = v * 10 + static_cast<lexzone::hash_t>(c - '0');
      return v;
    }
    return lexzone::hash_string(s);
  }
};
}  // namespace

TEST_CASE("english_tokenizer: a cached zone lexeme gives way to a permanent entry added since", "[tokenizer]") {
  using q_vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits, q_hash>;
  q_vocab v;
  v.add("see");  // permanent: a cached permanent lexeme is always reused
  v.add("now");
  lexzone::english_tokenizer<q_vocab> tok(v);
  auto zone = v.memory_zone();
  const auto first = tok(zone, "see q05 now");
  REQUIRE(first.size() == 3);
  const auto* zoned = &first[1].lex();
  CHECK(zone.find(lexzone::hash_t{5}) == zoned);
  const auto reused = tok.stats().reused;
  CHECK(&tok(zone, "see q05 now")[1].lex() == zoned);
  CHECK(tok.stats().reused == reused + 3);  // every lexeme from the cache, without a lookup

  SECTION("a permanent lexeme whose id collides: reported as the zone's own add reports it") {
    CHECK(v.add("q5").text() == "q5");
    CHECK_THROWS_AS(zone.add("q05"), lexzone::hash_collision);
    CHECK_THROWS_AS(tok(zone, "see q05 now"), lexzone::hash_collision);  // was served from the cache
    CHECK(tok(zone, "see q5 now")[1].text() == "q5");
  }
  SECTION("the same text made permanent: the permanent lexeme, as the zone's lookups return") {
    const auto& permanent = v.add("q05");
    CHECK(&permanent != zoned);
    CHECK(&zone.add("q05") == &permanent);
    CHECK(&tok(zone, "see q05 now")[1].lex() == &permanent);
  }
  SECTION("an unrelated permanent add: the zone's lexeme, found again and kept again") {
    v.add("elsewhere");
    const auto before = tok.stats().reused;
    CHECK(&tok(zone, "see q05 now")[1].lex() == zoned);
    CHECK(tok.stats().reused == before + 2);  // "see" and "now" are permanent: "q05" was looked up again
    CHECK(&tok(zone, "see q05 now")[1].lex() == zoned);
    CHECK(tok.stats().reused == before + 5);  // and kept again
  }
  SECTION("calls alternating between two zones keep each zone's lexemes") {
    auto other = v.memory_zone();
    const auto* elsewhere = &tok(other, "see q07 now")[1].lex();
    const auto before = tok.stats().reused;
    CHECK(&tok(zone, "see q05 now")[1].lex() == zoned);
    CHECK(&tok(other, "see q07 now")[1].lex() == elsewhere);
    CHECK(tok.stats().reused == before + 6);
  }
}

TEST_CASE("english_tokenizer: copy assignment takes the other tokenizer's cache size", "[tokenizer]") {
  vocab v;
  tokenizer small(v, tokenizer::options{8});
  auto zone = v.memory_zone();
  CHECK(small(zone, "one two three").size() == 3);  // the 8-chunk cache's memory is reserved now
  const tokenizer large(v);
  small = large;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "word" + std::to_string(i) + " ";
  CHECK(small(zone, text).size() == 500);
  CHECK(small.stats().entries == 500);  // reserved again for 10,000 chunks: never emptied
  CHECK(small.stats().resets == 0);
}

TEST_CASE("english_tokenizer: same tokens with the cache on and off", "[tokenizer]") {
  vocab v;
  // The default cache, and one of 8 chunks, emptied again and again (also in the middle of a call).
  tokenizer cached = GENERATE(as<std::size_t>{}, 10000, 8) == 8 ? tokenizer(v, tokenizer::options{8}) : tokenizer(v);
  tokenizer uncached(v, tokenizer::options{0});
  std::mt19937 rng(7);
  // Laid out by hand (clang-format would put one entry per line or align columns).
  // clang-format off
  const char* parts[] = {"Hello", "world", "(", ")", "don't", "U.S.", "e-mail", "3.5kg", "$10", "...",
                         "\xc3\xa9t\xc3\xa9", "\xff", "--", "http://a.b/c", "'s", "\n", "  ", "A.B.", "x", "gonna",
                         "(don't)", "Can't", ":)", "e.g.", "C++", "y'all's"};
  auto zone = v.memory_zone();
  // clang-format on
  for (int i = 0; i < 300; ++i) {
    std::string text;
    for (int k = 0; k < 12; ++k) {
      text += parts[rng() % std::size(parts)];
      if (rng() % 3) text.push_back(' ');
    }
    auto a = cached(zone, text);
    auto b = uncached(zone, text);
    REQUIRE(texts(a) == texts(b));
    REQUIRE(a.text() == text);
    for (std::size_t t = 0; t < a.size(); ++t) {
      REQUIRE(a[t].has_space() == b[t].has_space());
      REQUIRE(a[t].idx() == b[t].idx());
      REQUIRE(a[t].norm() == b[t].norm());  // special cases' NORMs, also when the chunk came from the cache
      REQUIRE(&a[t].lex() == &b[t].lex());
    }
  }
  CHECK(cached.stats().hits > 0);
  CHECK(uncached.stats().hits == 0);
}

TEST_CASE("english_tokenizer: the cache stays bounded", "[tokenizer]") {
  vocab v;
  tokenizer tok(v, tokenizer::options{100});
  auto zone = v.memory_zone();
  for (int i = 0; i < 1000; ++i) tok(zone, "word" + std::to_string(i));
  CHECK(tok.stats().entries <= 100);
  CHECK(tok.stats().resets > 0);
}

TEST_CASE("english_tokenizer: add_special_case on one copy only", "[tokenizer]") {
  vocab v;
  tokenizer a(v);
  tokenizer b = a;
  a.add_special_case("lexzone", {{"lex"}, {"zone", "ZONE"}});
  CHECK(v.contains("lex"));
  auto zone = v.memory_zone();
  CHECK(texts(a(zone, "lexzone!")) == std::vector<std::string>{"lex", "zone", "!"});
  CHECK(texts(b(zone, "lexzone!")) == std::vector<std::string>{"lexzone", "!"});
  CHECK_THROWS_AS(a.add_special_case("abc", {{"ab"}, {"d"}}), std::invalid_argument);
}

TEST_CASE("english_tokenizer: invalid UTF-8, NUL bytes, empty and whitespace-only text", "[tokenizer]") {
  vocab v;
  tokenizer tok(v);
  auto zone = v.memory_zone();
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  const std::string inputs[] = {"", " ", "\n\n", "a\xff" "b", std::string("nul\0byte", 8), "\xc3", "\xed\xa0\x80 x",
                                "\xe2\x82", "  two  spaces  "};
  // clang-format on
  for (const auto& in : inputs) {
    auto d = tok(zone, in);
    CHECK(d.text() == in);
    CHECK(rebuild(d) == in);
    std::size_t last = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      CHECK(d[i].byte_idx() >= last);
      last = d[i].byte_idx();
    }
  }
}

TEST_CASE("english_tokenizer: spaCy attrs cases (norm, like_num, is_stop)", "[tokenizer][conformance]") {
  std::ifstream in(std::string(LEXZONE_TEST_DATA_DIR) + "/spacy_en_tokenizer_cases.jsonl");
  REQUIRE(in);
  vocab v;
  tokenizer en(v);
  tokenizer xx(v, lexzone::en::segmenter(lexzone::en::rule_set::base));
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    const auto c = nlohmann::json::parse(line);
    if (c.at("kind") != "attrs") continue;
    if (c.contains("marks")) {
      bool skip = false;
      for (const auto& m : c["marks"]) skip = skip || m == "skip" || m == "xfail";
      if (skip) continue;
    }
    INFO(line);
    auto zone = v.memory_zone();
    auto d = (c.value("tokenizer", "en") == "xx" ? xx : en)(zone, c.at("text").get<std::string>());
    // Each check is [path, op, value]: path [index, attr] for one token, or [attr] for the list of all.
    auto value_of = [&](std::size_t i, const std::string& attr) -> nlohmann::json {
      if (attr == "norm_") return std::string(zone.strings()[d[i].norm()]);
      if (attr == "like_num") return d[i].lex().attrs.has(lexzone::lex_flag::like_num);
      if (attr == "is_stop") return d[i].lex().attrs.has(lexzone::lex_flag::is_stop);
      FAIL("unexpected attribute " << attr);
      return nullptr;
    };
    for (const auto& check : c.at("attrs")) {
      const auto& path = check.at(0);
      const std::string op = check.at(1);
      nlohmann::json got;
      if (path.size() == 2) {
        const auto i = static_cast<std::size_t>(std::stoul(path.at(0).get<std::string>()));
        REQUIRE(i < d.size());
        got = value_of(i, path.at(1));
      } else {
        got = nlohmann::json::array();
        for (std::size_t i = 0; i < d.size(); ++i) got.push_back(value_of(i, path.at(0)));
      }
      if (op == "==") {
        CHECK(got == check.at(2));
      } else {
        REQUIRE(op == "truthy");
        CHECK(got == true);
      }
    }
    ++checked;
  }
  CHECK(checked == 14);
}

TEST_CASE("english_tokenizer: a 64 MiB text without spaces is one token, released with its zone",
          "[tokenizer][hardening]") {
  // Outcome: one token (spaCy makes the same single token); the segmentation is linear; the token's
  // string and lexeme live in a large block of the zone, returned when the zone closes.
  vocab v;
  tokenizer tok(v);
  const std::string text(std::size_t{64} << 20, 'x');
  const std::size_t strings = v.strings().size();
  {
    auto zone = v.memory_zone();
    auto d = tok(zone, text);
    REQUIRE(d.size() == 1);
    CHECK(d[0].text().size() == text.size());
    CHECK(d[0].lex().attrs.length == text.size());
    CHECK(v.stats().strings.zone_bytes > text.size());
  }
  CHECK(v.strings().size() == strings);
  CHECK(v.stats().strings.zone_bytes == 0);
}

TEST_CASE("english_tokenizer: one million tokens in one doc", "[tokenizer][hardening]") {
  // Outcome: a doc of 1,000,000 tokens; offsets stay exact; the zone holds only the distinct words.
  vocab v;
  tokenizer tok(v);
  std::string text;
  for (int i = 0; i < 1000000; ++i) text += "w" + std::to_string(i % 5000) + " ";
  auto zone = v.memory_zone();
  auto d = tok(zone, text);
  REQUIRE(d.size() == 1000000);
  CHECK(d[999999].text() == "w4999");
  CHECK(d[999999].byte_idx() == text.size() - 6);
  CHECK(zone.transient_size() == 5000);
}

TEST_CASE("english_tokenizer: spaCy's token- and doc-level attribute cases", "[tokenizer][conformance]") {
  std::ifstream in(std::string(LEXZONE_TEST_DATA_DIR) + "/spacy_lex_attrs_cases.jsonl");
  REQUIRE(in);
  vocab v;
  tokenizer tok(v);
  tokenizer base(v, lexzone::en::segmenter(lexzone::en::rule_set::base));
  const std::map<std::string, lexzone::lex_flag> flags = {
      {"like_num", lexzone::lex_flag::like_num},     {"like_url", lexzone::lex_flag::like_url},
      {"like_email", lexzone::lex_flag::like_email}, {"is_stop", lexzone::lex_flag::is_stop},
      {"is_alpha", lexzone::lex_flag::is_alpha},     {"is_digit", lexzone::lex_flag::is_digit},
      {"is_title", lexzone::lex_flag::is_title},     {"is_lower", lexzone::lex_flag::is_lower},
      {"is_upper", lexzone::lex_flag::is_upper},     {"is_punct", lexzone::lex_flag::is_punct},
      {"is_ascii", lexzone::lex_flag::is_ascii},     {"is_currency", lexzone::lex_flag::is_currency}};
  int checked = 0;
  std::string line;
  while (std::getline(in, line)) {
    const auto c = nlohmann::json::parse(line);
    const std::string level = c.at("level");
    if (level != "token" && level != "doc") continue;
    INFO(line);
    // "xx" cases use spaCy's language-independent rules (lexzone's base rule set); their lexeme
    // attributes are the English ones here, which agree on every such case.
    auto zone = v.memory_zone();
    auto& t = c.at("lang") == "xx" ? base : tok;
    // A case with a context tokenizes the context and looks at token `token_index` of it.
    const auto d = t(zone, c.value("context", c.at("text").get<std::string>()));
    const std::string attr = c.at("attr");
    if (level == "doc") {
      REQUIRE(attr == "norm");
      std::vector<std::string> norms;
      for (std::size_t i = 0; i < d.size(); ++i) norms.emplace_back(zone.strings()[d[i].norm()]);
      CHECK(norms == c.at("expected").get<std::vector<std::string>>());
    } else {
      const std::size_t i = c.value("token_index", std::size_t{0});
      REQUIRE(i < d.size());
      if (attr == "norm") {
        CHECK(zone.strings()[d[i].norm()] == c.at("expected").get<std::string>());
        if (c.contains("lexeme_value") && !c.at("lexeme_value").is_null())
          CHECK(zone.strings()[d[i].lex().attrs.norm] == c.at("lexeme_value").get<std::string>());
      } else {
        const auto it = flags.find(attr);
        REQUIRE(it != flags.end());
        CHECK(d[i].lex().attrs.has(it->second) == c.at("expected").get<bool>());
      }
    }
    ++checked;
  }
  CHECK(checked == 40);
}

}  // namespace english_tokenizer_test
