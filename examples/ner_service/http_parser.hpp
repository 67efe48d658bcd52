// ner_service: the HTTP/1.1 request parser. Boost.Beast's basic_parser reads the syntax; this class adds
// lexzone's limits and framing rules, and decodes the body (gzip, deflate) into a buffer under a byte limit.
//
// No I/O here: the server feeds it bytes through Beast's read functions, the fuzzer (tests/fuzz/
// service_request.cpp) feeds it arbitrary bytes directly. Outcomes:
//   - the request line, longer than max_request_line                       414
//   - the header (request line and fields), more than max_header_bytes     431 (Beast's header_limit on the
//     bytes not yet consumed, and `header_too_large` on the bytes the parser consumed for the header: Beast
//     1.81 forgets what earlier put() calls consumed, so a header in pieces could reach twice the limit)
//   - more than max_headers fields (trailer fields count too)              431
//   - framing: two Content-Length fields, a Content-Length that is not a plain number, Transfer-Encoding
//     other than exactly "chunked" (also on HTTP/1.0), Content-Length with chunked, no or several Host
//     fields on HTTP/1.1, malformed syntax or chunks                    400
//   - the target * (asterisk-form) with a method other than OPTIONS       400
//   - body payload as received, or after decoding, over max_body_bytes; chunk framing (extensions,
//     chunk headers) over max_body_bytes / 16 + 4 KiB                     413
//   - a compressed body that does not decode, or is cut short             400
//   - an Expect other than 100-continue                                    417
//   - the body's memory refused by the budget                              503
// Each of these answers has no body when the request is a HEAD (is_head_request), whatever the parser
// read of it.
// Content-Encoding and Content-Type are recorded, not judged: the server answers 415 on the routes that
// take a body (a coding other than identity, gzip, x-gzip and deflate; multipart/form-data).
#pragma once

#include <zlib.h>

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ner_service/budget.hpp"
#include "ner_service/limits.hpp"
#include "ner_service/quote.hpp"

namespace lexzone::ner_service {

namespace beast_http = boost::beast::http;

/// The Content-Encoding of a request body.
enum class content_coding { identity, gzip, deflate, unsupported };

/// What a request's header said, as the server needs it.
struct request_head {
  beast_http::verb method = beast_http::verb::unknown;
  std::string method_text;
  std::string target;  // as received (bounded by max_request_line)
  int version = 11;
  bool keep_alive = false;
  bool chunked = false;
  std::optional<std::uint64_t> content_length;
  content_coding coding = content_coding::identity;
  std::string coding_text;  // the Content-Encoding values, ", "-joined, for the 415 message (quote_excerpt it)
  bool expect_continue = false;
  bool multipart = false;

  /// Whether a body follows the header (chunked, or a Content-Length above 0).
  [[nodiscard]] bool has_body() const noexcept { return chunked || (content_length && *content_length > 0); }

