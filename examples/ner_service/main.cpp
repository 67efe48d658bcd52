// ner_service: a long-running HTTP named-entity service over lexzone (English tokenizer + entity ruler).
//
// The model (a base vocabulary, the tokenizer's special cases, the entity patterns) is loaded once into
// the permanent layer of ONE vocab shared by every worker thread. Each request runs inside its own
// memory_zone on its worker thread, with that thread's own copy of the pipeline; its results are copied
// out as plain strings before the zone closes, so whatever the request added to the vocab (e-mails, IDs,
// typos...) is evicted when it completes and memory stays flat however long the service runs.
//
//   POST /v1/ner        {"text": "..."}        -> {"ents": [{"text","label","start_char","end_char"[,"id"]}], "tokens": N}
//   POST /v1/ner/batch  {"texts": ["...", ...]} -> {"results": [<as above>, ...]}
//   GET  /healthz                               -> {"status": "ok"}
//   GET  /metrics                               -> Prometheus text format
//
// usage: ner_service [--host H] [--port P] [--threads N] [--patterns FILE.jsonl] [--base-words FILE]
//                    [--cache-entries N] [--max-body-bytes N] [--max-batch-texts N]
// With --port 0 a free port is chosen. Once listening, the service prints `listening on http://H:P` on
// stdout. SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0 (a second signal
// kills at once). See README.md here.
#include <lexzone/english_tokenizer.hpp>
#include <lexzone/entity_ruler.hpp>
#include <lexzone/io/entity_ruler_jsonl.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <fcntl.h>
#if defined(__GLIBC__)
#  include <malloc.h>
#endif
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX sigaction, not <csignal>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ner_service/http.hpp"
#include "ner_service/metrics.hpp"
#include "ner_service/request.hpp"
#include "support/cli.hpp"
#include "support/english_model.hpp"
#include "support/process_stats.hpp"

namespace {

using vocab = lexzone::examples::en_vocab;
using tokenizer = lexzone::examples::en_tokenizer;
using nlp_type = lexzone::examples::en_pipeline;
namespace svc = lexzone::ner_service;

// ---------------------------------------------------------------------------------------------------
// Options

struct options {
  std::string host = "127.0.0.1";
  int port = 8080;
  unsigned threads = 0;  // 0: hardware_concurrency
  std::string patterns = LEXZONE_EXAMPLES_DATA_DIR "/patterns.jsonl";
  std::string base_words = LEXZONE_EXAMPLES_DATA_DIR "/base_words.txt";
  // Entries of each worker's tokenizer segmentation cache (the library's default). Its memory is allocated
  // and touched on the worker's first request, so RSS does not creep up while it fills.
  std::size_t cache_entries = 10000;
  svc::request_limits limits;
};

[[noreturn]] void usage(const std::string& why, int code = 2) {
  std::fprintf(code == 0 ? stdout : stderr,
               "%s%susage: ner_service [--host H] [--port P] [--threads N] [--patterns FILE.jsonl]\n"
               "                   [--base-words FILE] [--cache-entries N] [--max-body-bytes N] [--max-batch-texts N]\n"
               "  --host             address to listen on (default 127.0.0.1)\n"
               "  --port             port (default 8080; 0 picks a free one, printed on stdout)\n"
               "  --threads          worker threads (default: hardware concurrency)\n"
               "  --patterns         entity patterns, spaCy patterns.jsonl (default: the examples' data)\n"
               "  --base-words       base vocabulary, one word a line (default: the examples' data)\n"
               "  --cache-entries    tokenizer segmentation cache entries per thread (default 10000; 0: off)\n"
               "  --max-body-bytes   largest request body accepted (default 1048576; larger: 413)\n"
               "  --max-batch-texts  most texts in one batch request (default 1000; more: 413)\n",
               why.empty() ? "" : ("ner_service: " + why).c_str(), why.empty() ? "" : "\n");
  std::exit(code);
}

unsigned long long parse_number(const std::string& flag, const char* s, unsigned long long min,
                                unsigned long long max) {
  const auto v = lexzone::examples::parse_unsigned(s, min, max);
  if (!v)
    usage("bad value for " + flag + ": " + s + " (expected " + std::to_string(min) + ".." + std::to_string(max) + ")");
  return *v;
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage("missing value after " + a);
      return argv[++i];
    };
    if (a == "--host") {
      o.host = value();
    } else if (a == "--port") {
      o.port = static_cast<int>(parse_number(a, value(), 0, 65535));
    } else if (a == "--threads") {
      o.threads = static_cast<unsigned>(parse_number(a, value(), 1, 1024));
    } else if (a == "--patterns") {
      o.patterns = value();
    } else if (a == "--base-words") {
      o.base_words = value();
    } else if (a == "--cache-entries") {
      o.cache_entries = parse_number(a, value(), 0, 10000000);
    } else if (a == "--max-body-bytes") {
      o.limits.max_body_bytes = parse_number(a, value(), 1, 1ull << 30);
    } else if (a == "--max-batch-texts") {
      o.limits.max_batch_texts = parse_number(a, value(), 1, 1000000);
    } else if (a == "--help" || a == "-h") {
      usage("", 0);
    } else {
      usage("unknown argument " + a);
    }
  }
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  return o;
}

