/// \file detail/arena.hpp
/// Chunked bump arena whose bytes never move, addressed by 32-bit locations, and the bounded chunk pool
/// that a store's zones share.
///
/// A location is `chunk_index << 16 | offset`. Normal chunks are 64 KiB; an allocation larger than a
/// quarter chunk gets a block of its own that occupies as many consecutive chunk indices as it spans, so
/// `at(location)` is two array reads and an add for every allocation. One arena addresses 2^16 chunk
/// indices, i.e. 4 GiB; past that `allocate` throws `capacity_error`.
///
/// Concurrency: one writer at a time. Readers may call `at()` concurrently with the writer for any
/// location that was published to them through a release/acquire pair after it was allocated (the index
/// table does that): the directory entries a reader touches are written before publication and never
/// change afterwards.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "../errors.hpp"
#include "sanitizer.hpp"

namespace lexzone::detail {

inline constexpr unsigned chunk_shift = 16;
inline constexpr std::size_t chunk_size = std::size_t{1} << chunk_shift;
inline constexpr std::size_t large_threshold = chunk_size / 4;
inline constexpr std::uint32_t dir_fanout = 256;  // top level and second level both have 256 entries

template <class Alloc, class T>
using rebind_t = typename std::allocator_traits<Alloc>::template rebind_alloc<T>;

/// Where chunks and large blocks come from, with a pool of at most `max_pooled` free chunks.
/// Thread safety: every member may be called concurrently (the pool is guarded by a mutex).
template <class Alloc>
class chunk_source {
 public:
  explicit chunk_source(const Alloc& a = Alloc(), std::size_t max_pooled = 16)
      : alloc_(a), free_(rebind_t<Alloc, std::byte*>(a)), max_pooled_(max_pooled) {
    free_.reserve(max_pooled_);
  }
  chunk_source(const chunk_source&) = delete;
  chunk_source& operator=(const chunk_source&) = delete;
  ~chunk_source() { trim(); }

  /// A 64 KiB chunk, from the pool when it has one. Throws: what the allocator throws.
  std::byte* take_chunk() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        std::byte* c = free_.back();
        free_.pop_back();
        unpoison(c, chunk_size);
        return c;
      }
    }
    return allocate_block(chunk_size);
  }

  /// Returns a chunk: pooled (and poisoned) while the pool has room, else freed. Throws: nothing.
  void give_chunk(std::byte* c) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (free_.size() < max_pooled_) {
        poison(c, chunk_size);
        free_.push_back(c);  // capacity reserved: cannot throw
        return;
      }
    }
    deallocate_block(c, chunk_size);
  }

  std::byte* allocate_block(std::size_t n) {
    byte_alloc a(alloc_);
    return std::allocator_traits<byte_alloc>::allocate(a, n);
  }
  void deallocate_block(std::byte* p, std::size_t n) noexcept {
    byte_alloc a(alloc_);
    std::allocator_traits<byte_alloc>::deallocate(a, p, n);
  }

  /// Fills the pool to its bound with chunks whose pages are touched, so the pool's memory is resident
  /// from now on instead of growing as bigger zones come. Throws: what the allocator throws (the chunks
  /// allocated so far stay pooled).
  void prefill() {
    std::lock_guard lock(mutex_);
    while (free_.size() < max_pooled_) {
      std::byte* c = allocate_block(chunk_size);
      std::memset(c, 0, chunk_size);
      poison(c, chunk_size);
      free_.push_back(c);  // capacity reserved: cannot throw
    }
  }

  /// Frees every pooled chunk. Throws: nothing.
  void trim() noexcept {
    std::lock_guard lock(mutex_);
    for (std::byte* c : free_) {
      unpoison(c, chunk_size);
      deallocate_block(c, chunk_size);
    }
    free_.clear();
  }
  [[nodiscard]] std::size_t pooled_bytes() const {
    std::lock_guard lock(mutex_);
    return free_.size() * chunk_size;
  }
  [[nodiscard]] std::size_t max_pooled_chunks() const noexcept { return max_pooled_; }
  [[nodiscard]] const Alloc& allocator() const noexcept { return alloc_; }

 private:
  using byte_alloc = rebind_t<Alloc, std::byte>;
  Alloc alloc_;
  mutable std::mutex mutex_;
  std::vector<std::byte*, rebind_t<Alloc, std::byte*>> free_;
  std::size_t max_pooled_;
};

/// Bump allocator over chunks from a `chunk_source`. Memory is given back only when the arena dies.
template <class Alloc>
class arena {
 public:
  struct allocation {
    std::uint32_t loc;
    std::byte* ptr;
  };
  struct block {
    std::byte* ptr;
    std::size_t size;  // bytes allocated for the block
    std::size_t used;  // bytes handed out (== size for a large block)
    bool large;
  };

  explicit arena(chunk_source<Alloc>& src) : src_(&src), blocks_(rebind_t<Alloc, block>(src.allocator())) {}
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  ~arena() { release(); }

  /// `n` bytes aligned to `align` (a power of two <= 16). Strong guarantee: on a throw nothing changed.
  /// Throws: what the allocator throws; `capacity_error` past 4 GiB of chunk indices.
  allocation allocate(std::size_t n, std::size_t align = 1) {
    if (n > large_threshold) return allocate_large(n);
    std::size_t off = (cur_used_ + (align - 1)) & ~(align - 1);
    if (cur_ == nullptr || off + n > chunk_size) {
      new_chunk();
      off = 0;
    }
    const std::uint32_t loc = (cur_index_ << chunk_shift) | static_cast<std::uint32_t>(off);
    std::byte* p = cur_ + off;
    cur_used_ = off + n;
    // The current chunk's record, not blocks_.back(): a large block made after this chunk is the back
    // (hardening fix: updating back() left the chunk's `used` stale, so for_each_block readers such as
    // string_layer::for_each skipped every string added to the chunk after a large one).
    blocks_[cur_block_].used = cur_used_;
    bytes_used_ += n;
    return {loc, p};
  }

