/// \file detail/msgpack_reader.hpp
/// A bounds-checked MessagePack reader over a byte buffer: typed reads of the next value and skipping,
/// with a nesting limit. Used by `io/spacy_tokenizer_file.hpp`; nlohmann_json cannot read spaCy's
/// tokenizer files (its msgpack parser requires string map keys, spaCy's exceptions use integer keys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// What went wrong while reading.
enum class msgpack_fault { none, truncated, invalid, too_deep };

/// Reads MessagePack values one at a time. Every read checks the remaining length; a failed read sets
/// `fault()` (first fault wins) and returns a neutral value, so callers check `fault()` once after a
/// group of reads. Complexity: O(1) per scalar read, O(size) for `skip`. Thread safety: one reader per
/// thread. Lifetime: string views point into the buffer. Throws: nothing.
class msgpack_reader {
 public:
  /// Kinds of values.
  enum class kind { nil, boolean, integer, floating, string, binary, array, map, ext, invalid, end };

  explicit msgpack_reader(std::string_view bytes) noexcept : data_(bytes) {}

  [[nodiscard]] msgpack_fault fault() const noexcept { return fault_; }
  [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ >= data_.size(); }

  /// The kind of the next value, without consuming it.
  [[nodiscard]] kind peek() const noexcept {
    if (pos_ >= data_.size()) return kind::end;
    const auto b = byte(pos_);
    if (b <= 0x7F || b >= 0xE0) return kind::integer;
    if (b <= 0x8F) return kind::map;
    if (b <= 0x9F) return kind::array;
    if (b <= 0xBF) return kind::string;
    switch (b) {
      case 0xC0: return kind::nil;
      case 0xC2:
      case 0xC3: return kind::boolean;
      case 0xC4:
      case 0xC5:
      case 0xC6: return kind::binary;
      case 0xC7:
      case 0xC8:
      case 0xC9:
      case 0xD4:
      case 0xD5:
      case 0xD6:
      case 0xD7:
      case 0xD8: return kind::ext;
      case 0xCA:
      case 0xCB: return kind::floating;
      case 0xD9:
      case 0xDA:
      case 0xDB: return kind::string;
      case 0xDC:
      case 0xDD: return kind::array;
      case 0xDE:
      case 0xDF: return kind::map;
      default: break;
    }
    if (b >= 0xCC && b <= 0xD3) return kind::integer;
    return kind::invalid;  // 0xC1
  }

  /// Reads a string; sets a fault (invalid) when the next value is no string.
  std::string_view read_string() noexcept {
    const auto b = next_byte();
    std::size_t n = 0;
    if (b >= 0xA0 && b <= 0xBF) n = b & 0x1Fu;
    else if (b == 0xD9) n = read_be(1);
    else if (b == 0xDA) n = read_be(2);
    else if (b == 0xDB) n = read_be(4);
    else {
      set_fault(msgpack_fault::invalid);
      return {};
    }
    return take(n);
  }

  /// Reads a boolean.
  bool read_bool() noexcept {
    const auto b = next_byte();
    if (b != 0xC2 && b != 0xC3) set_fault(msgpack_fault::invalid);
    return b == 0xC3;
  }

  /// Reads a non-negative integer that fits in 64 bits (negative values fault).
  std::uint64_t read_uint() noexcept {
    const auto b = next_byte();
    if (b <= 0x7F) return b;
    switch (b) {
      case 0xCC: return read_be(1);
      case 0xCD: return read_be(2);
      case 0xCE: return read_be(4);
      case 0xCF: return read_be(8);
      case 0xD0:
      case 0xD1:
      case 0xD2:
      case 0xD3: {  // signed forms holding a non-negative value
        const std::size_t size = std::size_t{1} << (b - 0xD0);
        const std::uint64_t v = read_be(size);
        if ((v >> (8 * size - 1)) & 1u) set_fault(msgpack_fault::invalid);
        return v;
      }
      default: set_fault(msgpack_fault::invalid); return 0;
    }
  }

  /// Reads an array header; returns the element count.
  std::size_t read_array() noexcept {
    const auto b = next_byte();
    if (b >= 0x90 && b <= 0x9F) return b & 0x0Fu;
    if (b == 0xDC) return read_be(2);
    if (b == 0xDD) return read_be(4);
    set_fault(msgpack_fault::invalid);
    return 0;
  }

  /// Reads a map header; returns the number of key/value pairs.
  std::size_t read_map() noexcept {
    const auto b = next_byte();
    if (b >= 0x80 && b <= 0x8F) return b & 0x0Fu;
    if (b == 0xDE) return read_be(2);
    if (b == 0xDF) return read_be(4);
    set_fault(msgpack_fault::invalid);
    return 0;
  }

  /// Skips one value of any kind, nested up to `max_depth` levels.
  void skip(int max_depth = 64) noexcept {
    if (max_depth < 0) {
      set_fault(msgpack_fault::too_deep);
      return;
    }
    switch (peek()) {
      case kind::end: set_fault(msgpack_fault::truncated); return;
      case kind::invalid: set_fault(msgpack_fault::invalid); return;
      case kind::nil:
      case kind::boolean: ++pos_; return;
      case kind::integer: {
        const auto b = byte(pos_++);
        if (b >= 0xCC && b <= 0xD3) take(std::size_t{1} << ((b - 0xCC) & 3u));
        return;
      }
      case kind::floating: take(byte(pos_++) == 0xCA ? 4 : 8); return;
      case kind::string: read_string(); return;
      case kind::binary: {
        const auto b = byte(pos_++);
        take(read_be(std::size_t{1} << (b - 0xC4)));
        return;
      }
      case kind::ext: {
        const auto b = byte(pos_++);
        std::uint64_t n = 0;
        if (b >= 0xD4) n = std::uint64_t{1} << (b - 0xD4);
        else n = read_be(std::size_t{1} << (b - 0xC7));
        take(n + 1);  // the type byte, then the data (64-bit: a 32-bit size_t would wrap at 4 GiB - 1)
        return;
      }
      case kind::array: {
        const std::size_t n = read_array();
        for (std::size_t i = 0; i < n && fault_ == msgpack_fault::none; ++i) skip(max_depth - 1);
        return;
      }
      case kind::map: {
        const std::size_t n = read_map();
        for (std::size_t i = 0; i < n && fault_ == msgpack_fault::none; ++i) {
          skip(max_depth - 1);
          skip(max_depth - 1);
        }
        return;
      }
    }
  }

 private:
  [[nodiscard]] unsigned byte(std::size_t i) const noexcept { return static_cast<unsigned char>(data_[i]); }

  void set_fault(msgpack_fault f) noexcept {
    if (fault_ == msgpack_fault::none) fault_ = f;
    pos_ = data_.size();  // nothing more is read after a fault
  }

  unsigned next_byte() noexcept {
    if (pos_ >= data_.size()) {
      set_fault(msgpack_fault::truncated);
      return 0xC1;
    }
    return byte(pos_++);
  }

  std::uint64_t read_be(std::size_t size) noexcept {
    if (data_.size() - pos_ < size) {
      set_fault(msgpack_fault::truncated);
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < size; ++i) v = (v << 8) | byte(pos_++);
    return v;
  }

  std::string_view take(std::uint64_t n) noexcept {
    if (data_.size() - pos_ < n) {
      set_fault(msgpack_fault::truncated);
      return {};
    }
    const std::string_view out = data_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  msgpack_fault fault_ = msgpack_fault::none;
};

}  // namespace lexzone::detail
