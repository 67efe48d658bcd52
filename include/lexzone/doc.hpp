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

#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"
#include "detail/zone_registry.hpp"
#include "errors.hpp"
#include "hash.hpp"
#include "lexeme.hpp"
#include "scope.hpp"
#include "unicode/properties.hpp"
#include "unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// One token of an `owned_doc`. Offsets: bytes into the UTF-8 text, and characters (code points, as
/// spaCy reports them; each invalid UTF-8 byte counts as one character).
struct owned_token {
  std::string text;            ///< the token's text
  std::size_t start_byte = 0;  ///< byte offset of its start
  std::size_t end_byte = 0;    ///< byte offset one past its end
  std::size_t start_char = 0;  ///< character offset of its start (spaCy's `idx`)
  std::size_t end_char = 0;    ///< character offset one past its end
  bool space_after = false;    ///< one space follows and belongs to it (spaCy's `whitespace_ == " "`)
};

/// One entity of an `owned_doc`; `start_token`/`end_token` index `owned_doc::tokens` (end exclusive).
struct owned_entity {
  std::string text;             ///< the text it covers, inner whitespace included
  std::string label;            ///< its label ("PERSON", ...)
  std::string id;               ///< its pattern's id, or empty
  std::size_t start_token = 0;  ///< index of its first token
  std::size_t end_token = 0;    ///< index one past its last token
  std::size_t start_byte = 0;   ///< byte offset of its start
  std::size_t end_byte = 0;     ///< byte offset one past its end
  std::size_t start_char = 0;   ///< character offset of its start (spaCy's `start_char`)
  std::size_t end_char = 0;     ///< character offset one past its end (spaCy's `end_char`)
};

namespace detail {
// Appends `[item,item,...]`, each item written by `write(item)`.
template <class Items, class Write>
void append_json_array(std::string& out, const Items& items, Write&& write) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.push_back(',');
    write(items[i]);
  }
  out.push_back(']');
}

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
  std::string text;                 ///< the text, exactly as given
  std::vector<owned_token> tokens;  ///< the tokens, in order
  std::vector<owned_entity> ents;   ///< the entities, in order

  /// `{"text": ..., "tokens": [{"text","start_char","end_char","ws"}...], "ents": [{"text","label",
  /// "start_char","end_char"[,"id"]}...]}`; invalid UTF-8 bytes are written as U+FFFD.
  /// Complexity: O(size). Throws: `std::bad_alloc`.
  [[nodiscard]] std::string to_json() const {
    std::string out;
    out.reserve(text.size() * 3 + 64);
    out.append("{\"text\":");
    detail::append_json_string(out, text);
    out.append(",\"tokens\":");
    detail::append_json_array(out, tokens, [&](const owned_token& t) {
      out.append("{\"text\":");
      detail::append_json_string(out, t.text);
      out.append(",\"start_char\":" + std::to_string(t.start_char) + ",\"end_char\":" + std::to_string(t.end_char) +
                 ",\"ws\":" + (t.space_after ? "true" : "false") + "}");
    });
    out.append(",\"ents\":");
    detail::append_json_array(out, ents, [&](const owned_entity& e) {
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
    });
    out.push_back('}');
    return out;
  }
};

template <class Vocab>
class basic_doc;

namespace detail {
/// A random-access iterator over the positions 0..n of a range whose `at(i)` makes the element (a
/// view, returned by value). What `basic_doc`, `basic_span` and the entity range iterate with.
template <class Range, class Value>
class index_iterator {
 public:
  using value_type = Value;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::random_access_iterator_tag;
  using iterator_category = std::input_iterator_tag;  // elements are made on dereference (no reference)

  index_iterator() = default;
  index_iterator(const Range* r, std::size_t i) noexcept : r_(r), i_(i) {}

  /// What `operator->` returns: the element, held by value, so that `it->text()` works as `(*it).text()`.
  /// Complexity: O(1). Lifetime: the proxy is a temporary: the pointer its `operator->` returns lives to
  /// the end of the full expression (`it->text()`), and what the element refers to, while the doc does
  /// (the close of the doc's zone ends it). Thread safety: as the doc's. Throws: nothing (the iterator's
  /// `operator->` throws what `operator*` throws).
  class arrow_proxy {
   public:
    explicit arrow_proxy(Value v) : v_(std::move(v)) {}
    const Value* operator->() const noexcept { return &v_; }

