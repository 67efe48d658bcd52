// Smoke test of a packaged lexzone: a permanent string, a zone and its eviction, and the English pipeline
// (tokenizer and entity ruler: robin-map and xxHash through the package) in a zone.
#include <lexzone/en.hpp>
#include <lexzone/string_store.hpp>

#include <cstdio>
#include <string_view>

int main() {
  lexzone::string_store strings;
  const lexzone::hash_t label = strings.add("PERSON");
  lexzone::hash_t transient = 0;
  {
    auto zone = strings.memory_zone();
    transient = zone.add("request-1@example.com");
    if (zone[transient] != std::string_view("request-1@example.com") || zone[label] != "PERSON") return 1;
  }
  if (strings.contains(transient) || !strings.contains(label)) return 1;

  lexzone::en::vocab vocab;
  const auto nlp = lexzone::en::make_pipeline(vocab, {{"ORG", "Debian Project"}});
  const std::size_t before = vocab.size();
  {
    auto pipe = nlp;
    auto zone = vocab.memory_zone();
    const auto doc = pipe(zone, "Mail the Debian Project at team@example.org.");
    if (doc.size() != 7 || doc.ents().size() != 1 || doc.ents()[0].text() != "Debian Project") return 1;
  }
  if (vocab.size() != before) return 1;
  std::puts("lexzone test_package: ok");
  return 0;
}
