/// \file tokenizer/basic_tokenizer.hpp
/// `basic_tokenizer<Vocab, Segmenter>`: a segmenter (spaCy's tokenizer algorithm over some rules, see
/// tokenizer/basic_segmenter.hpp) turned into a lexzone tokenizer: text in, a `basic_doc` out whose
/// tokens are lexemes of the scope it runs in. The English fast path (`english_tokenizer`, over the
/// hand-compiled `en::segmenter`) and the data-driven rule tokenizer (`rule_tokenizer`, over PCRE2 rules,
/// regex/rule_tokenizer.hpp) are both this template; they differ only in the segmenter.
///
/// ## The zone-aware cache
/// spaCy caches, per chunk of text, the lexemes it produced, and must switch the cache off inside memory
/// zones (a cached lexeme could belong to a zone that closed), which made it 2.3x slower there. This
/// tokenizer caches what is expensive and zone-independent instead: a chunk's *segmentation* (piece
/// offsets), keyed by the chunk's bytes. An entry refers to no lexeme, string or zone, so it can never
/// dangle: the cache works the same inside and outside zones, and a zone's close needs no flush. It works
/// the same for every segmenter: a chunk's segmentation depends only on the chunk and the rules, and any
/// change of the rules (a special case, a regex, `faster_heuristics`) empties it, as spaCy flushes its
/// cache. Chunks longer than 96 bytes are not cached, nor chunks for which the segmenter's `segment_chunk`
/// says false; chunks made by special cases are, with their NORMs (`basic_segmenter::segment_chunk`). The
/// cache holds at most `options::cache_entries` chunks (0 turns it off) in memory reserved on first use
/// (about 160 bytes a chunk, its hash index included: 1.6 MB for the default 10,000); when full it is
/// emptied and refilled, so its memory is fixed however much distinct input it sees.
///
/// Each cached piece also remembers the lexeme it was last given: a permanent one for good; a zone's one
/// with the zone's generation (scope.hpp, `scope_add`) and a stamp of the permanent layer's insert count
/// (`basic_vocab::permanent_inserts`) as the tokenizer last saw it. A hit reuses the pointer, without
/// hashing or looking the text up, when the lexeme is permanent, or when the call runs in the zone of
/// that generation and the permanent layer gained nothing since: a zone's lexemes are never used once it
/// closed, since no later zone has its generation; a permanent entry added meanwhile (of the same text,
/// which lookups would now return, or one whose id collides, a `hash_collision` the lookup reports) is
/// seen as a lookup would see it (any permanent insert, by any thread, makes every zone lexeme kept
/// before it be looked up again once). So the cache needs no flush when a zone closes.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

#include "../concepts.hpp"
#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../detail/entry.hpp"
#include "../detail/keyed_mix.hpp"
#include "../doc.hpp"
#include "../hash.hpp"
#include "../scope.hpp"
#include "piece.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

// Not formatted: clang-format 14 mis-parses concept definitions (fixed in 15).
// clang-format off
/// What `basic_tokenizer` needs of its segmenter: `basic_segmenter<Rules>` (or a class derived from it)
/// provides all of it. `segment_with` and `segment_chunk` segment (the tokenizer supplies the per-chunk
/// step that consults its cache), `explain` labels pieces, and the special-case members let the
/// tokenizer intern a rule's pieces and change its own copy of the rules.
template <class S>
concept tokenizer_segmenter = std::copy_constructible<S> &&
    requires(S& m, const S& s, std::string_view text, std::vector<piece>& out, std::uint32_t base,
             std::span<const special_piece> pieces) {
  { s.segment_chunk(text, base, out) } -> std::convertible_to<bool>;
  s.segment(text, out);
  s.explain(text);
  m.add_special_case(text, pieces);
  { m.remove_special_case(text) } -> std::convertible_to<bool>;
  m.clear_special_cases();
  m.set_faster_heuristics(true);
  s.for_each_special_case([](std::string_view, std::span<const piece>) {});
};
// clang-format on

namespace detail {
/// What `basic_tokenizer::phrase_splitter` returns: splits texts with a snapshot of a tokenizer's rules.
/// Copyable (copies share the rules, immutable); thread safety: any thread.
template <class Segmenter>
struct rules_splitter {
  /// Declares that a call with three arguments gives norms (see `phrase_splitter`).
  using phrase_norms_tag = void;
  /// The rules (shared, immutable).
  std::shared_ptr<const Segmenter> rules;

