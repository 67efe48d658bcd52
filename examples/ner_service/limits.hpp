// ner_service: the limits of one HTTP request (see http_parser.hpp for what each one answers).
#pragma once

#include <cstddef>

namespace lexzone::ner_service {

/// Limits of one request. Every route has them, whatever it does with the body.
struct http_limits {
  std::size_t max_request_line = 4096;                // method, target and version; longer: 414
  std::size_t max_header_bytes = 16384;               // request line and header fields together; more: 431
  std::size_t max_headers = 64;                       // header (and trailer) fields; more: 431
  std::size_t max_body_bytes = std::size_t{1} << 20;  // payload as received and after decoding; more: 413
};

/// Connections being refused with a 503 at once, beyond --max-connections (more are just closed): the
/// memory formula counts their socket buffers.
inline constexpr std::size_t max_refusing = 64;

}  // namespace lexzone::ner_service
