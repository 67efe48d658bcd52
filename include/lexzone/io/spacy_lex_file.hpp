/// \file io/spacy_lex_file.hpp
/// Reads a language's lexeme-attribute data (`L.lex.json`) into a `lang::lex_data`, for
/// `lang::lexeme_traits`. Needs nlohmann_json (link `nlohmann_json::nlohmann_json`), like every header
/// under `io/` but spacy_tokenizer_file.hpp.
///
/// ## The file
/// One UTF-8 JSON object describing `spacy.blank(L)` of spaCy 3.8 (the files of spaCy 3.8.2's 73 languages
/// are in the project's shared data, `spacy_lang/L.lex.json`):
/// | key | type | use |
/// |---|---|---|
/// | `lang` | string | the language code; picks the language's like_num rule family (below) |
/// | `stop_words` | array of strings | `lex_data::stop_words` |
/// | `num_words` | object | the word lists of spacy/lang/L/lex_attrs.py by variable name: arrays of strings, `_ordinal_suffix` (a string), `_numeral_suffixes` (an object of strings, in order) |
/// | `other_lex_attrs_values` | object | `_stem_suffixes` (hi, ne: arrays of arrays of strings), `_currency_words` (sl) |
/// | `like_num_source` | string | `"base"` when the language keeps spaCy's base like_num |
/// | `like_num_probes` | object of booleans | the language's like_num on fixed strings; checked after loading |
/// | `lex_attr_getters` | object | attribute name -> spaCy function: LIKE_NUM, NORM, IS_CURRENCY, LANG |
/// Other keys are ignored.
///
/// ## Rules
/// The word lists come from the file; how a language uses them is code: `detail::spacy_like_num_rule`
/// maps each of the 53 languages whose LIKE_NUM spaCy 3.8.2 overrides to the rule families of
/// lang/like_num_rule.hpp and their parameters (facts of spacy/lang/L/lex_attrs.py, MIT, Explosion AI).
/// hi and ne get their NORM stemmer, id, ms and sl their IS_CURRENCY words. A language outside the table
/// whose file names a getter other than spaCy's base ones is refused (`unknown_rule`) rather than given
/// wrong answers, and so is a file whose `like_num_probes` the loaded rule does not reproduce
/// (`probe_mismatch`): both mean the file comes from a spaCy whose rules this version does not know.
#pragma once

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../lang/lexeme_traits.hpp"
#include "file_error.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::io {

/// Why a lexeme-attribute file could not be loaded.
enum class lex_file_errc {
  missing,         ///< no such file
  unreadable,      ///< exists but cannot be read
  not_json,        ///< not one JSON value
  wrong_layout,    ///< JSON, but not the layout of the file comment
  unknown_rule,    ///< the language overrides an attribute in a way this version does not know
  probe_mismatch,  ///< the loaded like_num disagrees with the file's `like_num_probes`
};

/// Name of `e` ("missing", ...). Complexity: O(1). Throws: nothing.
[[nodiscard]] constexpr std::string_view to_string(lex_file_errc e) noexcept {
  switch (e) {
    case lex_file_errc::missing: return "missing";
    case lex_file_errc::unreadable: return "unreadable";
    case lex_file_errc::not_json: return "not_json";
    case lex_file_errc::wrong_layout: return "wrong_layout";
    case lex_file_errc::unknown_rule: return "unknown_rule";
    case lex_file_errc::probe_mismatch: return "probe_mismatch";
  }
  return "unknown";
}

/// Thrown by the lexeme-attribute file readers: `code()` says why, `name()` names the file (or the name
/// given for a buffer), and `what()` reads "<name>: <problem>".
using lex_file_error = file_error<lex_file_errc>;

/// Options of the lexeme-attribute file readers.
struct lex_file_options {
  bool check_probes = true;  ///< check the loaded like_num against the file's `like_num_probes`
};

