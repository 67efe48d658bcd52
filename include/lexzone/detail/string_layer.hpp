/// \file detail/string_layer.hpp
/// One layer of a string store: an arena of entries plus an index from hash to entry.
///
/// Entry layout: a LEB128 header `(size << 1) | erased` followed by the bytes (no terminator, no padding).
/// A handle is the entry's arena location. The entry stores no hash: a lookup by id confirms its
/// candidate by hashing it again. Growth needs no re-hashing in zone layers, whose index keeps 32 bits
/// of each hash beside the handle (see index_table.hpp); the permanent layer re-hashes when it grows, to
/// stay under 24 bytes of overhead per string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "../errors.hpp"
#include "arena.hpp"
#include "index_table.hpp"

namespace lexzone::detail {

template <class Hasher, class Alloc, bool Concurrent>
class string_layer {
 public:
  string_layer(chunk_source<Alloc>& src, const Hasher& hasher)
      : arena_(src), index_(src.allocator()), hasher_(hasher) {}

  /// The string stored at `handle`.
  [[nodiscard]] std::string_view view(std::uint32_t handle) const noexcept {
    const std::byte* p = arena_.at(handle);
    const std::uint64_t header = read_header(p);
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(header >> 1)};
  }

  /// Finds `s` (whose hash is `h`): its stored view, or nullopt when absent. A different string with
  /// hash `h` (a collision) also gives nullopt: `s` is not stored. Throws: nothing.
  [[nodiscard]] std::optional<std::string_view> find(hash_t h, std::string_view s) const noexcept {
    std::string_view clash;
    bool collided = false;
    return lookup(h, s, clash, collided);
  }

  /// As `find`, but a collision throws `hash_collision` (the add paths check this before storing).
  [[nodiscard]] std::optional<std::string_view> find_checked(hash_t h, std::string_view s) const {
    std::string_view clash;
    bool collided = false;
    auto v = lookup(h, s, clash, collided);
    if (LEXZONE_UNLIKELY(collided)) throw hash_collision(h, clash, s);
    return v;
  }

  /// Finds the string whose hash is `h`; recomputes candidates' hashes to confirm.
  [[nodiscard]] std::optional<std::string_view> find_hash(hash_t h) const noexcept {
    std::uint32_t handle = 0;
    const auto has_hash = [&](std::uint32_t cand) { return hash_at(cand) == h; };
    if (index_.find(h, has_hash, handle)) return view(handle);
    return std::nullopt;
  }

  /// The hash of the entry at `handle` (recomputed).
  [[nodiscard]] hash_t hash_at(std::uint32_t handle) const noexcept {
    return static_cast<hash_t>(hasher_(view(handle)));
  }

  /// Stores `s` (absent, hash `h`) and returns the stored view. Strong guarantee.
  /// Throws: what the allocator throws, `capacity_error`.
  std::string_view insert(hash_t h, std::string_view s) {
    index_.reserve_one([this](std::uint32_t handle) { return hash_at(handle); });
    if (s.size() > (std::size_t{1} << 31)) throw capacity_error("lexzone: string longer than 2 GiB");
    std::uint8_t header[10];
    std::size_t hn = 0;
    for (std::uint64_t v = std::uint64_t{s.size()} << 1;; v >>= 7) {
      header[hn++] = static_cast<std::uint8_t>((v & 0x7Fu) | (v >= 0x80 ? 0x80u : 0u));
      if (v < 0x80) break;
    }
    const auto a = arena_.allocate(hn + s.size());
    std::memcpy(a.ptr, header, hn);
    if (!s.empty()) std::memcpy(a.ptr + hn, s.data(), s.size());
    index_.insert(h, a.loc);
    return {reinterpret_cast<const char*>(a.ptr + hn), s.size()};
  }

  /// Removes the string `s` (hash `h`) from the index and marks its entry erased; its bytes stay valid
  /// until the layer dies. Not for Concurrent layers. Returns whether it was present.
  bool erase(hash_t h, std::string_view s) noexcept {
    static_assert(!Concurrent, "erase is only for private layers");
    std::uint32_t handle = 0;
    const auto same_text = [&](std::uint32_t cand) { return view(cand) == s; };
    if (!index_.find(h, same_text, handle)) return false;
    index_.erase(h, handle);
    *arena_.at(handle) |= std::byte{1};  // the erased bit is bit 0 of the first header byte
    return true;
  }

  /// Calls `f(std::string_view)` for every live string, in arena order. No concurrent writer.
  template <class F>
  void for_each(F&& f) const {
    arena_.for_each_block([&](const auto& b) {
      const std::byte* p = b.ptr;
      const std::byte* end = b.ptr + b.used;
      while (p < end) {
        const std::uint64_t header = read_header(p);
        const auto n = static_cast<std::size_t>(header >> 1);
        if ((header & 1u) == 0) f(std::string_view(reinterpret_cast<const char*>(p), n));
        p += n;
      }
    });
  }

  [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
  [[nodiscard]] std::size_t bytes_held() const noexcept { return arena_.bytes_held() + index_.bytes_held(); }
  [[nodiscard]] const Hasher& hasher() const noexcept { return hasher_; }

 private:
  // Reads an entry's LEB128 header `(size << 1) | erased` at `p` and advances `p` to the bytes.
  static std::uint64_t read_header(const std::byte*& p) noexcept {
    std::uint64_t header = 0;
    for (unsigned shift = 0;; shift += 7) {
      const auto b = static_cast<std::uint8_t>(*p++);
      header |= std::uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80u) == 0) return header;
    }
  }

  std::optional<std::string_view> lookup(hash_t h, std::string_view s, std::string_view& clash,
                                         bool& collided) const noexcept {
    std::uint32_t handle = 0;
    const bool found = index_.find(
        h,
        [&](std::uint32_t cand) {
          const std::string_view v = view(cand);
          if (v.size() == s.size() && std::memcmp(v.data(), s.data(), s.size()) == 0) return true;
          if (hash_at(cand) == h) {
            collided = true;
            clash = v;
          }
          return false;
        },
        handle);
    if (found) return view(handle);
    return std::nullopt;
  }

  arena<Alloc> arena_;
  index_table<Alloc, Concurrent> index_;
  Hasher hasher_;
};

}  // namespace lexzone::detail
