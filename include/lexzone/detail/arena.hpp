/// \file detail/arena.hpp
/// Chunked bump arena whose bytes never move, addressed by 32-bit locations, and the bounded chunk pool
/// that a store's zones share.
///
/// A location is `chunk_index << 16 | offset`. Normal chunks are 64 KiB; an allocation larger than a
/// quarter chunk gets a block of its own that occupies as many consecutive chunk indices as it spans, so
/// `at(location)` is one or two array reads and an add for every allocation. One arena addresses 2^16 chunk
/// indices, i.e. 4 GiB; past that `allocate` throws `capacity_error`.
///
/// Concurrency: one writer at a time. Readers may call `at()` concurrently with the writer for any
/// location that was published to them through a release/acquire pair after it was allocated (the index
/// table does that): the directory entries a reader touches are written before publication and never
/// change afterwards.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../errors.hpp"
#include "sanitizer.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

inline constexpr unsigned chunk_shift = 16;
inline constexpr std::size_t chunk_size = std::size_t{1} << chunk_shift;
inline constexpr std::size_t large_threshold = chunk_size / 4;
inline constexpr std::uint32_t dir_fanout = 256;  // top level and second level both have 256 entries

template <class Alloc, class T>
using rebind_t = typename std::allocator_traits<Alloc>::template rebind_alloc<T>;

/// The unit of lexzone's raw memory (arena chunks and blocks, index tables). An allocator of `std::byte`
/// need only align to 1, but lexeme records and atomics are placed in that memory: rebound to this
/// type, every allocator aligns it for any of them.
struct alignas(alignof(std::max_align_t)) aligned_unit {
  std::byte bytes[alignof(std::max_align_t)];
};

/// `n` bytes (rounded up to whole `aligned_unit`s) from `alloc` rebound, aligned to
/// `alignof(std::max_align_t)`. Throws: what the allocator throws.
template <class Alloc>
std::byte* allocate_aligned_bytes(const Alloc& alloc, std::size_t n) {
  rebind_t<Alloc, aligned_unit> a(alloc);
  const std::size_t units = n / sizeof(aligned_unit) + (n % sizeof(aligned_unit) != 0 ? 1 : 0);
  return reinterpret_cast<std::byte*>(std::to_address(std::allocator_traits<decltype(a)>::allocate(a, units)));
}
/// Gives back what `allocate_aligned_bytes(alloc, n)` returned (the same `n`). Throws: nothing.
template <class Alloc>
void deallocate_aligned_bytes(const Alloc& alloc, std::byte* p, std::size_t n) noexcept {
  using unit_alloc = rebind_t<Alloc, aligned_unit>;
  unit_alloc a(alloc);
  const std::size_t units = n / sizeof(aligned_unit) + (n % sizeof(aligned_unit) != 0 ? 1 : 0);
  std::allocator_traits<unit_alloc>::deallocate(a, reinterpret_cast<aligned_unit*>(p), units);
}