   private:
    Value v_;
  };

  Value operator*() const { return r_->at(i_); }
  arrow_proxy operator->() const { return arrow_proxy(r_->at(i_)); }
  Value operator[](difference_type k) const {
    return r_->at(static_cast<std::size_t>(static_cast<difference_type>(i_) + k));
  }
  index_iterator& operator++() noexcept { return ++i_, *this; }
  index_iterator operator++(int) noexcept { return {r_, i_++}; }
  index_iterator& operator--() noexcept { return --i_, *this; }
  index_iterator operator--(int) noexcept { return {r_, i_--}; }
  index_iterator& operator+=(difference_type k) noexcept {
    i_ = static_cast<std::size_t>(static_cast<difference_type>(i_) + k);
    return *this;
  }
  index_iterator& operator-=(difference_type k) noexcept { return *this += -k; }
  friend index_iterator operator+(index_iterator it, difference_type k) noexcept { return it += k; }
  friend index_iterator operator+(difference_type k, index_iterator it) noexcept { return it += k; }
  friend index_iterator operator-(index_iterator it, difference_type k) noexcept { return it -= k; }
  friend difference_type operator-(const index_iterator& a, const index_iterator& b) noexcept {
    return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
  }
  friend bool operator==(const index_iterator& a, const index_iterator& b) noexcept { return a.i_ == b.i_; }
  friend auto operator<=>(const index_iterator& a, const index_iterator& b) noexcept { return a.i_ <=> b.i_; }

 private:
  const Range* r_ = nullptr;
  std::size_t i_ = 0;
};
}  // namespace detail

/// A view of token `i` of a doc (spaCy's `Token`). Cheap to copy.
///
/// Attributes by name, as in spaCy: `text()`, `idx()` (character offset), `whitespace_()`, `is_alpha()`,
/// `like_num()`, ..., and for each string attribute its id (`lower()`, `norm()`, ...) and its text
/// (`lower_()`, `norm_()`, ...). Lifetime: a token borrows its doc; it ends when the doc is destroyed or
/// modified, or when the doc's zone closes (checked builds report use after that as `zone_closed`).
/// Thread safety: as the doc (concurrent reads are safe).
template <class Vocab>
class LEXZONE_VIEW_TYPE basic_token : public lexeme_attribute_access<basic_token<Vocab>> {
 public:
  using lexeme_type = typename Vocab::lexeme_type;  ///< the lexeme record

  /// Token `i` of `doc`. Requires: `i < doc.size()`. Complexity: O(1). Throws: nothing.
  basic_token(const basic_doc<Vocab>& doc LEXZONE_LIFETIMEBOUND, std::size_t i) noexcept : doc_(&doc), i_(i) {}

