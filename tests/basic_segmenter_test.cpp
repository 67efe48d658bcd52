// Tests of lexzone::basic_segmenter (tokenizer/basic_segmenter.hpp), spaCy's tokenizer algorithm over a
// rules policy: the algorithm's steps with small policies of its own (one of them regex-backed, as a
// PCRE2 policy will be), and `explain` on spaCy's English and base test texts (tests/data/spacy_lang).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lexzone/lang/en/segmenter.hpp"
#include "lexzone/tokenizer/basic_segmenter.hpp"
#include "lexzone/unicode/properties.hpp"
#include "support/catch.hpp"

namespace basic_segmenter_test {

namespace {

using lexzone::basic_segmenter;
using lexzone::explained_piece;
using lexzone::piece;
using lexzone::piece_rule;
using strings = std::vector<std::string>;

/// A policy of plain character rules: prefixes `(` `[` `"`, suffixes `)` `]` `"` `.` `!`, infix `-`
/// (and `~~`), token_match "#word", url_match "host.tld".
struct toy_rules {
  static std::size_t prefix_length(std::string_view s) noexcept {
    return !s.empty() && std::string_view("([\"").find(s[0]) != std::string_view::npos ? 1 : 0;
  }
  static std::size_t suffix_length(std::string_view s) noexcept {
    return !s.empty() && std::string_view(")]\".!").find(s.back()) != std::string_view::npos ? 1 : 0;
  }
  template <class Fn>
  void for_each_infix(std::string_view s, Fn&& fn) const {
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.substr(i, 2) == "~~") {
        fn(i, i + 2);
        ++i;
      } else if (s[i] == '-') {
        fn(i, i + 1);
      }
    }
  }
  static bool token_match(std::string_view s) noexcept {
    return s.size() > 1 && s[0] == '#' &&
           std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  }
  static bool url_match(std::string_view s) noexcept { return s == "host.tld"; }
};
static_assert(lexzone::segmentation_rules<toy_rules>);
static_assert(lexzone::segmentation_rules<lexzone::en::punctuation_rules>);

/// A policy backed by regular expressions (std::regex, ECMAScript, ASCII text), built the way a PCRE2 policy
/// is: prefix and suffix are searches whose match *length* counts, infixes a match loop (zero-width
/// matches included), token_match an anchored match.
class regex_rules {
 public:
  regex_rules(const char* prefix, const char* suffix, const char* infix, const char* token)
      : prefix_(prefix), suffix_(suffix), infix_(infix), token_(token) {}

  [[nodiscard]] std::size_t prefix_length(std::string_view s) const { return match_length(prefix_, s); }
  [[nodiscard]] std::size_t suffix_length(std::string_view s) const { return match_length(suffix_, s); }
  template <class Fn>
  void for_each_infix(std::string_view s, Fn&& fn) const {
    for (auto it = std::cregex_iterator(s.data(), s.data() + s.size(), infix_); it != std::cregex_iterator(); ++it) {
      const auto begin = static_cast<std::size_t>(it->position(0));
      fn(begin, begin + static_cast<std::size_t>(it->length(0)));
    }
  }
  [[nodiscard]] bool token_match(std::string_view s) const {
    return std::regex_search(s.data(), s.data() + s.size(), token_, std::regex_constants::match_continuous);
  }
  [[nodiscard]] static bool url_match(std::string_view) noexcept { return false; }

 private:
  std::regex prefix_, suffix_, infix_, token_;

  static std::size_t match_length(const std::regex& re, std::string_view s) {
    std::cmatch m;
    return std::regex_search(s.data(), s.data() + s.size(), m, re) ? static_cast<std::size_t>(m.length(0)) : 0;
  }
};
static_assert(lexzone::segmentation_rules<regex_rules>);

/// A policy whose answers are out of range: longer prefixes and suffixes than the string, infix matches
/// past the core or ending before they start.
struct wild_rules {
  static std::size_t prefix_length(std::string_view s) noexcept { return s[0] == 'p' ? s.size() + 5 : 0; }
  static std::size_t suffix_length(std::string_view s) noexcept { return s.back() == 's' ? s.size() * 2 : 0; }
  template <class Fn>
  void for_each_infix(std::string_view s, Fn&& fn) const {
    fn(s.size(), s.size() + 3);  // ends past the core
    fn(1, 0);                    // ends before it starts
  }
  static bool token_match(std::string_view) noexcept { return false; }
  static bool url_match(std::string_view) noexcept { return false; }
};

