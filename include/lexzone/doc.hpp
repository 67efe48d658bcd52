/// \file doc.hpp
/// `basic_doc` (the tokens and entities of one text), its light views `token` and `span`, and
/// `owned_doc`, plain data that outlives every zone and serialises to JSON without the vocab.
///
/// Lifetime: a doc made through a zone belongs to that zone: its tokens refer to the zone's lexemes, so
/// the doc (and every `token` and `span` view of it) must not be used after the zone closes. Checked
/// builds (`LEXZONE_CHECKED`) detect such use and report it as `zone_closed` ("doc", "token", "span").
/// A doc made on the vocab itself (no zone) lives as long as the vocab. `to_owned()` copies everything
/// out while the zone is open. Views (`token`, `span`) borrow the doc: they end when the doc is destroyed
/// or modified.
/// Thread safety: a doc is a value; concurrent reads are safe, writes need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"
#include "detail/zone_registry.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "lexeme.hpp"
#include "unicode/utf8.hpp"

namespace lexzone {

/// One token of an `owned_doc`. Offsets: bytes into the UTF-8 text, and characters (code points, as
/// spaCy reports them; each invalid UTF-8 byte counts as one character).
struct owned_token {
  std::string text;
  std::size_t start_byte = 0, end_byte = 0;
  std::size_t start_char = 0, end_char = 0;
  bool space_after = false;
};

/// One entity of an `owned_doc`; `start_token`/`end_token` index `owned_doc::tokens` (end exclusive).
struct owned_entity {
  std::string text, label, id;
  std::size_t start_token = 0, end_token = 0;
  std::size_t start_byte = 0, end_byte = 0;
  std::size_t start_char = 0, end_char = 0;
};

namespace detail {
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const auto d = unicode::decode(s, i);
      if (d.valid) {
        out.append(s.substr(i, d.size));
      } else {
        out.append("\\ufffd");  // JSON must be valid UTF-8: an invalid byte becomes U+FFFD
      }
      i += d.size;
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}
}  // namespace detail

/// The result of processing one text, as plain owned data: valid after every zone closes.
struct owned_doc {
  std::string text;
  std::vector<owned_token> tokens;
  std::vector<owned_entity> ents;

  /// `{"text": ..., "tokens": [{"text","start_char","end_char","ws"}...], "ents": [{"text","label",
  /// "start_char","end_char"[,"id"]}...]}`; invalid UTF-8 bytes are written as U+FFFD.
  /// Complexity: O(size). Throws: `std::bad_alloc`.
  [[nodiscard]] std::string to_json() const {
    std::string out;
    out.reserve(text.size() * 3 + 64);
    out.append("{\"text\":");
    detail::append_json_string(out, text);
    out.append(",\"tokens\":[");
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const auto& t = tokens[i];
      if (i != 0) out.push_back(',');
      out.append("{\"text\":");
      detail::append_json_string(out, t.text);
      out.append(",\"start_char\":" + std::to_string(t.start_char) + ",\"end_char\":" + std::to_string(t.end_char) +
                 ",\"ws\":" + (t.space_after ? "true" : "false") + "}");
    }
    out.append("],\"ents\":[");
    for (std::size_t i = 0; i < ents.size(); ++i) {
      const auto& e = ents[i];
      if (i != 0) out.push_back(',');
      out.append("{\"text\":");
      detail::append_json_string(out, e.text);
      out.append(",\"label\":");
      detail::append_json_string(out, e.label);
      out.append(",\"start_char\":" + std::to_string(e.start_char) + ",\"end_char\":" + std::to_string(e.end_char));
      if (!e.id.empty()) {
        out.append(",\"id\":");
        detail::append_json_string(out, e.id);
      }
      out.push_back('}');
    }
    out.append("]}");
    return out;
  }
};

template <class Vocab>
class basic_doc;

/// A view of token `i` of a doc. Cheap to copy. Lifetime: the doc's (and the doc's zone's).
template <class Vocab>
class LEXZONE_VIEW_TYPE basic_token {
 public:
  using lexeme_type = typename Vocab::lexeme_type;

  basic_token(const basic_doc<Vocab>& doc LEXZONE_LIFETIMEBOUND, std::size_t i) noexcept : doc_(&doc), i_(i) {}

  /// Index in the doc.
  [[nodiscard]] std::size_t i() const noexcept { return i_; }
  /// The token's lexeme. Throws: `zone_closed` (checked builds).
  [[nodiscard]] const lexeme_type& lex() const { return *data().lex; }
  /// The token's text (a view of the lexeme's text). Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::string_view text() const { return data().lex->text(); }
  [[nodiscard]] hash_t orth() const { return data().lex->orth; }
  /// Byte offset of the token in the doc's text.
  [[nodiscard]] std::size_t idx() const { return data().idx; }
  /// Character (code point) offset of the token in the doc's text, as spaCy's `Token.idx`.
  [[nodiscard]] std::size_t char_idx() const { return data().char_idx; }
  /// Whether one space follows the token and belongs to it (spaCy's `whitespace_ == " "`).
  [[nodiscard]] bool whitespace() const { return data().space; }
  /// The token's norm: a tokenizer exception's NORM when one applied, else the lexeme's norm.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  [[nodiscard]] hash_t norm() const
    requires requires(const lexeme_type& l) { l.attrs.norm; }
  {
    // clang-format on
    const auto& d = data();
    return d.norm != 0 ? d.norm : d.lex->attrs.norm;
  }

