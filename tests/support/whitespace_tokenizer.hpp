// A minimal user tokenizer for tests: splits on ' ', like spaCy's whitespace handling for single spaces.
#pragma once

#include <string_view>

#include <lexzone/concepts.hpp>
#include <lexzone/doc.hpp>

namespace lexzone::test {

template <class Vocab>
struct whitespace_tokenizer {
  using lexzone_tokenizer_tag = void;

  template <class Scope>
  basic_doc<Vocab> operator()(Scope& scope, std::string_view text) {
    basic_doc<Vocab> doc(scope, text);
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string_view::npos) end = text.size();
      if (end > start) doc.push_token(scope.add(text.substr(start, end - start)), start, end < text.size());
      start = end + 1;
    }
    return doc;
  }
};

}  // namespace lexzone::test