template <class Seg>
strings tokens(const Seg& seg, std::string_view text) {
  std::vector<piece> pieces;
  seg.segment(text, pieces);
  strings out;
  for (const piece& p : pieces) out.emplace_back(p.text_in(text));
  return out;
}

template <class Seg>
std::vector<std::pair<std::string, std::string>> explained(const Seg& seg, std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const explained_piece& e : seg.explain(text)) out.emplace_back(e.label(), e.piece.text_in(text));
  return out;
}

std::vector<nlohmann::json> load_cases(const std::string& file) {
  std::ifstream in(std::string(LEXZONE_TEST_DATA_DIR) + "/" + file);
  REQUIRE(in.good());
  std::vector<nlohmann::json> cases;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) cases.push_back(nlohmann::json::parse(line));
  }
  return cases;
}

}  // namespace

TEST_CASE("prefixes and suffixes are peeled in spaCy's order around the core", "[tokenizer][basic_segmenter]") {
  const basic_segmenter<toy_rules> seg;
  CHECK(tokens(seg, "((a))") == strings{"(", "(", "a", ")", ")"});
  CHECK(tokens(seg, "[\"x.\"]!") == strings{"[", "\"", "x", ".", "\"", "]", "!"});
  CHECK(tokens(seg, "(") == strings{"("});
  CHECK(tokens(seg, "a b  c\n") == strings{"a", "b", " ", "c", "\n"});
}

TEST_CASE("infixes split the core, a match at 0 is skipped and a zero-width one splits without a piece",
          "[tokenizer][basic_segmenter]") {
  const basic_segmenter<toy_rules> seg;
  CHECK(tokens(seg, "a-b~~c") == strings{"a", "-", "b", "~~", "c"});
  CHECK(tokens(seg, "-a-") == strings{"-a", "-"});  // the match at 0 is no split
  CHECK(tokens(seg, "a--b") == strings{"a", "-", "-", "b"});
  // Zero-width matches (a look-ahead before each capital) split "camelCaseWord" into three pieces.
  const basic_segmenter<regex_rules> camel(regex_rules("^\\(", "\\)$", "(?=[A-Z])", "^#x$"));
  CHECK(tokens(camel, "(camelCaseWord)") == strings{"(", "camel", "Case", "Word", ")"});
  CHECK(tokens(camel, "Camel") == strings{"Camel"});  // zero-width at 0: skipped
  CHECK(explained(camel, "aB") == std::vector<std::pair<std::string, std::string>>{{"TOKEN", "a"}, {"TOKEN", "B"}});
}

TEST_CASE("a policy's prefix and suffix are match lengths, wherever the match is", "[tokenizer][basic_segmenter]") {
  // spaCy peels s[:len(match)] even when prefix_search matches later in the string (id/ms rules do).
  const basic_segmenter<regex_rules> seg(regex_rules("<b>", "!+$", "$^", "$^"));
  CHECK(tokens(seg, "xy<b>z") == strings{"xy<", "b>z"});
  CHECK(tokens(seg, "ab<b>") == strings{"ab<", "b>"});
  CHECK(tokens(seg, "wow!!!") == strings{"wow", "!!!"});
}

TEST_CASE("token_match stops affix peeling and keeps the core whole, url_match only keeps the core",
          "[tokenizer][basic_segmenter]") {
  basic_segmenter<toy_rules> seg;
  CHECK(tokens(seg, "#tag") == strings{"#tag"});
  CHECK(tokens(seg, "(#tag)") == strings{"(", "#tag", ")"});
  CHECK(tokens(seg, "host.tld!") == strings{"host.tld", "!"});  // url_match is not consulted while peeling
  CHECK(explained(seg, "(#tag) host.tld") ==
        std::vector<std::pair<std::string, std::string>>{
            {"PREFIX", "("}, {"TOKEN_MATCH", "#tag"}, {"SUFFIX", ")"}, {"URL_MATCH", "host.tld"}});
  // A core that is both token_match and a special case is the special case (spaCy's _attach_tokens).
  seg.add_special_case("#ab", {{"#"}, {"ab"}});
  CHECK(tokens(seg, "(#ab)") == strings{"(", "#", "ab", ")"});
}

