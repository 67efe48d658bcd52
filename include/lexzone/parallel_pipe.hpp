/// \file parallel_pipe.hpp
/// `parallel_pipe`: runs a pipeline over a range of texts on N worker threads that share one vocab.
/// Each worker has its own copy of the pipeline and opens a private memory zone per batch of texts;
/// results come back in input order; memory stays bounded; the failure of the earliest failing text
/// propagates to the caller; a run can be stopped.
///
/// \code
/// lexzone::en::vocab vocab;
/// auto nlp = lexzone::en::make_pipeline(vocab, {{"ORG", "Debian Project"}});
/// lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 4, .batch_size = 64});
///
/// // Owned results in input order, handed to a sink on this thread:
/// pipe.transform(lines, [](auto& doc) { return doc.ents().size(); }, [&](std::size_t n) { total += n; });
/// // All results as plain data:
/// std::vector<lexzone::owned_doc> docs = pipe.to_owned(lines);
/// // A callback inside each batch's zone, in input order, one call at a time:
/// pipe.for_each(lines, [&](auto& doc) { for (const auto& e : doc.ents()) out << e.text() << '\n'; });
/// \endcode
///
/// spaCy's `nlp.pipe(texts, n_process=N)` forks N processes, each with a copy of the model and a vocab of
/// its own. Here the threads share one vocab: its permanent layer is read without locks, and the words a
/// batch adds live in its worker's private zone, evicted when the batch is done, so the vocab's size
/// after a run is its size before (unless the vocab learns words, `basic_vocab::set_learning`, or a
/// component adds permanent entries).
///
/// # A run
/// The calling thread is one of the `threads` workers; the other `threads - 1` are the pipe's own threads,
/// started by its first run and kept, asleep, between runs (joined when the pipe dies), and a run returns
/// once each of them finished its part (with a happens-before, as a join gives). The input is cut into
/// batches of `batch_size` consecutive texts. A worker claims the next batch (it reads the texts from the
/// input range), opens a zone, runs its pipeline over each text, and the batch is then *delivered*: in
/// input order, one batch after the other.
/// - `transform()`: each text's doc is turned into an owned result by the caller's function, inside the
///   zone, on the worker; the zone closes; the results wait in a window of batches until the calling
///   thread hands them to the sink, in input order, as soon as they are ready (between batches of its
///   own). The workers run ahead of the sink by up to `max_batches_in_flight` batches.
/// - `for_each()`: the docs stay in the zone until the batch's turn comes; the worker then calls the
///   callback on each doc in input order, and closes the zone. A worker whose batch is done before its
///   turn waits (`transform()` is the faster choice when an owned result is enough).
/// Threads sleep only when they must wait (a full window, a turn, the front batch); the workers and the
/// calling thread wait on separate condition variables, so that a finished batch wakes the calling
/// thread only when it is the front one, and a delivered batch wakes only the workers.
/// The input is read by the workers under the run's lock: a read that blocks (a range over a pipe or a
/// socket) holds up delivery and the end of a stopped run until it returns.
///
/// # Memory bound (backpressure)
/// At most `max_batches_in_flight` batches (default 2 x threads) are claimed and not yet delivered: a
/// worker that would claim one more waits until the front batch is delivered, so a slow sink or
/// callback stalls the workers instead of buffering. In flight at any time: at most that many batches'
/// texts (views, or copies when the input range yields temporaries or is input-only: see `transform`) and
/// owned results, plus at most one open zone per worker (`transform()`), or at most
/// min(threads, max_batches_in_flight) batches with their open zones and docs (`for_each()`). Results
/// already handed to the sink are the caller's.
///
/// # Failures, as if the texts were processed one by one in input order
/// Every exception (reading the input, the pipeline, the transform, the sink or the callback) is tied to
/// the text it happened at. The exception of the earliest such text is rethrown by the run, after every
/// text before it was delivered and none after it; the other workers stop at their next text, every zone
/// closes, every worker finishes. Other exceptions are discarded. The outcome therefore does not depend
/// on the number of threads, nor, for failures of texts, on the batches (stops included, see below; the
/// opening of a batch's zone fails at the batch's first text, and so does a lock that fails while a batch
/// waits for its turn to read). An exception of the run's own machinery outside any text (a lock,
/// memory for the queue of results) stops the run and propagates, whatever the texts and any stop.
///
/// # Cancellation
/// A run takes a `std::stop_token`. Once stop is requested, no further result is delivered, the workers
/// stop at their next text, every zone closes and every worker finishes before the run returns the
/// number of texts delivered (a prefix of the input). A failure that delivery had not reached when stop
/// was requested is discarded, even if a worker met it first: a sink or callback that requests stop at
/// text k ends the run after text k, with k + 1 texts delivered and no exception, whatever happened to
/// text k + 1 (a sink or callback that throws is that text's failure, rethrown even after a stop
/// request). The token may be requested from any thread, including from the sink or the callback.
///
/// Link with the platform's thread library (CMake: `find_package(Threads)` and `Threads::Threads`).
#pragma once

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <limits>
#include <ranges>
#include <stdexcept>
#include <stop_token>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "config.hpp"
#include "detail/pipe_run.hpp"
#include "detail/worker_pool.hpp"
#include "doc.hpp"
#include "errors.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// Where a parallel run creates the lexemes of the words its texts add to the vocab.
enum class pipe_scope {
  /// A private memory zone per batch, closed when the batch is done: the vocab's sizes after a run are
  /// its sizes before. The default.
  zone_per_batch,
  /// The shared permanent layer, no zones: every new word stays in the vocab, and the workers' permanent
  /// adds contend for its write lock and cache lines.
  permanent,
};

