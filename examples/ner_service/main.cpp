// ner_service: a long-running HTTP named-entity service over lexzone (English tokenizer + entity ruler),
// made to face hostile networks: strict request limits, deadlines on every phase of a connection, bounded
// connections, queue and buffered bytes, 503 + Retry-After when full, graceful shutdown with a deadline.
//
//   POST /v1/ner        {"text": "..."}        -> {"ents": [{"text","label","start_char","end_char"[,"id"]}], "tokens": N}
//   POST /v1/ner/batch  {"texts": ["...", ...]} -> {"results": [<as above>, ...]}
//   GET  /healthz  (liveness)   GET /readyz  (readiness)   GET /metrics  (Prometheus text format)
//
// Start-up: the service listens first (so that /healthz answers at once), prints `listening on
// http://HOST:PORT` on stdout, loads the model on a thread of its own, then /readyz turns 200. SIGTERM or
// SIGINT: stop accepting, answer the requests already received, close the rest within --shutdown-timeout,
// exit 0; a second signal exits at once (status 128 + the signal). See README.md here.
#include <fcntl.h>
#if defined(__GLIBC__)
#  include <malloc.h>
#  include <sys/auxv.h>  // getauxval(AT_SECURE)
#endif
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX sigaction, not <csignal>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include "ner_service/memory_estimate.hpp"
#include "ner_service/model.hpp"
#include "ner_service/options.hpp"
#include "ner_service/server.hpp"
#include "support/process_stats.hpp"

namespace {

namespace svc = lexzone::ner_service;

// The signal handler reaches only these (async-signal-safe: an atomic counter, write(2), _exit(2)).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): state of the signal handler
int signal_pipe[2] = {-1, -1};
std::atomic<int> signals_seen{0};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): same

extern "C" void on_signal(int sig) {
  if (signals_seen.fetch_add(1) > 0) {  // the second signal: no more waiting
    static constexpr char msg[] = "ner_service: second signal: exiting now\n";
    [[maybe_unused]] const ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(128 + sig);
  }
  const int saved = errno;
  const char c = static_cast<char>(sig);
  [[maybe_unused]] const ssize_t n = write(signal_pipe[1], &c, 1);
  errno = saved;
}

void install_signal_handlers() {
  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that went away must not kill the service
}

// Raises the descriptor limit to its hard maximum; lowers --max-connections if it still does not fit.
void fit_descriptors(svc::options& o) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  const rlim_t reserved = 128;  // listening socket, pipes, files, refusals in progress
  if (rl.rlim_cur != RLIM_INFINITY && o.max_connections + reserved > rl.rlim_cur) {
    const std::size_t fit = rl.rlim_cur > reserved * 2 ? static_cast<std::size_t>(rl.rlim_cur - reserved) : 64;
    std::fprintf(stderr, "ner_service: only %llu file descriptors: --max-connections lowered from %zu to %zu\n",
                 static_cast<unsigned long long>(rl.rlim_cur), o.max_connections, fit);
    o.max_connections = fit;
  }
}