  /// The path of the target: origin-form up to '?' or '#'; for absolute-form, after the authority.
  [[nodiscard]] std::string_view path() const noexcept;
};

/// ASCII case-insensitive equality.
[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

/// `s` without leading and trailing spaces and tabs.
[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The length of the "http://" or "https://" (any case) that `target` starts with, or 0.
[[nodiscard]] inline std::size_t url_scheme_length(std::string_view target) noexcept {
  for (const std::string_view scheme : {std::string_view("http://"), std::string_view("https://")})
    if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) return scheme.size();
  return 0;
}

inline std::string_view request_head::path() const noexcept {
  std::string_view t = target;
  if (const std::size_t n = url_scheme_length(t); n != 0) {
    t.remove_prefix(n);
    const std::size_t slash = t.find('/');
    t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
  }
  return t.substr(0, t.find_first_of("?#"));
}

/// The request parser: one per request (Beast parsers are not reusable).
/// Thread safety: none (one connection's reads). Throws: std::bad_alloc (body growth).
class request_parser final : public beast_http::basic_parser<true> {
 public:
  explicit request_parser(const http_limits& limits) : limits_(limits) {
    header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
    body_limit(boost::none);  // enforced below, on the payload and on the decoded body
  }
  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;
  request_parser(request_parser&&) = delete;
  request_parser& operator=(request_parser&&) = delete;
  ~request_parser() override {
    if (inflating_) inflateEnd(&z_);
  }

  [[nodiscard]] const request_head& head() const noexcept { return head_; }
  /// 0, or the HTTP status the parser decided to refuse the request with (see the file comment).
  [[nodiscard]] int refusal() const noexcept { return refusal_; }
  [[nodiscard]] const std::string& refusal_reason() const noexcept { return refusal_reason_; }
  /// Whether the request line was read (Beast parses it before the header fields).
  [[nodiscard]] bool got_request_line() const noexcept { return !head_.method_text.empty(); }
  /// Body payload bytes received so far, before decoding.
  [[nodiscard]] std::size_t payload_bytes() const noexcept { return payload_; }

  /// Where the decoded body goes: appended to `body` (emptied here), whose capacity `lease` holds (grown
  /// with the body; when the budget refuses, the request gets 503). Without a call, an internal buffer
  /// without budget is used (the fuzzer). Call before the body is parsed.
  void set_body_target(std::string& body, budget_lease& lease) noexcept {
    body.clear();
    body_ = &body;
    lease_ = &lease;
  }
  /// The decoded body (valid once is_done()).
  [[nodiscard]] const std::string& body() const noexcept { return body_ != nullptr ? *body_ : own_body_; }

 private:
  void refuse(int status, std::string why, boost::beast::error_code& ec) {
    if (refusal_ == 0) {
      refusal_ = status;
      refusal_reason_ = std::move(why);
    }
    ec = beast_http::error::bad_value;  // stops Beast; refusal() tells the real outcome
  }

  void on_request_impl(beast_http::verb method, boost::beast::string_view method_str, boost::beast::string_view target,
                       int version, boost::beast::error_code& ec) override {
    // "METHOD SP TARGET SP HTTP/1.1": the version token is 8 bytes.
    if (method_str.size() + target.size() + 10 > limits_.max_request_line) {
      refuse(414, "the request line is longer than " + std::to_string(limits_.max_request_line) + " bytes", ec);
      return;
    }
    head_.method = method;
    head_.method_text.assign(method_str.data(), method_str.size());
    head_.target.assign(target.data(), target.size());
    head_.version = version;
    const std::string_view t(target.data(), target.size());
    if (t == "*") {  // asterisk-form: the server as a whole, for OPTIONS only (RFC 9112 3.2.4)
      if (method != beast_http::verb::options)
        refuse(400, "the request target * (asterisk-form) is for OPTIONS only", ec);
    } else if (t.empty() || (t[0] != '/' && url_scheme_length(t) == 0)) {
      refuse(400, "the request target must be a path (origin-form), an absolute URL, or * for OPTIONS", ec);
    }
  }

  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code& ec) override {
    ec = beast_http::error::bad_version;  // never called for requests
  }

  void on_field_impl(beast_http::field name, boost::beast::string_view, boost::beast::string_view value_bsv,
                     boost::beast::error_code& ec) override {
    if (++fields_ > limits_.max_headers) {
      refuse(431, "more than " + std::to_string(limits_.max_headers) + " header fields", ec);
      return;
    }
    if (header_done_) {  // a trailer field after the last chunk: counted, bounded, otherwise ignored
      framing_ += value_bsv.size() + 4;
      check_framing(ec);
      return;
    }
    const std::string_view value(value_bsv.data(), value_bsv.size());
    using beast_http::field;
    switch (name) {
      case field::content_length:
        if (++content_lengths_ > 1) {
          refuse(400, "more than one Content-Length field", ec);
        } else if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos) {
          refuse(400, "Content-Length must be a decimal number", ec);
        }
        break;
      case field::transfer_encoding:
        if (!iequals(trim(value), "chunked")) {
          refuse(400, "Transfer-Encoding must be exactly \"chunked\"", ec);
        } else if (head_.version < 11) {
          refuse(400, "Transfer-Encoding on an HTTP/1.0 request", ec);
        }
        break;
      case field::host: ++hosts_; break;
      case field::content_encoding: note_content_encoding(value); break;
      case field::content_type: {
        const std::string_view type = trim(value.substr(0, value.find(';')));
        if (iequals(type, "multipart/form-data")) head_.multipart = true;
        break;
      }
      case field::expect:
        if (head_.version < 11) break;  // an HTTP/1.0 request's Expect is ignored (RFC 9110 10.1.1)
        if (iequals(trim(value), "100-continue")) {
          head_.expect_continue = true;
        } else {
          refuse(417, "the only expectation supported is 100-continue", ec);
        }
        break;
      default: break;
    }
  }