  /// Appends the token texts of `text` to `tokens`. Complexity: O(|text|). Throws: `std::bad_alloc`,
  /// what the rules throw.
  void operator()(std::string_view text, std::vector<std::string>& tokens) const {
    std::vector<piece> pieces;
    rules->segment(text, pieces);
    for (const auto& p : pieces) tokens.emplace_back(p.text_in(text));
  }
  /// As above, and appends to `norms` each token's NORM from a special case (`piece::norm`), or an
  /// empty string for none. Complexity, throws: as above.
  void operator()(std::string_view text, std::vector<std::string>& tokens, std::vector<std::string>& norms) const {
    std::vector<piece> pieces;
    rules->segment(text, pieces);
    for (const auto& p : pieces) {
      tokens.emplace_back(p.text_in(text));
      norms.emplace_back(p.norm);
    }
  }
};
}  // namespace detail

/// spaCy's tokenizer over a vocab of type `Vocab` (see concepts.hpp, `tokenizer`) with the segmentation
/// rules of `Segmenter` (see `tokenizer_segmenter`).
///
/// - Construction from a segmenter interns the special cases' pieces as permanent lexemes (and their
///   NORMs as permanent strings), as spaCy does: tokenizing contractions inside a zone then adds nothing.
/// - Calls: `tok(zone, text)` (new lexemes go to `zone`; the doc belongs to it) or `tok(vocab, text)`.
/// - Rules are shared, immutable, between copies (`std::shared_ptr<const Segmenter>`); a change through
///   one tokenizer (`add_special_case`, `set_faster_heuristics`, `update_rules`, ...) makes that
///   tokenizer a new copy of the rules and empties its cache; other copies keep theirs.
/// - Thread safety: one object is used by one thread at a time (it owns a cache and scratch buffers);
///   copies start with an empty cache: give each thread its own copy.
/// - Invalid UTF-8 is segmented byte-exactly (each invalid byte is a non-letter character) and never
///   throws; `doc.text()` always equals the input.
/// - Lifetime: the vocab it was made with must outlive it. A vocab destroyed and another made at the same
///   address (`std::optional::emplace` on a model reload) is still that contract broken: the tokenizer
///   knows its vocab by address and would reuse cached lexemes of the old one. Make tokenizers (and
///   pipelines) again with a new vocab.
template <class Vocab, tokenizer_segmenter Segmenter>
class basic_tokenizer {
 public:
  using lexzone_tokenizer_tag = void;  ///< opts in to the `tokenizer` concept
  using vocab_type = Vocab;            ///< the vocab type
  using doc_type = basic_doc<Vocab>;   ///< what a call returns
  using segmenter_type = Segmenter;    ///< the segmentation rules

  /// Construction options.
  struct options {
    std::size_t cache_entries = 10000;  ///< chunks kept in the segmentation cache; 0 disables it
  };

  /// Cache counters (for benchmarks and monitoring).
  struct cache_stats {
    std::size_t hits = 0;     ///< chunks answered from the cache
    std::size_t misses = 0;   ///< cacheable-length chunks segmented by the rules
    std::size_t entries = 0;  ///< chunks in the cache now
    std::size_t resets = 0;   ///< times the full cache was emptied to make room
    std::size_t reused = 0;   ///< pieces whose lexeme a hit gave, without a lookup (zone ones: see above)
  };

  /// A tokenizer with a default-made segmenter (for `en::segmenter`: spaCy's English rules), its special
  /// cases interned permanently in `vocab`. Lifetime: `vocab` must outlive the tokenizer. Complexity:
  /// O(size of the rules). Thread safety: adds permanent entries (safe alongside other threads).
  /// Throws: `hash_collision`, `std::bad_alloc`, what `Segmenter{}` throws.
  explicit basic_tokenizer(Vocab& vocab, options opts = {}) requires std::default_initializable<Segmenter>
      : basic_tokenizer(vocab, Segmenter{}, opts) {}

