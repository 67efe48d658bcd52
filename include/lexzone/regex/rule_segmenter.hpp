/// \file regex/rule_segmenter.hpp
/// spaCy's tokenizer for any language, driven by data: `rule_segmenter` runs spaCy's algorithm
/// (`basic_segmenter`, tokenizer/basic_segmenter.hpp) over `regex::pcre2_rules`, a rules policy that
/// answers its five questions with the compiled regexes of a `tokenizer_rules` value (spaCy's serialized
/// tokenizer, read by io/spacy_tokenizer_file.hpp, or rules written in code). Includes PCRE2 (through
/// `regex/tokenizer_regexes.hpp`); link `lexzone::regex`.
///
/// As spaCy's `Tokenizer`, every rule can be replaced or removed after construction (`set_prefix_search`,
/// ..., `set_regex`), special cases added or removed, and `faster_heuristics` switched; `explain` says
/// which rule made each piece. The segmenter keeps the Python source of its regexes, so `to_rules()`
/// gives back a `tokenizer_rules` value equal to what it was built from (plus the changes).
///
/// Results equal spaCy 3.8.2's on the test texts of its 71 languages that have them (tests/
/// regex_rule_tokenizer_test.cpp); loaded from spaCy's English file, they equal the hand-compiled English
/// rules' (`en::segmenter`) on spaCy's English test texts and on real English text. One known difference,
/// on purpose: a chunk whose peeling rounds would search more than `pcre2_rules::affix_scan_budget` bytes
/// in all stops peeling and keeps the rest as its core. Each round searches the rest of the chunk, so a
/// chunk of S bytes gets about 32 + 2^20 / S rounds: every chunk under 1 KB peels as spaCy does, a 10 KB
/// one up to about 130 prefixes and suffixes, a 1 MB one about 33 (spaCy takes quadratic time there,
/// as this segmenter did: hours for a megabyte of ')').
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../tokenizer/basic_segmenter.hpp"
#include "../tokenizer_rules.hpp"
#include "../unicode/utf8.hpp"
#include "tokenizer_regexes.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

namespace regex {

/// A rules policy of `basic_segmenter` (the `segmentation_rules` concept) backed by PCRE2: the five
/// regexes of a `tokenizer_rules` value, compiled with Python `re` semantics, asked as spaCy asks them.
///
/// - `prefix_length(s)`: `prefix_search.search(s)`; spaCy peels `s[:len(match)]` wherever the match is,
///   so the answer is the byte length of the first k code points of `s`, k the match's length in code
///   points. `suffix_length(s)`: likewise from the back with `suffix_search`.
/// - `for_each_infix(s, f)`: `f(begin, end)` (bytes) for every match of `infix_finditer.finditer(s)`.
/// - `token_match(s)`, `url_match(s)`: `bool(pattern.match(s))`.
/// - An absent rule answers 0, nothing or false.
///
/// A regex error while matching (a PCRE2 limit: catastrophic backtracking) is rethrown as `regex_error`
/// naming the rule ("suffix_search: match_limit ..."). Copying shares the compiled regexes and their
/// sources (reference-counted): O(1). Thread safety: immutable; every member may be called from many
/// threads at once (PCRE2's per-match state is per thread, see `regex/pcre2_regex.hpp`).
class pcre2_rules {
 public:
  /// No rules: nothing matches (spaCy's `Tokenizer(vocab)`). Complexity: O(1). Throws: std::bad_alloc.
  pcre2_rules() : pcre2_rules(std::make_shared<const state>()) {}

  /// The regexes of `rules` (its exceptions and `faster_heuristics` are not used here), compiled with
  /// `options` (limits, JIT). Complexity: O(total pattern size). Throws: `regex_error` naming the rule
  /// ("infix_finditer: syntax ..."), std::bad_alloc.
  explicit pcre2_rules(const tokenizer_rules& rules, const regex_options& options = {})
      : pcre2_rules(compiled(rules, options)) {}

  /// A copy of these rules with rule `which` compiled from `source` (nullopt: the rule is removed), the
  /// others shared. Complexity: O(size of the new pattern + total source size). Throws: `regex_error`
  /// naming the rule, std::bad_alloc.
  [[nodiscard]] pcre2_rules with(regex_rule which, std::optional<std::string_view> source) const {
    auto st = std::make_shared<state>(*state_);
    auto& slot = st->sources.regex_source(which);
    slot = source ? std::optional<std::string>(*source) : std::nullopt;
    st->compiled.set(which, slot, st->options);
    return pcre2_rules(std::move(st));
  }

