// ner_service: the HTTP server (see server.hpp for the threads, README.md for the limits and metrics).
//
// A connection goes through these phases, each with its own deadline (one steady_timer per connection):
//   idle      waiting for the first byte of a request (keep-alive)          --idle-timeout
//   header    first byte to the end of the header                           --header-timeout (and --request-timeout)
//   body      end of the header to the end of the body                      --body-timeout (and --request-timeout)
//   queued    waiting for or running on a worker (checked by the worker)    --request-timeout
//   writing   writing the response                                          --write-timeout
//   lingering after a response that closes: our side shut, the client's remaining bytes read and dropped
//             (so that it gets the response, not a reset), at most 1 MiB   2 s
// Requests of one connection are served one after the other, so pipelined requests are answered in order:
// the next one stays in the read buffer (or the socket) until the response before it is written.
#include "ner_service/server.hpp"

#if defined(__GLIBC__)
#  include <malloc.h>
#endif

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <lexzone/matcher.hpp>  // match_limit_error
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ner_service/budget.hpp"
#include "ner_service/http_parser.hpp"
#include "ner_service/model.hpp"
#include "ner_service/quote.hpp"
#include "ner_service/request.hpp"
#include "ner_service/response.hpp"
#include "support/process_stats.hpp"

namespace lexzone::ner_service {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

constexpr std::chrono::seconds linger_time{2};  // reading what a closed-on client still sends
constexpr std::size_t linger_bytes = std::size_t{1} << 20;
// A connection's read buffer holds at most --max-header-bytes + this, whether a header or a body arrives
// (a body's bytes move on to the body, counted in the byte budget; a chunk header with its extensions must
// fit, or the request is refused): the per-connection term of the memory formula (memory_estimate.cpp).
constexpr std::size_t read_slack = 1024;
// An idle connection's read (empty lines, or a request's first bytes): small, so that an idle connection,
// or a slow one whose first bytes it read, never holds a full read buffer.
constexpr std::size_t idle_read = 1024;
constexpr std::size_t pooled_buffer_capacity = std::size_t{128} * 1024;  // glibc mmaps larger blocks (main.cpp)
constexpr std::chrono::milliseconds accept_pause{100};                   // after EMFILE and the like

enum class route { ner, ner_batch, healthz, readyz, metrics, unknown };

route route_for(std::string_view path) {
  if (path == "/v1/ner") return route::ner;
  if (path == "/v1/ner/batch") return route::ner_batch;
  if (path == "/healthz") return route::healthz;
  if (path == "/readyz") return route::readyz;
  if (path == "/metrics") return route::metrics;
  return route::unknown;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Server Error" : "Client Error";
  }
}

// A response, ready to be written.
struct reply {
  int status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  std::string_view allow;    // the Allow header (405, OPTIONS)
  bool retry_after = false;  // Retry-After: 1 (503)
  bool close = false;        // the connection closes after this response
  budget_lease lease;        // the body's share of the memory budget (worker responses)
};

class session;

// A NER request for a worker.
struct job {
  std::shared_ptr<session> owner;
  request_kind kind = request_kind::single;
  std::string body;
  budget_lease lease;
  steady::time_point deadline;
  std::size_t response_cap = 0;
};

// The workers and their bounded queue.
class worker_pool {
 public:
  using runner = std::function<void(unsigned, job&)>;

  explicit worker_pool(std::size_t capacity) : capacity_(capacity) {}
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;
  worker_pool(worker_pool&&) = delete;
  worker_pool& operator=(worker_pool&&) = delete;
  ~worker_pool() { stop(); }