TEST_CASE("special cases: whole chunk, after a prefix, before a suffix, and the matcher pass",
          "[tokenizer][basic_segmenter]") {
  basic_segmenter<toy_rules> seg;
  seg.add_special_case("ab", {{"a"}, {"b", "BEE"}});
  std::vector<piece> pieces;
  seg.segment("ab", pieces);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[1].norm == "BEE");
  CHECK(tokens(seg, "(ab") == strings{"(", "a", "b"});
  CHECK(tokens(seg, "ab)") == strings{"a", "b", ")"});
  CHECK(tokens(seg, "((ab))") == strings{"(", "(", "a", "b", ")", ")"});
  // A key holding an affix goes through the matcher: "(x" is "(" "x" by the rules, then the rule.
  seg.add_special_case("(x", {{"(x"}});
  CHECK(tokens(seg, "q (x") == strings{"q", "(x"});
  CHECK(explained(seg, "(x") == std::vector<std::pair<std::string, std::string>>{{"SPECIAL-1", "(x"}});
  // segment_chunk: every chunk may be cached by its text, one made by a special case (with its NORM) too.
  std::vector<piece> out;
  CHECK(seg.segment_chunk("ab", 0, out));
  REQUIRE(out.size() == 2);
  CHECK(out[1].norm == "BEE");
  CHECK(seg.segment_chunk("cd", 0, out));
  // A key holding an infix match: whole chunks and cores find it.
  seg.add_special_case("c-d", {{"c-d"}});
  CHECK(tokens(seg, "c-d") == strings{"c-d"});
  CHECK(tokens(seg, "(c-d") == strings{"(", "c-d"});
  CHECK(seg.remove_special_case("ab"));
  CHECK(tokens(seg, "ab") == strings{"ab"});
  seg.clear_special_cases();
  CHECK(seg.special_case_count() == 0);
  CHECK(tokens(seg, "c-d") == strings{"c", "-", "d"});
}

TEST_CASE("special cases edited again and again keep their memory in proportion to the live cases",
          "[tokenizer][basic_segmenter]") {
  basic_segmenter<toy_rules> seg;
  // Live cases, one of them in the matcher pass (its key holds an affix): their offsets must survive
  // every rebuild of the store.
  seg.add_special_case("ab", {{"a"}, {"b", "BEE"}});
  seg.add_special_case("(x", {{"(x", "PAREN-X"}});
  const std::size_t live = seg.special_case_bytes();
  // A dictionary reloaded 5,000 times: each round replaces one case (a new NORM) and adds then removes
  // another, leaving 2 dead keys and NORMs in the store until it is rebuilt.
  for (int round = 0; round < 5000; ++round) {
    const std::string norm = "NORM-" + std::to_string(round);
    seg.add_special_case("cd", {{"c"}, {"d", norm}});
    seg.add_special_case("temp" + std::to_string(round), {{"temp"}, {std::to_string(round), norm}});
    REQUIRE(seg.remove_special_case("temp" + std::to_string(round)));
    REQUIRE(seg.special_case_bytes() <= 2 * (live + 64) + 4096);
  }
  CHECK(seg.special_case_count() == 3);
  std::vector<piece> pieces;
  seg.segment("ab cd (x", pieces);
  REQUIRE(pieces.size() == 5);
  CHECK(pieces[1].norm == "BEE");
  CHECK(pieces[3].norm == "NORM-4999");
  CHECK(pieces[4].norm == "PAREN-X");
  CHECK(tokens(seg, "q (x") == strings{"q", "(x"});
  CHECK(tokens(seg, "temp7") == strings{"temp7"});
  CHECK_FALSE(seg.has_special_case("temp4999"));
}

TEST_CASE("add_special_cases validates every case before adding any", "[tokenizer][basic_segmenter]") {
  struct one_case {
    std::string_view key;
    std::vector<lexzone::special_piece> pieces;
    [[nodiscard]] auto begin() const { return pieces.data(); }
    [[nodiscard]] auto end() const { return pieces.data() + pieces.size(); }
  };
  basic_segmenter<toy_rules> seg;
  const std::vector<one_case> bad = {{"ok", {{"ok"}}}, {"no", {{"n"}}}};
  CHECK_THROWS_AS(seg.add_special_cases(bad), std::invalid_argument);
  CHECK(seg.special_case_count() == 0);
  const std::vector<one_case> good = {{"ok", {{"o"}, {"k"}}}, {"no", {{"n"}, {"o"}}}, {"ok", {{"ok"}}}};
  seg.add_special_cases(good);
  CHECK(seg.special_case_count() == 2);
  CHECK(tokens(seg, "ok no") == strings{"ok", "n", "o"});  // the later "ok" replaced the earlier one
}

