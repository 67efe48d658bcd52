// parallel_pipe: input order, equality with a one-by-one run, the callback inside the zone, the bound on
// batches in flight, failures from every place (worker, transform, sink, callback, input), cancellation,
// empty input, vocab sizes after a run, and every kind of pipeline and input range.
// CI runs these under ThreadSanitizer (their names contain "threads").
#include <lexzone/en.hpp>
#include <lexzone/lexzone.hpp>
#include <lexzone/parallel_pipe.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/simple_traits.hpp"
#include "support/throwing_assertions.hpp"
#include "support/whitespace_tokenizer.hpp"

namespace parallel_pipe_test {

namespace {

// ---------------------------------------------------------------------------------------------------
// English: real tokenizer and entity ruler

std::vector<lexzone::entity_pattern> english_patterns() {
  return {{"ORG", "Debian Project"}, {"PERSON", "Emilio Sánchez Pérez"}, {"GPE", "São Paulo"}};
}

// Varied lines, deterministic: words outside any vocab, e-mails, entities, contractions, non-ASCII text,
// invalid UTF-8, empty lines.
std::vector<std::string> english_lines(std::size_t n) {
  static constexpr std::string_view pieces[] = {"The Debian Project released it.",
                                                "Write to ann{}@example.org today!",
                                                "Don't go to São Paulo",
                                                "—Yo me llamo... Emilio Sánchez Pérez.",
                                                "version 1.{}.3 (build #{})",
                                                "",
                                                "bad \xff byte {}",
                                                "zqx{}vel fremp{} glorb",
                                                "  spaced   out  {} ",
                                                "URL: https://example.com/p/{}?q=1"};
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(pieces[(i * 7 + i / 3) % std::size(pieces)]);
    for (std::size_t at = s.find("{}"); at != std::string::npos; at = s.find("{}"))
      s.replace(at, 2, std::to_string(i * 31 % 1009));
    out.push_back(std::move(s));
  }
  return out;
}

// The reference: every text in its own zone, one after the other, on this thread.
std::vector<std::string> one_by_one(lexzone::en::vocab& vocab, lexzone::en::pipeline nlp,
                                    const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    auto zone = vocab.memory_zone();
    out.push_back(nlp(zone, line).to_owned().to_json());
  }
  return out;
}

std::vector<std::string> as_json(const std::vector<lexzone::owned_doc>& docs) {
  std::vector<std::string> out;
  out.reserve(docs.size());
  for (const auto& d : docs) out.push_back(d.to_json());
  return out;
}

// ---------------------------------------------------------------------------------------------------
// A small model for the failure and cancellation tests: whitespace tokens over simple lexemes.

using small_vocab = lexzone::basic_vocab<lexzone::test::simple_traits>;
using small_doc = lexzone::basic_doc<small_vocab>;
using ws_tokenizer = lexzone::test::whitespace_tokenizer<small_vocab>;

struct model_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws on a text whose first token is "boom".
struct boom_component {
  using lexzone_component_tag = void;
  void operator()(small_doc& d) const {
    if (d.size() > 0 && d[0].text() == "boom") throw model_error("boom at " + std::string(d.text()));
  }
};

using small_pipeline = lexzone::pipeline<small_vocab, ws_tokenizer, boom_component>;

// "t<i> w<i>a w<i>b": every text adds new words (the zone then holds them), and its index can be read
// back from the text.
std::vector<std::string> numbered_texts(std::size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    out.push_back("t" + k + " w" + k + "a w" + k + "b");
  }
  return out;
}

// 0, 1, ..., n - 1: the indices `index_of` reads back from `numbered_texts(n)` delivered in input order.
std::vector<std::size_t> indices_below(std::size_t n) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  return out;
}

// Each test's model: a fresh vocab and the whitespace pipeline.
struct small_model {
  small_vocab vocab;
  small_pipeline nlp{ws_tokenizer{}, boom_component{}};
};

// Polls `done` until it holds or 10 s have passed.
template <class Done>
void wait_until(const Done& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
}

// Calls `run(token)` and returns what it returns. A watchdog thread requests stop through `token` if the call
// has not returned 10 s after it began: a run that hangs then ends (short), and the test fails instead of
// hanging. A run that ends in time is not affected.
template <class Run>
std::size_t with_watchdog(const Run& run) {
  std::stop_source stop;
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::jthread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; })) stop.request_stop();
  });
  const std::size_t n = run(stop.get_token());
  {
    const std::lock_guard lock(mutex);
    done = true;
  }
  cv.notify_one();
  return n;
}

std::size_t index_of(const small_doc& d) { return std::stoul(std::string(d[0].text().substr(1))); }

struct sizes {
  std::size_t lexemes, strings, open_zones;
  bool operator==(const sizes&) const = default;
};
template <class V>
sizes sizes_of(const V& v) {
  return {v.size(), v.strings().size(), v.stats().strings.open_zones};
}

}  // namespace