  void start(unsigned n, const runner& run) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this, i, run] { loop(i, run); });
  }

  // Queues `j` (moved from) unless the queue is full or stopped.
  bool try_push(job& j) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || queue_.size() >= capacity_) return false;
      queue_.push_back(std::move(j));
    }
    wake_.notify_one();
    return true;
  }

  [[nodiscard]] bool full() const {
    std::lock_guard lock(mutex_);
    return queue_.size() >= capacity_;
  }
  [[nodiscard]] std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  [[nodiscard]] std::size_t busy() const noexcept { return busy_.load(std::memory_order_relaxed); }

  // Lets each worker finish its job, joins them, and drops the jobs still queued (on this thread).
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    std::deque<job> rest;
    {
      std::lock_guard lock(mutex_);
      rest.swap(queue_);
    }
  }

 private:
  void loop(unsigned index, const runner& run) {
    for (;;) {
      job j;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        j = std::move(queue_.front());
        queue_.pop_front();
        busy_.fetch_add(1, std::memory_order_relaxed);
      }
      run(index, j);
      busy_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> queue_;
  bool stopping_ = false;
  std::atomic<std::size_t> busy_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

// Everything the I/O thread owns, and the workers' entry point.
class server::impl {
 public:
  impl(const options& o, int signal_fd);
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  impl(impl&&) = delete;
  impl& operator=(impl&&) = delete;
  ~impl();

  int run();
  [[nodiscard]] bool loading() const noexcept { return loader_.joinable(); }  // joined once its post has run
  [[nodiscard]] unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void load_model(std::function<std::unique_ptr<ner_model>()> load);

  // For sessions (I/O thread).
  void add_idle(session* s, std::list<session*>::iterator& where) { where = idle_.insert(idle_.end(), s); }
  void remove_idle(std::list<session*>::iterator where) { idle_.erase(where); }
  void unregister(session* s);
  [[nodiscard]] bool ready() const noexcept { return model_ != nullptr && !draining_; }
  [[nodiscard]] bool loaded() const noexcept { return model_ != nullptr; }
  [[nodiscard]] bool draining() const noexcept { return draining_; }
  [[nodiscard]] std::string readiness() const;
  [[nodiscard]] std::string render_metrics() const;
  const std::string& http_date();

  const options& opts;
  service_metrics metrics;
  memory_budget budget;
  buffer_pool buffers;
  std::array<char, 16384> scratch{};  // lingering reads land here (one I/O thread: no sharing)

  // Members destroyed in reverse order: the pool's threads are joined in ~impl; the io_context, declared
  // after the registries, goes first, destroying pending handlers (and the sessions they hold) while the
  // registries they unregister from still exist.
  worker_pool pool;
  std::unordered_set<session*> sessions;
  std::size_t refusing = 0;
  std::map<asio::ip::address, std::size_t> per_ip;
  std::list<session*> idle_;
  asio::io_context io;

 private:
  void accept();
  void on_accept(tcp::socket socket);
  void refuse(tcp::socket socket, rejection why);
  void watch_signals();
  void begin_shutdown(const char* why);
  void check_done();
  void finish();
  void work(unsigned worker, job& j);

  tcp::acceptor acceptor_;
  asio::steady_timer accept_timer_;
  asio::steady_timer shutdown_timer_;
  asio::posix::stream_descriptor signals_;
  char signal_byte_ = 0;
  std::thread loader_;
  std::unique_ptr<ner_model> model_;  // destroyed after ~impl has stopped the workers
  bool draining_ = false, finished_ = false;
  int exit_code_ = 0;
  std::string date_;
  std::time_t date_time_ = 0;
};

namespace {

// One client connection (see the phases at the top of this file). Lives on the I/O thread; a worker holds
// it (shared) while it processes its request, and hands it back through io.post.
class session : public std::enable_shared_from_this<session> {
 public:
  session(server::impl& srv, tcp::socket socket, asio::ip::address peer)
      : srv_(srv), socket_(std::move(socket)), timer_(srv.io), peer_(std::move(peer)) {}
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  session(session&&) = delete;
  session& operator=(session&&) = delete;
  ~session() {
    try {
      if (phase_ != phase::closed) close(close_reason::shutdown);
    } catch (...) {  // a destructor must not throw, and there is nothing left to do
    }
  }

  [[nodiscard]] const asio::ip::address& peer() const noexcept { return peer_; }
  [[nodiscard]] bool refusing() const noexcept { return refusing_; }
  [[nodiscard]] bool is_idle() const noexcept { return phase_ == phase::idle; }

  void start() { next_request(); }

  // Answers 503 (why) at once and closes.
  void refuse(rejection why) {
    refusing_ = true;
    srv_.metrics.rejected(why);
    header_done_ = steady::now();
    reply r = error_reply(503, why == rejection::per_ip_limit ? "too many connections from this address"
                                                              : "too many connections; retry later");
    r.retry_after = true;
    r.close = true;
    write_reply(std::move(r));
  }

  // A worker's response (on the I/O thread).
  void on_reply(reply r) {
    if (phase_ == phase::closed) {
      srv_.buffers.give(std::move(r.body));
      return;
    }
    write_reply(std::move(r));
  }

  // Closes the connection. With `abort`, by a reset (SO_LINGER 0): the kernel drops what it still had to
  // send instead of keeping it, up to twice --socket-buffer-bytes, for a client that stopped reading (a
  // graceful close would leave that socket, orphaned, holding it for minutes).
  void close(close_reason why, bool abort = false) {
    if (phase_ == phase::closed) return;
    if (phase_ == phase::idle) srv_.remove_idle(idle_pos_);
    phase_ = phase::closed;
    error_code ignored;
    if (abort) socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);  // pending operations complete with operation_aborted
    timer_.cancel();
    srv_.metrics.closed(why);
    srv_.buffers.give(std::move(body_));
    lease_.release();
    srv_.unregister(this);
  }

 private:
  enum class phase : std::uint8_t { idle, header, body, queued, writing, lingering, closed };

  static reply error_reply(int status, std::string_view why) {
    reply r;
    r.status = status;
    r.body = error_json(why);
    return r;
  }

  void arm(steady::time_point at) {
    const std::uint64_t gen = ++timer_gen_;
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
      if (!ec && gen == self->timer_gen_) self->on_timeout();
    });
  }
  void disarm() {
    ++timer_gen_;
    timer_.cancel();
  }

  void on_timeout() {
    switch (phase_) {
      case phase::idle: close(close_reason::idle_timeout); break;
      case phase::header:
        srv_.metrics.rejected(rejection::header_timeout);
        close(close_reason::timeout);
        break;
      case phase::body:
        srv_.metrics.rejected(rejection::body_timeout);
        close(close_reason::timeout);
        break;
      case phase::writing:
        srv_.metrics.rejected(rejection::write_timeout);
        close(close_reason::timeout, true);
        break;
      case phase::lingering: close(close_reason::done); break;
      case phase::queued:
      case phase::closed: break;
    }
  }

  [[nodiscard]] std::string_view buffered() const {
    const auto data = buffer_.data();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  // The next request: at once when its bytes are buffered (pipelining), else after an idle wait.
  void next_request() {
    parser_.reset();
    skip_empty_lines();
    // A lone CR may be the first half of an empty line split by TCP: it waits, idle, for the rest (as
    // only_empty_lines() keeps it).
    if (buffer_.size() > 0 && buffered() != "\r") {
      first_byte_ = steady::now();
      read_header();
      return;
    }
    if (srv_.draining()) {
      close(close_reason::shutdown);
      return;
    }
    if (buffer_.capacity() > 16384) buffer_.shrink_to_fit();  // an idle connection keeps no large buffer
    phase_ = phase::idle;
    srv_.add_idle(this, idle_pos_);
    arm(steady::now() + srv_.opts.idle_timeout);
    await_first_byte();
  }

  // Idle: waits for the first byte of the next request. A wait, unlike a read, completes on a readiness
  // event without trying the socket, and such events can be spurious: in a flood of 300 to 500 idle
  // connections one often woke with nothing to read, and then sat in the header phase (header timeout,
  // not idle timeout, eviction or the shutdown's closing of idle connections). A peek tells a byte or the
  // end of the stream from such a wake-up, which waits again, still idle.
  void await_first_byte() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
      if (self->phase_ != phase::idle) return;
      if (!ec && (self->nothing_to_read() || self->only_empty_lines())) {
        self->await_first_byte();
        return;
      }
      self->srv_.remove_idle(self->idle_pos_);
      self->phase_ = phase::header;
      if (ec) {
        self->close(close_reason::client);
        return;
      }
      self->first_byte_ = steady::now();
      self->read_header();
    });
  }

  // True when a read would block: neither a byte nor the end of the stream is there.
  [[nodiscard]] bool nothing_to_read() {
    char byte = 0;
    const ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  // Clients may send a CRLF after a body (RFC 9112 2.2): empty lines before a request are dropped, whether
  // they came with the request before (buffered) or later, on the idle connection.
  void skip_empty_lines() {
    while (buffer_.size() >= 2 && buffered().substr(0, 2) == "\r\n") buffer_.consume(2);
  }

  // Idle, with bytes to read: reads them into the (empty) buffer and drops the empty lines that lead them.
  // True when nothing else came (a lone CR may start one more): the connection stays idle, its idle
  // deadline unchanged. False when a request starts, or for the end of the stream (the header read sees it).
  [[nodiscard]] bool only_empty_lines() {
    const auto space = buffer_.prepare(std::min(idle_read, buffer_.max_size() - buffer_.size()));
    const ssize_t n = ::recv(socket_.native_handle(), space.data(), space.size(), MSG_DONTWAIT);
    if (n <= 0) return false;
    buffer_.commit(static_cast<std::size_t>(n));
    skip_empty_lines();
    return buffer_.size() == 0 || buffered() == "\r";
  }

  void read_header() {
    phase_ = phase::header;
    // Not the previous request's: dispatch(), or read_failed() for a refusal at parse time, tells this one's.
    head_only_ = false;
    parser_.emplace(srv_.opts.http);
    buffer_.max_size(std::max(buffer_.size(), srv_.opts.http.max_header_bytes + read_slack));
    arm(std::min(first_byte_ + srv_.opts.header_timeout, first_byte_ + srv_.opts.request_timeout));
    boost::beast::http::async_read_header(socket_, buffer_, *parser_,
                                          [self = shared_from_this()](const error_code& ec, std::size_t consumed) {
                                            if (self->phase_ != phase::header) return;
                                            if (ec) {
                                              self->read_failed(ec);
                                              return;
                                            }
                                            // `consumed`: the header's bytes, however they arrived.
                                            if (auto f = header_too_large(consumed, self->srv_.opts.http)) {
                                              self->refuse_read(*f);
                                              return;
                                            }
                                            self->dispatch();
                                          });
  }

  void read_failed(const error_code& ec) { refuse_read(failure_for(ec, *parser_, buffered(), srv_.opts.http)); }

  // Answers a request refused while it was read (`f.status`, or closes for 0), and closes the connection.
  void refuse_read(const read_failure& f) {
    disarm();
    if (f.status == 0) {
      close(close_reason::client);
      return;
    }
    srv_.metrics.rejected(rejection_for_status(f.status));
    header_done_ = steady::now();
    // dispatch() has not run: a HEAD refused at parse time (400, 414, 431...) must not get a body either.
    head_only_ = is_head_request(*parser_, buffered());
    reply r = error_reply(f.status, f.reason);
    r.close = true;  // the stream is out of step, or the rest of the request is unread
    r.retry_after = f.status == 503;
    write_reply(std::move(r));
  }

  // The header is in: answer, or go on to read the body of a NER request.
  void dispatch() {
    disarm();
    header_done_ = steady::now();
    const request_head& h = parser_->head();
    body_unread_ = h.has_body();
    keep_alive_ = h.keep_alive;
    http10_ = h.version < 11;
    head_only_ = h.method == boost::beast::http::verb::head;
    using boost::beast::http::verb;
    if (h.target == "*") {  // OPTIONS * (the parser refuses * with other methods): the server as a whole
      reply rep;
      rep.status = 204;
      rep.allow = "GET, HEAD, POST, OPTIONS";  // every method of some endpoint
      write_reply(std::move(rep));
      return;
    }
    const route r = route_for(h.path());
    if (r == route::unknown) {
      write_reply(error_reply(404, "no such endpoint: " + quote_excerpt(h.path())));
      return;
    }
    const bool ner = r == route::ner || r == route::ner_batch;
    const std::string_view allow = ner ? "POST, OPTIONS" : "GET, HEAD, OPTIONS";
    if (h.method == verb::options) {
      reply rep;
      rep.status = 204;
      rep.allow = allow;
      write_reply(std::move(rep));
      return;
    }
    const bool allowed = ner ? h.method == verb::post : (h.method == verb::get || h.method == verb::head);
    if (!allowed) {
      reply rep = error_reply(405, quote_excerpt(h.method_text) + " is not allowed here; use " + std::string(allow));
      rep.allow = allow;
      write_reply(std::move(rep));
      return;
    }
    if (r == route::healthz) {
      reply rep;
      rep.body = R"({"status":"ok"})";
      write_reply(std::move(rep));
      return;
    }
    if (r == route::readyz) {
      reply rep;
      rep.status = srv_.ready() ? 200 : 503;
      rep.retry_after = rep.status == 503;
      rep.body = srv_.readiness();
      write_reply(std::move(rep));
      return;
    }
    if (r == route::metrics) {
      reply rep;
      rep.body = srv_.render_metrics();
      rep.content_type = "text/plain; version=0.0.4; charset=utf-8";
      write_reply(std::move(rep));
      return;
    }
    kind_ = r == route::ner ? request_kind::single : request_kind::batch;
    // While the service shuts down, a request that reaches here came on a connection it already had
    // (pipelined, or arriving when the signal came): it is served, as the README's shutdown promises.
    if (!srv_.loaded()) {
      refuse_request(rejection::not_ready, 503, "the service is not ready (its model is loading); retry later");
    } else if (h.coding == content_coding::unsupported) {
      refuse_request(
          rejection::unsupported_media_type, 415,
          "unsupported Content-Encoding: " + quote_excerpt(h.coding_text) + " (supported: gzip, deflate, identity)");
    } else if (h.multipart) {
      refuse_request(rejection::unsupported_media_type, 415, "multipart/form-data is not accepted; send a JSON body");
    } else if (h.content_length && *h.content_length > srv_.opts.http.max_body_bytes) {
      refuse_request(rejection::payload_too_large, 413,
                     "the request body is larger than " + std::to_string(srv_.opts.http.max_body_bytes) + " bytes");
    } else if (srv_.pool.full()) {
      refuse_request(rejection::queue_full, 503, "every worker is busy and the queue is full; retry later");
    } else if (h.expect_continue && !http10_ && body_unread_) {
      continue_then_read_body();
    } else {
      read_body();
    }
  }

  void refuse_request(rejection why, int status, std::string_view message) {
    srv_.metrics.rejected(why);
    reply r = error_reply(status, message);
    r.retry_after = status == 503;
    write_reply(std::move(r));
  }

  void continue_then_read_body() {
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    phase_ = phase::writing;
    arm(steady::now() + srv_.opts.write_timeout);
    asio::async_write(socket_, asio::buffer(interim.data(), interim.size()),
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        if (self->phase_ != phase::writing) return;
                        if (ec) {
                          self->close(close_reason::client);
                          return;
                        }
                        self->read_body();
                      });
  }

  void read_body() {
    phase_ = phase::body;
    body_ = srv_.buffers.take();
    lease_ = budget_lease(srv_.budget);
    lease_.force(body_.capacity());  // a pooled buffer's room counts from now (the pool stopped counting it)
    parser_->set_body_target(body_, lease_);
    buffer_.max_size(std::max(buffer_.size(), srv_.opts.http.max_header_bytes + read_slack));
    arm(std::min(steady::now() + srv_.opts.body_timeout, first_byte_ + srv_.opts.request_timeout));
    boost::beast::http::async_read(socket_, buffer_, *parser_,
                                   [self = shared_from_this()](const error_code& ec, std::size_t) {
                                     if (self->phase_ != phase::body) return;
                                     if (ec) {
                                       self->read_failed(ec);
                                       return;
                                     }
                                     self->body_read();
                                   });
  }

  void body_read() {
    disarm();
    body_unread_ = false;
    job j;
    j.kind = kind_;
    j.deadline = first_byte_ + srv_.opts.request_timeout;
    j.response_cap = srv_.opts.max_response_bytes;
    // Admission reserves what the response may need (see response_reserve). --max-buffered-bytes is at
    // least least_budget (options.cpp): when nothing else holds the budget, this always fits.
    const std::size_t reserve = response_reserve(body_.size(), j.response_cap);
    j.body = std::move(body_);
    j.lease = std::move(lease_);
    if (!j.lease.resize(j.lease.held() + reserve)) {
      srv_.buffers.give(std::move(j.body));
      refuse_request(rejection::memory_budget, 503, "the server holds too many requests at once; retry later");
      return;
    }
    j.owner = shared_from_this();
    if (!srv_.pool.try_push(j)) {
      j.owner.reset();
      srv_.buffers.give(std::move(j.body));
      refuse_request(rejection::queue_full, 503, "every worker is busy and the queue is full; retry later");
      return;
    }
    phase_ = phase::queued;
  }

  void write_reply(reply r) {
    // Close when the client asked to, when part of the request is unread (the stream is out of step),
    // and when shutting down with no further request buffered.
    r.close = r.close || !keep_alive_ || body_unread_ || (srv_.draining() && buffer_.size() == 0);
    head_.clear();
    head_.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ").append(reason_phrase(r.status));
    head_.append("\r\nDate: ").append(srv_.http_date());
    if (r.status != 204) {
      head_.append("\r\nContent-Type: ").append(r.content_type);
      head_.append("\r\nContent-Length: ").append(std::to_string(r.body.size()));
    }
    if (!r.allow.empty()) head_.append("\r\nAllow: ").append(r.allow);
    if (r.retry_after) head_.append("\r\nRetry-After: 1");
    if (r.close) {
      head_.append("\r\nConnection: close");
    } else if (http10_) {
      head_.append("\r\nConnection: keep-alive");
    }
    head_.append("\r\n\r\n");
    reply_ = std::move(r);
    phase_ = phase::writing;
    arm(steady::now() + srv_.opts.write_timeout);
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                                 head_only_ ? asio::const_buffer() : asio::buffer(reply_.body)};
    asio::async_write(socket_, bufs, [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (self->phase_ != phase::writing) return;
      self->written(ec);
    });
  }

  void written(const error_code& ec) {
    disarm();
    if (!ec) srv_.metrics.response(reply_.status, steady::now() - header_done_);  // a failed write is no response
    srv_.buffers.give(std::move(reply_.body));
    reply_.lease.release();
    if (ec) {
      close(close_reason::client, true);
    } else if (reply_.close) {
      linger();
    } else {
      next_request();
    }
  }

  // Our side is done: shut it, then read and drop what the client still sends for a while, so that it
  // reads our response before the connection is reset.
  void linger() {
    phase_ = phase::lingering;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    lingered_ = 0;
    arm(steady::now() + linger_time);
    discard();
  }

  void discard() {
    socket_.async_read_some(asio::buffer(srv_.scratch),
                            [self = shared_from_this()](const error_code& ec, std::size_t n) {
                              if (self->phase_ != phase::lingering) return;
                              self->lingered_ += n;
                              if (ec || self->lingered_ > linger_bytes) {
                                self->close(close_reason::done);
                                return;
                              }
                              self->discard();
                            });
  }

  server::impl& srv_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::uint64_t timer_gen_ = 0;
  const asio::ip::address peer_;
  phase phase_ = phase::header;
  std::list<session*>::iterator idle_pos_;
  bool refusing_ = false;

  boost::beast::flat_buffer buffer_;
  std::optional<request_parser> parser_;
  steady::time_point first_byte_, header_done_;
  bool body_unread_ = false, keep_alive_ = false, http10_ = false, head_only_ = false;
  request_kind kind_ = request_kind::single;
  std::string body_;
  budget_lease lease_;
  std::string head_;
  reply reply_;
  std::size_t lingered_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------

