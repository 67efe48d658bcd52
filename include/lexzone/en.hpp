/// \file en.hpp
/// English, ready to use: the vocab, tokenizer, entity ruler and pipeline types of an English service,
/// and `make_pipeline`, which builds one over a vocab.
///
/// \code
/// #include <lexzone/lexzone.hpp>
/// #include <lexzone/en.hpp>
///
/// lexzone::en::vocab vocab;
/// auto nlp = lexzone::en::make_pipeline(vocab, {{"ORG", "Debian Project"}, {"GPE", "São Paulo"}});
/// auto zone = vocab.memory_zone();                 // everything the text adds is evicted at close
/// auto doc = nlp(zone, "José joined the Debian Project in São Paulo.");
/// for (const auto& ent : doc.ents())
///   std::cout << ent.text() << ' ' << ent.label_() << ' ' << ent.start_char() << '\n';
/// \endcode
///
/// Depends on xxHash, tsl::robin-map and the standard library only. Loading patterns from a spaCy
/// `patterns.jsonl` file needs nlohmann_json: `<lexzone/io/en_pipeline.hpp>` adds the file overload of
/// `make_pipeline`.
#pragma once

#include <initializer_list>
#include <span>
#include <utility>

#include "config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "english_tokenizer.hpp"
#include "entity_ruler.hpp"
#include "lang/en/lexeme_traits.hpp"
#include "lexzone.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::en {

/// An English vocab: lexeme attributes as `spacy.blank("en").vocab` computes them.
using vocab = basic_vocab<lexeme_traits>;
/// spaCy's English tokenizer over `en::vocab`.
using tokenizer = english_tokenizer<vocab>;
/// spaCy's EntityRuler over `en::vocab`.
using entity_ruler = lexzone::entity_ruler<vocab>;
/// The English tokenizer followed by the entity ruler.
using pipeline = lexzone::pipeline<vocab, tokenizer, entity_ruler>;

/// An English pipeline over `words`: the tokenizer (its special cases interned permanently) and an entity
/// ruler holding `patterns`. Unless `config.splitter` is set, phrase patterns are split by the
/// tokenizer, so that they match the tokens of the text as spaCy's do.
/// Complexity: O(size of the rules and patterns). Lifetime: `words` must outlive the pipeline.
/// Thread safety: builds permanent entries (safe alongside other threads); the pipeline is used by one
/// thread at a time (copy it per thread). Throws: `pattern_error` naming the first bad pattern (by
/// index), `hash_collision`, `std::bad_alloc`.
[[nodiscard]] inline pipeline make_pipeline(vocab& words LEXZONE_LIFETIMEBOUND,
                                            std::span<const entity_pattern> patterns, entity_ruler_config config = {}) {
  tokenizer tok(words);
  if (!config.splitter) config.splitter = tok.phrase_splitter();
  entity_ruler ruler(words, std::move(config));
  ruler.add_patterns(patterns);
  return pipeline(std::move(tok), std::move(ruler));
}

/// `make_pipeline` for a braced list: `make_pipeline(vocab, {{"ORG", "Debian Project"}})`.
/// Complexity, lifetime, thread safety and throws: as the overload above.
[[nodiscard]] inline pipeline make_pipeline(vocab& words LEXZONE_LIFETIMEBOUND,
                                            std::initializer_list<entity_pattern> patterns = {},
                                            entity_ruler_config config = {}) {
  return make_pipeline(words, std::span<const entity_pattern>(patterns.begin(), patterns.size()), std::move(config));
}

}  // namespace lexzone::en