TEST_CASE("parallel_pipe threads: results in input order, equal to one text at a time", "[parallel_pipe][threads]") {
  lexzone::en::vocab vocab;
  const auto nlp = lexzone::en::make_pipeline(vocab, english_patterns());
  const auto lines = english_lines(600);
  const auto expected = one_by_one(vocab, nlp, lines);
  const sizes before = sizes_of(vocab);

  struct config {
    std::size_t threads, batch, window;
  };
  for (const config c : {config{1, 64, 0}, config{2, 1, 0}, config{2, 7, 1}, config{3, 16, 0}, config{4, 5, 3},
                         config{8, 64, 0}, config{4, 1000, 0}}) {
    CAPTURE(c.threads, c.batch, c.window);
    lexzone::parallel_pipe pipe(vocab, nlp,
                                {.threads = c.threads, .batch_size = c.batch, .max_batches_in_flight = c.window});
    CHECK(as_json(pipe.to_owned(lines)) == expected);

    std::vector<std::string> visited;
    CHECK(pipe.for_each(lines, [&](auto& doc) { visited.push_back(doc.to_owned().to_json()); }) == lines.size());
    CHECK(visited == expected);

    std::vector<std::string> sunk;
    const std::size_t n = pipe.transform(
        lines, [](auto& doc) { return doc.to_owned().to_json(); },
        [&](std::string&& s) { sunk.push_back(std::move(s)); });
    CHECK(n == lines.size());
    CHECK(sunk == expected);
    CHECK(sizes_of(vocab) == before);  // every zone closed, nothing left behind
  }
}

TEST_CASE("parallel_pipe threads: one thread and many give identical results, run after run",
          "[parallel_pipe][threads]") {
  lexzone::en::vocab vocab;
  const auto nlp = lexzone::en::make_pipeline(vocab, english_patterns());
  const auto lines = english_lines(400);
  lexzone::parallel_pipe one(vocab, nlp, {.threads = 1, .batch_size = 10});
  lexzone::parallel_pipe four(vocab, nlp, {.threads = 4, .batch_size = 10});
  const auto reference = as_json(one.to_owned(lines));
  REQUIRE(reference.size() == lines.size());
  for (int round = 0; round < 3; ++round) CHECK(as_json(four.to_owned(lines)) == reference);  // warm caches too
  CHECK(as_json(one.to_owned(lines)) == reference);
}

namespace {

// The number of distinct threads that ever ran `note_thread` (one thread_local flag each).
std::atomic<std::size_t> threads_seen{0};
void note_thread() {
  thread_local bool seen = false;
  if (!seen) {
    seen = true;
    threads_seen.fetch_add(1);
  }
}

}  // namespace

TEST_CASE("parallel_pipe threads: a pipe keeps its threads from run to run", "[parallel_pipe][threads]") {
  lexzone::en::vocab vocab;
  const auto nlp = lexzone::en::make_pipeline(vocab, english_patterns());
  const auto lines = english_lines(12);
  lexzone::parallel_pipe one(vocab, nlp, {.threads = 1, .batch_size = 2});
  const auto reference = as_json(one.to_owned(lines));
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 3, .batch_size = 2});
  const std::size_t before = threads_seen.load();
  note_thread();  // this thread: at most one more
  for (int run = 0; run < 30; ++run) {
    std::vector<lexzone::owned_doc> docs;
    pipe.transform(
        lines,
        [](auto& doc) {
          note_thread();
          std::this_thread::sleep_for(std::chrono::microseconds(100));  // the other workers get texts too
          return doc.to_owned();
        },
        [&](lexzone::owned_doc&& d) { docs.push_back(std::move(d)); });
    CHECK(as_json(docs) == reference);
  }
  // The calling thread and the pipe's 2 threads (new threads every run would make this grow with the runs).
  CHECK(threads_seen.load() - before <= 3);
  CHECK(threads_seen.load() - before >= 2);  // the pipe's threads did take part
}

TEST_CASE("parallel_pipe threads: the callback runs inside the batch's zone", "[parallel_pipe][threads]") {
  lexzone::en::vocab vocab;
  const auto nlp = lexzone::en::make_pipeline(vocab, english_patterns());
  const sizes before = sizes_of(vocab);
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) lines.push_back("fresh" + std::to_string(i) + "word and the Debian Project");
  for (const std::size_t threads : {1, 3}) {
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 8});
    std::size_t calls = 0, in_zone = 0, ents = 0;
    lexzone::basic_doc<lexzone::en::vocab> kept;  // deliberately kept past its zone: checked builds see it expire
    pipe.for_each(lines, [&](auto& doc) {
      ++calls;
      // The new word is the zone's: the doc has it, the permanent layer does not.
      const std::string_view word = doc[0].text();
      if (word == "fresh" + std::to_string(calls - 1) + "word" && !vocab.contains(word) &&
          vocab.size() > before.lexemes && vocab.stats().strings.open_zones > 0)
        ++in_zone;
      ents += doc.ents().size();
      if (calls == 1) kept = doc;
    });
    CHECK(calls == lines.size());
    CHECK(in_zone == lines.size());
    CHECK(ents == lines.size());
#if LEXZONE_CHECKED
    CHECK_FALSE(kept.is_alive());  // only owned data may leave the callback
