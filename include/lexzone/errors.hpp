/// \file errors.hpp
/// The exceptions lexzone throws, and the replaceable handler that reports use after a zone closed.
///
/// Every exception derives from the standard class that matches its meaning, so callers that only know
/// the standard library still catch it. All of them carry the data needed to log the problem.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config.hpp"
#include "unicode/utf8.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE {

/// The 64-bit id of a string. A plain value: always safe to copy, store and compare.
using hash_t = std::uint64_t;

namespace detail {
inline std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 0xFu]);
  return out;
}

/// Input bytes made fit for an exception's message: at most `max_bytes` of `s` (cut at a character
/// boundary, "..." appended when cut), with every byte that is not part of a well-formed UTF-8 sequence,
/// and every byte of a control character, written as `\xNN`: C0 and C1 controls (U+0000-U+001F,
/// U+007F-U+009F), the line and paragraph separators U+2028 and U+2029, and the bidirectional controls
/// (Unicode's Bidi_Control: U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). `what()` is a C
/// string read up to its first NUL, and a message is logged as one line: a NUL or a line break from the
/// input would cut it or forge another line, a bidirectional control would reorder what a reader sees. A
/// backslash is kept as it is (so the result, escaped again, is unchanged).
/// Complexity: O(min(s.size(), max_bytes)). Throws: `std::bad_alloc`.
inline std::string printable(std::string_view s, std::size_t max_bytes = std::string_view::npos) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(std::min(s.size(), max_bytes) + 8);
  for (std::size_t i = 0; i < s.size();) {
    const unicode::decoded d = unicode::decode(s, i);  // an invalid byte alone
    if (i + d.size > max_bytes) {
      out += "...";
      break;
    }
    const char32_t cp = d.cp;
    const bool escaped = !d.valid || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
                         cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    if (escaped) {
      for (std::size_t k = i; k < i + d.size; ++k) {
        const auto b = static_cast<unsigned char>(s[k]);
        out += "\\x";
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0xFu]);
      }
    } else {
      out.append(s.substr(i, d.size));
    }
    i += d.size;
  }
  return out;
}
}  // namespace detail

/// Thrown by lookups of a hash that no visible layer holds (never stored, or its zone closed).
class unknown_hash : public std::out_of_range {
 public:
  /// The error for id `h`. Complexity: O(1). Throws: `std::bad_alloc`.
  explicit unknown_hash(hash_t h) : std::out_of_range("lexzone: unknown hash " + detail::hex(h)), hash_(h) {}
  /// The hash that was looked up. Complexity: O(1). Throws: nothing.
  [[nodiscard]] hash_t hash() const noexcept { return hash_; }

 private:
  hash_t hash_;
};

/// Thrown when a string is added whose hash is already held, in a visible layer, by different bytes.
/// Nothing is stored; the existing string is unchanged.
class hash_collision : public std::runtime_error {
 public:
  /// The error for id `h`, held by `existing` when `added` was added (both quoted in `what()`: up to 64
  /// bytes each, control characters and invalid UTF-8 bytes as `\xNN`). Complexity: O(1) (at most 64
  /// bytes of each string are read). Throws: `std::bad_alloc`.
  hash_collision(hash_t h, std::string_view existing, std::string_view added)
      : std::runtime_error("lexzone: hash collision on " + detail::hex(h) + " between \"" +
                           detail::printable(existing, 64) + "\" and \"" + detail::printable(added, 64) + "\""),
        hash_(h) {}
  /// The hash both strings share. Complexity: O(1). Throws: nothing.
  [[nodiscard]] hash_t hash() const noexcept { return hash_; }

 private:
  hash_t hash_;
};

/// Reported (see `set_zone_closed_handler`) when a doc, token or span made in a zone is used after that
/// zone closed, or when a closed zone guard is used to add or look up. The default handler throws it.
class zone_closed : public std::logic_error {
 public:
  /// The error for `what_was_used` ("doc", "token", "memory_zone", ...). Complexity: O(strlen(what_was_used)).
  /// Throws: `std::bad_alloc`.
  explicit zone_closed(const char* what_was_used)
      : std::logic_error(std::string("lexzone: ") + what_was_used + " used after its memory_zone closed") {}
};

