// ner_service: counters, gauges, the latency histogram and their Prometheus text-format rendering
// (text/plain; version=0.0.4). Counters are lock-free: the I/O thread and the workers record, any thread
// renders. Gauges are read when rendering (server_gauges, model_stats).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "ner_service/model.hpp"

namespace lexzone::ner_service {

/// Why a request was refused, or a connection cut before its request was complete.
enum class rejection : std::uint8_t {
  bad_request,             // 400: malformed HTTP, conflicting framing, bad JSON, invalid UTF-8
  payload_too_large,       // 413: body or batch over the limits
  match_limit,             // 413: a text needs more matching work than the ruler's match_limits allow
  uri_too_long,            // 414: request line over the limit
  unsupported_media_type,  // 415: Content-Encoding or multipart
  expectation_failed,      // 417
  header_too_large,        // 431: header bytes or field count over the limit
  queue_full,              // 503: every worker busy and the queue full
  memory_budget,           // 503: too many request bodies and responses held at once
  connection_limit,        // 503: --max-connections reached, no idle connection to close
  per_ip_limit,            // 503: --max-connections-per-ip reached
  deadline,                // 503: the request waited past --request-timeout
  not_ready,               // 503: the model is still loading, or the service is shutting down
  header_timeout,          // connection closed: the header took longer than --header-timeout
  body_timeout,            // connection closed: the body took longer than --body-timeout
  write_timeout,           // connection closed: the client did not read its response in --write-timeout
  count_
};

/// The status and label of each rejection, in enum order.
struct rejection_info {
  int status;  // 0: no response (the connection is closed)
  std::string_view name;
};
inline constexpr std::array<rejection_info, static_cast<std::size_t>(rejection::count_)> rejection_table{{
    {400, "bad_request"},
    {413, "payload_too_large"},
    {413, "match_limit"},
    {414, "uri_too_long"},
    {415, "unsupported_media_type"},
    {417, "expectation_failed"},
    {431, "header_too_large"},
    {503, "queue_full"},
    {503, "memory_budget"},
    {503, "connection_limit"},
    {503, "per_ip_limit"},
    {503, "deadline"},
    {503, "not_ready"},
    {0, "header_timeout"},
    {0, "body_timeout"},
    {0, "write_timeout"},
}};

/// The rejection an HTTP error status stands for (4xx from parsing and validation).
[[nodiscard]] inline rejection rejection_for_status(int status) noexcept {
  switch (status) {
    case 413: return rejection::payload_too_large;
    case 414: return rejection::uri_too_long;
    case 415: return rejection::unsupported_media_type;
    case 417: return rejection::expectation_failed;
    case 431: return rejection::header_too_large;
    case 503: return rejection::memory_budget;
    default: return rejection::bad_request;
  }
}

/// Why a connection was closed.
enum class close_reason : std::uint8_t { client, done, idle_timeout, evicted, timeout, refused, shutdown, count_ };
inline constexpr std::array<std::string_view, static_cast<std::size_t>(close_reason::count_)> close_reason_names{
    "client", "done", "idle_timeout", "evicted", "timeout", "refused", "shutdown"};

/// What the server reports when /metrics is rendered.
struct server_gauges {
  std::size_t connections_open = 0, connections_idle = 0;
  std::size_t requests_in_flight = 0;  // queued for a worker or being processed
  std::size_t queue_depth = 0;         // queued only
  std::size_t buffered_bytes = 0;      // request bodies and responses held (the memory budget in use)
  std::size_t pooled_buffer_bytes = 0;
  std::size_t resident_bytes = 0;
  double cpu_seconds = 0;  // user + system CPU time of the process
  bool ready = false;
};

/// Appends one metric family with a single unlabelled sample: # HELP, # TYPE, the sample.
inline void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                          double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(buf).append("\n");
}

