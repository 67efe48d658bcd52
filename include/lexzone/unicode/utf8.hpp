/// \file unicode/utf8.hpp
/// UTF-8 decoding that never fails: every byte sequence decodes to a sequence of code points.
///
/// Valid UTF-8 decodes as usual. Each byte that does not start a valid, shortest-form sequence (stray
/// continuation bytes, overlong forms, encoded surrogates, values above U+10FFFF, truncated sequences)
/// decodes on its own to U+DC80..U+DCFF, the lone surrogate that Python's "surrogateescape" gives it. Such a
/// code point is of category Cs: no letter, digit, punctuation or space. Offsets in code points therefore
/// count one per invalid byte, and the original bytes are never altered (lexzone keeps byte spans).
///
/// Every function here is pure, allocation-free (except what `encode`'s output container does) and safe to
/// call from any thread; none keeps a reference to its input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::unicode {

/// One decoded code point and the number of bytes it took (1 to 4).
struct decoded {
  char32_t cp;        ///< the code point, or U+DC80..U+DCFF for an invalid byte
  std::uint8_t size;  ///< bytes it took: 1 to 4 (1 for an invalid byte)
  bool valid;         ///< false when the byte did not start a valid, shortest-form sequence
};

/// Decodes the code point that starts at `p` (requires `p < end`).
/// Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr decoded decode(const char* p, const char* end) noexcept {
  const auto b0 = static_cast<unsigned char>(p[0]);
  if (b0 < 0x80) return {b0, 1, true};
  const decoded bad{static_cast<char32_t>(0xDC00u + b0), 1, false};
  const std::ptrdiff_t avail = end - p;
  auto cont = [&](std::ptrdiff_t i) { return i < avail && (static_cast<unsigned char>(p[i]) & 0xC0u) == 0x80u; };
  auto bits = [&](std::ptrdiff_t i) { return static_cast<char32_t>(static_cast<unsigned char>(p[i]) & 0x3Fu); };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return bad;
    return {static_cast<char32_t>(((b0 & 0x1Fu) << 6) | bits(1)), 2, true};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return bad;
    const char32_t cp = static_cast<char32_t>(((b0 & 0x0Fu) << 12) | (bits(1) << 6) | bits(2));
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return bad;
    return {cp, 3, true};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return bad;
    const char32_t cp = static_cast<char32_t>(((b0 & 0x07u) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3));
    if (cp < 0x10000 || cp > 0x10FFFF) return bad;
    return {cp, 4, true};
  }
  return bad;
}

/// Decodes the code point that starts at byte `i` of `s` (requires `i < s.size()`).
/// Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr decoded decode(std::string_view s, std::size_t i) noexcept {
  return decode(s.data() + i, s.data() + s.size());
}

/// Decodes the code point that ends at byte `end` of `s` (requires `0 < end <= s.size()`), reading
/// backwards: the answer is the last code point that forward decoding of `s.substr(0, end)` from its first
/// byte would give. A valid sequence of 2 to 4 bytes ending at `end` decodes as one code point; any other
/// last byte decodes alone (an ASCII byte, or an invalid one as U+DC80..U+DCFF). The code point starts at
/// byte `end - result.size`. Complexity: O(1) (at most 4 bytes read). Throws: nothing.
[[nodiscard]] constexpr decoded decode_before(std::string_view s, std::size_t end) noexcept {
  const auto last = static_cast<unsigned char>(s[end - 1]);
  if (last < 0x80) return {last, 1, true};
  // The lead byte: up to three continuation bytes back, never before the start of `s`.
  std::size_t lead = end - 1;
  for (int k = 0; k < 3 && lead > 0 && (static_cast<unsigned char>(s[lead]) & 0xC0u) == 0x80u; ++k) --lead;
  const decoded d = decode(s.data() + lead, s.data() + end);
  if (d.valid && lead + d.size == end) return d;
  return decode(s.data() + end - 1, s.data() + end);
}

/// Number of code points of `s` under the decoding above. Complexity: O(s.size()). Throws: nothing.
[[nodiscard]] constexpr std::size_t length(std::string_view s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const auto b = static_cast<unsigned char>(s[i]);
    i += b < 0x80 ? std::size_t{1} : std::size_t{decode(s, i).size};
  }
  return n;
}

}  // namespace lexzone::unicode

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// True when every byte of `s`, at most 16 bytes long, is below 0x80: two overlapping loads that stay
/// inside `s` (three bytes below 4). Complexity: O(1). Throws: nothing.
[[nodiscard]] LEXZONE_ALWAYS_INLINE bool short_all_ascii(std::string_view s) noexcept {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n >= 8) {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, p, sizeof a);
    std::memcpy(&b, p + n - 8, sizeof b);
    return ((a | b) & 0x8080808080808080ull) == 0;
  }
  if (n >= 4) {
    std::uint32_t a = 0, b = 0;
    std::memcpy(&a, p, sizeof a);
    std::memcpy(&b, p + n - 4, sizeof b);
    return ((a | b) & 0x80808080u) == 0;
  }
  if (n == 0) return true;
  // 1 to 3 bytes: the first, the middle and the last.
  return ((static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
           static_cast<unsigned char>(p[n - 1])) &
          0x80u) == 0;
}

/// True when every byte of `s` is below 0x80. Complexity: O(n), 32 bytes a step; up to 16 bytes (most
/// words) one `short_all_ascii` test. (Whole words are loaded with `memcpy`: assembling each word from its
/// bytes, as an earlier version did, compiled to 8 loads and shifts a word, and this runs over every
/// doc's text.) Throws: nothing.
[[nodiscard]] inline bool all_ascii(std::string_view s) noexcept {
  constexpr std::uint64_t high_bits = 0x8080808080808080ull;
  if (s.size() <= 16) return short_all_ascii(s);
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 32; p += 32, n -= 32) {
    std::array<std::uint64_t, 4> w{};
    std::memcpy(w.data(), p, sizeof(w));
    if (((w[0] | w[1]) | (w[2] | w[3])) & high_bits) return false;
  }
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, sizeof(w));
    if (w & high_bits) return false;
  }
  for (; n > 0; ++p, --n)
    if (static_cast<unsigned char>(*p) >= 0x80) return false;
  return true;
}

}  // namespace lexzone::detail

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::unicode {

/// As `length(s)`, with a shortcut for the short ASCII strings that most tokens are: up to 16 bytes are
/// one `detail::short_all_ascii` test of two loads. Complexity: O(1) for ASCII up to 16 bytes, else as
/// `length`. Throws: nothing.
[[nodiscard]] inline std::size_t length_of_token(std::string_view s) noexcept {
  return s.size() <= 16 && detail::short_all_ascii(s) ? s.size() : length(s);
}

/// True when `s` is entirely valid UTF-8. Complexity: O(s.size()). Throws: nothing.
[[nodiscard]] constexpr bool is_valid(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto d = decode(s, i);
    if (!d.valid) return false;
    i += d.size;
  }
  return true;
}

/// Appends the UTF-8 encoding of `cp` (a Unicode scalar value, or an escaped byte U+DC80..U+DCFF, which
/// is written back as that single byte) to `out`, a container of char with push_back.
/// Complexity: O(1). Throws: what `out.push_back` throws (std::bad_alloc for std::string); `out` may then
/// hold part of the encoding.
template <class Out>
constexpr void encode(char32_t cp, Out& out) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {
    out.push_back(static_cast<char>(cp - 0xDC00));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace lexzone::unicode
