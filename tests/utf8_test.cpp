// Tests of lexzone/unicode/utf8.hpp: forward and backward decoding agree on every byte string; and
// unicode/properties.hpp's ASCII check, which reads whole words.
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "lexzone/unicode/properties.hpp"
#include "lexzone/unicode/utf8.hpp"
#include "support/catch.hpp"

namespace utf8_test {

namespace {

/// The code points of `s` as (start, size) by forward decoding.
std::vector<std::pair<std::size_t, std::size_t>> forward(const std::string& s) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto d = lexzone::unicode::decode(s, i);
    out.emplace_back(i, d.size);
    i += d.size;
  }
  return out;
}

/// The same, read backwards with decode_before.
std::vector<std::pair<std::size_t, std::size_t>> backward(const std::string& s) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t end = s.size(); end > 0;) {
    const auto d = lexzone::unicode::decode_before(s, end);
    end -= d.size;
    out.emplace(out.begin(), end, d.size);
  }
  return out;
}

}  // namespace

TEST_CASE("decode_before reads the code point that ends at a byte", "[utf8]") {
  using lexzone::unicode::decode_before;
  CHECK(decode_before("a", 1).cp == U'a');
  const std::string euro = "x\xE2\x82\xAC";  // x€
  CHECK(decode_before(euro, 4).cp == 0x20AC);
  CHECK(decode_before(euro, 4).size == 3);
  const std::string emoji_then_stray = "\xF0\x9F\x98\x80\x80";  // 😀 then a stray continuation byte
  CHECK(decode_before(emoji_then_stray, 5).cp == 0xDC80);
  CHECK(decode_before(emoji_then_stray, 4).cp == 0x1F600);
  const std::string truncated = "\xE2\x82";  // a lead byte and one continuation: two invalid bytes
  CHECK(decode_before(truncated, 2).cp == 0xDC82);
  CHECK_FALSE(decode_before(truncated, 2).valid);
  const std::string overlong = "\xE0\x80\x80";
  CHECK(decode_before(overlong, 3).size == 1);
}

TEST_CASE("decode_before agrees with forward decoding on random bytes", "[utf8]") {
  std::mt19937 rng(2026);
  const std::string alphabet = "a \x80\xBF\xC2\xC3\xDF\xE0\xE2\xED\xEF\xF0\xF4\xF5\xFF\x82\xAC\x9F\x98";
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const auto len = static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    REQUIRE(backward(s) == forward(s));
  }
}

TEST_CASE("all_ascii finds a byte of 0x80 or more at any position of any length", "[utf8]") {
  // Lengths around the 8- and 32-byte steps, each position, at offsets that misalign the words.
  const std::string buffer(3 + 80, 'a');
  for (std::size_t offset = 0; offset < 3; ++offset) {
    for (std::size_t n = 0; n <= 80; ++n) {
      std::string s = buffer;
      const std::string_view clean(s.data() + offset, n);
      CHECK(lexzone::detail::all_ascii(clean));
      // Bytes just outside the view do not count.
      if (offset > 0) s[offset - 1] = '\x80';
      if (offset + n < s.size()) s[offset + n] = '\x80';
      CHECK(lexzone::detail::all_ascii(clean));
      s = buffer;
      for (std::size_t at = 0; at < n; ++at) {
        for (const char high : {'\x80', '\xff', '\xc3'}) {
          s[offset + at] = high;
          CHECK_FALSE(lexzone::detail::all_ascii(std::string_view(s.data() + offset, n)));
          s[offset + at] = '\x7f';  // the largest ASCII byte
          CHECK(lexzone::detail::all_ascii(std::string_view(s.data() + offset, n)));
          s[offset + at] = 'a';
        }
      }
    }
  }
}

TEST_CASE("length_of_token counts as length does, for every byte at every position of short strings", "[utf8]") {
  // Up to 20 bytes (the shortcut takes up to 16), each position set to bytes that are ASCII, lead,
  // continuation or invalid, inside a view whose neighbours are not ASCII (they must not count).
  std::mt19937 rng(7);
  const std::string samples[] = {"", "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x80", "\xff"};
  for (std::size_t n = 0; n <= 20; ++n) {
    std::string s(n + 2, 'a');
    s.front() = '\xc3';
    s.back() = '\x80';
    const std::string_view view(s.data() + 1, n);
    CHECK(lexzone::unicode::length_of_token(view) == n);
    CHECK(lexzone::unicode::length_of_token(view) == lexzone::unicode::length(view));
    for (std::size_t at = 0; at < n; ++at) {
      for (const char high : {'\x80', '\xbf', '\xc3', '\xe2', '\xff'}) {
        s[1 + at] = high;
        CHECK(lexzone::unicode::length_of_token(view) == lexzone::unicode::length(view));
        s[1 + at] = 'a';
      }
      // A whole sequence of 2 to 4 bytes wherever it fits: one code point, so the count is below n
      // (a count that skipped a byte, or that returned n, fails here).
      for (const std::string_view seq : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
        if (at + seq.size() > n) continue;
        s.replace(1 + at, seq.size(), seq);
        CHECK(lexzone::unicode::length_of_token(view) == n - (seq.size() - 1));
        CHECK(lexzone::unicode::length_of_token(view) == lexzone::unicode::length(view));
        s.replace(1 + at, seq.size(), std::string(seq.size(), 'a'));
      }
    }
    // Random mixes of whole sequences and stray bytes, cut to n bytes.
    for (int k = 0; k < 50; ++k) {
      std::string mix;
      while (mix.size() < n) mix += samples[std::uniform_int_distribution<std::size_t>(0, 6)(rng)];
      mix.resize(n);
      CHECK(lexzone::unicode::length_of_token(mix) == lexzone::unicode::length(mix));
    }
  }
  CHECK(lexzone::unicode::length_of_token("caf\xc3\xa9") == 4);
  CHECK(lexzone::unicode::length_of_token("\xc3\xa9") == 1);
}

}  // namespace utf8_test