server::impl::impl(const options& o, int signal_fd)
    // A pooled buffer may become a request's body, whose budget share least_budget (budget.hpp) sizes at
    // twice --max-body-bytes: larger ones are not pooled, else a request within the limits could find no
    // room in an idle service's least budget.
    : opts(o), budget(o.max_buffered_bytes),
      buffers(2 * std::size_t{o.threads} + 8, std::min(pooled_buffer_capacity, 2 * o.http.max_body_bytes)),
      pool(o.queue_depth), acceptor_(io), accept_timer_(io), shutdown_timer_(io), signals_(io, ::dup(signal_fd)) {
  const auto address = asio::ip::make_address(o.host);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (o.socket_buffer_bytes != 0) {
    // Set on the listening socket, before listen: accepted sockets inherit both sizes (and the lock that
    // turns the kernel's autotuning off), the receive window's scale included. The kernel doubles them.
    const int bytes = static_cast<int>(o.socket_buffer_bytes);
    acceptor_.set_option(asio::socket_base::send_buffer_size(bytes));
    acceptor_.set_option(asio::socket_base::receive_buffer_size(bytes));
  }
  acceptor_.bind(endpoint);
  acceptor_.listen(o.backlog);
}

server::impl::~impl() {
  // When run() ended by an exception, the io_context (destroyed after the timer and the signal
  // descriptor declared after it) destroys the sessions its handlers hold; their unregister must not
  // `finish` through those destroyed members: the pool is stopped here instead.
  finished_ = true;
  pool.stop();
  if (loader_.joinable()) loader_.join();  // shut down while loading: its post is dropped with the io_context
}

