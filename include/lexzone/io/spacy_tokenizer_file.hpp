/// \file io/spacy_tokenizer_file.hpp
/// Reads spaCy's serialized tokenizer: the `tokenizer` file of a spaCy pipeline directory, i.e.
/// `nlp.tokenizer.to_bytes(exclude=["vocab"])` (MessagePack), into a `tokenizer_rules` value.
///
/// ## Layout
/// A map with string keys: `prefix_search`, `suffix_search`, `infix_finditer`, `token_match`, `url_match`
/// (each a string of Python `re` source, or nil for none), `exceptions` (a map from the special-case
/// text to an array of maps with integer keys: 65 = ORTH, a string, required; 67 = NORM, a string,
/// optional) and `faster_heuristics` (a boolean). As spaCy's `Tokenizer.from_bytes` does, a missing key
/// leaves its default (no regex, no exceptions, `faster_heuristics` true) and other keys (e.g. `vocab`)
/// are ignored; a map with none of the seven keys is rejected. The ORTHs of an exception must join to its
/// key (spaCy's E997). Attributes other than ORTH and NORM are rejected (spaCy's E1005).
///
/// No dependency beyond the standard library: nlohmann_json cannot read these files (its MessagePack
/// parser requires string map keys, and the exceptions use integer keys).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../detail/msgpack_reader.hpp"
#include "../tokenizer_rules.hpp"
#include "file_error.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::io {

/// Why a rule file could not be read.
enum class rule_file_errc {
  missing,       ///< no such file
  unreadable,    ///< exists but cannot be read (a directory, no permission, I/O error)
  truncated,     ///< ends in the middle of a MessagePack value
  not_msgpack,   ///< not a single MessagePack value (invalid bytes, or data after the value)
  wrong_layout,  ///< MessagePack, but not a spaCy tokenizer (wrong types, missing ORTH, ...)
};

/// Name of `e` ("missing", ...). Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view to_string(rule_file_errc e) noexcept {
  switch (e) {
    case rule_file_errc::missing: return "missing";
    case rule_file_errc::unreadable: return "unreadable";
    case rule_file_errc::truncated: return "truncated";
    case rule_file_errc::not_msgpack: return "not_msgpack";
    case rule_file_errc::wrong_layout: return "wrong_layout";
  }
  return "unknown";
}

/// Thrown by the rule-file readers: `code()` says why, `name()` names the file, and `what()` reads
/// "<name>: <problem>", so a command-line tool can print it as it is.
using rule_file_error = file_error<rule_file_errc>;

namespace detail {

/// spaCy's attribute ids used in exceptions (spacy/attrs.pyx).
inline constexpr std::uint64_t attr_orth = 65;
inline constexpr std::uint64_t attr_norm = 67;

class rules_parser {
 public:
  rules_parser(std::string_view bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}

  tokenizer_rules run() {
    check_msgpack();
    lexzone::detail::msgpack_reader r(bytes_);
    if (r.peek() != kind::map) layout("the top level is not a map");
    const std::size_t n = r.read_map();
    tokenizer_rules rules;
    bool known = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (r.peek() != kind::string) layout("a top-level key is not a string");
      const std::string_view key = r.read_string();
      if (key == "prefix_search") rules.prefix_search = regex_source(r, key);
      else if (key == "suffix_search") rules.suffix_search = regex_source(r, key);
      else if (key == "infix_finditer") rules.infix_finditer = regex_source(r, key);
      else if (key == "token_match") rules.token_match = regex_source(r, key);
      else if (key == "url_match") rules.url_match = regex_source(r, key);
      else if (key == "exceptions") rules.exceptions = exceptions(r);
      else if (key == "faster_heuristics") {
        if (r.peek() != kind::boolean) layout("faster_heuristics is not a boolean");
        rules.faster_heuristics = r.read_bool();
      } else {
        r.skip();
        continue;
      }
      known = true;
    }
    if (!known) layout("none of the keys of a spaCy tokenizer (prefix_search, ..., exceptions) is present");
    return rules;
  }

 private:
  using kind = lexzone::detail::msgpack_reader::kind;

  [[noreturn]] void fail(rule_file_errc code, const std::string& message) const {
    throw rule_file_error(code, name_, message);
  }
  [[noreturn]] void layout(const std::string& message) const {
    fail(rule_file_errc::wrong_layout, "not a spaCy tokenizer file: " + message);
  }