/// The settings of a `parallel_pipe` (an aggregate: `{.threads = 4, .batch_size = 64}`).
struct pipe_options {
  /// Worker threads, >= 1, the calling thread included: the pipe starts `threads - 1` threads (none for 1)
  /// at its first run and keeps them until it dies.
  std::size_t threads = 1;
  /// Texts per batch, >= 1: the unit of claiming, of zones and of delivery.
  std::size_t batch_size = 64;
  /// Batches claimed and not yet delivered, at most (the memory bound, see the file comment); 0 means
  /// 2 x `threads`.
  std::size_t max_batches_in_flight = 0;
  /// Zones per batch, or the permanent layer.
  pipe_scope scope = pipe_scope::zone_per_batch;
};

// Not formatted: clang-format 14 mis-parses requires-clauses and concept definitions (fixed in 15).
// clang-format off

/// A pipeline that `parallel_pipe` runs: it names its `vocab_type` and makes a doc of a text in a zone
/// of that vocab or in the vocab itself. `pipeline<...>` and `dynamic_pipeline` are text pipelines; so is
/// a tokenizer wrapped into a `pipeline` with no components. A pipeline that opens its own zones
/// (`p.memory_zone(vocab)`, as `pipeline` does, to notify zone-aware components) gets its zones that way.
template <class P>
concept text_pipeline = std::move_constructible<P> && requires { typename P::vocab_type; } &&
    requires(P& p, typename P::vocab_type& vocab, typename P::vocab_type::zone_type& zone, std::string_view text) {
      { p(zone, text) } -> std::same_as<basic_doc<typename P::vocab_type>>;
      { p(vocab, text) } -> std::same_as<basic_doc<typename P::vocab_type>>;
    };

/// An input range whose elements convert to `std::string_view` (strings, views, C strings).
template <class R>
concept text_range =
    std::ranges::input_range<R> && std::convertible_to<std::ranges::range_reference_t<R>, std::string_view>;

namespace detail {
/// Whether `p.memory_zone(vocab)` opens a zone that `p(zone, text)` accepts (`pipeline`, `dynamic_pipeline`).
template <class P, class V>
concept opens_pipeline_zones = requires(P& p, V& vocab) { p.memory_zone(vocab); } &&
    requires(P& p, std::remove_cvref_t<decltype(std::declval<P&>().memory_zone(std::declval<V&>()))>& zone,
             std::string_view text) {
      { p(zone, text) } -> std::same_as<basic_doc<V>>;
    };
}  // namespace detail

// clang-format on

