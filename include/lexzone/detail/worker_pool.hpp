/// \file detail/worker_pool.hpp
/// `worker_pool`: the threads of a `parallel_pipe`, started by its first run and kept, idle, between runs,
/// so that what a thread keeps for itself (the vocab's attribute cache and permanent-string memo) stays
/// warm from one run to the next. Implementation detail of parallel_pipe.hpp.
///
/// A job is one call of `job(w)` on each pool thread w in [1, size] while the calling thread runs its own
/// part; `run` returns once every pool thread finished its call (a happens-before from each call to the
/// return, through the pool's mutex), which is what joining the threads gave a run before.
///
/// After `fork()`, the child has the pool's state but none of its threads: a pool that finds itself in
/// another process than the one that started its threads abandons that state (it neither joins nor frees
/// it: its threads do not exist there, and its mutex may have been held at the fork) and starts new
/// threads at its next run, so that a pre-forking server may warm a pipe up before it forks.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE

#if __has_include(<unistd.h>)
#  include <unistd.h>
#  define LEXZONE_DETAIL_HAS_GETPID 1
#else
#  define LEXZONE_DETAIL_HAS_GETPID 0
#endif

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// A fixed number of threads that run one job at a time for their owner (see the file comment).
/// Thread safety: `run` is called by one thread at a time (the owner's); the pool's threads touch only
/// the shared state, under its mutex. Copying makes a pool of the same size that has started nothing;
/// a moved-from pool has no threads and starts them again if it runs.
class worker_pool {
 public:
  /// A pool of `size` threads, none started yet. Throws: nothing.
  explicit worker_pool(std::size_t size = 0) noexcept : size_(size) {}
  /// A pool of `o`'s size, none started. Throws: nothing.
  worker_pool(const worker_pool& o) noexcept : size_(o.size_) {}
  /// Stops and joins this pool's threads (not during a run); then as the copy constructor. Throws: nothing.
  worker_pool& operator=(const worker_pool& o) noexcept {
    if (this != &o) {
      shared_.reset();
      size_ = o.size_;
    }
    return *this;
  }
  /// Takes `o`'s threads (not during a run of `o`). Throws: nothing.
  worker_pool(worker_pool&& o) noexcept = default;
  /// Stops and joins this pool's threads, then takes `o`'s (not during a run of either). Throws: nothing.
  worker_pool& operator=(worker_pool&& o) noexcept = default;
  /// Stops the threads (each finishes nothing more: no job runs then) and joins them. Throws: nothing.
  ~worker_pool() = default;

  /// Calls `job(w)` on pool thread w for every w in [1, size()], and `own()` on the calling thread, then
  /// waits until every `job` call returned. The threads are started by the first run (an exception then
  /// stops and joins those already started, and nothing runs). If `own()` throws, `on_throw()` is called
  /// first (it must make the job calls return), then the pool waits for them and the exception propagates.
  /// Requires: `job` does not throw; no other run of this pool is in progress (`parallel_pipe` checks it
  /// in checked builds). Complexity: O(size()) wake-ups. Throws: `std::system_error` (a thread cannot be
  /// started), `std::bad_alloc`, what `own()` throws.
  template <class Job, class Own, class OnThrow>
  void run(const Job& job, Own&& own, OnThrow&& on_throw) {
    static_assert(std::is_nothrow_invocable_v<OnThrow&>,
                  "on_throw must not throw: the job calls must be waited for before the exception leaves");
    if (size_ == 0) {
      std::forward<Own>(own)();
      return;
    }
    shared& s = started();
    {
      std::lock_guard lock(s.mutex);
      s.job = [](const void* f, std::size_t w) noexcept { (*static_cast<const Job*>(f))(w); };
      s.job_arg = &job;
      s.running = size_;
      ++s.round;
    }
    s.work_cv.notify_all();
    try {
      std::forward<Own>(own)();
    } catch (...) {
      std::forward<OnThrow>(on_throw)();
      s.wait_idle();
      throw;
    }
    s.wait_idle();
  }

  /// Threads of the pool (started or not). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Whether the threads were started (by a run). Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool started_threads() const noexcept { return shared_ != nullptr && !inherited(*shared_); }

 private:
  // The state that the threads share with the owner, on the heap so that the pool can move.
  struct shared {
    std::mutex mutex;
    std::condition_variable_any work_cv;  // a new round, or a stop request (the threads wait on it)
    std::condition_variable idle_cv;      // the round's last call returned (the owner waits on it)
    void (*job)(const void*, std::size_t) noexcept = nullptr;
    const void* job_arg = nullptr;
    std::uint64_t round = 0;  // jobs posted
    std::size_t running = 0;  // calls of the current round not yet returned
#if LEXZONE_DETAIL_HAS_GETPID
    ::pid_t process = ::getpid();  // the process whose threads these are
#endif
    std::vector<std::jthread> threads;  // last: destroyed (stopped and joined) first

    void wait_idle() {
      std::unique_lock lock(mutex);
      idle_cv.wait(lock, [&] { return running == 0; });
    }

    // A pool thread's life: one call of each round's job, until a stop is requested.
    void serve(const std::stop_token& stop, std::size_t w) {
      std::uint64_t done = 0;
      std::unique_lock lock(mutex);
      for (;;) {
        if (!work_cv.wait(lock, stop, [&] { return round != done; })) return;  // stop requested
        done = round;
        const auto f = job;
        const void* arg = job_arg;
        lock.unlock();
        f(arg, w);
        lock.lock();
        if (--running == 0) idle_cv.notify_one();
      }
    }
  };

  // The shared state with its threads, started now if they were not (or were another process's).
  shared& started() {
    if (shared_ != nullptr && !inherited(*shared_)) return *shared_;
    shared_.reset();  // an inherited state is abandoned (see `release`)
    std::unique_ptr<shared, release> s(new shared);
    s->threads.reserve(size_);
    for (std::size_t w = 1; w <= size_; ++w)  // on a throw, `s` stops and joins those already started
      s->threads.emplace_back([p = s.get(), w](const std::stop_token& stop) { p->serve(stop, w); });
    shared_ = std::move(s);
    return *shared_;
  }

  // Whether `s` came from the parent process through fork(): its threads do not exist here.
  static bool inherited([[maybe_unused]] const shared& s) noexcept {
#if LEXZONE_DETAIL_HAS_GETPID
    return s.process != ::getpid();
#else
    return false;
#endif
  }

  // Destroys a state: stops its threads (each jthread requests stop and joins) before the mutex and
  // condition variables go; a state inherited through fork() is abandoned instead (a deliberate leak in
  // the child: joining would wait for threads that do not exist, and its mutex may be held for good).
  struct release {
    void operator()(shared* s) const noexcept {
      if (!inherited(*s)) delete s;
    }
  };

  std::unique_ptr<shared, release> shared_;
  std::size_t size_;
};

}  // namespace lexzone::detail
