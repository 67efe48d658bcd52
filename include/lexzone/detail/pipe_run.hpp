/// \file detail/pipe_run.hpp
/// The state that the threads of one `parallel_pipe` run share: the input cursor, the window of
/// batches in flight, in-order delivery, the earliest failure and the run's stop source.
/// Implementation detail of parallel_pipe.hpp.
///
/// Model. The input is cut into batches of consecutive texts, numbered (`seq`) in input order. A worker
/// *claims* the next batch (reading its texts from the input under the run's mutex), processes it, and
/// the batch is then *delivered* (its results handed over in input order). At most `window` batches are
/// claimed and not yet delivered: a worker that would exceed it waits. Every failure is recorded with
/// the index of the text it belongs to; the earliest one wins, texts after it are abandoned, and the run
/// ends once every text before it has been delivered. Delivery *reaches* the failure when every text
/// before it is delivered, or at once when delivery itself failed (a sink or callback threw, even after a
/// stop request); only a failure so reached, before any stop request for the former, is the run's
/// outcome, whatever the order in which the threads met the two (a stop requested at text k discards a
/// failure at text k + 1, as a run of one text at a time would never have met it). A stop request (the
/// caller's token, forwarded to the run's own stop source) ends every wait at once. A failure of the
/// run's own machinery outside any text (`broken`: a lock, memory for the deliverer's queue of results)
/// stops the run and is its outcome, whatever the texts and any stop.
///
/// Delivery. Either the workers deliver their own batches in turn (`wait_turn`, then `delivered`), or
/// one worker, the *deliverer* (the calling thread), also delivers the results the others `publish`:
/// `next_step` tells it whether to deliver (`take_front`), to process a batch it claimed, or to stop.
/// The workers wait on one condition variable (room in the window, a turn), the deliverer on another
/// (the front batch ready): a finished batch wakes the deliverer only when it is the front one; a
/// delivered batch wakes every waiting worker (each checks whether it may go on).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <ranges>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Consecutive texts of the input: texts [first, first + texts.size()) of batch number `seq`.
struct text_batch {
  std::size_t seq = 0;
  std::size_t first = 0;
  std::vector<std::string_view> texts;
  std::vector<std::string> copies;  ///< the bytes of texts that the input gave as temporaries (or references
                                    ///< of an input-only iterator: see `text_outlives_iteration`)
};

/// Whether the texts that `Iterator` reads outlive the iteration, so that a batch may keep views of them:
/// string views and C strings do (the caller vouches for their bytes), and references do when `Iterator`
/// is a forward iterator (references into [i, end) stay valid as i advances). Other values (e.g. a
/// `std::string` made by a view) are copied into the batch, and so are the references of an input-only
/// iterator: it may refer to one object that each increment overwrites or frees
/// (`std::ranges::istream_view<std::string>`, `std::views::join` over ranges made on the fly).
template <class Iterator>
inline constexpr bool text_outlives_iteration =
    (std::is_reference_v<std::iter_reference_t<Iterator>> && std::forward_iterator<Iterator>) ||
    std::is_same_v<std::remove_cvref_t<std::iter_reference_t<Iterator>>, std::string_view> ||
    std::is_pointer_v<std::remove_cvref_t<std::iter_reference_t<Iterator>>>;

/// Whether a run of one `parallel_pipe` is in progress (checked builds report a second one). A copy or a
/// move of the pipe does not carry it over: each pipe object has its own.
struct run_flag {
  std::atomic<bool> on{false};

  run_flag() = default;
  run_flag(const run_flag&) noexcept {}
  run_flag(run_flag&&) noexcept {}
  run_flag& operator=(const run_flag&) noexcept { return *this; }
  run_flag& operator=(run_flag&&) noexcept { return *this; }
  ~run_flag() = default;
};

/// What the deliverer does next (`pipe_run::next_step`).
enum class pipe_step {
  deliver,  ///< the front batch's results are ready: `take_front`
  process,  ///< a batch was claimed: process it
  done,     ///< the run is over
};

