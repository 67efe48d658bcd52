// The control for component_without_tag.cpp: the same program with the tag compiles, so the failure
// of the other one is the concept's doing.
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include "support/simple_traits.hpp"
#include "support/whitespace_tokenizer.hpp"

using vocab = lexzone::basic_vocab<lexzone::test::simple_traits>;

struct tagged_component {
  using lexzone_component_tag = void;
  void operator()(lexzone::basic_doc<vocab>&) const {}
};

int main() {
  lexzone::pipeline<vocab, lexzone::test::whitespace_tokenizer<vocab>, tagged_component> nlp(
      lexzone::test::whitespace_tokenizer<vocab>{}, tagged_component{});
  (void)nlp;
}
