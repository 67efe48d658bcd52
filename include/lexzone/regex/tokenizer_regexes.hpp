/// \file regex/tokenizer_regexes.hpp
/// The five regexes of a `tokenizer_rules` value compiled with Python `re` semantics, and the questions
/// spaCy's tokenizer algorithm asks them. Includes PCRE2 (through `regex/pcre2_regex.hpp`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../hash.hpp"
#include "../lang/url_match.hpp"
#include "../tokenizer_rules.hpp"
#include "pcre2_regex.hpp"
#include "regex_error.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex {

/// Compiled prefix, suffix, infix, token-match and URL-match regexes. An absent rule never matches.
///
/// Thread safety: immutable after `compile`; every member may be called from many threads at once.
/// Lifetime: independent of the `tokenizer_rules` it was compiled from.
class tokenizer_regexes {
 public:
  /// Compiles the regexes of `rules`: prefix, suffix and infix with `regex_options::branch_dispatch`;
  /// token_match and url_match as `predicate_regex` (split when too large for one PCRE2 pattern),
  /// compiled anchored (`regex_options::anchored`: they are only matched).
  /// Complexity: O(total pattern size); fr's rules (1.5 MB) take a few tens of milliseconds
  /// (bench/bench_rules.cpp). Throws: `regex_error` whose message names the rule
  /// ("prefix_search: ..."), `std::bad_alloc`.
  [[nodiscard]] static tokenizer_regexes compile(const tokenizer_rules& rules, const regex_options& options = {}) {
    tokenizer_regexes out;
    for (const regex_rule r : all_regex_rules) out.set(r, rules.regex_source(r), options);
    return out;
  }

  /// Compiles `source` as rule `which` in place of the current one (nullopt: the rule becomes absent).
  /// Complexity: O(pattern size). Throws: `regex_error` whose message names the rule ("token_match:
  /// ..."), `std::bad_alloc`; strong guarantee (the old rule stays on a throw). Thread safety: a modifier.
  void set(regex_rule which, const std::optional<std::string>& source, const regex_options& options = {}) {
    auto named = [which](auto&& make) {
      try {
        return make();
      } catch (const regex_error& e) {
        throw with_context(e, to_string(which));
      }
    };
    regex_options dispatched = options;  // prefix, suffix and infix: large alternations, searched often
    dispatched.branch_dispatch = true;
    auto searched = [&](std::optional<regex>& slot) {
      slot =
          source ? std::optional<regex>(named([&] { return regex::from_python(*source, dispatched); })) : std::nullopt;
    };
    regex_options anchored = options;  // token_match and url_match are only used with match()
    anchored.anchored = true;
    auto predicate = [&](std::optional<predicate_regex>& slot) {
      slot =
          source
              ? std::optional<predicate_regex>(named([&] { return predicate_regex::from_python(*source, anchored); }))
              : std::nullopt;
    };
    switch (which) {
      case regex_rule::prefix_search: searched(prefix_); break;
      case regex_rule::suffix_search: searched(suffix_); break;
      case regex_rule::infix_finditer: searched(infix_); break;
      case regex_rule::token_match: predicate(token_match_); break;
      case regex_rule::url_match:
        predicate(url_match_);
        url_match_is_spacy_ = source && is_spacy_url_match(*source);
        break;
    }
  }

  /// Whether `source` is spaCy 3.8's URL_MATCH, the url_match of every language in spaCy 3.8.2's data
  /// (3,541 bytes; recognised by its size and XXH3-64 id). Complexity: O(|source|). Throws: nothing.
  [[nodiscard]] static bool is_spacy_url_match(std::string_view source) noexcept {
    return source.size() == 3541 && default_hasher{}(source) == 0x6d2cce7b0cab83c8ULL;
  }