// ---------------------------------------------------------------------------------------------------
// The model and the per-thread pipelines

struct entity_result {
  std::string text, label, id;
  std::size_t start_char = 0, end_char = 0;
};

struct text_result {
  std::vector<entity_result> ents;
  std::size_t tokens = 0;
};

class ner_model {
 public:
  explicit ner_model(const options& o) : prototype_(load(vocab_, o)) {}

  ner_model(const ner_model&) = delete;
  ner_model& operator=(const ner_model&) = delete;
  ~ner_model() = default;

  /// Runs `texts` through this thread's pipeline inside one memory zone; the results are owned data.
  std::vector<text_result> process(std::span<const std::string> texts) {
    nlp_type& nlp = local_pipeline();
    std::vector<text_result> out;
    out.reserve(texts.size());
    {
      auto zone = nlp.memory_zone(vocab_);
      for (const std::string& text : texts) {
        const auto doc = nlp(zone, text);
        text_result r;
        r.tokens = doc.size();
        for (const auto& e : doc.ents()) {
          entity_result er;
          er.text = std::string(e.text());  // copies: the doc's views end with the zone
          er.label = std::string(vocab_.strings()[e.label()]);
          if (e.id() != 0) er.id = std::string(vocab_.strings()[e.id()]);
          er.start_char = e.start_char();
          er.end_char = e.end_char();
          r.ents.push_back(std::move(er));
        }
        out.push_back(std::move(r));
      }
      // Zone bytes of all open zones, just before this one closes: the high-water mark of what requests
      // hold at once (compare with the container's memory limit, see README.md).
      const std::size_t now = vocab_.stats().strings.zone_bytes;
      std::size_t seen = zone_bytes_peak_.load(std::memory_order_relaxed);
      while (now > seen && !zone_bytes_peak_.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
      }
    }  // the zone closes: everything this request added is evicted
    return out;
  }

  [[nodiscard]] const vocab& get_vocab() const noexcept { return vocab_; }
  [[nodiscard]] std::size_t zone_bytes_peak() const noexcept {
    return zone_bytes_peak_.load(std::memory_order_relaxed);
  }

 private:
  static nlp_type load(vocab& v, const options& o) {
    tokenizer::options topts;
    topts.cache_entries = o.cache_entries;
    // Permanent; also makes the zones' chunk pool resident, so that RSS is flat from request 1.
    return lexzone::examples::load_english_model(v, o.base_words, o.patterns, topts);
  }

  // This thread's pipeline: a copy of the prototype made on the thread's first request and owned by the
  // model (so it dies with the model, after the server's threads have stopped). Copies share the
  // tokenizer's immutable rules; each has its own segmentation cache.
  nlp_type& local_pipeline() {
    struct slot {
      std::uint64_t model = 0;
      nlp_type* nlp = nullptr;
    };
    thread_local slot mine;
    if (mine.model != id_) {
      std::lock_guard lock(pipelines_mutex_);
      pipelines_.push_back(std::make_unique<nlp_type>(prototype_));
      mine = slot{id_, pipelines_.back().get()};
    }
    return *mine.nlp;
  }

  static std::uint64_t next_id() noexcept {
    static std::atomic<std::uint64_t> ids{0};
    return ++ids;
  }

  vocab vocab_;  // declared first: the prototype and every copy refer to it
  const nlp_type prototype_;
  const std::uint64_t id_ = next_id();
  std::mutex pipelines_mutex_;
  std::vector<std::unique_ptr<nlp_type>> pipelines_;
  std::atomic<std::size_t> zone_bytes_peak_{0};
};

