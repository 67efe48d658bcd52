/// \file english_tokenizer.hpp
/// `english_tokenizer`: spaCy v3.8's English tokenizer as a lexzone tokenizer, the hand-compiled fast
/// path: `basic_tokenizer` (tokenizer/basic_tokenizer.hpp: the zone-aware segmentation cache and the doc
/// building) over `en::segmenter` (lang/en/segmenter.hpp: spaCy's algorithm over the English rules
/// compiled by hand into predicates, spaCy's 1,347 English special cases). No regex library is involved.
///
/// spaCy's base ("xx") rules: `english_tokenizer<V>(vocab, en::segmenter(en::rule_set::base))`. The same
/// tokenizer over rules read from a spaCy tokenizer file, for any language, is `rule_tokenizer`
/// (regex/rule_tokenizer.hpp, needs PCRE2).
#pragma once

#include "config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "lang/en/segmenter.hpp"
#include "tokenizer/basic_tokenizer.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// spaCy-compatible English tokenizer over a vocab of type `Vocab` (see `basic_tokenizer` for its
/// contract: construction interns the special cases, the cache, thread safety, what calls throw).
template <class Vocab>
using english_tokenizer = basic_tokenizer<Vocab, en::segmenter>;

}  // namespace lexzone
