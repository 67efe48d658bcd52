// Tests of the data-driven tokenizer (regex/rule_segmenter.hpp, regex/rule_tokenizer.hpp): spaCy 3.8.2's own
// output on its test texts for every language it has rule files and texts for (tests/data: en, de, xx; all
// 71 from ../shared/data/spacy_lang when present, one CTest test per language), the 25 custom-rule cases,
// one English behaviour (spaCy's English rule file against the hand-compiled fast path, on spaCy's texts
// and real English text), the builder API (rules replaced and removed, special cases, faster_heuristics,
// explain), errors that name the rule or the file, the cache, another language's lexeme attributes, and
// copies on threads.
#include <lexzone/en.hpp>
#include <lexzone/io/spacy_lex_file.hpp>
#include <lexzone/io/spacy_tokenizer_file.hpp>
#include <lexzone/lang/lexeme_traits.hpp>
#include <lexzone/lexzone.hpp>
#include <lexzone/regex/rule_tokenizer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#if LEXZONE_TEST_HAVE_ZLIB
#  include <zlib.h>
#endif

#include "support/catch.hpp"
#include "support/jsonl.hpp"
#include "support/tokenizer_cases.hpp"

namespace regex_rule_tokenizer_test {

namespace {

namespace fs = std::filesystem;
using lexzone::piece;
using lexzone::regex_rule;
using lexzone::rule_segmenter;
using lexzone::tokenizer_rules;
using lexzone_test::json;
using vocab = lexzone::en::vocab;
using rule_tokenizer = lexzone::rule_tokenizer<vocab>;
using strings = std::vector<std::string>;

static_assert(lexzone::tokenizer<rule_tokenizer, vocab>);
static_assert(lexzone::segmentation_rules<lexzone::regex::pcre2_rules>);
static_assert(lexzone::tokenizer_segmenter<rule_segmenter>);

const fs::path data_dir(LEXZONE_TEST_DATA_DIR);
const fs::path shared_dir = data_dir / ".." / ".." / ".." / "shared" / "data";
const fs::path shared_lang_dir = shared_dir / "spacy_lang";

const tokenizer_rules& english_rules() {
  static const tokenizer_rules rules = lexzone::io::load_spacy_tokenizer(data_dir / "spacy_en.tokenizer");
  return rules;
}

std::vector<piece> segment(rule_tokenizer& tok, std::string_view text) {
  std::vector<piece> out;
  tok.segment(text, out);
  return out;
}

strings tokens(rule_tokenizer& tok, std::string_view text) { return lexzone_test::texts_of(text, segment(tok, text)); }

/// Lines of an L_cases.jsonl file that `tok` gets right: tokens and trailing spaces, with the cache cold
/// and warm, and the same tokens in a doc made in a zone. Failures are reported through UNSCOPED_INFO.
struct lang_result {
  std::size_t lines = 0;
  std::size_t passed = 0;
};

lang_result run_cases(rule_tokenizer& tok, const fs::path& cases, const std::string& lang) {
  lang_result r;
  vocab& v = tok.vocab();
  for (const auto& line : lexzone_test::read_jsonl(cases)) {
    const std::string text = line["text"].get<std::string>();
    ++r.lines;
    const auto cold = segment(tok, text);
    const auto warm = segment(tok, text);
    auto zone = v.memory_zone();
    const auto doc = tok(zone, text);
    strings doc_tokens;
    for (const auto& t : doc) doc_tokens.emplace_back(t.text());
    if (lexzone_test::same_as_spacy(line, text, cold) && lexzone_test::same_as_spacy(line, text, warm) &&
        doc_tokens == lexzone_test::texts_of(text, cold) && doc.text() == text) {
      ++r.passed;
    } else {
      UNSCOPED_INFO(lang << ": " << lexzone_test::show_tokens(text, cold) << " (spaCy: " << line["tokens"].dump()
                         << ")");
    }
  }
  return r;
}

/// The pieces of `text` under the English fast path.
std::vector<piece> fast_path(std::string_view text) {
  static const lexzone::en::segmenter seg;
  std::vector<piece> out;
  seg.segment(text, out);
  return out;
}

/// Whether two segmentations agree: texts, offsets, trailing spaces and special-case norms.
bool same_pieces(const std::vector<piece>& a, const std::vector<piece>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const piece& x, const piece& y) {
    return x.begin == y.begin && x.size == y.size && x.space_after == y.space_after && x.norm == y.norm;
  });
}