#endif
    CHECK(sizes_of(vocab) == before);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: a slow sink stalls the workers at the window",
                 "[parallel_pipe][threads]") {
  constexpr std::size_t batch = 4, window = 3, count = 160;
  const auto texts = numbered_texts(count);
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 3, .batch_size = batch, .max_batches_in_flight = window});

  std::atomic<std::size_t> highest_batch_made{0};
  std::size_t sunk = 0, most_in_flight = 0;
  pipe.transform(
      texts,
      [&](small_doc& d) {
        const std::size_t b = index_of(d) / batch;
        std::size_t seen = highest_batch_made.load();
        while (seen < b && !highest_batch_made.compare_exchange_weak(seen, b)) {
        }
        return index_of(d);
      },
      [&](std::size_t index) {
        CHECK(index == sunk);
        // The first result waits (10 s at most) until another worker made a later batch: a busy machine
        // may start the threads late, and the calling thread must not do all the work meanwhile.
        if (index == 0) wait_until([&] { return highest_batch_made.load() >= 1; });
        // Batches made but not delivered, counting the one being delivered.
        most_in_flight = std::max(most_in_flight, highest_batch_made.load() - sunk / batch + 1);
        ++sunk;
        std::this_thread::sleep_for(std::chrono::microseconds(500));  // the slow consumer
      });
  CHECK(sunk == count);
  CHECK(most_in_flight <= window);  // the bound
  CHECK(most_in_flight >= 2);       // the workers did run ahead of the sink
}

namespace {

// Results alive at once (those that own a payload), and the most seen.
struct counted_result {
  static inline std::atomic<long> live{0}, peak{0};
  std::vector<char> payload;
  explicit counted_result(std::size_t n) : payload(n) {
    const long v = ++live;
    long p = peak.load();
    while (v > p && !peak.compare_exchange_weak(p, v)) {
    }
  }
  counted_result(counted_result&& o) noexcept : payload(std::move(o.payload)) {}
  counted_result(const counted_result&) = delete;
  counted_result& operator=(const counted_result&) = delete;
  counted_result& operator=(counted_result&&) = delete;
  ~counted_result() {
    if (!payload.empty()) --live;
  }
};

}  // namespace

TEST_CASE_METHOD(small_model, "parallel_pipe threads: results a sink only reads count in the window until it closes",
                 "[parallel_pipe][threads]") {
  constexpr std::size_t batch = 4, window = 2;
  const auto texts = numbered_texts(200);
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 3, .batch_size = batch, .max_batches_in_flight = window});
  for (const bool moves : {false, true}) {
    CAPTURE(moves);
    counted_result::live = 0;
    counted_result::peak = 0;
    std::size_t bytes = 0;
    const auto slow = [] { std::this_thread::sleep_for(std::chrono::microseconds(300)); };
    if (moves) {
      pipe.transform(
          texts, [](small_doc&) { return counted_result(4096); },
          [&](counted_result&& r) {
            const counted_result mine(std::move(r));
            bytes += mine.payload.size();
            slow();
          });
    } else {
      pipe.transform(
          texts, [](small_doc&) { return counted_result(4096); },
          [&](const counted_result& r) {
            bytes += r.payload.size();
            slow();
          });
    }
    CHECK(bytes == texts.size() * 4096);
    CHECK(counted_result::live == 0);
    // At most `window` batches in flight, the one being delivered included (a delivered batch kept until
    // the next one was taken made 12 here).
    CHECK(counted_result::peak <= static_cast<long>(window * batch));
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: a bool result reaches the sink as bool&&",
                 "[parallel_pipe][threads]") {
  const auto texts = numbered_texts(90);
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 2, .batch_size = 4});
  std::vector<bool> got;
  pipe.transform(
      texts, [](small_doc& d) { return index_of(d) % 3 == 0; },
      [&](auto&& b) {
        // Not std::vector<bool>'s proxy into a batch's buffer, which the run frees.
        STATIC_REQUIRE(std::is_same_v<decltype(b), bool&&>);
        got.push_back(b);
      });
  REQUIRE(got.size() == texts.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == (i % 3 == 0));
}

namespace {

// A pipeline that remembers the vocab it was built for, whose copies throw while `copies_left` is 0.
struct homed_pipeline {
  using vocab_type = small_vocab;
  static inline int copies_left = 1 << 30;
  static inline std::atomic<int> foreign_runs{0};  // runs over another vocab than `home` (counted: workers
                                                   // may not use Catch2's assertions)
  small_vocab* home;
  small_pipeline inner{ws_tokenizer{}, boom_component{}};
  explicit homed_pipeline(small_vocab& v) : home(&v) {}
  homed_pipeline(const homed_pipeline& o) : home(o.home), inner(o.inner) {
    if (copies_left-- <= 0) throw model_error("copy failed");
  }
  homed_pipeline(homed_pipeline&&) = default;
  homed_pipeline& operator=(const homed_pipeline& o) {
    if (copies_left-- <= 0) throw model_error("copy failed");
    home = o.home;
    inner = o.inner;
    return *this;
  }
  homed_pipeline& operator=(homed_pipeline&&) = default;
  ~homed_pipeline() = default;
  template <class Scope>
  small_doc operator()(Scope& scope, std::string_view text) {
    const small_vocab* over = nullptr;
    if constexpr (requires { scope.owner(); }) {
      over = &scope.owner();  // a zone
    } else {
      over = &scope;  // the permanent scope: the vocab
    }
    if (over != home) ++foreign_runs;
    return inner(scope, text);
  }
};

}  // namespace