/// Shared state of one run over the input [first, last). `Result` is the type of one text's owned
/// result when a deliverer hands the results over (`publish`, `next_step`, `take_front`), void when the
/// workers deliver in turn (`wait_turn`). Every member may be called from any thread of the run.
template <class Iterator, class Sentinel, class Result = void>
class pipe_run {
 public:
  /// A `bool` result as a batch stores it: in a struct of its own, so that a batch's results are objects
  /// (a `std::vector<bool>` would hand the sink proxies into a buffer that the run frees).
  struct stored_bool {
    bool value;
    stored_bool(bool v) noexcept : value(v) {}  // NOLINT(google-explicit-constructor): made from fn's bool
  };
  /// One text's owned result as stored (`std::monostate` when workers deliver in turn).
  using result_type = std::conditional_t<std::is_void_v<Result>, std::monostate,
                                         std::conditional_t<std::is_same_v<Result, bool>, stored_bool, Result>>;
  /// The stored result `r` as the sink receives it: an rvalue reference to the `Result` it holds.
  /// Complexity: O(1). Throws: nothing.
  static decltype(auto) handed_over(result_type& r) noexcept {
    if constexpr (std::is_same_v<Result, bool>) {
      return std::move(r.value);
    } else {
      return std::move(r);
    }
  }
  static constexpr std::size_t no_failure = std::numeric_limits<std::size_t>::max();

  /// A run reading batches of `batch_size` texts, with at most `window` (>= 1) batches in flight,
  /// stopped early when `stop` is requested.
  pipe_run(Iterator first, Sentinel last, std::size_t batch_size, std::size_t window, std::stop_token stop)
      : it_(std::move(first)), end_(std::move(last)), batch_size_(batch_size), window_(window),
        link_(std::move(stop), forward_stop{&stop_}) {}

  /// Claims the next batch into `b` (its vectors are reused): waits while the window is full. False when
  /// nothing is left to claim: the input is exhausted, the run is stopped, or a text before the next one
  /// failed. Reading the input may throw: that is recorded as the failure of the text being read.
  bool claim(text_batch& b) {
    std::unique_lock lock(mutex_);
    workers_cv_.wait(lock, stop_.get_token(), [&] { return !more_to_claim() || window_open(); });
    return !stop_.stop_requested() && more_to_claim() && claim_locked(lock, b);
  }

  /// Whether text `index` is still to be processed: the run is not stopped and no earlier text failed.
  /// Lock-free (two atomic loads).
  [[nodiscard]] bool keep_going(std::size_t index) const noexcept {
    return index < fail_at_.load(std::memory_order_relaxed) && !stop_.stop_requested();
  }

  /// Records that text `index` failed with `error`; kept if no earlier text failed. `delivering`: the
  /// failure is delivery's own (a sink or callback threw): delivery has reached it.
  void fail(std::size_t index, std::exception_ptr error, bool delivering = false) {
    std::unique_lock lock(mutex_);
    record_failure(lock, index, std::move(error), delivering);
  }

  /// Calls `f()`; if it throws, records the exception as text `index`'s failure and returns false.
  /// `delivering`: as for `fail`.
  template <class F>
  bool attempt(std::size_t index, F&& f, bool delivering = false) {
    try {
      std::forward<F>(f)();
      return true;
    } catch (...) {
      fail(index, std::current_exception(), delivering);
      return false;
    }
  }

  /// Records a failure of the run's own machinery (outside any text: a lock, memory for a batch's
  /// bookkeeping) and stops the run; the first one is the run's outcome. Thread-safe. Throws: nothing.
  void broken(std::exception_ptr error) noexcept {
    if (!broken_.exchange(true)) broken_error_ = std::move(error);  // read by `error` after the workers ended
    stop();
  }

  /// Ends every wait of the run (its workers then stop at their next text). Thread-safe, idempotent.
  void stop() noexcept { stop_.request_stop(); }

  /// Whether the run was stopped (by the caller's token or by `stop()`).
  [[nodiscard]] bool stop_requested() const noexcept { return stop_.stop_requested(); }