/// The message of what `f` throws.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("rule tokenizer: spaCy's en, de and xx files give spaCy 3.8.2's tokens on its test texts",
          "[rule_tokenizer]") {
  vocab v;
  for (const auto& [lang, lines] : {std::pair{"en", 585}, std::pair{"de", 50}, std::pair{"xx", 435}}) {
    auto tok = lexzone::load_rule_tokenizer(v, data_dir / ("spacy_" + std::string(lang) + ".tokenizer"));
    const auto r = run_cases(tok, data_dir / "spacy_lang" / (std::string(lang) + "_cases.jsonl"), lang);
    std::printf("rule tokenizer, %s: %zu / %zu lines give spaCy's tokens and spaces\n", lang, r.passed, r.lines);
    CHECK(r.lines == static_cast<std::size_t>(lines));
    CHECK(r.passed == r.lines);
  }
}

// One CTest test per language, spacy_lang.L (tests/CMakeLists.txt), runs this hidden case with
// LEXZONE_SPACY_LANG=L: L.tokenizer of ../shared loads, and every line of L_cases.jsonl gives spaCy's tokens.
// A language without texts (gd, mr) only loads. Without ../shared the case says SKIPPED (CTest: skipped).
TEST_CASE("rule tokenizer: one language of spaCy 3.8.2 (../shared)", "[.spacy_lang]") {
  const char* env = std::getenv("LEXZONE_SPACY_LANG");
  const std::string lang = env == nullptr ? "" : env;
  REQUIRE_FALSE(lang.empty());  // set by CTest (spacy_lang.L)
  const fs::path file = shared_lang_dir / (lang + ".tokenizer");
  if (!fs::exists(file)) {
    WARN("SKIPPED: " << file.string() << " is absent (shared data of spaCy's 73 languages)");
    return;
  }
  vocab v;
  auto tok = lexzone::load_rule_tokenizer(v, file);
  CHECK(tok.rules().special_case_count() > 0);
  const fs::path cases = shared_lang_dir / (lang + "_cases.jsonl");
  if (!fs::exists(cases)) {
    std::printf("spacy_lang %s: %s loads (%zu special cases); spaCy has no test texts for it\n", lang.c_str(),
                file.filename().string().c_str(), tok.rules().special_case_count());
    return;
  }
  const auto r = run_cases(tok, cases, lang);
  std::printf("spacy_lang %s: %zu / %zu lines give spaCy 3.8.2's tokens and spaces\n", lang.c_str(), r.passed, r.lines);
  CHECK(r.lines > 0);
  CHECK(r.passed == r.lines);
}

TEST_CASE("rule tokenizer: the shared data has spaCy's 73 rule files, 71 with test texts (../shared)",
          "[rule_tokenizer]") {
  if (!fs::exists(shared_lang_dir / "en.tokenizer")) {
    WARN("SKIPPED: " << shared_lang_dir.string() << " is absent (shared data of spaCy's 73 languages)");
    return;
  }
  std::set<std::string> langs, without_texts;
  for (const auto& entry : fs::directory_iterator(shared_lang_dir))
    if (entry.path().extension() == ".tokenizer") langs.insert(entry.path().stem().string());
  std::size_t lines = 0;
  for (const auto& lang : langs) {
    const fs::path cases = shared_lang_dir / (lang + "_cases.jsonl");
    if (!fs::exists(cases)) {
      without_texts.insert(lang);
      continue;
    }
    lines += lexzone_test::read_jsonl(cases).size();
  }
  CHECK(langs.size() == 73);  // each one is the CTest test spacy_lang.L
  CHECK(without_texts == std::set<std::string>{"gd", "mr"});
  CHECK(lines == 2974);
}