TEST_CASE("parallel_pipe threads: a copy assignment that throws leaves the pipe as it was",
          "[parallel_pipe][threads]") {
  small_vocab a, b;
  lexzone::parallel_pipe<homed_pipeline> pa(a, homed_pipeline(a), {.threads = 2, .batch_size = 4});
  lexzone::parallel_pipe<homed_pipeline> pb(b, homed_pipeline(b), {.threads = 4, .batch_size = 1});
  const auto texts = numbered_texts(20);
  for (int allowed = 0; allowed < 4; ++allowed) {  // the (allowed + 1)-th copy of pb's pipelines throws
    CAPTURE(allowed);
    homed_pipeline::copies_left = allowed;
    CHECK_THROWS_AS(pa = pb, model_error);
    homed_pipeline::copies_left = 1 << 30;
    CHECK(&pa.vocab() == &a);
    CHECK(pa.options().threads == 2);
    CHECK(pa.options().batch_size == 4);
    CHECK(pa.pipeline(0).home == &a);
    CHECK(pa.pipeline(1).home == &a);
    CHECK(pa.to_owned(texts).size() == texts.size());  // its pipelines run over a
  }
  pa = pb;  // and a copy that succeeds is pb's
  CHECK(&pa.vocab() == &b);
  CHECK(pa.options().threads == 4);
  CHECK(pa.pipeline(3).home == &b);
  CHECK(pa.to_owned(texts).size() == texts.size());
  CHECK(homed_pipeline::foreign_runs == 0);
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: the largest max_batches_in_flight keeps the window open",
                 "[parallel_pipe][threads]") {
  // SIZE_MAX, as "no bound": the window's test must not overflow (delivered batches + window wrapped around
  // to below the batches claimed: the window stayed shut after the first delivery, and the run hung).
  constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();
  const auto texts = numbered_texts(40);
  for (const std::size_t threads : {1, 3}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 4, .max_batches_in_flight = unbounded});
    CHECK(pipe.options().max_batches_in_flight == unbounded);
    std::size_t sunk = 0;
    const std::size_t transformed = with_watchdog([&](std::stop_token stop) {
      return pipe.transform(
          texts, [](small_doc& d) { return index_of(d); }, [&](std::size_t i) { CHECK(i == sunk++); }, stop);
    });
    CHECK(transformed == texts.size());
    std::size_t visited = 0;
    const std::size_t visits = with_watchdog([&](std::stop_token stop) {
      return pipe.for_each(
          texts, [&](small_doc& d) { CHECK(index_of(d) == visited++); }, stop);
    });
    CHECK(visits == texts.size());
    CHECK(vocab.stats().strings.open_zones == 0);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: for_each holds at most min(threads, window) zones",
                 "[parallel_pipe][threads]") {
  const auto texts = numbered_texts(120);
  for (const std::size_t window : {1, 2, 8}) {
    CAPTURE(window);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 4, .batch_size = 3, .max_batches_in_flight = window});
    std::size_t most_zones = 0, next = 0;
    pipe.for_each(texts, [&](small_doc& d) {
      CHECK(index_of(d) == next++);
      most_zones = std::max(most_zones, vocab.stats().strings.open_zones);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    });
    CHECK(next == texts.size());
    CHECK(most_zones >= 1);
    CHECK(most_zones <= std::min<std::size_t>(4, window));
    CHECK(vocab.stats().strings.open_zones == 0);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: a worker's exception reaches the caller, earliest text first",
                 "[parallel_pipe][threads]") {
  auto texts = numbered_texts(500);
  texts[401] = "boom 401";
  texts[237] = "boom 237";
  const sizes before = sizes_of(vocab);
  for (const std::size_t threads : {1, 2, 4}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 6});
    std::vector<std::size_t> got;
    try {
      pipe.transform(
          texts, [](small_doc& d) { return index_of(d); }, [&](std::size_t i) { got.push_back(i); });
      FAIL("expected the component's exception");
    } catch (const model_error& e) {
      CHECK(std::string(e.what()) == "boom at boom 237");
    }
    REQUIRE(got.size() == 237);  // every text before the failing one, none after
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == i);
    CHECK(sizes_of(vocab) == before);

    std::size_t visited = 0;
    CHECK_THROWS_WITH(pipe.for_each(texts, [&](small_doc& d) { CHECK(index_of(d) == visited++); }), "boom at boom 237");
    CHECK(visited == 237);
    CHECK(sizes_of(vocab) == before);

    // The pipe and the vocab remain usable.
    CHECK(pipe.to_owned(numbered_texts(50)).size() == 50);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: a throwing sink, transform or callback stops the run",
                 "[parallel_pipe][threads]") {
  const auto texts = numbered_texts(300);
  const sizes before = sizes_of(vocab);
  for (const std::size_t threads : {1, 3}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 4});

    std::size_t sunk = 0;
    const auto sink_throws = [&](std::size_t i) {
      if (i == 100) throw std::logic_error("sink refused 100");
      ++sunk;
    };
    CHECK_THROWS_WITH(pipe.transform(
                          texts, [](small_doc& d) { return index_of(d); }, sink_throws),
                      "sink refused 100");
    CHECK(sunk == 100);
    CHECK(sizes_of(vocab) == before);

    sunk = 0;
    const auto fn_throws = [](small_doc& d) {
      if (index_of(d) == 150) throw std::out_of_range("transform refused 150");
      return index_of(d);
    };
    CHECK_THROWS_AS(pipe.transform(texts, fn_throws, [&](std::size_t) { ++sunk; }), std::out_of_range);
    CHECK(sunk == 150);
    CHECK(sizes_of(vocab) == before);

    std::size_t visited = 0;
    const auto visit_throws = [&](small_doc& d) {
      if (index_of(d) == 42) throw std::length_error("callback refused 42");
      ++visited;
    };
    CHECK_THROWS_AS(pipe.for_each(texts, visit_throws), std::length_error);
    CHECK(visited == 42);
    CHECK(sizes_of(vocab) == before);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: cancellation mid-run closes every zone and joins every thread",
                 "[parallel_pipe][threads]") {
  const auto texts = numbered_texts(2000);
  const sizes before = sizes_of(vocab);
  for (const std::size_t threads : {1, 2, 4}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 5});

    // From the sink: nothing is delivered after the request.
    std::stop_source from_sink;
    std::size_t sunk = 0;
    const std::size_t n = pipe.transform(
        texts, [](small_doc& d) { return index_of(d); },
        [&](std::size_t i) {
          CHECK(i == sunk++);
          if (i == 50) from_sink.request_stop();
        },
        from_sink.get_token());
    CHECK(n == 51);
    CHECK(sunk == 51);
    CHECK(sizes_of(vocab) == before);

    // From the callback, in for_each.
    std::stop_source from_visit;
    std::size_t visited = 0;
    CHECK(pipe.for_each(
              texts,
              [&](small_doc&) {
                if (++visited == 77) from_visit.request_stop();
              },
              from_visit.get_token()) == 77);
    CHECK(visited == 77);
    CHECK(sizes_of(vocab) == before);

    // From another thread, while the workers wait on a slow sink (the window is full).
    std::stop_source from_outside;
    std::atomic<std::size_t> delivered{0};
    std::jthread canceller([&] {
      while (delivered.load() < 20) std::this_thread::yield();
      from_outside.request_stop();
    });
    const std::size_t m = pipe.transform(
        texts, [](small_doc& d) { return index_of(d); },
        [&](std::size_t) {
          // After 30 results the sink waits (10 s at most) for the other thread's request: the run cannot
          // end before it, however late that thread runs.
          if (delivered.fetch_add(1) + 1 >= 30) wait_until([&] { return from_outside.stop_requested(); });
        },
        from_outside.get_token());
    CHECK(m >= 20);
    CHECK(m <= 30);
    CHECK(m == delivered.load());
    CHECK(sizes_of(vocab) == before);

    // Stopped before it starts: nothing runs.
    std::stop_source already;
    already.request_stop();
    CHECK(pipe.for_each(
              texts, [](small_doc&) { FAIL("called after stop"); }, already.get_token()) == 0);
    CHECK(pipe.to_owned(texts, already.get_token()).empty());
    CHECK(sizes_of(vocab) == before);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: a stop request discards a failure that delivery has not reached",
                 "[parallel_pipe][threads]") {
  auto texts = numbered_texts(400);
  texts[300] = "boom 300";
  lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 2, .batch_size = 4});
  std::stop_source stop;
  std::size_t sunk = 0;
  const auto sink = [&](std::size_t i) {
    ++sunk;
    if (i == 9) stop.request_stop();
  };
  CHECK(pipe.transform(
            texts, [](small_doc& d) { return index_of(d); }, sink, stop.get_token()) == 10);
  CHECK(sunk == 10);
}

