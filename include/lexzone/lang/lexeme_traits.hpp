/// \file lang/lexeme_traits.hpp
/// `lexzone::lang::lexeme_traits`: spaCy's lexeme attributes for any language, from data.
///
/// The language-neutral attributes (the `str.is*` flags, is_punct, like_url, like_email, shape, lower,
/// prefix, suffix, ...) are spaCy's base ones, computed by `detail::compute_lexeme` as for English. A
/// `lang::lex_data` gives what a language changes in spaCy 3.8 (`nlp.Defaults.lex_attr_getters` and
/// `stop_words`):
/// - `stop_words`: IS_STOP is `text.lower() in stop_words`;
/// - `like_num`: the language's LIKE_NUM as a `like_num_rule` (lang/like_num_rule.hpp);
/// - `norm_stemmer`: a NORM getter that cuts suffixes (hi, ne) instead of lowering;
/// - `currency_words`: IS_CURRENCY is also true for these exact texts (id, ms, sl).
/// NORM is BASE_NORMS (lang/base_norms.hpp) first in every language, as spaCy's `create_vocab` wraps
/// every NORM getter with it. `io::load_spacy_lex` (io/spacy_lex_file.hpp) reads a language's data from
/// the `L.lex.json` files of spaCy 3.8.2's languages.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../lexeme.hpp"
#include "base_norms.hpp"
#include "compute_lexeme.hpp"
#include "like_num_rule.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// A NORM getter that cuts a suffix (spaCy's Hindi and Nepali `norm`, spacy/lang/{hi,ne}/lex_attrs.py).
///
/// The groups are tried from the last to the first. A group's cut is the length of its *first* suffix;
/// a group whose cut is not shorter than the word is skipped (`stop_at_short_group` false: hi) or ends
/// the search (true: ne). Within a group the first suffix that ends the word cuts `cut` code points off
/// it, whatever that suffix's own length. No suffix: the text itself (not lowercased).
struct norm_stemmer {
  std::vector<std::vector<std::string>> suffix_groups;  ///< each group non-empty
  bool stop_at_short_group = false;                     ///< ne: true; hi: false
};

/// What one language changes in spaCy's lexeme attributes (see the file comment).
struct lex_data {
  std::string lang;                         ///< the language code ("de"); informative
  std::vector<std::string> stop_words;      ///< matched against `str.lower()` of the text
  like_num_rule like_num;                   ///< the language's LIKE_NUM (default: spaCy's base rule)
  std::optional<norm_stemmer> stemmer;      ///< the NORM getter (none: `str.lower()`)
  std::vector<std::string> currency_words;  ///< exact texts that are currencies besides Sc-only texts
};

}  // namespace lexzone::lang

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The hooks of `compute_lexeme` for a `lex_data`: its word lists as sets.
class data_language {
 public:
  /// Takes `data`. Throws: std::invalid_argument (an empty stemmer group), std::bad_alloc.
  explicit data_language(lang::lex_data data)
      : lang_(std::move(data.lang)), stop_words_(std::move(data.stop_words)), like_num_(std::move(data.like_num)),
        stemmer_(std::move(data.stemmer)), currency_words_(std::move(data.currency_words)) {
    if (!stemmer_) return;
    for (const auto& group : stemmer_->suffix_groups)
      if (group.empty()) throw std::invalid_argument("lexzone::lang::norm_stemmer: a suffix group is empty");
  }

  /// Hook: the language's LIKE_NUM. Throws: std::bad_alloc.
  [[nodiscard]] bool like_num(std::string_view text, std::string_view lower, const lexeme_attributes&) const {
    return lang::like_num(text, lower, like_num_);
  }
  /// Hook: IS_STOP of a lowered text. Throws: nothing.
  [[nodiscard]] bool is_stop(std::string_view lower) const noexcept { return stop_words_.contains(lower); }
  /// Hook: NORM (BASE_NORMS, else the stemmer, else `lower`). Throws: nothing.
  [[nodiscard]] std::string_view norm(std::string_view text, std::string_view lower) const noexcept {
    if (const auto exc = lang::base_norm(text)) return *exc;
    return stemmer_ ? stem(text, *stemmer_) : lower;
  }
  /// Hook: IS_CURRENCY (Sc only, or a currency word). Throws: nothing.
  [[nodiscard]] bool is_currency(std::string_view text, const lexeme_attributes& a) const noexcept {
    return a.has(lex_flag::is_currency) || currency_words_.contains(text);
  }

