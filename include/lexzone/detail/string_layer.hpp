/// \file detail/string_layer.hpp
/// One layer of a string store: an arena of entries plus an index from hash to entry. A layer also holds
/// the lexeme records of the vocab that uses the store, each stored in front of its text, so that the
/// text of a lexeme is stored once and a lookup reads one place.
///
/// Entry layouts (the header is detail/entry.hpp's `(size << 2) | flags`):
/// - a string: `[low 32 bits of the id][header][bytes]` in a zone layer, `[header][bytes]` in the
///   permanent layer (which re-hashes its strings when it grows, to stay under 24 bytes of overhead per
///   string);
/// - a lexeme: `[record][header][bytes]`, 8-byte aligned, the record's last member being the 64-bit id.
///   With `entry_lexeme_only` (zone layers) the text is a string of another visible layer (the
///   permanent one or an enclosing zone, which outlive this one): the entry counts as a lexeme of this
///   layer, not as one of its strings.
///
/// A handle is the arena location of an entry's header; the index maps ids to handles (5 bytes a slot).
/// A layer holds at most one indexed entry per text. Entries never move; an entry that leaves the index
/// (a promoted string, a replaced entry) stays readable until the layer is cleared or destroyed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"
#include "arena.hpp"
#include "entry.hpp"
#include "index_table.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// An indexed entry found by a lookup (`header == nullptr`: none).
struct entry_ref {
  // 16 bytes, the pointer first: returned in two registers, not through the stack (a 24-byte layout
  // made callers store its fields one by one and load them back whole, a store-forwarding stall). No
  // tail padding either: with a 1-byte `flags`, copies moved 13 bytes as two overlapping 8-byte loads,
  // the second straddling the two stores that had just written the object (another stall).
  const std::byte* header = nullptr;
  std::uint32_t handle = 0;
  std::uint32_t flags = 0;

  explicit operator bool() const noexcept { return header != nullptr; }
  /// Whether the entry's text is a string of this layer.
  [[nodiscard]] bool string_visible() const noexcept { return (flags & entry_lexeme_only) == 0; }
  /// Whether a lexeme record precedes the header.
  [[nodiscard]] bool has_record() const noexcept { return (flags & entry_has_record) != 0; }
  /// The entry's text.
  [[nodiscard]] std::string_view text() const noexcept { return entry_text(header); }
};
static_assert(sizeof(entry_ref) == 2 * sizeof(void*) && std::has_unique_object_representations_v<entry_ref>,
              "entry_ref: returned in registers, copied as two whole words");

/// Which indexed entries a lookup considers.
enum class entry_kind : std::uint8_t {
  string,  ///< entries whose text is a string of this layer
  record,  ///< entries that carry a lexeme record
};

template <class Hasher, class Alloc, bool Concurrent>
class string_layer {
 public:
  /// An empty layer over `src`; a zone layer given `kept` keeps a chunk from one use to the next (see
  /// `arena`, whose bytes kept it reports there).
  string_layer(chunk_source<Alloc>& src, const Hasher& hasher, std::atomic<std::uint32_t>* kept = nullptr)
      : arena_(src, kept), index_(src.allocator()), hasher_(hasher) {}

  /// The entry of text `s` (id `h`) of kind `kind`, or none (also when another entry of that kind has
  /// id `h`: a collision). Complexity: O(1) expected; one header read and one compare for a hit.
  /// Throws: nothing.
  [[nodiscard]] LEXZONE_ALWAYS_INLINE entry_ref find_entry(hash_t h, std::string_view s,
                                                           entry_kind kind) const noexcept {
    bool mismatch = false;
    return find_text(h, s, kind, mismatch);
  }

