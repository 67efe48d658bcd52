// ner_service: the JSON answers of /v1/ner and /v1/ner/batch, written straight into the response buffer as
// the model reports entities (no intermediate JSON tree, no copy of each entity), with a byte cap.
//
//   /v1/ner         {"ents":[E,...],"tokens":N}                    (+ "truncated":true when cut)
//   /v1/ner/batch   {"results":[{"ents":[...],"tokens":N},...]}
//   E               {"end_char":N,"id":"...","label":"...","start_char":N,"text":"..."}   ("id" if any)
//
// Members are in the order nlohmann_json writes them (sorted), as the service always answered. When the
// entities would take the buffer past `cap` bytes, that entity and every later one are left out and each
// text from there on carries "truncated": true; the texts' other members are always written (at most
// 64 bytes a text more).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include <lexzone/unicode/utf8.hpp>

#include "ner_service/model.hpp"

namespace lexzone::ner_service {

/// Appends `s` as a JSON string, quotes included: '"', '\\' and control characters escaped as
/// nlohmann_json escapes them (\b \f \n \r \t, others \u00XX), other bytes as they are (UTF-8), each
/// invalid UTF-8 byte as U+FFFD. Throws: std::bad_alloc.
inline void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  auto flush = [&](std::size_t end) { out.append(s.data() + plain, end - plain); };
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x80) {
      const auto d = unicode::decode(s, i);
      if (d.valid) {
        i += d.size;
        continue;
      }
      flush(i);
      out.append("\xEF\xBF\xBD");
      plain = ++i;
      continue;
    }
    if (b >= 0x20 && b != '"' && b != '\\') {
      ++i;
      continue;
    }
    flush(i);
    switch (b) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(b));
        out.append(esc);
      }
    }
    plain = ++i;
  }
  flush(s.size());
  out.push_back('"');
}

/// The body of an error response: {"error":"..."}. Throws: std::bad_alloc.
[[nodiscard]] inline std::string error_json(std::string_view why) {
  std::string out = "{\"error\":";
  append_json_string(out, why);
  out.push_back('}');
  return out;
}

/// Writes a /v1/ner or /v1/ner/batch answer into `out` (appended) as a result_sink.
/// Thread safety: none (one request). Throws: std::bad_alloc.
class result_writer final : public result_sink {
 public:
  /// `batch`: the /v1/ner/batch form; `cap`: the byte cap on `out` for entities (see the file comment).
  result_writer(std::string& out, bool batch, std::size_t cap) : out_(out), batch_(batch), cap_(cap) {
    out_.append(batch_ ? "{\"results\":[{\"ents\":[" : "{\"ents\":[");
  }

  void entity(const entity_view& e) override {
    if (truncated_) return;
    const std::size_t before = out_.size();
    if (!first_entity_) out_.push_back(',');
    out_.append("{\"end_char\":").append(std::to_string(e.end_char));
    if (!e.id.empty()) {
      out_.append(",\"id\":");
      append_json_string(out_, e.id);
    }
    out_.append(",\"label\":");
    append_json_string(out_, e.label);
    out_.append(",\"start_char\":").append(std::to_string(e.start_char)).append(",\"text\":");
    append_json_string(out_, e.text);
    out_.push_back('}');
    if (out_.size() > cap_) {
      out_.resize(before);
      truncated_ = true;
      return;
    }
    first_entity_ = false;
    ++entities_;
  }

  void end_text(std::size_t tokens) override {
    out_.append("],\"tokens\":").append(std::to_string(tokens));
    if (truncated_) out_.append(",\"truncated\":true");
    out_.push_back('}');
    if (batch_) out_.append(",{\"ents\":[");
    first_entity_ = true;
    ++texts_;
  }

  /// Closes the JSON document. Call once, after the last text.
  void finish() {
    if (batch_) {
      // Drop the opening of the text that never came: ",{\"ents\":[" (or "{\"ents\":[" when no text at all).
      out_.resize(out_.size() - (texts_ == 0 ? 9 : 10));
      out_.append("]}");
    }
  }

  [[nodiscard]] bool truncated() const noexcept { return truncated_; }
  /// Entities written (those left out by the cap are not counted).
  [[nodiscard]] std::size_t entities() const noexcept { return entities_; }

 private:
  std::string& out_;
  const bool batch_;
  const std::size_t cap_;
  bool first_entity_ = true, truncated_ = false;
  std::size_t texts_ = 0, entities_ = 0;
};

}  // namespace lexzone::ner_service
