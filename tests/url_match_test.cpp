// Tests of lexzone::lang::url_match (lang/url_match.hpp), spaCy's URL_MATCH: the one URL matcher, used by
// the tokenizer (a core it accepts stays one token) and by like_url. spaCy's own url_match cases run
// through tests/en_segmenter_test.cpp's conformance test.
#include <string>
#include <vector>

#include "lexzone/lang/en/segmenter.hpp"
#include "lexzone/lang/lex_attrs.hpp"
#include "lexzone/lang/url_match.hpp"
#include "support/catch.hpp"

namespace url_match_test {

using lexzone::lang::url_match;

TEST_CASE("URL_MATCH: schemes, user info, hosts, IP addresses, ports and paths", "[url_match]") {
  CHECK(url_match("www.google.com"));
  CHECK(url_match("http://a.b-c.de:8080/x?y#z"));
  CHECK(url_match("mailto:foo.bar@baz.com"));
  CHECK(url_match("user:pass@example.dev/x?y#z"));
  CHECK(url_match("ftp://files.example.dev"));
  CHECK(url_match("1.2.3.4"));
  CHECK_FALSE(url_match("10.0.0.1"));  // private and local networks are excluded
  CHECK_FALSE(url_match("192.168.1.1"));
  CHECK_FALSE(url_match("172.16.0.1"));
  CHECK(url_match("172.15.0.1"));
  CHECK_FALSE(url_match("a.Com"));  // the TLD is lower case
  CHECK_FALSE(url_match("example.Dev"));
  CHECK_FALSE(url_match("-a.dev"));  // a label starts and ends with a letter or digit
  CHECK(url_match("a-b.dev"));
  CHECK_FALSE(url_match("a-.dev"));
  CHECK_FALSE(url_match("google.com:1"));  // a port has 2 to 5 digits
  CHECK(url_match("google.com\n"));        // Python's $ before a final newline
  CHECK_FALSE(url_match("google.com\n\n"));
  CHECK_FALSE(url_match(""));
  CHECK_FALSE(url_match("hello"));
  CHECK_FALSE(url_match("localhost:8080/x"));  // no dot: neither alternative can match
}

TEST_CASE("URL_MATCH's TLD is spaCy's ALPHA_LOWER: Kana and CJK yes, Georgian no", "[url_match]") {
  // spaCy 3.8.2's URL_MATCH, as Python's re answers it on these strings.
  CHECK(url_match("a.\xE3\x82\xAB\xE3\x82\xBF\xE3\x82\xAB\xE3\x83\x8A"));               // a.カタカナ
  CHECK(url_match("\xE4\xBE\x8B\xE3\x81\x88.\xE3\x81\xBF\xE3\x82\x93\xE3\x81\xAA/x"));  // 例え.みんな/x
  CHECK(url_match("a.\xE4\xB8\xAD\xE6\x96\x87"));                                       // a.中文
  CHECK_FALSE(url_match("x.\xE1\x83\xA2\xE1\x83\x94"));                                 // x.ტე
  CHECK_FALSE(url_match("a.\xE3\x83\xBC"));                                             // a.ー: one letter
}

TEST_CASE("the tokenizer and like_url use the same URL matcher", "[url_match]") {
  const lexzone::en::segmenter seg;
  for (const std::string s : {"www.google.com", "a.\xE3\x82\xAB\xE3\x82\xBF\xE3\x82\xAB\xE3\x83\x8A",
                              "x.\xE1\x83\xA2\xE1\x83\x94", "10.0.0.1", "hello"}) {
    CHECK(seg.url_match(s) == url_match(s));
    CHECK(seg.rules().url_match(s) == url_match(s));
  }
  // A core URL_MATCH accepts stays whole: "例え.みんな/x" after the suffix "." is peeled.
  const std::string text = "see \xE4\xBE\x8B\xE3\x81\x88.\xE3\x81\xBF\xE3\x82\x93\xE3\x81\xAA/x.";
  std::vector<lexzone::piece> pieces;
  seg.segment(text, pieces);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[1].text_in(text) == "\xE4\xBE\x8B\xE3\x81\x88.\xE3\x81\xBF\xE3\x82\x93\xE3\x81\xAA/x");
}

}  // namespace url_match_test