  /// As `find_entry`, but another entry of kind `kind` with id `h` throws `hash_collision`. In a
  /// concurrent layer, an entry of text `s` that another thread inserted after the first probe may be
  /// what the collision check finds: it is returned, as if the first probe had seen it.
  [[nodiscard]] LEXZONE_ALWAYS_INLINE entry_ref find_entry_checked(hash_t h, std::string_view s,
                                                                   entry_kind kind) const {
    bool mismatch = false;
    const entry_ref e = find_text(h, s, kind, mismatch);
    if (LEXZONE_UNLIKELY(mismatch) && !e) {
      entry_ref colliding;
      const entry_ref found = after_mismatch(h, s, kind, colliding);
      if (colliding) throw hash_collision(h, colliding.text(), s);
      return found;
    }
    return e;
  }

  /// As `find_entry_checked`, but instead of throwing, sets `colliding` to the entry of kind `kind` with
  /// id `h` and another text (and returns none); leaves it alone otherwise. With `met`, sets `*met` when
  /// the probe met any entry that may have id `h`, of either kind; left alone, it proves that the layer
  /// holds no entry with id `h` at all (no string of `s` either, and none colliding). Throws: nothing.
  [[nodiscard]] LEXZONE_ALWAYS_INLINE entry_ref find_entry_or_colliding(hash_t h, std::string_view s, entry_kind kind,
                                                                        entry_ref& colliding,
                                                                        bool* met = nullptr) const noexcept {
    bool mismatch = false;
    const entry_ref e = find_text(h, s, kind, mismatch, met);
    if (LEXZONE_UNLIKELY(mismatch) && !e) return after_mismatch(h, s, kind, colliding);
    return e;
  }

  /// The entry of kind `kind` whose id is `h`, or none. Throws: nothing.
  [[nodiscard]] entry_ref find_id(hash_t h, entry_kind kind) const noexcept {
    entry_ref found;
    (void)index_.find(
        h,
        [&](std::uint32_t cand) LEXZONE_INLINE_LAMBDA {
          const entry_ref e = ref(cand);
          if (!accepts(e.flags, kind) || !id_is(e, h)) return false;
          found = e;
          return true;
        },
        found.handle);
    return found;
  }

  /// The string `s` (id `h`) of this layer, or nullopt (also when a different string has id `h`).
  [[nodiscard]] std::optional<std::string_view> find(hash_t h, std::string_view s) const noexcept {
    if (const entry_ref e = find_entry(h, s, entry_kind::string)) return e.text();
    return std::nullopt;
  }

  /// As `find`, but a different string with id `h` throws `hash_collision` (the add paths check this
  /// before storing).
  [[nodiscard]] std::optional<std::string_view> find_checked(hash_t h, std::string_view s) const {
    if (const entry_ref e = find_entry_checked(h, s, entry_kind::string)) return e.text();
    return std::nullopt;
  }

  /// The string of this layer whose id is `h`.
  [[nodiscard]] std::optional<std::string_view> find_hash(hash_t h) const noexcept {
    if (const entry_ref e = find_id(h, entry_kind::string)) return e.text();
    return std::nullopt;
  }

  /// Stores the string `s` (absent, id `h`) and returns the stored view. Strong guarantee.
  /// Throws: what the allocator throws, `capacity_error`.
  std::string_view insert(hash_t h, std::string_view s) {
    reserve_one(s.size());
    std::uint8_t header[10];
    const std::size_t hn = write_entry_header(s.size(), 0, header);
    constexpr std::size_t id_bytes = Concurrent ? 0 : sizeof(std::uint32_t);
    const auto a = arena_.allocate(id_bytes + hn + s.size());
    if constexpr (!Concurrent) {
      const auto low = static_cast<std::uint32_t>(h);
      std::memcpy(a.ptr, &low, sizeof low);
    }
    copy_header(a.ptr + id_bytes, header, hn);
    copy_bytes(a.ptr + id_bytes + hn, s.data(), s.size());
    index_.insert(h, a.loc + static_cast<std::uint32_t>(id_bytes));
    count_insert();  // after publishing: see `inserts`
    return {reinterpret_cast<const char*>(a.ptr + id_bytes + hn), s.size()};
  }

