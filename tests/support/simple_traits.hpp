// A small custom lexeme traits type (ASCII only): proves that the attribute set is pluggable.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <lexzone/lexeme.hpp>

namespace lexzone::test {

struct simple_attributes {
  hash_t lower = 0;
  hash_t first_char = 0;
  std::uint32_t length = 0;
  bool all_digits = false;
};

struct simple_traits {
  using attributes_type = simple_attributes;
  template <class Intern>
  static attributes_type compute(std::string_view text, Intern&& intern) {
    attributes_type a;
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    a.lower = intern(lower);
    a.first_char = intern(text.substr(0, 1));
    a.length = static_cast<std::uint32_t>(text.size());
    a.all_digits = !text.empty();
    for (char c : text) a.all_digits = a.all_digits && std::isdigit(static_cast<unsigned char>(c)) != 0;
    return a;
  }
};
static_assert(lexzone::lexeme_traits<simple_traits>);

// A type that is not a lexeme traits type (no attributes_type): must be rejected.
struct not_traits {
  static int compute(std::string_view, int);
};
static_assert(!lexzone::lexeme_traits<not_traits>);

}  // namespace lexzone::test