  /// Index in the doc. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t i() const noexcept { return i_; }
  /// The doc. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const basic_doc<Vocab>& doc() const noexcept { return *doc_; }
  /// The token's lexeme. Lifetime: until the doc's zone closes. Complexity: O(1).
  /// Throws: `zone_closed` (checked builds, after the doc's zone closed).
  [[nodiscard]] const lexeme_type& lex() const { return *data().lex; }
  /// The lexeme's attribute record. Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] const auto& attributes() const { return data().lex->attrs; }
  /// The token's text (a view of the lexeme's text). Lifetime: until the doc's zone closes.
  /// Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] std::string_view text() const { return data().lex->text(); }
  /// The text plus the space that follows it, if any (spaCy's `text_with_ws`), a view of the doc's text.
  /// Lifetime: the doc's. Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] std::string_view text_with_ws() const {
    const auto& d = data();
    return doc_->text().substr(d.byte_idx, d.lex->text().size() + (d.space ? 1 : 0));
  }
  /// " " when one space follows the token and belongs to it, else "" (spaCy's `whitespace_`).
  /// Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] std::string_view whitespace_() const { return data().space ? " " : ""; }
  /// Whether one space follows the token and belongs to it. Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] bool has_space() const { return data().space; }
  /// Id of the text. Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] hash_t orth() const { return data().lex->orth; }
  /// Character (code point) offset of the token in the doc's text, as spaCy's `Token.idx`.
  /// Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] std::size_t idx() const { return data().idx; }
  /// Byte offset of the token in the doc's (UTF-8) text. Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] std::size_t byte_idx() const { return data().byte_idx; }
  /// The token's norm id: a tokenizer exception's NORM when one applied ("n't" -> "not"), else the
  /// lexeme's norm. Complexity: O(1). Throws: as `lex()`.
  [[nodiscard]] hash_t norm() const {
    const auto& d = data();
    return d.norm != 0 ? d.norm : d.lex->attrs.norm;
  }
  /// The text of `norm()`. Lifetime: until the doc's zone closes. Complexity: `string_of`.
  /// Throws: as `lex()`.
  [[nodiscard]] std::string_view norm_() const { return doc_->string_of(norm()); }
  /// The text of `lower()`. Lifetime and complexity: as `norm_()`. Throws: as `lex()`.
  [[nodiscard]] std::string_view lower_() const { return doc_->string_of(this->lower()); }
  /// The text of `shape()`. Lifetime and complexity: as `norm_()`. Throws: as `lex()`.
  [[nodiscard]] std::string_view shape_() const { return doc_->string_of(this->shape()); }
  /// The text of `prefix()`. Lifetime and complexity: as `norm_()`. Throws: as `lex()`.
  [[nodiscard]] std::string_view prefix_() const { return doc_->string_of(this->prefix()); }
  /// The text of `suffix()`. Lifetime and complexity: as `norm_()`. Throws: as `lex()`.
  [[nodiscard]] std::string_view suffix_() const { return doc_->string_of(this->suffix()); }

 private:
  const auto& data() const { return doc_->token_data(i_); }
  const basic_doc<Vocab>* doc_;
  std::size_t i_;
};

/// A view of tokens [start, end) of a doc (spaCy's `Span`), with a label and an optional id
/// (entities). A random-access range of `basic_token`s.
///
/// Lifetime: a span borrows its doc, as `basic_token`. Thread safety: as the doc.
template <class Vocab>
class LEXZONE_VIEW_TYPE basic_span {
 public:
  using token = basic_token<Vocab>;                            ///< element type
  using iterator = detail::index_iterator<basic_span, token>;  ///< random access, yields tokens
  using const_iterator = iterator;                             ///< the same

  /// Tokens [start, end) of `doc`. Requires: `start <= end <= doc.size()`. Complexity: O(1).
  /// Throws: nothing.
  basic_span(const basic_doc<Vocab>& doc LEXZONE_LIFETIMEBOUND, std::size_t start, std::size_t end, hash_t label = 0,
             hash_t id = 0)
      : doc_(&doc), start_(start), end_(end), label_id_(label), ent_id_(id) {
    LEXZONE_ASSERT(start <= end && end <= doc.size(), "span out of the doc's range");
  }