  void note_content_encoding(std::string_view value) {
    if (!head_.coding_text.empty()) head_.coding_text += ", ";
    head_.coding_text.append(value);  // bounded by max_header_bytes; quoted in part (quote_excerpt)
    // A comma-separated list; identity entries mean nothing. One real coding at most is supported.
    std::size_t pos = 0;
    while (pos <= value.size()) {
      const std::size_t comma = std::min(value.find(',', pos), value.size());
      const std::string_view token = trim(value.substr(pos, comma - pos));
      pos = comma + 1;
      if (token.empty() || iequals(token, "identity")) continue;
      content_coding c = content_coding::unsupported;
      if (iequals(token, "gzip") || iequals(token, "x-gzip")) c = content_coding::gzip;
      if (iequals(token, "deflate")) c = content_coding::deflate;
      head_.coding = head_.coding == content_coding::identity ? c : content_coding::unsupported;
    }
  }

  void on_header_impl(boost::beast::error_code& ec) override {
    header_done_ = true;
    head_.keep_alive = keep_alive();
    head_.chunked = chunked();
    if (const auto n = content_length()) head_.content_length = *n;
    if (head_.version >= 11 && hosts_ != 1) refuse(400, "an HTTP/1.1 request needs exactly one Host field", ec);
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, boost::beast::error_code& ec) override {
    if (body_ == nullptr) {
      own_body_.clear();
      body_ = &own_body_;
    }
    if (content_length && *content_length > limits_.max_body_bytes) {
      refuse(413, too_large(), ec);
      return;
    }
    if (head_.coding == content_coding::gzip || head_.coding == content_coding::deflate) {
      // The decoder's memory counts in the budget until the body is decoded (`end_inflating`): without
      // it, every connection stalled in a compressed body held 52 KiB that no term of the formula counted.
      inflater_charge_ = lease_ != nullptr ? inflater_bytes : 0;
      if (!hold(body_->capacity(), ec)) return;
      z_ = z_stream{};
      // 15 + 32: a gzip or zlib header, detected (deflate is zlib-wrapped, RFC 9110)
      if (inflateInit2(&z_, 15 + 32) != Z_OK) {
        refuse(503, "cannot start decompression", ec);
        return;
      }
      inflating_ = true;
    } else if (head_.coding == content_coding::unsupported) {
      refuse(415, "unsupported Content-Encoding: " + quote_excerpt(head_.coding_text), ec);
    } else if (content_length) {
      // Not the declared size at once: a client that declares 1 MiB and sends one byte would hold 1 MiB of
      // the budget for nothing until the body deadline. The body grows with what arrives (see `grow`).
      declared_ = static_cast<std::size_t>(*content_length);
      grow(std::min(declared_, first_body_bytes), ec);
    }
  }

