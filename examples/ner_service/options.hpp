// ner_service: the command-line options, their defaults and their parsing (strict: a bad value or an
// unknown flag is reported with the usage, exit status 2). Every limit of the HTTP layer is an option, so
// that a deployment (deploy/k8s) and the tests (tests/service) can set it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ner_service/limits.hpp"
#include "ner_service/request.hpp"
#include "support/cli.hpp"

namespace lexzone::ner_service {

/// Everything the service is configured with. Durations are whole seconds on the command line.
struct options {
  std::string host = "127.0.0.1";
  unsigned port = 8080;
  unsigned threads = 0;  ///< worker threads running the pipeline; 0: the CPUs this process may use
  std::string patterns;
  std::string base_words;
  std::size_t cache_entries = 10000;  ///< each worker's tokenizer cache
  unsigned learn_zones = 0;           ///< the vocab's learning policy (lexzone::learning_policy): 0 off
  /// Most words learned in the service's life (with learn_zones).
  std::size_t learn_max = lexzone::examples::default_learning.max_lexemes;
  /// Longest word learned, in bytes (with learn_zones).
  std::size_t learn_max_bytes = lexzone::examples::default_learning.max_text_bytes;

  http_limits http;        ///< request line, header and body limits
  request_limits request;  ///< JSON body limits (its max_body_bytes mirrors http.max_body_bytes)
  std::size_t max_response_bytes = std::size_t{4} << 20;  ///< entities beyond it are cut: "truncated": true

  std::size_t max_connections = 1024;        ///< open connections, all clients together
  std::size_t max_connections_per_ip = 128;  ///< open connections from one client address
  int backlog = 1024;                        ///< listen(2) backlog (the kernel caps it at net.core.somaxconn)
  std::size_t queue_depth = 128;             ///< requests waiting for a worker; more: 503
  std::size_t max_buffered_bytes = std::size_t{64} << 20;  ///< request bodies + responses held at once
  /// SO_SNDBUF and SO_RCVBUF of every connection (the kernel doubles them and stops autotuning them): what
  /// the kernel may hold for a connection, charged to the container under cgroup v2. 0: the kernel's
  /// autotuning (up to net.ipv4.tcp_wmem's and tcp_rmem's maxima, 4 MiB and 6 MiB by default).
  std::size_t socket_buffer_bytes = 0;
  /// The least nonzero --socket-buffer-bytes: the kernel doubles it, and its own minimum (about 4.6 KiB to
  /// send) would exceed twice a smaller value, which the formula would then undercount.
  static constexpr std::size_t min_socket_buffer_bytes = 4096;

  std::chrono::seconds idle_timeout{15};      ///< keep-alive: wait for the next request's first byte
  std::chrono::seconds header_timeout{10};    ///< first byte to the end of the header
  std::chrono::seconds body_timeout{30};      ///< end of the header to the end of the body
  std::chrono::seconds request_timeout{30};   ///< first byte to the start of the response (queue included)
  std::chrono::seconds write_timeout{10};     ///< writing one response
  std::chrono::seconds shutdown_timeout{10};  ///< SIGTERM to exit, at most

  std::size_t trim_threshold = std::size_t{1} << 20;  ///< malloc_trim after a request that held this much
  unsigned malloc_arenas = 0;                         ///< M_ARENA_MAX; 0: glibc's default
  unsigned malloc_tcache = 0;  ///< glibc's per-thread cache: chunks kept per size (glibc's default: 7)

  bool print_memory_estimate = false;  ///< --memory-estimate: print the formula's figures and exit
};

/// Parses argv into options. Exits with status 2 and the usage on stderr for bad arguments, with status 0
/// and the usage on stdout for --help.
options parse_options(int argc, char** argv, const std::string& default_data_dir);

/// Worker threads when --threads is not given: the CPUs of this process's affinity mask, bounded by the
/// cgroup v2 CPU quota (a container's `resources.limits.cpu`), rounded up, at least 1.
unsigned default_threads();

}  // namespace lexzone::ner_service