  /// Index of the first token (spaCy's `Span.start`). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t start_token() const noexcept { return start_; }
  /// Index one past the last token (spaCy's `Span.end`). Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t end_token() const noexcept { return end_; }
  /// Number of tokens. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return end_ - start_; }
  /// Whether the span has no token. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return end_ == start_; }
  /// Token `k` of the span. Requires: `k < size()`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] token operator[](std::size_t k) const { return at(k); }
  /// Token `k` of the span. Requires: `k < size()`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] token at(std::size_t k) const {
    LEXZONE_ASSERT(k < size(), "span token index out of range");
    return {*doc_, start_ + k};
  }
  /// The first token. Complexity: O(1). Throws: nothing.
  [[nodiscard]] iterator begin() const noexcept { return {this, 0}; }
  /// Past the last token. Complexity: O(1). Throws: nothing.
  [[nodiscard]] iterator end() const noexcept { return {this, size()}; }
  /// The doc. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const basic_doc<Vocab>& doc() const noexcept { return *doc_; }

  /// Id of the label (0 for none). Complexity: O(1). Throws: nothing.
  [[nodiscard]] hash_t label() const noexcept { return label_id_; }
  /// The label's text ("" for none), as spaCy's `label_`. Lifetime: the vocab's (labels are permanent).
  /// Complexity: `string_of`. Throws: `zone_closed` (checked builds, after the doc's zone closed).
  [[nodiscard]] std::string_view label_() const { return doc_->string_of(label_id_); }
  /// Id of the entity id (0 for none; spaCy's `ent_id`). Complexity: O(1). Throws: nothing.
  [[nodiscard]] hash_t id() const noexcept { return ent_id_; }
  /// The entity id's text ("" for none), as spaCy's `id_`. Complexity, lifetime and throws: as `label_()`.
  [[nodiscard]] std::string_view id_() const { return doc_->string_of(ent_id_); }

  /// The text the span covers, inner whitespace included (a view into the doc's text).
  /// Lifetime: the doc's. Complexity: O(1). Throws: as `label_()`.
  [[nodiscard]] std::string_view text() const { return doc_->span_text(start_, end_); }
  /// Character offset of the span's start (spaCy's `start_char`). Complexity: O(1). Throws: as
  /// `label_()`.
  [[nodiscard]] std::size_t start_char() const { return doc_->start_char(start_); }
  /// Character offset one past the span's end (spaCy's `end_char`). Complexity: O(1). Throws: as
  /// `label_()`.
  [[nodiscard]] std::size_t end_char() const { return doc_->span_end_char(start_, end_); }
  /// Byte offset of the span's start. Complexity: O(1). Throws: as `label_()`.
  [[nodiscard]] std::size_t start_byte() const { return doc_->start_byte(start_); }
  /// Byte offset one past the span's end. Complexity: O(1). Throws: as `label_()`.
  [[nodiscard]] std::size_t end_byte() const { return doc_->span_end_byte(start_, end_); }

 private:
  const basic_doc<Vocab>* doc_;
  std::size_t start_, end_;
  hash_t label_id_, ent_id_;
};

template <class Vocab>
class basic_entity_range;

/// The tokens of one text and their annotations (entities): spaCy's `Doc`. A random-access range of
/// `basic_token`s (`for (const auto& tok : doc)`); `ents()` is a range of entity spans.
///
/// Made by a tokenizer (see concepts.hpp) in a scope (the vocab, or one of its zones); components
/// annotate it. Owns a copy of the text; tokens refer to lexemes of the scope they were made in (see the
/// file comment for lifetimes). Copyable and movable (a copy shares the scope). Thread safety: a value;
/// concurrent reads are safe, writes need exclusive access.
template <class Vocab>
// NOLINTNEXTLINE(cppcoreguidelines-special-member-functions): operator=(basic_doc) assigns copies and moves
class basic_doc {
 public:
  using vocab_type = Vocab;                                   ///< the vocab type
  using lexeme_type = typename Vocab::lexeme_type;            ///< the lexeme record
  using token = basic_token<Vocab>;                           ///< element type
  using span = basic_span<Vocab>;                             ///< a run of tokens
  using iterator = detail::index_iterator<basic_doc, token>;  ///< random access, yields tokens
  using const_iterator = iterator;                            ///< the same

  /// Raw token record (for tokenizers and components). `norm` = 0 means "the lexeme's norm".
  struct token_record {
    const lexeme_type* lex;   ///< the token's lexeme
    hash_t norm;              ///< NORM of the special case that made the token, else 0
    std::uint32_t byte_idx;   ///< byte offset in the text
    std::uint32_t idx;        ///< character offset in the text
    std::uint32_t char_size;  ///< length in characters
    bool space;               ///< one space follows and belongs to the token
  };
  /// Raw entity record: tokens [start, end), label and id (ids of permanent strings; 0 for no id).
  struct entity_record {
    std::uint32_t start;  ///< first token
    std::uint32_t end;    ///< one past the last token
    hash_t label;         ///< the label's id
    hash_t id;            ///< the entity id's id, or 0
  };

  /// An empty doc of no text and no vocab (a placeholder to assign to). Throws: nothing.
  basic_doc() = default;

