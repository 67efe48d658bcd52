// ner_service: the model over lexzone (see model.hpp). Every lexzone call of the service is in this file.
#include "ner_service/model.hpp"

#include <lexzone/vocab.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/english_model.hpp"

namespace lexzone::ner_service {

using vocab = lexzone::examples::en_vocab;
using pipeline = lexzone::examples::en_pipeline;

struct ner_model::impl {
  vocab words;  // declared first: the prototype and every copy refer to it
  const pipeline prototype;
  std::vector<pipeline> workers;  // one copy per worker thread, made at load time (flat RSS from request 1)
  std::atomic<std::size_t> zone_bytes_peak{0};

  explicit impl(const model_config& c) : prototype(load(words, c)) {
    workers.reserve(c.workers);
    for (unsigned i = 0; i < c.workers; ++i) {
      workers.push_back(prototype);
      // The first call reserves the copy's segmentation cache: resident now, not at the first request.
      auto zone = workers.back().memory_zone(words);
      (void)workers.back()(zone, "warm up");
    }
    // Last: the warm-up zones above must not teach the vocab their words (one thread runs them all).
    words.set_learning({c.learn_zones, c.learn_max, c.learn_max_bytes});
  }

  static pipeline load(vocab& v, const model_config& c) {
    lexzone::examples::en_tokenizer::options topts;
    topts.cache_entries = c.cache_entries;
    // The ruler's matching work per text: 65,536 steps plus 32 a token (half the library's default per
    // token; with the shipped patterns no line of real text needs more than 3, even without the 65,536).
    // A match after an attempt's first costs 16 steps: a text that makes a pattern match quadratically
    // often holds at most about 200 KB plus 96 bytes a token of matches before it gets 413.
    const lexzone::match_limits limits{32, 65536};
    // Permanent; also makes the zones' chunk pool resident.
    return lexzone::examples::load_english_model(v, c.base_words, c.patterns, topts, limits);
  }
};

ner_model::ner_model(const model_config& config) : impl_(std::make_unique<impl>(config)) {}
ner_model::~ner_model() = default;

std::size_t ner_model::process(unsigned worker, std::span<const std::string> texts, result_sink& sink) {
  if (worker >= impl_->workers.size()) throw std::out_of_range("ner_model::process: no such worker");
  pipeline& nlp = impl_->workers[worker];
  const auto& strings = impl_->words.strings();
  std::size_t held = 0;
  {
    auto zone = nlp.memory_zone(impl_->words);
    for (const std::string& text : texts) {
      const auto doc = nlp(zone, text);
      for (const auto& e : doc.ents()) {
        entity_view v;
        v.text = e.text();
        v.label = strings[e.label()];
        if (e.id() != 0) v.id = strings[e.id()];
        v.start_char = e.start_char();
        v.end_char = e.end_char();
        sink.entity(v);
      }
      sink.end_text(doc.size());
    }
    // Bytes of all open zones just before this one closes: the high-water mark of what requests hold at
    // once (see the memory formula in README.md).
    held = impl_->words.stats().strings.zone_bytes;
    std::size_t seen = impl_->zone_bytes_peak.load(std::memory_order_relaxed);
    while (held > seen && !impl_->zone_bytes_peak.compare_exchange_weak(seen, held, std::memory_order_relaxed)) {
    }
  }  // the zone closes: everything this request added is evicted
  return held;
}

model_stats ner_model::stats() const {
  const lexzone::vocab_stats s = impl_->words.stats();
  model_stats m;
  m.permanent_strings = s.strings.permanent_strings;
  m.transient_strings = s.strings.transient_strings;
  m.permanent_lexemes = s.permanent_lexemes;
  m.transient_lexemes = s.transient_lexemes;
  m.learned_lexemes = s.learned_lexemes;
  m.open_zones = s.strings.open_zones;
  m.zone_bytes = s.strings.zone_bytes;
  m.zone_bytes_peak = impl_->zone_bytes_peak.load(std::memory_order_relaxed);
  m.permanent_bytes = s.strings.permanent_bytes + s.permanent_lexeme_bytes;
  m.pooled_bytes = s.strings.pooled_bytes;
  return m;
}

}  // namespace lexzone::ner_service
