// Tests of the Unicode properties, spaCy's lexeme attribute functions and lexzone::en::lexeme_traits.
//
// Data: tests/data/spacy_lex_attrs_cases.jsonl (assertions from spaCy's tests) and
// tests/data/spacy_lex_attrs_golden.jsonl (every attribute of spacy.blank("en").vocab[text] for 2,037
// strings), both from Explosion AI, spaCy tests (MIT).
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "lexzone/lang/en/lex_attrs.hpp"
#include "lexzone/lang/en/lexeme_traits.hpp"
#include "lexzone/lang/lex_attrs.hpp"
#include "lexzone/unicode/properties.hpp"
#include "support/catch.hpp"

#ifndef LEXZONE_TEST_DATA_DIR
#  error "LEXZONE_TEST_DATA_DIR must name the directory of the test data files"
#endif

namespace lex_attrs_test {

namespace {

using lexzone::hash_t;
using lexzone::lex_flag;
using lexzone::lexeme_attributes;
namespace uni = lexzone::unicode;
namespace lang = lexzone::lang;
namespace en = lexzone::en;

// An interner that gives sequential ids and can map them back; counts its calls.
struct test_interner {
  std::unordered_map<std::string, hash_t> ids;
  std::vector<std::string> strings{""};
  std::size_t calls = 0;