  /// An empty doc (no tokens yet) for `text` in `scope`: the vocab, or one of its zones.
  /// Lifetime: the doc belongs to the scope: a doc made in a zone must not be used after that zone
  /// closes (checked builds report it as `zone_closed`). Complexity: O(text.size()).
  /// Throws: `zone_closed` (a closed zone), `capacity_error` (text of 4 GiB or more), `std::bad_alloc`.
  // Not formatted: clang-format 14 mis-parses requires-clauses (fixed in 15).
  // clang-format off
  template <class Scope>
    requires scope_of<Scope, Vocab>
  basic_doc(Scope& scope, std::string_view text) : vocab_(&scope_vocab(scope)), text_(text) {
    // clang-format on
    if (text.size() >= (std::size_t{1} << 32)) throw capacity_error("lexzone: a doc's text must be under 4 GiB");
    ascii_ = unicode::str_isascii(text);
    if constexpr (!std::same_as<Scope, Vocab>) zone_strings_.emplace(scope.strings());
    set_sentinel(scope_sentinel(scope));
  }

  /// Copies tokens, entities and text; the copy belongs to the same scope.
  /// Complexity: O(text size + tokens + entities). Throws: `std::bad_alloc`.
  basic_doc(const basic_doc& o)
      : vocab_(o.vocab_), text_(o.text_), tokens_(o.tokens_), ents_(o.ents_), zone_strings_(o.zone_strings_),
        end_byte_(o.end_byte_), end_char_(o.end_char_), ascii_(o.ascii_) {
    set_sentinel(o.sentinel_);
  }
  /// Takes over `o`'s content; `o` is left as a default-constructed doc (empty, of no scope).
  /// Complexity: O(1). Throws: nothing.
  basic_doc(basic_doc&& o) noexcept
      : vocab_(std::exchange(o.vocab_, nullptr)), text_(std::move(o.text_)), tokens_(std::move(o.tokens_)),
        ents_(std::move(o.ents_)), zone_strings_(std::exchange(o.zone_strings_, std::nullopt)),
        end_byte_(std::exchange(o.end_byte_, 0)), end_char_(std::exchange(o.end_char_, 0)),
        ascii_(std::exchange(o.ascii_, true)), sentinel_(std::exchange(o.sentinel_, nullptr)) {
    o.text_.clear();
    o.tokens_.clear();
    o.ents_.clear();
  }
  /// Copy or move assignment. Complexity: O(1) (a swap; copying the argument, when it is a copy, costs
  /// as the copy constructor). Throws: nothing (the copy is made when the argument is).
  basic_doc& operator=(basic_doc o) noexcept {
    swap(o);
    return *this;
  }
  /// Releases the doc's tie to its zone and frees its memory. Complexity: O(1). Throws: nothing.
  ~basic_doc() { set_sentinel(nullptr); }

  /// Exchanges the contents of two docs. Complexity: O(1). Throws: nothing.
  void swap(basic_doc& o) noexcept {
    std::swap(vocab_, o.vocab_);
    text_.swap(o.text_);
    tokens_.swap(o.tokens_);
    ents_.swap(o.ents_);
    std::swap(zone_strings_, o.zone_strings_);
    std::swap(end_byte_, o.end_byte_);
    std::swap(end_char_, o.end_char_);
    std::swap(ascii_, o.ascii_);
    std::swap(sentinel_, o.sentinel_);
  }