TEST_CASE_METHOD(small_model,
                 "parallel_pipe threads: a stop at text k discards a failure at text k + 1 whatever the threads and "
                 "batches",
                 "[parallel_pipe][threads]") {
  // As if one text at a time: the stop comes first, text k + 1 is never met. Text 12 is the first of its
  // batch (batches of 1, 3, 4) or inside one (5, 10); a worker may or may not have failed on it before
  // the stop, depending on the threads and the timing: the outcome may not.
  constexpr std::size_t k = 11;
  auto texts = numbered_texts(60);
  texts[k + 1] = "boom " + std::to_string(k + 1);
  const sizes before = sizes_of(vocab);
  for (const std::size_t threads : {1, 2, 3}) {
    for (const std::size_t batch : {1, 3, 4, 5, 10}) {
      CAPTURE(threads, batch);
      lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = batch});
      for (int round = 0; round < 4; ++round) {
        std::stop_source stop;
        std::size_t sunk = 0;
        CHECK(pipe.transform(
                  texts, [](small_doc& d) { return index_of(d); },
                  [&](std::size_t i) {
                    ++sunk;
                    if (i == k) stop.request_stop();
                  },
                  stop.get_token()) == k + 1);
        CHECK(sunk == k + 1);

        std::stop_source stop_visits;
        std::size_t visited = 0;
        CHECK(pipe.for_each(
                  texts,
                  [&](small_doc& d) {
                    ++visited;
                    if (index_of(d) == k) stop_visits.request_stop();
                  },
                  stop_visits.get_token()) == k + 1);
        CHECK(visited == k + 1);
      }
      // Without the stop, delivery reaches the failure: rethrown.
      CHECK_THROWS_WITH(pipe.to_owned(texts), "boom at boom 12");
      // A sink that requests stop and then throws: its own failure, rethrown.
      std::stop_source stop;
      CHECK_THROWS_WITH(pipe.transform(
                            texts, [](small_doc& d) { return index_of(d); },
                            [&](std::size_t i) {
                              if (i == 5) {
                                stop.request_stop();
                                throw std::logic_error("sink stopped and refused 5");
                              }
                            },
                            stop.get_token()),
                        "sink stopped and refused 5");
      CHECK(sizes_of(vocab) == before);
    }
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: a failure behind a slow sink with a full window",
                 "[parallel_pipe][threads]") {
  // The workers run ahead to the window's end and meet the failure while the sink is still far behind:
  // the sink still gets every text before it, in order, and the run then rethrows it.
  auto texts = numbered_texts(200);
  texts[90] = "boom 90";
  const sizes before = sizes_of(vocab);
  for (const std::size_t threads : {2, 3}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 4, .max_batches_in_flight = 2});
    std::size_t sunk = 0;
    CHECK_THROWS_WITH(pipe.transform(
                          texts, [](small_doc& d) { return index_of(d); },
                          [&](std::size_t i) {
                            CHECK(i == sunk++);
                            std::this_thread::sleep_for(std::chrono::microseconds(200));
                          }),
                      "boom at boom 90");
    CHECK(sunk == 90);
    std::size_t visited = 0;
    CHECK_THROWS_WITH(pipe.for_each(texts,
                                    [&](small_doc& d) {
                                      CHECK(index_of(d) == visited++);
                                      std::this_thread::sleep_for(std::chrono::microseconds(200));
                                    }),
                      "boom at boom 90");
    CHECK(visited == 90);
    CHECK(sizes_of(vocab) == before);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: for_each stopped from another thread",
                 "[parallel_pipe][threads]") {
  const auto texts = numbered_texts(2000);
  const sizes before = sizes_of(vocab);
  for (const std::size_t threads : {1, 3}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 5});
    std::stop_source from_outside;
    std::atomic<std::size_t> visited{0};
    std::jthread canceller([&] {
      while (visited.load() < 20) std::this_thread::yield();
      from_outside.request_stop();
    });
    const std::size_t n = pipe.for_each(
        texts,
        [&](small_doc& d) {
          CHECK(index_of(d) == visited.load());
          // After 30 docs the callback waits (10 s at most) for the other thread's request.
          if (visited.fetch_add(1) + 1 >= 30) wait_until([&] { return from_outside.stop_requested(); });
        },
        from_outside.get_token());
    CHECK(n >= 20);
    CHECK(n <= 30);
    CHECK(n == visited.load());
    CHECK(sizes_of(vocab) == before);
  }
}