 private:
  const auto& data() const { return doc_->token_data(i_); }
  const basic_doc<Vocab>* doc_;
  std::size_t i_;
};

/// A view of tokens [start, end) of a doc, with a label and an optional id (entities). Lifetime: the doc's.
template <class Vocab>
class LEXZONE_VIEW_TYPE basic_span {
 public:
  basic_span(const basic_doc<Vocab>& doc LEXZONE_LIFETIMEBOUND, std::size_t start, std::size_t end, hash_t label = 0,
             hash_t id = 0) noexcept
      : doc_(&doc), start_(start), end_(end), label_(label), id_(id) {}

  [[nodiscard]] std::size_t start() const noexcept { return start_; }
  [[nodiscard]] std::size_t end() const noexcept { return end_; }
  [[nodiscard]] std::size_t size() const noexcept { return end_ - start_; }
  [[nodiscard]] hash_t label() const noexcept { return label_; }
  [[nodiscard]] hash_t id() const noexcept { return id_; }
  [[nodiscard]] basic_token<Vocab> operator[](std::size_t k) const noexcept { return {*doc_, start_ + k}; }
  /// The text the span covers, inner whitespace included (a view into the doc's text).
  [[nodiscard]] std::string_view text() const { return doc_->span_text(start_, end_); }
  [[nodiscard]] std::size_t start_char() const { return doc_->start_char(start_); }
  [[nodiscard]] std::size_t end_char() const { return doc_->end_char(end_); }

 private:
  const basic_doc<Vocab>* doc_;
  std::size_t start_, end_;
  hash_t label_, id_;
};

/// The tokens of one text and their annotations (entities).
///
/// Made by a tokenizer (see concepts.hpp); components annotate it. Owns a copy of the text; tokens
/// refer to lexemes of the vocab layer they were made in (see the file comment for lifetimes).
template <class Vocab>
// NOLINTNEXTLINE(cppcoreguidelines-special-member-functions): operator=(basic_doc) assigns copies and moves
class basic_doc {
 public:
  using vocab_type = Vocab;
  using lexeme_type = typename Vocab::lexeme_type;
  using token = basic_token<Vocab>;
  using span = basic_span<Vocab>;

  /// Raw token record (for tokenizers). `norm` = 0 means "the lexeme's norm".
  struct token_record {
    const lexeme_type* lex;
    std::uint32_t idx;
    std::uint32_t char_idx;
    hash_t norm;
    bool space;
  };
  /// Raw entity record.
  struct entity_record {
    std::uint32_t start, end;
    hash_t label, id;
  };

  basic_doc() = default;

  /// An empty doc over `vocab` for `text`. `zone_sentinel` (checked builds; nullptr when made on the
  /// permanent layer) ties the doc to its zone. Throws: `std::bad_alloc`.
  basic_doc(Vocab& vocab, std::string_view text, detail::zone_sentinel* sentinel = nullptr)
      : vocab_(&vocab), text_(text) {
    set_sentinel(sentinel);
  }

  basic_doc(const basic_doc& o) : vocab_(o.vocab_), text_(o.text_), tokens_(o.tokens_), ents_(o.ents_) {
    set_sentinel(o.sentinel_);
  }
  basic_doc(basic_doc&& o) noexcept
      : vocab_(o.vocab_), text_(std::move(o.text_)), tokens_(std::move(o.tokens_)), ents_(std::move(o.ents_)),
        sentinel_(std::exchange(o.sentinel_, nullptr)) {}
  basic_doc& operator=(basic_doc o) noexcept {
    swap(o);
    return *this;
  }
  ~basic_doc() { set_sentinel(nullptr); }

  void swap(basic_doc& o) noexcept {
    std::swap(vocab_, o.vocab_);
    text_.swap(o.text_);
    tokens_.swap(o.tokens_);
    ents_.swap(o.ents_);
    std::swap(sentinel_, o.sentinel_);
  }