  /// Bytes that the peeling rounds of a chunk of `chunk_size` bytes may ask the regexes about in all
  /// (see `basic_segmenter`): 32 times the chunk plus 1 MiB, about 32 + 2^20 / S rounds for a chunk of S
  /// bytes (a chunk under 1 KB never reaches it: it has fewer characters than that). A run of 8,000 ')'
  /// did about 32 MB of searching (0.3 s), and a megabyte of them would have taken hours. Complexity:
  /// O(1). Throws: nothing.
  [[nodiscard]] static constexpr std::size_t affix_scan_budget(std::size_t chunk_size) noexcept {
    return 32 * chunk_size + (std::size_t{1} << 20);
  }

  /// spaCy's `find_prefix`: bytes to peel off the front of `s` (0: none). Complexity: one PCRE2 search
  /// plus O(|s|). Throws: `regex_error` (a limit), std::bad_alloc.
  [[nodiscard]] std::size_t prefix_length(std::string_view s) const {
    const auto m = guarded(regex_rule::prefix_search, [&] { return rx_->prefix_match(s); });
    if (!m || m->empty()) return 0;
    if (m->begin == 0) return m->end;
    std::size_t at = 0;
    for (std::size_t k = unicode::length(s.substr(m->begin, m->size())); k > 0 && at < s.size(); --k)
      at += unicode::decode(s, at).size;
    return at;
  }

  /// spaCy's `find_suffix`: bytes to peel off the end of `s` (0: none). Complexity and throws: as
  /// `prefix_length`.
  [[nodiscard]] std::size_t suffix_length(std::string_view s) const {
    const auto m = guarded(regex_rule::suffix_search, [&] { return rx_->suffix_match(s); });
    if (!m || m->empty()) return 0;
    if (m->end == s.size()) return m->size();
    std::size_t at = s.size();
    for (std::size_t k = unicode::length(s.substr(m->begin, m->size())); k > 0 && at > 0; --k)
      at -= unicode::decode_before(s, at).size;
    return s.size() - at;
  }

  /// spaCy's `find_infix`: calls `f(begin, end)` (bytes) for each match, left to right. Complexity: the
  /// finditer loop. Throws: `regex_error` (a limit), std::bad_alloc, what `f` throws.
  template <class F>
  void for_each_infix(std::string_view s, F&& f) const {
    const regex* infix = rx_->infix_finditer();
    if (infix == nullptr) return;
    guarded(regex_rule::infix_finditer, [&] { infix->finditer(s, [&f](match_span m) { f(m.begin, m.end); }); });
  }

  /// `bool(token_match(s))`, anchored at the start. Complexity: one PCRE2 match plus O(|s|).
  /// Throws: as `prefix_length`.
  [[nodiscard]] bool token_match(std::string_view s) const {
    const predicate_regex* r = rx_->token_match_regex();
    return r != nullptr && guarded(regex_rule::token_match, [&] { return r->match(s); });
  }

  /// `bool(url_match(s))`, anchored at the start. Complexity: as `token_match`. Throws: as `prefix_length`.
  /// spaCy's own URL_MATCH is answered in linear time and never throws (see `tokenizer_regexes::url_match`,
  /// which decides).
  [[nodiscard]] bool url_match(std::string_view s) const {
    return guarded(regex_rule::url_match, [&] { return rx_->url_match(s); });
  }

  /// The Python source of rule `r`, or nullopt when it is absent. Complexity: O(1). Throws: nothing.
  /// Lifetime: as this object and its copies.
  [[nodiscard]] const std::optional<std::string>& source(regex_rule r) const noexcept {
    return state_->sources.regex_source(r);
  }
  /// The compiled regexes. Complexity: O(1). Throws: nothing. Lifetime: as this object and its copies.
  [[nodiscard]] const tokenizer_regexes& regexes() const noexcept { return state_->compiled; }
  /// The options the regexes were compiled with. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const regex_options& options() const noexcept { return state_->options; }

 private:
  struct state {
    tokenizer_rules sources;  // the five sources only
    tokenizer_regexes compiled;
    regex_options options;
  };

  explicit pcre2_rules(std::shared_ptr<const state> st) noexcept : state_(std::move(st)), rx_(&state_->compiled) {}

  static std::shared_ptr<const state> compiled(const tokenizer_rules& rules, const regex_options& options) {
    auto st = std::make_shared<state>();
    st->options = options;
    for (const regex_rule r : all_regex_rules) st->sources.regex_source(r) = rules.regex_source(r);
    st->compiled = tokenizer_regexes::compile(st->sources, options);
    return st;
  }

  /// Runs `f`; a `regex_error` it throws comes back naming `rule`.
  template <class F>
  static auto guarded(regex_rule rule, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const regex_error& e) {
      throw with_context(e, to_string(rule));
    }
  }

