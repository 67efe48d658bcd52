/// \file detail/attribute_cache.hpp
/// A per-thread cache of recently computed lexeme attributes, for words outside the permanent layer.
///
/// A word that is not permanent is created again in every zone that sees it: its attributes (flags,
/// length, lower, norm, shape, prefix, suffix) are computed again, a couple of thousand instructions for
/// the English traits, though the result is the same each time. The cache keeps, for recent words, the
/// attribute record and the attribute strings the computation interned, so that creating the word in
/// another zone copies the record and interns those strings in that zone (their lifetime still ends with
/// the zone) instead of computing them.
///
/// Why a reused record equals a fresh computation:
/// - `Traits::compute` is a pure function of the text (a requirement of lexeme.hpp): same attributes,
///   same strings handed to `intern`;
/// - an entry is keyed by the store's instance id (unique in the process, never reused), which stands
///   for the one vocab whose lexemes the store holds, hence for its traits object and hasher; then by the
///   text's id, and checked by the text's bytes;
/// - the strings are interned again, through the same call as the computation makes, in the same order;
///   the computation does not intern the text itself (it is stored with the record) nor strings the
///   permanent memo knew to be permanent, which stay so for the store's whole life: skipping them
///   changes nothing.
///
/// An entry also remembers what the lookups of the permanent layer found when it was recorded: whether
/// the text was a permanent string, which interned strings were permanent, and the permanent layer's
/// insert count before those lookups (its stamp). Permanent entries are never removed, so while that
/// count is unchanged the same lookups would find the same (in particular: no permanent lexeme of the
/// text, no permanent string that collides), and the vocab skips them: creating the word again in a zone
/// then probes only the zone's own small tables.
///
/// Memory: bounded, allocated (zeroed pages from the system, resident only as they are used) on a thread's
/// first use, given back to the system when the thread ends: `slots` entries of `sizeof(entry)` bytes, a
/// 2-byte tag each and a byte of recency per set of 4 (16,384 entries of 200 bytes, at most 3.2 MiB a thread, for
/// `lexeme_attributes`; set `LEXZONE_ATTRIBUTE_CACHE_BITS` to change the count, 2^bits), one table per
/// attribute record type; it never grows with traffic. A word whose text and interned strings exceed
/// `max_bytes`, or that interns more than `max_strings` strings, is not cached.
///
/// Placement: 4-way set-associative, least recently used out. A word may sit in any of the 4 slots of
/// its set, so it is displaced only when 4 other words of its set were used since it was; a
/// direct-mapped table (one slot a word) lost recurring words to every word that happened to share
/// their slot: over the benchmark corpus (bench_pipeline, zones of 50 documents) it answered 80 % of the
/// creations of a pass (37,453 of 46,763), 4 ways answer 89 % (42,015 of 47,347; most of the rest are
/// words too long to keep).
///
/// A lookup compares the set's tags first (15 bits of the id's mix, never 0; the 4 of a set are 8
/// adjacent bytes): a word the cache does not hold, such as a permanent one, costs a read in the 32 KiB
/// of tags, not a read of a 200-byte entry.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"
#include "../hash.hpp"
#include "zeroed_pages.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// The per-thread cache of attribute records (see the file comment). All members are static and act on
/// the calling thread's table only. Thread safety: any thread (nothing is shared). Throws: nothing.
/// \tparam Attributes the attribute record (trivially copyable).
template <class Attributes>
class attribute_cache {
  static_assert(std::is_trivially_copyable_v<Attributes>, "the attribute record must be trivially copyable");

