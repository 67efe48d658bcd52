// Tests of lexzone::en::segmenter: spaCy v3.8's tokenizer test cases (tests/data, credit in its README)
// plus robustness cases (invalid UTF-8, NUL bytes, very long tokens, whitespace-only and empty text).
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "lexzone/lang/en/segmenter.hpp"
#include "lexzone/unicode/utf8.hpp"
#include "support/catch.hpp"

namespace {

using lexzone::en::piece;
using lexzone::en::rule_set;
using lexzone::en::segmenter;
using lexzone::en::special_piece;
using json = nlohmann::json;

std::vector<json> load_cases(const char* file) {
  std::ifstream in(std::string(LEXZONE_TEST_DATA_DIR) + "/" + file);
  REQUIRE(in.good());
  std::vector<json> cases;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) cases.push_back(json::parse(line));
  }
  return cases;
}

bool has_mark(const json& c, std::string_view mark) {
  if (!c.contains("marks")) return false;
  for (const auto& m : c["marks"]) {
    if (m.get<std::string>() == mark) return true;
  }
  return false;
}

std::vector<std::string> texts_of(std::string_view text, const std::vector<piece>& pieces) {
  std::vector<std::string> out;
  for (const piece& p : pieces) out.emplace_back(p.text_in(text));
  return out;
}

std::string rebuild(std::string_view text, const std::vector<piece>& pieces) {
  std::string out;
  for (const piece& p : pieces) {
    out.append(p.text_in(text));
    if (p.space_after) out.push_back(' ');
  }
  return out;
}

/// Every byte of `text` is in exactly one piece or is the ' ' of a `space_after`; no piece is empty.
bool covers_exactly(std::string_view text, const std::vector<piece>& pieces) {
  std::size_t at = 0;
  for (const piece& p : pieces) {
    if (p.begin != at || p.size == 0 || p.begin + p.size > text.size()) return false;
    at = p.begin + p.size;
    if (p.space_after) {
      if (at >= text.size() || text[at] != ' ') return false;
      ++at;
    }
  }
  return at == text.size();
}

std::size_t code_points(std::string_view s) { return lexzone::unicode::length(s); }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string at_index(const std::vector<std::string>& tokens, long i) {
  if (i < 0) i += static_cast<long>(tokens.size());
  if (i < 0 || static_cast<std::size_t>(i) >= tokens.size()) return "<out of range>";
  return tokens[static_cast<std::size_t>(i)];
}

struct outcome {
  bool checked = true;  // false: deferred (needs lexeme attributes)
  bool passed = false;
  std::string note;
};

/// Norm of a piece as far as segmentation decides it: the special-case NORM, else (for ASCII text)
/// the lower-case form the lexeme layer would give. Returns false when that is not decidable here.
bool effective_norm(std::string_view tok_text, const piece& p, std::string& norm) {
  if (!p.norm.empty()) {
    norm = std::string(p.norm);
    return true;
  }
  if (!is_ascii(tok_text)) return false;
  norm = ascii_lower(tok_text);
  return true;
}

