/// \file detail/lexeme_layer.hpp
/// One layer of a vocab: lexeme records in an arena (they never move) and an index by orth id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

#include "../errors.hpp"
#include "arena.hpp"
#include "index_table.hpp"

namespace lexzone::detail {

template <class Lexeme, class Alloc, bool Concurrent>
class lexeme_layer {
 public:
  explicit lexeme_layer(chunk_source<Alloc>& src) : arena_(src), index_(src.allocator()) {}

  [[nodiscard]] const Lexeme* at(std::uint32_t handle) const noexcept {
    return std::launder(reinterpret_cast<const Lexeme*>(arena_.at(handle)));
  }

  /// The lexeme whose orth is `s` (id `h`), or nullptr when absent. A lexeme with id `h` but other text
  /// (a collision) also gives nullptr: `s` has no lexeme. Throws: nothing.
  [[nodiscard]] const Lexeme* find(hash_t h, std::string_view s) const noexcept {
    const Lexeme* lex = find_hash(h);
    // string_view's == (not memcmp): the lexeme of "" has a null text_data, and memcmp(nullptr, p, 0) is
    // undefined behaviour (found by UBSan in the store_ops fuzzer).
    return lex != nullptr && lex->text() == s ? lex : nullptr;
  }

  /// As `find`, but a collision throws `hash_collision` (the creation paths check this before storing).
  [[nodiscard]] const Lexeme* find_checked(hash_t h, std::string_view s) const {
    const Lexeme* lex = find_hash(h);
    if (lex == nullptr) return nullptr;
    if (LEXZONE_UNLIKELY(lex->text() != s)) throw hash_collision(h, lex->text(), s);
    return lex;
  }

  /// The lexeme with orth id `h`, or nullptr. Throws: nothing.
  [[nodiscard]] const Lexeme* find_hash(hash_t h) const noexcept {
    std::uint32_t handle = 0;
    const auto has_orth = [&](std::uint32_t cand) { return at(cand)->orth == h; };
    if (!index_.find(h, has_orth, handle)) return nullptr;
    return at(handle);
  }

  /// Stores a copy of `lex` (absent) and publishes it. Strong guarantee.
  const Lexeme& insert(const Lexeme& lex) {
    index_.reserve_one([this](std::uint32_t handle) { return at(handle)->orth; });
    const auto a = arena_.allocate(sizeof(Lexeme), alignof(Lexeme));
    const Lexeme* stored = ::new (static_cast<void*>(a.ptr)) Lexeme(lex);
    index_.insert(lex.orth, a.loc);
    return *stored;
  }

  /// Unpublishes the lexeme with id `h` (private layers only); its record stays readable until the layer
  /// dies. Returns whether it was present.
  bool erase(hash_t h) noexcept {
    static_assert(!Concurrent, "erase is only for private layers");
    std::uint32_t handle = 0;
    const auto has_orth = [&](std::uint32_t cand) { return at(cand)->orth == h; };
    if (!index_.find(h, has_orth, handle)) return false;
    return index_.erase(h, handle);
  }

  /// Calls `f(const Lexeme&)` for every published lexeme, in an unspecified order. No concurrent writer.
  template <class F>
  void for_each(F&& f) const {
    index_.for_each([&](std::uint32_t handle) { f(*at(handle)); });
  }

  [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
  [[nodiscard]] std::size_t bytes_held() const noexcept { return arena_.bytes_held() + index_.bytes_held(); }

 private:
  arena<Alloc> arena_;
  index_table<Alloc, Concurrent> index_;
};

}  // namespace lexzone::detail