TEST_CASE("add_special_cases takes a rule file's cases: std::string keys, tokens with optional NORMs",
          "[tokenizer][basic_segmenter]") {
  // The shape of spaCy's serialized exceptions as a reader returns them: key, tokens {orth, norm?}.
  struct file_token {
    std::string orth;
    std::optional<std::string> norm;
  };
  struct file_case {
    std::string key;
    std::vector<file_token> tokens;
  };
  const std::vector<file_case> cases = {{"can't", {{"ca", "can"}, {"n't", "not"}}},
                                        {"gonna", {{"gon", std::nullopt}, {"na", "to"}}}};
  basic_segmenter<toy_rules> seg;
  seg.add_special_cases(cases);
  std::vector<piece> pieces;
  seg.segment("(can't) gonna", pieces);
  REQUIRE(pieces.size() == 6);
  CHECK(pieces[1].norm == "can");
  CHECK(pieces[2].norm == "not");
  CHECK(pieces[4].norm.empty());
  CHECK(pieces[5].norm == "to");
}

TEST_CASE("the matcher pass follows spaCy's span filter: a dropped overlapping match still blocks",
          "[tokenizer][basic_segmenter]") {
  // "x:):)" peels to "x" ":" ")" ":" ")"; the rules ":)" and "):" match at 1, 2 and 3. spaCy takes (1,3),
  // drops (2,4), and (3,5) then overlaps the dropped one, so only the first emoticon is merged.
  const lexzone::en::segmenter en;
  CHECK(tokens(en, "x:):)") == strings{"x", ":)", ":", ")"});
  CHECK(tokens(en, ":):)a.AB") == strings{":)", ":", ")", "a.", "AB"});
  CHECK(tokens(en, ":):)") == strings{":", "):", ")"});  // here the core "):" is a special case itself
  CHECK(tokens(en, ":) :)") == strings{":)", ":)"});
}

TEST_CASE("explain labels pieces as spaCy's Tokenizer.explain does", "[tokenizer][basic_segmenter][explain]") {
  const lexzone::en::segmenter en;
  using list = std::vector<std::pair<std::string, std::string>>;
  CHECK(explained(en, "\"Let's go!\"") == list{{"PREFIX", "\""},
                                               {"SPECIAL-1", "Let"},
                                               {"SPECIAL-2", "'s"},
                                               {"TOKEN", "go"},
                                               {"SUFFIX", "!"},
                                               {"SUFFIX", "\""}});
  CHECK(explained(en, "see http://example.com/x. (well-known)") == list{{"TOKEN", "see"},
                                                                        {"URL_MATCH", "http://example.com/x"},
                                                                        {"SUFFIX", "."},
                                                                        {"PREFIX", "("},
                                                                        {"TOKEN", "well"},
                                                                        {"INFIX", "-"},
                                                                        {"TOKEN", "known"},
                                                                        {"SUFFIX", ")"}});
  CHECK(explained(en, "a. \n  b") == list{{"SPECIAL-1", "a."}, {"TOKEN", "b"}});  // white space is left out
  CHECK(explained(en, "").empty());
  const auto e = en.explain("don't");
  REQUIRE(e.size() == 2);
  CHECK(e[1].rule == piece_rule::special);
  CHECK(e[1].special_index == 2);
  CHECK(e[1].piece.norm == "not");
}

TEST_CASE("explain gives the segmenter's pieces minus white space on spaCy's test texts",
          "[tokenizer][basic_segmenter][explain]") {
  // spaCy's test_explain.py: the explained tokens equal the tokenizer's tokens that are not white space.
  for (const auto& [file, rules] : {std::tuple{"spacy_lang/en_cases.jsonl", lexzone::en::rule_set::english},
                                    std::tuple{"spacy_lang/xx_cases.jsonl", lexzone::en::rule_set::base}}) {
    const lexzone::en::segmenter seg(rules);
    int agreed = 0;
    const auto cases = load_cases(file);
    for (const auto& c : cases) {
      const std::string text = c["text"].get<std::string>();
      std::vector<piece> pieces;
      seg.segment(text, pieces);
      std::vector<std::tuple<std::uint32_t, std::uint32_t, bool>> want;
      for (const piece& p : pieces) {
        if (!lexzone::unicode::str_isspace(p.text_in(text))) want.emplace_back(p.begin, p.size, p.space_after);
      }
      std::vector<std::tuple<std::uint32_t, std::uint32_t, bool>> got;
      for (const explained_piece& x : seg.explain(text))
        got.emplace_back(x.piece.begin, x.piece.size, x.piece.space_after);
      if (got == want) {
        ++agreed;
      } else {
        UNSCOPED_INFO(file << ": " << nlohmann::json(text).dump());
      }
    }
    CHECK(agreed == static_cast<int>(cases.size()));
  }
}

