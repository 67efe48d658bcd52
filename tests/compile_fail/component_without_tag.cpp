// Must NOT compile: a component that does not opt in (no lexzone_component_tag) is rejected by the
// pipeline's constraints. Built by CTest, which expects the compiler's report of that constraint.
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include "support/simple_traits.hpp"
#include "support/whitespace_tokenizer.hpp"

using vocab = lexzone::basic_vocab<lexzone::test::simple_traits>;

struct untagged_component {
  void operator()(lexzone::basic_doc<vocab>&) const {}
};

int main() {
  lexzone::pipeline<vocab, lexzone::test::whitespace_tokenizer<vocab>, untagged_component> nlp(
      lexzone::test::whitespace_tokenizer<vocab>{}, untagged_component{});
  (void)nlp;
}