 public:
  /// Most interned strings an entry keeps.
  static constexpr std::size_t max_strings = 5;
  /// Most bytes of text plus interned strings an entry keeps.
  static constexpr std::size_t max_bytes = 72;
  /// Entries a thread keeps.
  static constexpr std::size_t slots = std::size_t{1} << LEXZONE_ATTRIBUTE_CACHE_BITS;
  static_assert(LEXZONE_ATTRIBUTE_CACHE_BITS >= 3 && LEXZONE_ATTRIBUTE_CACHE_BITS <= 24,
                "LEXZONE_ATTRIBUTE_CACHE_BITS: 3 to 24 (at least 2 sets of 4)");
  static_assert(LEXZONE_ATTRIBUTE_CACHE_BITS == abi_attribute_cache_bits,
                "LEXZONE_ATTRIBUTE_CACHE_BITS changed after a lexzone header: define it before including any");
  /// Slots of a set (the associativity).
  static constexpr std::size_t ways = 4;
  /// Sets of the table.
  static constexpr std::size_t sets = slots / ways;

  /// One cached computation: the record and the strings it interned, with their ids.
  class entry {
   public:
    /// The cached attribute record. Complexity: O(1). Throws: nothing.
    [[nodiscard]] Attributes attributes() const noexcept { return std::bit_cast<Attributes>(attrs_); }
    /// Calls `f(id, string, permanent)` for every string the computation interned, in its order;
    /// `permanent`: the string was found permanent then. Complexity: O(strings). Throws: what `f` throws.
    template <class F>
    void for_each_string(F&& f) const {
      std::size_t at = text_size_;
      for (std::size_t i = 0; i < strings_; ++i) {
        f(ids_[i], std::string_view(bytes_.data() + at, sizes_[i]), ((permanent_ >> i) & 1u) != 0);
        at += sizes_[i];
      }
    }
    /// Whether the permanent layer's insert count is still `stamp`, the count recorded before the
    /// lookups this entry remembers (see the file comment). Complexity: O(1). Throws: nothing.
    [[nodiscard]] bool current(std::uint64_t stamp) const noexcept { return stamped_ && stamp_ == stamp; }
    /// Whether the text was a permanent string when the entry was recorded. Throws: nothing.
    [[nodiscard]] bool text_permanent() const noexcept { return text_permanent_; }

   private:
    friend class attribute_cache;
    std::uint64_t store_ = 0;  // 0: empty (store instance ids start at 1)
    hash_t id_ = 0;
    std::uint64_t stamp_ = 0;  // the permanent layer's insert count before the recorded lookups
    std::array<std::byte, sizeof(Attributes)> attrs_{};
    std::array<hash_t, max_strings> ids_{};
    std::array<std::uint8_t, max_strings> sizes_{};
    std::uint8_t text_size_ = 0;
    std::uint8_t strings_ = 0;
    std::uint8_t permanent_ = 0;  // bit i: string i was permanent
    bool text_permanent_ = false;
    bool stamped_ = false;  // the lookups were recorded (stamp_, permanent_, text_permanent_ are meaningful)
    std::array<char, max_bytes> bytes_{};  // the text, then the interned strings
  };