TEST_CASE("a policy's out-of-range answers are clamped or ignored, never read past the text",
          "[tokenizer][basic_segmenter]") {
  const basic_segmenter<wild_rules> seg;
  CHECK(tokens(seg, "pq ab rs") == strings{"pq", "ab", "rs"});
  CHECK(seg.explain("pq ab rs").size() == 3);
}

namespace {

// The whitespace pass's chunks by their definition: the text's code points in maximal runs of space and
// of non-space; a ' ' right after a non-space run belongs to no chunk (the run's last piece gets
// space_after), so the space run after it starts one byte later (and is no chunk when that empties it).
struct ref_chunk {
  std::size_t base;
  std::string text;
  bool space_after;
  bool operator==(const ref_chunk&) const = default;
};
std::vector<ref_chunk> reference_chunks(std::string_view text) {
  struct run {
    std::size_t begin, end;
    bool space;
  };
  std::vector<run> runs;
  for (std::size_t i = 0; i < text.size();) {
    const auto d = lexzone::unicode::decode(text, i);
    const bool space = lexzone::unicode::is_space(d.cp);
    if (!runs.empty() && runs.back().space == space) {
      runs.back().end = i + d.size;
    } else {
      runs.push_back({i, i + d.size, space});
    }
    i += d.size;
  }
  std::vector<ref_chunk> out;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    std::size_t b = runs[k].begin;
    if (runs[k].space && k > 0 && text[b] == ' ') {
      out.back().space_after = true;
      ++b;
    }
    if (b < runs[k].end) out.push_back({b, std::string(text.substr(b, runs[k].end - b)), false});
  }
  return out;
}

std::vector<ref_chunk> whitespace_chunks(std::string_view text) {
  const basic_segmenter<toy_rules> seg;
  std::vector<piece> out;
  std::vector<ref_chunk> chunks;
  seg.segment_with(text, out, [&](std::string_view c, std::uint32_t base, std::vector<piece>& o) {
    o.push_back(piece{base, static_cast<std::uint32_t>(c.size()), false, {}});
    chunks.push_back({base, std::string(c), false});
  });
  REQUIRE(out.size() == chunks.size());
  for (std::size_t k = 0; k < out.size(); ++k) chunks[k].space_after = out[k].space_after;
  return chunks;
}

}  // namespace

TEST_CASE("the whitespace pass cuts at every space, ASCII or not, wherever it falls in a word of 8 bytes",
          "[tokenizer][basic_segmenter]") {
  // A space, a control that is a space (U+001F), DEL (not one), '!' (the first byte above the spaces),
  // non-ASCII spaces and letters, and stray bytes, at each offset of a run of 'a's.
  const std::string cuts[] = {" ", "\x1f", "\x7f", "!", "\xc2\xa0", "\xe2\x80\x83", "\xc3\xa9", "\x80", "\xff", "\t\n"};
  for (const std::string& cut : cuts) {
    for (std::size_t at = 0; at <= 24; ++at) {
      std::string text(24, 'a');
      text.insert(at, cut);
      CAPTURE(cut, at);
      CHECK(whitespace_chunks(text) == reference_chunks(text));
    }
  }
  // Random texts of those pieces and longer words.
  const std::string parts[] = {"a",        "Zq",           "!",        "~",    "\x7f", " ",
                               "  ",       "\t",           "\n",       "\x1c", "\x1f", "\x20\x21",
                               "\xc2\xa0", "\xe2\x80\x83", "\xc3\xa9", "\x80", "\xff", "0123456789abcdef",
                               "word"};
  std::mt19937 rng(11);
  for (int k = 0; k < 3000; ++k) {
    std::string text;
    const auto n = std::uniform_int_distribution<int>(0, 30)(rng);
    for (int j = 0; j < n; ++j) text += parts[std::uniform_int_distribution<std::size_t>(0, std::size(parts) - 1)(rng)];
    CAPTURE(text);
    CHECK(whitespace_chunks(text) == reference_chunks(text));
  }
}

TEST_CASE("a chunk function that appends nothing is a logic error", "[tokenizer][basic_segmenter]") {
  const basic_segmenter<toy_rules> seg;
  std::vector<piece> out;
  CHECK_THROWS_AS(seg.segment_with("a b", out, [](std::string_view, std::uint32_t, std::vector<piece>&) {}),
                  std::logic_error);
  CHECK_NOTHROW(seg.segment("", out));
}

}  // namespace basic_segmenter_test