/// Runs copies of a pipeline over ranges of texts on `options().threads` worker threads over one
/// shared vocab (see the file comment for a run's model, memory bound, failures and cancellation).
///
/// - Runs: `transform()` (owned results to a sink on the calling thread), `to_owned()` (all results as
///   `owned_doc`s), `for_each()` (a callback inside each batch's zone). Each returns the number of texts
///   delivered: the size of the input unless the run was stopped.
/// - Lifetime: the pipe refers to `vocab`, which must outlive it; the worker pipelines are the pipe's and
///   live as long as it (their own caches, such as a tokenizer's segmentation cache, stay warm from one
///   run to the next). So do its `threads - 1` threads (started by the first run, asleep between runs,
///   joined by the destructor): the vocab's per-thread state (its attribute cache, permanent-string memo
///   and the learning policy's creation counts) stays warm from one run to the next: a run pays for
///   neither new threads nor cold caches, only for handing work between the threads and for the uneven
///   end of its last batches. That state is the threads' memory while the pipe lives, bounded whatever
///   the texts: about 3.2 MiB of attribute cache for each lexeme-attribute type a thread creates words
///   of, 256 KiB of creation counts once learning is on, a 20 KiB memo, and with a rule tokenizer
///   PCRE2's match state (a JIT stack of at most 1 MiB, and at most 256 KiB of match data kept between
///   matches: the frames of a deeper match are freed after it); scratch buffers that a text longer than
///   4 KiB grew are given back after it. `thread_local` objects
///   of the caller's code run on those threads (components, `fn`, `visit`) also live from run to run,
///   until the pipe dies. The threads inherit the signal mask, CPU affinity and scheduling of the thread
///   that made the first run (start it from a thread set up as the workers should be). After `fork()`, a
///   pipe used in the parent starts new threads in the child at its next run (the parent's do not exist
///   there); fork outside a run (a child forked during one inherits the pipe mid-run: do not run it there).
/// - Thread safety: one run at a time per pipe (the worker pipelines and threads are in use), so a sink or
///   callback must not start a run on the same pipe, and a service that calls a pipe from several request
///   handlers serialises the runs (a mutex) or gives each handler a pipe; checked builds report a run that
///   starts during another, from another thread or from a sink or callback. The vocab may be used
///   meanwhile by other threads, within its own rules (permanent adds, zones of their own).
/// - Copy and move: as `std::vector<Pipeline>` (a `dynamic_pipeline` pipe moves only), not during a run;
///   a copy assignment has the strong guarantee. A copy starts threads of its own at its first run; a
///   move takes the threads along. A moved-from pipe may be assigned to or destroyed, not run.
///
/// \tparam Pipeline a `text_pipeline` over the vocab the pipe is given.
// Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
// clang-format off
template <class Pipeline>
  requires text_pipeline<Pipeline>
class parallel_pipe {
  // clang-format on
 public:
  using pipeline_type = Pipeline;                    ///< The pipeline each worker runs a copy of.
  using vocab_type = typename Pipeline::vocab_type;  ///< The vocab shared by every worker.
  using doc_type = basic_doc<vocab_type>;            ///< The doc a worker's pipeline fills.

  /// A pipe whose workers each run a copy of `prototype`, a pipeline over `vocab`.
  /// Complexity: `options.threads` copies of the pipeline (copies of the built-in tokenizer share its
  /// rules). Lifetime: `vocab` must outlive the pipe; `prototype` is not referred to afterwards.
  /// Thread safety: reads `prototype`. Throws: `std::invalid_argument` (`threads` or `batch_size` is 0),
  /// what the copy throws, `std::length_error` (more `threads` than a vector holds), `std::bad_alloc`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  parallel_pipe(vocab_type& vocab LEXZONE_LIFETIMEBOUND, const Pipeline& prototype, pipe_options options = {})
    requires std::copy_constructible<Pipeline>
      : parallel_pipe(vocab, [&prototype] { return Pipeline(prototype); }, options) {}
  // clang-format on