  /// A tokenizer over `segmenter`, its special cases interned permanently in `vocab`. Lifetime, thread
  /// safety, throws: as the constructor above. Complexity: O(number of special-case pieces).
  basic_tokenizer(Vocab& vocab, Segmenter segmenter, options opts = {})
      : basic_tokenizer(vocab, std::make_shared<const Segmenter>(std::move(segmenter)), opts) {
    intern_all(*rules_);
  }

  /// A tokenizer over rules built elsewhere (shared, immutable). Its special cases are not interned in
  /// advance: their lexemes are created on first use in the scope of that call. Complexity: O(1).
  /// Throws: nothing in practice (not `noexcept`: the cache's empty hash table has a `length_error` path
  /// for bucket counts it is never given). Lifetime: `vocab` must outlive the tokenizer.
  basic_tokenizer(Vocab& vocab, std::shared_ptr<const Segmenter> rules, options opts = {})
      : vocab_(&vocab), rules_(std::move(rules)), max_entries_(opts.cache_entries) {}

  /// Shares the rules; the copy starts with an empty cache. Complexity: O(1). Throws: nothing in practice
  /// (not `noexcept`, as the constructor above).
  basic_tokenizer(const basic_tokenizer& o) : vocab_(o.vocab_), rules_(o.rules_), max_entries_(o.max_entries_) {}
  /// Shares `o`'s rules and empties this cache (and frees its memory when `o`'s cache has another size:
  /// it is reserved again, at that size, on first use). Complexity: O(cache entries) (emptying the
  /// cache). Throws: nothing.
  basic_tokenizer& operator=(const basic_tokenizer& o) noexcept {
    if (this != &o) {
      vocab_ = o.vocab_;
      rules_ = o.rules_;
      if (max_entries_ != o.max_entries_) {
        decltype(index_)().swap(index_);
        decltype(entries_)().swap(entries_);
        decltype(key_pool_)().swap(key_pool_);
        decltype(piece_pool_)().swap(piece_pool_);
        decltype(norm_pool_)().swap(norm_pool_);
      }
      max_entries_ = o.max_entries_;
      clear_cache();
    }
    return *this;
  }
  /// Takes `o`'s rules and cache; `o` has no rules afterwards and may only be assigned to or destroyed.
  /// Throws: nothing.
  basic_tokenizer(basic_tokenizer&& o) noexcept = default;
  /// Takes `o`'s rules and cache; `o` as after the move constructor. Throws: nothing.
  basic_tokenizer& operator=(basic_tokenizer&& o) noexcept = default;
  /// Frees the cache; the rules when no copy shares them.
  ~basic_tokenizer() = default;

  /// Tokenizes `text` in `zone`. Complexity: O(text.size()) expected. Lifetime: the doc belongs to
  /// `zone`. Throws: `zone_closed`, `hash_collision`, `std::bad_alloc`, `capacity_error` (text >= 4 GiB,
  /// a token over 2 GiB), what the segmenter's rules throw (a rule tokenizer: `regex::regex_error` when a
  /// match hits a limit).
  doc_type operator()(typename Vocab::zone_type& zone, std::string_view text) { return run(zone, text); }
  /// Tokenizes `text` into the permanent layer; the doc is the vocab's. Complexity and throws: as the zone
  /// overload.
  doc_type operator()(Vocab& vocab, std::string_view text) { return run(vocab, text); }

  /// The pieces of `text` (byte offsets), appended to `out`, without making a doc. Complexity: O(|text|).
  /// Lifetime: offsets into `text`; a piece's `norm` (a special case's NORM) points into this
  /// tokenizer's rules, valid until they change (`add_special_case`, `update_rules`, ...) or the
  /// tokenizer and every copy sharing them are gone.
  /// Throws: as `operator()`, except the vocab's errors. Thread safety: as the tokenizer (uses the cache).
  void segment(std::string_view text, std::vector<piece>& out) {
    rules_->segment_with(text, out, [this](std::string_view c, std::uint32_t b, std::vector<piece>& o) {
      cached_chunk<false>(c, b, o, nullptr);
    });
  }

  /// spaCy's `Tokenizer.explain`: the non-space pieces of `text`, each with the rule that made it
  /// (`explained_piece::label()`: PREFIX, SUFFIX, INFIX, SPECIAL-n, TOKEN_MATCH, URL_MATCH, TOKEN).
  /// Complexity: O(|text|); the cache is not used. Throws: as `segment`. Thread safety: const.
  /// Lifetime: as `segment` (offsets into `text`; each `piece.norm` until the rules change).
  [[nodiscard]] std::vector<explained_piece> explain(std::string_view text) const { return rules_->explain(text); }

