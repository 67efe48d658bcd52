// ner_service: bounds on the memory that requests hold.
//
// `memory_budget` counts the bytes of request bodies and responses that exist at once, whatever the
// number of connections: a request that cannot get its bytes is refused with 503 instead of growing the
// process. A `budget_lease` holds part of the budget and gives it back when it is destroyed.
// `buffer_pool` keeps a bounded number of small, emptied buffers for the next requests and responses, so
// that steady traffic reuses memory instead of allocating and freeing it per request.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lexzone::ner_service {

/// A byte budget shared by every connection and worker. Thread safety: every member may be called
/// concurrently. Throws: nothing.
class memory_budget {
 public:
  explicit memory_budget(std::size_t limit) noexcept : limit_(limit) {}

  /// Takes `n` bytes if they fit under the limit; false (nothing taken) otherwise.
  bool try_take(std::size_t n) noexcept {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ || used > limit_ - n) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  /// Takes `n` bytes even past the limit (memory that already exists must be counted).
  void force_take(std::size_t n) noexcept { used_.fetch_add(n, std::memory_order_relaxed); }
  void give_back(std::size_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }

  [[nodiscard]] std::size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

/// What admission reserves for the response of a request whose body holds `body_bytes` bytes, with
/// --max-response-bytes `response_cap`: dense entities take about 10 bytes of JSON per byte of text (e-mail
/// addresses of 8 bytes), 64 is past any real traffic. An estimate only: a larger response is counted when it
/// exists, and is never cut below --max-response-bytes. Throws: nothing.
[[nodiscard]] constexpr std::size_t response_reserve(std::size_t body_bytes, std::size_t response_cap) noexcept {
  return std::min(response_cap, body_bytes * 64 + 4096);
}

/// What a compressed body's decoder holds while the body arrives, in the body's share of the budget:
/// zlib's inflate state (about 7 KB) and its 32 KiB window, as glibc allocates them (52 KiB a connection
/// measured, 500 connections stalled in gzip bodies against the same bodies uncompressed), rounded up.
inline constexpr std::size_t inflater_bytes = std::size_t{64} * 1024;

/// The least budget under which an idle server admits every request of up to `max_body` bytes: its body
/// buffer, whose capacity grows by doubling (up to twice the body: a decoded body stops one byte past the
/// limit, with 413), a compressed body's decoder, and its response reserve. With less, such a request would
/// be answered 503 forever. Throws: nothing.
[[nodiscard]] constexpr std::size_t least_budget(std::size_t max_body, std::size_t response_cap) noexcept {
  return 2 * max_body + inflater_bytes + response_reserve(max_body, response_cap);
}

/// Part of a memory_budget, returned on destruction. Move-only; a moved-from lease holds nothing.
class budget_lease {
 public:
  budget_lease() noexcept = default;
  explicit budget_lease(memory_budget& budget) noexcept : budget_(&budget) {}
  budget_lease(budget_lease&& o) noexcept : budget_(o.budget_), held_(std::exchange(o.held_, 0)) {}
  budget_lease& operator=(budget_lease&& o) noexcept {
    if (this != &o) {
      release();
      budget_ = o.budget_;
      held_ = std::exchange(o.held_, 0);
    }
    return *this;
  }
  budget_lease(const budget_lease&) = delete;
  budget_lease& operator=(const budget_lease&) = delete;
  ~budget_lease() { release(); }

  /// Holds `n` bytes in all: grows if the budget allows (false, unchanged, if not), shrinks always. A lease
  /// without a budget allows everything (the fuzzer's parser has no budget).
  bool resize(std::size_t n) noexcept {
    if (budget_ == nullptr || n == held_) return true;
    if (n < held_) {
      budget_->give_back(held_ - n);
    } else if (!budget_->try_take(n - held_)) {
      return false;
    }
    held_ = n;
    return true;
  }
  /// Holds `n` bytes in all, past the limit if need be.
  void force(std::size_t n) noexcept {
    if (budget_ == nullptr) return;
    if (n < held_) {
      budget_->give_back(held_ - n);
    } else {
      budget_->force_take(n - held_);
    }
    held_ = n;
  }
  void release() noexcept { force(0); }
  [[nodiscard]] std::size_t held() const noexcept { return held_; }

 private:
  memory_budget* budget_ = nullptr;
  std::size_t held_ = 0;
};

/// Emptied buffers for reuse: at most `max_buffers` are kept, each of capacity at most `max_capacity`
/// (larger ones are freed: with glibc they are mmapped and go straight back to the system).
/// Thread safety: every member may be called concurrently. Throws: `take` may throw std::bad_alloc.
class buffer_pool {
 public:
  buffer_pool(std::size_t max_buffers, std::size_t max_capacity)
      : max_buffers_(max_buffers), max_capacity_(max_capacity) {
    free_.reserve(max_buffers);
  }

  /// An empty buffer, with the capacity of a previous one when the pool has one.
  std::string take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return {};
    std::string s = std::move(free_.back());
    free_.pop_back();
    pooled_bytes_ -= s.capacity();
    return s;
  }

  /// Takes `s` back (emptied) if it is small and the pool has room; frees it otherwise.
  void give(std::string&& s) noexcept {
    s.clear();
    if (s.capacity() <= max_capacity_) {
      std::lock_guard lock(mutex_);
      if (free_.size() < max_buffers_) {
        pooled_bytes_ += s.capacity();
        free_.push_back(std::move(s));  // no allocation: reserved in the constructor
        return;
      }
    }
    std::string().swap(s);
  }

  /// Bytes kept in the pool now (at most max_buffers x max_capacity).
  [[nodiscard]] std::size_t pooled_bytes() const {
    std::lock_guard lock(mutex_);
    return pooled_bytes_;
  }

 private:
  const std::size_t max_buffers_, max_capacity_;
  mutable std::mutex mutex_;
  std::vector<std::string> free_;
  std::size_t pooled_bytes_ = 0;
};

}  // namespace lexzone::ner_service