// ---------------------------------------------------------------------------------------------------
// HTTP

nlohmann::json result_json(const text_result& r) {
  nlohmann::json ents = nlohmann::json::array();
  for (const auto& e : r.ents) {
    nlohmann::json j{{"text", e.text}, {"label", e.label}, {"start_char", e.start_char}, {"end_char", e.end_char}};
    if (!e.id.empty()) j["id"] = e.id;
    ents.push_back(std::move(j));
  }
  return nlohmann::json{{"ents", std::move(ents)}, {"tokens", r.tokens}};
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

void send_error(httplib::Response& res, int status, std::string_view why) {
  res.status = status;
  res.set_content(svc::error_body(why), "application/json");
}

const char* reason(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 408: return "request timeout";
    case 413: return "payload too large";
    case 414: return "request URI too long";
    case 415: return "unsupported media type";
    case 416: return "range not satisfiable";
    case 500: return "internal server error";
    default: return status >= 500 ? "server error" : "client error";
  }
}

// Set when routing starts on this worker thread, read when the response has been written.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): per-thread state of two httplib hooks
thread_local std::chrono::steady_clock::time_point request_start;
thread_local bool request_timed = false;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): same

class service {
 public:
  service(ner_model& model, const options& o) : model_(model), opts_(o) {}