/// The service's counters and latency histogram. Thread safety: every member may be called concurrently.
/// Throws: nothing, but `render` (std::bad_alloc).
class service_metrics {
 public:
  /// Upper bounds (seconds) of the latency histogram's buckets; +Inf is implicit.
  static constexpr std::array<double, 14> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};

  /// Counts one response with status `code` written in full, and its latency (end of the request's header
  /// to the end of the response).
  void response(int code, std::chrono::nanoseconds latency) noexcept {
    const auto i = code >= 100 && code < 600 ? static_cast<std::size_t>(code) : std::size_t{0};
    bump(by_code_[i]);
    const double s = std::chrono::duration<double>(latency).count();
    std::size_t b = 0;
    while (b < bounds.size() && s > bounds[b]) ++b;
    bump(buckets_[b]);
    sum_ns_.fetch_add(latency.count() > 0 ? static_cast<std::uint64_t>(latency.count()) : 0, std::memory_order_relaxed);
  }
  void rejected(rejection r) noexcept { bump(rejections_[static_cast<std::size_t>(r)]); }
  void closed(close_reason r) noexcept { bump(closes_[static_cast<std::size_t>(r)]); }
  void accepted() noexcept { bump(accepted_); }
  void work(std::size_t texts, std::size_t entities, bool truncated) noexcept {
    texts_.fetch_add(texts, std::memory_order_relaxed);
    entities_.fetch_add(entities, std::memory_order_relaxed);
    if (truncated) bump(truncated_);
  }
  void trimmed() noexcept { bump(trims_); }

  /// Appends every family: the model's gauges, the server's, then the counters and the histogram.
  void render(std::string& out, const model_stats& m, const server_gauges& g) const {
    auto gauge = [&](std::string_view name, std::string_view help, std::size_t v) {
      append_metric(out, name, "gauge", help, static_cast<double>(v));
    };
    gauge("lexzone_permanent_strings", "Strings in the permanent layer (the model's).", m.permanent_strings);
    gauge("lexzone_transient_strings", "Strings held by open memory zones (requests in flight).", m.transient_strings);
    gauge("lexzone_vocab_size", "Live lexemes: permanent plus those of open zones.",
          m.permanent_lexemes + m.transient_lexemes);
    gauge("lexzone_permanent_lexemes", "Lexemes in the permanent layer (the model's).", m.permanent_lexemes);
    gauge("lexzone_learned_lexemes", "Permanent lexemes learned from traffic (--learn-zones, at most --learn-max).",
          m.learned_lexemes);
    gauge("lexzone_transient_lexemes", "Lexemes held by open memory zones.", m.transient_lexemes);
    gauge("lexzone_open_zones", "Memory zones open now (one per request being processed).", m.open_zones);
    gauge("lexzone_zone_bytes", "Bytes held by open memory zones (strings and lexemes).", m.zone_bytes);
    gauge("lexzone_zone_bytes_peak", "Highest lexzone_zone_bytes seen at the end of a request since start.",
          m.zone_bytes_peak);
    gauge("lexzone_permanent_bytes", "Bytes held by the permanent layer (strings and lexemes).", m.permanent_bytes);
    gauge("lexzone_pooled_bytes", "Chunks and zone nodes kept for the next zones (bounded).", m.pooled_bytes);
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", g.resident_bytes);
    append_metric(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
                  g.cpu_seconds);
    gauge("lexzone_ready", "1 when the model is loaded and the service is not shutting down (/readyz).",
          g.ready ? 1 : 0);
    gauge("lexzone_connections_open", "Open client connections.", g.connections_open);
    gauge("lexzone_connections_idle", "Open connections waiting for a request (keep-alive).", g.connections_idle);
    gauge("lexzone_requests_in_flight", "Requests queued for a worker or being processed.", g.requests_in_flight);
    gauge("lexzone_queue_depth", "Requests waiting for a worker.", g.queue_depth);
    gauge("lexzone_buffered_bytes", "Bytes of request bodies and responses held now (--max-buffered-bytes bounds it).",
          g.buffered_bytes);
    gauge("lexzone_pooled_buffer_bytes", "Bytes of emptied buffers kept for reuse.", g.pooled_buffer_bytes);

    out.append("# HELP lexzone_requests_total HTTP responses written, by status code.\n");
    out.append("# TYPE lexzone_requests_total counter\n");
    for (std::size_t i = 0; i < by_code_.size(); ++i) {
      const std::uint64_t n = by_code_[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.append("lexzone_requests_total{code=\"").append(i == 0 ? "other" : std::to_string(i));
      out.append("\"} ").append(std::to_string(n)).append("\n");
    }
    out.append(
        "# HELP lexzone_rejected_total Requests refused, or connections cut before their request was "
        "complete, by reason (code: the status answered, 0 for none).\n");
    out.append("# TYPE lexzone_rejected_total counter\n");
    for (std::size_t i = 0; i < rejections_.size(); ++i) {
      out.append("lexzone_rejected_total{reason=\"").append(rejection_table[i].name).append("\",code=\"");
      out.append(std::to_string(rejection_table[i].status)).append("\"} ");
      out.append(std::to_string(rejections_[i].load(std::memory_order_relaxed))).append("\n");
    }
    out.append("# HELP lexzone_connections_closed_total Connections closed, by reason.\n");
    out.append("# TYPE lexzone_connections_closed_total counter\n");
    for (std::size_t i = 0; i < closes_.size(); ++i) {
      out.append("lexzone_connections_closed_total{reason=\"").append(close_reason_names[i]).append("\"} ");
      out.append(std::to_string(closes_[i].load(std::memory_order_relaxed))).append("\n");
    }
    auto counter = [&](std::string_view name, std::string_view help, const std::atomic<std::uint64_t>& v) {
      append_metric(out, name, "counter", help, static_cast<double>(v.load(std::memory_order_relaxed)));
    };
    counter("lexzone_connections_accepted_total", "Connections accepted.", accepted_);
    counter("lexzone_texts_total", "Texts processed (a batch counts each of its texts).", texts_);
    counter("lexzone_entities_total", "Entities returned.", entities_);
    counter("lexzone_truncated_responses_total", "Responses whose entities were cut at --max-response-bytes.",
            truncated_);
    counter("lexzone_malloc_trims_total", "malloc_trim calls after large requests (--trim-threshold).", trims_);

    // One snapshot of the buckets; the count is their sum, so +Inf and _count always agree.
    std::array<std::uint64_t, bounds.size() + 1> snap{};
    for (std::size_t b = 0; b < snap.size(); ++b) snap[b] = buckets_[b].load(std::memory_order_relaxed);
    out.append(
        "# HELP lexzone_request_duration_seconds Time from the end of a request's header to the end of its "
        "response.\n");
    out.append("# TYPE lexzone_request_duration_seconds histogram\n");
    std::uint64_t cumulative = 0;
    char text[64];
    for (std::size_t b = 0; b < snap.size(); ++b) {
      cumulative += snap[b];
      if (b < bounds.size()) {
        std::snprintf(text, sizeof text, "%g", bounds[b]);
      } else {
        std::snprintf(text, sizeof text, "+Inf");
      }
      out.append("lexzone_request_duration_seconds_bucket{le=\"").append(text).append("\"} ");
      out.append(std::to_string(cumulative)).append("\n");
    }
    std::snprintf(text, sizeof text, "%.9f", static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
    out.append("lexzone_request_duration_seconds_sum ").append(text).append("\n");
    out.append("lexzone_request_duration_seconds_count ").append(std::to_string(cumulative)).append("\n");
  }

 private:
  static void bump(std::atomic<std::uint64_t>& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }

  std::array<std::atomic<std::uint64_t>, 600> by_code_{};
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(rejection::count_)> rejections_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(close_reason::count_)> closes_{};
  std::atomic<std::uint64_t> accepted_{0}, texts_{0}, entities_{0}, truncated_{0}, trims_{0};
};

}  // namespace lexzone::ner_service