namespace detail {

/// The JSON type of the reader. Objects are `std::map`s: O(log n) a key, where `ordered_json`'s linear
/// search made an object of n keys cost O(n^2) to parse (a hostile file of 300,000 keys took minutes).
/// The one object whose order matters, `num_words._numeral_suffixes`, has its key order recorded while
/// parsing (`numeral_suffix_order`).
using lex_json = nlohmann::json;

/// Parses `json_text`, recording in `order` the keys of `num_words._numeral_suffixes` in file order (each
/// once, at its first place, as `ordered_json` kept them; the values are the map's: the last of
/// duplicates). Throws: what `lex_json::parse` throws, std::bad_alloc.
inline lex_json parse_recording_order(std::string_view json_text, std::vector<std::string>& order) {
  std::string parent;        // the key of the current depth-1 member (a member of the top-level object)
  std::string child;         // the key of the current depth-2 member
  bool in_suffixes = false;  // inside the object num_words._numeral_suffixes (directly)
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event, lex_json& parsed) {
    using ev = nlohmann::json::parse_event_t;
    if (event == ev::key) {
      if (depth == 1) parent = parsed.get<std::string>();
      if (depth == 2) child = parsed.get<std::string>();
      if (depth == 3 && in_suffixes) order.push_back(parsed.get<std::string>());
    } else if (event == ev::object_start && depth == 2) {
      in_suffixes = parent == "num_words" && child == "_numeral_suffixes";
      if (in_suffixes) order.clear();  // a later duplicate replaces an earlier object, as in ordered_json
    } else if (event == ev::object_end && depth == 2) {
      in_suffixes = false;
    }
    return true;
  };
  return lex_json::parse(json_text, callback);
}

/// Builds a `lex_data` from a parsed file, naming `name` in its errors.
class lex_data_builder {
 public:
  /// A builder over `doc`, which must outlive it; `suffix_order` lists the keys of
  /// `num_words._numeral_suffixes` in file order (see `parse_recording_order`).
  lex_data_builder(const lex_json& doc, std::string name, std::vector<std::string> suffix_order = {})
      : doc_(doc), name_(std::move(name)), suffix_order_(std::move(suffix_order)) {}

  /// The language's data. Throws: `lex_file_error`, std::bad_alloc.
  lang::lex_data run(const lex_file_options& options) {
    if (!doc_.is_object()) layout("the top level is not an object");
    lang::lex_data data;
    data.lang = string_at(doc_, "lang");
    data.stop_words = strings(member(doc_, "stop_words"), "stop_words");
    num_words_ = &member(doc_, "num_words");
    if (!num_words_->is_object()) layout("num_words is not an object");
    other_ = &member(doc_, "other_lex_attrs_values");
    if (!other_->is_object()) layout("other_lex_attrs_values is not an object");
    const lex_json& getters = member(doc_, "lex_attr_getters");
    if (!getters.is_object()) layout("lex_attr_getters is not an object");
    for (const auto& [attr, fn] : getters.items()) {
      if (attr == "LIKE_NUM" || attr == "LANG") continue;  // LANG: replaced by spaCy's create_vocab anyway
      if (attr == "NORM" && (data.lang == "hi" || data.lang == "ne")) continue;
      if (attr == "IS_CURRENCY" && (data.lang == "id" || data.lang == "ms" || data.lang == "sl")) continue;
      unknown("overrides " + attr + " (" + (fn.is_string() ? fn.get<std::string>() : std::string("?")) + ")");
    }
    if (getters.contains("NORM")) {
      data.stemmer = lang::norm_stemmer{groups(other_member("_stem_suffixes"), "_stem_suffixes"), data.lang == "ne"};
    }
    if (getters.contains("IS_CURRENCY")) data.currency_words = currency_words(data.lang);
    const std::string source = string_at(doc_, "like_num_source");
    if (source != "base" || getters.contains("LIKE_NUM")) data.like_num = like_num_rule(data.lang);
    if (options.check_probes) check_probes(data.like_num);
    return data;
  }

 private:
  [[noreturn]] void fail(lex_file_errc code, const std::string& message) const {
    throw lex_file_error(code, name_, message);
  }
  [[noreturn]] void layout(const std::string& message) const {
    fail(lex_file_errc::wrong_layout, "not a lexeme-attribute file: " + message);
  }
  [[noreturn]] void unknown(const std::string& what) const {
    fail(lex_file_errc::unknown_rule,
         "language \"" + string_at(doc_, "lang") + "\" " + what + ", which this version of lexzone cannot compute");
  }