  // ---- delivery by the workers, in turn (for_each: Result = void)

  /// Waits until every batch before `b` is delivered; true when `b` is to be delivered now, false when
  /// it never will be (the run stopped, or a text before `b` failed).
  bool wait_turn(const text_batch& b) {
    std::unique_lock lock(mutex_);
    workers_cv_.wait(lock, stop_.get_token(),
                     [&] { return delivered_batches_ == b.seq || fail_at_.load() <= b.first; });
    return !stop_.stop_requested() && delivered_batches_ == b.seq && b.first < fail_at_.load();
  }

  // ---- delivery by the deliverer (transform: Result is one text's result)

  /// Makes `results` (those of `b`'s first texts, in order) available to the deliverer.
  void publish(const text_batch& b, std::vector<result_type>&& results) {
    std::lock_guard lock(mutex_);
    const std::size_t k = b.seq - taken_;  // claimed after every batch taken: k < window_
    if (pending_.size() <= k) pending_.resize(k + 1);
    pending_[k].results = std::move(results);
    pending_[k].ready = true;
    if (k == 0) deliverer_cv_.notify_one();
  }

  /// For the deliverer: waits until the front batch's results are ready (`deliver`), or a batch can be
  /// claimed (`process`: claimed into `b`), or the run is over (`done`: every batch delivered, the run
  /// stopped, or every text before a failure delivered). Ready results go first.
  pipe_step next_step(text_batch& b) {
    std::unique_lock lock(mutex_);
    for (;;) {
      deliverer_cv_.wait(lock, stop_.get_token(),
                         [&] { return front_ready() || over() || (more_to_claim() && window_open()); });
      if (stop_.stop_requested() || over()) return pipe_step::done;
      if (front_ready()) return pipe_step::deliver;
      if (claim_locked(lock, b)) return pipe_step::process;
    }
  }

  /// For the deliverer: moves the front batch's results into `out` if they are ready and the run is not
  /// over; otherwise returns false without waiting.
  bool take_front(std::vector<result_type>& out) {
    std::lock_guard lock(mutex_);
    if (stop_.stop_requested() || over() || !front_ready()) return false;
    out = std::move(pending_.front().results);
    pending_.pop_front();
    ++taken_;
    return true;
  }

  // ---- both

  /// The front batch was delivered: its first `texts` texts (all of them unless a failure or a stop cut
  /// it short). Frees its place in the window.
  void delivered(std::size_t texts) {
    std::lock_guard lock(mutex_);
    ++delivered_batches_;
    delivered_texts_ += texts;
    note_reached();
    workers_cv_.notify_all();  // a worker waiting for room in the window, or for its turn
  }

  /// Texts delivered so far.
  [[nodiscard]] std::size_t delivered_texts() const {
    std::lock_guard lock(mutex_);
    return delivered_texts_;
  }

  /// The failure that ended the run: the machinery's (`broken`), else that of the earliest failed text
  /// if delivery reached it before any stop request (see the file comment); null otherwise. Call after
  /// every worker of the run finished.
  [[nodiscard]] std::exception_ptr error() const {
    if (broken_.load()) return broken_error_;
    std::lock_guard lock(mutex_);
    return reached_ ? error_ : nullptr;
  }

 private:
  using lock_type = std::unique_lock<std::mutex>;

  struct forward_stop {
    std::stop_source* to;
    void operator()() const noexcept { to->request_stop(); }
  };
  struct result_slot {
    std::vector<result_type> results;
    bool ready = false;
  };

  // The predicates below read state guarded by mutex_: call them with it held.
  bool more_to_claim() const noexcept { return !input_done_ && read_ < fail_at_.load(); }
  // Batches in flight (claimed, not delivered) below the window; a difference, not a sum: `window_` may be
  // SIZE_MAX ("no bound"), and delivered_batches_ + window_ would wrap around.
  bool window_open() const noexcept { return next_seq_ - delivered_batches_ < window_; }
  bool front_ready() const noexcept { return !pending_.empty() && pending_.front().ready; }
  bool over() const noexcept {
    return fail_at_.load() <= delivered_texts_ || (input_done_ && delivered_batches_ == next_seq_);
  }