  /// The text, exactly as given. Lifetime: the doc's. Complexity: O(1).
  /// Throws: `zone_closed` (checked builds, after the doc's zone closed).
  [[nodiscard]] std::string_view text() const LEXZONE_LIFETIMEBOUND {
    check("doc");
    return text_;
  }
  /// Number of tokens. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }
  /// Whether the doc has no token. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return tokens_.empty(); }
  /// Token `i`. Requires: `i < size()` (checked builds report a broken precondition). Complexity: O(1).
  /// Lifetime: the doc's. Throws: `zone_closed` (checked builds, after the doc's zone closed).
  [[nodiscard]] token operator[](std::size_t i) const LEXZONE_LIFETIMEBOUND {
    check("doc");
    LEXZONE_ASSERT(i < tokens_.size(), "doc token index out of range");
    return token(*this, i);
  }
  /// Token `i`, as `operator[]`. Complexity: O(1). Throws: as `operator[]`.
  [[nodiscard]] token at(std::size_t i) const LEXZONE_LIFETIMEBOUND { return (*this)[i]; }
  /// The first token. Complexity: O(1). Throws: nothing.
  [[nodiscard]] iterator begin() const noexcept LEXZONE_LIFETIMEBOUND { return {this, 0}; }
  /// Past the last token. Complexity: O(1). Throws: nothing.
  [[nodiscard]] iterator end() const noexcept LEXZONE_LIFETIMEBOUND { return {this, tokens_.size()}; }
  /// Tokens [start, end) as a span with no label. Requires: `start <= end <= size()`. Complexity: O(1).
  /// Throws: `zone_closed` (checked builds).
  [[nodiscard]] span slice(std::size_t start, std::size_t end) const LEXZONE_LIFETIMEBOUND {
    check("doc");
    return span(*this, start, end);
  }
  /// The entities, in order, non-overlapping: a random-access range of spans with labels.
  /// Lifetime: the doc's (until its entities change). Complexity: O(1). Throws: `zone_closed` (checked
  /// builds).
  [[nodiscard]] basic_entity_range<Vocab> ents() const LEXZONE_LIFETIMEBOUND {
    check("doc");
    return basic_entity_range<Vocab>(*this);
  }
  /// The raw entity records. Lifetime: until the entities change. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::vector<entity_record>& entity_records() const noexcept { return ents_; }
  /// The vocab. Requires: the doc was made in a scope (not default-constructed or moved from).
  /// Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] Vocab& vocab() const {
    LEXZONE_ASSERT(vocab_ != nullptr, "vocab() of a default-constructed or moved-from doc");
    return *vocab_;
  }

  /// The text of string id `h` as the doc's scope sees it (the zone's strings, or the permanent ones);
  /// "" for 0 or an id the scope does not hold. Lifetime: until the owning layer ends.
  /// Complexity: O(depth) expected, plus the found string's length (its id is confirmed by hashing it;
  /// see `basic_string_store::operator[]`). Throws: `zone_closed` (after the doc's zone closed).
  [[nodiscard]] std::string_view string_of(hash_t h) const {
    check("doc");
    const auto v = zone_strings_ ? zone_strings_->find(h) : vocab().strings().find(h);
    return v ? *v : std::string_view();
  }

  /// True when the zone this doc was made in is still open (always true for permanent docs and in
  /// unchecked builds). Complexity: O(1). Throws: nothing.
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
  /// Appends a token: lexeme `lex` at byte offset `byte_idx` of the text, followed by one space when
  /// `space`; `norm` is a special case's NORM (a permanent string id) or 0. The character offsets are
  /// computed here. Requires: tokens are appended in text order, each after the previous one's end,
  /// and `lex`'s text is the text at `byte_idx`; `lex` belongs to the doc's scope (its zone, an
  /// enclosing zone or the permanent layer). Complexity: amortised O(1) for ASCII text, else O(bytes
  /// since the previous token). Throws: `std::bad_alloc`.
  void push_token(const lexeme_type& lex, std::size_t byte_idx, bool space, hash_t norm = 0) {
    push_token_sized(lex, byte_idx, lex.text().size(), space, norm);
  }
  /// As `push_token(lex, byte_idx, space, norm)`, given the token's size in bytes (the tokenizer knows it:
  /// then the lexeme's record is not read here). Requires, besides: `size == lex.text().size()` (checked
  /// builds assert it). Complexity, throws: as the other overload.
  void push_token_sized(const lexeme_type& lex, std::size_t byte_idx, std::size_t size, bool space, hash_t norm = 0) {
    LEXZONE_ASSERT(byte_idx >= end_byte_ && byte_idx + size <= text_.size(),
                   "tokens must be pushed in order, inside the doc's text");
    LEXZONE_ASSERT(size == lex.text().size(), "push_token: the size is not the lexeme's");
    const std::size_t gap = byte_idx - end_byte_;
    // Views made directly (in range, asserted above): `substr`'s range check was an out-of-line call.
    const std::size_t idx =
        end_char_ + (ascii_ ? gap : unicode::length_of_token(std::string_view(text_.data() + end_byte_, gap)));
    const std::size_t chars = ascii_ ? size : unicode::length_of_token(std::string_view(text_.data() + byte_idx, size));
    tokens_.push_back(token_record{&lex, norm, static_cast<std::uint32_t>(byte_idx), static_cast<std::uint32_t>(idx),
                                   static_cast<std::uint32_t>(chars), space});
    end_byte_ = byte_idx + size;
    end_char_ = idx + chars;
  }
  /// Replaces the entities: spans in order, not overlapping (an empty one may touch its neighbours), within
  /// the doc's tokens, each with a label and an id that are 0 or permanent strings of the doc's vocab (a
  /// label's text lives as long as the vocab; an id from `hash_string` of a string never added has none).
  /// Complexity: O(entities), plus each label's and id's length (their lookup). Throws:
  /// `std::invalid_argument` naming the first entity that breaks those rules (the entities are then
  /// unchanged); `zone_closed` (checked builds).
  void set_ents(std::vector<entity_record> ents) {
    check("doc");
    std::uint32_t previous_end = 0;
    for (std::size_t i = 0; i < ents.size(); ++i) {
      const entity_record& e = ents[i];
      const char* broken = nullptr;
      if (e.start > e.end || e.end > tokens_.size()) {
        broken = "its tokens are not a span of the doc";
      } else if (e.start < previous_end) {
        broken = "it starts before the previous entity ends (entities must be sorted and not overlap)";
      } else if (vocab_ == nullptr) {
        broken = "the doc belongs to no vocab";
      } else if ((e.label != 0 && !vocab_->strings().contains(e.label)) ||
                 (e.id != 0 && !vocab_->strings().contains(e.id))) {
        broken = "its label or id is not a permanent string of the vocab (add it first)";
      }
      if (broken != nullptr)
        throw std::invalid_argument("lexzone: set_ents: entity " + std::to_string(i) + " [" + std::to_string(e.start) +
                                    ", " + std::to_string(e.end) + "): " + broken);
      previous_end = e.end;
    }
    ents_ = std::move(ents);
  }
  /// Raw record of token `i`. Requires: `i < size()`. Complexity: O(1). Throws: `zone_closed` (checked
  /// builds, after the doc's zone closed).
  [[nodiscard]] const token_record& token_data(std::size_t i) const {
    check("token");
    LEXZONE_ASSERT(i < tokens_.size(), "doc token index out of range");
    return tokens_[i];
  }
  /// All raw token records. Lifetime: until the doc is modified. Complexity: O(1). Throws: as
  /// `token_data`.
  [[nodiscard]] std::span<const token_record> token_records() const {
    check("doc");
    return tokens_;
  }

  /// The text of tokens [start, end), inner whitespace included ("" for `start == end`). Requires:
  /// `start <= end <= size()`. Complexity: O(1). Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::string_view span_text(std::size_t start, std::size_t end) const {
    const std::size_t b = start_byte(start);
    return std::string_view(text_).substr(b, span_end_byte(start, end) - b);
  }
  /// Character offset one past the span [start, end): the end of token `end - 1`, or `start_char(start)`
  /// for an empty span (as spaCy's `Span.end_char`). Requires: `start <= end <= size()`. Complexity: O(1).
  /// Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::size_t span_end_char(std::size_t start, std::size_t end) const {
    return end > start ? end_of(end).chars : start_of(start).chars;
  }
  /// Byte offset one past the span [start, end), as `span_end_char`. Complexity: O(1).
  /// Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::size_t span_end_byte(std::size_t start, std::size_t end) const {
    return end > start ? end_of(end).bytes : start_of(start).bytes;
  }
  /// Character offset where token `tok` starts (the end of the last token for `tok == size()`).
  /// Requires: `tok <= size()`. Complexity: O(1). Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::size_t start_char(std::size_t tok) const { return start_of(tok).chars; }
  /// Character offset where token `end_tok - 1` ends (0 for `end_tok == 0`). Requires:
  /// `end_tok <= size()`. Complexity: O(1). Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::size_t end_char(std::size_t end_tok) const { return end_of(end_tok).chars; }
  /// Byte offset where token `tok` starts (the end of the last token for `tok == size()`).
  /// Requires: `tok <= size()`. Complexity: O(1). Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::size_t start_byte(std::size_t tok) const { return start_of(tok).bytes; }
  /// Byte offset where token `end_tok - 1` ends (0 for `end_tok == 0`). Requires: `end_tok <= size()`.
  /// Complexity: O(1). Throws: `zone_closed` (checked builds).
  [[nodiscard]] std::size_t end_byte(std::size_t end_tok) const { return end_of(end_tok).bytes; }

  /// Copies tokens and entities out as plain data, valid after the zone closes (labels and ids
  /// resolved to their text). Complexity: O(text size + tokens). Throws: `zone_closed` (checked
  /// builds), `std::bad_alloc`.
  [[nodiscard]] owned_doc to_owned() const {
    check("doc");
    owned_doc out;
    out.text = text_;
    out.tokens.reserve(tokens_.size());
    for (const auto& t : tokens_) {
      owned_token o;
      o.text = std::string(t.lex->text());
      o.start_byte = t.byte_idx;
      o.end_byte = t.byte_idx + t.lex->text().size();
      o.start_char = t.idx;
      o.end_char = t.idx + t.char_size;
      o.space_after = t.space;
      out.tokens.push_back(std::move(o));
    }
    for (const auto& e : ents_) {
      owned_entity o;
      o.start_token = e.start;
      o.end_token = e.end;
      o.start_byte = start_byte(e.start);
      o.end_byte = span_end_byte(e.start, e.end);
      o.start_char = start_char(e.start);
      o.end_char = span_end_char(e.start, e.end);
      o.text = text_.substr(o.start_byte, o.end_byte - o.start_byte);
      o.label = std::string(string_of(e.label));
      o.id = std::string(string_of(e.id));
      out.ents.push_back(std::move(o));
    }
    return out;
  }

 private:
  struct offset {
    std::size_t bytes, chars;
  };
  // Where token `tok` starts; the end of the last token for tok == size().
  offset start_of(std::size_t tok) const {
    check("span");
    LEXZONE_ASSERT(tok <= tokens_.size(), "token boundary out of range");
    if (tok == tokens_.size()) return {end_byte_, end_char_};
    return {tokens_[tok].byte_idx, tokens_[tok].idx};
  }
  // Where token `end_tok - 1` ends; 0 for end_tok == 0.
  offset end_of(std::size_t end_tok) const {
    check("span");
    LEXZONE_ASSERT(end_tok <= tokens_.size(), "token boundary out of range");
    if (end_tok == 0) return {0, 0};
    const auto& t = tokens_[end_tok - 1];
    return {t.byte_idx + t.lex->text().size(), std::size_t{t.idx} + t.char_size};
  }

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
  std::optional<typename Vocab::store_type::zone_view> zone_strings_;  // the zone's strings; none: permanent
  std::size_t end_byte_ = 0;  // end of the last token pushed (bytes, characters)
  std::size_t end_char_ = 0;
  bool ascii_ = true;  // the text is ASCII: character offsets equal byte offsets
  detail::zone_sentinel* sentinel_ = nullptr;
};

