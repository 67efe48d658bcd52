// A throwing assertion handler for tests of LEXZONE_ASSERT's reports (checked builds): a broken contract
// becomes an exception the test can catch, instead of the default handler's abort.
#pragma once

#include <lexzone/errors.hpp>

#include <stdexcept>
#include <string>

namespace lexzone::test {

/// What `throwing_handler` throws: the assertion's message, then its condition in brackets.
struct broken_contract : std::logic_error {
  using std::logic_error::logic_error;
};

/// An assertion handler that throws `broken_contract`.
[[noreturn]] inline void throwing_handler(const lexzone::assertion_info& info) {
  throw broken_contract(std::string(info.message) + " [" + info.condition + "]");
}

/// Installs `throwing_handler` for its scope and restores the previous handler.
struct throwing_assertions {
  lexzone::assertion_handler previous = lexzone::set_assertion_handler(&throwing_handler);
  throwing_assertions() = default;
  throwing_assertions(const throwing_assertions&) = delete;
  throwing_assertions& operator=(const throwing_assertions&) = delete;
  ~throwing_assertions() { lexzone::set_assertion_handler(previous); }
};

}  // namespace lexzone::test
