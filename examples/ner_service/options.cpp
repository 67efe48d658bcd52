// ner_service: command-line options (see options.hpp). One table describes every flag: its parsing, its
// line in --help and its default, so that they cannot disagree.
#include "ner_service/options.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "ner_service/budget.hpp"
#include "support/cli.hpp"

namespace lexzone::ner_service {
namespace {

struct flag {
  std::string_view name, value, help;
  std::function<void(options&, const std::string&)> set;  // throws std::invalid_argument on a bad value
  std::function<std::string(const options&)> show;        // the default, for --help
};

[[noreturn]] void usage_exit(const std::vector<flag>& flags, const std::string& why, int code) {
  std::FILE* out = code == 0 ? stdout : stderr;
  if (!why.empty()) std::fprintf(out, "ner_service: %s\n", why.c_str());
  std::fprintf(out, "usage: ner_service [OPTION VALUE]...   (HTTP NER service; see examples/ner_service/README.md)\n");
  const options defaults;
  for (const flag& f : flags) {
    const std::string left = std::string(f.name) + (f.value.empty() ? "" : " " + std::string(f.value));
    const std::string def = f.show ? f.show(defaults) : std::string();
    std::fprintf(out, "  %-28s %.*s%s%s%s\n", left.c_str(), static_cast<int>(f.help.size()), f.help.data(),
                 def.empty() ? "" : " (default ", def.c_str(), def.empty() ? "" : ")");
  }
  std::exit(code);
}

std::uint64_t number(const std::string& s, std::uint64_t min, std::uint64_t max) {
  const auto v = examples::parse_unsigned(s.c_str(), min, max);
  if (!v) throw std::invalid_argument("expected a whole number in " + std::to_string(min) + ".." + std::to_string(max));
  return *v;
}

template <class T>
flag size_flag(std::string_view name, std::string_view help, T options::*member, std::uint64_t min, std::uint64_t max) {
  return {name, "N", help, [=](options& o, const std::string& s) { o.*member = static_cast<T>(number(s, min, max)); },
          [=](const options& o) { return std::to_string(o.*member); }};
}

flag seconds_flag(std::string_view name, std::string_view help, std::chrono::seconds options::*member) {
  return {name, "S", help,
          [=](options& o, const std::string& s) { o.*member = std::chrono::seconds(number(s, 1, 86400)); },
          [=](const options& o) { return std::to_string((o.*member).count()); }};
}

template <class T>
flag http_flag(std::string_view name, std::string_view help, T http_limits::*member, std::uint64_t min,
               std::uint64_t max) {
  return {name, "N", help,
          [=](options& o, const std::string& s) { o.http.*member = static_cast<T>(number(s, min, max)); },
          [=](const options& o) { return std::to_string(o.http.*member); }};
}

std::vector<flag> flags(const std::string& data_dir) {
  constexpr std::uint64_t gib = std::uint64_t{1} << 30;
  return {
      {"--host", "H", "numeric IPv4 or IPv6 address to listen on (0.0.0.0 in a container)",
       [](options& o, const std::string& s) {
         // A numeric IPv4 or IPv6 address (with a scope, fe80::1%eth0), parsed as the listener parses it.
         boost::system::error_code ec;
         (void)boost::asio::ip::make_address(s, ec);
         if (ec) throw std::invalid_argument("expected a numeric IPv4 or IPv6 address, such as 127.0.0.1 or ::1");
         o.host = s;
       },
       [](const options& o) { return o.host; }},
      size_flag("--port", "port; 0 picks a free one, printed on stdout", &options::port, 0, 65535),
      {"--threads", "N", "worker threads running the pipeline (default: the CPUs available, cgroup quota included)",
       [](options& o, const std::string& s) { o.threads = static_cast<unsigned>(number(s, 1, 1024)); }, nullptr},
      {"--patterns", "FILE", "entity patterns, spaCy patterns.jsonl",
       [](options& o, const std::string& s) { o.patterns = s; },
       [data_dir](const options&) { return data_dir + "/patterns.jsonl"; }},
      {"--base-words", "FILE", "base vocabulary, one word a line",
       [](options& o, const std::string& s) { o.base_words = s; },
       [data_dir](const options&) { return data_dir + "/base_words.txt"; }},
      size_flag("--cache-entries", "tokenizer cache entries per worker (0: off)", &options::cache_entries, 0, 10000000),
      size_flag("--learn-zones", "a word a worker meets in N requests becomes permanent (0: never)",
                &options::learn_zones, 0, lexzone::learning_policy::max_zones),
      size_flag("--learn-max", "most words learned in the service's life (see Memory)", &options::learn_max, 0,
                lexzone::examples::learn_max_limit),
      size_flag("--learn-max-bytes", "longest word learned, in bytes (see Memory)", &options::learn_max_bytes, 1,
                lexzone::examples::learn_max_bytes_limit),
      http_flag("--max-body-bytes", "largest request body, as sent and decompressed (more: 413)",
                &http_limits::max_body_bytes, 1, gib),
      {"--max-batch-texts", "N", "most texts in one batch (more: 413)",
       [](options& o, const std::string& s) { o.request.max_batch_texts = number(s, 1, 1000000); },
       [](const options& o) { return std::to_string(o.request.max_batch_texts); }},
      http_flag("--max-request-line", "longest request line (longer: 414)", &http_limits::max_request_line, 64,
                1 << 20),
      http_flag("--max-header-bytes", "largest header, request line included (more: 431)",
                &http_limits::max_header_bytes, 256, 1 << 20),
      http_flag("--max-headers", "most header fields (more: 431)", &http_limits::max_headers, 1, 10000),
      size_flag("--max-response-bytes", "entities beyond this response size are cut (\"truncated\": true)",
                &options::max_response_bytes, 1024, gib),
      size_flag("--max-connections", "open connections in all (more: the longest idle is closed, else 503)",
                &options::max_connections, 1, 1000000),
      size_flag("--max-connections-per-ip", "open connections from one address (more: 503)",
                &options::max_connections_per_ip, 1, 1000000),
      size_flag("--backlog", "listen backlog (capped by net.core.somaxconn)", &options::backlog, 1, 65535),
      size_flag("--queue-depth", "requests waiting for a worker (more: 503)", &options::queue_depth, 1, 1000000),
      size_flag("--max-buffered-bytes", "request bodies and responses held at once (more: 503)",
                &options::max_buffered_bytes, 1 << 16, std::uint64_t{64} * gib),
      size_flag("--socket-buffer-bytes",
                "each connection's socket send and receive buffer, doubled by the kernel (0: its autotuning)",
                &options::socket_buffer_bytes, 0, std::uint64_t{64} << 20),
      seconds_flag("--idle-timeout", "keep-alive: seconds to wait for the next request", &options::idle_timeout),
      seconds_flag("--header-timeout", "seconds from a request's first byte to the end of its header",
                   &options::header_timeout),
      seconds_flag("--body-timeout", "seconds from the end of the header to the end of the body",
                   &options::body_timeout),
      seconds_flag("--request-timeout", "seconds from a request's first byte to the start of its response (else 503)",
                   &options::request_timeout),
      seconds_flag("--write-timeout", "seconds to write one response (else the connection is closed)",
                   &options::write_timeout),
      seconds_flag("--shutdown-timeout", "seconds from SIGTERM to exit, at most", &options::shutdown_timeout),
      size_flag("--trim-threshold", "malloc_trim after a request that held this many bytes (0: never)",
                &options::trim_threshold, 0, std::uint64_t{64} * gib),
      size_flag("--malloc-arenas", "glibc malloc arenas (M_ARENA_MAX; 0: glibc's default)", &options::malloc_arenas, 0,
                1024),
      size_flag("--malloc-tcache", "glibc per-thread cache, freed chunks kept per size (glibc's default: 7)",
                &options::malloc_tcache, 0, 65535),
      {"--memory-estimate", "", "print the memory formula's figures for these options and exit",
       [](options& o, const std::string&) { o.print_memory_estimate = true; }, nullptr},
      {"--help", "", "print this help and exit", nullptr, nullptr},
  };
}

}  // namespace

options parse_options(int argc, char** argv, const std::string& default_data_dir) {
  const std::vector<flag> table = flags(default_data_dir);
  options o;
  o.patterns = default_data_dir + "/patterns.jsonl";
  o.base_words = default_data_dir + "/base_words.txt";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage_exit(table, "", 0);
    const auto f = std::find_if(table.begin(), table.end(), [&](const flag& x) { return x.name == a; });
    if (f == table.end() || !f->set) usage_exit(table, "unknown argument " + a, 2);
    std::string value;
    if (!f->value.empty()) {
      if (i + 1 >= argc) usage_exit(table, "missing value after " + a, 2);
      value = argv[++i];
    }
    try {
      f->set(o, value);
    } catch (const std::invalid_argument& e) {
      std::string why = "bad value for ";
      why.append(a).append(": ").append(value).append(" (").append(e.what()).append(")");
      usage_exit(table, why, 2);
    }
  }
  if (o.http.max_request_line > o.http.max_header_bytes)
    usage_exit(table, "--max-request-line must not exceed --max-header-bytes", 2);
  // A smaller budget could never admit a request of --max-body-bytes: it would get 503 + Retry-After forever.
  if (const std::size_t least = least_budget(o.http.max_body_bytes, o.max_response_bytes);
      o.max_buffered_bytes < least) {
    usage_exit(table,
               "--max-buffered-bytes " + std::to_string(o.max_buffered_bytes) + " cannot hold one request of " +
                   "--max-body-bytes: it must be at least 2 x --max-body-bytes + " + std::to_string(inflater_bytes) +
                   " + min(--max-response-bytes, 64 x --max-body-bytes + 4096) = " + std::to_string(least),
               2);
  }
  // The kernel doubles the value and has a minimum of its own (about 4.6 KiB to send): below 4 KiB the
  // formula's 4N would undercount.
  if (o.socket_buffer_bytes != 0 && o.socket_buffer_bytes < options::min_socket_buffer_bytes)
    usage_exit(table,
               "--socket-buffer-bytes must be 0 (the kernel's autotuning) or at least " +
                   std::to_string(options::min_socket_buffer_bytes),
               2);
  o.request.max_body_bytes = o.http.max_body_bytes;
  if (o.threads == 0) o.threads = default_threads();
  return o;
}

unsigned default_threads() {
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = std::max(1, CPU_COUNT(&set));
  // cgroup v2: "max 100000" (no quota) or "QUOTA PERIOD" in microseconds.
  std::ifstream in("/sys/fs/cgroup/cpu.max");
  std::string quota;
  unsigned long long period = 0;
  if (in >> quota >> period && quota != "max" && period > 0) {
    const auto q = examples::parse_unsigned(quota.c_str(), 1);
    if (q)
      n = std::min<unsigned>(n, static_cast<unsigned>(std::max<unsigned long long>(1, (*q + period - 1) / period)));
  }
  return n;
}

}  // namespace lexzone::ner_service