  /// Builds an entry while a computation runs: `add` each interned string, then `commit` the record.
  /// Complexity: O(1) per call plus the bytes copied. Throws: nothing.
  class recorder {
   public:
    /// Starts an entry for `text` (id `id`) of store `store`. With `stamp` (the permanent layer's insert
    /// count read before any of the lookups `add` and `text_permanent` report), the entry remembers those
    /// lookups; without, it keeps the record and strings only.
    recorder(std::uint64_t store, hash_t id, std::string_view text, std::optional<std::uint64_t> stamp = {}) noexcept
        : ok_(text.size() <= max_bytes) {
      e_.store_ = store;
      e_.id_ = id;
      e_.stamped_ = stamp.has_value();
      e_.stamp_ = stamp.value_or(0);
      if (ok_) {
        e_.text_size_ = static_cast<std::uint8_t>(text.size());
        std::memcpy(e_.bytes_.data(), text.data(), text.size());
        used_ = text.size();
      }
    }
    /// Notes that the text was (`true`) or was not a permanent string.
    void text_permanent(bool yes) noexcept { e_.text_permanent_ = yes; }
    /// Notes that the computation interned `s` with id `id`, which was found `permanent` or not.
    void add(hash_t id, std::string_view s, bool permanent = false) noexcept {
      if (!ok_) return;
      for (std::size_t i = 0; i < e_.strings_; ++i)
        if (e_.ids_[i] == id) return;  // interned already (norm == lower): a second call is a no-op
      if (e_.strings_ == max_strings || s.size() > max_bytes - used_) {
        ok_ = false;
        return;
      }
      e_.ids_[e_.strings_] = id;
      e_.sizes_[e_.strings_] = static_cast<std::uint8_t>(s.size());
      if (permanent) e_.permanent_ = static_cast<std::uint8_t>(e_.permanent_ | (1u << e_.strings_));
      std::memcpy(e_.bytes_.data() + used_, s.data(), s.size());
      used_ += s.size();
      ++e_.strings_;
    }
    /// Stores the entry with the computed record `a` (when it fits): in place of the word's entry when the
    /// set holds one, else in an empty slot of the set, else in place of its least recently used entry.
    void commit(const Attributes& a) noexcept {
      if (!ok_) return;
      const thread_table& t = table();
      if (t.entries() == nullptr) return;
      e_.attrs_ = std::bit_cast<std::array<std::byte, sizeof(Attributes)>>(a);
      const set_of at = locate(e_.store_, e_.id_);
      std::uint16_t* const tags = t.tags() + at.first;
      std::size_t way = ways;
      for (std::size_t w = 0; w < ways && way == ways; ++w)
        if (tags[w] == at.tag && same_key(t.entries()[at.first + w], e_.store_, e_.id_)) way = w;
      for (std::size_t w = 0; w < ways && way == ways; ++w)
        if (tags[w] == 0) way = w;
      std::uint8_t& order = t.order()[at.first / ways];
      if (way == ways) way = least_recent(order);
      t.entries()[at.first + way] = e_;
      tags[way] = at.tag;
      order = used(order, way);
    }

   private:
    entry e_;
    std::size_t used_ = 0;
    bool ok_;
  };

  /// The entry for `text` (id `id`) of store `store`, or nullptr; a hit makes the entry its set's most
  /// recently used. The pointer is valid until the next `commit` on this thread.
  /// Complexity: O(text.size()), no allocation after the thread's first call.
  [[nodiscard]] static const entry* find(std::uint64_t store, hash_t id, std::string_view text) noexcept {
    const thread_table& t = table();
    if (t.entries() == nullptr) return nullptr;
    const set_of at = locate(store, id);
    const std::uint16_t* const tags = t.tags() + at.first;
    for (std::size_t w = 0; w < ways; ++w) {
      if (tags[w] != at.tag) continue;  // the usual miss: no entry is read
      const entry& e = t.entries()[at.first + w];
      if (!same_key(e, store, id)) continue;
      if (e.text_size_ != text.size() || std::memcmp(e.bytes_.data(), text.data(), text.size()) != 0) return nullptr;
      std::uint8_t& order = t.order()[at.first / ways];
      order = used(order, w);
      return &e;
    }
    return nullptr;
  }

  /// The set that holds the word with id `id` of store `store` (for tests and diagnostics).
  /// Complexity: O(1). Throws: nothing.
  [[nodiscard]] static std::size_t set_index(std::uint64_t store, hash_t id) noexcept {
    return locate(store, id).first / ways;
  }

  /// Drops the entry `e`, whose word was found permanent: it can never be current again (the permanent
  /// layer's insert count only grows), and a later `find` of the word should cost a read of the tags
  /// only. Requires: `e` is what `find` returned on this thread, not invalidated since (checked builds
  /// assert that it is an entry of this thread's table). Complexity: O(1).
  static void forget(const entry& e) noexcept {
    const thread_table& t = table();
    LEXZONE_ASSERT(t.entries() != nullptr && &e >= t.entries() && &e < t.entries() + slots,
                   "attribute_cache::forget: not an entry of this thread's table");
    t.tags()[static_cast<std::size_t>(&e - t.entries())] = 0;  // an empty slot: the set's next commit takes it
  }