  /// A pipe whose workers each run a pipeline made by `make()` (called `options.threads` times, on this
  /// thread): for pipelines that cannot be copied, such as a `dynamic_pipeline` with plugin components.
  /// Each must work over `vocab`. Complexity: `options.threads` calls of `make`. Lifetime: `vocab` must
  /// outlive the pipe; `make` is not kept. Throws: `std::invalid_argument` (`threads` or `batch_size`
  /// is 0), what `make` throws, `std::length_error` (more `threads` than a vector holds), `std::bad_alloc`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class Factory>
    requires std::invocable<Factory&> && std::same_as<std::invoke_result_t<Factory&>, Pipeline>
  parallel_pipe(vocab_type& vocab LEXZONE_LIFETIMEBOUND, Factory&& make, pipe_options options = {})
      : vocab_(&vocab), options_(validated(options)) {
    // clang-format on
    pipelines_.reserve(options_.threads);
    for (std::size_t w = 0; w < options_.threads; ++w) pipelines_.push_back(worker_pipeline{std::invoke(make)});
  }

  /// A pipe over the same vocab with the same options and copies of `other`'s pipelines (threads of its
  /// own, started at its first run). Not during a run of `other`. Complexity: `options().threads` copies.
  /// Throws: what a pipeline's copy throws, `std::bad_alloc`.
  parallel_pipe(const parallel_pipe& other) = default;

  /// Takes `other`'s vocab, options, pipelines and threads; `other` may then be assigned to or destroyed,
  /// not run. Complexity: O(1). Throws: nothing.
  parallel_pipe(parallel_pipe&& other) noexcept = default;

  /// Becomes a copy of `other` (see the copy constructor). Strong guarantee: the copy is made first, so
  /// when a pipeline's copy throws, this pipe keeps its vocab, options and pipelines, and runs as before.
  /// Not during a run of either pipe. Complexity: `other.options().threads` copies, and joining this
  /// pipe's threads. Throws: what a pipeline's copy throws, `std::bad_alloc`.
  parallel_pipe& operator=(const parallel_pipe& other) {
    if (this != &other) *this = parallel_pipe(other);
    return *this;
  }

  /// Takes `other`'s vocab, options, pipelines and threads, after joining this pipe's threads. Not during
  /// a run of either pipe. Complexity: joining this pipe's threads. Throws: nothing.
  parallel_pipe& operator=(parallel_pipe&& other) noexcept = default;

  /// Joins the pipe's threads (idle between runs). Not during a run. Throws: nothing.
  ~parallel_pipe() = default;

  /// The settings, `max_batches_in_flight` resolved. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const pipe_options& options() const noexcept { return options_; }

  /// The shared vocab. Lifetime: the caller's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] vocab_type& vocab() const noexcept { return *vocab_; }

  /// Worker `worker`'s pipeline (e.g. to read its tokenizer's `stats()`). Requires: `worker <
  /// options().threads` (checked builds report it); no run in progress. Lifetime: the pipe's.
  /// Complexity: O(1). Throws: nothing (checked builds: what the assertion handler throws).
  [[nodiscard]] Pipeline& pipeline(std::size_t worker) LEXZONE_LIFETIMEBOUND {
    LEXZONE_ASSERT(worker < pipelines_.size(), "parallel_pipe::pipeline: no such worker");
    return pipelines_[worker].pipeline;
  }
  /// As above, const. Complexity: O(1). Throws: nothing (checked builds: what the assertion handler throws).
  [[nodiscard]] const Pipeline& pipeline(std::size_t worker) const LEXZONE_LIFETIMEBOUND {
    LEXZONE_ASSERT(worker < pipelines_.size(), "parallel_pipe::pipeline: no such worker");
    return pipelines_[worker].pipeline;
  }

