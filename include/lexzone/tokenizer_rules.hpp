/// \file tokenizer_rules.hpp
/// The rule data of a spaCy-style tokenizer as plain values: the five regex sources (Python `re`
/// syntax), the special cases and `faster_heuristics`. No regex engine, no I/O: a rule set is filled by
/// code or by `io/spacy_tokenizer_file.hpp` (spaCy's serialized tokenizer) and compiled by
/// `regex/tokenizer_regexes.hpp`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"  // LEXZONE_ABI_NAMESPACE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// The five regexes of a spaCy tokenizer, by the name of spaCy's attribute.
enum class regex_rule : std::uint8_t {
  prefix_search,   ///< searched; the match's length is the prefix
  suffix_search,   ///< searched; the match's length is the suffix
  infix_finditer,  ///< every match splits the core
  token_match,     ///< matched (anchored): the chunk stays one token
  url_match,       ///< matched (anchored) on the core: one token
};

/// The five rules, in the order above (for loops over all of them).
inline constexpr regex_rule all_regex_rules[] = {regex_rule::prefix_search, regex_rule::suffix_search,
                                                 regex_rule::infix_finditer, regex_rule::token_match,
                                                 regex_rule::url_match};

/// spaCy's name of `r` ("prefix_search", ...). Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view to_string(regex_rule r) noexcept {
  switch (r) {
    case regex_rule::prefix_search: return "prefix_search";
    case regex_rule::suffix_search: return "suffix_search";
    case regex_rule::infix_finditer: return "infix_finditer";
    case regex_rule::token_match: return "token_match";
    case regex_rule::url_match: return "url_match";
  }
  return "unknown";
}

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

  /// The source of rule `r` (one of the five members above). Complexity: O(1). Throws: nothing.
  /// Lifetime: a reference to the member.
  [[nodiscard]] std::optional<std::string>& regex_source(regex_rule r) noexcept { return source_in(*this, r); }
  /// The source of rule `r`, read-only. As the overload above. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::optional<std::string>& regex_source(regex_rule r) const noexcept {
    return source_in(*this, r);
  }
  /// Member-wise equality.
  friend bool operator==(const tokenizer_rules&, const tokenizer_rules&) = default;

 private:
  template <class Self>
  static auto source_in(Self& self, regex_rule r) noexcept -> decltype((self.url_match)) {
    switch (r) {
      case regex_rule::prefix_search: return self.prefix_search;
      case regex_rule::suffix_search: return self.suffix_search;
      case regex_rule::infix_finditer: return self.infix_finditer;
      case regex_rule::token_match: return self.token_match;
      case regex_rule::url_match: break;
    }
    return self.url_match;
  }
};

}  // namespace lexzone
