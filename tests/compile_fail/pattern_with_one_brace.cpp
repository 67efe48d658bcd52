// Must NOT compile: one pair of braces around a pattern's strings. With <lexzone/io/en_pipeline.hpp>
// included, make_pipeline's patterns.jsonl overload would otherwise take {"ORG", "Acme"} as a path built
// from a character range between two unrelated literals. Built by CTest, which expects the compiler to
// name the deleted overload.
#include <lexzone/io/en_pipeline.hpp>

int main() {
  lexzone::en::vocab vocab;
  auto nlp = lexzone::en::make_pipeline(vocab, {"ORG", "Acme"});
  (void)nlp;
}