/// Thrown when one layer would exceed its addressable size (4 GiB of string bytes or 2^32 entries).
class capacity_error : public std::length_error {
 public:
  using std::length_error::length_error;
};

namespace detail {
/// One replaceable process-wide handler of type `Handler` (a function pointer), `Fallback` until replaced.
/// Thread safety: `install` and `current` may be called from any thread.
template <class Handler, Handler Fallback>
struct handler_slot {
  static std::atomic<Handler>& cell() noexcept {
    static std::atomic<Handler> slot{Fallback};
    return slot;
  }
  /// Installs `h` (nullptr: `Fallback`) and returns the previous handler.
  static Handler install(Handler h) noexcept { return cell().exchange(h != nullptr ? h : Fallback); }
  static Handler current() noexcept { return cell().load(); }
};
}  // namespace detail

/// The signature of a zone-closed handler: `what` names the object that was used ("doc", "token", ...).
/// A handler may throw (the default throws `zone_closed`), log and abort, or return; when it returns, the
/// operation that detected the problem throws `zone_closed` itself, so no stale memory is ever read.
using zone_closed_handler = void (*)(const char* what);

namespace detail {
[[noreturn]] inline void default_zone_closed_handler_throw(const char* what) { throw zone_closed(what); }
inline void default_zone_closed_handler(const char* what) { default_zone_closed_handler_throw(what); }
using zone_closed_slot = handler_slot<zone_closed_handler, &default_zone_closed_handler>;
}  // namespace detail

/// Installs `handler` (nullptr restores the default) and returns the previous one. Complexity: O(1).
/// Thread safety: safe to call from any thread; takes effect for reports that start after it returns.
/// Throws: nothing.
inline zone_closed_handler set_zone_closed_handler(zone_closed_handler handler) noexcept {
  return detail::zone_closed_slot::install(handler);
}

namespace detail {
/// Reports a use after close through the installed handler; throws `zone_closed` if the handler returns.
[[noreturn]] inline void report_zone_closed(const char* what) {
  zone_closed_slot::current()(what);
  throw zone_closed(what);
}
}  // namespace detail

/// A broken precondition, as reported to the assertion handler by `LEXZONE_ASSERT` (checked builds).
/// All members point to static strings.
struct assertion_info {
  const char* condition;  ///< the text of the condition that was false
  const char* message;    ///< what the caller did wrong, in words
  const char* file;       ///< the source file of the check
  int line;               ///< its line
};

/// The signature of an assertion handler. It may throw (tests install one that throws, to observe a
/// contract violation without a death test), log and abort; if it returns, the process aborts.
using assertion_handler = void (*)(const assertion_info& info);

namespace detail {
[[noreturn]] inline void default_assertion_handler(const assertion_info& info) {
  std::fprintf(stderr, "lexzone: precondition failed: %s (%s) at %s:%d\n", info.message, info.condition, info.file,
               info.line);
  std::abort();
}
using assertion_slot = handler_slot<assertion_handler, &default_assertion_handler>;
}  // namespace detail

/// Installs `handler` for broken preconditions (nullptr restores the default, which prints the problem on
/// stderr and aborts) and returns the previous one. Complexity: O(1).
/// Thread safety: safe to call from any thread; takes effect for reports that start after it returns.
/// Throws: nothing.
inline assertion_handler set_assertion_handler(assertion_handler handler) noexcept {
  return detail::assertion_slot::install(handler);
}

namespace detail {
/// Reports a broken precondition through the installed handler (`LEXZONE_ASSERT` calls it); aborts if
/// the handler returns.
[[noreturn]] inline void assertion_failed(const char* condition, const char* message, const char* file, int line) {
  assertion_slot::current()(assertion_info{condition, message, file, line});
  std::abort();
}
}  // namespace detail

}  // namespace lexzone