  void install(httplib::Server& server) {
    server.new_task_queue = [n = opts_.threads] { return new httplib::ThreadPool(n); };
    server.set_payload_max_length(opts_.limits.max_body_bytes);
    server.set_tcp_nodelay(true);  // small JSON responses: no Nagle / delayed-ACK stalls on keep-alive
    server.set_keep_alive_max_count(1000);
    server.set_keep_alive_timeout(5);
    server.set_read_timeout(5);
    server.set_write_timeout(5);

    using kind = svc::request_kind;
    server.Post("/v1/ner",
                [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& body) {
                  guarded(res, [&] { handle_ner(req, res, body, kind::single); });
                });
    server.Post("/v1/ner/batch",
                [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& body) {
                  guarded(res, [&] { handle_ner(req, res, body, kind::batch); });
                });
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] { res.set_content(R"({"status":"ok"})", "application/json"); });
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      guarded(res, [&] { res.set_content(render_metrics(), "text/plain; version=0.0.4; charset=utf-8"); });
    });

    // Known paths with the wrong method: 405 with an Allow header (OPTIONS: 204 with it).
    const std::pair<const char*, const char*> routes[] = {
        {"/v1/ner", "POST"}, {"/v1/ner/batch", "POST"}, {"/healthz", "GET, HEAD"}, {"/metrics", "GET, HEAD"}};
    for (const auto& [path, allow] : routes) {
      auto refuse = [allow = std::string(allow)](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", allow);
        send_error(res, 405, req.method + " is not allowed here; use " + allow);
      };
      if (std::string_view(allow) == "POST") {
        server.Get(path, refuse);
      } else {
        server.Post(path, refuse);
      }
      server.Put(path, refuse);
      server.Patch(path, refuse);
      server.Delete(path, refuse);
      server.Options(path, [allow = std::string(allow)](const httplib::Request&, httplib::Response& res) {
        res.status = 204;
        res.set_header("Allow", allow + ", OPTIONS");
      });
    }

    // Errors made by httplib itself (404, 413 before the handler, 400 for a bad request line...): a JSON
    // body. Responses that already have one (set by the handlers) are left alone.
    server.set_error_handler(
        httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          std::string why = reason(res.status);
          if (res.status == 404) why = "no such endpoint: " + req.path;
          if (res.status == 413)
            why = "the request body is larger than " + std::to_string(opts_.limits.max_body_bytes) + " bytes";
          res.set_content(svc::error_body(why), "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }));
    // Last line of defence: an exception that escaped a handler anyway becomes a JSON 500.
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
      std::string why = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        why += std::string(": ") + e.what();
      } catch (...) {
      }
      send_error(res, 500, why);
    });
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      request_start = std::chrono::steady_clock::now();
      request_timed = true;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Called once the response is written, for every response (also httplib's own errors).
    server.set_logger([this](const httplib::Request&, const httplib::Response& res) {
      metrics_.count(res.status);
      if (request_timed) {
        metrics_.observe(std::chrono::steady_clock::now() - request_start);
        request_timed = false;
      }
    });
  }

 private:
  // Runs `f`; an exception becomes a JSON 500 instead of leaving the handler.
  template <class F>
  static void guarded(httplib::Response& res, F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ner_service: request failed: %s\n", e.what());
      try {
        send_error(res, 500, std::string("internal error: ") + e.what());
      } catch (...) {
        res.status = 500;
      }
    } catch (...) {
      std::fprintf(stderr, "ner_service: request failed: unknown exception\n");
      res.status = 500;
    }
  }

  void handle_ner(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                  svc::request_kind kind) {
    const std::size_t max = opts_.limits.max_body_bytes;
    // A body that is refused is still read (and discarded) up to `drain_limit` bytes, so that the
    // connection stays in step for the client's next request; beyond that the read is abandoned.
    const std::size_t drain_limit = max > SIZE_MAX / 16 ? SIZE_MAX : max * 16;
    std::size_t seen = 0;
    if (req.is_multipart_form_data()) {
      reader([](const httplib::MultipartFormData&) { return true; },
             [&](const char*, std::size_t n) { return (seen += n) <= drain_limit; });
      send_error(res, 415, "multipart/form-data is not accepted; send a JSON body");
      return;
    }
    // Read the body ourselves, bounded: httplib's payload limit covers Content-Length bodies only, not
    // chunked or compressed ones.
    std::string body;
    if (req.has_header("Content-Length")) {
      const unsigned long long declared = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
      if (declared <= max) body.reserve(static_cast<std::size_t>(declared));
    }
    bool too_large = false;
    const bool read = reader([&](const char* data, std::size_t n) {
      seen += n;
      if (too_large || seen > max) {
        too_large = true;
        body.clear();
        body.shrink_to_fit();
        return seen <= drain_limit;
      }
      body.append(data, n);
      return true;
    });
    if (too_large || res.status == 413) {
      send_error(res, 413, "the request body is larger than " + std::to_string(max) + " bytes");
      return;
    }
    if (!read) {  // httplib may have set a status: 415 for an unsupported Content-Encoding, 400 otherwise
      const int status = res.status >= 400 && res.status < 500 ? res.status : 400;
      send_error(res, status, status == 415 ? "unsupported Content-Encoding" : "could not read the request body");
      return;
    }

    svc::parsed_request parsed = svc::parse_request(body, kind, opts_.limits);
    if (!parsed.ok()) {
      send_error(res, parsed.status, parsed.error);
      return;
    }
    const std::vector<text_result> results = model_.process(parsed.texts);
    std::size_t entities = 0;
    for (const auto& r : results) entities += r.ents.size();
    metrics_.add_work(results.size(), entities);

    if (kind == svc::request_kind::single) {
      res.set_content(dump(result_json(results.front())), "application/json");
    } else {
      nlohmann::json all = nlohmann::json::array();
      for (const auto& r : results) all.push_back(result_json(r));
      res.set_content(dump(nlohmann::json{{"results", std::move(all)}}), "application/json");
    }
    res.status = 200;
  }

  std::string render_metrics() const {
    const lexzone::vocab_stats s = model_.get_vocab().stats();
    std::string out;
    out.reserve(4096);
    auto gauge = [&](std::string_view name, std::string_view help, double v) {
      svc::append_metric(out, name, "gauge", help, v);
    };
    auto d = [](std::size_t v) { return static_cast<double>(v); };
    gauge("lexzone_permanent_strings", "Strings in the permanent layer (the model's).", d(s.strings.permanent_strings));
    gauge("lexzone_transient_strings", "Strings held by open memory zones (requests in flight).",
          d(s.strings.transient_strings));
    gauge("lexzone_vocab_size", "Live lexemes: permanent plus those of open zones.",
          d(s.permanent_lexemes + s.transient_lexemes));
    gauge("lexzone_permanent_lexemes", "Lexemes in the permanent layer (the model's).", d(s.permanent_lexemes));
    gauge("lexzone_transient_lexemes", "Lexemes held by open memory zones.", d(s.transient_lexemes));
    gauge("lexzone_open_zones", "Memory zones open now (one per request in flight).", d(s.strings.open_zones));
    gauge("lexzone_zone_bytes", "Bytes held by open memory zones (strings and lexemes).", d(s.strings.zone_bytes));
    gauge("lexzone_zone_bytes_peak", "Highest lexzone_zone_bytes seen at the end of a request since start.",
          d(model_.zone_bytes_peak()));
    gauge("lexzone_permanent_bytes", "Bytes held by the permanent layer (strings and lexemes).",
          d(s.strings.permanent_bytes + s.permanent_lexeme_bytes));
    gauge("lexzone_pooled_bytes", "Free chunks kept for the next zones (bounded by max_pooled_chunks).",
          d(s.strings.pooled_bytes));
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
          static_cast<double>(lexzone::examples::resident_bytes()));
    metrics_.render(out);
    return out;
  }

  ner_model& model_;
  const options& opts_;
  svc::request_metrics metrics_;
};

