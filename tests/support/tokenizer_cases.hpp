// spaCy's tokenizer test cases (tests/data/spacy_en_tokenizer_cases*.jsonl, spacy_lang/L_cases.jsonl) for
// the tests: checking a segmentation against a case, and applying a case's `setup` operations to a
// segmenter or a tokenizer (anything with add_special_case, clear_special_cases, set_faster_heuristics).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lexzone/tokenizer/piece.hpp"
#include "lexzone/unicode/utf8.hpp"

namespace lexzone_test {

using nlohmann::json;

/// Whether case `c` carries the mark `mark` ("skip", "xfail", ...).
inline bool has_mark(const json& c, std::string_view mark) {
  if (!c.contains("marks")) return false;
  return std::any_of(c["marks"].begin(), c["marks"].end(), [&](const json& m) { return m.get<std::string>() == mark; });
}

/// The texts of `pieces` in `text`.
inline std::vector<std::string> texts_of(std::string_view text, const std::vector<lexzone::piece>& pieces) {
  std::vector<std::string> out;
  for (const auto& p : pieces) out.emplace_back(p.text_in(text));
  return out;
}

/// The pieces' texts plus one space after each piece with `space_after`.
inline std::string rebuild(std::string_view text, const std::vector<lexzone::piece>& pieces) {
  std::string out;
  for (const auto& p : pieces) {
    out.append(p.text_in(text));
    if (p.space_after) out.push_back(' ');
  }
  return out;
}

/// Every byte of `text` is in exactly one piece or is the ' ' of a `space_after`; no piece is empty.
inline bool covers_exactly(std::string_view text, const std::vector<lexzone::piece>& pieces) {
  std::size_t at = 0;
  for (const auto& p : pieces) {
    if (p.begin != at || p.size == 0 || p.begin + p.size > text.size()) return false;
    at = p.begin + p.size;
    if (p.space_after) {
      if (at >= text.size() || text[at] != ' ') return false;
      ++at;
    }
  }
  return at == text.size();
}

/// `text` as JSON, then its pieces in brackets.
inline std::string show_tokens(std::string_view text, const std::vector<lexzone::piece>& pieces) {
  std::string s = json(std::string(text)).dump() + " ->";
  for (const auto& t : texts_of(text, pieces)) s += " [" + t + "]";
  return s;
}

/// Whether the tokens and trailing-space flags of `pieces` are those of an `L_cases.jsonl` line.
inline bool same_as_spacy(const json& line, std::string_view text, const std::vector<lexzone::piece>& pieces) {
  std::vector<bool> ws;
  for (const auto& p : pieces) ws.push_back(p.space_after);
  return texts_of(text, pieces) == line["tokens"].get<std::vector<std::string>>() &&
         ws == line["ws"].get<std::vector<bool>>();
}

/// The result of checking one case.
struct outcome {
  bool checked = true;  ///< false: deferred (needs lexeme attributes)
  bool passed = false;  ///< the case holds
  std::string note;     ///< why it failed, when known
};

namespace detail {

inline bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

/// Norm of a piece as far as segmentation decides it: the special-case NORM, else (for ASCII text) the
/// lower-case form the lexeme layer would give. False when that is not decidable here.
inline bool effective_norm(std::string_view tok_text, const lexzone::piece& p, std::string& norm) {
  if (!p.norm.empty()) {
    norm = std::string(p.norm);
    return true;
  }
  if (!is_ascii(tok_text)) return false;
  norm = std::string(tok_text);
  for (char& c : norm)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return true;
}

inline std::string at_index(const std::vector<std::string>& tokens, long i) {
  if (i < 0) i += static_cast<long>(tokens.size());
  if (i < 0 || static_cast<std::size_t>(i) >= tokens.size()) return "<out of range>";
  return tokens[static_cast<std::size_t>(i)];
}

inline std::size_t code_points(std::string_view s) { return lexzone::unicode::length(s); }

/// The `attrs` checks of a case (norm_ only; other attributes defer the case).
inline outcome check_attrs(const json& c, const std::vector<std::string>& toks,
                           const std::vector<lexzone::piece>& pieces) {
  outcome r;
  r.passed = true;
  for (const auto& check : c["attrs"]) {
    const auto& target = check[0];
    const std::string attr = target[target.size() - 1].get<std::string>();
    if (attr != "norm_") return outcome{false, false, attr + " needs lexeme attributes"};
    std::vector<std::size_t> indices;
    std::vector<std::string> expected;
    if (target.size() == 1) {  // the norms of the whole doc
      expected = check[2].get<std::vector<std::string>>();
      if (expected.size() != pieces.size()) return outcome{true, false, "token count"};
      for (std::size_t k = 0; k < pieces.size(); ++k) indices.push_back(k);
    } else {
      indices.push_back(std::stoul(target[0].get<std::string>()));
      expected.push_back(check[2].get<std::string>());
      if (indices[0] >= pieces.size()) return outcome{true, false, "no such token"};
    }
    for (std::size_t i = 0; i < indices.size(); ++i) {
      std::string norm;
      if (!effective_norm(toks[indices[i]], pieces[indices[i]], norm)) return outcome{false, false, "non-ASCII norm"};
      r.passed = r.passed && norm == expected[i];
    }
  }
  return r;
}

}  // namespace detail

/// Checks case `c` (of spacy_en_tokenizer_cases*.jsonl) against `pieces`, the segmentation of its text;
/// `url_match` is the URL predicate's answer on the text (for kind "url_match").
inline outcome check_case(const json& c, const std::vector<lexzone::piece>& pieces, bool url_match) {
  const std::string kind = c["kind"].get<std::string>();
  const std::string text = c["text"].get<std::string>();
  outcome r;
  if (kind == "url_match") {
    r.passed = url_match == c["url_match"].get<bool>();
    return r;
  }
  const auto toks = texts_of(text, pieces);
  if (!covers_exactly(text, pieces)) return outcome{true, false, "pieces do not cover the text"};
  if (kind == "tokens") {
    r.passed = toks == c["tokens"].get<std::vector<std::string>>();
  } else if (kind == "count" || kind == "partial") {
    r.passed = kind == "partial" || toks.size() == c["count"].get<std::size_t>();
    if (c.contains("tokens_at")) {
      for (const auto& [i, v] : c["tokens_at"].items())
        r.passed = r.passed && detail::at_index(toks, std::stol(i)) == v.get<std::string>();
    }
  } else if (kind == "roundtrip") {
    r.passed = rebuild(text, pieces) == text;
  } else if (kind == "offsets") {
    r.passed = true;
    for (const auto& [i, v] : c["idx"].items()) {
      const std::size_t k = std::stoul(i);
      r.passed = r.passed && k < pieces.size() &&
                 detail::code_points(std::string_view(text).substr(0, pieces[k].begin)) == v.get<std::size_t>();
    }
    if (c.contains("token_len")) {
      for (const auto& [i, v] : c["token_len"].items()) {
        const std::size_t k = std::stoul(i);
        r.passed =
            r.passed && k < pieces.size() && detail::code_points(pieces[k].text_in(text)) == v.get<std::size_t>();
      }
    }
  } else if (kind == "contains") {
    r.passed = true;
    for (const auto& t : c["contains"])
      r.passed = r.passed && std::count(toks.begin(), toks.end(), t.get<std::string>()) > 0;
    if (c.contains("not_contains")) {
      for (const auto& t : c["not_contains"])
        r.passed = r.passed && std::count(toks.begin(), toks.end(), t.get<std::string>()) == 0;
    }
  } else if (kind == "min_count") {
    r.passed = toks.size() >= c["min_count"].get<std::size_t>();
  } else if (kind == "attrs") {
    r = detail::check_attrs(c, toks, pieces);
  } else {
    r.note = "unknown kind " + kind;
  }
  return r;
}

/// `check_case`, then, for a case of another kind that also carries `attrs`, those too (the custom cases).
inline outcome check_case_and_attrs(const json& c, const std::vector<lexzone::piece>& pieces, bool url_match) {
  outcome r = check_case(c, pieces, url_match);
  if (r.passed && c.contains("attrs") && c["kind"] != "attrs") {
    r = detail::check_attrs(c, texts_of(c["text"].get<std::string>(), pieces), pieces);
  }
  return r;
}

/// Special-case pieces from a case's `substrings` / rule list ([{"ORTH": ..., "NORM": ...}], keys in any
/// case); the strings live in `storage` (reserved so that the views stay valid).
inline std::vector<lexzone::special_piece> special_pieces(const json& substrings, std::vector<std::string>& storage) {
  storage.clear();
  storage.reserve(2 * substrings.size());
  std::vector<lexzone::special_piece> out;
  for (const auto& sub : substrings) {
    lexzone::special_piece p;
    for (const auto& [k, v] : sub.items()) {
      if (k == "ORTH" || k == "orth") p.orth = storage.emplace_back(v.get<std::string>());
      if (k == "NORM" || k == "norm") p.norm = storage.emplace_back(v.get<std::string>());
    }
    out.push_back(p);
  }
  return out;
}

/// Applies the special-case and `faster_heuristics` operations of a case's `setup` to `target` (a
/// segmenter or tokenizer); other operations are left to `other(op)`, which returns whether it handled
/// them. Returns false when an operation is not supported.
template <class Target, class Other>
bool apply_setup(const json& c, Target& target, Other&& other) {
  if (!c.contains("setup")) return true;
  for (const auto& op : c["setup"]) {
    const std::string name = op["op"].get<std::string>();
    if (name == "add_special_case") {
      std::vector<std::string> storage;
      const auto pieces = special_pieces(op["substrings"], storage);
      target.add_special_case(op["string"].get<std::string>(), pieces);
    } else if (name == "set_rules" && op["rules"].empty()) {
      target.clear_special_cases();
    } else if (name == "set" && op["attr"] == "faster_heuristics") {
      target.set_faster_heuristics(op["value"].get<bool>());
    } else if (!other(op)) {
      return false;
    }
  }
  return true;
}

}  // namespace lexzone_test