  std::size_t on_body_impl(boost::beast::string_view data, boost::beast::error_code& ec) override {
    take_payload(data, ec);
    return data.size();
  }

  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::beast::error_code& ec) override {
    framing_ += extensions.size() + 8;
    if (!check_framing(ec)) return;
    if (size > limits_.max_body_bytes - std::min(payload_, limits_.max_body_bytes)) refuse(413, too_large(), ec);
  }

  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view data, boost::beast::error_code& ec) override {
    take_payload(data, ec);
    return data.size();
  }

  void on_finish_impl(boost::beast::error_code& ec) override {
    if (body_ == nullptr) {  // no body at all
      own_body_.clear();
      body_ = &own_body_;
    }
    if (!inflating_) return;
    inflate_some(nullptr, 0, ec);
    if (!ec && !z_ended_) refuse(400, "the compressed body is cut short", ec);
    end_inflating();
  }

  // Frees the decoder once the body is whole, and its share of the budget, instead of when the parser
  // goes (after the response is written).
  void end_inflating() noexcept {
    if (inflating_) inflateEnd(&z_);
    inflating_ = false;
    if (lease_ != nullptr && inflater_charge_ != 0) lease_->force(body_->capacity());
    inflater_charge_ = 0;
  }

  bool check_framing(boost::beast::error_code& ec) {
    if (framing_ <= limits_.max_body_bytes / 16 + 4096) return true;
    refuse(413, "too much chunk framing (extensions, chunk headers or trailers)", ec);
    return false;
  }

  [[nodiscard]] std::string too_large() const {
    return "the request body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes";
  }

  void take_payload(boost::beast::string_view data, boost::beast::error_code& ec) {
    payload_ += data.size();
    if (payload_ > limits_.max_body_bytes) {
      refuse(413, too_large(), ec);
      return;
    }
    if (inflating_) {
      inflate_some(data.data(), data.size(), ec);
      return;
    }
    const std::size_t need = body_->size() + data.size();
    if (need > body_->capacity() && !grow(room_for(need), ec)) return;
    body_->append(data.data(), data.size());
  }

  // Makes the lease hold `body_room` bytes of body and the decoder's charge (the budget permitting); false,
  // with 503, when the budget refuses.
  bool hold(std::size_t body_room, boost::beast::error_code& ec) {
    if (lease_ == nullptr || lease_->resize(body_room + inflater_charge_)) return true;
    refuse(503, "the server holds too many request bodies at once; retry later", ec);
    return false;
  }

  // Makes room for exactly `n` bytes in the body (the budget permitting); false when refused.
  bool grow(std::size_t n, boost::beast::error_code& ec) {
    if (n <= body_->capacity()) return true;
    if (!hold(n, ec)) return false;
    // A fresh string reserved to `n` gets exactly that (the library's reserve on a string that has room
    // rounds up to twice its capacity).
    std::string room;
    room.reserve(n);
    room.append(*body_);
    body_->swap(room);
    if (lease_ != nullptr) lease_->force(body_->capacity() + inflater_charge_);
    return true;
  }

  // The room to make when `n` bytes of body do not fit: at least twice the room now, never past the
  // declared Content-Length. The budget then holds at most about twice what was received, and a body of
  // a declared length ends with exactly that capacity.
  [[nodiscard]] std::size_t room_for(std::size_t n) const noexcept {
    const std::size_t target = std::max(n, body_->capacity() * 2);
    return declared_ >= n ? std::min(target, declared_) : target;
  }

  // Inflates `n` bytes at `in` (none: flush what zlib holds) into the body, at most max_body_bytes.
  void inflate_some(const char* in, std::size_t n, boost::beast::error_code& ec) {
    // zlib's API takes a non-const input pointer but does not write through it.
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    z_.avail_in = static_cast<uInt>(n);
    const std::size_t cap = limits_.max_body_bytes + 1;  // one byte over: detects a body past the limit
    for (;;) {
      if (z_ended_) {
        if (z_.avail_in > 0) refuse(400, "data after the end of the compressed body", ec);
        return;
      }
      if (body_->size() >= cap) {
        refuse(413, too_large() + " once decompressed", ec);
        return;
      }
      if (body_->size() == body_->capacity()) {
        const std::size_t want =
            std::min(cap, std::max({body_->size() + 1, body_->capacity() * 2, std::size_t{16384}}));
        if (!grow(want, ec)) return;
      }
      const std::size_t old = body_->size();
      const std::size_t room = std::min(body_->capacity(), cap) - old;
      body_->resize(old + room);
      z_.next_out = reinterpret_cast<Bytef*>(body_->data() + old);
      z_.avail_out = static_cast<uInt>(room);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      body_->resize(old + room - z_.avail_out);
      if (rc == Z_STREAM_END) {
        z_ended_ = true;
        continue;
      }
      if (rc == Z_BUF_ERROR || (rc == Z_OK && z_.avail_in == 0 && z_.avail_out > 0)) return;  // needs input
      if (rc != Z_OK) {
        refuse(400, "the compressed body does not decode", ec);
        return;
      }
    }
  }

  const http_limits limits_;
  request_head head_;
  int refusal_ = 0;
  std::string refusal_reason_;
  std::size_t fields_ = 0, content_lengths_ = 0, hosts_ = 0;
  bool header_done_ = false;
  std::size_t payload_ = 0, framing_ = 0;
  std::string* body_ = nullptr;
  budget_lease* lease_ = nullptr;
  std::string own_body_;
  std::size_t declared_ = 0;  // the body's Content-Length (0: none, or chunked)
  // The room a body of a declared length gets before its bytes arrive (then `room_for`).
  static constexpr std::size_t first_body_bytes = std::size_t{16} * 1024;
  z_stream z_{};
  bool inflating_ = false, z_ended_ = false;
  std::size_t inflater_charge_ = 0;  // inflater_bytes in *lease_ while inflating with a lease, else 0
};

