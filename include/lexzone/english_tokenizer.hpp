/// \file english_tokenizer.hpp
/// `english_tokenizer`: spaCy v3.8's English tokenizer (rules in lang/en/segmenter.hpp) as a lexzone
/// tokenizer: it turns text into a `basic_doc` whose tokens are lexemes of the scope it runs in.
///
/// ## The zone-aware cache
/// spaCy caches, per chunk of text, the lexemes it produced, and must switch the cache off inside memory
/// zones (a cached lexeme could belong to a zone that closed), which made it 2.3x slower there. This
/// tokenizer caches what is expensive and zone-independent instead: a chunk's *segmentation* (piece
/// offsets), keyed by the chunk's bytes. An entry refers to no lexeme, string or zone, so it can never
/// dangle: the cache works the same inside and outside zones, and a zone's close needs no flush. Chunks
/// whose segmentation used a special case are not cached (as spaCy, #1250); neither are chunks longer
/// than 96 bytes. The cache holds at most `options::cache_entries` chunks (0 turns it off) in memory
/// reserved on first use (about 60 bytes a chunk: 600 KB for the default 10,000); when full it is emptied
/// and refilled, so its memory is fixed however much distinct input it sees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tsl/robin_map.h>

#include "concepts.hpp"
#include "doc.hpp"
#include "hash.hpp"
#include "lang/en/segmenter.hpp"
#include "lang/en/tokenizer_exceptions.hpp"
#include "unicode/properties.hpp"
#include "unicode/utf8.hpp"

namespace lexzone {

/// spaCy-compatible English tokenizer over a vocab of type `Vocab` (see concepts.hpp, `tokenizer`).
///
/// - Construction interns the special cases' pieces as permanent lexemes (and their NORMs as permanent
///   strings), as spaCy does: tokenizing contractions inside a zone then adds nothing.
/// - Calls: `tok(zone, text)` (new lexemes go to `zone`; the doc belongs to it) or `tok(vocab, text)`.
/// - Thread safety: one object is used by one thread at a time (it owns a cache and scratch buffers);
///   copies share the immutable rules and start with an empty cache: give each thread its own copy.
/// - Invalid UTF-8 is segmented byte-exactly (each invalid byte is a non-letter character) and never
///   throws; `doc.text()` always equals the input.
template <class Vocab>
class english_tokenizer {
 public:
  using lexzone_tokenizer_tag = void;
  using vocab_type = Vocab;
  using doc_type = basic_doc<Vocab>;

  struct options {
    std::size_t cache_entries = 10000;  ///< chunks kept in the segmentation cache; 0 disables it
    en::rule_set rules = en::rule_set::english;
  };

  /// Cache counters (for benchmarks and monitoring).
  struct cache_stats {
    std::size_t hits = 0, misses = 0, entries = 0, resets = 0;
  };

  /// English rules (or spaCy's base rules), special cases interned permanently in `vocab`.
  /// Lifetime: `vocab` must outlive the tokenizer. Throws: `std::bad_alloc`.
  explicit english_tokenizer(Vocab& vocab, options opts = {})
      : english_tokenizer(vocab, std::make_shared<const en::segmenter>(opts.rules), opts) {
    intern_exceptions(en::base_exceptions);
    if (opts.rules == en::rule_set::english) intern_exceptions(en::english_exceptions);
  }

  /// A tokenizer over rules built elsewhere (shared, immutable). Its special cases are not interned in
  /// advance: their lexemes are created on first use in the scope of that call.
  english_tokenizer(Vocab& vocab, std::shared_ptr<const en::segmenter> rules, options opts = {})
      : vocab_(&vocab), rules_(std::move(rules)), max_entries_(opts.cache_entries) {}

  /// Shares the rules; the copy starts with an empty cache.
  english_tokenizer(const english_tokenizer& o) : vocab_(o.vocab_), rules_(o.rules_), max_entries_(o.max_entries_) {}
  english_tokenizer& operator=(const english_tokenizer& o) {
    if (this != &o) {
      vocab_ = o.vocab_;
      rules_ = o.rules_;
      max_entries_ = o.max_entries_;
      clear_cache();
    }
    return *this;
  }
  english_tokenizer(english_tokenizer&&) noexcept = default;
  ~english_tokenizer() = default;
  english_tokenizer& operator=(english_tokenizer&&) noexcept = default;

  /// Tokenizes `text` in `zone`. Complexity: O(text.size()) expected. Lifetime: the doc belongs to
  /// `zone`. Throws: `zone_closed`, `hash_collision`, `std::bad_alloc`, `capacity_error` (text >= 4 GiB).
  doc_type operator()(typename Vocab::zone_type& zone, std::string_view text) { return run(zone, text); }
  /// Tokenizes `text` into the permanent layer.
  doc_type operator()(Vocab& vocab, std::string_view text) { return run(vocab, text); }

  /// The pieces of `text` (byte offsets) without making a doc. Thread safety: as the tokenizer.
  void segment(std::string_view text, std::vector<en::piece>& out) {
    rules_->segment_with(
        text, out, [this](std::string_view c, std::uint32_t b, std::vector<en::piece>& o) { cached_chunk(c, b, o); });
  }

