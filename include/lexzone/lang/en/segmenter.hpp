/// \file lang/en/segmenter.hpp
/// spaCy v3.8-compatible English segmentation: text in, byte spans out (no vocabulary, no doc).
///
/// `en::segmenter` is spaCy's tokenizer algorithm (`basic_segmenter`, tokenizer/basic_segmenter.hpp) over
/// the hand-compiled English rules (`punctuation_rules`, lang/en/punctuation.hpp) with spaCy's English
/// special cases (lang/en/tokenizer_exceptions.hpp), or spaCy's base "xx" rules and exceptions. Nothing
/// here uses regex. Its results equal spaCy 3.8.2's on valid UTF-8 (see the tests' conformance data).
///
/// Thread safety: all `const` members may run concurrently on one segmenter; the modifiers
/// (`add_special_case`, `add_special_cases`, `remove_special_case`, `clear_special_cases`,
/// `set_faster_heuristics`) need exclusive access.
#pragma once

#include <string_view>

#include "../../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../../tokenizer/basic_segmenter.hpp"
#include "../../tokenizer/piece.hpp"
#include "../url_match.hpp"
#include "punctuation.hpp"
#include "tokenizer_exceptions.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::en {

using lexzone::piece;          ///< one segment of a text (see tokenizer/piece.hpp)
using lexzone::special_piece;  ///< one piece of a special case (see tokenizer/piece.hpp)

/// spaCy-compatible English (or base "xx") segmenter: `basic_segmenter` over `punctuation_rules`, made
/// with spaCy's special cases. Construction builds the rule tables once (about a millisecond); after
/// that, segmentation allocates nothing except growth of the caller's output vector.
///
/// Adds no data to `basic_segmenter`, so it may be used (and copied, sliced) as one. Copyable and
/// movable (a copy owns its own special cases). Not thread-safe while being modified.
class segmenter : public basic_segmenter<punctuation_rules> {
 public:
  /// The default rules: `rule_set::english` is spaCy's English tokenizer (1,347 special cases),
  /// `rule_set::base` its "xx" (176). Complexity: O(number of special cases). Throws: std::bad_alloc.
  explicit segmenter(rule_set rules = rule_set::english) : basic_segmenter(punctuation_rules(rules)) {
    add_special_cases(base_exceptions);
    if (rules == rule_set::english) add_special_cases(english_exceptions);
  }

  /// The same affix rules with no special cases at all (spaCy: `tokenizer.rules = {}`).
  /// Complexity: O(1). Throws: nothing.
  [[nodiscard]] static segmenter blank(rule_set rules = rule_set::english) noexcept {
    return segmenter(rules, blank_tag{});
  }

  /// The affix rules in use. Complexity: O(1). Throws: nothing.
  [[nodiscard]] rule_set affix_rules() const noexcept { return rules().set(); }

  /// spaCy's URL_MATCH: `lang::url_match`, kept here for callers of the English segmenter.
  /// Complexity: O(|s|). Throws: nothing.
  [[nodiscard]] static constexpr bool url_match(std::string_view s) noexcept { return lang::url_match(s); }

 private:
  struct blank_tag {};
  segmenter(rule_set rules, blank_tag) noexcept : basic_segmenter(punctuation_rules(rules)) {}
};

}  // namespace lexzone::en
