// ner_service: the memory formula (README.md, "Memory"), computed from the options. The constants are
// measurements (tests/service/measure_memory.py prints them for a build); `--memory-estimate` prints the
// result, and deploy/k8s's test checks the Deployment's memory limit against it.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "ner_service/options.hpp"

namespace lexzone::ner_service {

/// Measured constants of the formula: Release build, glibc 2.36, x86-64, the examples' model (20,372 base
/// words, 28 patterns); tests/service/measure_memory.py, median of 3 starts. See README.md, "Memory".
struct memory_constants {
  std::size_t start_bytes = 8663040;  // RSS after start, one worker, tokenizer cache off
  // Each tokenizer cache entry of each worker, the cache full: 1,623,088 bytes at 10,000 chunks of real text
  // (mallinfo2), rounded up. measure_memory.py's figure (111) is what is resident at start.
  std::size_t cache_entry_bytes = 163;
  std::size_t worker_bytes = 28672;  // each further worker's pipeline copy, without its cache
  // Each worker thread's attribute cache (the library's, LEXZONE_ATTRIBUTE_CACHE_BITS 14: 16,384 entries of
  // 200 bytes, a 2-byte tag each, a recency byte per set of 4), resident as the worker creates words and
  // kept for the thread's life: not in start_bytes, measured before any request.
  std::size_t attribute_cache_bytes = 3313664;
  // A worker's peak for one request of 1 MiB, per byte of body, beyond the body and the response, with the
  // default tokenizer cache: a token a byte ("!!!...! " in chunks of 96, which the cache keeps: the
  // segmenter's pieces, 32 B, their cache references, 24 B, and the doc's tokens, 32 B, at once) 88.1;
  // as many "Mr. " as the match limits let through before them (the matches, 24 B each, with the doc)
  // 87.7; one-letter words 45.0; dense e-mail addresses 18.4; non-ASCII words 19.0. Applied to the body
  // limit rounded up to a power of two: those arrays grow by doubling (`estimate_memory`). Rounded up
  // from 88.1 to 90: a margin for other builds and allocators.
  double work_per_body_byte = 90.0;
  std::size_t connection_bytes = 1900;  // an open connection at rest (measured 1837 with 2,000 idle ones)
  // A lexeme learned from traffic (--learn-zones), at most: its 56-byte record, entry headers and index
  // slots (about 12 B an entry with an outgrown index table kept) for it and up to 5 new attribute strings
  // (prefix and suffix at most 16 bytes together), plus per byte of text (--learn-max-bytes) the text,
  // the lower and norm forms (up to 1.5 bytes each: case mappings that grow) and the shape: 5, rounded up
  // to 6. Measured on ordinary text: 99.4 B per permanent lexeme at 1M lexemes (bench_memory).
  std::size_t learned_lexeme_bytes = 160;
  std::size_t learned_bytes_per_text_byte = 6;
  std::size_t learning_counts_bytes = std::size_t{256} * 1024;  // each worker's counts (--learn-zones >= 2)
  // The permanent index's first doubling once words are learned: the model's 27,765 strings fill 32,768
  // slots, so about 900 learned words double it (327,712 bytes measured), however small --learn-max is.
  // Later doublings fit in learned_lexeme_bytes (112 bytes a word on average over 200,000 words learned).
  std::size_t index_doubling_bytes = std::size_t{384} * 1024;
  double allocator_slack = 0.10;  // the allocator's free lists and fragmentation
};

/// The figures of the formula, in bytes.
struct memory_estimate {
  std::size_t start = 0;        // binary, libraries, model, every worker's pipeline and cache
  std::size_t learned = 0;      // --learn-max lexemes learned from traffic (with --learn-zones)
  std::size_t workers = 0;      // threads x the peak of a request of --max-body-bytes (rounded up to 2^k)
  std::size_t buffered = 0;     // --max-buffered-bytes: bodies and responses held at once
  std::size_t connections = 0;  // --max-connections x (connection + a full header buffer)
  std::size_t sockets = 0;      // the kernel's socket buffers: (connections + refusals) x 4N + backlog x 2N
  std::size_t pools = 0;        // the buffer pool's bound
  std::size_t slack = 0;
  std::size_t total = 0;
};

/// The estimate for `o` with `c` (default: the measured constants).
memory_estimate estimate_memory(const options& o, const memory_constants& c = {});

/// A human- and machine-readable description: one "name bytes" line per figure, then the total in MiB.
std::string describe(const memory_estimate& e);

}  // namespace lexzone::ner_service