#if LEXZONE_CHECKED
TEST_CASE_METHOD(small_model, "parallel_pipe threads: checked builds report a run started during another",
                 "[parallel_pipe][threads]") {
  const lexzone::test::throwing_assertions scope;
  const auto texts = numbered_texts(40);
  for (const std::size_t threads : {1, 2}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 4});
    // From the sink: the nested run is refused; its report is the sink's failure, which the run rethrows.
    REQUIRE_THROWS_WITH(pipe.transform(
                            texts, [](small_doc& d) { return index_of(d); },
                            [&](std::size_t i) {
                              if (i == 5) (void)pipe.to_owned(texts);
                            }),
                        lexzone_test::contains_text("another run of the same pipe"));
    // From a for_each callback too; afterwards the pipe runs again.
    REQUIRE_THROWS_WITH(pipe.for_each(texts, [&](small_doc&) { (void)pipe.to_owned(texts); }),
                        lexzone_test::contains_text("another run of the same pipe"));
    CHECK(pipe.to_owned(texts).size() == texts.size());
  }
}
#endif

TEST_CASE_METHOD(small_model, "parallel_pipe threads: no texts", "[parallel_pipe][threads]") {
  const std::vector<std::string> none;
  for (const std::size_t threads : {1, 4}) {
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads});
    CHECK(pipe.to_owned(none).empty());
    CHECK(pipe.for_each(none, [](small_doc&) { FAIL("no text"); }) == 0);
    CHECK(pipe.transform(
              std::array<std::string_view, 0>{}, [](small_doc&) { return 0; }, [](int) { FAIL("no text"); }) == 0);
  }
}