TEST_CASE("rule tokenizer: spaCy's English file segments as the hand-compiled English rules", "[rule_tokenizer]") {
  vocab v;
  rule_tokenizer tok(v, english_rules());
  std::size_t compared = 0;
  auto compare = [&](const std::string& text) {
    const auto rules = segment(tok, text);
    const auto fast = fast_path(text);
    ++compared;
    if (!same_pieces(rules, fast)) {
      FAIL_CHECK("rule engine " << lexzone_test::show_tokens(text, rules) << "\nfast path   "
                                << lexzone_test::show_tokens(text, fast));
    }
  };
  for (const auto& line : lexzone_test::read_jsonl("spacy_lang/en_cases.jsonl")) compare(line["text"]);
  for (const auto& c : lexzone_test::read_jsonl("spacy_en_tokenizer_cases.jsonl")) compare(c["text"]);
  for (const auto& c : lexzone_test::read_jsonl("spacy_en_tokenizer_cases_custom.jsonl")) compare(c["text"]);
  // explain() labels every piece as the fast path does.
  static const lexzone::en::segmenter fast;
  for (const auto& line : lexzone_test::read_jsonl("spacy_lang/en_cases.jsonl")) {
    const std::string text = line["text"];
    const auto a = tok.explain(text);
    const auto b = fast.explain(text);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].label() == b[i].label());
  }
  std::printf("rule tokenizer vs fast path: %zu texts of spaCy's English tests agree\n", compared);
}

TEST_CASE("rule tokenizer: spaCy's English file segments as the fast path on real English text", "[rule_tokenizer]") {
#if LEXZONE_TEST_HAVE_ZLIB
  const fs::path corpus = shared_dir / "corpus_docs.txt.gz";
  if (!fs::exists(corpus)) {
    WARN("SKIPPED: " << corpus.string() << " is absent (shared English corpus)");
    return;
  }
  // Bounded: the first LEXZONE_TEST_CORPUS_KB KiB (default 2048) and at most 60 seconds.
  const char* kb_env = std::getenv("LEXZONE_TEST_CORPUS_KB");
  const std::size_t budget = std::size_t{1024} * (kb_env != nullptr ? std::stoul(kb_env) : 2048);
  std::string text;
  gzFile f = gzopen(corpus.string().c_str(), "rb");
  REQUIRE(f != nullptr);
  std::vector<char> buf(std::size_t{1} << 16);
  int n = 0;
  while (text.size() < budget && (n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0)
    text.append(buf.data(), static_cast<std::size_t>(n));
  gzclose(f);
  vocab v;
  rule_tokenizer tok(v, english_rules());
  lexzone::en::tokenizer fast(v);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::size_t lines = 0, bytes = 0, pieces = 0, differ = 0;
  std::vector<piece> a, b;
  for (std::size_t start = 0; start < text.size() && std::chrono::steady_clock::now() < deadline;) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    a.clear();
    b.clear();
    tok.segment(line, a);
    fast.segment(line, b);
    if (!same_pieces(a, b) && ++differ <= 10) {
      UNSCOPED_INFO("rule engine " << lexzone_test::show_tokens(line, a) << "\nfast path   "
                                   << lexzone_test::show_tokens(line, b));
    }
    ++lines;
    bytes += line.size() + 1;
    pieces += a.size();
    start = end + 1;
  }
  std::printf("rule tokenizer vs fast path on the shared corpus: %zu lines (%zu KiB, %zu tokens), %zu differ\n", lines,
              bytes / 1024, pieces, differ);
  CHECK(lines > 1000);
  CHECK(differ == 0);
#else
  WARN("SKIPPED: built without zlib (the shared corpus is gzip-compressed)");
#endif
}

TEST_CASE("rule tokenizer: a vocab with another language's lexeme attributes", "[rule_tokenizer]") {
  // spaCy's base rules (xx) on Indonesian text, over a vocab with Indonesian stop words and number words.
  using id_vocab = lexzone::basic_vocab<lexzone::lang::lexeme_traits>;
  id_vocab v(lexzone::lang::lexeme_traits(lexzone::io::load_spacy_lex(data_dir / "spacy_lang" / "id.lex.json")));
  auto tok = lexzone::load_rule_tokenizer(v, data_dir / "spacy_xx.tokenizer");
  const std::string text = "Dia membeli sebelas buku yang baru.";
  auto zone = v.memory_zone();
  const auto doc = tok(zone, text);
  strings got;
  for (const auto& t : doc) got.emplace_back(t.text());
  CHECK(got == strings{"Dia", "membeli", "sebelas", "buku", "yang", "baru", "."});
  REQUIRE(doc.size() == 7);
  CHECK(doc[2].lex().like_num());
  CHECK_FALSE(doc[3].lex().like_num());
  CHECK(doc[4].lex().is_stop());
  CHECK_FALSE(doc[1].lex().is_stop());
}