  hash_t operator()(std::string_view s) {
    ++calls;
    if (s.empty()) return 0;
    auto [it, inserted] = ids.try_emplace(std::string(s), static_cast<hash_t>(strings.size()));
    if (inserted) strings.emplace_back(s);
    return it->second;
  }
  [[nodiscard]] const std::string& text(hash_t id) const { return strings.at(static_cast<std::size_t>(id)); }
};

std::vector<nlohmann::json> read_jsonl(const std::string& name) {
  const std::string path = std::string(LEXZONE_TEST_DATA_DIR) + "/" + name;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// Makes control characters visible in failure reports.
std::string show(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

const std::map<std::string, lex_flag>& flag_names() {
  // Laid out by hand (clang-format would put one entry per line or align columns).
  // clang-format off
  static const std::map<std::string, lex_flag> names = {
      {"is_alpha", lex_flag::is_alpha},         {"is_digit", lex_flag::is_digit},
      {"is_lower", lex_flag::is_lower},         {"is_upper", lex_flag::is_upper},
      {"is_title", lex_flag::is_title},         {"is_punct", lex_flag::is_punct},
      {"is_space", lex_flag::is_space},         {"is_ascii", lex_flag::is_ascii},
      {"is_bracket", lex_flag::is_bracket},     {"is_quote", lex_flag::is_quote},
      {"is_left_punct", lex_flag::is_left_punct}, {"is_right_punct", lex_flag::is_right_punct},
      {"is_currency", lex_flag::is_currency},   {"like_num", lex_flag::like_num},
      {"like_url", lex_flag::like_url},         {"like_email", lex_flag::like_email},
      {"is_stop", lex_flag::is_stop},
  };
  // clang-format on
  return names;
}

// The attribute `attr` of a computed lexeme, rendered as JSON for comparison with the data.
nlohmann::json lexeme_attr(const lexeme_attributes& a, const test_interner& in, const std::string& attr) {
  std::string name = attr;
  if (!name.empty() && name.back() == '_') name.pop_back();
  if (name == "lower") return in.text(a.lower);
  if (name == "norm") return in.text(a.norm);
  if (name == "shape") return in.text(a.shape);
  if (name == "prefix") return in.text(a.prefix);
  if (name == "suffix") return in.text(a.suffix);
  if (name == "length") return a.length;
  const auto it = flag_names().find(name);
  if (it == flag_names().end()) return nullptr;
  return a.has(it->second);
}

// The attribute function of spaCy's lang/lex_attrs.py ("xx") or of English ("en") on one string.
nlohmann::json function_attr(const std::string& attr, const std::string& lang_code, std::string_view text) {
  const bool english = lang_code == "en";
  if (attr == "like_num") return english ? en::like_num(text) : lang::like_num(text);
  if (attr == "is_stop") return english && en::is_stop(text);
  if (attr == "like_url") return lang::like_url(text);
  if (attr == "like_email") return lang::like_email(text);
  if (attr == "is_currency") return lang::is_currency(text);
  if (attr == "is_punct") return lang::is_punct(text);
  if (attr == "is_ascii") return lang::is_ascii(text);
  if (attr == "is_alpha") return uni::str_isalpha(text);
  if (attr == "is_digit") return uni::str_isdigit(text);
  if (attr == "is_lower") return uni::str_islower(text);
  if (attr == "is_upper") return uni::str_isupper(text);
  if (attr == "is_title") return uni::str_istitle(text);
  if (attr == "is_space") return lang::is_space(text);
  if (attr == "is_bracket") return lang::is_bracket(text);
  if (attr == "is_quote") return lang::is_quote(text);
  if (attr == "is_left_punct") return lang::is_left_punct(text);
  if (attr == "is_right_punct") return lang::is_right_punct(text);
  if (attr == "length") return uni::length(text);
  if (attr == "shape") return lang::word_shape(text);
  if (attr == "lower") return uni::to_lower(text);
  if (attr == "norm") return english ? en::norm(text) : uni::to_lower(text);
  if (attr == "prefix") return std::string(lang::prefix(text));
  if (attr == "suffix") return std::string(lang::suffix(text));
  return nullptr;
}

lexeme_attributes compute(std::string_view text, test_interner& in) { return en::lexeme_traits::compute(text, in); }

}  // namespace

TEST_CASE("spaCy lexeme attribute cases", "[lex_attrs]") {
  const auto cases = read_jsonl("spacy_lex_attrs_cases.jsonl");
  REQUIRE(cases.size() == 103);
  std::size_t checked = 0, via_lexeme_value = 0, via_single_token = 0, skipped = 0;
  for (const auto& c : cases) {
    const std::string text = c.at("text");
    const std::string attr = c.at("attr");
    const std::string level = c.at("level");
    const std::string lang_code = c.at("lang");
    INFO(c.at("source").get<std::string>() << " " << show(text) << " " << attr << " (" << level << ")");
    test_interner in;
    if (level == "function") {
      CHECK(function_attr(attr, lang_code, text) == c.at("expected"));
      // spaCy's tests of these functions also hold for the lexeme unless the data says otherwise.
      if (c.value("lexeme_agrees", false) && lang_code == "en")
        CHECK(lexeme_attr(compute(text, in), in, attr) == c.at("expected"));
      ++checked;
    } else if (level == "lexeme") {
      CHECK(lexeme_attr(compute(text, in), in, attr) == c.at("expected"));
      ++checked;
    } else if (c.contains("lexeme_value")) {
      // A token whose NORM comes from a tokenizer exception: the lexeme keeps its own NORM.
      CHECK(lexeme_attr(compute(text, in), in, attr) == c.at("lexeme_value"));
      ++checked;
      ++via_lexeme_value;
    } else if (level == "token" && c.value("single_token", false) && attr != "norm") {
      // The whole text is one token, and a token's flags are its lexeme's.
      CHECK(lexeme_attr(compute(text, in), in, attr) == c.at("expected"));
      ++checked;
      ++via_single_token;
    } else {
      ++skipped;  // needs the tokenizer (a token inside a longer text, or a doc)
    }
  }
  std::cout << "[lex_attrs] spaCy cases: " << checked << " of " << cases.size() << " checked (" << via_lexeme_value
            << " through lexeme_value, " << via_single_token << " single-token texts through the lexeme), " << skipped
            << " skipped (they need the tokenizer)\n";
  CHECK(checked + skipped == cases.size());
  CHECK(checked >= 80);
}

TEST_CASE("spaCy golden lexeme attributes", "[lex_attrs]") {
  const auto rows = read_jsonl("spacy_lex_attrs_golden.jsonl");
  REQUIRE(rows.size() == 2037);
  std::size_t all_right = 0, attr_checks = 0, attr_failures = 0;
  std::ostringstream failures;
  for (const auto& row : rows) {
    const std::string text = row.at("text");
    test_interner in;
    const lexeme_attributes a = compute(text, in);
    bool ok = true;
    for (const auto& [attr, want] : row.at("attrs").items()) {
      ++attr_checks;
      const nlohmann::json got = lexeme_attr(a, in, attr);
      // The functions one by one give the same answers as the traits (they share no code for ASCII).
      std::string name = attr;
      if (name.back() == '_') name.pop_back();
      // spaCy gives "" the empty lexeme rather than calling the functions on it.
      const nlohmann::json got_fn = text.empty() ? want : function_attr(name, "en", text);
      if (got != want || got_fn != want) {
        ok = false;
        ++attr_failures;
        failures << "  " << show(text) << " [" << row.value("category", "") << "] " << attr << ": spaCy " << want.dump()
                 << ", traits " << got.dump() << ", function " << got_fn.dump() << "\n";
      }
    }
    if (ok) ++all_right;
  }
  const double rate = static_cast<double>(all_right) / static_cast<double>(rows.size());
  std::cout << "[lex_attrs] golden: " << all_right << " of " << rows.size() << " strings have every attribute right ("
            << rate * 100.0 << " %); " << attr_checks - attr_failures << " of " << attr_checks << " attribute values\n";
  if (attr_failures != 0) std::cout << "[lex_attrs] golden failures:\n" << failures.str();
  REQUIRE(rate >= 0.999);
}

TEST_CASE("code point properties", "[lex_attrs][unicode]") {
  // ASCII
  CHECK(uni::is_alpha(U'a'));
  CHECK(uni::is_alpha(U'Z'));
  CHECK_FALSE(uni::is_alpha(U'1'));
  CHECK(uni::is_digit(U'7'));
  CHECK(uni::is_space(U' '));
  CHECK(uni::is_space(U'\x1f'));
  CHECK_FALSE(uni::is_space(U'\x1b'));
  CHECK(uni::is_punct(U'!'));
  CHECK(uni::is_punct(U'@'));
  CHECK_FALSE(uni::is_punct(U'$'));  // Sc
  CHECK(uni::is_currency_symbol(U'$'));
  CHECK(uni::category(U'+') == uni::general_category::Sm);
  CHECK(uni::is_word(U'_'));
  // Latin-1
  CHECK(uni::is_alpha(U'\u00e9'));
  CHECK(uni::is_lower(U'\u00df'));
  CHECK(uni::is_upper(U'\u00c9'));
  CHECK(uni::is_alpha(U'\u00aa'));  // ª: Lo, Other_Lowercase
  CHECK(uni::is_lower(U'\u00aa'));
  CHECK(uni::is_space(U'\u00a0'));
  CHECK(uni::is_space(U'\u0085'));
  CHECK(uni::is_digit(U'\u00b2'));
  CHECK_FALSE(uni::is_decimal(U'\u00b2'));
  CHECK(uni::is_numeric(U'\u00bd'));
  CHECK_FALSE(uni::is_digit(U'\u00bd'));
  CHECK(uni::is_currency_symbol(U'\u00a3'));
  CHECK(uni::is_punct(U'\u00a7'));  // § is Po
  CHECK(uni::to_lower(U'\u00c0') == U'\u00e0');
  // Greek, Cyrillic, CJK
  CHECK(uni::is_upper(U'\u03a9'));
  CHECK(uni::to_lower(U'\u03a3') == U'\u03c3');
  CHECK(uni::to_lower(U'\u0416') == U'\u0436');
  CHECK(uni::is_lower(U'\u0436'));
  CHECK(uni::is_alpha(U'\u4e2d'));
  CHECK_FALSE(uni::is_cased(U'\u4e2d'));
  CHECK(uni::is_numeric(U'\u4e09'));  // 三
  CHECK(uni::is_decimal(U'\u0663'));  // Arabic-Indic three
  // Titlecase digraphs
  CHECK(uni::is_titlecase(U'\u01c5'));
  CHECK_FALSE(uni::is_upper(U'\u01c5'));
  CHECK(uni::is_upper(U'\u01c4'));
  CHECK(uni::to_lower(U'\u01c5') == U'\u01c6');
  // Other_Uppercase, Kelvin sign, case-ignorable
  CHECK(uni::is_upper(U'\u216b'));
  CHECK(uni::to_lower(U'\u212a') == U'k');
  CHECK(uni::is_case_ignorable(U'\''));
  CHECK(uni::is_case_ignorable(U'\u0301'));
  // Escaped invalid bytes and out-of-range values
  CHECK(uni::category(0xDC80) == uni::general_category::Cs);
  CHECK_FALSE(uni::is_alpha(0xDCFF));
  CHECK(uni::category(0x110000) == uni::general_category::Cn);
  CHECK(uni::category(0x10FFFD) == uni::general_category::Co);
}

TEST_CASE("Python string predicates over UTF-8", "[lex_attrs][unicode]") {
  CHECK(uni::str_isalpha("Hello"));
  CHECK_FALSE(uni::str_isalpha(""));
  CHECK_FALSE(uni::str_isalpha("hello1"));
  CHECK(uni::str_isalpha("na\xC3\xAFve"));                                      // naïve
  CHECK(uni::str_isalpha("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"));  // Москва
  CHECK(uni::str_isalpha("\xE4\xB8\xAD\xE6\x96\x87"));                          // 中文
  CHECK_FALSE(uni::str_isalpha("e\xCC\x81"));                                   // e + combining acute: Mn is not alpha
  CHECK(uni::str_isdigit("123"));
  CHECK(uni::str_isdigit("3\xC2\xB2"));           // 3²
  CHECK_FALSE(uni::str_isdigit("\xC2\xBD"));      // ½
  CHECK(uni::str_isdecimal("\xD9\xA1\xD9\xA2"));  // ١٢
  CHECK(uni::str_isspace(" \t\n"));
  CHECK(uni::str_isspace("\xC2\xA0\xE2\x80\x89"));  // NBSP, thin space
  CHECK_FALSE(uni::str_isspace("\xE2\x80\x8B"));    // zero-width space is Cf
  CHECK_FALSE(uni::str_isspace(""));

  CHECK(uni::str_islower("abc1"));
  CHECK_FALSE(uni::str_islower("123"));
  CHECK_FALSE(uni::str_islower("aBc"));
  CHECK(uni::str_islower("\xCF\x89"));        // ω
  CHECK_FALSE(uni::str_islower("\xC7\x85"));  // ǅ is titlecase
  CHECK(uni::str_isupper("ABC1"));
  CHECK(uni::str_isupper("\xC7\x84"));  // Ǆ
  CHECK_FALSE(uni::str_isupper("\xC7\x85"));
  CHECK(uni::str_isupper("\xE2\x85\xAB"));              // Ⅻ
  CHECK(uni::str_isupper("\xCE\xA3\xCE\x8A\xCE\xA3"));  // ΣΊΣ

  CHECK(uni::str_istitle("Hello World"));
  CHECK(uni::str_istitle("C3P0"));
  CHECK(uni::str_istitle("U.S."));
  CHECK_FALSE(uni::str_istitle("McDonald"));
  CHECK_FALSE(uni::str_istitle("hello"));
  CHECK_FALSE(uni::str_istitle("123"));
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  CHECK(uni::str_istitle("\xC7\x85" "emal"));   // ǅemal
  CHECK(uni::str_istitle("\xC7\x84"));          // Ǆ
  CHECK(uni::str_istitle("\xC7\x84" "a"));        // Ǆa: uppercase, then lowercase
  // clang-format on
  CHECK(uni::str_istitle("\xCE\xA3\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x82"));  // Σίσυφος

  // Invalid bytes: one code point each, never a letter, digit or space.
  CHECK_FALSE(uni::str_isalpha("ab\xFF"));
  CHECK_FALSE(uni::str_isdigit("1\x80"));
  CHECK(uni::str_islower("ab\xFF"));  // uncased, like a lone surrogate in Python
  CHECK_FALSE(uni::str_isspace(" \xC0"));
  CHECK(uni::length("ab\xFF\xC3\xA9") == 4);
}

TEST_CASE("append_lower is Python's str.lower", "[lex_attrs][unicode]") {
  CHECK(uni::to_lower("Hello WORLD") == "hello world");
  CHECK(uni::to_lower("\xC3\x89T\xC3\x89") == "\xC3\xA9t\xC3\xA9");  // ÉTÉ
  CHECK(uni::to_lower("\xC4\xB0stanbul") == "i\xCC\x87stanbul");     // İ gives i + combining dot
  CHECK(uni::to_lower("\xC3\x9F") == "\xC3\x9F");                    // ß stays
  CHECK(uni::to_lower("\xE1\xBA\x9E") == "\xC3\x9F");                // ẞ gives ß
  CHECK(uni::to_lower("\xC7\x84") == "\xC7\x86");                    // Ǆ gives ǆ
  CHECK(uni::to_lower("\xC7\x85") == "\xC7\x86");                    // ǅ gives ǆ
  CHECK(uni::to_lower("\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90") ==
        "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");  // МОСКВА
  CHECK(uni::to_lower("\xE2\x84\xAA") == "k");                // Kelvin sign
  CHECK(uni::to_lower("\xE4\xB8\xAD") == "\xE4\xB8\xAD");     // CJK unchanged
  // Final sigma: ΣΊΣΥΦΟΣ gives σίσυφος; a lone Σ and Σ before a letter give σ.
  CHECK(uni::to_lower("\xCE\xA3\xCE\x8A\xCE\xA3\xCE\xA5\xCE\xA6\xCE\x9F\xCE\xA3") ==
        "\xCF\x83\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x82");
  CHECK(uni::to_lower("\xCE\xA3") == "\xCF\x83");
  CHECK(uni::to_lower("A\xCE\xA3.") == "a\xCF\x82.");    // '.' is case-ignorable: final
  CHECK(uni::to_lower("A\xCE\xA3'B") == "a\xCF\x83'b");  // cased letter after it: not final
  CHECK(uni::to_lower("A'\xCE\xA3") == "a'\xCF\x82");    // ignorable between: still final
  CHECK(uni::to_lower("1\xCE\xA3") == "1\xCF\x83");      // not after a cased letter
  // Invalid bytes are preserved as they are.
  CHECK(uni::to_lower("AB\xFF\xC3") == "ab\xFF\xC3");
  CHECK(uni::to_lower("\xC3\x28Z") == "\xC3(z");
  std::string out = "prefix:";
  uni::append_lower("XY", out);
  CHECK(out == "prefix:xy");
}

TEST_CASE("language-neutral lexeme attributes", "[lex_attrs]") {
  CHECK(lang::word_shape("C3P0") == "XdXd");
  CHECK(lang::word_shape("aaaaabbbbb") == "xxxx");
  CHECK(lang::word_shape("AAAAAbbbbb") == "XXXXxxxx");
  CHECK(lang::word_shape("1,000.00") == "d,ddd.dd");
  CHECK(lang::word_shape("e\xCC\x81") == "x\xCC\x81");
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  CHECK(lang::word_shape("\xC7\x85" "emal") == "xxxx");
  // clang-format on
  CHECK(lang::word_shape("a\xFF\xFF\xFF\xFF\xFF") == "x\xFF\xFF\xFF\xFF");
  CHECK(lang::word_shape(std::string(99, 'a')) == "xxxx");
  CHECK(lang::word_shape(std::string(100, 'a')) == "LONG");
  CHECK(lang::prefix("\xC3\xA9t\xC3\xA9") == "\xC3\xA9");
  CHECK(lang::prefix("") == "");
  CHECK(lang::suffix("ab") == "ab");
  CHECK(lang::suffix("abcd") == "bcd");
  CHECK(lang::suffix("\xCE\xA3\xCE\x8A\xCE\xA3\xCE\xA5") == "\xCE\x8A\xCE\xA3\xCE\xA5");
  CHECK(lang::suffix("x\xFF\xC3\xA9y") == "\xFF\xC3\xA9y");

  CHECK(lang::like_num("10,000"));
  CHECK(lang::like_num("-0.23"));
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  CHECK(lang::like_num("\xC2\xB1" "1"));  // ±1
  // clang-format on
  CHECK(lang::like_num("1/2"));
  CHECK_FALSE(lang::like_num("1/2/3"));
  CHECK_FALSE(lang::like_num("--5"));
  CHECK_FALSE(lang::like_num("eleven"));  // number words are English
  CHECK_FALSE(lang::like_num(","));

  CHECK(lang::like_email("user@example.com"));
  CHECK(lang::like_email("a.b@c.d"));
  CHECK(lang::like_email("a@b.c:trailing junk"));  // a prefix match, as re.match
  CHECK_FALSE(lang::like_email("x@y"));
  CHECK_FALSE(lang::like_email("@user"));
  CHECK_FALSE(lang::like_email("a@b.\xC3\xA9"));

  CHECK(lang::like_url("www.google.com"));
  CHECK(lang::like_url("http://stupid"));
  CHECK(lang::like_url("example.com/example"));
  CHECK(lang::like_url("1abc2def.org"));
  CHECK(lang::like_url("docs.python.dev"));    // not a listed TLD: URL_MATCH
  CHECK(lang::like_url("8.8.8.8"));            // public IP address: URL_MATCH
  CHECK_FALSE(lang::like_url("192.168.1.1"));  // private network
  CHECK_FALSE(lang::like_url("10.0.0.1"));
  CHECK(lang::like_url("172.32.0.1"));
  CHECK_FALSE(lang::like_url("172.16.0.1"));
  CHECK_FALSE(lang::like_url("1.2.3"));
  CHECK_FALSE(lang::like_url("hello.There"));
  CHECK_FALSE(lang::like_url("1.a"));
  CHECK_FALSE(lang::like_url("test@example.com"));
  CHECK_FALSE(lang::like_url(".com"));
  CHECK_FALSE(lang::like_url("www."));
  CHECK(lang::like_url("example.dev:8080"));
  CHECK_FALSE(lang::like_url("example.dev:8"));
  CHECK(lang::like_url("\xE4\xBE\x8B\xE3\x81\x88.\xE3\x81\xBF\xE3\x82\x93\xE3\x81\xAA"));  // 例え.みんな: Kana TLD

  CHECK(lang::is_punct("!?"));
  CHECK_FALSE(lang::is_punct("$"));
  CHECK(lang::is_currency("\xE2\x82\xAC"));  // €
  CHECK(lang::is_quote("''"));
  CHECK(lang::is_left_punct("``"));
  CHECK(lang::is_right_punct("\xE2\x80\x99"));  // ’
  CHECK_FALSE(lang::is_left_punct("\xE2\x80\x99"));
  CHECK(lang::is_bracket("<"));
  CHECK_FALSE(lang::is_bracket("<<"));
}

TEST_CASE("English lexeme attributes", "[lex_attrs]") {
  CHECK(en::like_num("eleven"));
  CHECK(en::like_num("ELEVEN"));
  CHECK(en::like_num("Hundredth"));
  CHECK(en::like_num("23rd"));
  CHECK(en::like_num("2ND"));
  CHECK(en::like_num("first."));
  CHECK(en::like_num("\xD9\xA1\xD9\xA2th"));  // Arabic-Indic digits then "th"
  CHECK_FALSE(en::like_num("teneleven"));
  CHECK_FALSE(en::like_num("th"));
  CHECK_FALSE(en::like_num("dog"));

  CHECK(en::is_stop("the"));
  CHECK(en::is_stop("THE"));
  CHECK(en::is_stop("n\xE2\x80\x99t"));  // n’t
  CHECK(en::is_stop("\xE2\x80\x98ll"));  // ‘ll
  // Adjacent literals end a \x escape: kept on one line (clang-format would split them).
  // clang-format off
  CHECK(en::is_stop("\xE2\x84\xAA" "eep"));       // KEEP with a Kelvin sign lowercases to "keep"
  // clang-format on
  CHECK_FALSE(en::is_stop("pleaded"));
  CHECK_FALSE(en::is_stop(""));

  CHECK(en::norm("\xE2\x80\x99") == "'");    // ’
  CHECK(en::norm("\xE2\x80\xA6") == "...");  // …
  CHECK(en::norm("\xC2\xA3") == "$");        // £
  CHECK(en::norm("US$") == "$");
  CHECK(en::norm("us$") == "us$");  // keys are case-sensitive
  CHECK(en::norm("'S") == "'s");
  CHECK(en::norm("Jan.") == "jan.");  // tokenizer exceptions are not lexeme norms
  CHECK(en::norm("Colour") == "colour");
  CHECK_FALSE(en::norm_exception("dog").has_value());
}

TEST_CASE("en::lexeme_traits interns each distinct string once", "[lex_attrs]") {
  STATIC_REQUIRE(lexzone::lexeme_traits<en::lexeme_traits>);
  test_interner in;
  const auto empty = en::lexeme_traits::compute("", in);
  CHECK(in.calls == 0);
  CHECK(empty.flags == 0);
  CHECK(empty.lower == 0);
  CHECK(empty.length == 0);

  in.calls = 0;
  const auto a = en::lexeme_traits::compute("a", in);  // lower = norm = prefix = suffix = "a", shape "x"
  CHECK(in.calls == 2);
  CHECK(a.norm == a.lower);
  CHECK(a.prefix == a.lower);
  CHECK(a.suffix == a.lower);
  CHECK(in.text(a.shape) == "x");

  in.calls = 0;
  const auto comma = en::lexeme_traits::compute(",", in);  // every string is ","
  CHECK(in.calls == 1);
  CHECK(comma.has(lex_flag::is_punct));

  in.calls = 0;
  const auto pound = en::lexeme_traits::compute("\xC2\xA3", in);  // "£", norm "$"
  CHECK(in.calls == 2);
  CHECK(in.text(pound.norm) == "$");
  CHECK(pound.has(lex_flag::is_currency));
  CHECK(pound.length == 1);
}

TEST_CASE("en::lexeme_traits may be re-entered from the interner", "[lex_attrs]") {
  test_interner inner;
  int nested = 0;
  auto reentrant = [&](std::string_view s) -> hash_t {
    if (nested++ < 3) {
      const auto other = en::lexeme_traits::compute("Nested", inner);
      CHECK(inner.text(other.shape) == "Xxxxx");
    }
    return inner(s);
  };
  const auto a = en::lexeme_traits::compute("Outer", reentrant);
  CHECK(inner.text(a.lower) == "outer");
  CHECK(inner.text(a.shape) == "Xxxxx");
  CHECK(inner.text(a.suffix) == "ter");
}

TEST_CASE("ASCII fast path agrees with the general functions", "[lex_attrs]") {
  // Deterministic pseudo-random ASCII strings over a small alphabet rich in the characters that matter.
  static constexpr std::string_view alphabet = "aAzZ0912$.,:/@-_'`\" \t\n#?+~()[]<>!%sStThnNdDrRwWcCoOmM";
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::size_t mismatches = 0;
  std::string s_long(150, 'a');
  std::string l1, s1;
  std::uint32_t f1 = 0;
  REQUIRE(lexzone::detail::ascii_lexeme_pass(s_long, l1, s1, f1));
  CHECK(s1 == "LONG");
  CHECK_FALSE(lexzone::detail::ascii_lexeme_pass("ab\xC3\xA9", l1, s1, f1));
  for (int round = 0; round < 20000; ++round) {
    std::string s(1 + next() % 12, ' ');
    for (char& c : s) c = alphabet[next() % alphabet.size()];
    std::string lower_fast, shape_fast, lower_slow, shape_slow;
    std::uint32_t fast = 0;
    const bool ascii = lexzone::detail::ascii_lexeme_pass(s, lower_fast, shape_fast, fast);
    const auto slow = lexzone::detail::unicode_lexeme_pass(s, lower_slow, shape_slow);
    const bool num_fast = lexzone::detail::en_data::like_num_ascii(s);
    const bool num_slow = lexzone::detail::en_data::like_num_any(s);
    if (!ascii || fast != slow || lower_fast != lower_slow || shape_fast != shape_slow || num_fast != num_slow) {
      ++mismatches;
      UNSCOPED_INFO("mismatch on " << show(s));
    }
  }
  CHECK(mismatches == 0);
}

}  // namespace lex_attrs_test
