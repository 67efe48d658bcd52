/// \file entity_ruler.hpp
/// `entity_ruler<Vocab>`: rule-based named entities, compatible with spaCy's `EntityRuler`.
///
/// Patterns are spaCy's `patterns.jsonl` entries as C++ values (`basic_entity_pattern`): a label, a
/// phrase (`"pattern": "text"`) or a token pattern (`"pattern": [...]`), and an optional id. Phrase texts
/// are split into tokens by the configured `phrase_splitter` (default: `split_phrase_default`); for
/// results identical to spaCy's, plug in the tokenizer that makes the docs
/// (`basic_tokenizer::phrase_splitter()`): it also gives the norms of its special cases, which phrase
/// patterns compared on NORM use as spaCy's do ("don't" matches "do not").
///
/// Token patterns may use `REGEX` when the configuration has a regex compiler (`entity_ruler_config::regex`,
/// e.g. `lexzone::regex::pcre2_compiler()` from `<lexzone/regex/pattern_regex.hpp>`; see
/// matcher/text_predicate.hpp).
///
/// ## Conflict resolution (spaCy 3.8)
/// All matches of all patterns are collected; zero-length matches are dropped. They are taken longest
/// first, then leftmost; a match is kept when none of its tokens is already taken by a kept match. A match
/// touching an entity the doc already has is dropped, unless `overwrite_ents`, in which case the existing
/// entities it overlaps are removed. Existing entities that no kept match touches stay.
/// **Ties** (two patterns with different label or id matching the very same tokens): the pattern added
/// first wins. spaCy leaves this to the iteration order of a Python set, so it may pick either.
///
/// ## Differences from spaCy
/// - `ent_id_sep` is kept in the configuration for compatibility only: labels and ids are stored apart, so
///   a label containing the separator cannot be mistaken for label + id.
/// - The span id of an entity is the id of the pattern's `id` string (0 without one).
/// - A phrase that splits into no tokens, an empty label and invalid UTF-8 are errors.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "concepts.hpp"
#include "config.hpp"
#include "doc.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "matcher.hpp"
#include "unicode/properties.hpp"
#include "unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

class phrase_splitter;

namespace detail {
// Not formatted: clang-format 14 mis-parses concept definitions (fixed in 15).
// clang-format off
/// A callable that splits into tokens only (see `phrase_splitter`).
template <class F>
concept splits_tokens = std::invocable<F&, std::string_view, std::vector<std::string>&>;
/// A callable that declares it gives norms when called with three arguments (see `phrase_splitter`).
template <class F>
concept declares_phrase_norms = requires { typename F::phrase_norms_tag; };
/// A callable that `phrase_splitter` calls with norms: one that declares it, or one that cannot be called
/// without (checked in that order, so that a callable taking any arguments is not instantiated with three).
template <class F>
concept splits_with_norms = declares_phrase_norms<F> ||
    (!splits_tokens<F> &&
     std::invocable<F&, std::string_view, std::vector<std::string>&, std::vector<std::string>&>);
/// A callable that `phrase_splitter` wraps, of either kind (copyable: checked last, so that a type that is
/// no callable is rejected before its copy constructor is looked at).
template <class F>
concept phrase_splitting = !std::same_as<std::remove_cvref_t<F>, phrase_splitter> &&
    (splits_tokens<F> || splits_with_norms<F>) && std::copy_constructible<F>;
// clang-format on

template <class F>
inline constexpr bool is_std_function = false;
template <class R, class... A>
inline constexpr bool is_std_function<std::function<R(A...)>> = true;
}  // namespace detail

