// ner_service: the memory formula (see memory_estimate.hpp and README.md, "Memory").
#include "ner_service/memory_estimate.hpp"

#include <lexzone/config.hpp>

#include <bit>
#include <cstdio>
#include <string>

namespace lexzone::ner_service {

static_assert(LEXZONE_ATTRIBUTE_CACHE_BITS == 14,
              "memory_constants::attribute_cache_bytes is the size of a table of 2^14 entries: measure it again");

namespace {
constexpr std::size_t pooled_buffers_per_worker = 2, pooled_buffers_extra = 8,
                      pooled_buffer_capacity = std::size_t{128} * 1024;
constexpr std::size_t header_buffer_slack = 1024;  // the read buffer may hold this much past the header limit
}  // namespace

memory_estimate estimate_memory(const options& o, const memory_constants& c) {
  memory_estimate e;
  const std::size_t threads = o.threads;
  e.start = c.start_bytes + (threads - 1) * c.worker_bytes + threads * o.cache_entries * c.cache_entry_bytes +
            threads * c.attribute_cache_bytes;
  if (o.learn_zones != 0 && o.learn_max != 0) {
    e.learned = o.learn_max * (c.learned_lexeme_bytes + o.learn_max_bytes * c.learned_bytes_per_text_byte) +
                c.index_doubling_bytes + (o.learn_zones >= 2 ? threads * c.learning_counts_bytes : 0);
  }
  // A request's arrays of tokens, pieces and matches grow by doubling: their capacity is at most the
  // power of two at or above their count, and a body of B bytes has at most B tokens. The factor was
  // measured at 1 MiB, a power of two; a body just above one may cost as much as one of the next.
  e.workers = static_cast<std::size_t>(static_cast<double>(threads) * c.work_per_body_byte *
                                       static_cast<double>(std::bit_ceil(o.http.max_body_bytes)));
  e.buffered = o.max_buffered_bytes;
  e.connections = o.max_connections * (c.connection_bytes + o.http.max_header_bytes + header_buffer_slack);
  e.pools = (pooled_buffers_per_worker * threads + pooled_buffers_extra) * pooled_buffer_capacity;
  const std::size_t sum = e.start + e.learned + e.workers + e.buffered + e.connections + e.pools;
  e.slack = static_cast<std::size_t>(c.allocator_slack * static_cast<double>(sum));
  // Send and receive buffers, each doubled by the kernel (not in RSS; cgroup v2 charges them to the
  // container): the open connections and those being refused, both ways, and the connections waiting in
  // the listen backlog, which may receive before they are accepted. Unbounded by the formula when the
  // kernel autotunes them (--socket-buffer-bytes 0).
  const std::size_t doubled = 2 * o.socket_buffer_bytes;
  e.sockets = (o.max_connections + max_refusing) * 2 * doubled + static_cast<std::size_t>(o.backlog) * doubled;
  e.total = sum + e.slack + e.sockets;
  return e;
}

std::string describe(const memory_estimate& e) {
  std::string out;
  char line[96];
  const std::pair<const char*, std::size_t> rows[] = {
      {"start", e.start},       {"learned", e.learned},         {"workers", e.workers},
      {"buffered", e.buffered}, {"connections", e.connections}, {"pools", e.pools},
      {"slack", e.slack},       {"sockets", e.sockets},         {"total", e.total}};
  for (const auto& [name, bytes] : rows) {
    std::snprintf(line, sizeof line, "%-12s %12zu bytes  %8.1f MiB\n", name, bytes,
                  static_cast<double>(bytes) / (1024.0 * 1024.0));
    out += line;
  }
  if (e.sockets == 0)
    out +=
        "(sockets: not counted: with --socket-buffer-bytes 0 the kernel autotunes them, up to tcp_wmem's and "
        "tcp_rmem's maxima a connection)\n";
  return out;
}

}  // namespace lexzone::ner_service