void server::impl::unregister(session* s) {
  if (sessions.erase(s) == 0) return;
  if (s->refusing()) {
    --refusing;
  } else if (const auto it = per_ip.find(s->peer()); it != per_ip.end() && --it->second == 0) {
    per_ip.erase(it);
  }
  check_done();
}

std::string server::impl::readiness() const {
  if (draining_) return R"({"status":"shutting down"})";
  if (model_ == nullptr) return R"({"status":"loading"})";
  return R"({"status":"ready"})";
}

const std::string& server::impl::http_date() {
  const std::time_t now = std::time(nullptr);
  if (now != date_time_) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    date_ = text;
    date_time_ = now;
  }
  return date_;
}

std::string server::impl::render_metrics() const {
  server_gauges g;
  g.connections_open = sessions.size() - refusing;
  g.connections_idle = idle_.size();
  g.queue_depth = pool.queued();
  g.requests_in_flight = g.queue_depth + pool.busy();
  g.buffered_bytes = budget.used();
  g.pooled_buffer_bytes = buffers.pooled_bytes();
  g.resident_bytes = static_cast<std::size_t>(examples::resident_bytes());
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    g.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  g.ready = ready();
  std::string out;
  out.reserve(8192);
  metrics.render(out, model_ != nullptr ? model_->stats() : model_stats{}, g);
  return out;
}