  /// Adds (or replaces) a special case (spaCy `add_special_case`) in this tokenizer's own copy of the
  /// rules; other copies keep theirs. Interns the pieces permanently and empties the cache.
  /// Complexity: O(size of the rules) (the copy). Throws: `std::invalid_argument` when the ORTHs do not
  /// join to `key` (nothing changes then); `hash_collision`; `std::bad_alloc`.
  void add_special_case(std::string_view key, std::span<const special_piece> pieces) {
    change_rules([&](Segmenter& s) { s.add_special_case(key, pieces); },
                 [&](const Segmenter&) {
                   for (const auto& p : pieces) intern(p.orth, p.norm);
                 });
  }
  /// `add_special_case` for a braced list: `tok.add_special_case("lexzone", {{"lex"}, {"zone", "ZONE"}})`.
  /// Complexity and throws: as the overload above.
  void add_special_case(std::string_view key, std::initializer_list<special_piece> pieces) {
    add_special_case(key, std::span<const special_piece>(pieces.begin(), pieces.size()));
  }

  /// Removes the special case `key` (returns false when there was none; nothing changes then). As
  /// `add_special_case` otherwise; interns nothing. Complexity: O(size of the rules) (the copy and the
  /// segmenter's rebuild). Throws: `std::bad_alloc`, what the rules throw while the patterns are rebuilt
  /// (nothing changes then).
  bool remove_special_case(std::string_view key) {
    bool removed = false;
    update_rules([&](Segmenter& s) { removed = s.remove_special_case(key); });
    return removed;
  }

  /// Removes every special case (spaCy: `tokenizer.rules = {}`) from this tokenizer's copy of the rules;
  /// empties the cache. Complexity: O(size of the rules). Throws: std::bad_alloc.
  void clear_special_cases() {
    update_rules([](Segmenter& s) { s.clear_special_cases(); });
  }

  /// Replaces every special case by `cases` (spaCy: `tokenizer.rules = {...}`); an empty range removes
  /// them all. `cases` is a range as `basic_segmenter::add_special_cases` takes (e.g. the `exceptions`
  /// of a `tokenizer_rules`). Interns the new pieces permanently; empties the cache. Complexity:
  /// O(size of the rules). Throws: `std::invalid_argument` for a bad case (nothing changes then),
  /// `hash_collision`, `std::bad_alloc`.
  template <class Cases>
  void set_special_cases(const Cases& cases) {
    change_rules(
        [&](Segmenter& s) {
          s.clear_special_cases();
          s.add_special_cases(cases);
        },
        [this](const Segmenter& s) { intern_all(s); });
  }

  /// spaCy's `faster_heuristics` (see `basic_segmenter::set_faster_heuristics`) for this tokenizer's copy
  /// of the rules; empties the cache. Complexity: O(size of the rules). Throws: `std::bad_alloc`.
  void set_faster_heuristics(bool on) {
    update_rules([&](Segmenter& s) { s.set_faster_heuristics(on); });
  }

  /// Changes this tokenizer's rules: calls `edit(Segmenter&)` on a copy of them, then uses the copy and
  /// empties the cache (spaCy flushes its cache when any rule changes). When `edit` throws, nothing
  /// changes. Interns nothing: call `add_special_case` for special cases whose pieces should be
  /// permanent lexemes. Complexity: O(size of the rules) plus `edit`. Throws: what `edit` throws,
  /// `std::bad_alloc`.
  template <class Edit>
  void update_rules(Edit&& edit) {
    change_rules(std::forward<Edit>(edit), [](const Segmenter&) {});
  }

  /// A callable that splits a text with these rules (a snapshot: later changes of the rules do not
  /// change it), e.g. to give phrase patterns of an `entity_ruler` the tokens this tokenizer will
  /// produce: `f(text, tokens)` appends the token texts, `f(text, tokens, norms)` also appends each
  /// token's NORM from a special case, or an empty string for none (as the doc's tokens get them).
  /// Complexity: O(1); a call O(|text|). Throws: nothing; a call: `std::bad_alloc`, what the rules
  /// throw. Thread safety: the callable may be used from any thread.
  [[nodiscard]] auto phrase_splitter() const { return detail::rules_splitter<Segmenter>{rules_}; }