  /// Runs the pipeline over `texts` and hands `sink` the owned result `fn(doc)` of each text, in input
  /// order, on the calling thread, one call at a time.
  ///
  /// - `fn(doc_type&)` runs on the workers, inside the batch's zone, concurrently; each worker calls its
  ///   own copy of `fn` (pass `std::ref(f)` to share one thread-safe object), on the thread that made the
  ///   doc, right after the pipeline returned it and before that worker starts its next text (so state
  ///   that the worker's pipeline leaves in a `thread_local` about the text it just ran can be read by
  ///   `fn`). Its result (decayed) must
  ///   own its data: it is used after the zone closes, so it must not hold a doc, token, span,
  ///   `std::string_view` or lexeme reference from the zone (checked builds report docs, tokens and spans
  ///   used after their zone closed). Ids (`hash_t`) of permanent strings, `owned_doc`, `std::string`
  ///   and plain values are fine.
  /// - `sink(R&&)` is called for each text's result, in input order, on the calling thread.
  /// - `texts`: elements convert to `std::string_view`; references into a forward range, string views and
  ///   C strings are used in place, and their bytes must stay valid and unchanged until the run returns;
  ///   temporaries are copied, and so are the references of an input-only range (they may refer to a
  ///   value that the next increment overwrites, as `std::ranges::istream_view`'s do). String views and
  ///   C strings are used in place whatever the range, input-only ones included: a reader that yields
  ///   views into one reused buffer must yield `std::string`s instead. The range is
  ///   iterated by the workers, one at a time, under the run's lock (iterators need not be thread-safe);
  ///   it must not be used by anyone else during the run.
  ///
  /// Returns: the number of texts delivered to `sink` (the input's size unless stopped).
  /// Complexity: the pipeline's and `fn`'s work over the texts, spread over the workers; O(1) locking per
  /// batch. Memory: see the file comment. Thread safety: see the class comment.
  /// Throws: the exception of the earliest failing text (see the file comment): what the input, the
  /// pipeline, `fn` or `sink` threw; `std::system_error` if a thread cannot be started (at the first run
  /// of this pipe object, of a copy, or after a fork: nothing runs then, the threads already started are
  /// joined, the next run tries again); `std::bad_alloc`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class Texts, class Transform, class Sink>
    requires text_range<Texts> && std::copy_constructible<Transform> &&
             std::invocable<Transform&, doc_type&> &&
             (!std::is_void_v<std::invoke_result_t<Transform&, doc_type&>>) &&
             std::invocable<Sink&, std::decay_t<std::invoke_result_t<Transform&, doc_type&>>&&>
  std::size_t transform(Texts&& texts, Transform fn, Sink sink, std::stop_token stop = {}) {
    // clang-format on
    using result = std::decay_t<std::invoke_result_t<Transform&, doc_type&>>;
    run_type<Texts, result> run(std::ranges::begin(texts), std::ranges::end(texts), options_.batch_size,
                                options_.max_batches_in_flight, std::move(stop));
    std::vector<Transform> fns(pipelines_.size(), fn);
    const auto work = [&](std::size_t w) { transform_batches(run, pipelines_[w].pipeline, fns[w]); };
    with_workers(run, work, [&] { deliver_batches(run, pipelines_[0].pipeline, fns[0], sink); });
    return outcome(run);
  }

  /// `transform` with `doc.to_owned()`: every text's tokens and entities as plain data, in input order.
  /// Memory: the returned vector holds every result. Returns: one `owned_doc` per text delivered (the
  /// whole input unless stopped). Complexity, thread safety, throws: as `transform`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class Texts>
    requires text_range<Texts>
  [[nodiscard]] std::vector<owned_doc> to_owned(Texts&& texts, std::stop_token stop = {}) {
    // clang-format on
    std::vector<owned_doc> out;
    transform(
        std::forward<Texts>(texts), [](doc_type& doc) { return doc.to_owned(); },
        [&out](owned_doc&& doc) { out.push_back(std::move(doc)); }, std::move(stop));
    return out;
  }

  /// Runs the pipeline over `texts` and calls `visit(doc)` for each text's doc, inside the batch's zone,
  /// in input order, one call at a time.
  ///
  /// - `visit(doc_type&)` runs on the worker that made the doc (the calling thread is one of them), each
  ///   call after the previous one returned (with a happens-before between them: `visit` needs no lock
  ///   of its own, but must not rely on running on one particular thread). It may read and annotate the
  ///   doc; it may keep only owned data: the doc, its tokens, spans, string views and lexemes end when the
  ///   batch's zone closes, right after the batch's last call (with `pipe_scope::permanent`, they live as
  ///   long as the vocab).
  /// - `texts`: as `transform`.
  ///
  /// Returns: the number of texts visited (the input's size unless stopped). Complexity: as `transform`.
  /// Memory: see the file comment. Thread safety: see the class comment. Throws: as `transform`, with
  /// `visit` in the place of `fn` and `sink`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class Texts, class Visit>
    requires text_range<Texts> && std::invocable<Visit&, doc_type&>
  std::size_t for_each(Texts&& texts, Visit visit, std::stop_token stop = {}) {
    // clang-format on
    run_type<Texts, void> run(std::ranges::begin(texts), std::ranges::end(texts), options_.batch_size,
                              options_.max_batches_in_flight, std::move(stop));
    const auto work = [&](std::size_t w) { visit_batches(run, pipelines_[w].pipeline, visit); };
    with_workers(run, work, [&] { work(0); });
    return outcome(run);
  }