/// Splits a phrase pattern's text into tokens, as the tokenizer that makes the docs would (spaCy runs
/// the pipeline's tokenizer on a phrase pattern's text).
///
/// Wraps either of two kinds of copyable callables (type-erased, like `std::function`):
/// - `void(std::string_view text, std::vector<std::string>& tokens)` appends the token texts;
/// - `void(std::string_view text, std::vector<std::string>& tokens, std::vector<std::string>& norms)`
///   also appends, for each token, the NORM its tokenizer gives it (a tokenizer exception's, as
///   `piece::norm`), or an empty string for none (the lexeme's own norm then applies). The ruler uses the
///   norms when it compares phrases on NORM: the phrase "don't" is then the tokens "do", "n't" with the
///   norms "do", "not", and matches "don't" and "do not" as in spaCy. `basic_tokenizer::phrase_splitter`
///   is of this kind.
///
/// A callable of the second kind that can also be called with two arguments (as the tokenizer's, or a
/// callable taking any arguments, such as `std::bind(f, _1, _2)`) is used as one of the first kind unless
/// its type declares `using phrase_norms_tag = void;` (the tokenizer's does).
///
/// The ruler calls it only while adding patterns, from the adding thread, with empty vectors and text
/// that is valid UTF-8; what it throws reaches the caller of `entity_ruler::add_patterns`. Every token
/// it appends must be non-empty valid UTF-8; when the ruler compares phrases on NORM, a callable of the
/// second kind must also append one valid UTF-8 norm per token (else that call throws `pattern_error`).
/// Copying copies the callable; thread safety: as the callable's.
class phrase_splitter {
 public:
  /// Empty (`entity_ruler` then uses `split_phrase_default`). Complexity: O(1). Throws: nothing.
  phrase_splitter() noexcept = default;
  /// Empty, as the default. Complexity: O(1). Throws: nothing.
  phrase_splitter(std::nullptr_t) noexcept {}  // implicit, as std::function's
  /// Wraps `f`, a callable of either kind (see the class comment); a null function pointer or an empty
  /// `std::function` gives an empty splitter. Complexity: O(1) plus moving `f`. Throws: `std::bad_alloc`.
  template <detail::phrase_splitting F>
  phrase_splitter(F f) {  // implicit, as std::function's
    if constexpr (std::is_pointer_v<F> || detail::is_std_function<F>) {
      if (f == nullptr) return;
    }
    if constexpr (detail::splits_with_norms<F>) {
      with_norms_ = true;
      call_ = [g = std::move(f)](std::string_view text, std::vector<std::string>& tokens,
                                 std::vector<std::string>* norms) mutable {
        if (norms != nullptr) {
          g(text, tokens, *norms);
        } else {
          std::vector<std::string> ignored;
          g(text, tokens, ignored);
        }
      };
    } else {
      call_ = [g = std::move(f)](std::string_view text, std::vector<std::string>& tokens,
                                 std::vector<std::string>*) mutable { g(text, tokens); };
    }
  }

  /// Whether it wraps a callable. Complexity: O(1). Throws: nothing.
  explicit operator bool() const noexcept { return static_cast<bool>(call_); }
  /// Whether `s` is empty (`s == nullptr`, `s != nullptr`, as for `std::function`). Complexity: O(1).
  /// Throws: nothing.
  friend bool operator==(const phrase_splitter& s, std::nullptr_t) noexcept { return !s; }
  /// Whether the callable gives norms (the second kind above). Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool gives_norms() const noexcept { return with_norms_; }

  /// Appends the tokens of `text` to `tokens`. Requires: not empty. Complexity: the callable's.
  /// Throws: what the callable throws.
  void operator()(std::string_view text, std::vector<std::string>& tokens) const { call_(text, tokens, nullptr); }
  /// Appends the tokens of `text` to `tokens` and their norms to `norms`: a callable of the first kind
  /// gives an empty norm for each token. Requires: not empty. Complexity: the callable's.
  /// Throws: what the callable throws; `std::bad_alloc`.
  void operator()(std::string_view text, std::vector<std::string>& tokens, std::vector<std::string>& norms) const {
    if (with_norms_) {
      call_(text, tokens, &norms);
      return;
    }
    const std::size_t before = tokens.size();
    call_(text, tokens, nullptr);
    if (tokens.size() > before) norms.resize(norms.size() + (tokens.size() - before));
  }

 private:
  std::function<void(std::string_view, std::vector<std::string>&, std::vector<std::string>*)> call_;
  bool with_norms_ = false;
};

namespace detail {
/// True for the characters `split_phrase_default` peels off a chunk's ends (categories P* and S*).
[[nodiscard]] constexpr bool splits_off(char32_t cp) noexcept {
  using cat = unicode::general_category;
  const cat c = unicode::category(cp);
  return unicode::is_punct(cp) || c == cat::Sm || c == cat::Sc || c == cat::Sk || c == cat::So;
}
}  // namespace detail

