/// \file regex/rule_tokenizer.hpp
/// `rule_tokenizer<Vocab>`: a lexzone tokenizer for any of spaCy's rule-based languages, or for rules of
/// your own: `basic_tokenizer` (the zone-aware segmentation cache and the doc building, shared with the
/// English fast path) over `rule_segmenter` (spaCy's algorithm over PCRE2 regexes given as data, see
/// regex/rule_segmenter.hpp). Includes PCRE2; link `lexzone::regex`.
///
/// \code
/// #include <lexzone/regex/rule_tokenizer.hpp>
///
/// lexzone::en::vocab vocab;
/// // The `tokenizer` file of a spaCy pipeline directory (or `tools/spacy_tokenizer_file.py de`):
/// auto tok = lexzone::load_rule_tokenizer(vocab, "de_pipeline/tokenizer");
/// tok.set_infix_finditer(R"([-~])");           // spaCy: nlp.tokenizer.infix_finditer = ...
/// tok.add_special_case("z.B.", {{"z.B."}});
/// auto zone = vocab.memory_zone();
/// auto doc = tok(zone, "Das ist z.B. ein Test.");
/// for (const auto& e : tok.explain("Das ist z.B. ein Test."))
///   std::cout << e.label() << ' ' << e.piece.text_in("Das ist z.B. ein Test.") << '\n';
/// \endcode
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../io/spacy_tokenizer_file.hpp"
#include "../tokenizer/basic_tokenizer.hpp"
#include "../tokenizer_rules.hpp"
#include "rule_segmenter.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// spaCy's rule-based tokenizer over a vocab of type `Vocab`, with rules given as data (see
/// `basic_tokenizer` for the cache, interning, copies and thread safety, and `rule_segmenter` for the
/// rules). Beyond `basic_tokenizer` it offers spaCy's rule setters: each compiles the new regex into this
/// tokenizer's own copy of the rules, rebuilds the special-case matcher and empties the cache (spaCy
/// flushes its cache too); other copies keep their rules.
///
/// Calls throw what `basic_tokenizer`'s throw, plus `regex::regex_error` naming the rule when a match
/// hits a PCRE2 limit (catastrophic backtracking in a user's regex); the doc is then not made and the
/// tokenizer stays usable.
template <class Vocab>
class rule_tokenizer : public basic_tokenizer<Vocab, rule_segmenter> {
  using base = basic_tokenizer<Vocab, rule_segmenter>;

 public:
  using typename base::options;
  /// `basic_tokenizer`'s constructors: with no rules at all (white space splits only), over a
  /// `rule_segmenter`, or over shared rules.
  using base::base;

  /// A tokenizer with the rules `rules` (regexes compiled with `regex_opts`), its special cases interned
  /// permanently in `vocab`. Complexity: O(size of the rules). Lifetime: `vocab` must outlive the
  /// tokenizer. Thread safety: adds permanent entries (safe alongside other threads). Throws:
  /// `regex::regex_error` naming the rule, std::invalid_argument (an exception whose ORTHs do not join
  /// to its key), `hash_collision`, std::bad_alloc.
  rule_tokenizer(Vocab& vocab, const tokenizer_rules& rules, options opts = {},
                 const regex::regex_options& regex_opts = {})
      : base(vocab, rule_segmenter(rules, regex_opts), opts) {}

  /// Replaces rule `which` by the Python regex `source`, or removes it (nullopt); empties the cache.
  /// Complexity: O(pattern size + size of the special cases). Throws: `regex::regex_error` naming the
  /// rule (the rules stay as they were), std::bad_alloc.
  void set_regex(regex_rule which, std::optional<std::string_view> source) {
    this->update_rules([&](rule_segmenter& s) { s.set_regex(which, source); });
  }
  /// spaCy's `tokenizer.prefix_search = ...`: `set_regex(regex_rule::prefix_search, source)`.
  /// Complexity and throws: as `set_regex`.
  void set_prefix_search(std::optional<std::string_view> source) { set_regex(regex_rule::prefix_search, source); }
  /// spaCy's `tokenizer.suffix_search = ...`: `set_regex(regex_rule::suffix_search, source)`.
  /// Complexity and throws: as `set_regex`.
  void set_suffix_search(std::optional<std::string_view> source) { set_regex(regex_rule::suffix_search, source); }
  /// spaCy's `tokenizer.infix_finditer = ...`: `set_regex(regex_rule::infix_finditer, source)`.
  /// Complexity and throws: as `set_regex`.
  void set_infix_finditer(std::optional<std::string_view> source) { set_regex(regex_rule::infix_finditer, source); }
  /// spaCy's `tokenizer.token_match = ...`: `set_regex(regex_rule::token_match, source)`.
  /// Complexity and throws: as `set_regex`.
  void set_token_match(std::optional<std::string_view> source) { set_regex(regex_rule::token_match, source); }
  /// spaCy's `tokenizer.url_match = ...`: `set_regex(regex_rule::url_match, source)`.
  /// Complexity and throws: as `set_regex`.
  void set_url_match(std::optional<std::string_view> source) { set_regex(regex_rule::url_match, source); }

  /// The rules in use as data (see `rule_segmenter::to_rules`). Complexity: O(size of the rules).
  /// Throws: std::bad_alloc.
  [[nodiscard]] tokenizer_rules to_rules() const { return this->rules().to_rules(); }
};

/// A `rule_tokenizer` with the rules of the spaCy tokenizer file `path` (the `tokenizer` file of a
/// pipeline directory, i.e. `nlp.tokenizer.to_bytes(exclude=["vocab"])`). Complexity: O(file size +
/// size of the rules); each of spaCy's 73 language files loads in milliseconds (bench/bench_rules.cpp).
/// Lifetime: `vocab` must outlive the tokenizer. Throws: `io::rule_file_error` naming the file (missing,
/// unreadable, truncated, not MessagePack, wrong layout), `regex::regex_error` naming the rule,
/// std::invalid_argument, `hash_collision`, std::bad_alloc.
template <class Vocab>
[[nodiscard]] rule_tokenizer<Vocab> load_rule_tokenizer(Vocab& vocab LEXZONE_LIFETIMEBOUND,
                                                        const std::filesystem::path& path,
                                                        typename rule_tokenizer<Vocab>::options opts = {},
                                                        const regex::regex_options& regex_opts = {}) {
  return rule_tokenizer<Vocab>(vocab, io::load_spacy_tokenizer(path), opts, regex_opts);
}

}  // namespace lexzone
