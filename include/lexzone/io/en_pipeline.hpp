/// \file io/en_pipeline.hpp
/// `lexzone::en::make_pipeline` from a spaCy `patterns.jsonl` file. Needs nlohmann_json (link
/// `nlohmann_json::nlohmann_json`), as the other JSON readers under `io/`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <utility>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../en.hpp"
#include "entity_ruler_jsonl.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::en {

/// An English pipeline over `words` whose entity ruler holds the patterns of the `patterns.jsonl` file
/// at `patterns` (spaCy's EntityRuler format). As the list overload in en.hpp otherwise.
/// Complexity: O(file size + rules). Lifetime: `words` must outlive the pipeline. Throws:
/// `pattern_error` naming the first bad line, `io::pattern_file_error` (the file is missing or cannot be
/// read), `hash_collision`, `std::bad_alloc`.
[[nodiscard]] inline pipeline make_pipeline(vocab& words LEXZONE_LIFETIMEBOUND, const std::filesystem::path& patterns,
                                            entity_ruler_config config = {}) {
  pipeline nlp = make_pipeline(words, {}, std::move(config));
  io::add_patterns_jsonl(nlp.component<0>(), patterns);
  return nlp;
}

/// Deleted, so that a pattern written with one pair of braces, `make_pipeline(vocab, {"ORG", "Acme"})`,
/// does not compile: the file overload above would take it, building a path from the two string
/// literals as if they were a character range (undefined behaviour). Write `{{"ORG", "Acme"}}`, or
/// `std::filesystem::path("patterns.jsonl")` for a file. (An array, not an `initializer_list`: `{}`
/// deduces no bound, so `make_pipeline(vocab, {})` still means no patterns.)
template <std::size_t N>
pipeline make_pipeline(vocab& words, const char* const (&strings)[N], entity_ruler_config config = {}) = delete;

}  // namespace lexzone::en
