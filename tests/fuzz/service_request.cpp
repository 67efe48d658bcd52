// Fuzz target `service_request`: the request parsing of the ner_service example
// (examples/ner_service/request.hpp, `parse_request`) on arbitrary bytes.
//
// The whole input is one request body. It is parsed for both endpoints (/v1/ner and /v1/ner/batch), with
// the default limits and with small ones (256 bytes, 4 texts, depth 4) so that every limit is reached.
// Each result is either a request (status 200, no error message) whose texts are valid UTF-8 and are
// exactly what nlohmann_json reads from the body, or an error with status 400, 413 or 415 and a message;
// never an exception (but std::bad_alloc), never another status. The cheap checks come first in the
// parser, so their outcome is known from the bytes alone: a body over the size limit gives 413, an empty
// body or one with invalid UTF-8 gives 400. The error message makes a valid JSON error body.
#include <lexzone/unicode/utf8.hpp>
#include <ner_service/request.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <string_view>

namespace {

namespace svc = lexzone::ner_service;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "service_request: check failed at service_request.cpp:%d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond)                \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

void check(std::string_view body, svc::request_kind kind, const svc::request_limits& limits) {
  svc::parsed_request r;
  try {
    r = svc::parse_request(body, kind, limits);
  } catch (const std::bad_alloc&) {
    throw;  // libFuzzer reports it as out-of-memory
  } catch (const std::exception& e) {
    std::fprintf(stderr, "service_request: parse_request threw: %s\n", e.what());
    std::abort();
  }
  FUZZ_CHECK(r.status == 200 || r.status == 400 || r.status == 413 || r.status == 415);
  FUZZ_CHECK(r.ok() == (r.status == 200));

  // Outcomes known from the bytes alone (the parser checks these first, in this order).
  if (body.size() > limits.max_body_bytes) {
    FUZZ_CHECK(r.status == 413);
  } else if (body.empty() || !lexzone::unicode::is_valid(body)) {
    FUZZ_CHECK(r.status == 400);
  }

  if (!r.ok()) {
    FUZZ_CHECK(!r.error.empty());
    FUZZ_CHECK(r.texts.empty());
    const auto parsed = nlohmann::json::parse(svc::error_body(r.error), nullptr, false);
    FUZZ_CHECK(parsed.is_object() && parsed.size() == 1 && parsed.contains("error"));
    FUZZ_CHECK(parsed["error"].is_string() && !parsed["error"].get_ref<const std::string&>().empty());
    return;
  }

  FUZZ_CHECK(r.error.empty());
  FUZZ_CHECK(body.size() <= limits.max_body_bytes);
  for (const auto& t : r.texts) FUZZ_CHECK(lexzone::unicode::is_valid(t));
  // The texts are what the body holds: the same parser, read independently.
  const auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  FUZZ_CHECK(doc.is_object());
  if (kind == svc::request_kind::single) {
    FUZZ_CHECK(r.texts.size() == 1);
    FUZZ_CHECK(doc.contains("text") && doc["text"].is_string());
    FUZZ_CHECK(doc["text"].get_ref<const std::string&>() == r.texts[0]);
  } else {
    FUZZ_CHECK(r.texts.size() <= limits.max_batch_texts);
    FUZZ_CHECK(doc.contains("texts") && doc["texts"].is_array());
    const auto& texts = doc["texts"];
    FUZZ_CHECK(texts.size() == r.texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      FUZZ_CHECK(texts[i].is_string());
      FUZZ_CHECK(texts[i].get_ref<const std::string&>() == r.texts[i]);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  svc::request_limits small;
  small.max_body_bytes = 256;
  small.max_batch_texts = 4;
  small.max_depth = 4;
  for (const auto kind : {svc::request_kind::single, svc::request_kind::batch}) {
    check(body, kind, svc::request_limits{});
    check(body, kind, small);
  }
  return 0;
}