  /// Pass 1: the bytes are exactly one well-formed MessagePack value.
  void check_msgpack() const {
    if (bytes_.empty()) fail(rule_file_errc::truncated, "empty file");
    lexzone::detail::msgpack_reader r(bytes_);
    r.skip();
    switch (r.fault()) {
      case lexzone::detail::msgpack_fault::none: break;
      case lexzone::detail::msgpack_fault::truncated: fail(rule_file_errc::truncated, "truncated MessagePack data");
      case lexzone::detail::msgpack_fault::invalid: fail(rule_file_errc::not_msgpack, "not MessagePack data");
      case lexzone::detail::msgpack_fault::too_deep: fail(rule_file_errc::wrong_layout, "nested too deeply");
    }
    if (!r.at_end()) {
      fail(rule_file_errc::not_msgpack,
           "not MessagePack data (" + std::to_string(bytes_.size() - r.offset()) + " bytes after the first value)");
    }
  }

  std::optional<std::string> regex_source(lexzone::detail::msgpack_reader& r, std::string_view key) const {
    if (r.peek() == kind::nil) {
      r.skip();
      return std::nullopt;
    }
    if (r.peek() != kind::string) layout(std::string(key) + " is neither a string nor nil");
    return std::string(r.read_string());
  }

  std::vector<special_case> exceptions(lexzone::detail::msgpack_reader& r) const {
    if (r.peek() != kind::map) layout("exceptions is not a map");
    const std::size_t n = r.read_map();
    std::vector<special_case> out;
    // n comes from the file: reserve no more entries than the bytes left can hold. The smallest valid
    // entry takes 7 bytes (a key of one character, 2; an array of one token, 1; a map of one attribute,
    // 1; ORTH, 1; its text, 2); a hostile header that claims more is refused below, entry by entry.
    constexpr std::size_t min_entry_bytes = 7;
    out.reserve(std::min(n, (bytes_.size() - std::min(bytes_.size(), r.offset())) / min_entry_bytes));
    for (std::size_t i = 0; i < n; ++i) {
      if (r.peek() != kind::string) layout("an exception key is not a string");
      special_case sc;
      sc.key = r.read_string();
      // The segmenter refuses these too, but without the file's name: refused here, as the layout's.
      if (sc.key.empty()) layout("an exception has an empty key");
      // The key as the errors below quote it (file_error escapes the whole message; this cuts it).
      const auto exception = [&sc] { return "exception \"" + lexzone::detail::printable(sc.key, 64) + "\""; };
      if (r.peek() != kind::array) layout(exception() + " is not an array");
      const std::size_t pieces = r.read_array();
      if (pieces == 0) layout(exception() + " has no tokens");
      std::string joined;
      for (std::size_t p = 0; p < pieces; ++p) {
        if (r.peek() != kind::map) layout("a token of " + exception() + " is not a map");
        const std::size_t attrs = r.read_map();
        special_case_token tok;
        bool has_orth = false;
        for (std::size_t a = 0; a < attrs; ++a) {
          if (r.peek() != kind::integer) layout("an attribute key of " + exception() + " is not an integer");
          const std::uint64_t id = r.read_uint();
          if (r.fault() != lexzone::detail::msgpack_fault::none || (id != attr_orth && id != attr_norm)) {
            layout(exception() + " sets an attribute other than ORTH (65) and NORM (67)");
          }
          if (r.peek() != kind::string) layout("an attribute of " + exception() + " is not a string");
          std::string value(r.read_string());
          if (id == attr_orth) {
            tok.orth = std::move(value);
            has_orth = true;
          } else {
            tok.norm = std::move(value);
          }
        }
        if (!has_orth) layout("a token of " + exception() + " has no ORTH (65)");
        if (tok.orth.empty()) layout("a token of " + exception() + " has an empty ORTH");
        joined += tok.orth;
        sc.tokens.push_back(std::move(tok));
      }
      if (joined != sc.key) layout("the ORTHs of " + exception() + " do not join to its key");
      out.push_back(std::move(sc));
    }
    return out;
  }

  std::string_view bytes_;
  std::string name_;
};

}  // namespace detail

/// Parses the bytes of a spaCy tokenizer file; `name` labels errors.
/// Complexity: O(bytes.size()). Thread safety: reentrant. Lifetime: the result owns its strings.
/// Throws: `rule_file_error` (truncated, not_msgpack, wrong_layout), `std::bad_alloc`.
[[nodiscard]] inline tokenizer_rules parse_spacy_tokenizer(std::string_view bytes, std::string name = "<buffer>") {
  return detail::rules_parser(bytes, std::move(name)).run();
}

/// Reads the file `path` (e.g. `<pipeline>/tokenizer`, or `../shared/data/spacy_lang/de.tokenizer`).
/// Complexity: O(file size). Thread safety: reentrant. Throws: `rule_file_error` naming the file (missing,
/// unreadable, truncated, not_msgpack, wrong_layout), `std::bad_alloc`.
[[nodiscard]] inline tokenizer_rules load_spacy_tokenizer(const std::filesystem::path& path) {
  return parse_spacy_tokenizer(read_data_file<rule_file_errc>(path), path.string());
}

}  // namespace lexzone::io
