// ner_service: the model, the one place where the service calls lexzone (model.cpp). The rest of the
// service sees texts in, entities out (as views, during a callback) and plain numbers for /metrics.
//
// The model (a base vocabulary, the tokenizer's special cases, the entity patterns) is loaded once into the
// permanent layer of ONE vocab that every worker shares. Each worker has its own copy of the pipeline (the
// copies share the tokenizer's rules; each has its own segmentation cache). Each request runs inside its
// own memory_zone on its worker: whatever it adds to the vocab (e-mails, IDs, typos...) is evicted when the
// request ends, so the vocab is back to the model after every request.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace lexzone::ner_service {

/// One entity, as views that are valid during the result_sink call only.
struct entity_view {
  std::string_view text, label, id;          // id: empty when the pattern has none
  std::size_t start_char = 0, end_char = 0;  // code points, as spaCy reports them
};

/// Receives the results of one request, text by text: its entities in order, then its token count.
class result_sink {
 public:
  result_sink() = default;
  result_sink(const result_sink&) = delete;
  result_sink& operator=(const result_sink&) = delete;
  result_sink(result_sink&&) = delete;
  result_sink& operator=(result_sink&&) = delete;
  virtual ~result_sink() = default;
  virtual void entity(const entity_view& e) = 0;
  virtual void end_text(std::size_t tokens) = 0;
};

/// The vocab's figures, for /metrics.
struct model_stats {
  std::size_t permanent_strings = 0, transient_strings = 0;
  std::size_t permanent_lexemes = 0, transient_lexemes = 0;
  std::size_t learned_lexemes = 0;  // permanent lexemes the learning policy made (part of permanent_lexemes)
  std::size_t open_zones = 0;
  std::size_t zone_bytes = 0, zone_bytes_peak = 0;
  std::size_t permanent_bytes = 0, pooled_bytes = 0;
};

/// What the model is loaded from.
struct model_config {
  std::string base_words, patterns;
  std::size_t cache_entries = 10000;  // each worker's tokenizer segmentation cache
  // The vocab's learning policy (lexzone::learning_policy), set once the model is loaded; learn_zones 0:
  // off.
  unsigned learn_zones = 0;
  std::size_t learn_max = 0;
  std::size_t learn_max_bytes = 32;
  unsigned workers = 1;  // pipeline copies, one per worker thread
};

/// The loaded model. Thread safety: `process` may run concurrently for different workers; `stats` from any
/// thread. Throws: the constructor, std::runtime_error (unreadable files), lexzone::pattern_error (bad
/// patterns), std::bad_alloc; `process`, what the pipeline throws (std::bad_alloc).
class ner_model {
 public:
  explicit ner_model(const model_config& config);
  ner_model(const ner_model&) = delete;
  ner_model& operator=(const ner_model&) = delete;
  ner_model(ner_model&&) = delete;
  ner_model& operator=(ner_model&&) = delete;
  ~ner_model();

  /// Runs `texts` through worker `worker`'s pipeline (worker < config.workers) inside one memory zone and
  /// reports each text's results to `sink` before the zone closes. Returns the bytes the zone held at its
  /// end (its peak: zones only grow).
  std::size_t process(unsigned worker, std::span<const std::string> texts, result_sink& sink);

  [[nodiscard]] model_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lexzone::ner_service