  /// Stores a lexeme entry for `s` (id `h`): `record_size` bytes (8-byte aligned, the last 8 the id),
  /// which `construct(void*)` fills (it must not throw), then the text; `lexeme_only` marks a text that is
  /// a string of another layer (the empty text is always one: every store holds it, with id 0). With
  /// `replace`, the indexed string entry `replace` (of the same text) leaves the index once the new entry
  /// is in it, so that readers always find one of them. Returns the address of the record. Strong
  /// guarantee. Throws: what the allocator throws, `capacity_error`.
  template <class Construct>
  void* insert_record(hash_t h, std::string_view s, std::size_t record_size, bool lexeme_only, const entry_ref* replace,
                      Construct&& construct) {
    reserve_one(s.size());
    std::uint8_t header[10];
    const auto flags = static_cast<std::uint8_t>(entry_has_record | (lexeme_only ? entry_lexeme_only : 0));
    const std::size_t hn = write_entry_header(s.size(), flags, header);
    const auto a = arena_.allocate(record_size + hn + s.size(), 8);
    construct(static_cast<void*>(a.ptr));
    copy_header(a.ptr + record_size, header, hn);
    copy_bytes(a.ptr + record_size + hn, s.data(), s.size());
    index_.insert(h, a.loc + static_cast<std::uint32_t>(record_size));
    if (lexeme_only) bump_hidden(1);
    if (replace != nullptr) index_.erase(h, replace->handle);
    count_insert();  // after publishing: see `inserts`
    return a.ptr;
  }

  /// Removes the string `s` (id `h`) from this layer: a plain entry leaves the index; a lexeme entry
  /// stays as its lexeme's (`entry_lexeme_only`). Zone layers only. Returns whether it was present.
  bool erase(hash_t h, std::string_view s) noexcept {
    static_assert(!Concurrent, "erase is only for private layers");
    const entry_ref e = find_entry(h, s, entry_kind::string);
    if (!e) return false;
    if (e.has_record()) {
      // The flags are the low bits of the header's first byte (written once, zone-private).
      *arena_.at(e.handle) |= std::byte{entry_lexeme_only};
      bump_hidden(1);
    } else {
      index_.erase(h, e.handle);
    }
    return true;
  }

  /// Removes the lexeme entry of `s` (id `h`) from the index. When the entry's text is still a string
  /// of this layer (a zone whose lexeme became permanent while an inner zone held the string, so that
  /// the promotion took the inner zone's), the string stays: it moves to a new plain entry first. The
  /// record stays readable at its address until the layer is cleared. Zone layers only. Returns whether
  /// a lexeme entry was present. Complexity: O(1) expected (plus the text's copy when the string moves).
  /// Strong guarantee. Throws: what the allocator throws and `capacity_error`, only when the string moves.
  bool erase_record(hash_t h, std::string_view s) {
    static_assert(!Concurrent, "erase is only for private layers");
    const entry_ref e = find_entry(h, s, entry_kind::record);
    if (!e) return false;
    if (e.string_visible()) {
      (void)insert(h, e.text());  // the arena keeps the old entry's bytes: e.text() stays valid
    } else {
      bump_hidden(-1);
    }
    index_.erase(h, e.handle);
    return true;
  }

  /// Calls `f(std::string_view)` for every string, in an unspecified order. No concurrent writer.
  template <class F>
  void for_each(F&& f) const {
    index_.for_each([&](std::uint32_t handle) {
      const entry_ref e = ref(handle);
      if (e.string_visible()) f(e.text());
    });
  }

  /// Calls `f(const std::byte* header)` for every indexed lexeme entry, in an unspecified order. No
  /// concurrent writer.
  template <class F>
  void for_each_record(F&& f) const {
    index_.for_each([&](std::uint32_t handle) {
      const entry_ref e = ref(handle);
      if (e.has_record()) f(e.header);
    });
  }