TEST_CASE("rule tokenizer: spaCy's 25 custom-rule tokenizer cases", "[rule_tokenizer]") {
  // "en"/"xx": spacy.blank's tokenizer; "custom": Tokenizer(vocab, ...) with only the rules of `config`.
  const tokenizer_rules xx = lexzone::io::load_spacy_tokenizer(data_dir / "spacy_xx.tokenizer");
  auto source_of = [](const json& v, regex_rule which) -> std::optional<std::string> {
    if (v.is_string()) return english_rules().regex_source(which);  // "default_prefixes.search" etc.
    return v["regex"].get<std::string>();
  };
  auto cases_of = [](const json& rules) {
    if (rules.is_string()) return english_rules().exceptions;  // "en_default_rules"
    std::vector<lexzone::special_case> out;
    for (const auto& [key, subs] : rules.items()) {
      lexzone::special_case sc{key, {}};
      for (const auto& sub : subs) sc.tokens.push_back({sub.value("ORTH", sub.value("orth", "")), std::nullopt});
      out.push_back(std::move(sc));
    }
    return out;
  };
  std::size_t passed = 0;
  const auto cases = lexzone_test::read_jsonl("spacy_en_tokenizer_cases_custom.jsonl");
  REQUIRE(cases.size() == 25);
  for (const auto& c : cases) {
    const std::string text = c["text"];
    INFO(c["source"].get<std::string>() << " " << json(text).dump());
    tokenizer_rules rules = c["tokenizer"] == "en" ? english_rules() : c["tokenizer"] == "xx" ? xx : tokenizer_rules{};
    if (c.contains("config")) {
      const json& cfg = c["config"];
      if (cfg.contains("rules")) rules.exceptions = cases_of(cfg["rules"]);
      for (const regex_rule r : lexzone::all_regex_rules) {
        const std::string name(lexzone::to_string(r));
        if (cfg.contains(name)) rules.regex_source(r) = source_of(cfg[name], r);
      }
    }
    vocab v;
    rule_tokenizer tok(v, rules);
    const bool supported = lexzone_test::apply_setup(c, tok, [&](const json& op) {
      if (op["op"] == "set" && op["attr"] != "faster_heuristics") {
        const std::string attr = op["attr"];
        const auto which = std::find_if(std::begin(lexzone::all_regex_rules), std::end(lexzone::all_regex_rules),
                                        [&](regex_rule r) { return lexzone::to_string(r) == attr; });
        REQUIRE(which != std::end(lexzone::all_regex_rules));
        const std::string value = op["value"].is_null() ? std::string() : op["value"].get<std::string>();
        tok.set_regex(*which, op["value"].is_null() ? std::nullopt : std::optional<std::string_view>(value));
        return true;
      }
      if (op["op"] == "set_rules") {
        tok.set_special_cases(cases_of(op["rules"]));
        return true;
      }
      if (op["op"] == "modify_rules") {  // rules = tokenizer.rules; del/update; tokenizer.rules = rules
        auto current = tok.to_rules().exceptions;
        for (const auto& key : op["removed"]) {
          std::erase_if(current, [&](const lexzone::special_case& sc) { return sc.key == key.get<std::string>(); });
        }
        for (auto& sc : cases_of(op["added"])) current.push_back(std::move(sc));
        tok.set_special_cases(current);
        return true;
      }
      return false;
    });
    REQUIRE(supported);
    const auto pieces = segment(tok, text);
    const auto r = lexzone_test::check_case_and_attrs(c, pieces, tok.rules().rules().url_match(text));
    CHECK(r.checked);
    CHECK(r.passed);
    if (!r.passed) UNSCOPED_INFO(lexzone_test::show_tokens(text, pieces) << " " << r.note);
    if (r.checked && r.passed) ++passed;
  }
  std::printf("spaCy custom cases with the rule tokenizer: %zu / %zu pass\n", passed, cases.size());
}