/// Where chunks and large blocks come from, with a pool of at most `max_pooled` free chunks.
///
/// Leases: a zone arena that asks when it takes a chunk may keep that one chunk when its zone closes, for
/// the next zone on the same node (`arena::release(true)`), so that a zone per request takes no lock and
/// allocates nothing. A leased chunk counts against the pool's bound from the moment it is granted until
/// `end_lease` returns it (also while an open zone uses it): free chunks plus leases never exceed
/// `max_pooled`, so the memory that closed zones keep is bounded exactly as before. At most half the
/// bound is leased (`max_leases`), so that at least the other half stays for the chunks that larger zones
/// share, however many threads hold a lease (none with a bound of 0 or 1).
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

  /// A 64 KiB chunk, from the pool when it has one: the most recently pooled (still in the CPU's
  /// caches); with AddressSanitizer the least recently pooled, so that the chunks of the zone that closed
  /// last stay poisoned longest (a stale view of the previous zone read during the next one is then
  /// reported, not handed that zone's bytes). With `lease` given, also asks for a lease on the chunk and
  /// sets `*lease` to whether it was granted (while fewer than `max_leases()` chunks are leased). Strong
  /// guarantee. Throws: what the allocator throws.
  std::byte* take_chunk(bool* lease = nullptr) {
    bool leased = false;
    {
      std::lock_guard lock(mutex_);
      // Free + leased stays within the bound: a pooled chunk moves from one to the other; a new one is
      // taken only when nothing is free, and leases stay at most half the bound.
      leased = lease != nullptr && leased_ < max_leases();
      if (leased) ++leased_;
      if (lease != nullptr) *lease = leased;
      if (!free_.empty()) {
#if LEXZONE_HAS_ASAN
        std::byte* c = free_.front();
        free_.erase(free_.begin());
#else
        std::byte* c = free_.back();
        free_.pop_back();
#endif
        unpoison(c, chunk_size);
        return c;
      }
    }
    try {
      return allocate_block(chunk_size);
    } catch (...) {
      if (leased) {
        std::lock_guard lock(mutex_);
        --leased_;
        *lease = false;
      }
      throw;
    }
  }

  /// The most chunks leased at once: half the bound.
  [[nodiscard]] std::size_t max_leases() const noexcept { return max_pooled_ / 2; }

  /// Returns a chunk: pooled (and poisoned) while free chunks plus leases are below the bound, else
  /// freed. Throws: nothing.
  void give_chunk(std::byte* c) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (free_.size() + leased_ < max_pooled_) {
        poison(c, chunk_size);
        free_.push_back(c);  // capacity reserved: cannot throw
        return;
      }
    }
    deallocate_block(c, chunk_size);
  }

  /// Ends the lease on `c` (a chunk `take_chunk` granted one on) and pools it (poisoned): it counted
  /// against the bound already. Throws: nothing.
  void end_lease(std::byte* c) noexcept {
    std::lock_guard lock(mutex_);
    --leased_;  // free + leased was within the bound: the chunk fits in the pool
    poison(c, chunk_size);
    free_.push_back(c);  // capacity reserved: cannot throw
  }

  std::byte* allocate_block(std::size_t n) { return allocate_aligned_bytes(alloc_, n); }
  void deallocate_block(std::byte* p, std::size_t n) noexcept { deallocate_aligned_bytes(alloc_, p, n); }

  /// Fills the pool to its bound (less the chunks leased) with chunks whose pages are touched, so the
  /// pool's memory is resident from now on instead of growing as bigger zones come. Throws: what the
  /// allocator throws (the chunks allocated so far stay pooled).
  void prefill() {
    std::lock_guard lock(mutex_);
    while (free_.size() + leased_ < max_pooled_) {
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
  /// Chunks leased now (in use or kept by zone arenas). Thread safety: any thread; a snapshot.
  [[nodiscard]] std::size_t leased_chunks() const {
    std::lock_guard lock(mutex_);
    return leased_;
  }
  [[nodiscard]] const Alloc& allocator() const noexcept { return alloc_; }

 private:
  Alloc alloc_;
  mutable std::mutex mutex_;
  std::vector<std::byte*, rebind_t<Alloc, std::byte*>> free_;
  std::size_t max_pooled_;
  std::size_t leased_ = 0;  // leases granted and not ended (see the class comment)
};

/// A byte count that one writer changes and, when `Shared`, any thread may read without the writer's lock
/// (a relaxed atomic: a reader gets a recent value, for monitoring). Otherwise a plain integer.
template <bool Shared>
class writer_count {
 public:
  [[nodiscard]] std::size_t get() const noexcept {
    if constexpr (Shared) {
      return v_.load(std::memory_order_relaxed);
    } else {
      return v_;
    }
  }
  void set(std::size_t n) noexcept {
    if constexpr (Shared) {
      v_.store(n, std::memory_order_relaxed);
    } else {
      v_ = n;
    }
  }
  void add(std::size_t n) noexcept { set(get() + n); }
  void sub(std::size_t n) noexcept { set(get() - n); }

 private:
  std::conditional_t<Shared, std::atomic<std::size_t>, std::size_t> v_{0};
};

/// Bump allocator over chunks from a `chunk_source`. Memory is given back by `release` (a zone's close:
/// all but the kept chunk described below) or when the arena dies; the arena is then empty and may be
/// used again.
///
/// The directory from chunk index to address: with `Concurrent` (permanent layers, read without locks)
/// two levels of 256 entries whose top level lives inside the arena and whose second-level tables never
/// move once made, so a reader never sees a directory being replaced. Without it (zone layers, one thread
/// at a time) one level that starts inside the arena (8 entries: a zone of up to 512 KiB allocates no
/// directory) and doubles when full. Opening and closing a zone that stores little therefore allocates
/// nothing but its chunks (the kept one, else from the pool).
///
/// A zone arena given a `kept` cell also asks the source for a lease on the first chunk it takes while it
/// holds none (once between releases; see `chunk_source`), and `release(true)` keeps that chunk for the
/// arena's next use instead of returning it: a zone node's next zone then starts on it without the pool's
/// lock. `*kept` holds the bytes kept and not in use (the chunk's size or 0), for the store's
/// `pooled_bytes`; it is written by the arena's thread and may be read by any. With AddressSanitizer no
/// lease is asked for: every chunk goes back to the pool, poisoned, so that a stale view of a closed zone
/// is reported rather than handed the next zone's bytes.
template <class Alloc, bool Concurrent>
class arena {
 public:
  struct allocation {
    std::uint32_t loc;
    std::byte* ptr;
  };

  explicit arena(chunk_source<Alloc>& src, std::atomic<std::uint32_t>* kept = nullptr)
      : src_(&src), large_(rebind_t<Alloc, large_block>(src.allocator())) {
    if constexpr (!Concurrent) {
      dir_ = small_dir_;
      kept_ = kept;
    }
  }
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  ~arena() { release(false); }

  /// `n` bytes aligned to `align` (a power of two <= 16). Strong guarantee: on a throw nothing changed.
  /// Throws: what the allocator throws; `capacity_error` past 4 GiB of chunk indices.
  LEXZONE_ALWAYS_INLINE allocation allocate(std::size_t n, std::size_t align = 1) {
    const std::size_t off = (cur_used_ + (align - 1)) & ~(align - 1);
    if (LEXZONE_UNLIKELY(cur_ == nullptr || n > large_threshold || off + n > chunk_size)) return allocate_slow(n);
    const std::uint32_t loc = (cur_index_ << chunk_shift) | static_cast<std::uint32_t>(off);
    std::byte* p = cur_ + off;
    cur_used_ = off + n;
    bytes_used_ += n;
    return {loc, p};
  }

  /// The address of location `loc`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::byte* at(std::uint32_t loc) const noexcept {
    const std::uint32_t ci = loc >> chunk_shift;
    if constexpr (Concurrent) {
      return top_[ci / dir_fanout][ci % dir_fanout] + (loc & (chunk_size - 1));
    } else {
      return dir_[ci] + (loc & (chunk_size - 1));
    }
  }

  /// Bytes of memory this arena holds (chunks, blocks and directory tables it allocated).
  [[nodiscard]] std::size_t bytes_held() const noexcept { return bytes_held_.get(); }
  /// Bytes handed out by `allocate`.
  [[nodiscard]] std::size_t bytes_used() const noexcept { return bytes_used_; }

  /// Gives every chunk back to the source (pool) and every block and directory table to the allocator;
  /// the arena is empty afterwards. With `keep_lease`, the leased chunk (see the class comment) stays
  /// with the arena, unused, for its next allocations; without, its lease ends too. Complexity:
  /// O(chunks); nothing when the arena is empty. Not concurrently with readers. Throws: nothing.
  void release(bool keep_lease) noexcept {
    if (next_index_ != 0) {
      release_chunks();
    } else if (bytes_held_.get() != 0) {
      // No chunk, yet directory tables: made for a first allocation that then failed (`reserve_dir`
      // keeps them for the next call). They are all this arena holds.
      free_directory();
      large_.shrink_to_fit();  // empty; its capacity may have been reserved for the failed block
      bytes_held_.set(0);
    }
    if constexpr (!Concurrent) {
      if (!keep_lease && reserve_ != nullptr) {
        src_->end_lease(reserve_);
        reserve_ = leased_ = nullptr;
        set_kept(0);
      }
    }
  }

 private:
  struct large_block {
    std::uint32_t index;  // first chunk index it occupies
    std::uint32_t count;  // chunk indices it occupies
    std::size_t size;     // bytes allocated
  };
  using table_alloc = rebind_t<Alloc, std::byte*>;
  static constexpr std::uint32_t small_dir_size = 8;

  std::byte* chunk_at(std::uint32_t ci) const noexcept {
    if constexpr (Concurrent) {
      return top_[ci / dir_fanout][ci % dir_fanout];
    } else {
      return dir_[ci];
    }
  }

  std::byte** allocate_table(std::size_t n) {
    table_alloc a(src_->allocator());
    std::byte** t = std::allocator_traits<table_alloc>::allocate(a, n);
    bytes_held_.add(n * sizeof(std::byte*));
    return t;
  }
  void deallocate_table(std::byte** t, std::size_t n) noexcept {
    table_alloc a(src_->allocator());
    std::allocator_traits<table_alloc>::deallocate(a, t, n);
  }

  void free_directory() noexcept {
    if constexpr (Concurrent) {
      for (std::uint32_t i = 0; i < tables_; ++i) {
        deallocate_table(top_[i], dir_fanout);
        top_[i] = nullptr;
      }
      tables_ = 0;
    } else {
      if (dir_ != small_dir_) deallocate_table(dir_, dir_capacity_);
      dir_ = small_dir_;
      dir_capacity_ = small_dir_size;
    }
  }

  // Makes sure directory slots [next_index_, next_index_ + count) exist. Strong guarantee.
  void reserve_dir(std::uint32_t count) {
    const std::size_t end = std::size_t{next_index_} + count;
    if (end > std::size_t{dir_fanout} * dir_fanout)
      throw capacity_error("lexzone: one layer holds at most 4 GiB of string bytes");
    if constexpr (Concurrent) {
      // Second-level tables [0, tables_) exist; make those up to `end` (never moved afterwards: readers
      // may follow them at any time). A table made before a later failure is kept for the next call.
      const auto need = static_cast<std::uint32_t>((end + dir_fanout - 1) / dir_fanout);
      for (; tables_ < need; ++tables_) top_[tables_] = allocate_table(dir_fanout);
    } else {
      if (end <= dir_capacity_) return;
      const std::size_t cap = std::max(std::size_t{dir_capacity_} * 2, end);
      std::byte** grown = allocate_table(cap);
      std::copy_n(dir_, next_index_, grown);
      if (dir_ != small_dir_) {
        deallocate_table(dir_, dir_capacity_);
        bytes_held_.sub(dir_capacity_ * sizeof(std::byte*));
      }
      dir_ = grown;
      dir_capacity_ = static_cast<std::uint32_t>(cap);
    }
  }

  void map(std::uint32_t first, std::uint32_t count, std::byte* base) noexcept {
    for (std::uint32_t k = 0; k < count; ++k) {
      std::byte* p = base + std::size_t{k} * chunk_size;
      if constexpr (Concurrent) {
        top_[(first + k) / dir_fanout][(first + k) % dir_fanout] = p;
      } else {
        dir_[first + k] = p;
      }
    }
  }

  // `release` of a non-empty arena; the leased chunk becomes the kept one.
  void release_chunks() noexcept {
    if constexpr (!Concurrent) lease_asked_ = false;
    std::size_t next_large = 0;
    for (std::uint32_t i = 0; i < next_index_;) {
      std::byte* p = chunk_at(i);
      if (next_large < large_.size() && large_[next_large].index == i) {
        const large_block& b = large_[next_large++];
        src_->deallocate_block(p, b.size);
        i += b.count;
        continue;
      }
      ++i;
      if constexpr (!Concurrent) {
        if (p == leased_) {
          reserve_ = p;
          set_kept(chunk_size);
          continue;
        }
      }
      src_->give_chunk(p);
    }
    large_.clear();
    large_.shrink_to_fit();
    free_directory();
    cur_ = nullptr;
    cur_used_ = 0;
    next_index_ = 0;
    bytes_held_.set(0);
    bytes_used_ = 0;
  }

  // The next chunk: the one kept for this arena (no lock), else one from the source, with a lease asked
  // for when the arena keeps chunks and holds no lease yet.
  std::byte* next_chunk() {
    if constexpr (!Concurrent && !LEXZONE_HAS_ASAN) {
      if (reserve_ != nullptr) {
        set_kept(0);
        return std::exchange(reserve_, nullptr);
      }
      if (kept_ != nullptr && leased_ == nullptr && !lease_asked_) {
        lease_asked_ = true;  // once per use: a refusal holds until the next
        bool lease = false;
        std::byte* c = src_->take_chunk(&lease);
        if (lease) leased_ = c;
        return c;
      }
    }
    return src_->take_chunk();
  }

  void set_kept(std::size_t bytes) noexcept {
    if constexpr (!Concurrent) {
      if (kept_ != nullptr) kept_->store(static_cast<std::uint32_t>(bytes), std::memory_order_relaxed);
    }
  }

  // `allocate` when the current chunk cannot take `n` bytes: a large block, or a new chunk.
  LEXZONE_NOINLINE allocation allocate_slow(std::size_t n) {
    if (n > large_threshold) return allocate_large(n);
    new_chunk();
    const std::uint32_t loc = cur_index_ << chunk_shift;
    cur_used_ = n;
    bytes_used_ += n;
    return {loc, cur_};
  }

  void new_chunk() {
    reserve_dir(1);
    std::byte* c = next_chunk();
    map(next_index_, 1, c);
    cur_ = c;
    cur_index_ = next_index_++;
    cur_used_ = 0;
    bytes_held_.add(chunk_size);
  }

  allocation allocate_large(std::size_t n) {
    const auto count = static_cast<std::uint32_t>((n + chunk_size - 1) / chunk_size);
    reserve_dir(count);
    large_.reserve(large_.size() + 1);
    std::byte* p = src_->allocate_block(n);
    large_.push_back(large_block{next_index_, count, n});  // capacity reserved: cannot throw
    map(next_index_, count, p);
    const std::uint32_t loc = next_index_ << chunk_shift;
    next_index_ += count;
    bytes_held_.add(n);
    bytes_used_ += n;
    return {loc, p};
  }

  chunk_source<Alloc>* src_;
  std::vector<large_block, rebind_t<Alloc, large_block>> large_;  // in index order
  std::byte* cur_ = nullptr;
  std::uint32_t cur_index_ = 0;
  std::uint32_t next_index_ = 0;
  std::size_t cur_used_ = 0;
  writer_count<Concurrent> bytes_held_;  // read by `stats()` without the writer's lock when Concurrent
  std::size_t bytes_used_ = 0;
  // Directory (see the class comment): top level (Concurrent) or the one level's start (otherwise).
  std::byte** top_[Concurrent ? dir_fanout : 1] = {};
  // Zone arenas (see the class comment): the chunk leased, whether in use or kept; the kept one while
  // unused (nullptr otherwise); where to report the bytes kept.
  std::byte* leased_ = nullptr;
  std::byte* reserve_ = nullptr;
  std::atomic<std::uint32_t>* kept_ = nullptr;
  bool lease_asked_ = false;  // since the last release (a refused lease is not asked for again)
  std::uint32_t tables_ = 0;  // second-level tables made (Concurrent)
  std::byte** dir_ = nullptr;
  std::uint32_t dir_capacity_ = small_dir_size;
  std::byte* small_dir_[Concurrent ? 1 : small_dir_size] = {};
};

}  // namespace lexzone::detail