outcome run_case(const json& c, const segmenter& seg) {
  const std::string kind = c["kind"].get<std::string>();
  const std::string text = c["text"].get<std::string>();
  outcome r;
  if (kind == "url_match") {
    r.passed = seg.url_match(text) == c["url_match"].get<bool>();
    return r;
  }
  std::vector<piece> pieces;
  seg.segment(text, pieces);
  const auto toks = texts_of(text, pieces);
  if (!covers_exactly(text, pieces)) {
    r.note = "pieces do not cover the text";
    return r;
  }
  if (kind == "tokens") {
    r.passed = toks == c["tokens"].get<std::vector<std::string>>();
  } else if (kind == "count" || kind == "partial") {
    r.passed = kind == "partial" || toks.size() == c["count"].get<std::size_t>();
    if (c.contains("tokens_at")) {
      for (const auto& [i, v] : c["tokens_at"].items())
        r.passed = r.passed && at_index(toks, std::stol(i)) == v.get<std::string>();
    }
  } else if (kind == "roundtrip") {
    r.passed = rebuild(text, pieces) == text;
  } else if (kind == "offsets") {
    r.passed = true;
    for (const auto& [i, v] : c["idx"].items()) {
      const std::size_t k = std::stoul(i);
      r.passed = r.passed && k < pieces.size() &&
                 code_points(std::string_view(text).substr(0, pieces[k].begin)) == v.get<std::size_t>();
    }
    if (c.contains("token_len")) {
      for (const auto& [i, v] : c["token_len"].items()) {
        const std::size_t k = std::stoul(i);
        r.passed = r.passed && k < pieces.size() && code_points(pieces[k].text_in(text)) == v.get<std::size_t>();
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
    r.passed = true;
    for (const auto& check : c["attrs"]) {
      const auto& target = check[0];
      const std::string attr = target[target.size() - 1].get<std::string>();
      if (attr != "norm_") {
        r.checked = false;
        r.note = attr + " needs lexeme attributes";
        return r;
      }
      if (target.size() == 1) {  // the norms of the whole doc
        const auto expected = check[2].get<std::vector<std::string>>();
        r.passed = r.passed && expected.size() == pieces.size();
        for (std::size_t k = 0; r.passed && k < pieces.size(); ++k) {
          std::string norm;
          if (!effective_norm(toks[k], pieces[k], norm)) {
            r.checked = false;
            return r;
          }
          r.passed = norm == expected[k];
        }
      } else {
        const std::size_t k = std::stoul(target[0].get<std::string>());
        std::string norm;
        if (k >= pieces.size()) return outcome{true, false, "no such token"};
        if (!effective_norm(toks[k], pieces[k], norm)) {
          r.checked = false;
          return r;
        }
        r.passed = r.passed && norm == check[2].get<std::string>();
      }
    }
  } else {
    r.note = "unknown kind " + kind;
  }
  return r;
}

std::string show_tokens(std::string_view text, const std::vector<piece>& pieces) {
  std::string s = json(std::string(text)).dump() + " ->";
  for (const auto& t : texts_of(text, pieces)) s += " [" + t + "]";
  return s;
}

std::string show(const json& c, const segmenter& seg) {
  const std::string text = c["text"].get<std::string>();
  std::vector<piece> pieces;
  seg.segment(text, pieces);
  std::string s = c["source"].get<std::string>() + " " + c["kind"].get<std::string>() + " " + json(text).dump() + " ->";
  for (const auto& t : texts_of(text, pieces)) s += " [" + t + "]";
  return s;
}

const segmenter& english() {
  static const segmenter seg(rule_set::english);
  return seg;
}

const segmenter& base_rules() {
  static const segmenter seg(rule_set::base);
  return seg;
}

std::vector<piece> segment(const segmenter& seg, std::string_view text) {
  std::vector<piece> out;
  seg.segment(text, out);
  return out;
}

std::vector<std::string> tokens(const segmenter& seg, std::string_view text) {
  return texts_of(text, segment(seg, text));
}

}  // namespace

TEST_CASE("spaCy v3.8 tokenizer conformance cases", "[tokenizer]") {
  const auto cases = load_cases("spacy_en_tokenizer_cases.jsonl");
  REQUIRE(cases.size() == 634);
  std::map<std::string, std::pair<int, int>> by_kind;  // passed, total
  int skipped = 0;
  int deferred = 0;
  std::vector<std::string> failures;
  for (const auto& c : cases) {
    if (has_mark(c, "skip") || has_mark(c, "xfail")) {
      ++skipped;
      continue;
    }
    const segmenter& seg = c["tokenizer"] == "xx" ? base_rules() : english();
    const outcome r = run_case(c, seg);
    const std::string kind = c["kind"].get<std::string>();
    if (!r.checked) {
      ++deferred;
      continue;
    }
    auto& [passed, total] = by_kind[kind];
    ++total;
    if (r.passed) {
      ++passed;
    } else {
      failures.push_back(show(c, seg) + (r.note.empty() ? "" : " (" + r.note + ")"));
    }
  }
  int passed_all = 0;
  int total_all = 0;
  for (const auto& [kind, pt] : by_kind) {
    passed_all += pt.first;
    total_all += pt.second;
    std::printf("  %-10s %3d / %3d\n", kind.c_str(), pt.first, pt.second);
  }
  std::printf(
      "spaCy cases: %d / %d passed, %d skip/xfail excluded, %d attrs deferred (like_num/is_stop need lexemes)\n",
      passed_all, total_all, skipped, deferred);
  for (const auto& f : failures) UNSCOPED_INFO(f);
  CHECK(skipped == 13);
  CHECK(total_all + deferred == 621);
  REQUIRE(failures.empty());
}

TEST_CASE("spaCy 3.8.2's own output on its English and base test texts", "[tokenizer]") {
  // Every line holds spaCy's real tokens and trailing-space flags: all must match, whitespace included.
  for (const auto& [file, rules, lines] : {std::tuple{"spacy_lang/en_cases.jsonl", rule_set::english, 585},
                                           std::tuple{"spacy_lang/xx_cases.jsonl", rule_set::base, 435}}) {
    const segmenter& seg = rules == rule_set::english ? english() : base_rules();
    const auto cases = load_cases(file);
    CHECK(cases.size() == static_cast<std::size_t>(lines));
    int passed = 0;
    for (const auto& c : cases) {
      const std::string text = c["text"].get<std::string>();
      const auto ps = segment(seg, text);
      std::vector<bool> ws;
      for (const piece& p : ps) ws.push_back(p.space_after);
      if (texts_of(text, ps) == c["tokens"].get<std::vector<std::string>>() && ws == c["ws"].get<std::vector<bool>>()) {
        ++passed;
      } else {
        UNSCOPED_INFO(file << ": " << show_tokens(text, ps));
      }
    }
    std::printf("%s: %d / %zu lines give spaCy 3.8.2's tokens and spaces\n", file, passed, cases.size());
    CHECK(passed == static_cast<int>(cases.size()));
  }
}

TEST_CASE("a single letter and a period is one token (spaCy's base exceptions a. to z., ä., ö., ü.)", "[tokenizer]") {
  // spaCy 3.8.2 keeps "a." ... "z." whole; "°c." is an exception of its own (° c .), so the letter
  // exceptions do not merge it. Expected tokens as spaCy's algorithm gives them over its serialized
  // English rules (spacy_lang/en.tokenizer).
  const segmenter& seg = english();
  using v = std::vector<std::string>;
  CHECK(tokens(seg, "see a. and b.") == v{"see", "a.", "and", "b."});
  CHECK(tokens(seg, "Points a. through z. apply.") == v{"Points", "a.", "through", "z.", "apply", "."});
  CHECK(tokens(seg, "a. b. c.") == v{"a.", "b.", "c."});
  CHECK(tokens(seg, "(a.)") == v{"(", "a.", ")"});
  CHECK(tokens(seg, "\"z.\"") == v{"\"", "z.", "\""});
  CHECK(tokens(seg, "x.:") == v{"x.", ":"});
  CHECK(tokens(seg, "ö.") == v{"ö."});
  CHECK(tokens(seg, "ü.!") == v{"ü.", "!"});
  CHECK(tokens(seg, "é.") == v{"é", "."});  // not an exception
  CHECK(tokens(seg, "A.") == v{"A."});      // nor is an upper-case letter
  CHECK(tokens(seg, "a.b.") == v{"a.b", "."});
  CHECK(tokens(seg, "Tab. a.") == v{"Tab", ".", "a."});
  CHECK(tokens(seg, "°c.") == v{"°", "c", "."});
  CHECK(tokens(seg, "5°c.") == v{"5", "°", "c", "."});
  CHECK(tokens(seg, "i.e. and e.g. and p. 5") == v{"i.e.", "and", "e.g.", "and", "p.", "5"});
  // The base rules ("xx") have them too.
  CHECK(tokens(base_rules(), "see a. and b.") == v{"see", "a.", "and", "b."});
  for (char c = 'a'; c <= 'z'; ++c) CHECK(english().has_special_case(std::string{c, '.'}));
}

TEST_CASE("the English rules on the xx cases", "[tokenizer]") {
  // The "xx" cases use spaCy's base rules; the English rules agree unless an English exception (e.g.
  // "id" -> "i" "d") or the English hyphen-after-digit infix applies. Informational: prints the count.
  int same = 0;
  int differ = 0;
  for (const auto& c : load_cases("spacy_en_tokenizer_cases.jsonl")) {
    if (c["tokenizer"] != "xx" || c["kind"] == "url_match" || has_mark(c, "skip") || has_mark(c, "xfail")) continue;
    const std::string text = c["text"].get<std::string>();
    if (tokens(english(), text) == tokens(base_rules(), text)) {
      ++same;
    } else {
      ++differ;
      std::printf("  differs under English: %s\n", show(c, english()).c_str());
    }
  }
  std::printf("xx cases under the English rules: %d same, %d differ (English exceptions)\n", same, differ);
  CHECK(same > 300);
}

TEST_CASE("spaCy custom-setup tokenizer cases", "[tokenizer]") {
  const auto cases = load_cases("spacy_en_tokenizer_cases_custom.jsonl");
  REQUIRE(cases.size() == 25);
  int run = 0;
  int passed = 0;
  std::vector<std::string> skipped;
  std::vector<std::string> failures;
  for (const auto& c : cases) {
    const std::string id = c["source"].get<std::string>() + " " + json(c["text"]).dump();
    if (c.contains("config")) {
      const auto& cfg = c["config"];
      if (cfg.contains("prefix_search") || cfg.contains("suffix_search") || cfg.contains("infix_finditer") ||
          cfg.contains("token_match")) {
        skipped.push_back(id + ": custom regex prefix/suffix/infix/token_match config");
        continue;
      }
    }
    const rule_set rules = c["tokenizer"] == "xx" ? rule_set::base : rule_set::english;
    bool blank = c.contains("config") && c["config"].contains("rules") && c["config"]["rules"].empty();
    segmenter seg = blank ? segmenter::blank(rules) : segmenter(rules);
    bool supported = true;
    if (c.contains("setup")) {
      for (const auto& op : c["setup"]) {
        const std::string name = op["op"].get<std::string>();
        if (name == "add_special_case") {
          std::vector<std::string> storage;
          std::vector<special_piece> ps;
          for (const auto& sub : op["substrings"]) {
            for (const auto& [k, v] : sub.items()) {
              if (k == "ORTH" || k == "orth" || k == "NORM" || k == "norm") storage.push_back(v.get<std::string>());
            }
          }
          std::size_t at = 0;
          for (const auto& sub : op["substrings"]) {
            special_piece p;
            for (const auto& [k, v] : sub.items()) {
              if (k == "ORTH" || k == "orth") p.orth = storage[at++];
              if (k == "NORM" || k == "norm") p.norm = storage[at++];
            }
            ps.push_back(p);
          }
          seg.add_special_case(op["string"].get<std::string>(), ps);
        } else if (name == "set_rules" && op["rules"].empty()) {
          seg.clear_special_cases();
        } else if (name == "set" && op["attr"] == "faster_heuristics") {
          seg.set_faster_heuristics(op["value"].get<bool>());
        } else {
          supported = false;
        }
      }
    }
    if (!supported) {
      skipped.push_back(id + ": unsupported setup");
      continue;
    }
    ++run;
    outcome r = run_case(c, seg);
    if (r.passed && c.contains("attrs") && c["kind"] != "attrs") {
      json as_attrs = c;
      as_attrs["kind"] = "attrs";
      r = run_case(as_attrs, seg);
    }
    if (r.passed) {
      ++passed;
    } else {
      failures.push_back(show(c, seg));
    }
  }
  std::printf("spaCy custom cases: %d / %d passed, %zu skipped:\n", passed, run, skipped.size());
  for (const auto& s : skipped) std::printf("  skipped %s\n", s.c_str());
  for (const auto& f : failures) UNSCOPED_INFO(f);
  CHECK(run == 11);
  REQUIRE(failures.empty());
}

TEST_CASE("special cases: add, replace, remove, validation and norms", "[tokenizer]") {
  segmenter seg = segmenter::blank();
  CHECK(seg.special_case_count() == 0);
  CHECK_THROWS_AS(seg.add_special_case("lorem", {{"lo"}, {"re"}}), std::invalid_argument);
  CHECK_THROWS_AS(seg.add_special_case("lorem", {{"lo"}, {"remx"}}), std::invalid_argument);
  CHECK_THROWS_AS(seg.add_special_case("", {}), std::invalid_argument);
  CHECK_THROWS_AS(seg.add_special_case("ab", {{"ab"}, {""}}), std::invalid_argument);
  seg.add_special_case("lorem", {{"lo", "LO"}, {"rem"}});
  CHECK(seg.has_special_case("lorem"));
  const std::string text = "(lorem) lorem.";
  auto ps = segment(seg, text);
  CHECK(texts_of(text, ps) == std::vector<std::string>{"(", "lo", "rem", ")", "lo", "rem", "."});
  CHECK(ps[1].norm == "LO");
  CHECK(ps[2].norm.empty());
  seg.add_special_case("lorem", {{"l"}, {"orem"}});  // replaces
  CHECK(seg.special_case_count() == 1);
  CHECK(tokens(seg, "lorem") == std::vector<std::string>{"l", "orem"});
  CHECK(seg.remove_special_case("lorem"));
  CHECK_FALSE(seg.remove_special_case("lorem"));
  CHECK(tokens(seg, "lorem") == std::vector<std::string>{"lorem"});

  segmenter en;
  CHECK(en.special_case_count() == lexzone::en::english_exception_count);
  CHECK(segmenter(rule_set::base).special_case_count() == std::size(lexzone::en::base_exceptions));
  auto dont = segment(en, "don’t");
  REQUIRE(dont.size() == 2);
  CHECK(dont[0].norm == "do");
  CHECK(dont[1].norm == "not");
  CHECK(tokens(en, "No--don't see") == std::vector<std::string>{"No", "--", "don't", "see"});
  en.set_faster_heuristics(false);
  CHECK(tokens(en, "No--don't see") == std::vector<std::string>{"No", "--", "do", "n't", "see"});
  segmenter copy = en;  // a copy owns its rules
  en.clear_special_cases();
  CHECK(tokens(copy, "don't") == std::vector<std::string>{"do", "n't"});
  CHECK(tokens(en, "don't") == std::vector<std::string>{"don't"});
}

TEST_CASE("segment_with, segment_chunk and apply_special_cases compose like segment", "[tokenizer]") {
  const segmenter& seg = english();
  const std::string text = "I'm (sure) that\tyou'll see :) it... at http://x.org/a?b  ok:)\n\n";
  std::vector<piece> direct;
  seg.segment(text, direct);
  std::map<std::string, std::vector<piece>> cache;  // chunk text -> pieces relative to the chunk
  int hits = 0;
  std::vector<piece> cached;
  for (int round = 0; round < 2; ++round) {
    cached.clear();
    seg.segment_with(text, cached, [&](std::string_view chunk, std::uint32_t base, std::vector<piece>& out) {
      const auto it = cache.find(std::string(chunk));
      if (it != cache.end()) {
        ++hits;
        for (piece p : it->second) {
          p.begin += base;
          out.push_back(p);
        }
        return;
      }
      std::vector<piece> local;
      if (seg.segment_chunk(chunk, 0, local)) cache.emplace(std::string(chunk), local);
      for (piece p : local) {
        p.begin += base;
        out.push_back(p);
      }
    });
    CHECK(texts_of(text, cached) == texts_of(text, direct));
    CHECK(covers_exactly(text, cached));
  }
  CHECK(hits > 0);
  // apply_special_cases only touches pieces from `first` on
  std::vector<piece> two;
  seg.segment("ok:)", two);
  const std::size_t first = two.size();
  seg.segment("ok:)", two);
  for (std::size_t i = first; i < two.size(); ++i) CHECK(two[i].text_in("ok:)") == two[i - first].text_in("ok:)"));
  CHECK(texts_of("ok:)", std::vector<piece>(two.begin(), two.begin() + static_cast<std::ptrdiff_t>(first))) ==
        std::vector<std::string>{"ok", ":)"});
}

TEST_CASE("empty, whitespace-only and space handling", "[tokenizer]") {
  const segmenter& seg = english();
  CHECK(segment(seg, "").empty());
  for (const std::string text :
       {" ", "  ", "\n", " \t\n ", "\xC2\xA0", "\xE3\x80\x80 ", "a ", " a", "a  b", "a \n b", "a\n"}) {
    const auto ps = segment(seg, text);
    CHECK(covers_exactly(text, ps));
    CHECK(rebuild(text, ps) == text);
  }
  CHECK(tokens(seg, "  ") == std::vector<std::string>{"  "});
  CHECK(tokens(seg, " a") == std::vector<std::string>{" ", "a"});
  CHECK(tokens(seg, "a  b") == std::vector<std::string>{"a", " ", "b"});
  const auto ps = segment(seg, "a ");
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].space_after);
}

