// ner_service: request counters, the latency histogram and Prometheus text-format rendering
// (text/plain; version=0.0.4). Lock-free: every worker thread records, any thread renders.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace lexzone::ner_service {

/// Appends one metric family with a single unlabelled sample: # HELP, # TYPE, the sample.
inline void append_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                          double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(buf).append("\n");
}

/// Requests by HTTP status code, and their latencies.
class request_metrics {
 public:
  /// Upper bounds (seconds) of the latency histogram's buckets; +Inf is implicit.
  static constexpr std::array<double, 14> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};

  /// Counts one response with status `code` (codes outside 100..599 count as 0, rendered "other").
  void count(int code) noexcept {
    const auto i = code >= 100 && code < 600 ? static_cast<std::size_t>(code) : std::size_t{0};
    by_code_[i].fetch_add(1, std::memory_order_relaxed);
  }

  /// Records one request's latency.
  void observe(std::chrono::nanoseconds d) noexcept {
    const double s = std::chrono::duration<double>(d).count();
    std::size_t b = 0;
    while (b < bounds.size() && s > bounds[b]) ++b;
    buckets_[b].fetch_add(1, std::memory_order_relaxed);
    const auto ns = d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : std::uint64_t{0};
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  }

  /// Counts texts processed and entities returned.
  void add_work(std::size_t texts, std::size_t entities) noexcept {
    texts_.fetch_add(texts, std::memory_order_relaxed);
    entities_.fetch_add(entities, std::memory_order_relaxed);
  }

  /// Appends the families lexzone_requests_total, lexzone_request_duration_seconds,
  /// lexzone_texts_total and lexzone_entities_total.
  void render(std::string& out) const {
    out.append("# HELP lexzone_requests_total HTTP responses sent, by status code.\n");
    out.append("# TYPE lexzone_requests_total counter\n");
    for (std::size_t i = 0; i < by_code_.size(); ++i) {
      const std::uint64_t n = by_code_[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.append("lexzone_requests_total{code=\"").append(i == 0 ? "other" : std::to_string(i));
      out.append("\"} ").append(std::to_string(n)).append("\n");
    }

    // One snapshot of the buckets; the count is their sum, so +Inf and _count always agree.
    std::array<std::uint64_t, bounds.size() + 1> snap{};
    for (std::size_t b = 0; b < snap.size(); ++b) snap[b] = buckets_[b].load(std::memory_order_relaxed);
    const double sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    out.append("# HELP lexzone_request_duration_seconds Time from routing a request to sending its response.\n");
    out.append("# TYPE lexzone_request_duration_seconds histogram\n");
    std::uint64_t cumulative = 0;
    char le[32];
    for (std::size_t b = 0; b < snap.size(); ++b) {
      cumulative += snap[b];
      if (b < bounds.size()) {
        std::snprintf(le, sizeof le, "%g", bounds[b]);
      } else {
        std::snprintf(le, sizeof le, "+Inf");
      }
      out.append("lexzone_request_duration_seconds_bucket{le=\"").append(le).append("\"} ");
      out.append(std::to_string(cumulative)).append("\n");
    }
    char s[64];
    std::snprintf(s, sizeof s, "%.9f", sum);
    out.append("lexzone_request_duration_seconds_sum ").append(s).append("\n");
    out.append("lexzone_request_duration_seconds_count ").append(std::to_string(cumulative)).append("\n");

    out.append("# HELP lexzone_texts_total Texts processed (a batch counts each of its texts).\n");
    out.append("# TYPE lexzone_texts_total counter\n");
    out.append("lexzone_texts_total ").append(std::to_string(texts_.load(std::memory_order_relaxed))).append("\n");
    out.append("# HELP lexzone_entities_total Entities returned.\n");
    out.append("# TYPE lexzone_entities_total counter\n");
    out.append("lexzone_entities_total ")
        .append(std::to_string(entities_.load(std::memory_order_relaxed)))
        .append("\n");
  }

 private:
  std::array<std::atomic<std::uint64_t>, 600> by_code_{};
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
  std::atomic<std::uint64_t> texts_{0};
  std::atomic<std::uint64_t> entities_{0};
};

}  // namespace lexzone::ner_service