/// The default `phrase_splitter`: splits at white space (Python's `str.isspace`), then peels
/// punctuation and symbol characters (categories P* and S*) off both ends of each chunk, one character
/// per token: "(New York)," gives "(", "New", "York", ")", ",". Inner punctuation stays ("U.S",
/// "e-mail", "3.5"); spaCy's English tokenizer differs on abbreviations and clitics ("U.S.", "Inc's"),
/// which is why the ruler takes the real tokenizer when there is one. Invalid UTF-8 bytes are kept as
/// word characters. Lifetime: the appended tokens are copies. Complexity: O(text.size()). Thread
/// safety: reentrant (no shared state). Throws: `std::bad_alloc`.
inline void split_phrase_default(std::string_view text, std::vector<std::string>& tokens) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto d = unicode::decode(text, i);
    if (unicode::is_space(d.cp)) {
      i += d.size;
      continue;
    }
    std::size_t end = i;  // the chunk is [i, end)
    while (end < n) {
      const auto e = unicode::decode(text, end);
      if (unicode::is_space(e.cp)) break;
      end += e.size;
    }
    // Leading punctuation, one character each.
    std::size_t b = i;
    while (b < end) {
      const auto e = unicode::decode(text, b);
      if (!e.valid || !detail::splits_off(e.cp)) break;
      tokens.emplace_back(text.substr(b, e.size));
      b += e.size;
    }
    // Trailing punctuation, collected right to left.
    std::vector<std::string_view> tail;
    std::size_t t = end;
    // A valid code point that ends at t > b starts at b or later: b is a code point boundary.
    while (t > b) {
      const auto e = unicode::decode_before(text, t);
      if (!e.valid || !detail::splits_off(e.cp)) break;
      t -= e.size;
      tail.push_back(text.substr(t, e.size));
    }
    if (t > b) tokens.emplace_back(text.substr(b, t - b));
    tokens.insert(tokens.end(), tail.rbegin(), tail.rend());
    i = end;
  }
}

/// One entity rule (a line of spaCy's `patterns.jsonl`): `label`, either a phrase text or a token
/// pattern, and an optional `id` (empty: none). `String` is `std::string` (owning) or any type
/// convertible to `std::string_view` (borrowing the caller's characters, which must then outlive the
/// `add_patterns` call; the ruler keeps copies). A plain value, checked by `entity_ruler::add_patterns`.
template <class String = std::string>
struct basic_entity_pattern {
  String label{};                                               ///< the entity label (non-empty, valid UTF-8)
  std::variant<String, basic_token_pattern<String>> pattern{};  ///< a phrase text, or a token pattern
  String id{};                                                  ///< the pattern id, or empty for none
};
/// An entity pattern owning its strings (what `io::load_patterns_jsonl` returns).
using entity_pattern = basic_entity_pattern<std::string>;

/// Configuration of an `entity_ruler` (spaCy's `entity_ruler` settings). A plain value; the ruler keeps a
/// copy.
struct entity_ruler_config {
  /// The attribute phrase patterns are compared on (spaCy's `phrase_matcher_attr`; null there is ORTH).
  token_attr phrase_matcher_attr = token_attr::orth;
  /// Whether matches may replace entities the doc already has.
  bool overwrite_ents = false;
  /// Kept for compatibility; has no effect (see the file comment).
  std::string ent_id_sep = "||";
  /// Splits phrase texts into tokens; empty means `split_phrase_default`. Called only while adding
  /// patterns (never while matching), from the thread that adds.
  phrase_splitter splitter{};
  /// Compiles the `REGEX` predicates of token patterns (e.g. `lexzone::regex::pcre2_compiler()` from
  /// `<lexzone/regex/pattern_regex.hpp>`); empty: patterns with `REGEX` are refused (`pattern_error`,
  /// unsupported). Called while adding patterns; its predicates are called while matching, from any
  /// thread (see matcher/text_predicate.hpp).
  regex_compiler regex{};
  /// Bounds on the matching work of one doc (`match_limits`: 65,536 steps plus 64 a token by default);
  /// beyond them matching throws `match_limit_error` and leaves the doc unchanged.
  match_limits limits{};
};

