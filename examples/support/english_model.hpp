// The examples' "model", loaded into a vocab's permanent layer the way a service loads its model at start:
// a base word list (one word a line; empty lines and lines starting with '#' skipped), the English
// tokenizer (whose special cases are interned on construction) and an entity ruler with patterns in
// spaCy's JSONL format. zone_report, soak and ner_service share it.
#pragma once

#include <lexzone/en.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lexzone.hpp>

#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace lexzone::examples {

using en_vocab = lexzone::en::vocab;
using en_tokenizer = lexzone::en::tokenizer;
using en_ruler = lexzone::en::entity_ruler;
using en_pipeline = lexzone::en::pipeline;

/// Adds every word of the list at `path` to `v`'s permanent layer. Throws: std::runtime_error when the file
/// cannot be opened; what `en_vocab::add` throws.
inline void load_base_words(en_vocab& v, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open the base word list " + path);
  for (std::string w; std::getline(in, w);)
    if (!w.empty() && w[0] != '#') v.add(w);
}

/// The whole model over `v`: base words, tokenizer (with `tokenizer_options`) and entity ruler (patterns
/// from `patterns_path`, phrase patterns split by the tokenizer's rules). Then frees the permanent index's
/// outgrown tables (`shrink_to_fit`: no other thread uses the vocab yet) and fills the zones' chunk pool
/// (bounded: 16 x 64 KiB by default) so that it is resident from the first zone on, and RSS measured after
/// loading is the baseline. Lifetime: the pipeline refers to `v`, which must outlive it. Thread safety:
/// call it before any other thread uses `v`. `limits` bound the ruler's matching work per doc.
/// Throws: std::runtime_error (unreadable files), lexzone::pattern_error (bad patterns), std::bad_alloc.
inline en_pipeline load_english_model(en_vocab& v, const std::string& base_words_path, const std::string& patterns_path,
                                      en_tokenizer::options tokenizer_options = en_tokenizer::options{},
                                      lexzone::match_limits limits = {}) {
  load_base_words(v, base_words_path);
  en_tokenizer tok(v, tokenizer_options);
  lexzone::entity_ruler_config cfg;
  cfg.splitter = tok.phrase_splitter();
  cfg.limits = limits;
  en_ruler rules(v, cfg);
  rules.add_patterns(lexzone::io::load_patterns_jsonl(patterns_path));
  v.strings().shrink_to_fit();
  v.strings().reserve_pool();
  return en_pipeline(std::move(tok), std::move(rules));
}

}  // namespace lexzone::examples