  /// Adds a special case (spaCy `add_special_case`) to this tokenizer's own copy of the rules; other
  /// copies keep theirs. Interns the pieces permanently and empties the cache.
  /// Throws: `std::invalid_argument` when the ORTHs do not join to `key`; `std::bad_alloc`.
  void add_special_case(std::string_view key, std::span<const en::special_piece> pieces) {
    auto fresh = std::make_shared<en::segmenter>(*rules_);
    fresh->add_special_case(key, pieces);
    for (const auto& p : pieces) {
      vocab_->add(p.orth);
      if (!p.norm.empty()) vocab_->strings().add(p.norm);
    }
    rules_ = std::move(fresh);
    clear_cache();
  }
  void add_special_case(std::string_view key, std::initializer_list<en::special_piece> pieces) {
    add_special_case(key, std::span<const en::special_piece>(pieces.begin(), pieces.size()));
  }

  /// A callable `void(std::string_view text, std::vector<std::string>& tokens)` that splits a text with
  /// these rules (a snapshot: later `add_special_case` calls do not change it), e.g. to give phrase
  /// patterns of an `entity_ruler` the tokens this tokenizer will produce. Thread safety: the callable
  /// may be used from any thread.
  [[nodiscard]] auto phrase_splitter() const {
    return [rules = rules_](std::string_view text, std::vector<std::string>& tokens) {
      std::vector<en::piece> pieces;
      rules->segment(text, pieces);
      for (const auto& p : pieces) tokens.emplace_back(p.text_in(text));
    };
  }

  /// The rules in use (shared with copies).
  [[nodiscard]] const en::segmenter& rules() const noexcept { return *rules_; }
  [[nodiscard]] std::shared_ptr<const en::segmenter> shared_rules() const noexcept { return rules_; }

  /// Cache counters since construction. Complexity: O(1). Throws: nothing.
  [[nodiscard]] cache_stats stats() const noexcept {
    cache_stats s = stats_;
    s.entries = entries_.size();
    return s;
  }
  /// Empties the segmentation cache (never required for correctness); keeps its memory. Throws: nothing.
  void clear_cache() noexcept {
    index_.clear();
    entries_.clear();
    key_pool_.clear();
    piece_pool_.clear();
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
  struct cached_piece {
    std::uint32_t begin;  // relative to the chunk
    std::uint32_t size;
  };

  template <std::size_t N>
  void intern_exceptions(const en::tokenizer_exception (&table)[N]) {
    for (const auto& e : table) {
      for (const auto& p : e) {
        vocab_->add(p.orth);
        if (!p.norm.empty()) vocab_->strings().add(p.norm);
      }
    }
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
  }

  void cached_chunk(std::string_view chunk, std::uint32_t base, std::vector<en::piece>& out) {
    if (max_entries_ == 0 || chunk.size() > max_cached_chunk) {
      rules_->segment_chunk(chunk, base, out);
      return;
    }
    const hash_t h = hash_string(chunk);
    if (auto it = index_.find(h); it != index_.end()) {
      const cache_entry& e = entries_[it->second];
      if (std::string_view(key_pool_).substr(e.key_begin, e.key_size) == chunk) {
        ++stats_.hits;
        for (std::uint32_t k = 0; k < e.pieces_size; ++k) {
          const cached_piece& p = piece_pool_[e.pieces_begin + k];
          out.push_back(en::piece{base + p.begin, p.size, false, {}});
        }
        return;
      }
    }
    ++stats_.misses;
    const std::size_t first = out.size();
    if (!rules_->segment_chunk(chunk, base, out)) return;  // used a special case: not cacheable
    const std::size_t pieces = out.size() - first;
    if (entries_.empty()) reserve_cache();
    // Full (entries, key bytes or pieces): start over. The pools never grow past their first reservation,
    // so the cache's memory is fixed from its first use on.
    if (entries_.size() >= max_entries_ || key_pool_.size() + chunk.size() > key_pool_.capacity() ||
        piece_pool_.size() + pieces > piece_pool_.capacity()) {
      clear_cache();
      ++stats_.resets;
    }
    cache_entry e{static_cast<std::uint32_t>(key_pool_.size()), static_cast<std::uint32_t>(chunk.size()),
                  static_cast<std::uint32_t>(piece_pool_.size()), static_cast<std::uint32_t>(out.size() - first)};
    key_pool_.append(chunk);
    for (std::size_t k = first; k < out.size(); ++k)
      piece_pool_.push_back(cached_piece{out[k].begin - base, out[k].size});
    index_.insert_or_assign(h, static_cast<std::uint32_t>(entries_.size()));
    entries_.push_back(e);
  }

  template <class Scope>
  doc_type run(Scope& scope, std::string_view text) {
    Vocab& vocab = scope_vocab(scope);
    doc_type doc(scope, text);
    pieces_.clear();
    segment(text, pieces_);
    doc.reserve(pieces_.size());
    for (const en::piece& p : pieces_) {
      const hash_t norm = p.norm.empty() ? 0 : vocab.strings().add(p.norm);
      doc.push_token(scope.add(p.text_in(text)), p.begin, p.space_after, norm);
    }
    // Scratch space is kept for the next call, up to a bound: one huge text must not pin its peak
    // memory for the life of a long-running service.
    if (pieces_.capacity() > max_kept_pieces) std::vector<en::piece>().swap(pieces_);
    return doc;
  }

  Vocab* vocab_;
  std::shared_ptr<const en::segmenter> rules_;
  std::size_t max_entries_ = 0;
  std::vector<en::piece> pieces_;
  tsl::robin_map<hash_t, std::uint32_t> index_;
  std::vector<cache_entry> entries_;
  std::string key_pool_;
  std::vector<cached_piece> piece_pool_;
  cache_stats stats_;
};

}  // namespace lexzone