  std::shared_ptr<const state> state_;
  const tokenizer_regexes* rx_;  // &state_->compiled (shared, never modified): one indirection less
};

}  // namespace regex

/// spaCy's tokenizer algorithm over rules given as data: `basic_segmenter` over `regex::pcre2_rules`,
/// with the special cases and `faster_heuristics` of a `tokenizer_rules` value, and spaCy's ways of
/// changing a tokenizer after construction. Adds no data to `basic_segmenter<regex::pcre2_rules>`.
///
/// Copyable (a copy owns its special cases and shares the compiled regexes) and movable. Thread safety:
/// `const` members may run concurrently; the modifiers need exclusive access.
class rule_segmenter : public basic_segmenter<regex::pcre2_rules> {
 public:
  /// No rules and no special cases: text is split at white space only (spaCy's `Tokenizer(vocab)`).
  /// Complexity: O(1). Throws: std::bad_alloc.
  rule_segmenter() = default;

  /// The rules `rules`: its five regexes compiled with `options`, its exceptions as special cases (a
  /// later one replaces an earlier one with the same key), its `faster_heuristics`.
  /// Complexity: O(total pattern size + total exception size + p log p) for p matcher patterns.
  /// Throws: `regex::regex_error` naming the rule for a regex Python or PCRE2 refuses (or one that hits
  /// a limit on an exception's key), std::invalid_argument for an exception whose ORTHs do not join to
  /// its key, std::bad_alloc.
  explicit rule_segmenter(const tokenizer_rules& rules, const regex::regex_options& options = {})
      : basic_segmenter(regex::pcre2_rules(rules, options)) {
    set_faster_heuristics(rules.faster_heuristics);
    add_special_cases(rules.exceptions);
  }

  /// Replaces rule `which` by the Python regex `source`, or removes it (nullopt), as assigning spaCy's
  /// `tokenizer.prefix_search` (etc.) does; the special-case matcher is rebuilt. Complexity: O(pattern
  /// size + size of the special cases). Throws: `regex::regex_error` naming the rule, std::bad_alloc;
  /// nothing changes on a throw.
  void set_regex(regex_rule which, std::optional<std::string_view> source) {
    replace_rules(rules().with(which, source));
  }
  /// `set_regex(regex_rule::prefix_search, source)`. Complexity and throws: as `set_regex`.
  void set_prefix_search(std::optional<std::string_view> source) { set_regex(regex_rule::prefix_search, source); }
  /// `set_regex(regex_rule::suffix_search, source)`. Complexity and throws: as `set_regex`.
  void set_suffix_search(std::optional<std::string_view> source) { set_regex(regex_rule::suffix_search, source); }
  /// `set_regex(regex_rule::infix_finditer, source)`. Complexity and throws: as `set_regex`.
  void set_infix_finditer(std::optional<std::string_view> source) { set_regex(regex_rule::infix_finditer, source); }
  /// `set_regex(regex_rule::token_match, source)`. Complexity and throws: as `set_regex`.
  void set_token_match(std::optional<std::string_view> source) { set_regex(regex_rule::token_match, source); }
  /// `set_regex(regex_rule::url_match, source)`. Complexity and throws: as `set_regex`.
  void set_url_match(std::optional<std::string_view> source) { set_regex(regex_rule::url_match, source); }

  /// The Python source of rule `which` (nullopt when absent). Complexity: O(1). Throws: nothing.
  /// Lifetime: until the segmenter's rules change (any `set_regex`, `set_*` or `replace_rules`, which
  /// replace all five rules' storage, not only the rule set) or the segmenter dies.
  [[nodiscard]] const std::optional<std::string>& regex_source(regex_rule which) const noexcept {
    return rules().source(which);
  }

  /// The rules as data (what spaCy's `to_bytes` would write): the five sources, the special cases in the
  /// order they were added, `faster_heuristics`. `rule_segmenter(to_rules())` segments as this one does.
  /// Complexity: O(size of the rules). Throws: std::bad_alloc.
  [[nodiscard]] tokenizer_rules to_rules() const {
    tokenizer_rules out;
    for (const regex_rule r : all_regex_rules) out.regex_source(r) = regex_source(r);
    out.faster_heuristics = faster_heuristics();
    for_each_special_case([&out](std::string_view key, std::span<const piece> pieces) {
      special_case sc{std::string(key), {}};
      for (const piece& p : pieces) {
        sc.tokens.push_back(
            {std::string(p.text_in(key)), p.norm.empty() ? std::nullopt : std::optional<std::string>(p.norm)});
      }
      out.exceptions.push_back(std::move(sc));
    });
    return out;
  }
};

}  // namespace lexzone
