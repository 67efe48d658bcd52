// Tests of lexzone::lang::lexeme_traits (spaCy's lexeme attributes for any language, from data), its
// like_num rule families, strip_accents and the L.lex.json reader io::load_spacy_lex.
//
// Data: tests/data/spacy_lang/{en,hi,id,la,ne,ta,yo}.lex.json and L_lex_cases.jsonl (copied from the shared
// data set spacy_lang/; spaCy 3.8.2, Explosion AI, MIT), and every language of ../shared/data/spacy_lang when
// it is present (the all-languages test skips with a message otherwise).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lexzone/io/spacy_lex_file.hpp"
#include "lexzone/lang/en/lexeme_traits.hpp"
#include "lexzone/lang/lexeme_traits.hpp"
#include "lexzone/vocab.hpp"
#include "support/catch.hpp"
#include "support/jsonl.hpp"

namespace lang_lex_attrs_test {

namespace {

namespace fs = std::filesystem;
namespace lang = lexzone::lang;
namespace io = lexzone::io;
using lexzone::hash_t;
using lexzone::lex_flag;
using lexzone::lexeme_attributes;

const fs::path bundled_dir = fs::path(LEXZONE_TEST_DATA_DIR) / "spacy_lang";
const fs::path shared_lang_dir =
    fs::path(LEXZONE_TEST_DATA_DIR) / ".." / ".." / ".." / "shared" / "data" / "spacy_lang";

// An interner that keeps the strings it was given, by id.
struct test_interner {
  std::unordered_map<hash_t, std::string> strings;
  hash_t operator()(std::string_view s) {
    if (s.empty()) return 0;
    const hash_t h = lexzone::default_hasher()(s);
    strings.emplace(h, std::string(s));
    return h;
  }
  [[nodiscard]] std::string text(hash_t id) const { return id == 0 ? std::string() : strings.at(id); }
};

const std::map<std::string, lex_flag>& case_flags() {
  static const std::map<std::string, lex_flag> flags = {
      {"is_stop", lex_flag::is_stop},   {"like_num", lex_flag::like_num},     {"is_alpha", lex_flag::is_alpha},
      {"is_digit", lex_flag::is_digit}, {"is_punct", lex_flag::is_punct},     {"is_space", lex_flag::is_space},
      {"like_url", lex_flag::like_url}, {"like_email", lex_flag::like_email}, {"is_lower", lex_flag::is_lower},
      {"is_upper", lex_flag::is_upper}, {"is_title", lex_flag::is_title},
  };
  return flags;
}

// The attributes of one L_lex_cases.jsonl line that `a` gets wrong ("" when none).
std::string wrong_attributes(const nlohmann::json& row, const lexeme_attributes& a, const test_interner& in) {
  std::string wrong;
  for (const auto& [name, flag] : case_flags())
    if (row.at(name).get<bool>() != a.has(flag)) wrong += " " + name;
  const std::pair<const char*, hash_t> strings[] = {
      {"lower", a.lower}, {"norm", a.norm}, {"shape", a.shape}, {"prefix", a.prefix}, {"suffix", a.suffix}};
  for (const auto& [name, id] : strings)
    if (row.at(name).get<std::string>() != in.text(id)) wrong += std::string(" ") + name + "=" + in.text(id);
  const auto& specific = row.at("lang_specific");
  if (specific.contains("is_currency") && specific.at("is_currency").get<bool>() != a.has(lex_flag::is_currency))
    wrong += " is_currency";
  return wrong;
}

struct language_result {
  std::size_t passed = 0;
  std::size_t total = 0;
  std::string failures;  // the first few
};

// Every line of dir/L_lex_cases.jsonl against the traits loaded from dir/L.lex.json.
language_result check_language(const fs::path& dir, const std::string& code) {
  const lang::lexeme_traits traits(io::load_spacy_lex(dir / (code + ".lex.json")));
  CHECK(traits.lang() == code);
  language_result r;
  for (const auto& row : lexzone_test::read_jsonl(dir / (code + "_lex_cases.jsonl"))) {
    const std::string text = row.at("text");
    test_interner in;
    const std::string wrong = wrong_attributes(row, traits.compute(text, in), in);
    ++r.total;
    if (wrong.empty()) {
      ++r.passed;
    } else if (r.total - r.passed <= 5) {
      r.failures += "  " + code + " " + nlohmann::json(text).dump() + ":" + wrong + "\n";
    }
  }
  return r;
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

lang::lexeme_traits load(const std::string& code) {
  return lang::lexeme_traits(io::load_spacy_lex(bundled_dir / (code + ".lex.json")));
}

// Whether `traits` gives `text` exactly the attributes en::lexeme_traits gives it.
bool same_as_english(const lang::lexeme_traits& traits, std::string_view text) {
  test_interner in_data, in_en;
  const lexeme_attributes d = traits.compute(text, in_data);
  const lexeme_attributes e = lexzone::en::lexeme_traits::compute(text, in_en);
  return d.flags == e.flags && d.length == e.length && d.lower == e.lower && d.norm == e.norm && d.shape == e.shape &&
         d.prefix == e.prefix && d.suffix == e.suffix;
}

}  // namespace

TEST_CASE("lang traits: bundled languages pass every lexeme case", "[lang_lex_attrs]") {
  for (const std::string code : {"en", "hi", "id", "la", "ne", "ta", "yo"}) {
    if (code == "en") continue;  // en_lex_cases.jsonl is not bundled (430 KB); see the golden test below
    const language_result r = check_language(bundled_dir, code);
    std::cout << "[lang_lex_attrs] " << code << ": " << r.passed << " / " << r.total << " lines\n" << r.failures;
    CHECK(r.total > 0);
    CHECK(r.passed == r.total);
  }
}

TEST_CASE("lang traits: every language of the shared data passes every lexeme case", "[lang_lex_attrs][shared]") {
  if (!fs::exists(shared_lang_dir / "en.lex.json")) {
    WARN("SKIPPED: " << shared_lang_dir.string() << " is absent (shared data: L.lex.json of spaCy's 73 languages)");
    return;
  }
  std::vector<std::string> codes;
  for (const auto& entry : fs::directory_iterator(shared_lang_dir)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".lex.json";
    if (name.size() > suffix.size() && name.ends_with(suffix))
      codes.push_back(name.substr(0, name.size() - suffix.size()));
  }
  std::sort(codes.begin(), codes.end());
  CHECK(codes.size() == 73);
  std::size_t files = 0, lines = 0, passed = 0, perfect = 0;
  std::ostringstream table;
  for (const std::string& code : codes) {
    INFO("language " << code);
    if (!fs::exists(shared_lang_dir / (code + "_lex_cases.jsonl"))) {
      // gd and mr have no cases; their data must still load (and reproduce its like_num probes).
      CHECK_NOTHROW(io::load_spacy_lex(shared_lang_dir / (code + ".lex.json")));
      table << "  " << code << ": no cases (data loads)\n";
      continue;
    }
    const language_result r = check_language(shared_lang_dir, code);
    ++files;
    lines += r.total;
    passed += r.passed;
    if (r.passed == r.total) ++perfect;
    table << "  " << code << ": " << r.passed << " / " << r.total << "\n" << r.failures;
    CHECK(r.passed == r.total);
  }
  std::cout << "[lang_lex_attrs] shared data: " << passed << " / " << lines << " lines in " << files << " languages, "
            << perfect << " at 100 %\n"
            << table.str();
  CHECK(files == 71);
  CHECK(lines == 10366);
}

TEST_CASE("lang traits: English from en.lex.json agrees with en::lexeme_traits", "[lang_lex_attrs]") {
  const lang::lexeme_traits english = load("en");
  const auto rows = lexzone_test::read_jsonl("spacy_lex_attrs_golden.jsonl");
  REQUIRE(rows.size() == 2037);
  std::size_t same = 0;
  std::ostringstream diffs;
  for (const auto& row : rows) {
    const std::string text = row.at("text");
    const bool equal = same_as_english(english, text);
    if (equal) ++same;
    else diffs << "  " << nlohmann::json(text).dump() << "\n";
  }
  std::cout << "[lang_lex_attrs] en.lex.json vs en::lexeme_traits: " << same << " / " << rows.size()
            << " golden strings identical\n"
            << diffs.str();
  CHECK(same == rows.size());
  // like_num and is_stop agree on texts the golden file lacks too.
  for (const std::string_view t : {"-twenty,", "Eleven", "23RD", "2th", "1/2", "1/2/3", "±5", "thousandth", "1st.",
                                   "ninety-nine", "\xE2\x80\x99s", "N'T", "k", "\xE2\x84\xAA"}) {
    INFO(t);
    CHECK(english.like_num(t) == lexzone::en::like_num(t));
    CHECK(english.is_stop(t) == lexzone::en::is_stop(t));
  }
}

TEST_CASE("lang traits: English from en.lex.json agrees with en::lexeme_traits on random strings", "[lang_lex_attrs]") {
  // Strings of pieces that exercise like_num, is_stop, NORM and the flags: digits, signs, separators, ordinal
  // endings, number and stop words in any case, BASE_NORMS keys, letters that lowercase specially.
  const std::vector<std::string> pieces = {"1",
                                           "23",
                                           "\xC2\xB2",
                                           "\xD9\xA3",
                                           "+",
                                           "-",
                                           "\xC2\xB1",
                                           "~",
                                           ",",
                                           ".",
                                           "/",
                                           "^",
                                           "%",
                                           "st",
                                           "ND",
                                           "th",
                                           "Rd",
                                           "twenty",
                                           "Eleven",
                                           "THIRD",
                                           "the",
                                           "n't",
                                           "\xE2\x80\x99s",
                                           "\xE2\x80\x9C",
                                           "--",
                                           "US$",
                                           "\xE2\x82\xAC",
                                           "a",
                                           "Z",
                                           "\xC4\xB0",
                                           "\xCE\xA3",
                                           "\xE2\x84\xAA",
                                           "\xC3\xA9",
                                           " ",
                                           "@",
                                           "www.",
                                           ".com",
                                           "\xFF"};
  const lang::lexeme_traits english = load("en");
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t same = 0;
  constexpr std::size_t rounds = 20000;
  for (std::size_t i = 0; i < rounds; ++i) {
    std::string text;
    for (std::size_t n = 1 + next() % 4; n > 0; --n) text += pieces[next() % pieces.size()];
    const bool equal = same_as_english(english, text);
    if (equal) ++same;
    else UNSCOPED_INFO(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  CHECK(same == rounds);
}

TEST_CASE("lang traits: the like_num rule families", "[lang_lex_attrs]") {
  lang::like_num_rule base;
  for (const std::string_view t : {"5", "+5", "-5", "~5", "\xC2\xB1\x35", "1,000", "1.000", "-3,5", "1/2", "\xC2\xB2"})
    CHECK(lang::like_num(t, base));
  for (const std::string_view t : {"", "1/2/3", "10^3", "50%", "5th", "+", "/", "1/", "IV", "London"})
    CHECK_FALSE(lang::like_num(t, base));

  SECTION("look-ups: exact, lower and first word") {
    lang::like_num_rule r;
    r.lookups.push_back({lang::word_set({"Drei"}), lang::word_match::exact});
    r.lookups.push_back({lang::word_set({"zwei"}), lang::word_match::lower});
    r.lookups.push_back({lang::word_set({"eins"}), lang::word_match::first_word_lower});
    CHECK(lang::like_num("Drei", r));
    CHECK_FALSE(lang::like_num("drei", r));
    CHECK(lang::like_num("ZWEI", r));
    CHECK(lang::like_num("-zwei,", r));  // the clean-up comes first
    CHECK(lang::like_num("Eins und", r));
    CHECK_FALSE(lang::like_num("und eins", r));
  }
  SECTION("ordinal endings, cuts by ending or fixed") {
    lang::like_num_rule r;
    r.ordinals.push_back({{"th"}, {}});
    r.ordinals.push_back({{"inci"}, {3, 4}});
    CHECK(lang::like_num("5TH", r));
    CHECK_FALSE(lang::like_num("th", r));
    CHECK(lang::like_num("5inci", r));         // cut 4
    CHECK(lang::like_num("55inci", r));        // the cut of 4 leaves "55"
    CHECK_FALSE(lang::like_num("5xinci", r));  // neither cut leaves digits only
  }
  SECTION("suffixed words, hyphens, rewrites, markers") {
    lang::like_num_rule r;
    r.suffixed.push_back({{"ta", "a"}, lang::word_set({"dva"}), lang::word_match::lower});
    r.hyphenated.push_back({lang::word_set({"lima"})});
    r.rewrites.push_back({{{"xx", "y"}, {"longer-than-text", "z"}}, lang::word_set({"aby", "q"})});
    CHECK(lang::like_num("Dvata", r));
    CHECK(lang::like_num("ke-5", r));
    CHECK(lang::like_num("ke-lima", r));
    CHECK_FALSE(lang::like_num("ke-lima-5", r));
    CHECK(lang::like_num("abxx", r));
    CHECK(lang::like_num("q", r));  // no rewrite applies: the text itself is looked up
    lang::like_num_rule m;
    m.markers = {"do"};
    CHECK(lang::like_num("London", m));
  }
  SECTION("Roman numerals as Python's re.I sees them") {
    lang::like_num_rule r;
    r.roman_numerals = true;
    for (const std::string_view t : {"IV", "vi", "mix", "civ", "MCMXC", "mmxxiv", "IIII", "IV\n", "\xC4\xB1v"})
      CHECK(lang::like_num(t, r));
    for (const std::string_view t : {"IIIII", "MIM", "XM", "IC", "London", "\n", "IV\n\n", "VV"})
      CHECK_FALSE(lang::like_num(t, r));
  }
}

TEST_CASE("lang traits: strip_accents is NFD without nonspacing marks", "[lang_lex_attrs]") {
  CHECK(lang::strip_accents("\xE1\xBB\x8D\xCC\x80kanl\xC3\xA1") == "okanla");            // ọ̀kanlá
  CHECK(lang::strip_accents("\xC3\x85ngstr\xC3\xB6m \xE2\x84\xAB") == "Angstrom A");     // Ångström Å
  CHECK(lang::strip_accents("\xED\x95\x9C") == "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB");  // 한: its jamo
  CHECK(lang::strip_accents("a\xCC\x81\xCC\x82"
                            "b") == "ab");                                               // marks dropped
  CHECK(lang::strip_accents("x\xFFy") == "x\xFFy");                                      // invalid byte kept
  CHECK(lang::strip_accents("\xE0\xA4\x95\xE0\xA4\xBF") == "\xE0\xA4\x95\xE0\xA4\xBF");  // कि: U+093F is Mc, kept
  CHECK(lang::strip_accents("\xE0\xA4\x95\xE0\xA5\x81") == "\xE0\xA4\x95");              // कु: U+0941 is Mn
}

TEST_CASE("lang traits: NORM stemmers (hi skips short groups, ne stops at them)", "[lang_lex_attrs]") {
  lang::lex_data d;
  d.stemmer = lang::norm_stemmer{{{"a", "bb"}, {"xyz"}}, false};
  const lang::lexeme_traits skip(d);
  CHECK(skip.norm("wordxyz") == "word");
  CHECK(skip.norm("wbb") == "wb");           // the group's cut is its first suffix's length (1), not that of "bb"
  CHECK(skip.norm("xa") == "x");             // "xyz" is too long for this word: skipped
  CHECK(skip.norm("\xE2\x80\x9C") == "\"");  // BASE_NORMS first
  CHECK(skip.norm("Word") == "Word");        // not lowercased
  d.stemmer->stop_at_short_group = true;
  const lang::lexeme_traits stop(d);
  CHECK(stop.norm("xa") == "xa");  // the search ends at the group that is too long
  d.stemmer->suffix_groups.emplace_back();
  CHECK_THROWS_AS(lang::lexeme_traits(d), std::invalid_argument);
}

TEST_CASE("lang traits: a vocab of another language", "[lang_lex_attrs]") {
  lexzone::basic_vocab<lang::lexeme_traits> vocab(load("id"));
  CHECK(vocab.traits().lang() == "id");
  const auto& eleven = vocab.add("Sebelas");
  CHECK(eleven.like_num());
  CHECK(vocab.add("ke-5").like_num());
  CHECK(vocab.add("IDR").is_currency());
  CHECK(vocab.add("IDR").is_alpha());
  CHECK(vocab.add("US\\$").is_currency());  // spaCy's list holds the regex-escaped "US\$"
  CHECK_FALSE(vocab.add("US$").is_currency());
  CHECK(vocab.add("yang").is_stop());
  {
    auto zone = vocab.memory_zone();
    const auto& lex = zone.add("Sembilan");
    CHECK(lex.like_num());
    CHECK(zone.strings()[lex.lower()] == "sembilan");
  }
  CHECK_FALSE(vocab.contains("Sembilan"));
  // The default traits are spaCy's base language (xx).
  lexzone::basic_vocab<lang::lexeme_traits> base;
  CHECK(base.add("12").like_num());
  CHECK_FALSE(base.add("twelve").like_num());
  CHECK_FALSE(base.add("the").is_stop());
}

TEST_CASE("lang traits: the L.lex.json reader reports bad files", "[lang_lex_attrs]") {
  auto code_of = [](const auto& fn) {
    try {
      fn();
    } catch (const io::lex_file_error& e) {
      return std::string(io::to_string(e.code()));
    }
    return std::string("no error");
  };
  CHECK(code_of([] { (void)io::load_spacy_lex(bundled_dir / "zz.lex.json"); }) == "missing");
  CHECK(code_of([] { (void)io::load_spacy_lex(bundled_dir); }) == "unreadable");
  CHECK(code_of([] { (void)io::parse_spacy_lex("{\"lang\": "); }) == "not_json");
  CHECK(code_of([] { (void)io::parse_spacy_lex("[]"); }) == "wrong_layout");
  const std::string good = R"({"lang": "zz", "stop_words": ["a"], "num_words": {}, "other_lex_attrs_values": {},
    "like_num_source": "base", "like_num_probes": {"5": true, "five": false}, "lex_attr_getters": {}})";
  CHECK(code_of([&] { (void)io::parse_spacy_lex(good); }) == "no error");
  std::string s = good;
  s.replace(s.find("[\"a\"]"), 5, "[1]");
  CHECK(code_of([&] { (void)io::parse_spacy_lex(s); }) == "wrong_layout");
  s = good;
  s.replace(s.find("\"base\""), 6, "\"counts sheep\"");
  CHECK(code_of([&] { (void)io::parse_spacy_lex(s); }) == "unknown_rule");  // a language without a known rule
  s = good;
  s.replace(s.find("{}}"), 3, "{\"NORM\": \"zz.norm\"}}");
  CHECK(code_of([&] { (void)io::parse_spacy_lex(s); }) == "unknown_rule");
  s = good;
  s.replace(s.find("\"five\": false"), 13, "\"five\": true");
  CHECK(code_of([&] { (void)io::parse_spacy_lex(s); }) == "probe_mismatch");
  CHECK(code_of([&] { (void)io::parse_spacy_lex(s, "x", {.check_probes = false}); }) == "no error");
  try {
    (void)io::load_spacy_lex(bundled_dir / "zz.lex.json");
  } catch (const io::lex_file_error& e) {
    CHECK(std::string(e.what()).find("zz.lex.json") != std::string::npos);
    CHECK(e.name().ends_with("zz.lex.json"));
  }
}

TEST_CASE("lang traits: a probe mismatch names the first 20 probes that disagree", "[lang_lex_attrs]") {
  std::string probes;
  for (int i = 0; i < 100; ++i) probes += (i == 0 ? "\"w" : ", \"w") + std::to_string(i) + "\": true";
  const std::string file = R"({"lang": "zz", "stop_words": ["a"], "num_words": {}, "other_lex_attrs_values": {},
    "like_num_source": "base", "like_num_probes": {)" +
                           probes + R"(}, "lex_attr_getters": {}})";
  try {
    (void)io::parse_spacy_lex(file, "p.lex.json");
    FAIL("100 wrong probes were accepted");
  } catch (const io::lex_file_error& e) {
    const std::string what = e.what();
    CHECK(e.code() == io::lex_file_errc::probe_mismatch);
    CHECK(what.find("and 80 more") != std::string::npos);
    CHECK(what.size() < 600);
  }
}

TEST_CASE("lang traits: a number past a double's range is not_json, not a JSON library error", "[lang_lex_attrs]") {
  const std::string good = R"({"lang": "zz", "stop_words": ["a"], "num_words": {}, "other_lex_attrs_values": {},
    "like_num_source": "base", "like_num_probes": {"5": true}, "lex_attr_getters": {}, "size": 1e999})";
  try {
    (void)io::parse_spacy_lex(good, "big.lex.json");
    FAIL("1e999 was accepted");
  } catch (const io::lex_file_error& e) {
    CHECK(e.code() == io::lex_file_errc::not_json);
    CHECK(std::string(e.what()).starts_with("big.lex.json: "));
    CHECK(std::string(e.what()).find("1e999") != std::string::npos);
  }
}

