/// \file regex/tokenizer_regexes.hpp
/// The five regexes of a `tokenizer_rules` value compiled with Python `re` semantics, and the questions
/// spaCy's tokenizer algorithm asks them. Includes PCRE2 (through `regex/pcre2_regex.hpp`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../tokenizer_rules.hpp"
#include "pcre2_regex.hpp"
#include "regex_error.hpp"

namespace lexzone::regex {

/// Compiled prefix, suffix, infix, token-match and URL-match regexes. An absent rule never matches.
///
/// Thread safety: immutable after `compile`; every member may be called from many threads at once.
/// Lifetime: independent of the `tokenizer_rules` it was compiled from.
class tokenizer_regexes {
 public:
  /// Compiles the regexes of `rules`; token_match and url_match as `predicate_regex` (split when too
  /// large for one PCRE2 pattern). Complexity: O(total pattern size); fr's rules (1.5 MB) take a few tens
  /// of milliseconds (bench/bench_rules.cpp). Throws: `regex_error` whose message names the rule
  /// ("prefix_search: ..."), `std::bad_alloc`.
  [[nodiscard]] static tokenizer_regexes compile(const tokenizer_rules& rules, const regex_options& options = {}) {
    tokenizer_regexes out;
    auto named = [](const char* rule, auto&& make) {
      try {
        return make();
      } catch (const regex_error& e) {
        std::string message = e.what();
        const std::string head = "lexzone regex: " + std::string(to_string(e.code())) + ": ";
        if (message.rfind(head, 0) == 0) message.erase(0, head.size());
        throw regex_error(e.code(), std::string(rule) + ": " + message, {}, e.offset());
      }
    };
    if (rules.prefix_search) {
      out.prefix_ = named("prefix_search", [&] { return regex::from_python(*rules.prefix_search, options); });
    }
    if (rules.suffix_search) {
      out.suffix_ = named("suffix_search", [&] { return regex::from_python(*rules.suffix_search, options); });
    }
    if (rules.infix_finditer) {
      out.infix_ = named("infix_finditer", [&] { return regex::from_python(*rules.infix_finditer, options); });
    }
    if (rules.token_match) {
      out.token_match_ =
          named("token_match", [&] { return predicate_regex::from_python(*rules.token_match, options); });
    }
    if (rules.url_match) {
      out.url_match_ = named("url_match", [&] { return predicate_regex::from_python(*rules.url_match, options); });
    }
    return out;
  }

  /// spaCy's `_find_prefix`: the length in bytes of `prefix_search(s)`'s match (end - start), 0 when none.
  /// Complexity: O(s.size()) plus the match. Throws: `regex_error` (a limit), `std::bad_alloc`.
  [[nodiscard]] std::size_t prefix_length(std::string_view s) const {
    if (!prefix_) return 0;
    const auto m = prefix_->search(s);
    return m ? m->size() : 0;
  }

  /// spaCy's `_find_suffix`: the length in bytes of `suffix_search(s)`'s match, 0 when none.
  /// Complexity and throws: as `prefix_length`.
  [[nodiscard]] std::size_t suffix_length(std::string_view s) const {
    if (!suffix_) return 0;
    const auto m = suffix_->search(s);
    return m ? m->size() : 0;
  }

  /// spaCy's `_find_infix`: every match of `infix_finditer(s)` in order (byte spans; may be empty).
  /// Complexity and throws: as `prefix_length`.
  [[nodiscard]] std::vector<match_span> infixes(std::string_view s) const {
    if (!infix_) return {};
    return infix_->find_all(s);
  }

  /// `bool(token_match(s))` (anchored at the start). Throws: as `prefix_length`.
  [[nodiscard]] bool token_match(std::string_view s) const { return token_match_ && token_match_->match(s); }

  /// `bool(url_match(s))` (anchored at the start). Throws: as `prefix_length`.
  [[nodiscard]] bool url_match(std::string_view s) const { return url_match_ && url_match_->match(s); }

  /// The compiled prefix rule, for callers that need more than the questions above (nullptr when
  /// absent). Lifetime: this object's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const regex* prefix_search() const noexcept { return prefix_ ? &*prefix_ : nullptr; }
  /// The compiled suffix rule (nullptr when absent); as `prefix_search()`.
  [[nodiscard]] const regex* suffix_search() const noexcept { return suffix_ ? &*suffix_ : nullptr; }
  /// The compiled infix rule (nullptr when absent); as `prefix_search()`.
  [[nodiscard]] const regex* infix_finditer() const noexcept { return infix_ ? &*infix_ : nullptr; }
  /// The compiled token_match rule (nullptr when absent); as `prefix_search()`.
  [[nodiscard]] const predicate_regex* token_match_regex() const noexcept {
    return token_match_ ? &*token_match_ : nullptr;
  }
  /// The compiled url_match rule (nullptr when absent); as `prefix_search()`.
  [[nodiscard]] const predicate_regex* url_match_regex() const noexcept { return url_match_ ? &*url_match_ : nullptr; }

 private:
  std::optional<regex> prefix_;
  std::optional<regex> suffix_;
  std::optional<regex> infix_;
  std::optional<predicate_regex> token_match_;
  std::optional<predicate_regex> url_match_;
};

}  // namespace lexzone::regex