  /// The language code. Throws: nothing.
  [[nodiscard]] const std::string& lang() const noexcept { return lang_; }
  /// The stop words. Throws: nothing.
  [[nodiscard]] const lang::word_set& stop_words() const noexcept { return stop_words_; }
  /// The LIKE_NUM rule. Throws: nothing.
  [[nodiscard]] const lang::like_num_rule& number_rule() const noexcept { return like_num_; }
  /// The NORM stemmer, if any. Throws: nothing.
  [[nodiscard]] const std::optional<lang::norm_stemmer>& stemmer() const noexcept { return stemmer_; }
  /// The extra currency words. Throws: nothing.
  [[nodiscard]] const lang::word_set& currency_words() const noexcept { return currency_words_; }

  /// The stemmer's NORM of `text` (a prefix of `text`).
  [[nodiscard]] static std::string_view stem(std::string_view text, const lang::norm_stemmer& s) noexcept {
    const std::size_t n = unicode::length(text);
    for (auto g = s.suffix_groups.rbegin(); g != s.suffix_groups.rend(); ++g) {
      const std::size_t cut = unicode::length(g->front());
      if (n <= cut) {
        if (s.stop_at_short_group) break;
        continue;
      }
      for (const std::string& suffix : *g)
        if (ends_with(text, suffix)) return drop_last_cps(text, cut);
    }
    return text;
  }

 private:
  std::string lang_;
  lang::word_set stop_words_;
  lang::like_num_rule like_num_;
  std::optional<lang::norm_stemmer> stemmer_;
  lang::word_set currency_words_;
};

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::lang {

/// Lexeme traits of a language given by data, for `basic_vocab<lexzone::lang::lexeme_traits>` (construct
/// the vocab with the traits object: `basic_vocab<lang::lexeme_traits> vocab(lang::lexeme_traits(data))`).
///
/// `compute(text, intern)` gives what `spacy.blank(L).vocab[text]` holds for the language whose
/// `lex_data` it was built from (see `detail::compute_lexeme` for every attribute, and the file comment).
/// Copies share one immutable copy of the data.
/// Complexity of `compute`: O(n log w) in the bytes of `text` and the words of the lists. Allocation: none
/// for ASCII texts of up to 128 bytes that the like_num clean-up leaves unchanged; otherwise a few small
/// strings. Throws: whatever `intern` throws, and std::bad_alloc. Thread safety: `compute` may run on any
/// number of threads at once; `intern` may itself call `compute`.
class lexeme_traits {
 public:
  using attributes_type = lexzone::lexeme_attributes;  ///< spaCy's lexeme attributes

  /// spaCy's base attributes (`spacy.blank("xx")`): no stop words, the base like_num, NORM lower.
  /// Complexity: O(1) plus one small allocation. Throws: std::bad_alloc.
  lexeme_traits() : lexeme_traits(lex_data{}) {}
  /// The traits of the language `data` describes. Complexity: O(w log w) over the words of the lists.
  /// Throws: std::invalid_argument (a norm_stemmer with an empty group),
  /// std::bad_alloc.
  explicit lexeme_traits(lex_data data) : language_(std::make_shared<const detail::data_language>(std::move(data))) {}

  /// The attributes of `text`; `intern` stores a string and returns its id (see `basic_vocab`).
  /// Complexity, allocation and throws: as the class comment says for `compute`.
  template <class Intern>
  [[nodiscard]] attributes_type compute(std::string_view text, Intern&& intern) const {
    return detail::compute_lexeme(text, intern, *language_);
  }

  /// The language code the data named ("" when none). Lifetime: the traits'. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const std::string& lang() const noexcept { return language_->lang(); }
  /// The stop words. Lifetime: the traits'. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const word_set& stop_words() const noexcept { return language_->stop_words(); }
  /// The LIKE_NUM rule. Lifetime: the traits'. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const like_num_rule& number_rule() const noexcept { return language_->number_rule(); }
  /// The NORM stemmer, if the language has one. Lifetime: the traits'. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::optional<norm_stemmer>& stemmer() const noexcept { return language_->stemmer(); }
  /// The extra currency words. Lifetime: the traits'. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const word_set& currency_words() const noexcept { return language_->currency_words(); }
  /// LIKE_NUM of `text`. Complexity: O(n log w). Throws: std::bad_alloc.
  [[nodiscard]] bool like_num(std::string_view text) const { return lang::like_num(text, language_->number_rule()); }
  /// IS_STOP of `text` (`str.lower()` of it is a stop word). Complexity: O(n log w). Throws: std::bad_alloc.
  [[nodiscard]] bool is_stop(std::string_view text) const { return language_->is_stop(unicode::to_lower(text)); }
  /// The lexeme NORM of `text`. Complexity: O(n). Throws: std::bad_alloc.
  [[nodiscard]] std::string norm(std::string_view text) const {
    const std::string lower = unicode::to_lower(text);
    return std::string(language_->norm(text, lower));
  }

 private:
  std::shared_ptr<const detail::data_language> language_;
};

static_assert(lexzone::lexeme_traits<lexeme_traits>, "lang::lexeme_traits must satisfy lexzone::lexeme_traits");

}  // namespace lexzone::lang
