// The designs lexzone is measured against, in the same binary and on the same data:
//
// - `bare_table`: XXH3 + tsl::robin_map<hash, uint32 offset> + one plain byte arena (a growing vector):
//   the practical limit of an interner (one probe, one compare, no layers, no eviction).
// - `std_interner`: std::unordered_map<std::string, hash> with heterogeneous lookup: what one writes
//   first.
// - `spacy_style_store`: one shared table for everything (hash -> individually allocated string, as
//   spaCy's PreshMap of Utf8Str from a cymem Pool); a zone records the keys it added and erases them
//   one by one, freeing each string, on close (spaCy's StringStore.memory_zone).
//
// Each takes an allocator so that bench_memory.cpp can count its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tsl/robin_map.h>

#include <lexzone/hash.hpp>

namespace lexzone_bench {

using lexzone::hash_t;

template <class Alloc, class T>
using rebind_alloc = typename std::allocator_traits<Alloc>::template rebind_alloc<T>;

/// XXH3-64 of the bytes, with no special case (the bare cost).
inline hash_t bare_hash(std::string_view s) noexcept { return static_cast<hash_t>(XXH3_64bits(s.data(), s.size())); }

/// Writes the LEB128 length of `s` then its bytes at the end of `out` (lexzone's entry layout).
template <class Vec>
void append_entry(Vec& out, std::string_view s) {
  for (std::uint64_t v = s.size();; v >>= 7) {
    out.push_back(static_cast<char>((v & 0x7Fu) | (v >= 0x80 ? 0x80u : 0u)));
    if (v < 0x80) break;
  }
  out.insert(out.end(), s.begin(), s.end());
}

/// Reads the entry at `p` written by `append_entry`.
inline std::string_view read_entry(const char* p) noexcept {
  std::uint64_t n = 0;
  unsigned shift = 0;
  for (;;) {
    const auto b = static_cast<std::uint8_t>(*p++);
    n |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80u) == 0) break;
    shift += 7;
  }
  return {p, static_cast<std::size_t>(n)};
}

/// XXH3 + robin_map<hash, offset> + a byte arena. Not thread-safe; no eviction.
template <class Alloc = std::allocator<char>>
class bare_table {
  using map_type = tsl::robin_map<std::uint64_t, std::uint32_t, std::hash<std::uint64_t>, std::equal_to<std::uint64_t>,
                                  rebind_alloc<Alloc, std::pair<std::uint64_t, std::uint32_t>>>;

 public:
  explicit bare_table(const Alloc& a = Alloc())
      : map_(0, std::hash<std::uint64_t>(), std::equal_to<std::uint64_t>(),
             rebind_alloc<Alloc, std::pair<std::uint64_t, std::uint32_t>>(a)),
        bytes_(rebind_alloc<Alloc, char>(a)) {}

  /// Interns `s`: one probe; on a miss the bytes are appended to the arena.
  hash_t add(std::string_view s) {
    const hash_t h = bare_hash(s);
    const auto [it, inserted] = map_.try_emplace(h, static_cast<std::uint32_t>(bytes_.size()));
    if (inserted) {
      append_entry(bytes_, s);
    } else if (read_entry(bytes_.data() + it->second) != s) {
      throw std::runtime_error("bare_table: hash collision");
    }
    return h;
  }

  /// The id of `s` when stored, else 0: hash, probe, compare (the "bare probe").
  [[nodiscard]] hash_t find(std::string_view s) const noexcept {
    const hash_t h = bare_hash(s);
    const auto it = map_.find(h);
    if (it == map_.end() || read_entry(bytes_.data() + it->second) != s) return 0;
    return h;
  }

  /// The string with id `h`.
  [[nodiscard]] std::optional<std::string_view> get(hash_t h) const noexcept {
    const auto it = map_.find(h);
    if (it == map_.end()) return std::nullopt;
    return read_entry(bytes_.data() + it->second);
  }

  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

 private:
  map_type map_;
  std::vector<char, rebind_alloc<Alloc, char>> bytes_;
};

/// std::unordered_map<std::string, hash_t> with heterogeneous (string_view) lookup.
template <class CharAlloc = std::allocator<char>>
class std_interner {
 public:
  using string_type = std::basic_string<char, std::char_traits<char>, CharAlloc>;

  explicit std_interner(const CharAlloc& a = CharAlloc()) : map_(map_alloc(a)), alloc_(a) {}

  hash_t add(std::string_view s) {
    if (const auto it = map_.find(s); it != map_.end()) return it->second;
    const hash_t h = bare_hash(s);
    map_.emplace(string_type(s, alloc_), h);
    return h;
  }

  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

 private:
  struct sv_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
  };
  using map_alloc = rebind_alloc<CharAlloc, std::pair<const string_type, hash_t>>;
  std::unordered_map<string_type, hash_t, sv_hash, std::equal_to<>, map_alloc> map_;
  CharAlloc alloc_;
};

/// One table for permanent and transient strings; zones roll back by erasing their keys (spaCy's way).
/// One zone at a time (spaCy does not nest them either).
class spacy_style_store {
 public:
  spacy_style_store() = default;
  spacy_style_store(const spacy_style_store&) = delete;
  spacy_style_store& operator=(const spacy_style_store&) = delete;
  ~spacy_style_store() {
    for (auto& kv : map_) std::free(kv.second);
  }

  hash_t add(std::string_view s) {
    const hash_t h = bare_hash(s);
    if (const auto it = map_.find(h); it != map_.end()) {
      if (read_entry(it->second) != s) throw std::runtime_error("spacy_style_store: hash collision");
      return h;
    }
    // One allocation per string (cymem Pool.alloc), holding the length and the bytes.
    char header[10];
    std::size_t hn = 0;
    for (std::uint64_t v = s.size();; v >>= 7) {
      header[hn++] = static_cast<char>((v & 0x7Fu) | (v >= 0x80 ? 0x80u : 0u));
      if (v < 0x80) break;
    }
    char* p = static_cast<char*>(std::malloc(hn + s.size()));
    if (p == nullptr) throw std::bad_alloc();
    std::memcpy(p, header, hn);
    if (!s.empty()) std::memcpy(p + hn, s.data(), s.size());
    try {
      if (in_zone_) transient_.push_back(h);
      map_.emplace(h, p);
    } catch (...) {
      std::free(p);
      throw;
    }
    return h;
  }

  [[nodiscard]] std::optional<std::string_view> get(hash_t h) const noexcept {
    const auto it = map_.find(h);
    if (it == map_.end()) return std::nullopt;
    return read_entry(it->second);
  }

  void open_zone() noexcept { in_zone_ = true; }

  /// Erases every key added since `open_zone`, one by one, and frees each string.
  void close_zone() noexcept {
    for (const hash_t h : transient_) {
      const auto it = map_.find(h);
      if (it == map_.end()) continue;
      std::free(it->second);
      map_.erase(it);
    }
    transient_.clear();
    in_zone_ = false;
  }

  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

 private:
  tsl::robin_map<hash_t, char*> map_;
  std::vector<hash_t> transient_;
  bool in_zone_ = false;
};

}  // namespace lexzone_bench
