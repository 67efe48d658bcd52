/// \file errors.hpp
/// The exceptions lexzone throws, and the replaceable handler that reports use after a zone closed.
///
/// Every exception derives from the standard class that matches its meaning, so callers that only know
/// the standard library still catch it. All of them carry the data needed to log the problem.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config.hpp"

namespace lexzone {

/// The 64-bit id of a string. A plain value: always safe to copy, store and compare.
using hash_t = std::uint64_t;

namespace detail {
inline std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 0xFu]);
  return out;
}
}  // namespace detail

/// Thrown by lookups of a hash that no visible layer holds (never stored, or its zone closed).
class unknown_hash : public std::out_of_range {
 public:
  explicit unknown_hash(hash_t h) : std::out_of_range("lexzone: unknown hash " + detail::hex(h)), hash_(h) {}
  /// The hash that was looked up.
  [[nodiscard]] hash_t hash() const noexcept { return hash_; }

 private:
  hash_t hash_;
};

/// Thrown when a string is added whose hash is already held, in a visible layer, by different bytes.
/// Nothing is stored; the existing string is unchanged.
class hash_collision : public std::runtime_error {
 public:
  hash_collision(hash_t h, std::string_view existing, std::string_view added)
      : std::runtime_error("lexzone: hash collision on " + detail::hex(h) + " between \"" +
                           std::string(existing.substr(0, 64)) + "\" and \"" + std::string(added.substr(0, 64)) + "\""),
        hash_(h) {}
  /// The hash both strings share.
  [[nodiscard]] hash_t hash() const noexcept { return hash_; }

 private:
  hash_t hash_;
};

/// Reported (see `set_zone_closed_handler`) when a doc, token or span made in a zone is used after that
/// zone closed, or when a closed zone guard is used to add or look up. The default handler throws it.
class zone_closed : public std::logic_error {
 public:
  explicit zone_closed(const char* what_was_used)
      : std::logic_error(std::string("lexzone: ") + what_was_used + " used after its memory_zone closed") {}
};

/// Thrown when one layer would exceed its addressable size (4 GiB of string bytes or 2^32 entries).
class capacity_error : public std::length_error {
 public:
  using std::length_error::length_error;
};

/// The signature of a zone-closed handler: `what` names the object that was used ("doc", "token", ...).
/// A handler may throw (the default throws `zone_closed`), log and abort, or return; when it returns, the
/// operation that detected the problem throws `zone_closed` itself, so no stale memory is ever read.
using zone_closed_handler = void (*)(const char* what);

namespace detail {
[[noreturn]] inline void default_zone_closed_handler_throw(const char* what) { throw zone_closed(what); }
inline void default_zone_closed_handler(const char* what) { default_zone_closed_handler_throw(what); }
inline std::atomic<zone_closed_handler>& zone_closed_handler_slot() noexcept {
  static std::atomic<zone_closed_handler> slot{&default_zone_closed_handler};
  return slot;
}
}  // namespace detail

/// Installs `handler` (nullptr restores the default) and returns the previous one.
/// Thread safety: safe to call from any thread; takes effect for reports that start after it returns.
inline zone_closed_handler set_zone_closed_handler(zone_closed_handler handler) noexcept {
  if (handler == nullptr) handler = &detail::default_zone_closed_handler;
  return detail::zone_closed_handler_slot().exchange(handler);
}

namespace detail {
/// Reports a use after close through the installed handler; throws `zone_closed` if the handler returns.
[[noreturn]] inline void report_zone_closed(const char* what) {
  zone_closed_handler_slot().load()(what);
  throw zone_closed(what);
}
}  // namespace detail

}  // namespace lexzone
