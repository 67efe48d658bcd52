// LEXZONE_ASSERT: preconditions checked in checked builds, reported through the replaceable handler.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/catch.hpp"
#include "support/throwing_assertions.hpp"

#if LEXZONE_CHECKED && __has_include(<sys/wait.h>)
#  include <sys/wait.h>
#  include <unistd.h>
#  define LEXZONE_ASSERTION_TEST_FORK 1
#endif

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
  CHECK_THROWS_WITH(doc[7], lexzone_test::contains_text("doc token index out of range"));
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

#  ifdef LEXZONE_ASSERTION_TEST_FORK
// Destructors cannot throw, so the default handler's abort is what a broken destructor precondition
// gets: these tests break one in a child process whose handler exits with a code saying what it got.
const char* expected_report = nullptr;

[[noreturn]] void exit_on_report(const lexzone::assertion_info& info) {
  ::_exit(expected_report != nullptr && std::string_view(info.message) == expected_report ? 42 : 43);
}

// Runs `f` in a child process whose assertion handler exits with 42 on the report `expected` (43 on any
// other); the child exits with 0 when `f` returns, 44 when it throws, and is killed by SIGALRM after 30 s.
// Returns the child's exit code, or -1 when it did not exit (a crash, the alarm) or could not be started.
template <class F>
int child_exit_code(const char* expected, F&& f) {
  const pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    // No destructors, no Catch2 in the child: every way out is _exit.
    ::alarm(30);
    expected_report = expected;
    lexzone::set_assertion_handler(&exit_on_report);
    try {
      f();
    } catch (...) {
      ::_exit(44);
    }
    ::_exit(0);
  }
  int status = 0;
  pid_t done = 0;
  do {
    done = ::waitpid(child, &status, 0);
  } while (done < 0 && errno == EINTR);
  if (done != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST_CASE("assertions: a vocab or store destroyed while a zone guard is alive reaches the handler", "[assert]") {
  using vocab = lexzone::en::vocab;
  constexpr const char* vocab_report = "a vocab destroyed while zone guards are alive";
  constexpr const char* store_report = "a store destroyed while zone guards are alive";
  // The guards below are leaked on purpose: they must not die after what they point to.
  SECTION("a vocab over a store it does not own, an open guard") {
    CHECK(child_exit_code(vocab_report, [] {
            vocab::store_type strings;
            auto v = std::make_unique<vocab>(strings);
            (void)new vocab::zone_type(v->memory_zone());
            v.reset();
          }) == 42);
  }
  SECTION("a vocab over a store it does not own, a closed guard (it touches the vocab when it dies)") {
    CHECK(child_exit_code(vocab_report, [] {
            vocab::store_type strings;
            auto v = std::make_unique<vocab>(strings);
            auto* guard = new vocab::zone_type(v->memory_zone());
            auto* nested = new vocab::zone_type(guard->memory_zone());
            (void)nested;
            guard->close();
            v.reset();
          }) == 42);
  }
  SECTION("a vocab with its own store") {
    CHECK(child_exit_code(vocab_report, [] {
            auto v = std::make_unique<vocab>();
            (void)new vocab::zone_type(v->memory_zone());
            v.reset();
          }) == 42);
  }
  SECTION("a string store, a closed guard") {
    CHECK(child_exit_code(store_report, [] {
            auto s = std::make_unique<lexzone::string_store>();
            auto* guard = new lexzone::string_store::zone_type(s->memory_zone());
            guard->close();
            s.reset();
          }) == 42);
  }
  SECTION("no report when every guard died first") {
    CHECK(child_exit_code(vocab_report, [] {
            vocab::store_type strings;
            auto v = std::make_unique<vocab>(strings);
            {
              auto z = v->memory_zone();
              auto inner = z.memory_zone();
              inner.add("gone");
            }
            v.reset();
          }) == 0);
  }
}
#  endif
#endif

TEST_CASE("assertions: set_assertion_handler returns the previous handler, nullptr restores the default", "[assert]") {
  const lexzone::assertion_handler original = lexzone::set_assertion_handler(&throwing_handler);
  CHECK(lexzone::set_assertion_handler(nullptr) == &throwing_handler);
  CHECK(lexzone::set_assertion_handler(original) != &throwing_handler);  // the default was back
  CHECK(lexzone::set_assertion_handler(original) == original);
}

}  // namespace assertion_test
