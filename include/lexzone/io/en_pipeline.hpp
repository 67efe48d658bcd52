/// \file io/en_pipeline.hpp
/// `lexzone::en::make_pipeline` from a spaCy `patterns.jsonl` file. Needs nlohmann_json (link
/// `nlohmann_json::nlohmann_json`), like every header under `io/`.
#pragma once

#include <filesystem>
#include <utility>

#include "../en.hpp"
#include "entity_ruler_jsonl.hpp"

namespace lexzone::en {

/// An English pipeline over `vocab` whose entity ruler holds the patterns of the `patterns.jsonl` file
/// at `patterns` (spaCy's EntityRuler format). As the list overload in en.hpp otherwise.
/// Complexity: O(file size + rules). Lifetime: `vocab` must outlive the pipeline. Throws:
/// `pattern_error` naming the first bad line, `std::runtime_error` (file cannot be opened or read),
/// `hash_collision`, `std::bad_alloc`.
[[nodiscard]] inline pipeline make_pipeline(vocab& vocab LEXZONE_LIFETIMEBOUND, const std::filesystem::path& patterns,
                                            entity_ruler_config config = {}) {
  pipeline nlp = make_pipeline(vocab, {}, std::move(config));
  io::add_patterns_jsonl(nlp.component<0>(), patterns);
  return nlp;
}

}  // namespace lexzone::en