TEST_CASE("rule tokenizer: spaCy's URL_MATCH is answered linearly, with the pattern's answers", "[rule_tokenizer]") {
  // The pattern backtracks over `\S+(?::\S*)?@`: on a long token with colons (a Java class path, minified
  // CSS) or a very long one (a base64 blob) PCRE2 reached its match limit and the whole text was refused.
  const auto rx = lexzone::regex::tokenizer_regexes::compile(english_rules());
  REQUIRE(rx.url_match_is_spacy());
  const lexzone::regex::predicate_regex* pattern = rx.url_match_regex();
  REQUIRE(pattern != nullptr);
  // The same answers as the compiled pattern, on strings made of URL parts (valid UTF-8 or not).
  const std::vector<std::string> parts{"a",    "Z",   "0",    "9",       ".",   ":",   "/",        "@",
                                       "-",    "_",   "#",    "?",       "%",   "é",   "\xD0\xB6", "\xE4\xB8\xAD",
                                       "com",  "org", "www.", "http://", "255", "10.", "192.168.", "\n",
                                       "\xFF", "\xC3"};
  std::uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  int matched = 0;
  for (int i = 0; i < 40'000; ++i) {
    std::string text;
    for (std::size_t k = next() % 16; k > 0; --k) text += parts[next() % parts.size()];
    const bool want = pattern->match(text);
    matched += want ? 1 : 0;
    INFO(text);
    REQUIRE(rx.url_match(text) == want);
  }
  CHECK(matched > 100);
  CHECK(rx.url_match("https://example.com/a?b#c"));

  // Long ordinary tokens: tokenized, not refused.
  rule_segmenter seg(english_rules());
  std::string classpath;
  for (int i = 0; i < 3000; ++i) classpath += "lib" + std::to_string(i) + ".jar:";
  for (const std::string& text : {classpath, std::string(1'000'000, 'a'), std::string(2000, ':') + "x@y.com"}) {
    std::vector<piece> pieces;
    REQUIRE_NOTHROW(seg.segment(text, pieces));
    std::string rebuilt;
    for (const piece& p : pieces) rebuilt.append(text, p.begin, p.size);
    CHECK(rebuilt == text);
  }

  // A url_match of the user's own is matched by PCRE2, as before.
  tokenizer_rules custom = english_rules();
  custom.url_match = std::string(R"([a-z]+\.org)");
  CHECK_FALSE(lexzone::regex::tokenizer_regexes::compile(custom).url_match_is_spacy());
}

TEST_CASE("rule tokenizer: a run of affix characters peels within a budget, in linear time", "[rule_tokenizer]") {
  // Each peeling round searches the whole rest of the chunk: a run of n ')' took O(n^2) (hours for a
  // megabyte). A chunk stops peeling once its rounds have searched affix_scan_budget bytes.
  rule_segmenter seg(english_rules());
  auto pieces_of = [&](const std::string& text) {
    std::vector<piece> pieces;
    seg.segment(text, pieces);
    std::string rebuilt;
    for (const piece& p : pieces) rebuilt.append(text, p.begin, p.size);
    CHECK(rebuilt == text);
    return pieces.size();
  };
  // Short runs are within the budget: spaCy's pieces, one per ')' or '('.
  CHECK(pieces_of(std::string(1000, ')')) == 1000);
  CHECK(pieces_of("word" + std::string(1000, ')')) == 1001);
  CHECK(pieces_of(std::string(1000, '(') + "word") == 1001);
  CHECK(lexzone::regex::pcre2_rules::affix_scan_budget(1000) < std::size_t{1000} * 1000 / 2 * 4);
  // Long runs: the text is kept, in fewer pieces than spaCy's, and the work stays linear.
  for (const char c : {')', '(', '$'}) {
    const std::size_t n = 100'000;
    const std::size_t pieces = pieces_of(std::string(n, c));
    CHECK(pieces > 1);
    CHECK(pieces < 1000);
  }
}