/// Whether the request whose read failed is a HEAD, whose answer then has no body (RFC 9110 9.3.2), errors
/// included. The parser knows the method once it took the request line; when it refused the line itself
/// (too long, malformed) or never got to its end, the line is still at the start of `buffered` (Beast
/// consumes the request line only once it is accepted), and its method token tells. Complexity: O(1).
/// Thread safety: reads its arguments only. Throws: nothing.
[[nodiscard]] inline bool is_head_request(const request_parser& parser, std::string_view buffered) noexcept {
  if (parser.got_request_line()) return parser.head().method == beast_http::verb::head;
  return buffered.starts_with("HEAD ");
}

/// How to answer a request whose read failed: a status (0: none, just close) and a message.
struct read_failure {
  int status = 0;
  std::string reason;
};

/// Whether a header the parser accepted after consuming `header_bytes` bytes for it (request line, fields,
/// the final CRLF: what Beast's read_header reports, or the sum of put()'s results until is_header_done())
/// is over the limit, and then the 431 to answer. Complexity: O(1). Throws: std::bad_alloc (the message).
[[nodiscard]] inline std::optional<read_failure> header_too_large(std::size_t header_bytes, const http_limits& limits) {
  if (header_bytes <= limits.max_header_bytes) return std::nullopt;
  return read_failure{431, "the request header is larger than " + std::to_string(limits.max_header_bytes) + " bytes"};
}

/// The answer to a failed read. `ec` is Beast's error; `buffered` the bytes of the request not consumed by
/// the parser (the start of the connection's read buffer): without a request line parsed, they tell an
/// overlong request line (414) from an overlong header (431).
[[nodiscard]] inline read_failure failure_for(const boost::beast::error_code& ec, const request_parser& parser,
                                              std::string_view buffered, const http_limits& limits) {
  if (parser.refusal() != 0) return {parser.refusal(), parser.refusal_reason()};
  if (ec == beast_http::error::end_of_stream || ec == beast_http::error::partial_message) return {};
  if (ec == beast_http::error::buffer_overflow && parser.is_header_done())
    return {413, "a chunk header or the trailer is too long"};
  if (ec == beast_http::error::header_limit || ec == beast_http::error::buffer_overflow) {
    if (!parser.got_request_line() && buffered.substr(0, limits.max_request_line).find('\n') == std::string_view::npos)
      return {414, "the request line is longer than " + std::to_string(limits.max_request_line) + " bytes"};
    return {431, "the request header is larger than " + std::to_string(limits.max_header_bytes) + " bytes"};
  }
  if (ec == beast_http::error::body_limit)
    return {413, "the request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes"};
  if (ec.category() == beast_http::make_error_code(beast_http::error::bad_method).category())
    return {400, "malformed request: " + ec.message()};
  return {};  // a socket error: the client is gone
}

}  // namespace lexzone::ner_service