TEST_CASE("invalid UTF-8 and NUL bytes are kept and never break segmentation", "[tokenizer]") {
  const segmenter& seg = english();
  const std::vector<std::string> texts = {
      std::string("caf\xE9 au lait", 12),     // Latin-1
      std::string("\xFF\xFE\xFD", 3),         // never valid
      std::string("a\xE2\x82 b", 5),          // truncated 3-byte sequence
      std::string("x\x80\x80\x80\x80y.", 7),  // stray continuation bytes
      std::string("(\xF0\x9F\x98", 4),        // truncated emoji after a prefix
      std::string("\xED\xA0\x80.", 4),        // encoded surrogate
      std::string("a\0b c\0", 6),             // NUL bytes
      std::string("\0", 1),
      std::string("don't\xC3", 6),
      std::string("http://\xFF\xFE.com/\x80", 15),
  };
  for (const auto& text : texts) {
    const auto ps = segment(seg, text);
    CHECK(covers_exactly(text, ps));
    CHECK(rebuild(text, ps) == text);
  }
  CHECK(tokens(seg, std::string("a\0b", 3)) == std::vector<std::string>{std::string("a\0b", 3)});
  // random bytes: coverage holds, nothing crashes or loops
  std::mt19937 rng(12345);
  const std::string alphabet =
      std::string("ab.,'-() \n\t:/@0123456789\0", 26) + "\xC2\xA0\xE2\x80\x99\xE2\x80\xA6\xF0\x9F\x98\x80\xFF\x80\xC3";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) text.push_back(alphabet[rng() % alphabet.size()]);
    const auto ps = segment(seg, text);
    REQUIRE(covers_exactly(text, ps));
    (void)seg.url_match(text);
  }
}