TEST_CASE("lang traits: a NUL byte does not end the L.lex.json text early", "[lang_lex_attrs]") {
  // nlohmann_json reads a NUL byte as the end of its input: what follows it was silently dropped.
  const std::string good = R"({"lang": "zz", "stop_words": ["a"], "num_words": {}, "other_lex_attrs_values": {},
    "like_num_source": "base", "like_num_probes": {"5": true}, "lex_attr_getters": {}})";
  for (const std::string& tail : {std::string(1, '\0') + "{\"more\": 1}", std::string(1, '\0')}) {
    try {
      (void)io::parse_spacy_lex(good + tail, "nul.lex.json");
      FAIL("a NUL byte after the object was accepted");
    } catch (const io::lex_file_error& e) {
      CHECK(e.code() == io::lex_file_errc::not_json);
      CHECK(std::string(e.what()).find("NUL byte at offset " + std::to_string(good.size())) != std::string::npos);
    }
  }
}

TEST_CASE("lang traits: _numeral_suffixes keeps its file order, and many keys parse in O(n log n)",
          "[lang_lex_attrs]") {
  // ta's suffix rewrites are tried in file order; the reader parses objects into std::maps (sorted keys)
  // and records that one object's order while parsing.
  const std::string text = read_whole(bundled_dir / "ta.lex.json");
  auto file = nlohmann::ordered_json::parse(text);
  std::vector<std::pair<std::string, std::string>> in_file;
  for (const auto& [k, v] : file["num_words"]["_numeral_suffixes"].items())
    in_file.emplace_back(k, v.get<std::string>());
  REQUIRE(in_file.size() >= 3);
  REQUIRE(!std::is_sorted(in_file.begin(), in_file.end()));  // else a sorted map would pass too
  auto rewrites_of = [](const lang::lex_data& d) {
    REQUIRE(d.like_num.rewrites.size() == 1);
    return d.like_num.rewrites[0].rewrites;
  };
  CHECK(rewrites_of(io::parse_spacy_lex(text, "ta")) == in_file);

  // Reversed, then the last key again with another value: one entry for it, at its first place, with
  // the later value (what an ordered JSON object keeps). Probes off: they were made for the file's order.
  file["num_words"]["_numeral_suffixes"] = "@suffixes@";
  std::string object = "{";
  for (auto it = in_file.rbegin(); it != in_file.rend(); ++it)
    object += nlohmann::json(it->first).dump() + ": " + nlohmann::json(it->second).dump() + ", ";
  object += nlohmann::json(in_file.back().first).dump() + ": \"x\"}";
  std::string edited = file.dump();
  edited.replace(edited.find("\"@suffixes@\""), 12, object);
  std::vector<std::pair<std::string, std::string>> want(in_file.rbegin(), in_file.rend());
  want.front().second = "x";
  CHECK(rewrites_of(io::parse_spacy_lex(edited, "ta", {.check_probes = false})) == want);

  // An ignored object of 200,000 keys: with ordered_json's linear key search this took minutes.
  file = nlohmann::ordered_json::parse(text);
  file["other_overrides"] = "@many@";
  std::string many = "{";
  for (int i = 0; i < 200'000; ++i) many += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  many += "\"end\": 0}";
  edited = file.dump();
  edited.replace(edited.find("\"@many@\""), 8, many);
  const lang::lex_data big = io::parse_spacy_lex(edited, "ta");
  CHECK(rewrites_of(big) == in_file);
  CHECK(big.stop_words == io::parse_spacy_lex(text, "ta").stop_words);
}

#ifdef __linux__
TEST_CASE("lang traits: a read error is unreadable, not an iostream exception", "[lang_lex_attrs]") {
  // /proc/self/mem is a regular file whose first page cannot be read (EIO): an I/O error after opening.
  try {
    (void)io::load_spacy_lex("/proc/self/mem");
    FAIL("reading /proc/self/mem succeeded");
  } catch (const io::lex_file_error& e) {
    CHECK(e.code() == io::lex_file_errc::unreadable);
    CHECK(e.name() == "/proc/self/mem");
  }
}
#endif

}  // namespace lang_lex_attrs_test
