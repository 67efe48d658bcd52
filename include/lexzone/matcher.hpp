/// \file matcher.hpp
/// Rule-based matching over a `basic_doc`: token patterns (spaCy's `Matcher`) and phrase patterns
/// (spaCy's `PhraseMatcher`) in one `lexzone::matcher<Vocab>`.
///
/// ## Layers
/// | file | holds |
/// |---|---|
/// | matcher/pattern.hpp | the pattern types (`basic_token_pattern`, `token_quantifier`, ...), `pattern_error`, `validate_token_pattern` |
/// | matcher/text_predicate.hpp | how `REGEX` is compiled: `regex_compiler`, `text_predicate` (no regex library) |
/// | detail/match_compiler.hpp | patterns to program fragments (internal) |
/// | detail/match_program.hpp | the compiled program: NFA elements, tests, index, phrase tries (internal) |
/// | matcher.hpp (this file) | the engine: `matcher<Vocab>`, its `batch`, `pattern_match` |
///
/// Including this file includes the pattern types. spaCy's JSON formats are read by
/// `io/entity_ruler_jsonl.hpp`.
///
/// `NORM` compares the token's norm (`basic_token::norm()`: a tokenizer exception's norm, else the
/// lexeme's). `OP: "!"` consumes exactly one token that must not match, as in spaCy.
///
/// ## REGEX
/// `REGEX` predicates (on ORTH, LOWER, NORM, SHAPE) are compiled by the `regex_compiler` given to the
/// constructor, e.g. `lexzone::regex::pcre2_compiler()` from `<lexzone/regex/pattern_regex.hpp>` (target
/// `lexzone::regex`): Python `re.search` on the attribute's text, PCRE2's backtracking bounded by match
/// and depth limits. Without a compiler, adding a pattern with `REGEX` throws `pattern_error`
/// (unsupported) saying what to include and link. A bad regex throws `pattern_error` when its pattern is
/// added (as spaCy raises `re.error` then); a match that exceeds a limit makes `match` throw
/// `regex::regex_error`. See matcher/text_predicate.hpp for the design.
///
/// ## Semantics (those of spaCy 3.8)
/// The matcher returns *every* match: for each key, each distinct (start, end) span that some pattern of
/// the key matches, overlaps and nested spans included, zero-length spans excluded. Keys added with
/// `greedy_filter::first` or `longest` keep only a non-overlapping subset of the key's token patterns'
/// matches, chosen as spaCy does (FIRST: by start, longer first; LONGEST: longer first, then by start)
/// among all of them, those whose span a phrase also matches included; the key's phrase matches are all
/// kept, as spaCy's PhraseMatcher (which has no filter) keeps them.
/// Results are ordered by end, then start, then pattern index.
///
/// ## Cost model
/// Patterns are compiled into flat arrays when added. Matching interns nothing, takes no lock and does not
/// allocate per token: a few allocations per call (the result vector; bitsets only for patterns of more
/// than 255 compiled elements; one marker array, of one word per token, when a key with a greedy filter
/// matches).
///
/// The first-token prefilter (detail/first_token_index.hpp): token patterns are listed under the ORTH,
/// LOWER, NORM or SHAPE values that their first token can take (`IN` lists included; for a leading
/// `?`/`*`, the values of every element that can consume the first token), and phrase patterns, one
/// hash trie per attribute, under the values of their first tokens. Per token the matcher probes one
/// flat hash table once per distinct value among the token's ORTH/LOWER/NORM/SHAPE, and does further
/// work only for the patterns listed there: thousands of such patterns cost a few probes per token.
/// PERFORMANCE WARNING: a token pattern whose first token has no such equality or `IN` (e.g.
/// `[{"LIKE_NUM": true}]`, `[{"TEXT": {"REGEX": "^v"}}]`, or a leading `!`) is considered at every
/// token: it is run only where the token has the flags that every element able to consume the first
/// token requires (`LIKE_NUM`, `IS_TITLE`, ...), and at every token when they require none. Phrase
/// patterns on `LENGTH` or a flag are walked from every token. Token patterns that share a first value
/// are each run where it occurs (phrase patterns share a trie). A `REGEX` test runs only when the other
/// tests of its token passed, but then once per attempt that reaches it (no cache across attempts).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"
#include "detail/match_compiler.hpp"
#include "detail/match_program.hpp"
#include "doc.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "lexeme.hpp"
#include "matcher/pattern.hpp"
#include "matcher/text_predicate.hpp"
#include "unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// One match: tokens [start, end) matched a pattern of `key`. `pattern` is the 0-based index of that
/// pattern in the order patterns were added to the matcher (token and phrase patterns share the count;
/// when several patterns of a key match the same span, the lowest index is reported).
///
/// A plain value: token indices into the matched doc and a key id. Lifetime: it refers to no zone and
/// stays valid forever; the indices mean something only for the doc that was matched, and the key is
/// a permanent string id (or the caller's value, for `*_with_hash`).
struct pattern_match {
  hash_t key = 0;             ///< the key the pattern was added under (its string id, or the caller's value)
  std::uint32_t start = 0;    ///< first token of the match
  std::uint32_t end = 0;      ///< one past the last token (`end > start`)
  std::uint32_t pattern = 0;  ///< 0-based index of the pattern, in the order of addition
  /// Member-wise equality. Complexity: O(1). Throws: nothing.
  friend constexpr bool operator==(const pattern_match&, const pattern_match&) = default;
};