TEST_CASE("rule tokenizer: rules replaced, removed and added after construction", "[rule_tokenizer]") {
  vocab v;
  rule_tokenizer tok(v);  // no rules: white space only, as spaCy's Tokenizer(vocab)
  CHECK(tokens(tok, "(a-b), c.") == strings{"(a-b),", "c."});
  tok.set_prefix_search(R"(^[\(\[])");
  tok.set_suffix_search(R"([\)\],\.]$)");
  CHECK(tokens(tok, "(a-b), c.") == strings{"(", "a-b", ")", ",", "c", "."});
  tok.set_infix_finditer("-");
  CHECK(tokens(tok, "(a-b), c.") == strings{"(", "a", "-", "b", ")", ",", "c", "."});
  CHECK(tok.rules().regex_source(regex_rule::infix_finditer) == "-");
  tok.set_token_match(R"(a-b\)$)");  // the whole chunk "(a-b)," does not match; its core after "(" does not
  CHECK(tokens(tok, "a-b) x") == strings{"a-b)", "x"});
  tok.set_token_match(std::nullopt);
  tok.set_url_match(R"([a-z]+\.org)");
  CHECK(tokens(tok, "(x.org)") == strings{"(", "x.org", ")"});
  tok.set_suffix_search(std::nullopt);
  CHECK(tokens(tok, "c.") == strings{"c."});
  CHECK_FALSE(tok.rules().regex_source(regex_rule::suffix_search));
  tok.set_suffix_search(R"([\)\],\.]$)");

  // Special cases, with their NORMs and the matcher pass (a key holding an affix).
  tok.add_special_case("lexzone", {{"lex"}, {"zone", "ZONE"}});
  auto ps = segment(tok, "(lexzone)");
  REQUIRE(ps.size() == 4);
  CHECK(ps[2].norm == "ZONE");
  CHECK(v.contains("lex"));  // interned permanently
  tok.add_special_case("(x)", {{"(x)"}});
  CHECK(tokens(tok, "((x)") == strings{"(", "(x)"});
  CHECK(tok.remove_special_case("(x)"));
  CHECK_FALSE(tok.remove_special_case("(x)"));
  CHECK(tokens(tok, "((x)") == strings{"(", "(", "x", ")"});

  // faster_heuristics, as spaCy's issue 10086 on English rules.
  rule_tokenizer en(v, english_rules());
  CHECK(tokens(en, "No--don't see") == strings{"No", "--", "don't", "see"});
  en.set_faster_heuristics(false);
  CHECK(tokens(en, "No--don't see") == strings{"No", "--", "do", "n't", "see"});

  // explain, as spaCy's labels.
  std::vector<std::pair<std::string, std::string>> got;
  const std::string text = "(don't) http://x.org 3-4";
  for (const auto& e : en.explain(text)) got.emplace_back(e.label(), std::string(e.piece.text_in(text)));
  CHECK(got == std::vector<std::pair<std::string, std::string>>{{"PREFIX", "("},
                                                                {"SPECIAL-1", "do"},
                                                                {"SPECIAL-2", "n't"},
                                                                {"SUFFIX", ")"},
                                                                {"URL_MATCH", "http://x.org"},
                                                                {"TOKEN", "3"},
                                                                {"INFIX", "-"},
                                                                {"TOKEN", "4"}});

  // to_rules gives back what was loaded, and a tokenizer built from it segments alike.
  const tokenizer_rules back = en.to_rules();
  CHECK(back.prefix_search == english_rules().prefix_search);
  CHECK(back.exceptions == english_rules().exceptions);
  CHECK_FALSE(back.faster_heuristics);
  rule_tokenizer again(v, back);
  CHECK(tokens(again, "No--don't see") == strings{"No", "--", "do", "n't", "see"});
}