 private:
  template <class Texts, class Result>
  using run_type = detail::pipe_run<std::ranges::iterator_t<Texts>, std::ranges::sentinel_t<Texts>, Result>;

  static pipe_options validated(pipe_options o) {
    if (o.threads == 0) throw std::invalid_argument("lexzone::parallel_pipe: threads must be at least 1");
    if (o.batch_size == 0) throw std::invalid_argument("lexzone::parallel_pipe: batch_size must be at least 1");
    if (o.max_batches_in_flight == 0)
      o.max_batches_in_flight = o.threads > std::numeric_limits<std::size_t>::max() / 2 ? o.threads : 2 * o.threads;
    return o;
  }

  // Calls f(scope) with the scope of one batch: a zone opened for it (through the pipeline when it opens
  // its own) and closed when f returns or throws, or the vocab itself.
  template <class F>
  void in_batch_scope(Pipeline& p, F&& f) {
    if (options_.scope == pipe_scope::permanent) {
      f(*vocab_);
    } else if constexpr (detail::opens_pipeline_zones<Pipeline, vocab_type>) {
      auto zone = p.memory_zone(*vocab_);
      f(zone);
    } else {
      auto zone = vocab_->memory_zone();
      f(zone);
    }
  }

  // Runs work(w) on the pool's thread w for each worker w in [1, threads), and main() (worker 0) on the
  // calling thread, and returns when every work(w) returned. If main() throws, the run is stopped first
  // (every work(w) then returns soon) and the exception propagates once they did.
  template <class Run, class Work, class Main>
  void with_workers(Run& run, const Work& work, Main&& main) {
    LEXZONE_ASSERT(!pipelines_.empty(), "parallel_pipe: a moved-from pipe cannot run");
#if LEXZONE_CHECKED
    const bool overlapping = in_run_.on.exchange(true, std::memory_order_acquire);
    LEXZONE_ASSERT(!overlapping, "parallel_pipe: a run started while another run of the same pipe is in progress");
    struct run_end {
      detail::run_flag& flag;
      explicit run_end(detail::run_flag& f) noexcept : flag(f) {}
      run_end(const run_end&) = delete;
      run_end& operator=(const run_end&) = delete;
      ~run_end() { flag.on.store(false, std::memory_order_release); }
    } end_of_run(in_run_);
#endif
    pool_.run(work, std::forward<Main>(main), [&run]() noexcept { run.stop(); });
  }

  // The results of batch `b`: fn(doc) of each text's doc, made inside the batch's zone (closed before
  // this returns). Cut short at the first failure, which is recorded; never throws.
  template <class Run, class Fn>
  std::vector<typename Run::result_type> make_results(Run& run, Pipeline& p, Fn& fn, const detail::text_batch& b) {
    std::vector<typename Run::result_type> results;
    run.attempt(b.first, [&] {  // reserve, open the zone
      results.reserve(b.texts.size());
      in_batch_scope(p, [&](auto& scope) {
        for (std::size_t i = 0; i < b.texts.size() && run.keep_going(b.first + i); ++i) {
          const auto make = [&] {  // fn right after p, on this thread: a documented guarantee of transform
            doc_type doc = p(scope, b.texts[i]);
            results.push_back(std::invoke(fn, doc));
          };
          if (!run.attempt(b.first + i, make)) break;
        }
      });
    });
    return results;
  }