/// Bounds on the work of one `matcher::match` call, so that a text cannot make it run or hold memory out
/// of proportion to its size. A token pattern whose last element repeats (`OP` `+` or `*`) over tokens that
/// may also start it matches from every start to every later end: `[{"LOWER": "mr."}, {"IS_TITLE": true,
/// "OP": "+"}]` on "Mr. Mr. Mr. ..." of n tokens gives n^2/2 matches (spaCy's Matcher and EntityRuler do the
/// same), and a pattern whose last element never comes reads n^2/2 tokens for no match. Only that work is
/// counted, the work that can grow faster than the doc: a step is a token a match attempt reads beyond its
/// pattern's length (elements, quantifiers expanded: only a repeated element, `+` or `*`, reads further),
/// and each match an attempt finds after its first costs `match_cost` (16) steps. So a pattern without a
/// repeat costs nothing however many there are, and the matches held stay small beside the steps (24
/// bytes each). A call may take `base_steps + steps_per_token * tokens` steps: 65,536 + 64 a token by
/// default. With the 293 patterns of the benchmarks (bench/data/ner_patterns.jsonl), none of 200,000 lines
/// of the shared corpus, matched alone, takes more than 3 a token even without the base. Beyond the limit,
/// `match` throws `match_limit_error`. Phrase patterns are not counted: their tries bound an attempt by the
/// longest phrase.
struct match_limits {
  std::size_t steps_per_token = 64;  ///< steps allowed per token of the doc
  std::size_t base_steps = 65536;    ///< steps allowed whatever the doc's size
  /// The steps a match costs when its attempt found one before.
  static constexpr std::size_t match_cost = 16;
  /// No bound at all (for trusted texts). Complexity: O(1). Throws: nothing.
  [[nodiscard]] static constexpr match_limits unlimited() noexcept {
    return {std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max()};
  }
  /// The steps allowed on a doc of `tokens` tokens (saturating). Complexity: O(1). Throws: nothing.
  [[nodiscard]] constexpr std::size_t steps_for(std::size_t tokens) const noexcept {
    constexpr std::size_t most = std::numeric_limits<std::size_t>::max();
    const std::size_t per = tokens != 0 && steps_per_token > most / tokens ? most : steps_per_token * tokens;
    return per > most - base_steps ? most : per + base_steps;
  }
};