  const lex_json& member(const lex_json& obj, const char* key) const {
    const auto it = obj.find(key);
    if (it == obj.end()) layout(std::string("no \"") + key + "\"");
    return *it;
  }
  std::string string_at(const lex_json& obj, const char* key) const {
    const lex_json& v = member(obj, key);
    if (!v.is_string()) layout(std::string(key) + " is not a string");
    return v.get<std::string>();
  }
  std::vector<std::string> strings(const lex_json& v, const std::string& what) const {
    if (!v.is_array()) layout(what + " is not an array");
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto& s : v) {
      if (!s.is_string()) layout(what + " holds a value that is not a string");
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  std::vector<std::vector<std::string>> groups(const lex_json& v, const std::string& what) const {
    if (!v.is_array()) layout(what + " is not an array");
    std::vector<std::vector<std::string>> out;
    for (const auto& g : v) {
      out.push_back(strings(g, what));
      if (out.back().empty()) layout(what + " holds an empty group");
    }
    return out;
  }
  const lex_json& other_member(const char* key) const { return member(*other_, key); }
  /// The word list `key` of num_words.
  lang::word_set words(const char* key) const {
    return lang::word_set(strings(member(*num_words_, key), std::string("num_words.") + key));
  }
  /// Every list of num_words, which must all be arrays (the languages that only look words up).
  std::vector<lang::word_set> every_list() const {
    std::vector<lang::word_set> out;
    for (const auto& [key, v] : num_words_->items()) out.emplace_back(strings(v, "num_words." + key));
    return out;
  }

  void add_lookups(lang::like_num_rule& rule, lang::word_match match, std::initializer_list<const char*> keys) const {
    for (const char* key : keys)
      if (num_words_->contains(key)) rule.lookups.push_back({words(key), match});
  }
  void add_every_list(lang::like_num_rule& rule, lang::word_match match) const {
    for (auto& w : every_list()) rule.lookups.push_back({std::move(w), match});
  }

  lang::like_num_rule like_num_rule(const std::string& lang_code) const;
  std::vector<std::string> currency_words(const std::string& lang_code) const;
  void check_probes(const lang::like_num_rule& rule) const;

  const lex_json& doc_;
  std::string name_;
  std::vector<std::string> suffix_order_;
  const lex_json* num_words_ = nullptr;
  const lex_json* other_ = nullptr;
};

/// True when `code` is one of `codes`.
[[nodiscard]] inline bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) noexcept {
  for (const std::string_view c : codes)
    if (c == code) return true;
  return false;
}