TEST_CASE("parallel_pipe threads: sizes back at the baseline, and the permanent scope keeps the words",
          "[parallel_pipe][threads]") {
  lexzone::en::vocab vocab;
  const auto nlp = lexzone::en::make_pipeline(vocab, english_patterns());
  const auto lines = english_lines(300);
  const sizes before = sizes_of(vocab);
  const auto zoned = lexzone::parallel_pipe(vocab, nlp, {.threads = 3, .batch_size = 16}).to_owned(lines);
  CHECK(sizes_of(vocab) == before);

  lexzone::parallel_pipe permanent(vocab, nlp,
                                   {.threads = 3, .batch_size = 16, .scope = lexzone::pipe_scope::permanent});
  CHECK(as_json(permanent.to_owned(lines)) == as_json(zoned));  // same answers
  CHECK(vocab.permanent_size() > before.lexemes);               // the new words stayed
  CHECK(vocab.stats().strings.open_zones == 0);
  // Docs made on the permanent layer outlive the callback.
  std::vector<lexzone::basic_doc<lexzone::en::vocab>> kept;
  permanent.for_each(lines, [&](auto& doc) { kept.push_back(doc); });
  REQUIRE(kept.size() == lines.size());
  CHECK(kept.back().text() == lines.back());
}

namespace {
// An input range that makes its texts on the fly ("t<i> tail", returned by value): batches copy them.
struct generated_texts {
  std::size_t count;
  struct iterator {
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    std::size_t i = 0, count = 0;
    std::string operator*() const { return "t" + std::to_string(i) + " tail"; }
    iterator& operator++() {
      ++i;
      return *this;
    }
    void operator++(int) { ++i; }
    bool operator==(std::default_sentinel_t) const { return i == count; }
  };
  [[nodiscard]] iterator begin() const { return {0, count}; }
  [[nodiscard]] std::default_sentinel_t end() const { return {}; }
};
static_assert(lexzone::text_range<generated_texts>);
static_assert(!lexzone::detail::text_outlives_iteration<generated_texts::iterator>);  // std::string values
static_assert(lexzone::detail::text_outlives_iteration<std::vector<std::string>::const_iterator>);
static_assert(lexzone::detail::text_outlives_iteration<std::vector<std::string_view>::iterator>);
static_assert(lexzone::detail::text_outlives_iteration<std::vector<const char*>::iterator>);
}  // namespace

TEST_CASE("parallel_pipe threads: dynamic pipelines from a factory, bare tokenizers, any text range",
          "[parallel_pipe][threads]") {
  small_vocab vocab;
  const auto texts = numbered_texts(100);
  std::vector<std::size_t> expected(texts.size());
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i;
  const auto indexes = [](small_doc& d) { return index_of(d); };

  // A pipeline that cannot be copied: one made per worker.
  std::size_t made = 0;
  lexzone::parallel_pipe dynamic(vocab,
                                 [&] {
                                   ++made;
                                   lexzone::dynamic_pipeline<small_vocab> p(ws_tokenizer{});
                                   p.add("boom", boom_component{});
                                   return p;
                                 },
                                 {.threads = 3, .batch_size = 8});
  static_assert(std::is_same_v<decltype(dynamic), lexzone::parallel_pipe<lexzone::dynamic_pipeline<small_vocab>>>);
  CHECK(made == 3);
  std::vector<std::size_t> got;
  dynamic.transform(texts, indexes, [&](std::size_t i) { got.push_back(i); });
  CHECK(got == expected);

  // A tokenizer alone, as a pipeline without components; texts made on the fly (copied into batches).
  using tokenizer_only = lexzone::pipeline<small_vocab, ws_tokenizer>;
  lexzone::parallel_pipe bare(vocab, tokenizer_only{ws_tokenizer{}}, {.threads = 2, .batch_size = 3});
  got.clear();
  bare.transform(generated_texts{texts.size()}, indexes, [&](std::size_t i) { got.push_back(i); });
  CHECK(got == expected);

  // Views and C strings are used in place.
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<const char*> c_strings;
  for (const auto& t : texts) c_strings.push_back(t.c_str());
  got.clear();
  bare.transform(views, indexes, [&](std::size_t i) { got.push_back(i); });
  CHECK(got == expected);
  got.clear();
  bare.transform(c_strings, indexes, [&](std::size_t i) { got.push_back(i); });
  CHECK(got == expected);
}

namespace {
// An input-only range whose iterator refers to one string that each increment overwrites with the next text, as
// std::ranges::istream_view<std::string> does (not used here: clang 14 rejects it with libstdc++ 12).
struct stashing_input {
  const std::vector<std::string>* texts;
  std::string current;  // the text the iterator is at
  struct iterator {
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    stashing_input* in = nullptr;
    std::size_t i = 0;
    const std::string& operator*() const { return in->current; }
    iterator& operator++() {
      if (++i < in->texts->size()) in->current = (*in->texts)[i];
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return i == in->texts->size(); }
  };
  [[nodiscard]] iterator begin() {
    if (!texts->empty()) current = texts->front();
    return {this, 0};
  }
  [[nodiscard]] std::default_sentinel_t end() const { return {}; }
};
static_assert(lexzone::text_range<stashing_input&>);
static_assert(!lexzone::detail::text_outlives_iteration<stashing_input::iterator>);  // its references are copied
}  // namespace