/// A pipeline component that sets `doc` entities from rules (see the file comment).
///
/// - Adding (`add_patterns`) is all-or-nothing: everything is validated first, then labels, ids and
///   pattern strings are interned *permanently* (also when called while zones are open), then the
///   patterns are committed. Not to be called while another thread matches.
/// - Matching (`operator()`, `match`) is `const`, interns nothing (matching in a zone adds nothing
///   permanent) and keeps no state: any number of threads may run one ruler concurrently, each on its
///   own doc.
/// - Lifetime: the ruler refers to `vocab`, which must outlive it. The entities it sets are token
///   indices with ids of permanent strings: no zone's close ends them (they are valid as long as the
///   vocab), though they mean something only for the doc they were set on.
/// - Exceptions: `add_patterns` gives the strong guarantee (interned strings may remain); matching leaves
///   the doc unchanged on a throw (e.g. `regex::regex_error` when a `REGEX` match exceeds its limits).
template <class Vocab>
requires matcher_vocab<Vocab>
class entity_ruler {
 public:
  /// Marks the ruler as a pipeline component (see concepts.hpp).
  using lexzone_component_tag = void;
  /// The vocab the ruler interns into.
  using vocab_type = Vocab;
  /// The docs it annotates.
  using doc_type = basic_doc<Vocab>;
  /// An entity as the doc stores it (token range, label id, id).
  using entity_record = typename doc_type::entity_record;

  /// A ruler over `vocab` (which must outlive it) with `config` (copied; an empty splitter becomes
  /// `split_phrase_default`). Complexity: O(1) plus copying `config`. Throws: `pattern_error`
  /// (unsupported `phrase_matcher_attr`: `spacy`), `std::bad_alloc`.
  explicit entity_ruler(Vocab& vocab LEXZONE_LIFETIMEBOUND, entity_ruler_config config = {})
      : vocab_(&vocab), config_(std::move(config)), matcher_(vocab, config_.regex) {
    matcher_.set_limits(config_.limits);
    if (!detail::is_phrase_attr(config_.phrase_matcher_attr))
      throw pattern_error(0,
                          "phrase_matcher_attr cannot be " + std::string(token_attr_name(config_.phrase_matcher_attr)),
                          pattern_error::reason::unsupported);
    if (!config_.splitter) config_.splitter = &split_phrase_default;
  }