int server::impl::run() {
  accept();
  watch_signals();
  io.run();
  return exit_code_;
}

void server::impl::accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): wait a little, the backlog holds
      // the clients meanwhile. Other errors concern one connection only.
      const bool resources = ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                             ec == asio::error::no_memory || ec.value() == ENFILE;
      if (resources) {
        accept_timer_.expires_after(accept_pause);
        accept_timer_.async_wait([this](const error_code& e) {
          if (!e) accept();
        });
        return;
      }
      accept();
      return;
    }
    on_accept(std::move(socket));
    accept();
  });
}

void server::impl::on_accept(tcp::socket socket) {
  error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  metrics.accepted();
  socket.set_option(tcp::no_delay(true), ec);  // small JSON responses: no Nagle / delayed-ACK stalls
  asio::ip::address peer = remote.address();
  if (peer.is_v6() && peer.to_v6().is_v4_mapped()) peer = asio::ip::make_address_v4(asio::ip::v4_mapped, peer.to_v6());
  if (const auto it = per_ip.find(peer); it != per_ip.end() && it->second >= opts.max_connections_per_ip) {
    refuse(std::move(socket), rejection::per_ip_limit);
    return;
  }
  if (sessions.size() - refusing >= opts.max_connections) {
    if (idle_.empty()) {
      refuse(std::move(socket), rejection::connection_limit);
      return;
    }
    idle_.front()->close(close_reason::evicted);  // the longest idle goes first
  }
  auto s = std::make_shared<session>(*this, std::move(socket), peer);
  sessions.insert(s.get());
  ++per_ip[peer];
  s->start();
}

