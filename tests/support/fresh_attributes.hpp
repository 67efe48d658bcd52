// Test support: checks a lexeme against a fresh computation of its attributes (English traits), in a
// vocab of its own.
#pragma once

#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/vocab.hpp>

#include <utility>

#include "catch.hpp"

namespace lexzone::test {

/// Every attribute of `lex` equals what a fresh English vocab computes for its text, and every string
/// attribute resolves through `strings` (a store, or a zone's view) to the fresh computation's string.
template <class Strings, class Lexeme>
void check_fresh_attributes(const Strings& strings, const Lexeme& lex) {
  lexzone::basic_vocab<lexzone::en::lexeme_traits> fresh;
  const auto& want = fresh.add(lex.text());
  CHECK(lex.attrs.flags == want.attrs.flags);
  CHECK(lex.attrs.length == want.attrs.length);
  for (auto [got, expected] :
       {std::pair{lex.attrs.lower, want.attrs.lower}, std::pair{lex.attrs.norm, want.attrs.norm},
        std::pair{lex.attrs.shape, want.attrs.shape}, std::pair{lex.attrs.prefix, want.attrs.prefix},
        std::pair{lex.attrs.suffix, want.attrs.suffix}}) {
    REQUIRE(got == expected);
    CHECK(strings[got] == fresh.strings()[expected]);
  }
}

}  // namespace lexzone::test