// ---------------------------------------------------------------------------------------------------
// Signals: the handler only writes the signal number to a pipe; a watcher thread stops the server.

// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): a signal handler reaches only globals
int signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
  const int saved = errno;
  const char c = static_cast<char>(sig);
  [[maybe_unused]] const ssize_t n = write(signal_pipe[1], &c, 1);
  errno = saved;
}

void install_signal_handlers() {
  if (pipe2(signal_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  fcntl(signal_pipe[1], F_SETFL, fcntl(signal_pipe[1], F_GETFL) | O_NONBLOCK);  // never block in the handler
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that went away must not kill the service
}

}  // namespace

int main(int argc, char** argv) {
  const options opts = parse_options(argc, argv);
#if defined(__GLIBC__)
  // Request bodies reach --max-body-bytes. glibc raises its mmap threshold each time such a block is
  // freed, after which large blocks come from the worker threads' arenas and stay resident there. A fixed
  // threshold keeps them mmapped: a large body's memory goes back to the system when its request ends.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
  try {
    install_signal_handlers();
    const auto t0 = std::chrono::steady_clock::now();
    ner_model model(opts);
    const lexzone::vocab_stats s = model.get_vocab().stats();
    std::fprintf(stderr,
                 "ner_service: model loaded in %.2f s: %zu permanent lexemes, %zu permanent strings, %.1f MB "
                 "permanent layer, RSS %.1f MB; %u worker threads\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), s.permanent_lexemes,
                 s.strings.permanent_strings,
                 static_cast<double>(s.strings.permanent_bytes + s.permanent_lexeme_bytes) / 1e6,
                 static_cast<double>(lexzone::examples::resident_bytes()) / 1e6, opts.threads);

    httplib::Server server;
    service svc_impl(model, opts);
    svc_impl.install(server);

    int port = opts.port;
    if (port == 0) {
      port = server.bind_to_any_port(opts.host);
      if (port < 0) throw std::runtime_error("cannot listen on " + opts.host + " (any port)");
    } else if (!server.bind_to_port(opts.host, port)) {
      throw std::runtime_error("cannot listen on " + opts.host + ":" + std::to_string(port));
    }
    const bool v6 = opts.host.find(':') != std::string::npos;
    std::printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", opts.host.c_str(), v6 ? "]" : "", port);
    std::fflush(stdout);

    std::atomic<bool> listen_done{false};
    std::atomic<bool> signalled{false};
    std::thread watcher([&] {
      char c = 0;
      ssize_t n = 0;
      do {
        n = read(signal_pipe[0], &c, 1);
      } while (n < 0 && errno == EINTR);
      if (n != 1 || c == 0) return;  // main woke us up: the server already stopped
      signalled = true;
      signal(SIGTERM, SIG_DFL);  // a second signal ends the process at once
      signal(SIGINT, SIG_DFL);
      std::fprintf(stderr, "ner_service: %s received, finishing the requests in flight\n",
                   c == SIGINT ? "SIGINT" : "SIGTERM");
      // stop() only acts on a running server: wait until listen_after_bind() has started.
      while (!server.is_running() && !listen_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (!listen_done) server.stop();
    });

    const bool clean = server.listen_after_bind();  // returns once stopped and every worker has finished
    listen_done = true;
    const char wake = 0;
    [[maybe_unused]] const ssize_t n = write(signal_pipe[1], &wake, 1);
    watcher.join();
    if (!signalled) {
      std::fprintf(stderr, "ner_service: the server stopped unexpectedly%s\n", clean ? "" : " (accept failed)");
      return 1;
    }
    std::fprintf(stderr, "ner_service: stopped\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ner_service: %s\n", e.what());
    return 1;
  }
}