  /// Evicts every entry and gives the memory back (the layer is empty and usable afterwards), except the
  /// one chunk a zone layer keeps for its next use (see `arena::release`). Complexity: O(chunks + 1). No
  /// concurrent reader. Throws: nothing.
  void clear() noexcept {
    index_.clear();
    arena_.release(true);
    hidden_.store(0, std::memory_order_relaxed);
  }

  /// Entries inserted into this (concurrent) layer so far: a count that changes whenever a lookup could
  /// start finding something new, read with acquire. A reader that reads the count, then looks up, and
  /// later reads the same count again, knows that the lookup would answer the same: an insert is counted
  /// (with release) only after its entry is published, so an entry the lookup missed is counted after the
  /// first read; and entries are never removed from a concurrent layer (an entry replaced by a lexeme
  /// entry of the same text counts as an insert). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::uint64_t inserts() const noexcept requires Concurrent {
    return inserts_.load(std::memory_order_acquire);
  }

  /// Frees the index's outgrown tables (see `index_table::release_retired`). Requires: no concurrent
  /// reader. Complexity: O(outgrown tables). Throws: nothing.
  void release_retired() noexcept { index_.release_retired(); }

  /// Strings of this layer (lexeme entries whose text is another layer's are not counted).
  [[nodiscard]] std::size_t size() const noexcept {
    // hidden_ first: a writer bumps it (release) after the index's count, so the count read next is at
    // least as new, and a concurrent add reads as one more, never as a wrapped-around difference.
    const std::size_t hidden = hidden_.load(std::memory_order_acquire);
    return index_.size() - hidden;
  }
  [[nodiscard]] std::size_t bytes_held() const noexcept { return arena_.bytes_held() + index_.bytes_held(); }
  [[nodiscard]] const Hasher& hasher() const noexcept { return hasher_; }

 private:
  static bool accepts(std::uint32_t flags, entry_kind kind) noexcept {
    return kind == entry_kind::string ? (flags & entry_lexeme_only) == 0 : (flags & entry_has_record) != 0;
  }

  // The entry of kind `kind` whose text is `s`; `mismatch` is set when an entry of that kind with
  // another text was met (the only case where a collision is possible). Lexeme entries are matched by
  // their stored id first (a layer holds at most one with a given id), then by text. `*met` (if given)
  // is set when the index offered any candidate (an entry whose hash shares h's tag), of either kind.
  LEXZONE_ALWAYS_INLINE entry_ref find_text(hash_t h, std::string_view s, entry_kind kind, bool& mismatch,
                                            bool* met = nullptr) const noexcept {
    std::uint32_t handle = 0;
    if (kind == entry_kind::record) {
      const bool hit = index_.find(
          h,
          [&](std::uint32_t cand) LEXZONE_INLINE_LAMBDA {
            if (met != nullptr) *met = true;
            const std::byte* header = arena_.at(cand);
            return (entry_flags(header) & entry_has_record) != 0 && load<hash_t>(header - sizeof(hash_t)) == h;
          },
          handle);
      if (!hit) return {};
    } else {
      const bool hit = index_.find(
          h,
          [&](std::uint32_t cand) LEXZONE_INLINE_LAMBDA {
            if (met != nullptr) *met = true;
            const std::byte* header = arena_.at(cand);
            if (!accepts(entry_flags(header), kind)) return false;
            if (same_text(header, s)) return true;
            mismatch = true;
            return false;
          },
          handle);
      if (!hit) return {};
      return ref(handle);
    }
    const entry_ref e = ref(handle);
    if (LEXZONE_UNLIKELY(!same_text(e.header, s))) {
      mismatch = true;
      return {};
    }
    return e;
  }

  // Copies an entry header of `n` bytes (1 for texts under 32 bytes) from `header` to `to`.
  static LEXZONE_ALWAYS_INLINE void copy_header(std::byte* to, const std::uint8_t* header, std::size_t n) noexcept {
    if (n == 1) {
      *to = static_cast<std::byte>(header[0]);
    } else {
      std::memcpy(to, header, n);
    }
  }

  // Whether the entry whose header is at `header` has text `s`.
  static LEXZONE_ALWAYS_INLINE bool same_text(const std::byte* header, std::string_view s) noexcept {
    const auto first = static_cast<std::uint8_t>(*header);
    std::uint64_t value = first;
    const std::byte* bytes = header + 1;
    if (LEXZONE_UNLIKELY(first >= 0x80)) {
      bytes = header;
      value = read_entry_header(bytes);
    }
    const auto size = static_cast<std::size_t>(value >> entry_flag_bits);
    return size == s.size() && same_bytes(bytes, s.data(), size);
  }

  // After a probe for `s` (id `h`) met an entry of kind `kind` with another text under h's tag and
  // found none with text `s`: the entry of kind `kind` with id `h` when its text is `s` (inserted by
  // another thread since the probe; the other text only shared the tag), else none, and `colliding` set
  // to it when its text is another (a collision).
  entry_ref after_mismatch(hash_t h, std::string_view s, entry_kind kind, entry_ref& colliding) const noexcept {
    const entry_ref by_id = find_id(h, kind);
    if (!by_id || same_text(by_id.header, s)) return by_id;
    colliding = by_id;
    return {};
  }

  [[nodiscard]] entry_ref ref(std::uint32_t handle) const noexcept {
    const std::byte* header = arena_.at(handle);
    return {header, handle, entry_flags(header)};
  }

  // Whether the entry's id is `h`: a record's id is stored; a zone string's low 32 bits are, and
  // confirm before the string is hashed again; a permanent string is hashed again.
  [[nodiscard]] bool id_is(const entry_ref& e, hash_t h) const noexcept {
    if (e.has_record()) return load<hash_t>(e.header - sizeof(hash_t)) == h;
    if constexpr (!Concurrent) {
      if (load<std::uint32_t>(e.header - sizeof(std::uint32_t)) != static_cast<std::uint32_t>(h)) return false;
    }
    return static_cast<hash_t>(hasher_(e.text())) == h;
  }

  // The hash the index places `handle` by (the low 32 bits are enough: see index_table.hpp).
  [[nodiscard]] hash_t placement_hash(std::uint32_t handle) const noexcept {
    const entry_ref e = ref(handle);
    if (e.has_record()) return load<hash_t>(e.header - sizeof(hash_t));
    if constexpr (!Concurrent) {
      return load<std::uint32_t>(e.header - sizeof(std::uint32_t));
    } else {
      return static_cast<hash_t>(hasher_(e.text()));
    }
  }

  void reserve_one(std::size_t size) {
    if (LEXZONE_UNLIKELY(size > (std::size_t{1} << 31))) throw_too_long();
    index_.reserve_one([this](std::uint32_t handle) { return placement_hash(handle); });
  }
  [[noreturn]] LEXZONE_NOINLINE static void throw_too_long() {
    throw capacity_error("lexzone: string longer than 2 GiB");
  }

  template <class T>
  static T load(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  arena<Alloc, Concurrent> arena_;
  index_table<Alloc, Concurrent> index_;
  // Indexed lexeme_only entries. Written by the one writer, after the index's count; atomic because
  // `size()` reads it without the writer's lock (the permanent layer's size while another thread adds "",
  // whose lexeme is one).
  std::atomic<std::size_t> hidden_{0};
  void bump_hidden(int by) noexcept {
    hidden_.store(hidden_.load(std::memory_order_relaxed) + static_cast<std::size_t>(by), std::memory_order_release);
  }
  // Concurrent layers: entries inserted so far, each counted after it is published (see `inserts`).
  std::atomic<std::uint64_t> inserts_{0};
  Hasher hasher_;

  void count_insert() noexcept {
    if constexpr (Concurrent) inserts_.fetch_add(1, std::memory_order_release);
  }
};

}  // namespace lexzone::detail