void server::impl::refuse(tcp::socket socket, rejection why) {
  if (refusing >= max_refusing) {  // refusals are bounded too: beyond, the connection is just closed
    metrics.rejected(why);
    metrics.closed(close_reason::refused);
    return;
  }
  auto s = std::make_shared<session>(*this, std::move(socket), asio::ip::address());
  sessions.insert(s.get());
  ++refusing;
  s->refuse(why);
}

void server::impl::watch_signals() {
  signals_.async_read_some(asio::buffer(&signal_byte_, 1), [this](const error_code& ec, std::size_t n) {
    if (ec || n == 0) return;
    begin_shutdown(signal_byte_ == 2 ? "SIGINT" : "SIGTERM");
    watch_signals();
  });
}

void server::impl::load_model(std::function<std::unique_ptr<ner_model>()> load) {
  loader_ = std::thread([this, load = std::move(load)] {
    std::unique_ptr<ner_model> model;
    std::string error;
    try {
      model = load();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {  // a thread function must not let one escape (std::terminate)
      error = "an exception that is not a std::exception";
    }
    // The I/O thread takes the model and joins this thread (which ends right after the post).
    asio::post(io, [this, model = std::move(model), error]() mutable {
      loader_.join();
      if (!model) {
        std::fprintf(stderr, "ner_service: cannot load the model: %s\n", error.c_str());
        exit_code_ = 1;
        begin_shutdown(nullptr);
        for (session* s : std::vector<session*>(sessions.begin(), sessions.end())) s->close(close_reason::shutdown);
        return;
      }
      if (draining_) return;
      model_ = std::move(model);
      pool.start(opts.threads, [this](unsigned worker, job& j) { work(worker, j); });
      std::fprintf(stderr, "ner_service: ready: %u worker threads\n", opts.threads);
    });
  });
}

void server::impl::begin_shutdown(const char* why) {
  if (draining_) return;
  draining_ = true;
  if (why != nullptr)
    std::fprintf(stderr,
                 "ner_service: %s received: answering the requests received, closing the rest within %lld s "
                 "(a second signal exits at once)\n",
                 why, static_cast<long long>(opts.shutdown_timeout.count()));
  error_code ignored;
  acceptor_.close(ignored);
  accept_timer_.cancel();
  for (session* s : std::vector<session*>(idle_.begin(), idle_.end())) s->close(close_reason::shutdown);
  shutdown_timer_.expires_after(opts.shutdown_timeout);
  shutdown_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;
    if (!sessions.empty())
      std::fprintf(stderr, "ner_service: shutdown deadline: closing %zu connections\n", sessions.size());
    for (session* s : std::vector<session*>(sessions.begin(), sessions.end())) s->close(close_reason::shutdown);
    finish();
  });
  check_done();
}