inline lang::like_num_rule lex_data_builder::like_num_rule(const std::string& lang_code) const {
  using lang::word_match;
  lang::like_num_rule r;  // spaCy's base rule
  const std::string_view c = lang_code;
  // The base rule plus look-ups of every word list (exactly, or lowercased), with or without the sign.
  if (one_of(c, {"ar", "bo", "ca", "eu", "fi", "he", "ky", "ml", "sa", "tt", "ur"})) {
    add_every_list(r, word_match::exact);
  } else if (one_of(c, {"bg", "cs", "da", "dsb", "es", "fr", "hsb", "hy", "lg", "ro", "sk", "sl", "sr", "sv"})) {
    add_every_list(r, word_match::lower);
  } else if (one_of(c, {"lb", "tl", "uk"})) {
    r.strip_sign = false;
    add_every_list(r, word_match::exact);
  } else if (one_of(c, {"lt", "nl", "pl", "si", "te"})) {
    r.strip_sign = false;
    add_every_list(r, word_match::lower);
  } else if (one_of(c, {"am", "ti", "az", "tr", "en", "tn", "kmr"})) {
    // Number and ordinal words, and digits with an ordinal ending.
    add_lookups(r, word_match::lower, {"_num_words", "_ordinal_words"});
    lang::numeric_ordinal o;
    if (c == "am") o = {{"\xE1\x8A\x9B"}, {2}};       // ኛ, and two code points are cut (spaCy's code)
    else if (c == "ti") o = {{"\xE1\x8B\xAD"}, {2}};  // ይ, likewise
    else if (c == "az" || c == "tr") o = {strings(member(*num_words_, "_ordinal_endings"), "_ordinal_endings"), {3, 4}};
    else if (c == "en") o = {{"st", "nd", "rd", "th"}, {}};
    else if (c == "tn") o = {{"th"}, {}};
    else o = {{"em", "yem", "em\xC3\xAEn", "yem\xC3\xAEn"}, {}};  // kmr: em yem emîn yemîn
    r.ordinals.push_back(std::move(o));
  } else if (c == "el") {
    r.fraction_separators = {"/", "^"};
    add_lookups(r, word_match::lower, {"_num_words"});
    add_lookups(r, word_match::first_word_lower, {"_num_words"});
    add_lookups(r, word_match::exact, {"_num_words"});
  } else if (c == "fa") {
    r.strip_sign = false;
    r.deletions = {",", ".", "\xD8\x8C", "\xD9\xAB", "/"};  // , . ، ٫ /
    r.fraction_separators.clear();
    add_lookups(r, word_match::exact, {"_num_words", "_ordinal_words"});
  } else if (c == "grc") {
    r.strip_sign = false;  // number words only: no digits, signs or fractions
    r.deletions.clear();
    r.digits = false;
    r.fraction_separators.clear();
    add_lookups(r, word_match::lower, {"_num_words"});
  } else if (c == "hi") {
    add_lookups(r, word_match::lower, {"_num_words"});
    add_lookups(r, word_match::exact, {"_ordinal_words_one_to_ten"});
    const lex_json& suffix = member(*num_words_, "_ordinal_suffix");
    if (!suffix.is_string()) layout("num_words._ordinal_suffix is not a string");
    r.suffixed.push_back({{suffix.get<std::string>()}, words("_eleven_to_beyond"), word_match::exact});
  } else if (c == "id" || c == "ms") {
    add_lookups(r, word_match::lower, {"_num_words"});
    r.hyphenated.push_back({words("_num_words")});
  } else if (c == "la") {
    r.strip_sign = false;
    r.deletions.clear();
    r.fraction_separators.clear();
    r.roman_numerals = true;
    add_lookups(r, word_match::lower, {"_num_words", "_ordinal_words"});
  } else if (c == "mk") {
    add_lookups(r, word_match::lower, {"_num_words"});
    // а о и ти та то на ата иот ите ина чки мина тина
    r.suffixed.push_back(
        {{"\xD0\xB0", "\xD0\xBE", "\xD0\xB8", "\xD1\x82\xD0\xB8", "\xD1\x82\xD0\xB0", "\xD1\x82\xD0\xBE",
          "\xD0\xBD\xD0\xB0", "\xD0\xB0\xD1\x82\xD0\xB0", "\xD0\xB8\xD0\xBE\xD1\x82", "\xD0\xB8\xD1\x82\xD0\xB5",
          "\xD0\xB8\xD0\xBD\xD0\xB0", "\xD1\x87\xD0\xBA\xD0\xB8", "\xD0\xBC\xD0\xB8\xD0\xBD\xD0\xB0",
          "\xD1\x82\xD0\xB8\xD0\xBD\xD0\xB0"},
         words("_num_words"),
         word_match::lower});
  } else if (c == "ne") {
    r.deletions = {", ", "."};
    add_lookups(r, word_match::lower, {"_num_words"});
  } else if (c == "pt") {
    r.deletions = {",", ".", "\xC2\xBA", "\xC2\xAA"};  // º ª
    add_lookups(r, word_match::lower, {"_num_words", "_ordinal_words"});
  } else if (c == "ru") {
    r.strip_suffix = "%";
    add_lookups(r, word_match::lower, {"_num_words"});
  } else if (c == "ta") {
    r.strip_sign = false;
    add_lookups(r, word_match::lower, {"_num_words"});
    const lex_json& map = member(*num_words_, "_numeral_suffixes");
    if (!map.is_object()) layout("num_words._numeral_suffixes is not an object");
    lang::suffix_rewrite rw;
    for (const auto& [key, value] : map.items())
      if (!value.is_string()) layout("num_words._numeral_suffixes holds a value that is not a string");
    // File order: the recorded keys, each once (a parsed `doc` without a record keeps the map's order).
    std::set<std::string_view> placed;
    for (const std::string& key : suffix_order_) {
      const auto it = map.find(key);
      if (it != map.end() && placed.insert(key).second) rw.rewrites.emplace_back(key, it->get<std::string>());
    }
    for (const auto& [key, value] : map.items())
      if (placed.find(key) == placed.end()) rw.rewrites.emplace_back(key, value.get<std::string>());
    rw.words = words("_num_words");
    r.rewrites.push_back(std::move(rw));
  } else if (c == "yo") {
    r.strip_sign = false;
    r.fraction_separators.clear();
    r.markers = {"d\xC3\xAD", "d\xE1\xBB\x8D", "l\xC3\xA9", "d\xC3\xADn", "di", "din", "le", "do"};  // dí dọ lé dín ...
    r.strip_accents = true;
    std::vector<std::string> stripped;
    for (const std::string& w : strings(member(*num_words_, "_num_words"), "num_words._num_words"))
      stripped.push_back(lang::strip_accents(w));
    r.lookups.push_back({lang::word_set(stripped), word_match::exact});
    r.lookups.push_back({lang::word_set(std::move(stripped)), word_match::lower});
  } else {
    unknown("has a like_num of its own");
  }
  return r;
}

