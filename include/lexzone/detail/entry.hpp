/// \file detail/entry.hpp
/// The header of a string-layer entry, shared by the string layer and `basic_lexeme::text()`.
///
/// Every entry of a layer ends with a header followed by its bytes: the header is the LEB128 encoding
/// of `(size << 2) | flags`, so a text shorter than 32 bytes has a one-byte header. What comes before
/// the header depends on the flags (see string_layer.hpp):
/// - `entry_has_record`: a lexeme record ends right where the header starts (its last member is the
///   64-bit id), so a lexeme's text is read from the bytes that follow the record;
/// - otherwise, in a zone layer, the low 32 bits of the string's id (the index re-places entries from
///   them when it grows); in the permanent layer nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../config.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// Header flag: the entry's string belongs to another visible layer (a zone's lexeme whose text is
/// permanent or in an enclosing zone, or whose string was promoted); only its record counts here.
inline constexpr std::uint8_t entry_lexeme_only = 1;
/// Header flag: a lexeme record precedes the header.
inline constexpr std::uint8_t entry_has_record = 2;
/// Bits of the header value taken by the flags.
inline constexpr unsigned entry_flag_bits = 2;

/// Decodes the entry header at `p` (`(size << 2) | flags`) and advances `p` to the entry's bytes.
/// Complexity: O(1) (one byte for texts under 32 bytes). Throws: nothing.
inline std::uint64_t read_entry_header(const std::byte*& p) noexcept {
  const auto first = static_cast<std::uint8_t>(*p++);
  if (first < 0x80) return first;
  std::uint64_t value = first & 0x7Fu;
  for (unsigned shift = 7;; shift += 7) {
    const auto b = static_cast<std::uint8_t>(*p++);
    value |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80u) == 0) return value;
  }
}

/// The `Word` (an unsigned integer) in the bytes at `p`, which need not be aligned. Complexity: O(1).
/// Throws: nothing.
template <class Word>
[[nodiscard]] LEXZONE_ALWAYS_INLINE Word load_word(const unsigned char* p) noexcept {
  Word w;
  std::memcpy(&w, p, sizeof w);  // a constant size: one load, no library call
  return w;
}

/// Stores `w` in the bytes at `p`, which need not be aligned. Complexity: O(1). Throws: nothing.
template <class Word>
LEXZONE_ALWAYS_INLINE void store_word(unsigned char* p, Word w) noexcept {
  std::memcpy(p, &w, sizeof w);
}

/// Whether the `n` bytes at `a` and at `b` are equal. Inline for short texts (most words): overlapping
/// word loads that never read outside either range; `std::memcmp` beyond 16 bytes.
/// Complexity: O(n). Throws: nothing.
[[nodiscard]] LEXZONE_ALWAYS_INLINE bool same_bytes(const void* a, const void* b, std::size_t n) noexcept {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  if (n >= 8) {
    if (n > 16) return std::memcmp(x, y, n) == 0;
    using w = std::uint64_t;
    return ((load_word<w>(x) ^ load_word<w>(y)) | (load_word<w>(x + n - 8) ^ load_word<w>(y + n - 8))) == 0;
  }
  if (n >= 4) {
    using w = std::uint32_t;
    return ((load_word<w>(x) ^ load_word<w>(y)) | (load_word<w>(x + n - 4) ^ load_word<w>(y + n - 4))) == 0;
  }
  if (n == 0) return true;
  // 1 to 3 bytes: the first, the middle and the last.
  return x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1];
}

/// Copies `n` bytes from `src` to `dst` (not overlapping): up to 16 bytes with two word copies, inline
/// (the headers and texts of the words a zone stores are that short; a library call costs more than the
/// copy). Complexity: O(n). Throws: nothing.
LEXZONE_ALWAYS_INLINE void copy_bytes(void* dst, const void* src, std::size_t n) noexcept {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (n >= 8) {
    if (n > 16) {
      std::memcpy(d, s, n);
      return;
    }
    const auto head = load_word<std::uint64_t>(s);
    const auto tail = load_word<std::uint64_t>(s + n - 8);
    store_word(d, head);
    store_word(d + n - 8, tail);
  } else if (n >= 4) {
    const auto head = load_word<std::uint32_t>(s);
    const auto tail = load_word<std::uint32_t>(s + n - 4);
    store_word(d, head);
    store_word(d + n - 4, tail);
  } else if (n != 0) {
    // 1 to 3 bytes: the first, the middle and the last.
    d[0] = s[0];
    d[n / 2] = s[n / 2];
    d[n - 1] = s[n - 1];
  }
}

/// The flags of the entry whose header starts at `header` (they sit in the first byte).
[[nodiscard]] inline std::uint8_t entry_flags(const std::byte* header) noexcept {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(*header) & 3u);
}

/// The text of the entry whose header starts at `header`. Complexity: O(1). Throws: nothing.
[[nodiscard]] inline std::string_view entry_text(const std::byte* header) noexcept {
  const std::uint64_t value = read_entry_header(header);
  return {reinterpret_cast<const char*>(header), static_cast<std::size_t>(value >> entry_flag_bits)};
}

/// Encodes the header of an entry of `size` bytes with `flags` into `out` (room for 10 bytes); returns
/// its length. Complexity: O(1). Throws: nothing.
inline std::size_t write_entry_header(std::size_t size, std::uint8_t flags, std::uint8_t* out) noexcept {
  std::size_t n = 0;
  for (std::uint64_t v = (std::uint64_t{size} << entry_flag_bits) | flags;; v >>= 7) {
    out[n++] = static_cast<std::uint8_t>((v & 0x7Fu) | (v >= 0x80 ? 0x80u : 0u));
    if (v < 0x80) return n;
  }
}

}  // namespace lexzone::detail