  /// The text, exactly as given. Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::string_view text() const LEXZONE_LIFETIMEBOUND {
    check("doc");
    return text_;
  }
  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }
  [[nodiscard]] bool empty() const noexcept { return tokens_.empty(); }
  /// Token `i` (requires i < size()). Throws: `zone_closed` (checked builds).
  [[nodiscard]] token operator[](std::size_t i) const LEXZONE_LIFETIMEBOUND {
    check("doc");
    return token(*this, i);
  }
  /// The entities, in order, non-overlapping.
  [[nodiscard]] std::vector<span> ents() const {
    check("doc");
    std::vector<span> out;
    out.reserve(ents_.size());
    for (const auto& e : ents_) out.emplace_back(*this, e.start, e.end, e.label, e.id);
    return out;
  }
  [[nodiscard]] const std::vector<entity_record>& entity_records() const noexcept { return ents_; }
  [[nodiscard]] Vocab& vocab() const noexcept { return *vocab_; }

  /// True when the zone this doc was made in is still open (always true for permanent docs and in
  /// unchecked builds).
  [[nodiscard]] bool is_alive() const noexcept {
#if LEXZONE_CHECKED
    return sentinel_ == nullptr || sentinel_->alive.load(std::memory_order_acquire);
#else
    return true;
#endif
  }

  // --- building (tokenizers and components) ---
  // Not thread-safe (the doc is being written). Views taken before a call may be invalidated by it.

  /// Reserves room for `n` tokens. Complexity: O(n). Throws: `std::bad_alloc`.
  void reserve(std::size_t n) { tokens_.reserve(n); }
  /// Appends a token: `lex` must belong to the doc's scope (its zone, an enclosing zone or the permanent
  /// layer), so that it lives as long as the doc may be used; offsets are into `text()` (bytes, code
  /// points); `norm` is a permanent string id or 0. Complexity: amortised O(1). Throws: `std::bad_alloc`.
  void push_token(const lexeme_type& lex, std::size_t byte_idx, std::size_t char_idx, bool space, hash_t norm = 0) {
    tokens_.push_back(
        token_record{&lex, static_cast<std::uint32_t>(byte_idx), static_cast<std::uint32_t>(char_idx), norm, space});
  }
  /// Replaces the entities. Requires sorted, non-overlapping, in-range spans whose label and id are
  /// permanent strings (0 for no id). Complexity: O(1) (a move). Throws: `zone_closed` (checked builds).
  void set_ents(std::vector<entity_record> ents) {
    check("doc");
    ents_ = std::move(ents);
  }
  [[nodiscard]] const token_record& token_data(std::size_t i) const {
    check("token");
    return tokens_[i];
  }
  [[nodiscard]] std::span<const token_record> token_records() const {
    check("doc");
    return tokens_;
  }

  [[nodiscard]] std::string_view span_text(std::size_t start, std::size_t end) const {
    check("span");
    if (start >= end) return {};
    const std::size_t b = tokens_[start].idx;
    const std::size_t e = tokens_[end - 1].idx + tokens_[end - 1].lex->text_size;
    return std::string_view(text_).substr(b, e - b);
  }
  [[nodiscard]] std::size_t start_char(std::size_t tok) const {
    check("span");
    return tok < tokens_.size() ? tokens_[tok].char_idx : char_length();
  }
  [[nodiscard]] std::size_t end_char(std::size_t end_tok) const {
    check("span");
    if (end_tok == 0) return 0;
    const auto& t = tokens_[end_tok - 1];
    return t.char_idx + unicode::length(t.lex->text());
  }
  [[nodiscard]] std::size_t char_length() const { return unicode::length(text_); }

  /// Copies tokens and entities out as plain data, valid after the zone closes. `label_of(hash)` and
  /// the vocab's strings resolve labels (labels and ids are normally permanent strings).
  /// Complexity: O(text size + tokens). Throws: `zone_closed` (checked builds), `std::bad_alloc`.
  [[nodiscard]] owned_doc to_owned() const {
    check("doc");
    owned_doc out;
    out.text = text_;
    out.tokens.reserve(tokens_.size());
    for (const auto& t : tokens_) {
      owned_token o;
      o.text = std::string(t.lex->text());
      o.start_byte = t.idx;
      o.end_byte = t.idx + t.lex->text_size;
      o.start_char = t.char_idx;
      o.end_char = t.char_idx + unicode::length(t.lex->text());
      o.space_after = t.space;
      out.tokens.push_back(std::move(o));
    }
    for (const auto& e : ents_) {
      owned_entity o;
      o.start_token = e.start;
      o.end_token = e.end;
      if (e.start < e.end) {
        o.start_byte = out.tokens[e.start].start_byte;
        o.end_byte = out.tokens[e.end - 1].end_byte;
        o.start_char = out.tokens[e.start].start_char;
        o.end_char = out.tokens[e.end - 1].end_char;
      }
      o.text = text_.substr(o.start_byte, o.end_byte - o.start_byte);
      if (auto v = vocab_->strings().try_get(e.label)) o.label = std::string(*v);
      if (e.id != 0)
        if (auto v = vocab_->strings().try_get(e.id)) o.id = std::string(*v);
      out.ents.push_back(std::move(o));
    }
    return out;
  }

 private:
  void check(const char* what) const {
#if LEXZONE_CHECKED
    if (LEXZONE_UNLIKELY(!is_alive())) detail::report_zone_closed(what);
#else
    (void)what;
#endif
  }
  void set_sentinel(detail::zone_sentinel* s) noexcept {
#if LEXZONE_CHECKED
    if (s != nullptr) s->retain();
    if (sentinel_ != nullptr) sentinel_->release();
    sentinel_ = s;
#else
    (void)s;
#endif
  }

  Vocab* vocab_ = nullptr;
  std::string text_;
  std::vector<token_record> tokens_;
  std::vector<entity_record> ents_;
  detail::zone_sentinel* sentinel_ = nullptr;
};

}  // namespace lexzone
