// <lexzone/en.hpp> and <lexzone/io/en_pipeline.hpp>: the English types and make_pipeline.
#include <lexzone/en.hpp>
#include <lexzone/io/en_pipeline.hpp>
#include <lexzone/lexzone.hpp>

#include <unistd.h>  // getpid

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "support/catch.hpp"

namespace en_pipeline_test {

namespace {

// A directory of this process's own under the temporary directory, removed with its files when the
// test ends (also when an assertion ends it): two runs of the suite at once do not share files.
class temp_dir {
 public:
  temp_dir()
      : path_(std::filesystem::temp_directory_path() /
              ("lexzone_en_pipeline_test_" + std::to_string(static_cast<long long>(::getpid())))) {
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  // Writes `content` to the file `name` of the directory; fails the test if it cannot.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto path = path_ / name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    out.close();
    REQUIRE(out.good());
    return path;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("en: make_pipeline from a list, phrases split by the English tokenizer", "[en]") {
  lexzone::en::vocab v;
  // "U.S." is one token for the English tokenizer (an exception); the default splitter would split it.
  auto nlp = lexzone::en::make_pipeline(v, {{"GPE", "the U.S."}, {"ORG", "Debian Project"}});
  CHECK(nlp.component<0>().size() == 2);
  auto zone = v.memory_zone();
  const auto doc = nlp(zone, "He left the U.S. for the Debian Project.");
  REQUIRE(doc.ents().size() == 2);
  CHECK(doc.ents()[0].text() == "the U.S.");
  CHECK(doc.ents()[0].label_() == "GPE");
  CHECK(doc.ents()[1].label_() == "ORG");
  CHECK(doc.ents()[1].start_char() == 25);
  CHECK(doc.ents()[1].end_char() == 39);
}

TEST_CASE("en: make_pipeline(vocab, {}) still means no patterns with the file overload in scope", "[en]") {
  // io/en_pipeline.hpp deletes make_pipeline(vocab, {"ORG", "Acme"}) (one pair of braces: a character
  // range for the file overload); {} must still pick the list overload, not be ambiguous.
  lexzone::en::vocab v;
  auto none = lexzone::en::make_pipeline(v, {});
  auto none_with_config = lexzone::en::make_pipeline(v, {}, lexzone::entity_ruler_config{});
  CHECK(none.component<0>().size() == 0);
  CHECK(none_with_config.component<0>().size() == 0);
  CHECK(lexzone::en::make_pipeline(v, {{"ORG", "Acme"}}).component<0>().size() == 1);
}

TEST_CASE("en: make_pipeline's phrase patterns on NORM take the tokenizer's norms", "[en]") {
  lexzone::en::vocab v;
  lexzone::entity_ruler_config cfg;
  cfg.phrase_matcher_attr = lexzone::token_attr::norm;
  auto nlp = lexzone::en::make_pipeline(v, {{"NEG", "can't"}}, cfg);
  auto zone = v.memory_zone();
  // "cannot" is "can" + "not" for the tokenizer: matched too, as in spaCy.
  for (const char* text : {"I can't say", "I can not say", "I Can't say", "I cannot say"}) {
    const auto doc = nlp(zone, text);
    INFO(text);
    REQUIRE(doc.ents().size() == 1);
    CHECK(doc.ents()[0].start_token() == 1);
    CHECK(doc.ents()[0].end_token() == 3);
  }
  CHECK(nlp(zone, "I can say").ents().empty());
}

TEST_CASE("en: make_pipeline with token patterns and a config", "[en]") {
  lexzone::en::vocab v;
  std::vector<lexzone::entity_pattern> patterns(1);
  patterns[0].label = "NUM";
  lexzone::token_pattern tp;
  tp.tokens.emplace_back().flag(lexzone::token_attr::like_num);
  patterns[0].pattern = tp;
  lexzone::entity_ruler_config cfg;
  cfg.overwrite_ents = true;
  auto nlp = lexzone::en::make_pipeline(v, patterns, cfg);
  CHECK(nlp.component<0>().config().overwrite_ents);
  auto zone = v.memory_zone();
  const auto doc = nlp(zone, "twelve apples and 3 pears");
  REQUIRE(doc.ents().size() == 2);
  CHECK(doc.ents()[0].text() == "twelve");
  CHECK(doc.ents()[1].start_char() == 18);
}

TEST_CASE("en: make_pipeline from a patterns.jsonl file, a bad line names the line", "[en]") {
  const temp_dir dir;
  lexzone::en::vocab v;
  const auto good = dir.write("good.jsonl",
                              "{\"label\": \"ORG\", \"pattern\": \"Acme Corp\", \"id\": \"acme\"}\n"
                              "{\"label\": \"EMAIL\", \"pattern\": [{\"LIKE_EMAIL\": true}]}\n");
  auto nlp = lexzone::en::make_pipeline(v, good);
  auto zone = v.memory_zone();
  const auto doc = nlp(zone, "Write to ann@acme.example at Acme Corp");
  REQUIRE(doc.ents().size() == 2);
  CHECK(doc.ents()[0].label_() == "EMAIL");
  CHECK(doc.ents()[1].id_() == "acme");

  const auto bad = dir.write(
      "bad.jsonl", "{\"label\": \"ORG\", \"pattern\": \"Acme\"}\n{\"label\": \"X\", \"pattern\": [{\"FOO\": 1}]}\n");
  lexzone::en::vocab v2;
  CHECK_THROWS_WITH(lexzone::en::make_pipeline(v2, bad), lexzone_test::contains_text("line 2"));
  CHECK_THROWS_AS(lexzone::en::make_pipeline(v2, std::filesystem::path("/nonexistent/patterns.jsonl")),
                  std::runtime_error);
}

}  // namespace en_pipeline_test
