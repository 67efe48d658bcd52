// LEXZONE_ASSERT: preconditions checked in checked builds, reported through the replaceable handler.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>

#include <stdexcept>
#include <string>

#include "support/catch.hpp"
#include "support/throwing_assertions.hpp"

namespace assertion_test {

namespace {

using lexzone::test::broken_contract;
using lexzone::test::throwing_handler;
using handler_scope = lexzone::test::throwing_assertions;

}  // namespace

#if LEXZONE_CHECKED
TEST_CASE("assertions: an index out of range reaches the handler", "[assert]") {
  const handler_scope scope;
  lexzone::en::vocab v;
  lexzone::en::tokenizer tok(v);
  auto zone = v.memory_zone();
  const auto doc = tok(zone, "two words");
  CHECK_NOTHROW(doc[1]);
  CHECK_THROWS_AS(doc[2], broken_contract);
  CHECK_THROWS_WITH(doc[7], Catch::Contains("doc token index out of range"));
  CHECK_THROWS_AS(doc.slice(1, 3), broken_contract);
  CHECK_THROWS_AS(doc.ents()[0], broken_contract);
  CHECK_THROWS_AS(doc.slice(0, 2)[2], broken_contract);
}

TEST_CASE("assertions: a moved-from guard's owner() reaches the handler", "[assert]") {
  const handler_scope scope;
  lexzone::string_store s;
  auto z = s.memory_zone();
  auto moved = std::move(z);
  CHECK(&moved.owner() == &s);
  CHECK_THROWS_AS(z.owner(), broken_contract);  // NOLINT(bugprone-use-after-move): the point of the test
}

TEST_CASE("assertions: tokens pushed out of order reach the handler", "[assert]") {
  const handler_scope scope;
  lexzone::en::vocab v;
  auto zone = v.memory_zone();
  lexzone::basic_doc<lexzone::en::vocab> d(zone, "ab cd");
  d.push_token(zone.add("cd"), 3, false);
  CHECK_THROWS_AS(d.push_token(zone.add("ab"), 0, true), broken_contract);
  CHECK_THROWS_AS(d.push_token(zone.add("cdx"), 3, false), broken_contract);
}
#endif

TEST_CASE("assertions: set_assertion_handler returns the previous handler, nullptr restores the default", "[assert]") {
  const lexzone::assertion_handler original = lexzone::set_assertion_handler(&throwing_handler);
  CHECK(lexzone::set_assertion_handler(nullptr) == &throwing_handler);
  CHECK(lexzone::set_assertion_handler(original) != &throwing_handler);  // the default was back
  CHECK(lexzone::set_assertion_handler(original) == original);
}

}  // namespace assertion_test