#if defined(__GLIBC__) && !LEXZONE_EXAMPLES_SANITIZED
// glibc's per-thread cache (tcache) keeps freed small chunks per thread and size; it fills slowly, as rarer
// sizes come, and pins heap pages meanwhile: RSS crept up 1.7-1.9 % over 40,000 requests after warm-up with
// it, 0.24-0.28 % without, at the same CPU per request (README.md, "Memory"). Its size is a tunable, read
// only when a process starts: unless GLIBC_TUNABLES sets it already, the service starts itself again, once,
// with glibc.malloc.tcache_count added (the same process: execv keeps the PID). Never more than once: a
// marker in the environment says the restart happened, whatever glibc then did with the tunable. In
// secure-execution mode (setuid, or file capabilities such as cap_net_bind_service) glibc erases that
// tunable from the environment, so the service does not restart at all and keeps glibc's default.
void set_tcache(unsigned count, char** argv) {
  constexpr const char* marker = "LEXZONE_SERVICE_TCACHE_RESTARTED";
  if (std::getenv(marker) != nullptr) {
    unsetenv(marker);  // not passed on to processes the service might start
    return;
  }
  if (getauxval(AT_SECURE) != 0) {
    std::fprintf(stderr,
                 "ner_service: secure-execution mode (setuid or file capabilities): glibc ignores "
                 "GLIBC_TUNABLES; --malloc-tcache has no effect\n");
    return;
  }
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = current != nullptr ? current : "";
  if (tunables.find("glibc.malloc.tcache_count=") != std::string::npos) return;
  const std::string value =
      (tunables.empty() ? "" : tunables + ":") + "glibc.malloc.tcache_count=" + std::to_string(count);
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 || setenv(marker, "1", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv(marker);
  // No /proc (or exec refused): go on with glibc's default.
  std::fprintf(stderr, "ner_service: cannot restart with GLIBC_TUNABLES=%s: %s\n", value.c_str(), std::strerror(errno));
}
#endif

}  // namespace

int main(int argc, char** argv) {
  svc::options opts = svc::parse_options(argc, argv, LEXZONE_EXAMPLES_DATA_DIR);
  if (opts.print_memory_estimate) {
    std::fputs(svc::describe(svc::estimate_memory(opts)).c_str(), stdout);
    return 0;
  }
#if defined(__GLIBC__) && !LEXZONE_EXAMPLES_SANITIZED
  set_tcache(opts.malloc_tcache, argv);
#endif
#if defined(__GLIBC__)
  // Request bodies and responses reach megabytes. glibc raises its mmap threshold each time such a block
  // is freed, after which large blocks come from the arenas and stay resident there. A fixed threshold
  // keeps them mmapped: their memory goes back to the system when the request ends. (README: measured.)
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  if (opts.malloc_arenas != 0) mallopt(M_ARENA_MAX, static_cast<int>(opts.malloc_arenas));
#endif
  try {
    fit_descriptors(opts);
    install_signal_handlers();
    svc::server srv(opts, signal_pipe[0]);
    const bool v6 = opts.host.find(':') != std::string::npos;
    std::printf("listening on http://%s%s%s:%u\n", v6 ? "[" : "", opts.host.c_str(), v6 ? "]" : "", srv.port());
    std::fflush(stdout);

    srv.load_model([&opts] {
      const auto t0 = std::chrono::steady_clock::now();
      svc::model_config config;
      config.base_words = opts.base_words;
      config.patterns = opts.patterns;
      config.cache_entries = opts.cache_entries;
      config.learn_zones = opts.learn_zones;
      config.learn_max = opts.learn_max;
      config.learn_max_bytes = opts.learn_max_bytes;
      config.workers = opts.threads;
      auto model = std::make_unique<svc::ner_model>(config);
      const svc::model_stats s = model->stats();
      std::fprintf(stderr,
                   "ner_service: model loaded in %.2f s: %zu permanent lexemes, %zu permanent strings, %.1f MB "
                   "permanent layer, RSS %.1f MB\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), s.permanent_lexemes,
                   s.permanent_strings, static_cast<double>(s.permanent_bytes) / 1e6,
                   static_cast<double>(lexzone::examples::resident_bytes()) / 1e6);
      return model;
    });
    const int status = srv.run();
    if (srv.loading()) {
      // Shut down before the model was in: the load cannot be interrupted (a slow disk, a FIFO not yet
      // written), and waiting for it would break --shutdown-timeout. Nothing else is running.
      std::fprintf(stderr, "ner_service: stopped (the model was still loading)\n");
      std::fflush(nullptr);
      std::_Exit(status);
    }
    std::fprintf(stderr, "ner_service: stopped\n");
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ner_service: %s\n", e.what());
    return 1;
  }
}