/// The entities of a doc as a random-access range of `basic_span`s with labels (`doc.ents()`).
/// Lifetime: borrows the doc; ends when the doc is destroyed or its entities change.
/// Thread safety: as the doc.
template <class Vocab>
class LEXZONE_VIEW_TYPE basic_entity_range {
 public:
  using span = basic_span<Vocab>;                                     ///< element type
  using iterator = detail::index_iterator<basic_entity_range, span>;  ///< random access, yields spans
  using const_iterator = iterator;                                    ///< the same

  /// The entities of `doc`. Complexity: O(1). Throws: nothing.
  explicit basic_entity_range(const basic_doc<Vocab>& doc LEXZONE_LIFETIMEBOUND) noexcept : doc_(&doc) {}

  /// Number of entities. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t size() const noexcept { return doc_->entity_records().size(); }
  /// Whether there is no entity. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  /// Entity `k`. Requires: `k < size()`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] span operator[](std::size_t k) const { return at(k); }
  /// Entity `k`. Requires: `k < size()`. Complexity: O(1). Throws: nothing.
  [[nodiscard]] span at(std::size_t k) const {
    LEXZONE_ASSERT(k < size(), "entity index out of range");
    const auto& e = doc_->entity_records()[k];
    return span(*doc_, e.start, e.end, e.label, e.id);
  }
  /// The first entity. Complexity: O(1). Throws: nothing.
  [[nodiscard]] iterator begin() const noexcept { return {this, 0}; }
  /// Past the last entity. Complexity: O(1). Throws: nothing.
  [[nodiscard]] iterator end() const noexcept { return {this, size()}; }

 private:
  const basic_doc<Vocab>* doc_;
};

}  // namespace lexzone