  // Worker loop of transform() on the other threads: claims batches and publishes their results for the
  // deliverer. Never throws: failures are recorded.
  template <class Run, class Fn>
  void transform_batches(Run& run, Pipeline& p, Fn& fn) noexcept {
    detail::text_batch b;
    try {
      while (run.claim(b)) run.publish(b, make_results(run, p, fn, b));
    } catch (...) {
      run.broken(std::current_exception());  // the run's own machinery (a lock), outside any text
    }
  }

  // Worker loop of transform() on the calling thread: hands the results to `sink` in input order as soon
  // as the front batch is ready, and processes batches of its own in between. A throwing sink is recorded
  // as its text's failure.
  template <class Run, class Fn, class Sink>
  void deliver_batches(Run& run, Pipeline& p, Fn& fn, Sink& sink) {
    detail::text_batch b;
    std::vector<typename Run::result_type> results;
    for (;;) {
      switch (run.next_step(b)) {
        case detail::pipe_step::done: return;
        case detail::pipe_step::process: run.publish(b, make_results(run, p, fn, b)); break;
        case detail::pipe_step::deliver:
          if (run.take_front(results)) {
            const std::size_t first = run.delivered_texts();  // the front batch's first text
            std::size_t n = 0;
            for (; n < results.size() && !run.stop_requested(); ++n)
              if (!run.attempt(
                      first + n, [&] { std::invoke(sink, Run::handed_over(results[n])); }, true))
                break;
            // Destroyed before the window reopens, and outside the run's lock: a sink that did not move
            // from a result would otherwise keep a batch beyond the bound of batches in flight.
            results.clear();
            run.delivered(n);
          }
          break;
      }
    }
  }

  // Worker loop of for_each(): claims batches, makes the docs inside the batch's zone, waits for the
  // batch's turn, visits the docs in order, closes the zone, then marks the batch delivered. Never
  // throws: failures are recorded.
  template <class Run, class Visit>
  void visit_batches(Run& run, Pipeline& p, Visit& visit) noexcept {
    detail::text_batch b;
    try {
      while (run.claim(b)) {
        bool turn = false;
        std::size_t visited = 0;
        run.attempt(b.first, [&] {  // reserve, open the zone, wait
          in_batch_scope(p, [&](auto& scope) {
            std::vector<doc_type> docs;
            docs.reserve(b.texts.size());
            for (std::size_t i = 0; i < b.texts.size() && run.keep_going(b.first + i); ++i)
              if (!run.attempt(b.first + i, [&] { docs.push_back(p(scope, b.texts[i])); })) break;
            turn = run.wait_turn(b);
            for (; turn && visited < docs.size() && !run.stop_requested(); ++visited)
              if (!run.attempt(
                      b.first + visited, [&] { std::invoke(visit, docs[visited]); }, true))
                break;
          });
        });
        if (turn) run.delivered(visited);  // after the zone closed: the window counts open zones too
      }
    } catch (...) {
      run.broken(std::current_exception());  // the run's own machinery (a lock), outside any text
    }
  }

  // The end of a run: rethrows the failure that delivery reached, else returns the texts delivered.
  template <class Run>
  static std::size_t outcome(const Run& run) {
    if (std::exception_ptr e = run.error()) std::rethrow_exception(e);
    return run.delivered_texts();
  }

  // A worker's pipeline on cache lines of its own: its tokenizer's cache and counters are written on
  // every text, and must not share a line with a neighbour's (false sharing).
  struct alignas(128) worker_pipeline {
    Pipeline pipeline;
  };

  vocab_type* vocab_;
  pipe_options options_;
  std::vector<worker_pipeline> pipelines_;
  detail::run_flag in_run_;  // checked builds: a run is in progress
  // The threads of workers 1 to threads - 1, started by the first run; last, so that they are joined
  // before the pipelines go.
  detail::worker_pool pool_{options_.threads - 1};
};

/// Deduces `parallel_pipe<P>` from a factory that makes a `P`.
// Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
// clang-format off
template <class Vocab, class Factory>
  requires std::invocable<Factory&>
parallel_pipe(Vocab&, Factory&&, pipe_options = {}) -> parallel_pipe<std::invoke_result_t<Factory&>>;
// clang-format on

}  // namespace lexzone