void server::impl::check_done() {
  if (draining_ && sessions.empty()) finish();
}

void server::impl::finish() {
  if (finished_) return;
  finished_ = true;
  shutdown_timer_.cancel();
  error_code ignored;
  signals_.close(ignored);
  pool.stop();  // workers finish their job; the replies they post are dropped with the io_context
  io.stop();
}

// A worker: JSON, model, response; the response goes back to the I/O thread.
void server::impl::work(unsigned worker, job& j) {
  reply r;
  r.lease = std::move(j.lease);
  std::size_t held = j.body.capacity();
  try {
    if (steady::now() > j.deadline) {
      metrics.rejected(rejection::deadline);
      r.status = 503;
      r.retry_after = true;
      r.body = error_json("the request waited longer than the request timeout; retry later");
    } else {
      request_limits limits = opts.request;
      limits.max_body_bytes = opts.http.max_body_bytes;
      parsed_request p = parse_request(j.body, j.kind, limits);
      buffers.give(std::move(j.body));
      if (!p.ok()) {
        metrics.rejected(rejection_for_status(p.status));
        r.status = p.status;
        r.body = error_json(p.error);
      } else {
        r.body = buffers.take();
        result_writer out(r.body, j.kind == request_kind::batch, j.response_cap);
        held += model_->process(worker, p.texts, out);
        out.finish();
        metrics.work(p.texts.size(), out.entities(), out.truncated());
        for (const auto& t : p.texts) held += t.capacity();
      }
    }
  } catch (const lexzone::match_limit_error&) {
    // A text that makes the entity patterns match quadratically often (lexzone::match_limits): refused
    // like an oversized body, within a bounded amount of work and memory.
    metrics.rejected(rejection::match_limit);
    r.status = 413;
    r.body = error_json(
        "a text makes the entity patterns match too often (more matching work than its size "
        "allows); send shorter texts");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ner_service: request failed: %s\n", e.what());
    r.status = 500;
    r.body = R"({"error":"internal error"})";
  }
  held += r.body.capacity();
  r.lease.force(r.body.capacity());
  asio::post(io, [owner = std::move(j.owner), rep = std::move(r)]() mutable { owner->on_reply(std::move(rep)); });
#if defined(__GLIBC__)
  // A large request leaves freed memory in the allocator's arenas; hand its pages back (README: measured).
  if (opts.trim_threshold != 0 && held >= opts.trim_threshold) {
    malloc_trim(0);
    metrics.trimmed();
  }
#endif
}

// ---------------------------------------------------------------------------------------------------

server::server(const options& opts, int signal_fd) : impl_(std::make_unique<impl>(opts, signal_fd)) {}
server::~server() = default;
unsigned short server::port() const { return impl_->port(); }
void server::load_model(std::function<std::unique_ptr<ner_model>()> load) { impl_->load_model(std::move(load)); }
int server::run() { return impl_->run(); }
bool server::loading() const { return impl_->loading(); }

}  // namespace lexzone::ner_service