TEST_CASE("rule tokenizer: a change of rules empties the cache, copies keep their rules", "[rule_tokenizer]") {
  vocab v;
  rule_tokenizer tok(v, english_rules());
  rule_tokenizer copy = tok;
  auto zone = v.memory_zone();
  for (int i = 0; i < 2; ++i) (void)tok(zone, "alpha-beta gamma, delta.");
  CHECK(tok.stats().hits > 0);
  CHECK(tok.stats().entries > 0);
  tok.set_infix_finditer(std::nullopt);
  CHECK(tok.stats().entries == 0);  // spaCy flushes its cache when a rule changes
  CHECK(tokens(tok, "alpha-beta") == strings{"alpha-beta"});
  CHECK(tokens(copy, "alpha-beta") == strings{"alpha", "-", "beta"});
  (void)tok(zone, "gamma,");
  tok.add_special_case("gamma,", {{"gamma,"}});
  CHECK(tok.stats().entries == 0);
  CHECK(tokens(tok, "gamma,") == strings{"gamma,"});

  // Cache on and off agree.
  rule_tokenizer uncached(v, english_rules(), rule_tokenizer::options{0});
  for (const auto& line : lexzone_test::read_jsonl("spacy_lang/en_cases.jsonl")) {
    const std::string text = line["text"];
    REQUIRE(same_pieces(segment(copy, text), segment(uncached, text)));
  }
  CHECK(uncached.stats().hits == 0);
}

TEST_CASE("rule tokenizer: bad rules and bad files give errors that name them", "[rule_tokenizer]") {
  vocab v;
  rule_tokenizer tok(v, english_rules());
  for (const regex_rule r : lexzone::all_regex_rules) {
    const std::string name(lexzone::to_string(r));
    try {
      tok.set_regex(r, "(unclosed");
      FAIL("no error for " << name);
    } catch (const lexzone::regex::regex_error& e) {
      CHECK(e.code() == lexzone::regex::regex_errc::syntax);
      CHECK(std::string(e.what()).find(name + ": ") != std::string::npos);
    }
  }
  CHECK(tokens(tok, "(don't)") == strings{"(", "do", "n't", ")"});  // nothing changed
  tokenizer_rules bad = english_rules();
  bad.suffix_search = "[a-";
  CHECK(error_of([&] { rule_tokenizer t(v, bad); }).find("suffix_search: ") != std::string::npos);
  bad = english_rules();
  bad.exceptions.push_back({"abc", {{"ab", std::nullopt}, {"d", std::nullopt}}});
  CHECK_THROWS_AS(rule_tokenizer(v, bad), std::invalid_argument);
  CHECK_THROWS_AS(tok.add_special_case("abc", {{"ab"}, {"d"}}), std::invalid_argument);

  // Catastrophic backtracking is stopped by PCRE2's limits and reported with the rule; the tokenizer stays
  // usable.
  tokenizer_rules slow;
  slow.infix_finditer = R"((a+)+$)";
  lexzone::regex::regex_options limited;
  limited.limits.match_limit = 10'000;
  rule_tokenizer bounded(v, slow, {}, limited);
  auto zone = v.memory_zone();
  const std::string limit = error_of([&] { (void)bounded(zone, std::string(40, 'a') + "b"); });
  INFO(limit);
  CHECK(limit.find("infix_finditer: ") != std::string::npos);
  CHECK(limit.find("_limit") != std::string::npos);
  CHECK(bounded(zone, "x ab").size() == 2);

  CHECK_THROWS_AS(lexzone::load_rule_tokenizer(v, data_dir / "no_such.tokenizer"), lexzone::io::rule_file_error);
  try {
    (void)lexzone::load_rule_tokenizer(v, data_dir / "spacy_en_tokenizer_cases.jsonl");
    FAIL("no error for a JSON file");
  } catch (const lexzone::io::rule_file_error& e) {
    CHECK(std::string(e.what()).find("spacy_en_tokenizer_cases.jsonl") != std::string::npos);
  }
}

TEST_CASE("rule tokenizer: copies tokenize on two threads", "[rule_tokenizer][thread]") {
  vocab v;
  const rule_tokenizer proto(v, english_rules());
  const auto lines = lexzone_test::read_jsonl("spacy_lang/en_cases.jsonl");
  std::vector<std::vector<strings>> results(2);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      rule_tokenizer tok = proto;
      for (int round = 0; round < 2; ++round) {
        results[t].clear();
        auto zone = v.memory_zone();
        for (const auto& line : lines) {
          strings out;
          for (const auto& tk : tok(zone, line["text"].get<std::string>())) out.emplace_back(tk.text());
          results[t].push_back(std::move(out));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(results[0].size() == lines.size());
  CHECK(results[0] == results[1]);
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(results[0][i] == lines[i]["tokens"].get<strings>());
}

}  // namespace regex_rule_tokenizer_test