inline std::vector<std::string> lex_data_builder::currency_words(const std::string& lang_code) const {
  if (lang_code == "sl") return strings(other_member("_currency_words"), "_currency_words");
  // LIST_CURRENCY of spacy/lang/{id,ms}/punctuation.py: the entries that are not Sc characters only (those
  // are currencies anyway). The backslashes are spaCy's: its list holds regex-escaped strings.
  std::vector<std::string> w{"\\$", "US\\$", "C\\$", "A\\$", "USD", "Rp", "IDR", "RMB", "SGD", "S\\$"};
  if (lang_code == "ms") w.insert(w.end(), {"RM", "MYR"});
  return w;
}

inline void lex_data_builder::check_probes(const lang::like_num_rule& rule) const {
  const lex_json& probes = member(doc_, "like_num_probes");
  if (!probes.is_object()) layout("like_num_probes is not an object");
  std::string wrong;
  std::size_t wrong_count = 0;
  constexpr std::size_t named_at_most = 20;  // the message names the first ones only
  for (const auto& [text, want] : probes.items()) {
    if (!want.is_boolean()) layout("like_num_probes holds a value that is not a boolean");
    if (lang::like_num(text, rule) == want.get<bool>()) continue;
    if (++wrong_count <= named_at_most) {
      std::size_t cut = std::min<std::size_t>(text.size(), 100);
      // Whole code points (a byte 10xxxxxx continues one).
      while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      wrong += (wrong.empty() ? "\"" : ", \"") + text.substr(0, cut) + "\"";
    }
  }
  if (wrong_count > named_at_most) wrong += " and " + std::to_string(wrong_count - named_at_most) + " more";
  if (!wrong.empty()) {
    fail(lex_file_errc::probe_mismatch, "the like_num rule of language \"" + string_at(doc_, "lang") +
                                            "\" disagrees with the file's like_num_probes on " + wrong);
  }
}

}  // namespace detail

/// Parses the JSON text of a lexeme-attribute file (see the file comment); `name` labels errors.
/// Complexity: O(size + k log k + w log w) for k object keys and w listed words. Thread safety: reentrant. Lifetime: the result owns
/// its strings. Throws: `lex_file_error` (not_json, wrong_layout, unknown_rule, probe_mismatch),
/// std::bad_alloc.
[[nodiscard]] inline lang::lex_data parse_spacy_lex(std::string_view json_text, std::string name = "<buffer>",
                                                    const lex_file_options& options = {}) {
  // nlohmann_json stops at a NUL byte as at the end of the input, which would drop what follows it.
  if (const std::size_t nul = json_text.find('\0'); nul != std::string_view::npos)
    throw lex_file_error(lex_file_errc::not_json, std::move(name),
                         "not JSON: a NUL byte at offset " + std::to_string(nul));
  detail::lex_json doc;
  std::vector<std::string> suffix_order;
  try {
    doc = detail::parse_recording_order(json_text, suffix_order);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range (406) for a number such as 1e999
    throw lex_file_error(lex_file_errc::not_json, std::move(name), std::string("not JSON: ") + e.what());
  }
  return detail::lex_data_builder(doc, std::move(name), std::move(suffix_order)).run(options);
}

/// Reads the file `path` (e.g. `../shared/data/spacy_lang/de.lex.json`); see `parse_spacy_lex`.
/// Complexity: O(file size + k log k + w log w). Thread safety: reentrant. Throws: `lex_file_error` naming the file
/// (missing, unreadable, not_json, wrong_layout, unknown_rule, probe_mismatch), std::bad_alloc.
[[nodiscard]] inline lang::lex_data load_spacy_lex(const std::filesystem::path& path,
                                                   const lex_file_options& options = {}) {
  return parse_spacy_lex(read_data_file<lex_file_errc>(path), path.string(), options);
}

}  // namespace lexzone::io