TEST_CASE_METHOD(small_model, "parallel_pipe threads: the references of an input-only range are copied",
                 "[parallel_pipe][threads]") {
  // A batch that kept views of the one string the iterator refers to saw its last text in place of the others.
  const auto texts = numbered_texts(100);
  const std::vector<std::size_t> expected = indices_below(texts.size());
  for (const std::size_t threads : {1, 3}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 8});
    stashing_input in{&texts, {}};
    std::vector<std::size_t> got;
    pipe.transform(
        in, [](small_doc& d) { return index_of(d); }, [&](std::size_t i) { got.push_back(i); });
    CHECK(got == expected);
    stashing_input visit_in{&texts, {}};
    got.clear();
    pipe.for_each(visit_in, [&](small_doc& d) { got.push_back(index_of(d)); });
    CHECK(got == expected);
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: the largest batch_size makes one batch of the whole input",
                 "[parallel_pipe][threads]") {
  // SIZE_MAX, as "one zone for everything": a batch must not reserve room for batch_size texts (the reserve
  // threw std::length_error, and every run failed at its first text).
  const auto texts = numbered_texts(30);
  const std::vector<std::size_t> expected = indices_below(texts.size());
  for (const std::size_t threads : {1, 2}) {
    CAPTURE(threads);
    lexzone::parallel_pipe pipe(vocab, nlp,
                                {.threads = threads, .batch_size = std::numeric_limits<std::size_t>::max()});
    std::vector<std::size_t> got;
    CHECK_NOTHROW(pipe.transform(
        texts, [](small_doc& d) { return index_of(d); }, [&](std::size_t i) { got.push_back(i); }));
    CHECK(got == expected);
    // Texts made on the fly: copied into the batch, where the views of the earlier ones must stay valid.
    got.clear();
    CHECK_NOTHROW(pipe.for_each(generated_texts{texts.size()}, [&](small_doc& d) { got.push_back(index_of(d)); }));
    CHECK(got == expected);
    CHECK(vocab.stats().strings.open_zones == 0);
  }
}

namespace {
// An input range whose iterator throws when it reaches element `fail_at`.
struct failing_input {
  const std::vector<std::string>* texts;
  std::size_t fail_at;
  struct iterator {
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    const failing_input* in = nullptr;
    std::size_t i = 0;
    std::string_view operator*() const {
      if (i == in->fail_at) throw std::runtime_error("input unreadable at " + std::to_string(i));
      return (*in->texts)[i];
    }
    iterator& operator++() {
      ++i;
      return *this;
    }
    void operator++(int) { ++i; }
    bool operator==(std::default_sentinel_t) const { return i == in->texts->size(); }
  };
  [[nodiscard]] iterator begin() const { return {this, 0}; }
  [[nodiscard]] std::default_sentinel_t end() const { return {}; }
};
static_assert(lexzone::text_range<failing_input&>);
static_assert(lexzone::detail::text_outlives_iteration<failing_input::iterator>);  // string views, input-only
}  // namespace

TEST_CASE_METHOD(small_model, "parallel_pipe threads: an input that throws fails at its position",
                 "[parallel_pipe][threads]") {
  const auto texts = numbered_texts(400);
  for (const std::size_t threads : {1, 3}) {
    lexzone::parallel_pipe pipe(vocab, nlp, {.threads = threads, .batch_size = 7});
    for (const std::size_t at : {0, 7, 300}) {
      CAPTURE(threads, at);
      failing_input in{&texts, at};
      std::size_t sunk = 0;
      CHECK_THROWS_WITH(pipe.transform(
                            in, [](small_doc& d) { return index_of(d); }, [&](std::size_t) { ++sunk; }),
                        "input unreadable at " + std::to_string(at));
      CHECK(sunk == at);
      std::size_t visited = 0;
      CHECK_THROWS_AS(pipe.for_each(in, [&](small_doc&) { ++visited; }), std::runtime_error);
      CHECK(visited == at);
      CHECK(vocab.stats().strings.open_zones == 0);
    }
  }
}

TEST_CASE_METHOD(small_model, "parallel_pipe threads: options are checked", "[parallel_pipe][threads]") {
  CHECK_THROWS_AS(lexzone::parallel_pipe(vocab, nlp, {.threads = 0}), std::invalid_argument);
  CHECK_THROWS_AS(lexzone::parallel_pipe(vocab, nlp, {.threads = 2, .batch_size = 0}), std::invalid_argument);
  const lexzone::parallel_pipe pipe(vocab, nlp, {.threads = 3});
  CHECK(pipe.options().max_batches_in_flight == 6);
  CHECK(pipe.options().batch_size == 64);
  CHECK(&pipe.vocab() == &vocab);
  CHECK(&pipe.pipeline(2) != &pipe.pipeline(0));
}

}  // namespace parallel_pipe_test