  /// The rules in use (shared with copies). Complexity: O(1). Throws: nothing. Lifetime: until the rules
  /// of this tokenizer change or it dies.
  [[nodiscard]] const Segmenter& rules() const noexcept { return *rules_; }
  /// The rules in use, shared. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::shared_ptr<const Segmenter> shared_rules() const noexcept { return rules_; }
  /// The vocab the tokenizer interns special cases in. Complexity: O(1). Throws: nothing.
  [[nodiscard]] Vocab& vocab() const noexcept { return *vocab_; }

  /// Cache counters since construction. Complexity: O(1). Throws: nothing.
  [[nodiscard]] cache_stats stats() const noexcept {
    cache_stats s = stats_;
    s.entries = entries_.size();
    return s;
  }
  /// Empties the segmentation cache (never required for correctness); keeps its memory. Complexity:
  /// O(entries). Throws: nothing.
  void clear_cache() noexcept {
    index_.clear();
    entries_.clear();
    key_pool_.clear();
    piece_pool_.clear();
    norm_pool_.clear();
  }

 private:
  static constexpr std::size_t max_cached_chunk = 96;
  static constexpr std::size_t max_kept_pieces = 8192;

  struct cache_entry {
    std::uint32_t key_begin;
    std::uint32_t key_size;
    std::uint32_t pieces_begin;
    std::uint32_t pieces_size;
  };
  using lexeme_type = typename Vocab::lexeme_type;
  static_assert(max_cached_chunk <= 255, "cached pieces keep offsets in one byte");
  struct cached_piece {
    std::uint8_t begin = 0;  // relative to the chunk
    std::uint8_t size = 0;
    std::uint16_t norm = 0;            // 1 + the index of the piece's special-case NORM in norm_pool_; 0: none
    std::uint32_t stamp = 0;           // for a zone's `lex`: `stamp_` when it was kept
    const lexeme_type* lex = nullptr;  // the piece's lexeme, valid as `generation` and `stamp` say
    std::uint64_t generation = 0;      // 0: `lex` is permanent; else the zone generation it is valid in
  };
  static constexpr std::size_t max_norms = 0xFFFF;  // norm_pool_'s bound (cached_piece::norm)
  // A piece of the text being tokenized that is in the cache: its cached lexeme when valid in this call's
  // scope (else nullptr), and where to record the lexeme found for it.
  struct piece_ref {
    std::uint32_t begin;  // in the text
    std::uint32_t size;
    const lexeme_type* lex;
    std::uint32_t slot;  // its index in piece_pool_
  };

  /// `edit` on a copy of the rules, then `commit` (e.g. interning) on the edited copy; the copy becomes
  /// the rules only when both returned.
  template <class Edit, class Commit>
  void change_rules(Edit&& edit, Commit&& commit) {
    auto fresh = std::make_shared<Segmenter>(*rules_);
    std::forward<Edit>(edit)(*fresh);
    std::forward<Commit>(commit)(std::as_const(*fresh));
    rules_ = std::move(fresh);
    clear_cache();
  }

  void intern(std::string_view orth, std::string_view norm) {
    vocab_->add(orth);
    if (!norm.empty()) vocab_->strings().add(norm);
  }

  void intern_all(const Segmenter& rules) {
    rules.for_each_special_case([this](std::string_view key, std::span<const piece> pieces) {
      for (const piece& p : pieces) intern(p.text_in(key), p.norm);
    });
  }

  // The cache's whole memory, allocated and touched once: `cache_entries` chunks of 16 bytes and 2 pieces
  // on average. Touching it makes it resident at once, so a process's RSS does not creep up while the
  // cache fills for the first time.
  void reserve_cache() {
    if (entries_.capacity() != 0) return;
    index_.reserve(max_entries_);
    entries_.resize(max_entries_);
    entries_.clear();
    key_pool_.resize(max_entries_ * 16);
    key_pool_.clear();
    piece_pool_.resize(max_entries_ * 2);
    piece_pool_.clear();
    norm_pool_.resize(std::min(max_entries_ / 8 + max_cached_chunk, max_norms));
    norm_pool_.clear();
  }

