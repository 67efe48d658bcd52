// Reading spaCy's serialized tokenizer (io/spacy_tokenizer_file.hpp): the layout of the en and de files in
// tests/data, every one of the 73 files of ../shared/data/spacy_lang when present, and typed errors that
// name the file for missing, unreadable, truncated, not-MessagePack and wrong-layout input.
#include <lexzone/io/spacy_tokenizer_file.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "support/catch.hpp"

namespace rule_file_test {

namespace {

using lexzone::io::rule_file_errc;
using lexzone::io::rule_file_error;

const std::filesystem::path data_dir(LEXZONE_TEST_DATA_DIR);
const std::filesystem::path shared_lang_dir = data_dir / ".." / ".." / ".." / "shared" / "data" / "spacy_lang";

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

rule_file_errc error_of(const std::string& bytes) {
  try {
    (void)lexzone::io::parse_spacy_tokenizer(bytes, "probe.tokenizer");
  } catch (const rule_file_error& e) {
    CHECK(std::string(e.what()).rfind("probe.tokenizer: ", 0) == 0);
    CHECK(e.name() == "probe.tokenizer");
    return e.code();
  }
  FAIL("no error");
  return rule_file_errc::missing;
}

// A MessagePack string.
std::string mp_str(const std::string& s) {
  std::string out;
  if (s.size() < 32) {
    out += static_cast<char>(0xA0 | s.size());
  } else {
    out += static_cast<char>(0xD9);
    out += static_cast<char>(s.size());
  }
  return out + s;
}

}  // namespace

TEST_CASE("rule file: spaCy's English tokenizer file", "[rule_file]") {
  const auto rules = lexzone::io::load_spacy_tokenizer(data_dir / "spacy_en.tokenizer");
  REQUIRE(rules.prefix_search);
  CHECK(rules.prefix_search->rfind("^§|^%|^=|^—|^–|^\\+(?![0-9])", 0) == 0);
  REQUIRE(rules.suffix_search);
  REQUIRE(rules.infix_finditer);
  CHECK_FALSE(rules.token_match);
  REQUIRE(rules.url_match);
  CHECK(rules.url_match->rfind("(?u)^(?:(?:[\\w\\+\\-\\.]{2,})://)?", 0) == 0);
  CHECK(rules.faster_heuristics);
  CHECK(rules.exceptions.size() == 1347);
  std::size_t with_norm = 0;
  for (const auto& sc : rules.exceptions) {
    std::string joined;
    for (const auto& t : sc.tokens) {
      joined += t.orth;
      with_norm += t.norm ? 1 : 0;
    }
    CHECK(joined == sc.key);
  }
  CHECK(with_norm > 0);
  const auto dont = std::find_if(rules.exceptions.begin(), rules.exceptions.end(),
                                 [](const lexzone::special_case& sc) { return sc.key == "don't"; });
  REQUIRE(dont != rules.exceptions.end());
  REQUIRE(dont->tokens.size() == 2);
  CHECK(dont->tokens[0].orth == "do");
  CHECK(dont->tokens[1].orth == "n't");
  CHECK(dont->tokens[1].norm == std::optional<std::string>("not"));
  // Keys are sorted by code point, white-space keys included.
  CHECK(rules.exceptions.front().key == "\t");
  const auto de = lexzone::io::load_spacy_tokenizer(data_dir / "spacy_de.tokenizer");
  CHECK(de.exceptions.size() == 417);
  CHECK(de.prefix_search != rules.prefix_search);
}

TEST_CASE("rule file: all 73 files of spaCy's languages load", "[rule_file][spacy_lang]") {
  if (!std::filesystem::exists(shared_lang_dir / "en.tokenizer")) {
    WARN("SKIPPED: " << shared_lang_dir.string() << " is absent (shared data of spaCy's 73 languages)");
    return;
  }
  std::size_t files = 0, exceptions = 0, multi_word = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shared_lang_dir)) {
    if (entry.path().extension() != ".tokenizer") continue;
    INFO(entry.path().string());
    const auto rules = lexzone::io::load_spacy_tokenizer(entry.path());
    CHECK(rules.prefix_search);
    CHECK(rules.url_match);
    CHECK(rules.faster_heuristics);
    const std::string lang = entry.path().stem().string();
    CHECK(rules.token_match.has_value() == (lang == "fr" || lang == "hu" || lang == "tr"));
    for (const auto& sc : rules.exceptions) {
      const auto first = sc.key.find_first_not_of(' '), last = sc.key.find_last_not_of(' ');
      multi_word += first != std::string::npos && sc.key.substr(first, last - first + 1).find(' ') != std::string::npos;
    }
    exceptions += rules.exceptions.size();
    ++files;
  }
  CHECK(files == 73);
  CHECK(multi_word == 650);  // Python: sum(' ' in k.strip(' ') for k in exceptions) over the 73 files
  WARN(files << " files, " << exceptions << " exceptions loaded");
}

