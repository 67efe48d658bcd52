// The data of bench_pipeline.cpp and instructions.cpp: the "model" (the examples' 20,000-word base
// vocabulary in the permanent layer), the documents (the shared corpus cut into documents of at most
// 16 KiB, up to a byte budget), the requests of a service (those documents cut every 8 words) and the
// entity ruler's patterns (bench/data/ner_patterns.jsonl, 300 patterns). Both programs measure the same
// work: wall-clock time there, instruction counts under callgrind here. In both, only the pipeline's vocab
// gets the ruler's patterns (they intern their words permanently, which makes those words cheaper in
// zones).
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "common.hpp"

namespace lexzone_bench {

/// A vocab of type `Vocab` holding the base vocabulary (the "model").
template <class Vocab>
std::unique_ptr<Vocab> base_vocab() {
  auto v = std::make_unique<Vocab>();
  std::ifstream in(LEXZONE_BENCH_SOURCE_DIR "/examples/data/base_words.txt");
  for (std::string w; std::getline(in, w);)
    if (!w.empty() && w[0] != '#') v->add(w);
  return v;
}

/// The corpus's documents (at most 16 KiB each), in order, until `budget` bytes are taken.
inline token_list pipeline_documents(std::size_t budget) {
  token_list docs;
  std::size_t bytes = 0;
  for (std::string_view d : documents(16 * 1024)) {
    if (bytes >= budget) break;
    docs.push_back(d);
    bytes += d.size();
  }
  return docs;
}

/// Requests of about 10 tokens, as a service sees them: `docs` cut every 8 whitespace-separated words
/// (punctuation makes them about 10 tokens), at most `wanted` of them.
inline token_list cut_requests(const token_list& docs, std::size_t wanted) {
  token_list lines;
  constexpr std::string_view blank = " \t\r\n";
  for (std::string_view d : docs) {
    for (std::size_t pos = d.find_first_not_of(blank); pos != std::string_view::npos && lines.size() < wanted;
         pos = d.find_first_not_of(blank, pos)) {
      const std::size_t first = pos;
      std::size_t end = pos;
      for (int words = 0; words < 8 && pos != std::string_view::npos; ++words) {
        end = std::min(d.size(), d.find_first_of(blank, pos));
        pos = d.find_first_not_of(blank, end);  // the next word
      }
      lines.push_back(d.substr(first, end - first));
      pos = end;
    }
  }
  return lines;
}

/// The entity ruler's patterns (300: the examples' 28, 200 phrases, 72 versioned products).
inline std::filesystem::path ruler_patterns() {
  return std::filesystem::path(LEXZONE_BENCH_SOURCE_DIR "/bench/data/ner_patterns.jsonl");
}

}  // namespace lexzone_bench
