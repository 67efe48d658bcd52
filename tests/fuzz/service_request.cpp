// Fuzz target `service_request`: the request parsing of the ner_service example, from the bytes a client
// sends on a connection to the texts the model gets, and the JSON the service writes back.
//
// The input is used twice:
// 1. As the bytes of one connection: up to 4 pipelined requests read by `request_parser`
//    (examples/ner_service/http_parser.hpp, Boost.Beast's parser with the service's limits and framing
//    rules), with the default limits and with small ones (request line 64, header 256 bytes, 8 fields,
//    body 512 bytes). The bytes are fed as the server reads them: the header first, then the body, and
//    once all at once, once in pieces of 1 to 64 bytes (the size taken from the input): both must give
//    the same requests (head, decoded body) and the same refusal (or, for a malformed header that never
//    ends, a refusal one way and a wait for more bytes the other). Each refusal is one of the documented
//    statuses (400 413 414 415 417 431) and the read stops there (the server closes the connection); a
//    refused request is a HEAD for is_head_request exactly when its bytes start with "HEAD "; a body never
//    exceeds the limit, as sent or decoded.
// 2. As one request body for `parse_request` (examples/ner_service/request.hpp), for both endpoints, with
//    the default limits and with small ones (256 bytes, 4 texts, depth 4): status 200 with valid UTF-8
//    texts, exactly those nlohmann_json reads from the body, or 400 / 413 / 415 with a message that makes a
//    valid JSON error body. Oversized bodies give 413, empty or invalid UTF-8 ones 400. The texts of a
//    valid body then go through `result_writer` (examples/ner_service/response.hpp) as entities: its
//    output is valid JSON that reads back as the same texts.
// Never an exception (but std::bad_alloc), never another status.
#include <lexzone/unicode/utf8.hpp>
#include <ner_service/http_parser.hpp>
#include <ner_service/request.hpp>
#include <ner_service/response.hpp>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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

// ---- 1. the connection ---------------------------------------------------------------------------------

// What reading one connection's bytes gave: the requests read in full, then how the read ended.
struct request_seen {
  std::string method, target, body;
  int version = 0;
  bool keep_alive = false, chunked = false;
  std::optional<std::uint64_t> content_length;
  svc::content_coding coding = svc::content_coding::identity;

  bool operator==(const request_seen&) const = default;
};
struct connection_seen {
  std::vector<request_seen> requests;
  int refusal = 0;          // the status of the refusal that ended the read, 0 for none
  bool incomplete = false;  // the bytes ended inside a request

  bool operator==(const connection_seen&) const = default;
};

// Reads `bytes` as the server does, `piece` bytes at a time (0: all at once).
connection_seen read_connection(std::string_view bytes, const svc::http_limits& limits, std::size_t piece) {
  connection_seen seen;
  std::string buffer;  // received, not yet consumed by the parser
  std::size_t fed = 0;
  auto more = [&] {
    if (fed == bytes.size()) return false;
    const std::size_t n = piece == 0 ? bytes.size() - fed : std::min(piece, bytes.size() - fed);
    buffer.append(bytes.substr(fed, n));
    fed += n;
    return true;
  };
  for (int r = 0; r < 4; ++r) {
    // Empty lines before a request are skipped, as the server does.
    for (;;) {
      while (buffer.size() < 2 && more()) {
      }
      if (buffer.size() >= 2 && buffer.compare(0, 2, "\r\n") == 0) {
        buffer.erase(0, 2);
        continue;
      }
      break;
    }
    if (buffer.empty() && !more()) return seen;
    const std::string_view request_bytes = bytes.substr(fed - buffer.size());  // this request and what follows
    svc::request_parser parser(limits);
    std::string body;
    svc::budget_lease lease;  // no budget: the parser alone bounds the body
    parser.eager(false);
    bool body_phase = false;
    std::size_t header_bytes = 0;  // consumed by the parser for the header (the server's read_header reports it)
    for (;;) {
      boost::beast::error_code ec;
      const std::size_t used = buffer.empty() ? 0 : parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      if (!body_phase) header_bytes += used;
      if (!ec && parser.is_header_done() && !body_phase) {  // the server reads the body with its own target
        // The parser consumed exactly the header, up to and including the empty line that ends it, however
        // the bytes arrived: counted here from the raw input, independently of the parser's counts.
        const std::size_t end = request_bytes.find("\r\n\r\n");
        FUZZ_CHECK(end != std::string_view::npos && header_bytes == end + 4);
        const auto f = svc::header_too_large(header_bytes, limits);  // as the server checks it
        FUZZ_CHECK(f.has_value() == (end + 4 > limits.max_header_bytes));
        if (f) {
          FUZZ_CHECK(f->status == 431);
          seen.refusal = f->status;
          return seen;
        }
        body_phase = true;
        parser.set_body_target(body, lease);
        parser.eager(true);
        if (parser.is_done()) break;
        continue;
      }
      if (buffer.empty() && !ec && !parser.is_done()) ec = boost::beast::http::error::need_more;
      if (!ec && parser.is_done()) break;
      if (ec == boost::beast::http::error::need_more) {
        if (more()) continue;
        seen.incomplete = true;
        return seen;
      }
      if (ec) {
        const svc::read_failure f = svc::failure_for(ec, parser, buffer, limits);
        FUZZ_CHECK(f.status == 400 || f.status == 413 || f.status == 414 || f.status == 415 || f.status == 417 ||
                   f.status == 431);
        FUZZ_CHECK(!f.reason.empty());
        if (parser.refusal() != 0) FUZZ_CHECK(f.status == parser.refusal());
        // The server answers a HEAD without a body, also when the parser refused its request line.
        FUZZ_CHECK(svc::is_head_request(parser, buffer) == request_bytes.starts_with("HEAD "));
        seen.refusal = f.status;
        return seen;
      }
    }
    const svc::request_head& h = parser.head();
    FUZZ_CHECK(parser.payload_bytes() <= limits.max_body_bytes);
    FUZZ_CHECK(parser.body().size() <= limits.max_body_bytes);
    FUZZ_CHECK(h.target.size() + h.method_text.size() <= limits.max_request_line);
    FUZZ_CHECK(h.coding != svc::content_coding::unsupported || !h.has_body());
    if (h.coding == svc::content_coding::identity && h.content_length)
      FUZZ_CHECK(parser.body().size() == *h.content_length);
    FUZZ_CHECK(!h.path().empty() || h.target == "*" || svc::url_scheme_length(h.target) != 0);
    request_seen q;
    q.method = h.method_text;
    q.target = h.target;
    q.body = parser.body();
    q.version = h.version;
    q.keep_alive = h.keep_alive;
    q.chunked = h.chunked;
    q.content_length = h.content_length;
    q.coding = h.coding;
    seen.requests.push_back(std::move(q));
  }
  return seen;
}

