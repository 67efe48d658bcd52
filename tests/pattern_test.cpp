// Tests of the token pattern types (matcher/pattern.hpp): spaCy's OP spellings, attribute names,
// pattern_error, and validate_token_pattern on patterns built in C++. spaCy's schema for JSON patterns is
// tested with the JSONL loader (jsonl_test.cpp).
#include <lexzone/matcher/pattern.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "support/catch.hpp"

namespace pattern_test {

namespace {

using lexzone::attr_predicate;
using lexzone::pattern_error;
using lexzone::token_attr;
using lexzone::token_pattern;
using lexzone::token_quantifier;
using lexzone::token_spec;

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// "accepted", or the problem that validate_token_pattern reports.
std::string problem(const token_pattern& pattern) {
  try {
    lexzone::validate_token_pattern(pattern);
  } catch (const pattern_error& e) {
    return e.problem();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("pattern: token_quantifier parses spaCy's OP", "[pattern]") {
  using q = token_quantifier;
  CHECK(q::parse("?") == q::zero_or_one());
  CHECK(q::parse("*") == q::zero_or_more());
  CHECK(q::parse("+") == q::one_or_more());
  CHECK(q::parse("!") == q::negation());
  CHECK(q::parse("{3}") == q::between(3, 3));
  CHECK(q::parse("{2,5}") == q::between(2, 5));
  CHECK(q::parse("{2,}") == q::between(2, q::unbounded));
  CHECK(q::parse("{,4}") == q::between(0, 4));
  CHECK(q::parse("{0}") == q::between(0, 0));
  CHECK(q::parse("{999999999}") == q::between(999999999, 999999999));
  // Leading zeros do not count (spaCy's int()): nine digits after them at most.
  CHECK(q::parse("{0000000003}") == q::between(3, 3));
  CHECK(q::parse("{007,0000000000010}") == q::between(7, 10));
  CHECK(q::parse("{00,}") == q::between(0, q::unbounded));
  for (const char* bad : {"", "1", "{,}", "{a}", "{1, 3}", "{-2}", "{1,2,3}", "{,4}4", "{3,2}", "{", "{}", "{+1}",
                          "{1000000000}", "??", "{2,}}"})
    CHECK_FALSE(q::parse(bad).has_value());
}

TEST_CASE("pattern: attribute names", "[pattern]") {
  CHECK(lexzone::token_attr_from_name("text") == token_attr::orth);
  CHECK(lexzone::token_attr_from_name("ORTH") == token_attr::orth);
  CHECK(lexzone::token_attr_from_name("Is_Title") == token_attr::is_title);
  CHECK_FALSE(lexzone::token_attr_from_name("POS").has_value());
  CHECK_FALSE(lexzone::token_attr_from_name("IS_TITLES").has_value());
  CHECK(lexzone::token_attr_name(token_attr::like_num) == "LIKE_NUM");
  CHECK(lexzone::token_attr_name(static_cast<token_attr>(200)) == "?");
  // Every attribute's name reads back as that attribute.
  for (int a = 0; a <= static_cast<int>(token_attr::spacy); ++a) {
    const auto attr = static_cast<token_attr>(a);
    CHECK(lexzone::token_attr_from_name(lexzone::token_attr_name(attr)) == attr);
  }
}

TEST_CASE("pattern: pattern_error says where and why", "[pattern]") {
  const pattern_error plain(3, "bad thing");
  CHECK(std::string(plain.what()) == "lexzone: pattern 3: bad thing");
  CHECK(plain.index() == 3);
  CHECK(plain.line() == 0);
  CHECK(plain.why() == pattern_error::reason::invalid);
  CHECK_FALSE(plain.unsupported());
  CHECK(plain.problem() == "bad thing");
  const pattern_error from_file(3, "POS", pattern_error::reason::unsupported, 17);
  CHECK(std::string(from_file.what()) == "lexzone: line 17: unsupported: POS");
  CHECK(from_file.line() == 17);
  CHECK(from_file.unsupported());
}

TEST_CASE("pattern: validate_token_pattern names the token and the problem", "[pattern]") {
  CHECK(problem({token_spec{}.equal(token_attr::lower, "a"), token_spec{}.flag(token_attr::is_digit)}) == "accepted");
  CHECK(contains(problem(token_pattern{}), "at least one token"));
  CHECK(problem({token_spec{}, token_spec{}.equal(token_attr::orth, "a").op({2, 2, true})}) ==
        "token 1: negation (!) cannot have a count");
  CHECK(contains(problem({token_spec{}.op({3, 2, false})}), "minimum"));
  CHECK(contains(problem({token_spec{}.compare(token_attr::orth, attr_predicate::greater, 1)}), "ORTH"));
  CHECK(contains(problem({token_spec{}.equal(token_attr::is_alpha, "x")}), "true or false"));
  CHECK(contains(problem({token_spec{}.compare(token_attr::length, attr_predicate::equal, std::nan(""))}), "NaN"));
  CHECK(contains(problem({token_spec{}.in(token_attr::lower, {"ok", "caf\xE9"})}), "LOWER value is not valid UTF-8"));
  CHECK(contains(problem({token_spec{}.number_in(token_attr::shape, {1.0})}), "SHAPE takes strings"));
  CHECK(contains(problem({token_spec{}.in(token_attr::length, {"3"})}), "LENGTH takes numbers"));
  // REGEX: string attributes only, one source (or any number for the IN/NOT_IN forms), valid UTF-8;
  // the sources are not compiled here (a bad regex is found when the pattern is added to a matcher).
  CHECK(problem({token_spec{}.regex(token_attr::shape, "(unclosed")}) == "accepted");
  CHECK(problem({token_spec{}.regex_in(token_attr::norm, {}),
                 token_spec{}.regex_not_in(token_attr::orth, {"a", "b"})}) == "accepted");
  CHECK(contains(problem({token_spec{}.regex(token_attr::length, "1")}), "LENGTH takes numbers"));
  CHECK(contains(problem({token_spec{}.regex(token_attr::is_title, "x")}), "true or false"));
  CHECK(contains(problem({token_spec{}.regex(token_attr::lower, "caf\xE9")}), "LOWER value is not valid UTF-8"));
  token_spec two;
  two.constraints.push_back({token_attr::orth, attr_predicate::regex, {"a", "b"}, {}, true});
  CHECK(contains(problem({two}), "ORTH needs exactly one value"));
  // The index given is the one reported.
  try {
    lexzone::validate_token_pattern(token_pattern{}, 7);
    FAIL("accepted");
  } catch (const pattern_error& e) {
    CHECK(e.index() == 7);
  }
}

TEST_CASE("pattern: sizes beyond the matcher's limits are unsupported, not invalid", "[pattern]") {
  auto why = [](const token_pattern& p) {
    try {
      lexzone::validate_token_pattern(p);
    } catch (const pattern_error& e) {
      return e.unsupported() ? std::string("unsupported: ") + e.problem() : e.problem();
    }
    return std::string("accepted");
  };
  CHECK(why({token_spec{}.op({0, token_quantifier::max_bound, false})}) == "accepted");
  CHECK(contains(why({token_spec{}.op({0, 5000, false})}), "unsupported: token 0: quantifier bound above 1024"));
  CHECK(contains(why({token_spec{}.op({1025, token_quantifier::unbounded, false})}), "unsupported"));
  // Four specs of {1024} expand to 4,096 compiled elements (accepted); a fifth token is one too many.
  token_pattern big{token_spec{}.op({1024, 1024, false}), token_spec{}.op({1024, 1024, false}),
                    token_spec{}.op({1024, 1024, false}), token_spec{}.op({1024, 1024, false})};
  CHECK(why(big) == "accepted");
  big.tokens.push_back(token_spec{});
  CHECK(why(big) == "unsupported: pattern expands to more than 4096 tokens");
}

}  // namespace pattern_test