TEST_CASE("very long tokens and pathological affix runs", "[tokenizer]") {
  const segmenter& seg = english();
  const std::string word(1 << 20, 'a');
  CHECK(tokens(seg, word).size() == 1);
  const std::string parens = std::string(5000, '(') + "a" + std::string(5000, ')');
  const auto ps = segment(seg, parens);
  CHECK(ps.size() == 10001);
  CHECK(covers_exactly(parens, ps));
  const std::string dots(100000, '.');
  CHECK(tokens(seg, dots).size() == 1);
  const std::string hyphens = "a" + std::string(10000, '-') + "b";
  CHECK(covers_exactly(hyphens, segment(seg, hyphens)));
  std::string url = "http://example.com/";
  url.append(200000, 'x');
  CHECK(seg.url_match(url));
  CHECK(tokens(seg, url).size() == 1);
  std::string ats(20000, '@');
  ats += ".com";
  CHECK(covers_exactly(ats, segment(seg, ats)));
}

TEST_CASE("segment is safe to call from several threads at once", "[tokenizer]") {
  const segmenter& seg = english();
  const std::string text = "Mr. Smith's dog (aged 5yrs) can't run 10km... see http://x.org! :) ";
  const auto expected = tokens(seg, text);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      int good = 0;
      for (int i = 0; i < 500; ++i) good += tokens(seg, text) == expected ? 1 : 0;
      ok[static_cast<std::size_t>(t)] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) CHECK(v == 500);
}