  // Brings `stamp_` up to date for a call in a zone of `vocab`: a new stamp when the permanent layer
  // gained an entry since the last look. A zone lexeme is kept with the stamp of the call that found it
  // and reused only under the same stamp: a permanent entry added since (of the same text, which lookups
  // would now return, or one whose id collides, which they would report) ends the reuse, as the zone's
  // own lookups would see it. Should the 32-bit stamp wrap around, the cache is emptied, so that no old
  // stamp can match again. Throws: nothing.
  void update_stamp(const Vocab& vocab) noexcept {
    const std::uint64_t inserts = vocab.permanent_inserts();
    if (inserts == inserts_seen_) return;
    inserts_seen_ = inserts;
    if (++stamp_ == 0) {
      clear_cache();
      stamp_ = 1;
    }
  }

  // Appends the pieces of `chunk` (at `base` in the text) to `out`, from the cache when it has them. With
  // `WithRefs`, also appends to `*refs` a piece_ref for each piece that is (now) cached, with its lexeme
  // when that is valid in a call in a scope of generation `generation` (0: the permanent layer) under
  // `stamp_` (see `update_stamp`).
  template <bool WithRefs>
  void cached_chunk(std::string_view chunk, std::uint32_t base, std::vector<piece>& out, std::vector<piece_ref>* refs,
                    std::uint64_t generation = 0) {
    if (max_entries_ == 0 || chunk.size() > max_cached_chunk) {
      rules_->segment_chunk(chunk, base, out);
      return;
    }
    const hash_t h = hash_string(chunk);
    if (auto it = index_.find(h); it != index_.end()) {
      const cache_entry& e = entries_[it->second];
      // Inline for the short chunks most are (the library's string_view compare and substr were calls).
      if (e.key_size == chunk.size() &&
          detail::same_bytes(key_pool_.data() + e.key_begin, chunk.data(), chunk.size())) {
        ++stats_.hits;
        for (std::uint32_t k = 0; k < e.pieces_size; ++k) {
          const cached_piece& p = piece_pool_[e.pieces_begin + k];
          detail::append_piece(out, base + p.begin, p.size);
          if (LEXZONE_UNLIKELY(p.norm != 0)) out.back().norm = norm_pool_[p.norm - 1];
          if constexpr (WithRefs) {
            const bool valid =
                p.lex != nullptr && (p.generation == 0 || (p.generation == generation && p.stamp == stamp_));
            refs->push_back(piece_ref{base + p.begin, p.size, valid ? p.lex : nullptr, e.pieces_begin + k});
          }
        }
        return;
      }
    }
    ++stats_.misses;
    const std::size_t first = out.size();
    if (!rules_->segment_chunk(chunk, base, out)) return;  // the segmenter says: not cacheable
    const std::size_t pieces = out.size() - first;
    std::size_t norms = 0;  // pieces with a special case's NORM
    for (std::size_t k = first; k < out.size(); ++k) {
      if (!out[k].norm.empty()) ++norms;
    }
    if (entries_.empty()) reserve_cache();
    // Full (entries, key bytes, pieces or NORMs): start over. The pools never grow past their first
    // reservation, so the cache's memory is fixed from its first use on. (A chunk has at most 96 pieces,
    // and the NORM pool room for at least 96.)
    if (entries_.size() >= max_entries_ || key_pool_.size() + chunk.size() > key_pool_.capacity() ||
        piece_pool_.size() + pieces > piece_pool_.capacity() || norm_pool_.size() + norms > norm_pool_.capacity()) {
      clear_cache();
      ++stats_.resets;
    }
    cache_entry e{static_cast<std::uint32_t>(key_pool_.size()), static_cast<std::uint32_t>(chunk.size()),
                  static_cast<std::uint32_t>(piece_pool_.size()), static_cast<std::uint32_t>(out.size() - first)};
    key_pool_.append(chunk);
    for (std::size_t k = first; k < out.size(); ++k) {
      if constexpr (WithRefs)
        refs->push_back(piece_ref{out[k].begin, out[k].size, nullptr, static_cast<std::uint32_t>(piece_pool_.size())});
      cached_piece& p = piece_pool_.emplace_back();
      p.begin = static_cast<std::uint8_t>(out[k].begin - base);
      p.size = static_cast<std::uint8_t>(out[k].size);
      if (!out[k].norm.empty()) {
        norm_pool_.push_back(out[k].norm);
        p.norm = static_cast<std::uint16_t>(norm_pool_.size());
      }
    }
    index_.insert_or_assign(h, static_cast<std::uint32_t>(entries_.size()));
    entries_.push_back(e);
  }