void check_connection(std::string_view bytes, const svc::http_limits& limits, std::size_t piece) {
  const connection_seen whole = read_connection(bytes, limits, 0);
  const connection_seen pieces = read_connection(bytes, limits, piece);
  FUZZ_CHECK(whole.requests == pieces.requests);
  // Beast parses a header once its end has arrived, or as soon as it has the bytes: a malformed header
  // that never ends is refused from all the bytes at once but waited for (incomplete) when they come in
  // pieces. Either way nothing after it is read.
  const bool same_end = whole.refusal == pieces.refusal && whole.incomplete == pieces.incomplete;
  const bool refused_or_waiting =
      (whole.incomplete && pieces.refusal != 0) || (pieces.incomplete && whole.refusal != 0);
  // Having part of a malformed start line, Beast waits for the end of the header before parsing it again,
  // so bytes in pieces can reach the header limit (414, 431) where all at once they are refused for their
  // syntax: only when there are enough bytes for the limit.
  const auto limit = [](int status) { return status == 414 || status == 431; };
  const bool refused_or_limit =
      bytes.size() >= limits.max_header_bytes &&
      ((whole.refusal != 0 && limit(pieces.refusal)) || (pieces.refusal != 0 && limit(whole.refusal)));
  FUZZ_CHECK(same_end || refused_or_waiting || refused_or_limit);
}

// ---- 2. the body ---------------------------------------------------------------------------------------

// Writes each text as one entity spanning it (label "L", id "i" for odd ones).
void check_writer(const std::vector<std::string>& texts, bool batch) {
  std::string out;
  svc::result_writer w(out, batch, std::size_t{1} << 30);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    svc::entity_view e;
    e.text = texts[i];
    e.label = "L";
    if (i % 2 == 1) e.id = "i";
    e.end_char = lexzone::unicode::length(texts[i]);
    w.entity(e);
    w.end_text(i);
    if (!batch) break;
  }
  if (!batch && texts.empty()) return;
  w.finish();
  const auto doc = nlohmann::json::parse(out, nullptr, false);
  FUZZ_CHECK(doc.is_object());
  const auto& results = batch ? doc["results"] : doc;
  for (std::size_t i = 0; i < (batch ? texts.size() : 1); ++i) {
    const auto& r = batch ? results[i] : results;
    FUZZ_CHECK(r["ents"].size() == 1 && r["tokens"] == i);
    const auto& e = r["ents"][0];
    FUZZ_CHECK(e["text"].get_ref<const std::string&>() == texts[i]);
    FUZZ_CHECK(e["label"] == "L" && e.contains("id") == (i % 2 == 1) && e["start_char"] == 0);
  }
}

void check_body(std::string_view body, svc::request_kind kind, const svc::request_limits& limits) {
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
    const auto parsed = nlohmann::json::parse(svc::error_json(r.error), nullptr, false);
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
  check_writer(r.texts, kind == svc::request_kind::batch);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  svc::http_limits small_http;
  small_http.max_request_line = 64;
  small_http.max_header_bytes = 256;
  small_http.max_headers = 8;
  small_http.max_body_bytes = 512;
  const std::size_t piece = size == 0 ? 1 : 1 + data[size - 1] % 64;
  check_connection(bytes, svc::http_limits{}, piece);
  check_connection(bytes, small_http, piece);

  svc::request_limits small;
  small.max_body_bytes = 256;
  small.max_batch_texts = 4;
  small.max_depth = 4;
  for (const auto kind : {svc::request_kind::single, svc::request_kind::batch}) {
    check_body(bytes, kind, svc::request_limits{});
    check_body(bytes, kind, small);
  }
  return 0;
}