 private:
  // An entry's set (the index of its first slot), and its tag: 15 other bits of the same mix, never 0
  // (the tag of an empty slot).
  struct set_of {
    std::size_t first;
    std::uint16_t tag;
  };
  static set_of locate(std::uint64_t store, hash_t id) noexcept {
    const std::uint64_t h = (id ^ (store * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
    return {ways * static_cast<std::size_t>(h >> (64 - std::countr_zero(sets))),
            static_cast<std::uint16_t>((h >> 16) | 1u)};
  }
  static bool same_key(const entry& e, std::uint64_t store, hash_t id) noexcept {
    return e.store_ == store && e.id_ == id;
  }

  // A set's recency order: its 4 ways, 2 bits each, the most recently used in the low bits, stored
  // XOR the identity order (0, 1, 2, 3), so that the zero byte of a fresh table is a valid order.
  static constexpr unsigned identity_order = 0b11'10'01'00u;
  static std::size_t least_recent(std::uint8_t stored) noexcept { return ((stored ^ identity_order) >> 6) & 3u; }
  // `stored` with `way` moved to the front (the ways before it move back by one).
  static std::uint8_t used(std::uint8_t stored, std::size_t way) noexcept {
    const unsigned order = stored ^ identity_order;
    unsigned at = 0;
    while (at + 1 < ways && ((order >> (2 * at)) & 3u) != way) ++at;
    const unsigned before = order & ((1u << (2 * at)) - 1u);  // the ways more recent than `way`
    const unsigned after = order & ~((1u << (2 * at + 2)) - 1u);
    return static_cast<std::uint8_t>((after | (before << 2) | static_cast<unsigned>(way)) ^ identity_order);
  }

  class thread_table;
  // The calling thread's table, allocated on first use; its `entries()` are nullptr when that
  // allocation failed (then the thread computes every time).
  static const thread_table& table() noexcept {
    thread_local const thread_table t;
    return t;
  }

  // Owns a thread's table (the analyzer of clang-tidy 14 mistakes a function-local `thread_local`
  // unique_ptr for one freed on return): `slots` entries, then a tag per slot, which a lookup compares
  // first (2 bytes a slot, so that a miss reads no entry), then a recency byte per set. The block comes
  // zeroed from the system (zeroed_pages.hpp): all-zero bytes are an empty entry and tag and the identity
  // order (`entry` is an implicit-lifetime type, so the allocation creates the entries), and the system
  // hands out zeroed pages lazily, so a thread that creates few words keeps little of it resident, and
  // gives them all back when the thread ends.
  class thread_table {
   public:
    thread_table() noexcept : block_(static_cast<std::byte*>(allocate_zeroed_pages(block_bytes))) {
      static_assert(std::is_trivially_copyable_v<entry> && std::is_trivially_destructible_v<entry>,
                    "entries are created by the zeroed allocation (implicit-lifetime) and never destroyed");
    }
    [[nodiscard]] entry* entries() const noexcept { return reinterpret_cast<entry*>(block_.get()); }
    [[nodiscard]] std::uint16_t* tags() const noexcept {
      return reinterpret_cast<std::uint16_t*>(block_.get() + tags_at);
    }
    [[nodiscard]] std::uint8_t* order() const noexcept {
      return reinterpret_cast<std::uint8_t*>(block_.get() + order_at);
    }

   private:
    static constexpr std::size_t tags_at = slots * sizeof(entry);
    static constexpr std::size_t order_at = tags_at + slots * sizeof(std::uint16_t);
    static constexpr std::size_t block_bytes = order_at + sets;
    static_assert(tags_at % alignof(std::uint16_t) == 0);
    struct free_block {
      void operator()(std::byte* p) const noexcept { free_zeroed_pages(p, block_bytes); }
    };
    std::unique_ptr<std::byte, free_block> block_;
  };
};

}  // namespace lexzone::detail