  template <class Scope>
  doc_type run(Scope& scope, std::string_view text) {
    Vocab& vocab = scope_vocab(scope);
    doc_type doc(scope, text);
    pieces_.clear();
    refs_.clear();
    // Cached lexemes are used (and recorded) only for this tokenizer's vocab, and recorded only when the
    // cache was not emptied during the segmentation (its slots may then hold other chunks' pieces).
    const bool own_vocab = &vocab == vocab_;
    const std::size_t resets = stats_.resets;
    const std::uint64_t generation = scope_generation(scope);
    if (own_vocab && generation != 0) update_stamp(vocab);
    if (own_vocab) {
      rules_->segment_with(text, pieces_, [&](std::string_view c, std::uint32_t b, std::vector<piece>& o) {
        cached_chunk<true>(c, b, o, &refs_, generation);
      });
    } else {
      segment(text, pieces_);
    }
    const bool record = own_vocab && resets == stats_.resets;
    doc.reserve(pieces_.size());
    // refs_ and pieces_ are both in text order; the special-case pass may have replaced some pieces.
    // (Pointers, not indexes: nothing in the loop changes refs_, and `size()` is a division.)
    const piece_ref* next_ref = refs_.data();
    const piece_ref* const refs_end = next_ref + refs_.size();
    for (const piece& p : pieces_) {
      while (next_ref != refs_end && next_ref->begin < p.begin) ++next_ref;
      const piece_ref* ref =
          next_ref != refs_end && next_ref->begin == p.begin && next_ref->size == p.size ? next_ref : nullptr;
      const lexeme_type* lex = ref != nullptr ? ref->lex : nullptr;
      if (lex != nullptr) {
        ++stats_.reused;
      } else {
        const auto found = scope_add(scope, p.text_in(text));
        lex = found.lexeme;
        if (ref != nullptr && record) {
          cached_piece& slot = piece_pool_[ref->slot];
          slot.lex = found.lexeme;
          slot.generation = found.generation;
          slot.stamp = stamp_;
        }
      }
      const hash_t norm = p.norm.empty() ? 0 : intern_norm(scope, p.norm);
      doc.push_token_sized(*lex, p.begin, p.size, p.space_after, norm);
    }
    // Scratch space is kept for the next call, up to a bound: one huge text must not pin its peak
    // memory for the life of a long-running service.
    if (pieces_.capacity() > max_kept_pieces) std::vector<piece>().swap(pieces_);
    if (refs_.capacity() > max_kept_pieces) std::vector<piece_ref>().swap(refs_);
    return doc;
  }

  // A special case's NORM, as the scope's string: found permanent (the rules' own, interned when they were
  // set), else added through the zone, which evicts it (a NORM of rules edited with `update_rules`).
  static hash_t intern_norm(Vocab& vocab, std::string_view norm) { return vocab.strings().add(norm); }
  static hash_t intern_norm(typename Vocab::zone_type& zone, std::string_view norm) { return zone.strings().add(norm); }

  Vocab* vocab_;
  std::shared_ptr<const Segmenter> rules_;
  std::size_t max_entries_ = 0;
  std::vector<piece> pieces_;
  tsl::robin_map<hash_t, std::uint32_t, detail::keyed_id_hash> index_;  // keyed: chunks are chosen by senders
  std::vector<cache_entry> entries_;
  std::string key_pool_;
  std::vector<cached_piece> piece_pool_;
  std::vector<std::string_view> norm_pool_;  // the NORMs of cached special-case pieces (views into rules_)
  cache_stats stats_;
  std::vector<piece_ref> refs_;     // scratch of `run`: the call's pieces that are in the cache
  std::uint64_t inserts_seen_ = 0;  // the vocab's permanent_inserts() at the last look (`update_stamp`)
  std::uint32_t stamp_ = 1;         // changes with it; kept with each zone lexeme
};

}  // namespace lexzone
