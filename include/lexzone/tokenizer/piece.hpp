/// \file tokenizer/piece.hpp
/// What a rule segmenter (`tokenizer/basic_segmenter.hpp`) produces and takes: byte spans of a text
/// (`piece`), the pieces of a special case (`special_piece`), and the rule that made a piece
/// (`piece_rule`, `explained_piece`, as spaCy's `Tokenizer.explain` labels them).
///
/// All types are plain values: copyable, no allocation except `explained_piece::label`, safe to share
/// between threads once made.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../config.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// One segment of a text: a byte span plus spaCy's trailing-space flag.
struct piece {
  std::uint32_t begin = 0;   ///< byte offset of the piece in the text
  std::uint32_t size = 0;    ///< length in bytes (never 0)
  bool space_after = false;  ///< one ' ' follows the piece and belongs to no piece (spaCy's `whitespace_`)
  /// NORM set by the special case that made the piece, else empty. Points into the segmenter's storage.
  /// Lifetime: valid until that segmenter is modified (a special case added, removed or cleared), moved
  /// from or destroyed.
  std::string_view norm;

  /// The piece's text in `text`, the text it was segmented from. Complexity: O(1). Throws: nothing.
  /// Lifetime: a view into `text`. Requires: `text` is that text (else the view may be out of range).
  [[nodiscard]] std::string_view text_in(std::string_view text LEXZONE_LIFETIMEBOUND) const noexcept {
    return text.substr(begin, size);
  }
};

namespace detail {
/// Appends the piece `[begin, begin + size)`, without space or NORM, to `out`. The piece is made in
/// place, field by field: `push_back(piece{...})` built it on the stack and, when the library did not
/// inline the call, read it back as 16-byte words over the smaller stores that had just written it (a
/// store-forwarding stall on every piece: 7 % of tokenizing). Complexity: amortized O(1).
/// Throws: `std::bad_alloc` (nothing appended).
inline void append_piece(std::vector<piece>& out, std::uint32_t begin, std::uint32_t size) {
  piece& p = out.emplace_back();
  p.begin = begin;
  p.size = size;
}
}  // namespace detail

/// One piece of a special case: its ORTH (the text) and an optional NORM (empty: none).
/// The views must stay valid for the call they are passed to; segmenters copy what they keep.
struct special_piece {
  std::string_view orth;    ///< the piece's text; the ORTHs of a special case join to its key
  std::string_view norm{};  ///< the piece's NORM, or empty for none
};

/// The rule that made a piece: spaCy's `Tokenizer.explain` labels.
enum class piece_rule : std::uint8_t {
  prefix,       ///< "PREFIX": peeled off the front of a chunk by the prefix rule
  suffix,       ///< "SUFFIX": peeled off the end of a chunk by the suffix rule
  infix,        ///< "INFIX": an infix match inside a chunk's core
  special,      ///< "SPECIAL-n": piece n (from 1) of a special case
  token_match,  ///< "TOKEN_MATCH": a core the token_match rule keeps whole
  url_match,    ///< "URL_MATCH": a core the url_match rule keeps whole
  token,        ///< "TOKEN": a core, or a part of it between infixes, that no rule split
};

/// A piece and the rule that made it, an entry of `basic_segmenter::explain`.
struct explained_piece {
  lexzone::piece piece;                 ///< the piece (offsets into the explained text)
  piece_rule rule = piece_rule::token;  ///< the rule that made it
  std::uint32_t special_index = 0;      ///< for `piece_rule::special`: which piece of the rule (from 1); else 0

  /// spaCy's label: "PREFIX", "SUFFIX", "INFIX", "SPECIAL-1", ..., "TOKEN_MATCH", "URL_MATCH" or "TOKEN".
  /// Complexity: O(1). Throws: std::bad_alloc.
  [[nodiscard]] std::string label() const {
    switch (rule) {
      case piece_rule::prefix: return "PREFIX";
      case piece_rule::suffix: return "SUFFIX";
      case piece_rule::infix: return "INFIX";
      case piece_rule::special: return "SPECIAL-" + std::to_string(special_index);
      case piece_rule::token_match: return "TOKEN_MATCH";
      case piece_rule::url_match: return "URL_MATCH";
      case piece_rule::token: break;
    }
    return "TOKEN";
  }
};

}  // namespace lexzone
