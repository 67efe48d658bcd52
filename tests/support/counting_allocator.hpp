// An allocator that counts live bytes and allocations in a shared counter, and can be told to fail the
// N-th allocation from now (std::bad_alloc injection).
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace lexzone::test {

struct allocation_counter {
  std::size_t live_bytes = 0;
  std::size_t live_allocations = 0;
  std::size_t total_allocations = 0;
  long fail_after = -1;      // >= 0: that many allocations succeed, then every next one throws
  std::size_t failures = 0;  // allocations that threw
};

template <class T>
class counting_allocator {
 public:
  using value_type = T;

  explicit counting_allocator(allocation_counter& c) noexcept : counter_(&c) {}
  template <class U>
  counting_allocator(const counting_allocator<U>& other) noexcept : counter_(other.counter()) {}

  T* allocate(std::size_t n) {
    if (counter_->fail_after == 0) {
      ++counter_->failures;
      throw std::bad_alloc();
    }
    if (counter_->fail_after > 0) --counter_->fail_after;
    T* p = std::allocator<T>().allocate(n);
    counter_->live_bytes += n * sizeof(T);
    ++counter_->live_allocations;
    ++counter_->total_allocations;
    return p;
  }
  void deallocate(T* p, std::size_t n) noexcept {
    counter_->live_bytes -= n * sizeof(T);
    --counter_->live_allocations;
    std::allocator<T>().deallocate(p, n);
  }

  [[nodiscard]] allocation_counter* counter() const noexcept { return counter_; }
  template <class U>
  bool operator==(const counting_allocator<U>& o) const noexcept {
    return counter_ == o.counter();
  }

 private:
  allocation_counter* counter_;
};

}  // namespace lexzone::test
