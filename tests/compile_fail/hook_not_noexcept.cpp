// Must NOT compile: a component whose on_zone_close is not `void() noexcept` would never be notified (it is
// not zone_aware); the pipelines refuse it with a static_assert that says so. Built by CTest, which expects
// that message, for the static and the dynamic pipeline.
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include "support/simple_traits.hpp"
#include "support/whitespace_tokenizer.hpp"

using vocab = lexzone::basic_vocab<lexzone::test::simple_traits>;

struct hook_not_noexcept {
  using lexzone_component_tag = void;
  void operator()(lexzone::basic_doc<vocab>&) const {}
  void on_zone_close() {}  // not noexcept
};
static_assert(lexzone::declares_zone_hook<hook_not_noexcept> && !lexzone::zone_aware<hook_not_noexcept>);

int main() {
#ifdef LEXZONE_TEST_DYNAMIC
  lexzone::dynamic_pipeline<vocab> nlp(lexzone::test::whitespace_tokenizer<vocab>{});
  nlp.add("hook", hook_not_noexcept{});
#else
  lexzone::pipeline<vocab, lexzone::test::whitespace_tokenizer<vocab>, hook_not_noexcept> nlp(
      lexzone::test::whitespace_tokenizer<vocab>{}, hook_not_noexcept{});
  (void)nlp;
#endif
}