  /// Adds `patterns`, all or nothing; pattern `i` of the ruler (in the order of addition) is pattern `i`
  /// of its matcher. Complexity: O(total pattern size) expected, plus the splitter and compiling
  /// `REGEX` sources (once per distinct source of the call). Thread safety: no other call on this ruler
  /// may run concurrently (interning itself is thread-safe in the vocab).
  /// Throws: `pattern_error` naming the 0-based index of the first bad pattern (empty label or
  /// invalid UTF-8 in label, id or phrase; a phrase with no tokens; a splitter that broke its contract:
  /// an empty or invalid token, or on NORM a missing, extra or invalid norm; a bad or unsupported token
  /// pattern; a bad `REGEX`, or one without a regex compiler, naming the token and the regex), what the splitter
  /// and the regex compiler throw, `hash_collision`, `capacity_error` (past 2^31 - 1 patterns),
  /// `std::bad_alloc`. On a throw the ruler is unchanged;
  /// strings interned before the throw stay (none when validation, regexes included, fails).
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_patterns(std::span<const basic_entity_pattern<String>> patterns) {
    // 1. Validate everything and compile the regexes (nothing is interned yet); split the phrases.
    auto batch = matcher_.make_batch();
    std::vector<std::vector<std::string>> phrase_tokens(patterns.size()), phrase_norms(patterns.size());
    const bool on_norm = config_.phrase_matcher_attr == token_attr::norm;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const auto& p = patterns[i];
      const std::string_view label(p.label), id(p.id);
      if (label.empty()) throw pattern_error(i, "the label is empty");
      if (!unicode::is_valid(label)) throw pattern_error(i, "the label is not valid UTF-8");
      if (!unicode::is_valid(id)) throw pattern_error(i, "the id is not valid UTF-8");
      if (const String* text = std::get_if<String>(&p.pattern)) {
        const std::string_view t(*text);
        if (!unicode::is_valid(t)) throw pattern_error(i, "the phrase is not valid UTF-8");
        if (on_norm) {
          config_.splitter(t, phrase_tokens[i], phrase_norms[i]);
        } else {
          config_.splitter(t, phrase_tokens[i]);
        }
        if (phrase_tokens[i].empty()) throw pattern_error(i, "the phrase has no tokens");
        for (const auto& w : phrase_tokens[i])
          if (w.empty() || !unicode::is_valid(w))
            throw pattern_error(i, "the splitter returned an empty or invalid token");
        if (!on_norm) continue;  // only NORM reads the norms
        if (phrase_norms[i].size() != phrase_tokens[i].size())
          throw pattern_error(i, "the splitter returned " + std::to_string(phrase_norms[i].size()) + " norms for " +
                                     std::to_string(phrase_tokens[i].size()) + " tokens");
        for (const auto& n : phrase_norms[i])
          if (!unicode::is_valid(n)) throw pattern_error(i, "the splitter returned a norm that is not valid UTF-8");
      } else {
        batch.prepare(std::get<basic_token_pattern<String>>(p.pattern), i);
      }
    }
    // 2. Intern and stage (the matcher is unchanged until the commit).
    std::vector<entry> added;
    added.reserve(patterns.size());
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const auto& p = patterns[i];
      const auto index = static_cast<hash_t>(entries_.size() + i);
      entry e{vocab_->strings().add(std::string_view(p.label)), 0};
      if (!std::string_view(p.id).empty()) e.id = vocab_->strings().add(std::string_view(p.id));
      try {
        if (std::holds_alternative<String>(p.pattern)) {
          batch.add_phrases_with_hash(index, std::span<const std::vector<std::string>>(&phrase_tokens[i], 1),
                                      config_.phrase_matcher_attr,
                                      on_norm ? std::span<const std::vector<std::string>>(&phrase_norms[i], 1)
                                              : std::span<const std::vector<std::string>>());
        } else {
          batch.add_with_hash(index, std::span<const basic_token_pattern<String>>(&std::get<1>(p.pattern), 1));
        }
      } catch (const pattern_error& err) {
        throw pattern_error(err, i, 0);
      }
      added.push_back(e);
    }
    // 3. Commit (strong guarantee), then record the entries (cannot throw after the reserve).
    entries_.reserve(entries_.size() + added.size());
    matcher_.commit(batch);
    entries_.insert(entries_.end(), added.begin(), added.end());
  }
  /// As the span overload, from a vector. Complexity, throws, thread safety: as the span overload.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_patterns(const std::vector<basic_entity_pattern<String>>& patterns) {
    add_patterns(std::span<const basic_entity_pattern<String>>(patterns));
  }
  /// Adds one pattern. Complexity, throws, thread safety: as `add_patterns`.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_pattern(const basic_entity_pattern<String>& pattern) {
    add_patterns(std::span<const basic_entity_pattern<String>>(&pattern, 1));
  }

  /// Sets `doc`'s entities: `match(doc)`. Complexity: as `match`. Thread safety: const, reentrant (the
  /// doc is written: one thread per doc). Lifetime: as `match`. Throws: as `match`; on a throw `doc` is
  /// unchanged.
  void operator()(doc_type& doc) const { doc.set_ents(match(doc)); }

  /// The entities `operator()` would set: the kept existing ones and the new ones, ordered by start.
  /// Complexity: the matcher's, plus O(m log m + m · e) for m matches and e existing entities.
  /// Interns nothing. Thread safety: const, reentrant. Lifetime: plain values (token indices, ids of
  /// permanent strings), unaffected when `doc`'s zone closes. Throws: `zone_closed` (checked builds),
  /// `std::bad_alloc`, `match_limit_error` (the doc takes more steps than `config().limits` allow), what a
  /// `REGEX` predicate throws (`regex::regex_error` with `match_limit`,
  /// `depth_limit` or `heap_limit` from `regex::pcre2_compiler`'s: see `matcher::operator()`).
  [[nodiscard]] std::vector<entity_record> match(const doc_type& doc) const {
    std::vector<pattern_match> found;
    matcher_.match(doc, found);
    const auto& existing = doc.entity_records();
    if (found.empty()) return existing;
    std::sort(found.begin(), found.end(), [](const pattern_match& a, const pattern_match& b) {
      const auto la = a.end - a.start, lb = b.end - b.start;
      if (la != lb) return la > lb;
      if (a.start != b.start) return a.start < b.start;
      return a.pattern < b.pattern;
    });
    const std::size_t n = doc.size();
    std::vector<std::uint8_t> taken(n, 0), occupied(n, 0);
    // An existing empty entity [t, t) holds no token, but a match around it (start < t < end) would put
    // the two out of order: it blocks such a match as a token would (and is dropped by one, overwriting).
    std::vector<std::uint8_t> empty_at(n + 1, 0);
    if (!config_.overwrite_ents) {
      for (const auto& e : existing) {
        for (std::uint32_t t = e.start; t < e.end && t < n; ++t) occupied[t] = 1;
        if (e.start == e.end && e.start <= n) empty_at[e.start] = 1;
      }
    }
    std::vector<std::uint8_t> dropped(existing.size(), 0);
    std::vector<entity_record> added;
    for (const auto& m : found) {
      bool free = true;
      for (std::uint32_t t = m.start; free && t < m.end; ++t)
        free = taken[t] == 0 && occupied[t] == 0 && (t == m.start || empty_at[t] == 0);
      if (!free) continue;
      const entry& e = entries_[m.pattern];
      added.push_back(entity_record{m.start, m.end, e.label, e.id});
      for (std::uint32_t t = m.start; t < m.end; ++t) taken[t] = 1;
      if (config_.overwrite_ents)
        for (std::size_t k = 0; k < existing.size(); ++k)
          if (existing[k].start < m.end && existing[k].end > m.start) dropped[k] = 1;
    }
    std::vector<entity_record> out;
    out.reserve(existing.size() + added.size());
    for (std::size_t k = 0; k < existing.size(); ++k)
      if (dropped[k] == 0) out.push_back(existing[k]);
    out.insert(out.end(), added.begin(), added.end());
    std::stable_sort(out.begin(), out.end(),
                     [](const entity_record& a, const entity_record& b) { return a.start < b.start; });
    return out;
  }

  /// Number of patterns. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  /// True when the ruler has no pattern. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  /// The distinct labels, sorted. Lifetime: the views are the vocab's permanent strings, valid as long
  /// as the vocab. Complexity: O(p log p) for p patterns. Thread safety: const. Throws: `std::bad_alloc`.
  [[nodiscard]] std::vector<std::string_view> labels() const { return distinct(&entry::label); }
  /// The distinct pattern ids (patterns without an id left out), sorted. Lifetime, complexity, thread
  /// safety, throws: as `labels`.
  [[nodiscard]] std::vector<std::string_view> ids() const { return distinct(&entry::id); }
  /// The configuration (its splitter is never empty). Lifetime: the ruler's. Complexity: O(1). Throws:
  /// nothing.
  [[nodiscard]] const entity_ruler_config& config() const noexcept { return config_; }
  /// The underlying matcher (pattern `i` of the ruler is pattern `i` of the matcher, key `i`). Lifetime:
  /// the ruler's. Complexity: O(1). Thread safety: const (matching through it is safe concurrently).
  /// Throws: nothing.
  [[nodiscard]] const lexzone::matcher<Vocab>& matcher() const noexcept { return matcher_; }

 private:
  struct entry {
    hash_t label;
    hash_t id;
  };

  std::vector<std::string_view> distinct(hash_t entry::*member) const {
    std::vector<hash_t> hs;
    for (const auto& e : entries_)
      if (e.*member != 0) hs.push_back(e.*member);
    std::vector<std::string_view> out;
    for (hash_t h : hs) out.push_back(vocab_->strings()[h]);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  Vocab* vocab_;
  entity_ruler_config config_;
  lexzone::matcher<Vocab> matcher_;
  std::vector<entry> entries_;
};

}  // namespace lexzone
