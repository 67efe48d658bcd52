// detail::worker_pool, the threads of a parallel_pipe: each thread runs each job exactly once, the threads
// are started by the first run and kept (their thread_local state survives from run to run), a throwing
// own part stops the job first and leaves the pool usable, copies start threads of their own and moves
// take them along. CI runs these under ThreadSanitizer (their names contain "threads").
#include <lexzone/detail/worker_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/sanitizers.hpp"

#if __has_include(<sys/wait.h>)
#  include <sys/wait.h>
#  include <unistd.h>
#  include <csignal>
#  define LEXZONE_WORKER_POOL_TEST_FORK 1
#endif

namespace worker_pool_test {

namespace {

// What the pool's threads saw of one job.
struct round_log {
  std::vector<std::atomic<int>> calls;          // calls of the job per worker index
  std::vector<std::atomic<int>> earlier_round;  // the round this worker's thread ran before (0: none)
  std::atomic<int> on_caller{0};                // job calls made on the calling thread (must stay 0)

  explicit round_log(std::size_t workers) : calls(workers + 1), earlier_round(workers + 1) {}
};

// The round a thread last ran a job of (per thread: survives from run to run only if the thread does).
thread_local int last_round = 0;

// Runs one round of `pool`, numbered `round`, logging into `log`; the own part checks the caller.
void run_round(lexzone::detail::worker_pool& pool, int round, round_log& log) {
  const auto caller = std::this_thread::get_id();
  pool.run(
      [&](std::size_t w) {
        log.calls[w].fetch_add(1);
        log.earlier_round[w].store(last_round);
        if (std::this_thread::get_id() == caller) log.on_caller.fetch_add(1);
        last_round = round;
      },
      [] {}, []() noexcept {});
}

}  // namespace

TEST_CASE("worker_pool threads: every thread runs each job once, and the threads live from run to run",
          "[worker_pool][threads]") {
  constexpr std::size_t workers = 3;
  lexzone::detail::worker_pool pool(workers);
  CHECK(pool.size() == workers);
  CHECK_FALSE(pool.started_threads());
  for (int round = 1; round <= 20; ++round) {
    CAPTURE(round);
    round_log log(workers);
    run_round(pool, round, log);
    CHECK(pool.started_threads());
    CHECK(log.calls[0].load() == 0);  // worker 0 is the caller's own part
    CHECK(log.on_caller.load() == 0);
    for (std::size_t w = 1; w <= workers; ++w) {
      CAPTURE(w);
      CHECK(log.calls[w].load() == 1);
      // The same threads every round: each ran the previous round (new threads would see 0).
      CHECK(log.earlier_round[w].load() == round - 1);
    }
  }
}

TEST_CASE("worker_pool threads: the job's effects are visible when run returns", "[worker_pool][threads]") {
  lexzone::detail::worker_pool pool(2);
  std::vector<int> written(3, 0);  // plain ints: the happens-before of run's return makes them visible
  for (int round = 1; round <= 100; ++round) {
    pool.run([&](std::size_t w) { written[w] = round; }, [&] { written[0] = round; }, []() noexcept {});
    CHECK(written == std::vector<int>{round, round, round});
  }
}

TEST_CASE("worker_pool threads: a throwing own part stops the job, which finishes before the exception leaves",
          "[worker_pool][threads]") {
  lexzone::detail::worker_pool pool(2);
  std::atomic<bool> stop{false};
  std::atomic<int> finished{0};
  const auto job = [&](std::size_t) {
    while (!stop.load()) std::this_thread::yield();  // returns only once on_throw ran
    finished.fetch_add(1);
  };
  CHECK_THROWS_AS(pool.run(
                      job, [] { throw std::runtime_error("own part"); }, [&]() noexcept { stop.store(true); }),
                  std::runtime_error);
  CHECK(finished.load() == 2);
  // Usable afterwards, with the same threads.
  round_log log(2);
  run_round(pool, 7, log);
  CHECK(log.calls[1].load() == 1);
  CHECK(log.calls[2].load() == 1);
}

TEST_CASE("worker_pool threads: an empty pool runs the own part only, copies start their own threads, moves take them",
          "[worker_pool][threads]") {
  lexzone::detail::worker_pool none;
  int own = 0;
  none.run([](std::size_t) { FAIL("no thread to run the job on"); }, [&] { ++own; }, []() noexcept {});
  CHECK(own == 1);
  CHECK_FALSE(none.started_threads());

  lexzone::detail::worker_pool pool(2);
  round_log first(2);
  run_round(pool, 1, first);
  REQUIRE(pool.started_threads());

  lexzone::detail::worker_pool copy(pool);  // same size, threads of its own, started at its first run
  CHECK(copy.size() == 2);
  CHECK_FALSE(copy.started_threads());
  round_log copied(2);
  run_round(copy, 5, copied);
  for (std::size_t w = 1; w <= 2; ++w) CHECK(copied.earlier_round[w].load() == 0);  // new threads

  lexzone::detail::worker_pool moved(std::move(pool));  // the same threads
  CHECK(moved.started_threads());
  round_log after_move(2);
  run_round(moved, 2, after_move);
  for (std::size_t w = 1; w <= 2; ++w) CHECK(after_move.earlier_round[w].load() == 1);

  copy = moved;  // copy's threads are joined; it starts new ones when it runs
  CHECK_FALSE(copy.started_threads());
  round_log again(2);
  run_round(copy, 9, again);
  for (std::size_t w = 1; w <= 2; ++w) CHECK(again.earlier_round[w].load() == 0);
}

#ifdef LEXZONE_WORKER_POOL_TEST_FORK
TEST_CASE("worker_pool threads: after fork, the child's pool starts threads of its own", "[worker_pool][threads]") {
  // Sanitizers do not support threads started after a multi-threaded fork (TSan reports it as an error).
  if (lexzone::test::under_sanitizer) {
    SUCCEED("skipped under a sanitizer");
    return;
  }
  lexzone::detail::worker_pool pool(2);
  round_log parent(2);
  run_round(pool, 1, parent);
  REQUIRE(pool.started_threads());
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The parent's threads do not exist here: the run must start new ones (a join or a wait for the
    // parent's threads would hang), and each runs the job once.
    const bool inherited_looks_unstarted = !pool.started_threads();
    round_log log(2);
    run_round(pool, 2, log);
    const bool ok = inherited_looks_unstarted && log.calls[1].load() == 1 && log.calls[2].load() == 1 &&
                    log.earlier_round[1].load() == 0 && log.earlier_round[2].load() == 0;
    ::_exit(ok ? 0 : 1);  // no destructors, no Catch2 teardown in the child
  }
  int status = 0;
  pid_t done = 0;
  for (int waited_ms = 0; (done = ::waitpid(child, &status, WNOHANG)) == 0 && waited_ms < 10'000; waited_ms += 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (done == 0) {  // hung: end it, and fail
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    FAIL("the child's run hung");
  }
  REQUIRE(done == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // The parent's pool is untouched.
  round_log after(2);
  run_round(pool, 2, after);
  for (std::size_t w = 1; w <= 2; ++w) CHECK(after.earlier_round[w].load() == 1);
}
#endif

}  // namespace worker_pool_test
#undef LEXZONE_WORKER_POOL_TEST_FORK