/// Thrown by `matcher::match` (and `operator()`, and the entity ruler's matching) when a doc would take
/// more steps than the matcher's `match_limits` allow (see there): the doc is left as it was. Thread
/// safety: as `std::runtime_error`.
class match_limit_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A vocab the matcher can read: lexemes with `lexeme_attributes`-like `attrs` (lower, norm, shape,
/// length, flags), and `add` / `strings().add` to intern pattern strings.
template <class Vocab>
concept matcher_vocab = requires(Vocab& v, const typename Vocab::lexeme_type& lex, std::string_view s) {
  { lex.orth } -> std::convertible_to<hash_t>;
  { lex.attrs.lower } -> std::convertible_to<hash_t>;
  { lex.attrs.norm } -> std::convertible_to<hash_t>;
  { lex.attrs.shape } -> std::convertible_to<hash_t>;
  { lex.attrs.length } -> std::convertible_to<std::uint32_t>;
  { lex.attrs.flags } -> std::convertible_to<std::uint32_t>;
  { v.add(s) } -> std::same_as<const typename Vocab::lexeme_type&>;
  { v.strings().add(s) } -> std::convertible_to<hash_t>;
};

/// Token patterns and phrase patterns, matched together over docs of `Vocab`.
///
/// - Adding: `add`, `add_phrases` (and `*_with_hash` for caller-chosen 64-bit keys) are all-or-nothing;
///   several calls can be made atomic together through a `batch` and `commit`. Pattern strings (and the
///   key string) are interned *permanently* in the vocab's string store; phrases given as words also
///   create permanent lexemes (for attributes other than ORTH).
/// - Matching: `operator()` / `match` are `const`, intern nothing and read only the doc and the
///   compiled patterns: any number of threads may match concurrently (on docs they may read). Adding
///   patterns while another thread matches is a data race.
/// - Lifetime: the matcher refers to `vocab`, which must outlive it. Copies share the vocab and the
///   compiled `REGEX` predicates (immutable); a copy's patterns are its own. Matches are plain values
///   (token indices and key ids). A doc made in a zone may be matched; nothing of the zone is kept, so
///   closing the zone ends nothing the matcher holds.
/// - Exceptions: `add*` and `commit` give the strong guarantee (interned strings may remain).
template <class Vocab>
requires matcher_vocab<Vocab>
class matcher {
 public:
  /// The vocab the matcher interns into.
  using vocab_type = Vocab;
  /// The docs it matches.
  using doc_type = basic_doc<Vocab>;

  /// Patterns staged for one atomic `commit`. Staging validates and interns (strings and lexemes
  /// become permanent at once) but changes no matcher. A committed batch is empty.
  ///
  /// Made by `matcher::make_batch`; refers to the matcher and its vocab, which must outlive it.
  /// Thread safety: one batch is used by one thread at a time; staging reads nothing of the matcher,
  /// so it may run while other threads match (interning is thread-safe in the vocab).
  class batch {
   public:
    /// Validates `pattern` (`validate_token_pattern`) and compiles its `REGEX` sources with the
    /// matcher's regex compiler, keeping the predicates for when the pattern is staged; interns and
    /// stages nothing. `add` and `add_with_hash` do this first themselves; calling it for several
    /// patterns before adding any reports a bad one before anything is interned (the entity ruler does).
    /// Identical sources are compiled once per batch. Complexity: O(pattern size) plus compiling the new
    /// sources. Throws: `pattern_error` at `index` (see `validate_token_pattern`; a `REGEX` without a
    /// regex compiler, unsupported; a source the compiler refuses, see matcher/text_predicate.hpp), what
    /// the compiler throws otherwise, `std::bad_alloc`.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void prepare(const basic_token_pattern<String>& pattern, std::size_t index = 0) {
      validate_token_pattern(pattern, index);
      for (std::size_t t = 0; t < pattern.tokens.size(); ++t)
        for (const auto& c : pattern.tokens[t].constraints)
          if (is_regex_predicate(c.predicate))
            for (const String& s : c.strings) (void)regex_for(std::string_view(s), index, t, c.attr);
    }

    /// Stages token patterns under `key` (interned permanently) and sets the key's filter (as spaCy,
    /// each add replaces the key's filter). Every pattern is first `prepare`d (validated, its regexes
    /// compiled). Complexity: O(pattern size) expected per pattern, plus compiling regexes.
    /// Throws: `pattern_error` (index within `patterns`; see `prepare`), `hash_collision`,
    /// `std::bad_alloc`, what the regex compiler throws; on a throw nothing is staged (strings interned
    /// before the throw stay; none when `prepare` throws).
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add(std::string_view key, std::span<const basic_token_pattern<String>> patterns,
             greedy_filter greedy = greedy_filter::none) {
      for (std::size_t i = 0; i < patterns.size(); ++i) prepare(patterns[i], i);
      stage_tokens(vocab_->strings().add(key), patterns, greedy);
    }
    /// As the span overload, from a vector. Complexity, throws: as the span overload.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add(std::string_view key, const std::vector<basic_token_pattern<String>>& patterns,
             greedy_filter greedy = greedy_filter::none) {
      add(key, std::span<const basic_token_pattern<String>>(patterns), greedy);
    }
    /// As `add`, with `key` used as given (not interned; any 64-bit value). Complexity, throws: as `add`.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add_with_hash(hash_t key, std::span<const basic_token_pattern<String>> patterns,
                       greedy_filter greedy = greedy_filter::none) {
      for (std::size_t i = 0; i < patterns.size(); ++i) prepare(patterns[i], i);
      stage_tokens(key, patterns, greedy);
    }

    /// Stages phrase patterns, each given as its token texts, compared on `attr` (not `spacy`).
    /// For ORTH only the texts are interned; other attributes read permanent lexemes (`vocab.add`).
    /// `norms`, when not empty, gives each phrase's token norms (`norms[i][k]` for token k of phrase i,
    /// an empty string for none), as a tokenizer exception sets them on a doc's tokens (see
    /// `basic_token::norm`); compared on NORM, a token with a norm compares that norm instead of its
    /// lexeme's. Other attributes ignore them (unchecked).
    /// Complexity: O(total tokens) expected, plus lexeme creation. Throws: `pattern_error` (empty
    /// phrase, empty or invalid UTF-8 token text, on NORM a norm that is not valid UTF-8 or `norms` not
    /// shaped as `phrases` (index 0 when the phrase counts differ), `spacy`), `hash_collision`,
    /// `std::bad_alloc`, what the vocab's traits throw; on a throw nothing is staged.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add_phrases(std::string_view key, std::span<const std::vector<String>> phrases,
                     token_attr attr = token_attr::orth, std::span<const std::vector<std::string>> norms = {}) {
      detail::validate_phrases(phrases, attr, norms);
      stage_phrases(vocab_->strings().add(key), phrases, attr, norms);
    }
    /// As `add_phrases`, with `key` used as given (not interned). Complexity, throws: as `add_phrases`.
    template <class String>
    requires std::convertible_to<const String&, std::string_view>
    void add_phrases_with_hash(hash_t key, std::span<const std::vector<String>> phrases,
                               token_attr attr = token_attr::orth,
                               std::span<const std::vector<std::string>> norms = {}) {
      detail::validate_phrases(phrases, attr, norms);
      stage_phrases(key, phrases, attr, norms);
    }
    /// Stages phrase patterns given as docs (spaCy's `PhraseMatcher.add(key, [nlp.make_doc(...)])`):
    /// their token values are copied, token norms included; the docs may be of any scope and need not
    /// outlive the call. Complexity: O(total tokens). Throws: `pattern_error` (empty doc, `spacy`),
    /// `zone_closed`, `hash_collision`, `std::bad_alloc`; on a throw nothing is staged.
    void add_phrase_docs(std::string_view key, std::span<const doc_type> docs, token_attr attr = token_attr::orth) {
      detail::check_phrase_attr(attr);
      for (std::size_t i = 0; i < docs.size(); ++i)
        if (docs[i].empty()) throw pattern_error(i, "a phrase pattern needs at least one token");
      const hash_t k = vocab_->strings().add(key);
      std::vector<detail::staged_phrase> staged;
      staged.reserve(docs.size());
      for (const auto& d : docs) {
        detail::staged_phrase p{k, 0, attr, {}};
        p.values.reserve(d.size());
        for (const auto& r : d.token_records()) p.values.push_back(detail::phrase_value(r, attr));
        staged.push_back(std::move(p));
      }
      append_phrases(std::move(staged));
    }

    /// Number of patterns staged. Complexity: O(1). Throws: nothing.
    [[nodiscard]] std::size_t size() const noexcept { return count_; }

   private:
    friend class matcher;
    explicit batch(const matcher& owner) noexcept : owner_(&owner), vocab_(owner.vocab_) {}

    template <class String>
    void stage_phrases(hash_t key, std::span<const std::vector<String>> phrases, token_attr attr,
                       std::span<const std::vector<std::string>> norms) {
      std::vector<detail::staged_phrase> staged;
      staged.reserve(phrases.size());
      for (std::size_t i = 0; i < phrases.size(); ++i) {
        const auto& words = phrases[i];
        detail::staged_phrase p{key, 0, attr, {}};
        p.values.reserve(words.size());
        for (std::size_t k = 0; k < words.size(); ++k) {
          const std::string_view s(words[k]);
          if (attr == token_attr::orth) {
            p.values.push_back(vocab_->strings().add(s));
          } else if (attr == token_attr::norm && !norms.empty() && !norms[i][k].empty()) {
            p.values.push_back(vocab_->strings().add(norms[i][k]));  // a doc token's norm, as the doc has it
          } else {
            const auto& lex = vocab_->add(s);
            typename doc_type::token_record r{&lex, 0, 0, 0, 0, false};
            p.values.push_back(detail::phrase_value(r, attr));
          }
        }
        staged.push_back(std::move(p));
      }
      append_phrases(std::move(staged));
    }

    void append_phrases(std::vector<detail::staged_phrase> staged) {
      phrases_.reserve(phrases_.size() + staged.size());
      for (auto& p : staged) {
        p.order = static_cast<std::uint32_t>(count_++);
        phrases_.push_back(std::move(p));
      }
    }

    // The predicate of `source` (REGEX on `attr` in token `token` of pattern `index`): compiled once per
    // batch.
    const text_predicate& regex_for(std::string_view source, std::size_t index, std::size_t token, token_attr attr) {
      if (const auto it = regexes_.find(source); it != regexes_.end()) return it->second;
      text_predicate p = detail::compile_regex(owner_->regex_, source, index, token, attr);
      return regexes_.emplace(std::string(source), std::move(p)).first->second;
    }

    template <class String>
    void stage_tokens(hash_t key, std::span<const basic_token_pattern<String>> patterns, greedy_filter greedy) {
      const auto intern = [this](std::string_view s) { return vocab_->strings().add(s); };
      std::vector<detail::staged_token> staged;
      staged.reserve(patterns.size());
      for (std::size_t i = 0; i < patterns.size(); ++i) {
        const auto regex = [this, i](std::string_view s, std::size_t token, token_attr a) {
          return regex_for(s, i, token, a);
        };
        staged.push_back(detail::compile_token_pattern(key, patterns[i], intern, regex));
      }
      greedy_.reserve(greedy_.size() + 1);
      tokens_.reserve(tokens_.size() + staged.size());
      for (auto& s : staged) {
        s.order = static_cast<std::uint32_t>(count_++);
        tokens_.push_back(std::move(s));
      }
      greedy_.emplace_back(key, greedy);
    }

    void clear() noexcept {
      tokens_.clear();
      phrases_.clear();
      greedy_.clear();
      regexes_.clear();
      count_ = 0;
    }

    const matcher* owner_;
    Vocab* vocab_;
    std::size_t count_ = 0;
    std::vector<detail::staged_token> tokens_;
    std::vector<detail::staged_phrase> phrases_;
    std::vector<detail::staged_filter> greedy_;
    std::map<std::string, text_predicate, std::less<>> regexes_;  // REGEX source -> predicate
  };

  /// A matcher over `vocab` (which must outlive it) that compiles `REGEX` predicates with `regex` (e.g.
  /// `lexzone::regex::pcre2_compiler()`; empty: patterns with `REGEX` are refused). Complexity: O(1).
  /// Throws: nothing.
  explicit matcher(Vocab& vocab LEXZONE_LIFETIMEBOUND, regex_compiler regex = {}) noexcept
      : vocab_(&vocab), regex_(std::move(regex)) {}

  /// An empty batch for this matcher (which must outlive it). Complexity: O(1). Thread safety: const.
  /// Throws: nothing.
  [[nodiscard]] batch make_batch() const noexcept { return batch(*this); }

  /// Adds everything `b` staged, atomically. Complexity: O(staged size) expected.
  /// Throws: `std::invalid_argument` if `b` was made by another matcher, `capacity_error` past 2^31 - 1
  /// patterns, `std::bad_alloc`; strong guarantee. On success `b` is left empty. Thread safety: no other call on this matcher may run
  /// concurrently.
  void commit(batch& b) {
    if (b.owner_ != this) throw std::invalid_argument("lexzone: matcher batch committed to another matcher");
    commit_impl(b);
  }
  /// As `commit(batch&)`, for a temporary batch. Complexity, throws: as `commit(batch&)`.
  void commit(batch&& b) { commit(b); }

  /// Adds token `patterns` under `key` (interned permanently; the match key is its id) with `greedy`
  /// filtering for the key's token-pattern matches (replacing any earlier filter of the key, as spaCy
  /// does; phrase matches are never filtered). All-or-nothing. Complexity: O(pattern size) expected per
  /// pattern. Throws: `pattern_error` (index within `patterns`), `hash_collision`, `std::bad_alloc`,
  /// `capacity_error` past 2^31 - 1 patterns. Thread safety: no other call on this matcher may run
  /// concurrently.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add(std::string_view key, std::span<const basic_token_pattern<String>> patterns,
           greedy_filter greedy = greedy_filter::none) {
    batch b(*this);
    b.add(key, patterns, greedy);
    commit_impl(b);
  }
  /// As the span overload, from a vector. Complexity, throws, thread safety: as the span overload.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add(std::string_view key, const std::vector<basic_token_pattern<String>>& patterns,
           greedy_filter greedy = greedy_filter::none) {
    add(key, std::span<const basic_token_pattern<String>>(patterns), greedy);
  }
  /// Adds one token pattern. Complexity, throws, thread safety: as the span overload.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add(std::string_view key, const basic_token_pattern<String>& pattern,
           greedy_filter greedy = greedy_filter::none) {
    add(key, std::span<const basic_token_pattern<String>>(&pattern, 1), greedy);
  }
  /// As `add`, with a caller-chosen key value (not interned). Complexity, throws, thread safety: as `add`.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_with_hash(hash_t key, std::span<const basic_token_pattern<String>> patterns,
                     greedy_filter greedy = greedy_filter::none) {
    batch b(*this);
    b.add_with_hash(key, patterns, greedy);
    commit_impl(b);
  }

  /// Adds phrase patterns (token texts) under `key`, compared on `attr`. All-or-nothing.
  /// Complexity: O(total tokens) expected. Throws: see `batch::add_phrases`; `capacity_error` past 2^31 - 1
  /// patterns. Thread safety: no other call on this matcher may run concurrently.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_phrases(std::string_view key, std::span<const std::vector<String>> phrases,
                   token_attr attr = token_attr::orth, std::span<const std::vector<std::string>> norms = {}) {
    batch b(*this);
    b.add_phrases(key, phrases, attr, norms);
    commit_impl(b);
  }
  /// As the span overload, from a vector. Complexity, throws, thread safety: as the span overload.
  template <class String>
  requires std::convertible_to<const String&, std::string_view>
  void add_phrases(std::string_view key, const std::vector<std::vector<String>>& phrases,
                   token_attr attr = token_attr::orth, std::span<const std::vector<std::string>> norms = {}) {
    add_phrases(key, std::span<const std::vector<String>>(phrases), attr, norms);
  }
  /// Adds phrase patterns given as docs (token norms included). Complexity: O(total tokens) expected.
  /// Throws: see `batch::add_phrase_docs`; `capacity_error` past 2^31 - 1 patterns. Thread safety: no other
  /// call on this matcher may run concurrently.
  void add_phrase_docs(std::string_view key, std::span<const doc_type> docs, token_attr attr = token_attr::orth) {
    batch b(*this);
    b.add_phrase_docs(key, docs, attr);
    commit_impl(b);
  }

  /// Number of patterns added (token and phrase). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return program_.pattern_count; }
  /// True when no pattern has been added. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return program_.pattern_count == 0; }
  /// The filter set for `key` (`none` if it has none). Complexity: O(1) expected. Throws: nothing.
  [[nodiscard]] greedy_filter filter(hash_t key) const noexcept { return program_.filter(key); }
  /// The vocab the matcher interns into. Lifetime: the vocab's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] Vocab& vocab() const noexcept { return *vocab_; }
  /// The compiler of `REGEX` predicates given to the constructor (empty: none). Lifetime: the matcher's.
  /// Complexity: O(1). Throws: nothing.
  [[nodiscard]] const regex_compiler& regex_engine() const noexcept { return regex_; }

  /// The bounds of one `match` call (see `match_limits`; the defaults unless set). Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const match_limits& limits() const noexcept { return limits_; }
  /// Sets the bounds of later `match` calls. Complexity: O(1). Thread safety: not concurrently with
  /// matching. Throws: nothing.
  void set_limits(const match_limits& limits) noexcept { limits_ = limits; }

  /// All matches in `doc`, ordered by end, start, pattern (see the file comment).
  /// Complexity: O(n · c · r · e + m log m) for n tokens, c candidate patterns per token (indexed, plus
  /// the scan list and tries), r the length of a match attempt, e the elements a pattern's state may hold
  /// at once (its length with quantifiers expanded: `{,1024}` counts 1,024; at most 4,096; a few for most
  /// patterns), m raw matches, plus the `REGEX` tests run (each bounded by its engine's limits). Patterns
  /// are trusted input: one of thousands of optional elements makes every token cost thousands of tests.
  /// Interns nothing; never allocates per token (a `REGEX` test may, inside its engine). Thread safety:
  /// const; concurrent calls are safe. Lifetime: results are plain values (token indices and key ids),
  /// unaffected when `doc`'s zone closes.
  /// Throws: `zone_closed` (checked builds, doc of a closed zone), `std::bad_alloc`, `match_limit_error`
  /// when the doc takes more steps than `limits()` allow (a doc that makes patterns match quadratically
  /// often: see `match_limits`); what a `REGEX`
  /// predicate throws: with `regex::pcre2_compiler`, `regex::regex_error` (`match_limit`,
  /// `depth_limit` or `heap_limit`) when one match backtracks beyond PCRE2's limits (catastrophic
  /// backtracking is reported, never a hang).
  [[nodiscard]] std::vector<pattern_match> operator()(const doc_type& doc) const {
    std::vector<pattern_match> out;
    match(doc, out);
    return out;
  }

  /// As `operator()`, into `out` (cleared first; its capacity is reused). Complexity, thread safety,
  /// lifetime: as `operator()`. Throws: as `operator()` (`regex::regex_error` from a `REGEX` beyond its
  /// limits included); on a throw `out` holds an unspecified subset of the matches.
  void match(const doc_type& doc, std::vector<pattern_match>& out) const {
    try {
      if (program_.texts.empty()) match_with(doc, out, detail::no_text{});
      else match_with(doc, out, detail::doc_text<doc_type>{&doc});
    } catch (...) {
      unmark(out);  // matches found before the throw: as `finish` leaves them
      throw;
    }
  }

  /// The same matches as `match`, found without the first-token prefilter: every token pattern and
  /// every phrase trie is tried from every token, each token pattern by the general (multi-word) NFA
  /// simulation, with no `match_limits`. The reference that tests compare `match` with; not for production
  /// use.
  /// Complexity: O(n · P · r · e + m log m) for n tokens, P patterns (token patterns plus tries), r the
  /// length of a match attempt, e as for `operator()`, m raw matches. Thread safety, lifetime, throws: as
  /// `match`, but never `match_limit_error`.
  void match_exhaustive(const doc_type& doc, std::vector<pattern_match>& out) const {
    try {
      if (program_.texts.empty()) match_all_with(doc, out, detail::no_text{});
      else match_all_with(doc, out, detail::doc_text<doc_type>{&doc});
    } catch (...) {
      unmark(out);
      throw;
    }
  }

 private:
  using record_type = typename doc_type::token_record;

  // The steps a `match` call may still take (see `match_limits`).
  struct step_budget {
    std::size_t left;
    // Takes `n` steps; throws `match_limit_error` when fewer are left.
    LEXZONE_ALWAYS_INLINE void take(std::size_t n = 1) {
      if (LEXZONE_UNLIKELY(left < n)) throw_limit();
      left -= n;
    }
    [[noreturn]] LEXZONE_NOINLINE static void throw_limit() {
      throw match_limit_error(
          "lexzone: matcher: the doc takes more matching work than the matcher's match_limits allow: a token "
          "pattern with a repeated element (OP + or *) reads ever more tokens, or matches from every start to "
          "every later end (n^2/2 matches in n tokens); split the text or raise the limits");
    }
  };

  // `match`, with the text source of REGEX tests (`no_text` when the program has none). Per token:
  // one probe of the first-token prefilter per distinct ORTH/LOWER/NORM/SHAPE value (fields no start
  // is listed under are skipped), then the scan patterns whose flag test passes and the tries that
  // are not indexed.
  template <class Text>
  void match_with(const doc_type& doc, std::vector<pattern_match>& out, Text text) const {
    const auto recs = begin_match(doc, out);
    scratch_bits scratch(program_.max_words);
    std::uint64_t* const state = scratch.data();
    step_budget steps{limits_.steps_for(recs.size())};
    const std::uint8_t used = program_.start_fields;
    for (std::size_t s = 0; s < recs.size(); ++s) {
      const auto& r = recs[s];
      if (used != 0) {
        static_assert(detail::indexed_field_count == 4, "one value per indexed field");
        // A field no start is listed under is never probed nor compared (its bit is masked off).
        const std::uint64_t orth = r.lex->orth, lower = r.lex->attrs.lower;
        const std::uint64_t norm = (used & 4u) != 0 ? detail::field_value(r, detail::match_field::norm) : orth;
        const std::uint64_t shape = (used & 8u) != 0 ? static_cast<std::uint64_t>(r.lex->attrs.shape) : orth;
        // One probe per distinct value among the fields starts are listed under; `fields`: the listed
        // fields of this token that take the value.
        const auto bit = [](bool b, unsigned f) { return b ? 1u << f : 0u; };
        if ((used & 1u) != 0)
          starts_at(orth, used & (1u | bit(lower == orth, 1) | bit(norm == orth, 2) | bit(shape == orth, 3)), recs, s,
                    state, out, text, steps);
        if ((used & 2u) != 0 && ((used & 1u) == 0 || lower != orth))
          starts_at(lower, used & (2u | bit(norm == lower, 2) | bit(shape == lower, 3)), recs, s, state, out, text,
                    steps);
        if ((used & 4u) != 0 && ((used & 1u) == 0 || norm != orth) && ((used & 2u) == 0 || norm != lower))
          starts_at(norm, used & (4u | bit(shape == norm, 3)), recs, s, state, out, text, steps);
        if ((used & 8u) != 0 && ((used & 1u) == 0 || shape != orth) && ((used & 2u) == 0 || shape != lower) &&
            ((used & 4u) == 0 || shape != norm))
          starts_at(shape, 8u, recs, s, state, out, text, steps);
      }
      if (const std::uint32_t flags = detail::token_flags(r);
          program_.scan_always || (flags & program_.scan_gate) != 0) {
        for (const auto& e : program_.scan)
          if ((flags & e.flag_mask) == e.flag_want)
            start(program_.patterns[e.pattern], recs, s, state, out, text, steps);
      }
      for (const std::uint32_t t : program_.root_tries) report_from(program_.tries[t], 0, recs, s, s, out);
    }
    finish(out, recs.size());
  }

  // Clears `out`; the token records of `doc` to match, none when the matcher has no pattern. The records
  // are taken first either way: in checked builds that reports a doc whose zone closed (`zone_closed`),
  // with patterns or without.
  std::span<const record_type> begin_match(const doc_type& doc, std::vector<pattern_match>& out) const {
    out.clear();
    const std::span<const record_type> recs = doc.token_records();
    if (program_.pattern_count == 0) return {};
    return recs;
  }

  // Starts what the prefilter lists under `value` for `fields` (bits `1 << match_field`) at token `s`.
  template <class Text>
  LEXZONE_ALWAYS_INLINE void starts_at(std::uint64_t value, unsigned fields, std::span<const record_type> recs,
                                       std::size_t s, std::uint64_t* scratch, std::vector<pattern_match>& out,
                                       Text text, step_budget& steps) const {
    for (const detail::first_start& st : program_.starts.find(value)) {
      if ((st.fields & fields) == 0) continue;
      if (st.kind == detail::start_kind::pattern)
        start(program_.patterns[st.target], recs, s, scratch, out, text, steps);
      else report_from(program_.tries[st.target], st.node, recs, s, s + 1, out);
    }
  }

  // `match_exhaustive`: every token pattern and every trie from every token, no prefilter, one NFA
  // simulation for all sizes.
  template <class Text>
  void match_all_with(const doc_type& doc, std::vector<pattern_match>& out, Text text) const {
    const auto recs = begin_match(doc, out);
    scratch_bits scratch(program_.max_words);
    step_budget steps{match_limits::unlimited().steps_for(recs.size())};
    for (std::size_t s = 0; s < recs.size(); ++s) {
      for (const auto& p : program_.patterns) run(p, recs, s, scratch.data(), out, text, steps);
      for (const auto& trie : program_.tries) report_from(trie, 0, recs, s, s, out);
    }
    finish(out, recs.size());
  }

  // NFA state for `run`: two arrays of `words` 64-bit words, on the stack when they fit.
  class scratch_bits {
   public:
    explicit scratch_bits(std::uint32_t words) {
      if (2 * static_cast<std::size_t>(words) > small_.size()) big_.resize(2 * static_cast<std::size_t>(words));
    }
    std::uint64_t* data() noexcept { return big_.empty() ? small_.data() : big_.data(); }

   private:
    std::array<std::uint64_t, 8> small_{};
    std::vector<std::uint64_t> big_;
  };

  // Runs the pattern from token `s`: `run_word` when its state fits one word, else `run`.
  template <class Text>
  LEXZONE_ALWAYS_INLINE void start(const detail::compiled_pattern& p, std::span<const record_type> recs, std::size_t s,
                                   std::uint64_t* scratch, std::vector<pattern_match>& out, Text text,
                                   step_budget& steps) const {
    if (p.elem_count < 64) run_word(p, recs, s, out, text, steps);
    else run(p, recs, s, scratch, out, text, steps);
  }

  // `run` for patterns of at most 63 elements: the state is one word, in a register.
  template <class Text>
  void run_word(const detail::compiled_pattern& p, std::span<const record_type> recs, std::size_t s,
                std::vector<pattern_match>& out, Text text, step_budget& steps) const {
    const std::uint64_t skip = program_.skip_words[p.skip_begin];
    const std::uint64_t accept = std::uint64_t{1} << p.elem_count;
    const detail::compiled_element* el = program_.elements.data() + p.elem_begin;
    std::uint64_t cur = detail::close_states(std::uint64_t{1}, skip);
    const std::size_t free_end = s + p.elem_count;  // reads past it are a repeat's (see match_limits)
    bool matched = false;
    for (std::size_t pos = s; pos < recs.size(); ++pos) {
      if (pos >= free_end) steps.take();
      std::uint64_t next = 0;
      for (std::uint64_t bits = cur & (accept - 1); bits != 0; bits &= bits - 1) {
        const auto i = static_cast<std::uint32_t>(std::countr_zero(bits));
        if (!program_.accepts(el[i], recs[pos], text)) continue;
        next |= el[i].kind == detail::element_kind::star ? std::uint64_t{1} << i : std::uint64_t{2} << i;
      }
      if (next == 0) return;
      next = detail::close_states(next, skip);
      if ((next & accept) != 0) {
        if (matched) steps.take(match_limits::match_cost);
        matched = true;
        out.push_back(
            pattern_match{p.key, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(pos + 1), p.index});
      }
      cur = next;
    }
  }

  // Simulates the pattern's NFA from token `s`: a bit per compiled element (bit E: matched).
  template <class Text>
  void run(const detail::compiled_pattern& p, std::span<const record_type> recs, std::size_t s, std::uint64_t* scratch,
           std::vector<pattern_match>& out, Text text, step_budget& steps) const {
    const std::uint32_t count = p.elem_count;
    const std::uint32_t words = p.words();
    std::uint64_t* cur = scratch;
    std::uint64_t* next = scratch + words;
    const std::uint64_t* skip = program_.skip_words.data() + p.skip_begin;
    const detail::compiled_element* el = program_.elements.data() + p.elem_begin;
    std::fill(cur, cur + words, 0);
    cur[0] = 1;
    detail::close_states(cur, skip, words);
    const std::size_t free_end = s + count;  // reads past it are a repeat's (see match_limits)
    bool matched = false;
    for (std::size_t pos = s; pos < recs.size(); ++pos) {
      if (pos >= free_end) steps.take();
      std::fill(next, next + words, 0);
      bool any = false;
      for (std::uint32_t w = 0; w < words; ++w) {
        std::uint64_t bits = cur[w];
        while (bits != 0) {
          const std::uint32_t i = w * 64 + static_cast<std::uint32_t>(std::countr_zero(bits));
          bits &= bits - 1;
          if (i >= count || !program_.accepts(el[i], recs[pos], text)) continue;
          const std::uint32_t target = el[i].kind == detail::element_kind::star ? i : i + 1;
          next[target >> 6] |= std::uint64_t{1} << (target & 63);
          any = true;
        }
      }
      if (!any) return;
      detail::close_states(next, skip, words);
      if ((next[count >> 6] >> (count & 63)) & 1u) {
        if (matched) steps.take(match_limits::match_cost);
        matched = true;
        out.push_back(
            pattern_match{p.key, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(pos + 1), p.index});
      }
      std::swap(cur, next);
    }
  }

  // Follows the trie from `node`, reached by a match starting at token `s` whose next token is `pos`,
  // reporting every terminal passed (those of `node` first, when it is not the root).
  void report_from(const detail::phrase_trie& trie, std::uint32_t node, std::span<const record_type> recs,
                   std::size_t s, std::size_t pos, std::vector<pattern_match>& out) const {
    for (;;) {
      for (const auto& t : trie.terminals[node])
        out.push_back(pattern_match{t.key, static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(pos),
                                    t.index | phrase_mark});
      if (pos == recs.size()) return;
      const auto it = trie.edges.find(detail::edge_key{node, detail::phrase_value(recs[pos], trie.attr)});
      if (it == trie.edges.end()) return;
      node = it->second;
      ++pos;
    }
  }

  // Set in `pattern_match::pattern` by `report_from` until `finish`: the match is a phrase's, which no
  // greedy filter drops (spaCy filters its Matcher's matches; its PhraseMatcher has no filter). Pattern
  // indexes stay below it (detail::max_pattern_count).
  static constexpr std::uint32_t phrase_mark = std::uint32_t{1} << 31;
  static_assert(detail::max_pattern_count <= phrase_mark);
  // The pattern index, inside `finish` only, of a token patterns' match whose span a phrase of the key
  // also matched: it takes part in the greedy filter (it blocks the token matches it overlaps) but is
  // never reported, its span being reported by the phrase's match. No pattern has this index.
  static constexpr std::uint32_t shadowed = phrase_mark - 1;
  static_assert(detail::max_pattern_count <= shadowed);

  // Clears the phrase marks. Throws: nothing.
  static void unmark(std::vector<pattern_match>& out) noexcept {
    for (pattern_match& m : out) m.pattern &= ~phrase_mark;
  }

  // Deduplicates per (key, start, end), keeping the lowest pattern index of the span (token and phrase
  // patterns alike), applies the greedy filters, orders by (end, start, pattern). A greedy filter sees
  // every span that a token pattern of the key matched, spans that a phrase also matched included (as
  // spaCy's Matcher, which knows nothing of the PhraseMatcher); a span a phrase matched is kept whatever
  // the filter decides. Allocates only the marker array of `filter_key`, once a key with a filter has
  // matches. Throws: `std::bad_alloc` (then `out` holds the matches of the keys done, still marked).
  void finish(std::vector<pattern_match>& out, std::size_t n) const {
    if (out.empty()) return;
    std::sort(out.begin(), out.end(), [](const pattern_match& a, const pattern_match& b) {
      if (a.key != b.key) return a.key < b.key;
      if (a.start != b.start) return a.start < b.start;
      if (a.end != b.end) return a.end < b.end;
      return (a.pattern & ~phrase_mark) < (b.pattern & ~phrase_mark);
    });
    std::vector<std::uint32_t> stamp;  // per token: the filtered key run that took it
    std::uint32_t generation = 0;
    std::size_t kept = 0;  // out[0, kept): done; out[kept, i): free; out[i, size): still to do
    for (std::size_t i = 0; i < out.size();) {
      std::size_t j = i;
      while (j < out.size() && out[j].key == out[i].key) ++j;
      const greedy_filter g = program_.greedy.empty() ? greedy_filter::none : filter(out[i].key);
      if (g != greedy_filter::none && stamp.empty()) {
        try {
          stamp.assign(n, 0);
        } catch (...) {
          out.resize(kept);  // the keys done: a subset of the matches
          throw;
        }
      }
      const std::size_t run = kept;
      kept = merge_spans(out, i, j, kept, g != greedy_filter::none);
      if (g != greedy_filter::none) kept = filter_key(out, run, kept, g, stamp, ++generation);
      i = j;
    }
    out.resize(kept);
    unmark(out);
    std::sort(out.begin(), out.end(), [](const pattern_match& a, const pattern_match& b) {
      if (a.end != b.end) return a.end < b.end;
      if (a.start != b.start) return a.start < b.start;
      return a.pattern < b.pattern;
    });
  }

  // Writes the matches of one key, out[i, j) (sorted by start, end, index), one per span from
  // out[to] on (to <= i), under the lowest index of the span, marked when a phrase matched it; with
  // `split`, a span that both a token pattern and a phrase matched is written twice: as a `shadowed`
  // token patterns' match, then as the phrase's. Returns the end of what it wrote (<= j). Throws: nothing.
  static std::size_t merge_spans(std::vector<pattern_match>& out, std::size_t i, std::size_t j, std::size_t to,
                                 bool split) noexcept {
    while (i < j) {
      const pattern_match first = out[i];
      bool token = false, phrase = false;
      for (; i < j && out[i].start == first.start && out[i].end == first.end; ++i) {
        if ((out[i].pattern & phrase_mark) != 0) phrase = true;
        else token = true;
      }
      const std::uint32_t lowest = first.pattern & ~phrase_mark;
      if (split && token && phrase) out[to++] = pattern_match{first.key, first.start, first.end, shadowed};
      out[to++] = pattern_match{first.key, first.start, first.end, phrase ? lowest | phrase_mark : lowest};
    }
    return to;
  }

  // Applies the filter `g` to the merged matches of one key, out[from, to) (see `merge_spans`), keeping
  // from out[from] on the non-overlapping subset of its token patterns' matches that spaCy keeps
  // (`shadowed` ones block but are dropped) and then every phrase match. `stamp` (one entry per token)
  // holds no `generation` yet. Returns the end of what it kept. Throws: nothing.
  static std::size_t filter_key(std::vector<pattern_match>& out, std::size_t from, std::size_t to, greedy_filter g,
                                std::vector<std::uint32_t>& stamp, std::uint32_t generation) noexcept {
    const auto first = out.begin() + static_cast<std::ptrdiff_t>(from);
    const auto last = out.begin() + static_cast<std::ptrdiff_t>(to);
    // Token patterns' matches first, in the filter's order; the phrases' after them.
    const auto mid = std::partition(first, last, [](const pattern_match& m) { return (m.pattern & phrase_mark) == 0; });
    if (g == greedy_filter::first) {
      std::sort(first, mid, [](const pattern_match& a, const pattern_match& b) {
        return a.start != b.start ? a.start < b.start : a.end > b.end;
      });
    } else {
      std::sort(first, mid, [](const pattern_match& a, const pattern_match& b) {
        const auto la = a.end - a.start, lb = b.end - b.start;
        return la != lb ? la > lb : a.start < b.start;
      });
    }
    auto w = first;
    for (auto it = first; it != mid; ++it) {
      bool free = true;
      for (std::uint32_t t = it->start; free && t < it->end; ++t) free = stamp[t] != generation;
      if (!free) continue;
      for (std::uint32_t t = it->start; t < it->end; ++t) stamp[t] = generation;
      if (it->pattern != shadowed) *w++ = *it;
    }
    if (w != mid) w = std::copy(mid, last, w);  // forward, to before `mid`
    else w = last;
    return static_cast<std::size_t>(w - out.begin());
  }

  void commit_impl(batch& b) {
    program_.append(b.tokens_, b.phrases_, b.greedy_, b.count_);
    b.clear();
  }

  detail::match_program program_;  // first: the hot calls into it need no address adjustment
  Vocab* vocab_;
  regex_compiler regex_;  // compiles REGEX sources when patterns are added
  match_limits limits_;
};

}  // namespace lexzone
