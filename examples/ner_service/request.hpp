// ner_service: parsing and validation of request bodies.
//
// Pure functions (no I/O, no HTTP library, no global state), so that a fuzzer or a unit test can drive
// them directly: `parse_request(body, kind, limits)` turns the bytes of a POST body into the texts to
// process, or into an HTTP error status (400 or 413) with a message for the client.
//
//   POST /v1/ner         {"text": "..."}             one text
//   POST /v1/ner/batch   {"texts": ["...", ...]}     zero or more texts
//
// Other members of the object are ignored. Checks, in order: body size (413), UTF-8 validity of the
// whole body (400; JSON text must be UTF-8, so an invalid byte inside a string is caught here), nesting
// depth (400), JSON syntax (400), the shape above (400), the number of texts of a batch (413). A message
// quotes at most max_quoted_bytes of the body (quote.hpp: nlohmann_json's messages quote the bad token).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lexzone/unicode/utf8.hpp>
#include <nlohmann/json.hpp>

#include "ner_service/quote.hpp"

namespace lexzone::ner_service {

/// Which endpoint a body was sent to.
enum class request_kind {
  single,  ///< /v1/ner: {"text": "..."}
  batch,   ///< /v1/ner/batch: {"texts": [...]}
};

/// Bounds on what one request may carry.
struct request_limits {
  std::size_t max_body_bytes = std::size_t{1} << 20;  ///< larger bodies get 413
  std::size_t max_batch_texts = 1000;                 ///< more texts in a batch get 413
  std::size_t max_depth = 32;                         ///< deeper JSON nesting gets 400
};

/// The outcome of parsing one body: the texts (status 200), or an HTTP error status and its message.
struct parsed_request {
  int status = 200;
  std::string error;
  std::vector<std::string> texts;

  [[nodiscard]] bool ok() const noexcept { return status == 200; }
};

/// A parsed_request that reports `status` with message `why`.
[[nodiscard]] inline parsed_request reject(int status, std::string why) {
  parsed_request r;
  r.status = status;
  r.error = std::move(why);
  return r;
}

/// Byte offset of the first invalid UTF-8 sequence of `s`, or `s.size()` when it is all valid.
[[nodiscard]] inline std::size_t first_invalid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    const auto d = unicode::decode(s, i);
    if (!d.valid) return i;
    i += d.size;
  }
  return s.size();
}

/// Whether the brackets of `body` (outside JSON strings) nest deeper than `max_depth`. A cheap pre-scan
/// that bounds the work of the real parser; it does not check the syntax.
[[nodiscard]] inline bool nests_deeper_than(std::string_view body, std::size_t max_depth) noexcept {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

/// Parses and validates a request body for `kind`. Never throws except `std::bad_alloc`.
[[nodiscard]] inline parsed_request parse_request(std::string_view body, request_kind kind,
                                                  const request_limits& limits = {}) {
  if (body.size() > limits.max_body_bytes)
    return reject(413, "the request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  if (body.empty()) return reject(400, "the request body is empty; expected a JSON object");
  if (const std::size_t bad = first_invalid_utf8(body); bad != body.size())
    return reject(400,
                  "the request body is not valid UTF-8 (first invalid byte at offset " + std::to_string(bad) + ")");
  if (nests_deeper_than(body, limits.max_depth))
    return reject(400, "the JSON nests deeper than " + std::to_string(limits.max_depth) + " levels");

  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {  // parse_error; out_of_range for a number overflow
    return reject(400, "malformed JSON: " + bounded_json_error(e.what()));
  }
  if (!doc.is_object()) return reject(400, "the request body must be a JSON object");

  parsed_request out;
  if (kind == request_kind::single) {
    const auto it = doc.find("text");
    if (it == doc.end()) return reject(400, "missing member \"text\" (a string)");
    if (!it->is_string()) return reject(400, "member \"text\" must be a string");
    out.texts.push_back(std::move(it->get_ref<std::string&>()));
  } else {
    const auto it = doc.find("texts");
    if (it == doc.end()) return reject(400, "missing member \"texts\" (an array of strings)");
    if (!it->is_array()) return reject(400, "member \"texts\" must be an array of strings");
    if (it->size() > limits.max_batch_texts)
      return reject(413, "a batch holds at most " + std::to_string(limits.max_batch_texts) + " texts");
    out.texts.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto& t = (*it)[i];
      if (!t.is_string()) return reject(400, "\"texts\"[" + std::to_string(i) + "] must be a string");
      out.texts.push_back(std::move(t.get_ref<std::string&>()));
    }
  }
  // The JSON parser only yields valid UTF-8; checked again because everything downstream relies on it.
  for (std::size_t i = 0; i < out.texts.size(); ++i)
    if (first_invalid_utf8(out.texts[i]) != out.texts[i].size())
      return reject(400, "text " + std::to_string(i) + " is not valid UTF-8");
  return out;
}

}  // namespace lexzone::ner_service