  // Claims the next batch into `b` (see `claim`); requires more_to_claim() and window_open().
  bool claim_locked(lock_type& lock, text_batch& b) {
    b.seq = next_seq_;
    b.first = read_;
    b.texts.clear();
    b.copies.clear();
    // No room is reserved for batch_size_ texts: it may be anything up to SIZE_MAX (one batch of the whole
    // input). The vectors grow as needed, and keep their capacity for the next batch of this worker.
    try {
      while (b.texts.size() < batch_size_ && !(it_ == end_)) {
        append(b, *it_);  // a temporary lives until the end of this statement
        ++it_;
      }
      if (it_ == end_) input_done_ = true;
    } catch (...) {
      record_failure(lock, read_ + b.texts.size(), std::current_exception());
      input_done_ = true;
    }
    if constexpr (!text_outlives_iteration<Iterator>) {
      // The views of the copies, once the copies no longer move (b.copies may have reallocated while filled).
      for (std::size_t i = 0; i < b.texts.size(); ++i) b.texts[i] = b.copies[i];
    }
    if (input_done_) wake_all();  // claims end; the deliverer may be done
    if (b.texts.empty()) return false;
    ++next_seq_;
    read_ += b.texts.size();
    return true;
  }

  // Appends the text `*it` gives (of the input's reference type) to `b`: its view, or a copy of it and an
  // empty view, set by claim_locked once the batch's copies are made.
  template <class Text>
  static void append(text_batch& b, Text&& text) {
    if constexpr (text_outlives_iteration<Iterator>) {
      b.texts.emplace_back(std::string_view(text));
    } else {
      b.copies.emplace_back(std::string_view(text));
      b.texts.emplace_back();
    }
  }

  void record_failure(lock_type&, std::size_t index, std::exception_ptr error, bool delivering = false) {
    if (index >= fail_at_.load()) return;
    fail_at_.store(index);
    error_ = std::move(error);
    reached_ = delivering;
    note_reached();
    wake_all();
  }

  // Sets reached_ when delivery has reached the earliest failure (every text before it delivered) and
  // no stop was requested before: called after each change of either, so the order in which the
  // threads met the failure and the stop does not matter. With mutex_ held.
  void note_reached() noexcept {
    if (!reached_ && fail_at_.load() <= delivered_texts_ && !stop_.stop_requested()) reached_ = true;
  }

  void wake_all() {
    workers_cv_.notify_all();
    deliverer_cv_.notify_all();
  }

  mutable std::mutex mutex_;
  // Waits end on a stop request too (the std::stop_token overloads of condition_variable_any).
  std::condition_variable_any workers_cv_;    // room in the window, a turn, the end of claims
  std::condition_variable_any deliverer_cv_;  // the front batch ready, room to claim, the end
  std::stop_source stop_;

  // Guarded by mutex_:
  Iterator it_;
  Sentinel end_;
  std::size_t batch_size_;
  std::size_t window_;
  std::size_t read_ = 0;      // texts read from the input
  std::size_t next_seq_ = 0;  // batches claimed
  bool input_done_ = false;
  std::size_t delivered_batches_ = 0;
  std::size_t delivered_texts_ = 0;
  std::exception_ptr error_;
  bool reached_ = false;             // delivery reached the failure error_ (before any stop request, unless its own)
  std::deque<result_slot> pending_;  // results of batches taken_, taken_ + 1, ... (at most window_)
  std::size_t taken_ = 0;            // batches whose results the deliverer took

  // Written under mutex_, read anywhere.
  std::atomic<std::size_t> fail_at_{no_failure};

  // The machinery's first failure (`broken`): written once, by the thread that set the flag.
  std::atomic<bool> broken_{false};
  std::exception_ptr broken_error_;

  // Last: may call forward_stop at once (a stop already requested), which needs stop_.
  std::stop_callback<forward_stop> link_;
};

}  // namespace lexzone::detail