TEST_CASE("rule file: bad files give typed errors that name the file", "[rule_file]") {
  const std::string good = read_bytes(data_dir / "spacy_en.tokenizer");
  SECTION("missing and unreadable") {
    try {
      (void)lexzone::io::load_spacy_tokenizer(data_dir / "no-such.tokenizer");
      FAIL("loaded");
    } catch (const rule_file_error& e) {
      CHECK(e.code() == rule_file_errc::missing);
      CHECK(std::string(e.what()).find("no-such.tokenizer") != std::string::npos);
    }
    try {
      (void)lexzone::io::load_spacy_tokenizer(data_dir);  // a directory
      FAIL("loaded");
    } catch (const rule_file_error& e) {
      CHECK(e.code() == rule_file_errc::unreadable);
    }
  }
  SECTION("truncated at every length") {
    for (std::size_t n = 0; n < good.size(); n += (n < 4096 ? 1 : 997)) {
      INFO("first " << n << " bytes");
      CHECK(error_of(good.substr(0, n)) == rule_file_errc::truncated);
    }
  }
  SECTION("not MessagePack") {
    CHECK(error_of(good + "x") == rule_file_errc::not_msgpack);                     // data after the value
    CHECK(error_of("\xC1") == rule_file_errc::not_msgpack);                         // the byte MessagePack never uses
    CHECK(error_of("{\"prefix_search\": \"^a\"}") == rule_file_errc::not_msgpack);  // JSON text
  }
  SECTION("wrong layout") {
    CHECK(error_of("\x93\x01\x02\x03") == rule_file_errc::wrong_layout);  // an array
    CHECK(error_of("\x80") == rule_file_errc::wrong_layout);              // {}: no tokenizer key
    CHECK(error_of("\x81" + mp_str("vocab") + "\xC0") == rule_file_errc::wrong_layout);
    CHECK(error_of("\x81" + mp_str("prefix_search") + "\x05") == rule_file_errc::wrong_layout);
    CHECK(error_of("\x81" + mp_str("faster_heuristics") + mp_str("yes")) == rule_file_errc::wrong_layout);
    CHECK(error_of("\x81\x01\xC0") == rule_file_errc::wrong_layout);  // an integer key
    const std::string exc = "\x81" + mp_str("exceptions");
    CHECK(error_of(exc + "\x90") == rule_file_errc::wrong_layout);                          // not a map
    CHECK(error_of(exc + "\x81" + mp_str("ab") + "\x90") == rule_file_errc::wrong_layout);  // no tokens
    CHECK(error_of(exc + "\x81" + mp_str("ab") + "\x91\x81\x41" + mp_str("a")) ==           // "a" != "ab"
          rule_file_errc::wrong_layout);
    CHECK(error_of(exc + "\x81" + mp_str("ab") + "\x91\x81\x43" + mp_str("ab")) ==  // NORM, no ORTH
          rule_file_errc::wrong_layout);
    CHECK(error_of(exc + "\x81" + mp_str("ab") + "\x91\x81\x44" + mp_str("ab")) ==  // attribute 68
          rule_file_errc::wrong_layout);
    CHECK(error_of(exc + "\x81" + mp_str("ab") + "\x91\x81\x41\x07") == rule_file_errc::wrong_layout);
    // An empty key, or an empty ORTH: the segmenter would refuse them without naming the file.
    CHECK(error_of(exc + "\x81" + mp_str("") + "\x91\x81\x41" + mp_str("")) == rule_file_errc::wrong_layout);
    CHECK(error_of(exc + "\x81" + mp_str("ab") + "\x93\x81\x41" + mp_str("a") + "\x81\x41" + mp_str("") + "\x81\x41" +
                   mp_str("b")) == rule_file_errc::wrong_layout);
    // A key read from the file is quoted in the message escaped: a NUL or a line break in it neither cuts
    // what() short nor splits the line.
    try {
      (void)lexzone::io::parse_spacy_tokenizer(exc + "\x81" + mp_str(std::string("a\0\nb", 4)) + "\x90", "my\nrules");
      FAIL("loaded");
    } catch (const rule_file_error& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(e.name() == "my\nrules");
      CHECK(what.find("my\\x0Arules: ") == 0);
      CHECK(what.find("a\\x00\\x0Ab") != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
    }
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "\x91";
    CHECK(error_of(deep + "\xC0") == rule_file_errc::wrong_layout);  // nested too deeply
  }
  SECTION("a minimal file, missing keys keep their defaults, other keys are ignored") {
    const std::string bytes = "\x83" + mp_str("vocab") + "\xC4\x02xy" + mp_str("token_match") + "\xC0" +
                              mp_str("exceptions") + "\x81" + mp_str("a.") + "\x92\x81\x41" + mp_str("a") + "\x82\x41" +
                              mp_str(".") + "\x43" + mp_str("dot");
    const auto rules = lexzone::io::parse_spacy_tokenizer(bytes);
    CHECK_FALSE(rules.prefix_search);
    CHECK_FALSE(rules.token_match);
    CHECK(rules.faster_heuristics);
    REQUIRE(rules.exceptions.size() == 1);
    CHECK(rules.exceptions[0].tokens[1].norm == std::optional<std::string>("dot"));
  }
}

}  // namespace rule_file_test