  /// The address of location `loc`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::byte* at(std::uint32_t loc) const noexcept {
    const std::uint32_t ci = loc >> chunk_shift;
    return dir_[ci / dir_fanout][ci % dir_fanout] + (loc & (chunk_size - 1));
  }

  /// Calls `f(const block&)` for every block in the order they were made.
  template <class F>
  void for_each_block(F&& f) const {
    for (const block& b : blocks_) f(b);
  }

  /// Bytes of memory this arena holds (chunks, blocks and directory).
  [[nodiscard]] std::size_t bytes_held() const noexcept { return bytes_held_; }
  /// Bytes handed out by `allocate`.
  [[nodiscard]] std::size_t bytes_used() const noexcept { return bytes_used_; }

  /// Gives every chunk back to the source (pool) and every block to the allocator. Throws: nothing.
  void release() noexcept {
    for (const block& b : blocks_) {
      if (b.large) {
        src_->deallocate_block(b.ptr, b.size);
      } else {
        src_->give_chunk(b.ptr);
      }
    }
    blocks_.clear();
    blocks_.shrink_to_fit();
    for (std::uint32_t i = 0; dir_ != nullptr && i < dir_fanout; ++i) {
      if (dir_[i] != nullptr) {
        dir_alloc a(src_->allocator());
        std::allocator_traits<dir_alloc>::deallocate(a, dir_[i], dir_fanout);
        dir_[i] = nullptr;
      }
    }
    if (dir_ != nullptr) {
      top_alloc a(src_->allocator());
      std::allocator_traits<top_alloc>::deallocate(a, dir_, dir_fanout);
      dir_ = nullptr;
    }
    cur_ = nullptr;
    cur_block_ = 0;
    cur_used_ = 0;
    next_index_ = 0;
    bytes_held_ = 0;
    bytes_used_ = 0;
  }

 private:
  using dir_alloc = rebind_t<Alloc, std::byte*>;
  using top_alloc = rebind_t<Alloc, std::byte**>;

  // Makes sure directory slots [first, first + count) exist. Strong guarantee.
  void reserve_dir(std::uint32_t first, std::uint32_t count) {
    if (std::size_t{first} + count > std::size_t{dir_fanout} * dir_fanout)
      throw capacity_error("lexzone: one layer holds at most 4 GiB of string bytes");
    if (dir_ == nullptr) {
      top_alloc a(src_->allocator());
      std::byte*** t = std::allocator_traits<top_alloc>::allocate(a, dir_fanout);
      std::fill_n(t, dir_fanout, nullptr);
      dir_ = t;
      bytes_held_ += dir_fanout * sizeof(void*);
    }
    for (std::uint32_t i = first / dir_fanout; i <= (first + count - 1) / dir_fanout; ++i) {
      if (dir_[i] == nullptr) {
        dir_alloc a(src_->allocator());
        std::byte** d = std::allocator_traits<dir_alloc>::allocate(a, dir_fanout);
        std::fill_n(d, dir_fanout, nullptr);
        dir_[i] = d;
        bytes_held_ += dir_fanout * sizeof(void*);
      }
    }
  }

  void map(std::uint32_t first, std::uint32_t count, std::byte* base) noexcept {
    for (std::uint32_t k = 0; k < count; ++k)
      dir_[(first + k) / dir_fanout][(first + k) % dir_fanout] = base + std::size_t{k} * chunk_size;
  }

  void new_chunk() {
    reserve_dir(next_index_, 1);
    blocks_.reserve(blocks_.size() + 1);
    std::byte* c = src_->take_chunk();
    blocks_.push_back(block{c, chunk_size, 0, false});
    map(next_index_, 1, c);
    cur_ = c;
    cur_block_ = blocks_.size() - 1;
    cur_index_ = next_index_++;
    cur_used_ = 0;
    bytes_held_ += chunk_size;
  }

  allocation allocate_large(std::size_t n) {
    const auto count = static_cast<std::uint32_t>((n + chunk_size - 1) / chunk_size);
    reserve_dir(next_index_, count);
    blocks_.reserve(blocks_.size() + 1);
    std::byte* p = src_->allocate_block(n);
    blocks_.push_back(block{p, n, n, true});
    map(next_index_, count, p);
    const std::uint32_t loc = next_index_ << chunk_shift;
    next_index_ += count;
    bytes_held_ += n;
    bytes_used_ += n;
    return {loc, p};
  }

  chunk_source<Alloc>* src_;
  std::byte*** dir_ = nullptr;
  std::vector<block, rebind_t<Alloc, block>> blocks_;
  std::byte* cur_ = nullptr;
  std::size_t cur_block_ = 0;  // index in blocks_ of the current chunk (valid while cur_ != nullptr)
  std::uint32_t cur_index_ = 0;
  std::uint32_t next_index_ = 0;
  std::size_t cur_used_ = 0;
  std::size_t bytes_held_ = 0;
  std::size_t bytes_used_ = 0;
};

}  // namespace lexzone::detail
