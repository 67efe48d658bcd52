// The README's first example: an English pipeline in three statements, a zone per text, and the tokens
// and entities with spaCy's character offsets.
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>

#include <iostream>
#include <string_view>

// NOLINTNEXTLINE(bugprone-exception-escape): kept short for the README; an exception ends it with its message
int main() {
  lexzone::en::vocab vocab;
  auto nlp = lexzone::en::make_pipeline(vocab, {{"PERSON", "Emilio Sánchez Pérez"}, {"ORG", "Debian Project"}});

  for (std::string_view text : {"—Yo me llamo... –murmuró el niño– Emilio Sánchez Pérez.",
                                "Emilio Sánchez Pérez wrote to the Debian Project."}) {
    auto zone = vocab.memory_zone();  // the words this text adds to the vocab live until the zone closes
    auto doc = nlp(zone, text);
    for (const auto& tok : doc) std::cout << (tok.i() > 0 ? " " : "") << tok.text() << '@' << tok.idx();
    std::cout << '\n';
    for (const auto& ent : doc.ents())
      std::cout << "  " << ent.text() << " | " << ent.label_() << " | " << ent.start_char() << '-' << ent.end_char()
                << '\n';
  }
  std::cout << "transient lexemes left: " << vocab.stats().transient_lexemes << '\n';
}
