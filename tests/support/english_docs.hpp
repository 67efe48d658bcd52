// Docs built from given words, for the matcher, phrase matcher, entity ruler and JSONL tests: the tokens
// are exactly the words (spaCy's `Doc(vocab, words=..., spaces=...)`), with the NORMs that spaCy's English
// tokenizer exceptions would give them, and a phrase splitter that uses the English rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <lexzone/concepts.hpp>
#include <lexzone/doc.hpp>
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/vocab.hpp>

namespace lexzone::test {

using en_vocab = basic_vocab<en::lexeme_traits>;
using en_doc = basic_doc<en_vocab>;

// spaCy's English tokenizer rules (built once).
inline const en::segmenter& english_rules() {
  static const en::segmenter rules;
  return rules;
}

// A phrase splitter with the English rules, giving the special cases' norms: phrase patterns are split
// with them, as spaCy's EntityRuler does (it runs the tokenizer on a phrase's text).
inline void english_splitter(std::string_view text, std::vector<std::string>& tokens, std::vector<std::string>& norms) {
  std::vector<en::piece> pieces;
  english_rules().segment(text, pieces);
  for (const auto& p : pieces) {
    tokens.emplace_back(p.text_in(text));
    norms.emplace_back(p.norm);
  }
}

// A doc of `words` in `scope` (the vocab or one of its zones); `spaces[i]`: a space follows word i.
template <class Scope>
en_doc make_doc(Scope& scope, const std::vector<std::string>& words, const std::vector<bool>& spaces) {
  std::string text;
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < words.size(); ++i) {
    offsets.push_back(text.size());
    text += words[i];
    if (i < spaces.size() && spaces[i]) text += ' ';
  }
  en_doc d(scope, text);
  // When the English rules segment the text into exactly these words, tokens get the NORMs of the
  // tokenizer exceptions that made them, as in spaCy ("don't" -> "do" + "n't" with norm "not").
  std::vector<en::piece> pieces;
  english_rules().segment(text, pieces);
  bool same = pieces.size() == words.size();
  for (std::size_t i = 0; same && i < words.size(); ++i) same = pieces[i].text_in(text) == words[i];
  for (std::size_t i = 0; i < words.size(); ++i) {
    const hash_t norm = same && !pieces[i].norm.empty() ? scope_vocab(scope).strings().add(pieces[i].norm) : 0;
    d.push_token(scope.add(words[i]), offsets[i], i < spaces.size() && spaces[i], norm);
  }
  return d;
}

// Words separated by single spaces.
template <class Scope>
en_doc make_doc(Scope& scope, const std::vector<std::string>& words) {
  return make_doc(scope, words, std::vector<bool>(words.size(), true));
}

}  // namespace lexzone::test
