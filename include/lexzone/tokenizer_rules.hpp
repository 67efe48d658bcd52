/// \file tokenizer_rules.hpp
/// The rule data of a spaCy-style tokenizer as plain values: the five regex sources (Python `re`
/// syntax), the special cases and `faster_heuristics`. No regex engine, no I/O: a rule set is filled by
/// code or by `io/spacy_tokenizer_file.hpp` (spaCy's serialized tokenizer) and compiled by
/// `regex/tokenizer_regexes.hpp`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lexzone {

/// One sub-token of a special case: its text and optional norm (spaCy's ORTH and NORM).
struct special_case_token {
  std::string orth;                 ///< the sub-token's text; the ORTHs of a case join to its key
  std::optional<std::string> norm;  ///< NORM, when the rule sets one
  /// Member-wise equality.
  friend bool operator==(const special_case_token&, const special_case_token&) = default;
};

/// A special case (spaCy's tokenizer exception): a chunk text and the tokens it becomes.
struct special_case {
  std::string key;                         ///< the exact text (may hold spaces, or be white space)
  std::vector<special_case_token> tokens;  ///< one or more, in order
  /// Member-wise equality.
  friend bool operator==(const special_case&, const special_case&) = default;
};

/// A tokenizer's rules, as spaCy's `Tokenizer` holds them. A regex that is nullopt is absent (spaCy's
/// `None`): no prefix, suffix, infix, token or URL match.
///
/// Thread safety: a plain value type. Lifetime: owns all its strings.
struct tokenizer_rules {
  std::optional<std::string> prefix_search;   ///< searched; the match's length is the prefix
  std::optional<std::string> suffix_search;   ///< searched; the match's length is the suffix
  std::optional<std::string> infix_finditer;  ///< every match splits the core
  std::optional<std::string> token_match;     ///< matched (anchored): the chunk stays one token
  std::optional<std::string> url_match;       ///< matched (anchored) on the core: one token
  std::vector<special_case> exceptions;       ///< in the order given (spaCy's files: by code point)
  bool faster_heuristics = true;              ///< spaCy's `faster_heuristics`
  /// Member-wise equality.
  friend bool operator==(const tokenizer_rules&, const tokenizer_rules&) = default;
};

}  // namespace lexzone