  /// `prefix_search.search(s)`: the match (byte offsets), or nullopt (also when the rule is absent).
  /// Complexity: O(s.size()) plus the match. Throws: `regex_error` (a limit), `std::bad_alloc`.
  [[nodiscard]] std::optional<match_span> prefix_match(std::string_view s) const {
    return prefix_ ? prefix_->search(s) : std::nullopt;
  }

  /// `suffix_search.search(s)`: the match, or nullopt. Complexity and throws: as `prefix_match`.
  [[nodiscard]] std::optional<match_span> suffix_match(std::string_view s) const {
    return suffix_ ? suffix_->search(s) : std::nullopt;
  }

  /// spaCy's `_find_prefix`: the length in bytes of `prefix_search(s)`'s match (end - start), 0 when none.
  /// Complexity: O(s.size()) plus the match. Throws: `regex_error` (a limit), `std::bad_alloc`.
  [[nodiscard]] std::size_t prefix_length(std::string_view s) const {
    const auto m = prefix_match(s);
    return m ? m->size() : 0;
  }

  /// spaCy's `_find_suffix`: the length in bytes of `suffix_search(s)`'s match, 0 when none.
  /// Complexity and throws: as `prefix_length`.
  [[nodiscard]] std::size_t suffix_length(std::string_view s) const {
    const auto m = suffix_match(s);
    return m ? m->size() : 0;
  }

  /// spaCy's `_find_infix`: every match of `infix_finditer(s)` in order (byte spans; may be empty).
  /// Complexity and throws: as `prefix_length`.
  [[nodiscard]] std::vector<match_span> infixes(std::string_view s) const {
    if (!infix_) return {};
    return infix_->find_all(s);
  }

  /// `bool(token_match(s))` (anchored at the start). Complexity: O(s.size()) plus the match.
  /// Throws: as `prefix_length`.
  [[nodiscard]] bool token_match(std::string_view s) const { return token_match_ && token_match_->match(s); }

  /// `bool(url_match(s))` (anchored at the start). spaCy's own URL_MATCH (`url_match_is_spacy()`) is
  /// answered by `lang::url_match`, which gives the pattern's answers in O(|s|) and never throws: the
  /// pattern backtracks over a part like `\S+(?::\S*)?@`, so on an ordinary long token (a Java class
  /// path, minified CSS, a base64 blob) it reached PCRE2's match limit and the whole text was refused.
  /// Throws: as `prefix_length` (a pattern of the user's own).
  [[nodiscard]] bool url_match(std::string_view s) const {
    if (url_match_is_spacy_) return lang::url_match(s);
    return url_match_ && url_match_->match(s);
  }
  /// Whether the url_match rule is spaCy's URL_MATCH (see `url_match`). Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool url_match_is_spacy() const noexcept { return url_match_is_spacy_; }

  /// The compiled prefix rule, for callers that need more than the questions above (nullptr when
  /// absent). Lifetime: this object's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const regex* prefix_search() const noexcept { return prefix_ ? &*prefix_ : nullptr; }
  /// The compiled suffix rule (nullptr when absent); as `prefix_search()`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const regex* suffix_search() const noexcept { return suffix_ ? &*suffix_ : nullptr; }
  /// The compiled infix rule (nullptr when absent); as `prefix_search()`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const regex* infix_finditer() const noexcept { return infix_ ? &*infix_ : nullptr; }
  /// The compiled token_match rule (nullptr when absent); as `prefix_search()`. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const predicate_regex* token_match_regex() const noexcept {
    return token_match_ ? &*token_match_ : nullptr;
  }
  /// The compiled url_match rule (nullptr when absent); as `prefix_search()`. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const predicate_regex* url_match_regex() const noexcept { return url_match_ ? &*url_match_ : nullptr; }

 private:
  std::optional<regex> prefix_;
  std::optional<regex> suffix_;
  std::optional<regex> infix_;
  std::optional<predicate_regex> token_match_;
  std::optional<predicate_regex> url_match_;
  bool url_match_is_spacy_ = false;
};

}  // namespace lexzone::regex
