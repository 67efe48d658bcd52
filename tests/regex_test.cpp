// The regex layer against Python's re: tests/data/regex_cases.jsonl (hand-picked cases, errors, Unicode
// sweeps) and tests/data/regex_spacy_cases.jsonl (spaCy's five tokenizer regexes of 73 languages on their
// test strings), both written by tools/gen_regex_cases.py; plus limits, offsets, threads and splitting.
#include <lexzone/io/spacy_tokenizer_file.hpp>
#include <lexzone/regex/pcre2_regex.hpp>
#include <lexzone/regex/python_syntax.hpp>
#include <lexzone/regex/tokenizer_regexes.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/jsonl.hpp"
#include "support/sanitizers.hpp"

#if defined(__linux__)
#  include <sys/resource.h>
#  include <sys/wait.h>
#  include <unistd.h>

#  include <cerrno>
#  include <csignal>
#endif

namespace regex_test {

namespace {

using lexzone::regex::match_span;
using lexzone::regex::regex;
using lexzone::regex::regex_errc;
using lexzone::regex::regex_error;
using json = nlohmann::json;
using lexzone_test::read_jsonl;

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string subject_of(const json& c) {
  return c.contains("subject_hex") ? from_hex(c["subject_hex"].get<std::string>()) : c["subject"].get<std::string>();
}

json span_json(const std::optional<match_span>& m) { return m ? json::array({m->begin, m->end}) : json(nullptr); }

std::string sweep_subject(char32_t lo, char32_t hi) {
  std::string s;
  for (char32_t c = lo; c < hi; ++c)
    if (c < 0xD800 || c > 0xDFFF) lexzone::unicode::encode(c, s);
  return s;
}

json runs_of(const regex& r, const std::string& s) {
  json out = json::array();
  r.finditer(s, [&](match_span m) {
    if (!out.empty() && out.back()[1].get<std::size_t>() == m.begin) {
      out.back()[1] = m.end;
    } else {
      out.push_back(json::array({m.begin, m.end}));
    }
  });
  return out;
}

regex_errc errc_named(const std::string& name) {
  if (name == "syntax") return regex_errc::syntax;
  if (name == "unsupported") return regex_errc::unsupported;
  FAIL("unknown error name " << name);
  return regex_errc::internal;
}

const std::filesystem::path shared_lang_dir =
    std::filesystem::path(LEXZONE_TEST_DATA_DIR) / ".." / ".." / ".." / "shared" / "data" / "spacy_lang";

}  // namespace

TEST_CASE("regex: every case of regex_cases.jsonl answers as Python's re", "[regex]") {
  const auto cases = read_jsonl("regex_cases.jsonl");
  REQUIRE(cases.size() > 900);
  std::size_t passed = 0, sweeps = 0, errors = 0;
  for (const auto& c : cases) {
    const std::string pattern = c["pattern"];
    const std::string op = c["op"];
    INFO("pattern " << pattern << " op " << op << (c.contains("subject") ? " subject " + c["subject"].dump() : ""));
    if (op == "error") {
      try {
        (void)regex::from_python(pattern);
        FAIL_CHECK("compiled, but Python rejects it");
      } catch (const regex_error& e) {
        CHECK(e.code() == errc_named(c["result"]));
        ++errors;
      }
      continue;
    }
    if (op == "sweep") {
      const std::string s = sweep_subject(c["range"][0].get<char32_t>(), c["range"][1].get<char32_t>());
      // Both ways of writing Unicode classes: PCRE2 properties and explicit ranges from lexzone's tables.
      for (bool props : {true, false}) {
        lexzone::regex::translate_options opt;
        opt.unicode_properties = props;
        const regex r = regex::from_translation(pattern, lexzone::regex::translate_python(pattern, opt));
        INFO("unicode_properties " << props);
        CHECK(runs_of(r, s) == c["result"]);
      }
      ++sweeps;
      ++passed;
      continue;
    }
    const regex r = regex::from_python(pattern);
    const std::string s = subject_of(c);
    const std::size_t pos = c["pos"];
    json got;
    if (op == "search") got = span_json(r.search(s, pos));
    else if (op == "match") got = span_json(r.match(s, pos));
    else if (op == "fullmatch") got = span_json(r.fullmatch(s));
    else if (op == "finditer") {
      got = json::array();
      for (const auto& m : r.find_all(s)) got.push_back(json::array({m.begin, m.end}));
    } else if (op == "groups") {
      got = json::array();
      for (const auto& g : r.groups(s)) got.push_back(span_json(g));
    } else {
      FAIL("unknown op " << op);
    }
    CHECK(got == c["result"]);
    if (got == c["result"]) ++passed;
    // The same answers with the branch dispatch, and for match with a pattern compiled anchored.
    if (op == "search" || op == "match" || op == "finditer") {
      lexzone::regex::regex_options fast;
      fast.branch_dispatch = true;
      fast.anchored = op == "match";
      const regex d = regex::from_python(pattern, fast);
      json again;
      if (op == "search") again = span_json(d.search(s, pos));
      else if (op == "match") again = span_json(d.match(s, pos));
      else {
        again = json::array();
        for (const auto& m : d.find_all(s)) again.push_back(json::array({m.begin, m.end}));
      }
      INFO("branch_dispatch, anchored " << fast.anchored);
      CHECK(again == c["result"]);
    }
  }
  CHECK(errors >= 30);
  CHECK(sweeps >= 20);
  WARN("regex cases: " << passed + errors << " of " << cases.size() << " pass (" << sweeps << " sweeps, " << errors
                       << " errors)");
}

TEST_CASE("regex: spaCy's tokenizer regexes of 73 languages answer as Python's re", "[regex][spacy_lang]") {
  if (!std::filesystem::exists(shared_lang_dir / "en.tokenizer")) {
    WARN("SKIPPED: " << shared_lang_dir.string() << " is absent (shared data of spaCy's 73 languages)");
    return;
  }
  const auto cases = read_jsonl("regex_spacy_cases.jsonl");
  std::map<std::string, std::vector<const json*>> by_lang;
  for (const auto& c : cases) by_lang[c["lang"].get<std::string>()].push_back(&c);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shared_lang_dir)) {
    if (entry.path().extension() == ".tokenizer") ++files;
  }
  CHECK(files == 73);
  CHECK(by_lang.size() == 71);  // gd and mr have no test strings
  std::size_t checked = 0, failed = 0;
  for (const auto& [lang, rows] : by_lang) {
    INFO("language " << lang);
    const auto rules = lexzone::io::load_spacy_tokenizer(shared_lang_dir / (lang + ".tokenizer"));
    const auto rx = lexzone::regex::tokenizer_regexes::compile(rules);
    for (const json* row : rows) {
      const std::string s = (*row)["s"];
      INFO("string " << s);
      const long prefix = (*row)["prefix"];
      const auto pm = rx.prefix_search()->search(s);
      const long suffix = (*row)["suffix"];
      const auto sm = rx.suffix_search()->search(s);
      json infix = json::array();
      for (const auto& m : rx.infixes(s)) infix.push_back(json::array({m.begin, m.end}));
      const bool ok = (pm ? static_cast<long>(pm->size()) : -1) == prefix &&
                      (sm ? static_cast<long>(sm->size()) : -1) == suffix && infix == (*row)["infix"] &&
                      ((*row)["token_match"].is_null() ? rx.token_match_regex() == nullptr
                                                       : rx.token_match(s) == (*row)["token_match"].get<bool>()) &&
                      rx.url_match(s) == (*row)["url_match"].get<bool>();
      CHECK((pm ? static_cast<long>(pm->size()) : -1) == prefix);
      CHECK((sm ? static_cast<long>(sm->size()) : -1) == suffix);
      CHECK(infix == (*row)["infix"]);
      if (!(*row)["token_match"].is_null()) CHECK(rx.token_match(s) == (*row)["token_match"].get<bool>());
      CHECK(rx.url_match(s) == (*row)["url_match"].get<bool>());
      ++checked;
      if (!ok) ++failed;
    }
  }
  WARN("spaCy regex cases: " << checked - failed << " of " << checked << " pass over " << by_lang.size()
                             << " languages");
}

TEST_CASE("regex: all 5 regexes of the 73 spaCy tokenizer files compile", "[regex][spacy_lang]") {
  if (!std::filesystem::exists(shared_lang_dir / "en.tokenizer")) {
    WARN("SKIPPED: " << shared_lang_dir.string() << " is absent (shared data of spaCy's 73 languages)");
    return;
  }
  std::size_t files = 0, regexes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shared_lang_dir)) {
    if (entry.path().extension() != ".tokenizer") continue;
    INFO(entry.path().string());
    const auto rules = lexzone::io::load_spacy_tokenizer(entry.path());
    const auto rx = lexzone::regex::tokenizer_regexes::compile(rules);
    CHECK(rx.prefix_search() != nullptr);
    CHECK(rx.suffix_search() != nullptr);
    CHECK(rx.infix_finditer() != nullptr);
    CHECK(rx.url_match_regex() != nullptr);
    CHECK((rx.token_match_regex() != nullptr) == rules.token_match.has_value());
    regexes += 4 + (rx.token_match_regex() != nullptr ? 1 : 0);
    if (entry.path().stem() == "fr") CHECK(rx.token_match_regex()->parts().size() > 1);  // split: 1.45 M chars
    ++files;
  }
  CHECK(files == 73);
  WARN(files << " tokenizer files, " << regexes << " regexes compiled");
}

TEST_CASE("regex: catastrophic backtracking is stopped by the limits", "[regex]") {
  const regex r = regex::from_python("(a+)+$");
  const std::string s = std::string(40, 'a') + "b";
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)r.search(s);
    FAIL("no limit was hit");
  } catch (const regex_error& e) {
    CHECK((e.code() == regex_errc::match_limit || e.code() == regex_errc::depth_limit ||
           e.code() == regex_errc::heap_limit));
  }
  // A bound to catch the quadratic version (tens of seconds), not a speed goal: skipped where a
  // sanitizer slows everything down.
  if (!lexzone::test::under_sanitizer) CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  // A smaller match limit stops it sooner; the interpreter (no JIT) is bounded too.
  lexzone::regex::regex_options small;
  small.limits.match_limit = 10'000;
  small.jit = false;
  const regex interpreted = regex::from_python(R"((a|aa)+\d)", small);
  CHECK_THROWS_AS(interpreted.search(std::string(60, 'a') + "x"), regex_error);
  // An ordinary match stays well below the default limits.
  CHECK(r.search("aaa"));
}

TEST_CASE("regex: a pattern quoted in an error is escaped, so what() is whole and one line", "[regex]") {
  try {
    (void)lexzone::regex::translate_python(std::string_view("a\0b\n(", 5));
    FAIL("an unbalanced group was accepted");
  } catch (const regex_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.code() == regex_errc::syntax);
    CHECK(what.find("a\\x00b\\x0A(") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

TEST_CASE("regex: start offsets are checked", "[regex]") {
  const regex r = regex::from_python("é");
  const std::string s = "aé";
  CHECK(r.search(s, 1) == match_span{1, 3});
  CHECK_THROWS_AS(r.search(s, 2), regex_error);  // inside é
  CHECK_THROWS_AS(r.search(s, 4), regex_error);  // past the end
  CHECK_FALSE(r.search(s, 3));
  try {
    (void)r.search(s, 2);
  } catch (const regex_error& e) {
    CHECK(e.code() == regex_errc::bad_offset);
  }
  const std::string bad = "a\xff\xc3\xa9";  // an invalid byte, then é
  CHECK(r.search(bad, 1) == match_span{2, 4});
  CHECK_THROWS_AS(r.search(bad, 3), regex_error);
  CHECK(lexzone::regex::code_points(bad, 4) == 3);
  CHECK(lexzone::regex::code_points("aé€", 6) == 3);
}

TEST_CASE("regex: a huge invalid UTF-8 subject does not pin its transcoding buffers", "[regex]") {
  const regex r = regex::from_python("é");
  const auto& scratch = lexzone::regex::detail::thread_scratch();
  const std::string small = "a\xffé";
  CHECK(r.search(small) == match_span{2, 4});
  std::string huge(std::size_t{1} << 20, 'a');  // 1 MiB: about 17 MiB of buffers while it is matched
  huge[100] = '\xff';
  huge += "é";
  CHECK(r.search(huge) == match_span{huge.size() - 2, huge.size()});
  CHECK(scratch.buffers.transcoded.capacity() < 64 * 1024);
  CHECK(scratch.buffers.to_original.capacity() < 64 * 1024);
  CHECK(scratch.buffers.to_transcoded.capacity() < 64 * 1024);
  CHECK_FALSE(scratch.buffers_in_use);
  CHECK(r.search(small) == match_span{2, 4});  // and the next match still works
}

TEST_CASE("regex: a deep interpreted match does not pin its backtracking frames", "[regex]") {
  // PCRE2 (10.41 on) keeps the interpreter's frames in the match data: a thread's match data must not keep
  // a deep match's megabytes for the rest of the thread's life.
  using scratch_type = lexzone::regex::detail::match_scratch;
  const auto& scratch = lexzone::regex::detail::thread_scratch();
  lexzone::regex::regex_options interpreted;
  interpreted.jit = false;
  const regex deep = regex::from_python("(a|b)*c", interpreted);
  const std::string subject(20000, 'a');  // one frame a character: about 10 MiB of frames, no match
  CHECK_FALSE(deep.match(subject));
  CHECK(scratch.match_data_bytes() <= scratch_type::kept_match_data_bytes);
  // Shallow matches keep their (small) match data from one match to the next, and still work.
  CHECK(deep.match("abac") == match_span{0, 4});
  const std::size_t kept = scratch.match_data_bytes();
  CHECK(kept > 0);
  CHECK(kept <= scratch_type::kept_match_data_bytes);
  CHECK(deep.match("bc") == match_span{0, 2});
  CHECK(scratch.match_data_bytes() == kept);
  // A limit error frees them too, and the groups of the next match are right.
  interpreted.limits.heap_limit_kib = 2048;
  const regex limited = regex::from_python("(a|b)*c", interpreted);
  try {
    (void)limited.match(subject);
    FAIL("the heap limit was not hit");
  } catch (const regex_error& e) {
    CHECK(e.code() == regex_errc::heap_limit);
  }
  CHECK(scratch.match_data_bytes() <= scratch_type::kept_match_data_bytes);
  const auto groups = deep.groups("abc");
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == match_span{0, 3});
  CHECK(groups[1] == match_span{1, 2});
}

TEST_CASE("regex: a match inside finditer's callback leaves the outer subject's transcoding alone", "[regex]") {
  // Two subjects that are not valid UTF-8, of different shapes: the inner one, matched from the callback
  // while the outer is being iterated, must not overwrite (or free) the outer's offsets.
  const regex r = regex::from_python("é+");
  std::string outer;
  for (int i = 0; i < 600; ++i) outer += (i % 3 == 0) ? "\xff\xfeé" : "xéé ";  // > 4 KiB, invalid bytes
  std::string inner(5000, '\xff');
  inner += "ééé";
  const std::vector<match_span> expected = r.find_all(outer);
  REQUIRE(expected.size() == 600);
  std::vector<match_span> got;
  r.finditer(outer, [&](match_span m) {
    got.push_back(m);
    CHECK(r.search(inner) == match_span{5000, 5006});
  });
  CHECK(got == expected);
  CHECK_FALSE(lexzone::regex::detail::thread_scratch().buffers_in_use);
}

TEST_CASE("regex: one compiled regex shared by threads", "[regex][thread]") {
  const regex r = regex::from_python(R"((?i)\b\w+é\b|[\d]+)");
  const std::string text =
      "Café 12 thé ÉTÉ 3 x\xff"
      "café";
  const auto expected = r.find_all(text);
  REQUIRE(expected.size() == 6);  // Café, 12, thé, ÉTÉ, 3, café
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) ok[static_cast<std::size_t>(t)] += r.find_all(text) == expected ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (int n : ok) CHECK(n == 500);
}

TEST_CASE("regex: threads making the process's first translations share the category sets read-only",
          "[regex][thread]") {
  // CTest runs each test case in a process of its own: the threads below then make the first use of the
  // sets of \w, \d and \s (Unicode and ASCII), built once and shared. A thread that sorted a shared set
  // on first read would race with the others (TSan reports it; without TSan, a wrong class or a crash).
  const std::string text = "h\u00e9llo 5 _x9 \t7";
  constexpr int thread_count = 4;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<match_span>> found(thread_count);
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < thread_count) std::this_thread::yield();  // start together
      auto& out = found[static_cast<std::size_t>(t)];
      for (const char* source : {R"(\w+\s\d)", R"((?a)\w+\s+\d)", R"([^\W\d]+)", R"(\S+)"}) {
        const auto all = regex::from_python(source).find_all(text);
        out.insert(out.end(), all.begin(), all.end());
      }
    });
  }
  for (auto& th : threads) th.join();
  // Python's re on the same text: (?a) leaves é out of \w; [^\W\d] is \w without digits.
  const std::vector<match_span> expected{{0, 8}, {3, 8}, {9, 15}, {0, 6}, {9, 11}, {0, 6}, {7, 8}, {9, 12}, {14, 15}};
  for (const auto& f : found) CHECK(f == expected);
}

TEST_CASE("regex: a pattern too large for PCRE2 is split into alternatives when only truth matters", "[regex]") {
  std::string pattern = "(?:";
  std::set<std::string> words;
  for (int i = 0; i < 12000; ++i) {
    const std::string w = "w" + std::to_string(i * 7) + "x";
    words.insert(w);
    pattern += (i ? "|^" : "^") + w + "$";
  }
  pattern += ")";
  CHECK_THROWS_AS(regex::from_python(pattern), regex_error);
  const auto p = lexzone::regex::predicate_regex::from_python(pattern);
  CHECK(p.parts().size() > 1);
  // Every 29th number below 90,000: members (multiples of 7) and non-members spread over every part.
  for (int i = 0; i < 90000; i += 29) {
    const std::string w = "w" + std::to_string(i) + "x";
    CHECK(p.match(w) == (words.count(w) == 1));
    CHECK(p.fullmatch(w) == (words.count(w) == 1));
  }
  CHECK_FALSE(p.search("w7x!"));
  CHECK(p.search("w14x"));
  // Backreferences are never split: group numbers would shift.
  CHECK_THROWS_AS(lexzone::regex::predicate_regex::from_python("(a)\\1|" + pattern), regex_error);
}

TEST_CASE("regex: errors name the rule that failed", "[regex]") {
  lexzone::tokenizer_rules rules;
  rules.prefix_search = "^[";
  try {
    (void)lexzone::regex::tokenizer_regexes::compile(rules);
    FAIL("compiled");
  } catch (const regex_error& e) {
    CHECK(e.code() == regex_errc::syntax);
    CHECK(std::string(e.what()).find("prefix_search") != std::string::npos);
  }
  const lexzone::regex::tokenizer_regexes none = lexzone::regex::tokenizer_regexes::compile({});
  CHECK(none.prefix_length("(a") == 0);
  CHECK(none.infixes("a-b").empty());
  CHECK_FALSE(none.url_match("http://x.org"));
}

TEST_CASE("regex: the bytes a branch can start with, read from translated source", "[regex]") {
  using lexzone::regex::detail::first_bytes;
  auto bytes = [](std::string_view pcre2) -> std::string {
    const auto set = first_bytes(pcre2);
    if (!set) return "any";
    std::string out;
    for (std::size_t b = 0; b < 256; ++b)
      if ((*set)[b]) out += b < 0x80 ? std::string(1, static_cast<char>(b)) : "<" + std::to_string(b) + ">";
    return out;
  };
  CHECK(bytes(R"(\Aab)") == "a");
  CHECK(bytes("[a-cx]y") == "abcx");
  CHECK(bytes("(?:ab|cd)e") == "ac");
  CHECK(bytes("(ab|cd)") == "ac");
  CHECK(bytes("a?b") == "ab");
  CHECK(bytes("a*?b+") == "ab");
  CHECK(bytes("x{0,2}y") == "xy");
  CHECK(bytes("x{2}y") == "x");
  CHECK(bytes("(?:[Rr][Ee])?[Dd]o") == "DRdr");
  CHECK(bytes(R"(\.\.+$)") == ".");
  CHECK(bytes(R"(\x{E9}t)") == "<195>");
  CHECK(bytes(R"([\x{41}-\x{10FFFF}])") != "any");
  CHECK(bytes("a*") == "any");      // may match nothing
  CHECK(bytes("(?=a)a") == "any");  // an assertion first
  CHECK(bytes("[^a]") == "any");
  CHECK(bytes(R"(\d)") == "any");
  CHECK(bytes(".") == "any");
  CHECK(bytes("") == "any");
  CHECK(bytes("(?:a|)b") == "any");
}

TEST_CASE("regex: the branch dispatch finds what the plain pattern finds (random alternations)", "[regex]") {
  // Alternations of branches that start with literals, classes, look-behinds, \A, and zero-width
  // branches (which turn the dispatch off); subjects with multi-byte and invalid UTF-8.
  const char* branches[] = {"a",       "ab",        "b+",     R"(\d)",    R"((?<=a)b)", R"((?<=\d)x)", "^a",
                            R"(\Aab)", "[^a]",      "\u00e9", "€$",       R"(\w+$)",    "x$",          "(?=a)a",
                            "a?b",     ".",         R"(\.)",  "(?:ba|c)", R"(\.\.+$)",  "(?=b)",       R"(\bq)",
                            "é{2}",    R"([\d.]+)", "1?\\.",  "ab|a"};
  const char* pieces[] = {"a", "b", "x", "1", ".", "é", "€", " ", "\xff", "q", "c"};
  std::mt19937 rng(12);
  lexzone::regex::regex_options dispatched;
  dispatched.branch_dispatch = true;
  std::size_t compared = 0, with_dispatch = 0;
  for (int i = 0; i < 600; ++i) {
    std::string pattern;
    const int n = 2 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      if (k != 0) pattern += '|';
      pattern += branches[rng() % std::size(branches)];
    }
    const regex plain = regex::from_python(pattern);
    const regex fast = regex::from_python(pattern, dispatched);
    with_dispatch += fast.branch_dispatched() ? 1 : 0;
    const auto predicate = lexzone::regex::predicate_regex::from_python(pattern);  // parts chosen by first byte
    for (int j = 0; j < 8; ++j) {
      std::string subject;
      const int m = static_cast<int>(rng() % 8);
      for (int k = 0; k < m; ++k) subject += pieces[rng() % std::size(pieces)];
      INFO("pattern " << pattern << " subject " << json(subject).dump(-1, ' ', false, json::error_handler_t::replace));
      CHECK(plain.search(subject) == fast.search(subject));
      CHECK(plain.match(subject) == fast.match(subject));
      CHECK(plain.find_all(subject) == fast.find_all(subject));
      CHECK(predicate.match(subject) == plain.match(subject).has_value());
      CHECK(predicate.fullmatch(subject) == plain.fullmatch(subject).has_value());
      ++compared;
    }
  }
  CHECK(compared == 4800);
  CHECK(with_dispatch > 200);
}

// The code of the regex_error that `f` throws, nullopt when it throws none.
template <class F>
std::optional<regex_errc> error_of(F&& f) {
  try {
    f();
  } catch (const regex_error& e) {
    return e.code();
  }
  return std::nullopt;
}

TEST_CASE("regex: groups nested too deeply are refused before the translator's stack runs out", "[regex]") {
  using lexzone::regex::max_group_nesting;
  using lexzone::regex::translate_python;
  auto nested = [](std::size_t levels, const std::string& open) {
    std::string s;
    for (std::size_t i = 0; i < levels; ++i) s += open;
    s += 'a';
    s.append(levels, ')');
    return s;
  };
  // At the limit: translated, and compiled (PCRE2's nesting limit is set to the same). PCRE2 10.42 nests
  // `(?:` less deep (its workspace): refused by PCRE2 then, with the same code (another version may
  // accept it).
  CHECK_FALSE(error_of([&] { (void)translate_python(nested(max_group_nesting, "(")); }));
  CHECK(regex::from_python(nested(max_group_nesting, "(")).match("a") == match_span{0, 1});
  const auto deep_noncapturing = error_of([&] { (void)regex::from_python(nested(max_group_nesting, "(?:")); });
  CHECK((!deep_noncapturing || *deep_noncapturing == regex_errc::compile));
  // One level more, and 50,000 (100 KB: a stack overflow when the parser recursed without a bound).
  for (const char* open : {"(", "(?:", "(?=", "(?i:", "(?(1)"}) {
    INFO("group " << open);
    const std::string head = std::string_view(open) == "(?(1)" ? "(a)" : "";
    CHECK_FALSE(error_of([&] { (void)translate_python(head + nested(max_group_nesting, open)); }));
    CHECK(error_of([&] { (void)translate_python(head + nested(max_group_nesting + 1, open)); }) == regex_errc::compile);
    CHECK(error_of([&] { (void)translate_python(head + nested(50'000, open)); }) == regex_errc::compile);
  }
  try {
    (void)translate_python(nested(max_group_nesting + 1, "(?:"));
  } catch (const regex_error& e) {
    CHECK(e.offset() == 3 * max_group_nesting);  // the first group too many
    CHECK(std::string(e.what()).find("too deeply nested") != std::string::npos);
  }
  // Through a tokenizer rule (the audit's case): the typed error, named.
  lexzone::tokenizer_rules rules;
  rules.prefix_search = nested(50'000, "(");
  CHECK(error_of([&] { (void)lexzone::regex::tokenizer_regexes::compile(rules); }) == regex_errc::compile);
}

TEST_CASE("regex: reading branches of hostile translated source is iterative, bounded in depth, linear", "[regex]") {
  using lexzone::regex::detail::first_bytes;
  using lexzone::regex::detail::split_alternatives;
  using lexzone::regex::detail::branch_reading::max_group_depth;
  // 200,000 optional atoms: once a recursion each (a stack overflow), now one loop.
  std::string optional;
  for (int i = 0; i < 200'000; ++i) optional += "a?";
  const auto ab = first_bytes(optional + "b");
  REQUIRE(ab);
  CHECK(ab->count() == 2);
  CHECK(((*ab)['a'] && (*ab)['b']));
  CHECK_FALSE(first_bytes(optional));  // may match nothing
  // Groups that each hold more than another group are read max_group_depth levels deep; deeper, the
  // answer is nullopt (any byte: always safe).
  auto levels = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "(?:";
    s += 'a';
    for (int i = 0; i < n; ++i) s += ")b";
    return s;
  };
  const auto shallow = first_bytes(levels(max_group_depth));
  REQUIRE(shallow);
  CHECK(shallow->count() == 1);
  CHECK((*shallow)['a']);
  CHECK_FALSE(first_bytes(levels(max_group_depth + 1)));
  CHECK_FALSE(first_bytes(levels(2000)));
  // Groups that only wrap the rest are unwrapped in one pass: 1,000 of them around 2 MB of branches (a
  // pass over the whole per group was 2e9 steps).
  std::string body;
  while (body.size() < 2'000'000) body += "xy|";
  body += "z";
  std::string wrapped;
  for (int i = 0; i < 1000; ++i) wrapped += i % 2 == 0 ? "(?:" : "(";
  wrapped += body;
  wrapped.append(1000, ')');
  const auto start = std::chrono::steady_clock::now();
  const auto parts = split_alternatives(wrapped);
  const auto first = first_bytes(wrapped);
  // A bound to catch the quadratic version (tens of seconds), not a speed goal: skipped where a
  // sanitizer slows everything down.
  if (!lexzone::test::under_sanitizer) CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  REQUIRE(parts.size() == body.size() / 3 + 1);
  CHECK(parts.front() == "xy");
  CHECK(parts.back() == "z");
  REQUIRE(first);  // the wrapping groups cost no depth
  CHECK(first->count() == 2);
  CHECK(((*first)['x'] && (*first)['z']));
  // A group that spans everything but holds another that does not: only the outer one is unwrapped.
  CHECK(split_alternatives("((a)|b)") == std::vector<std::string_view>{"(a)", "b"});
  CHECK(split_alternatives("(?:(?:a)b)") == std::vector<std::string_view>{"(?:a)b"});
  CHECK(split_alternatives("(a)(b)") == std::vector<std::string_view>{"(a)(b)"});
  CHECK(split_alternatives("((?:a|b))") == std::vector<std::string_view>{"a", "b"});
}

TEST_CASE("regex: named groups are looked up by hash, so many of them translate in linear time", "[regex]") {
  using lexzone::regex::translate_python;
  // 60,000 named groups and as many references by name (1.4 MB): a linear search of the names for each
  // took minutes.
  std::string source;
  constexpr int groups = 60'000;
  for (int i = 0; i < groups; ++i) source += "(?P<g" + std::to_string(i) + ">x)";
  for (int i = 0; i < groups; ++i) source += "(?P=g" + std::to_string(groups - 1 - i) + ")";
  const auto start = std::chrono::steady_clock::now();
  const auto t = translate_python(source);
  // A bound to catch the quadratic version (tens of seconds), not a speed goal: skipped where a
  // sanitizer slows everything down.
  if (!lexzone::test::under_sanitizer) CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK(t.capture_count == groups);
  REQUIRE(t.group_names.size() == groups);
  CHECK(t.group_names.back() == std::pair<std::string, std::uint32_t>{"g59999", groups});
  CHECK(t.pcre2.find("(?:\\g{60000})(?:\\g{59999})") != std::string::npos);
  // The errors stay those of Python.
  CHECK(error_of([] { (void)translate_python("(?P<a>x)(?P<a>y)"); }) == regex_errc::syntax);
  CHECK(error_of([] { (void)translate_python("(?P<a>x)(?P=b)"); }) == regex_errc::syntax);
  CHECK(translate_python("(?P<a>x)(?P<b>y)(?(b)z)(?P=a)").pcre2 == "(x)(y)(?(2)z)(?:\\g{1})");
}

TEST_CASE("regex: a translation far larger than its source is refused as too large", "[regex]") {
  using lexzone::regex::max_translation_size;
  using lexzone::regex::translate_python;
  constexpr std::size_t mib = std::size_t{1} << 20;
  CHECK(max_translation_size(0) == 4 * mib);
  CHECK(max_translation_size(1000) == 64'000 + 4 * mib);
  CHECK(max_translation_size(static_cast<std::size_t>(-1)) == static_cast<std::size_t>(-1));
  // (?i:[^\W\d]) (12 bytes) is written as an explicit set of about 10.8 KB.
  const std::string unit = R"((?i:[^\W\d]))";
  std::string kept, refused;
  for (int i = 0; i < 100; ++i) kept += unit;      // about 1.1 MB: under the cap
  for (int i = 0; i < 1000; ++i) refused += unit;  // about 10.8 MB: over 4 MiB + 768 KB
  const auto t = translate_python(kept);
  CHECK(t.pcre2.size() > 64 * kept.size());
  CHECK(t.pcre2.size() <= max_translation_size(kept.size()));
  CHECK(error_of([&] { (void)translate_python(refused); }) == regex_errc::too_large);
  // The audit's case, an alternation of them as token_match (split into parts, it took hundreds of MB).
  std::string alternation;
  for (int i = 0; i < 2000; ++i) alternation += (i == 0 ? "" : "|") + unit;
  CHECK(error_of([&] { (void)lexzone::regex::predicate_regex::from_python(alternation); }) == regex_errc::too_large);
}

TEST_CASE("regex: one expensive start position of a search may use up to the whole match limit", "[regex]") {
  // x(?:a|a){15}b against "x" + 15 'a' + "cb": only position 0 can start a match, and it backtracks
  // through 2^15 ways before failing, about 60% of a match limit of 100,000 steps. Python answers "no
  // match"; so must a search, whose reruns of that one position are paid from the call's budget (each
  // rerun paying only the steps it adds: paying its whole limit refused anything above about 40%).
  lexzone::regex::regex_options o;
  o.limits.match_limit = 100'000;
  const std::string subject = "x" + std::string(15, 'a') + "cb";  // a 'b' (PCRE2 looks for one first)
  for (const bool jit : {true, false}) {
    for (const bool dispatch : {false, true}) {
      INFO("jit " << jit << ", branch dispatch " << dispatch);
      o.jit = jit;
      o.branch_dispatch = dispatch;
      auto compile = [&](int k) {
        std::string pattern = "x";
        for (int i = 0; i < k; ++i) pattern += "(?:a|a)";
        pattern += "b";
        return regex::from_python(dispatch ? "y|" + pattern : pattern, o);
      };
      const regex r = compile(15);
      CHECK_FALSE(r.search(subject));
      CHECK_FALSE(r.search("zz" + subject + "zz"));
      CHECK(r.search("zz" + subject.substr(0, 16) + "b") == match_span{2, 19});
      CHECK(r.find_all(subject).empty());
      // Four times as many steps: more than the limit, an error.
      const regex r17 = compile(17);
      CHECK(error_of([&] { (void)r17.search("x" + std::string(17, 'a') + "cb"); }) == regex_errc::match_limit);
    }
  }
}

TEST_CASE("regex: one search's match limit covers all the start positions it tries", "[regex]") {
  // (?:a|a){14}b backtracks through 2^14 ways at each 'a' before it fails there: about 30,000 steps a
  // position, under a match limit of 100,000, which PCRE2 counts afresh at each position. Over 3,000
  // positions a search took 100 million steps; the call's budget stops it after about 100,000 more
  // than its free steps.
  std::string pattern;
  for (int i = 0; i < 14; ++i) pattern += "(?:a|a)";
  pattern += "b";
  const std::string subject = std::string(3000, 'a') + "cb";
  const std::string cheap = std::string(100'000, 'c') + std::string(14, 'a') + "b";  // every position fails at once
  lexzone::regex::regex_options o;
  o.limits.match_limit = 100'000;
  for (const bool jit : {true, false}) {
    for (const bool dispatch : {false, true}) {
      INFO("jit " << jit << ", branch dispatch " << dispatch);
      o.jit = jit;
      o.branch_dispatch = dispatch;
      const regex r = regex::from_python(dispatch ? "x|" + pattern : pattern, o);
      CHECK(r.branch_dispatched() == dispatch);
      const auto start = std::chrono::steady_clock::now();
      CHECK(error_of([&] { (void)r.search(subject); }) == regex_errc::match_limit);
      CHECK(error_of([&] { (void)r.find_all(subject); }) == regex_errc::match_limit);
      CHECK(error_of([&] { (void)r.groups(subject); }) == regex_errc::match_limit);
      // A bound to catch the quadratic version (tens of seconds), not a speed goal: skipped where a
      // sanitizer slows everything down.
      if (!lexzone::test::under_sanitizer) CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
      // A match tries one position: it has the whole limit, and fails without an error.
      CHECK_FALSE(r.match(subject));
      // Positions that fail at once take nothing from the budget, however many.
      CHECK(r.search(cheap) == match_span{100'000, 100'015});
      CHECK(r.find_all(cheap + cheap).size() == 2);
    }
  }
  // The parts of a predicate share one budget too.
  const auto p = lexzone::regex::predicate_regex::from_python(pattern, o);
  CHECK(error_of([&] { (void)p.search(subject); }) == regex_errc::match_limit);
  CHECK(p.search(cheap));
}

TEST_CASE("regex: a spaCy tokenizer file's exceptions header reserves no more than its bytes can hold", "[regex]") {
#if !defined(__linux__)
  WARN("SKIPPED: needs fork and RLIMIT_AS");
#else
  if (lexzone::test::under_sanitizer) {
    WARN("SKIPPED under a sanitizer: RLIMIT_AS cannot hold its shadow memory");
    return;
  }
  // 4 million entries of 2 bytes each (an empty key, nil), an 8 MB file refused at its first entry.
  // Reserving the header's count took 4e6 * sizeof(special_case) (224 MB, 28 times the file); the smallest
  // valid entry is 7 bytes, so at most 8e6 / 7 entries (64 MB) are reserved now.
  constexpr std::size_t n = 4'000'000;
  std::string file =
      "\x81\xAA"
      "exceptions\xDF";
  for (int shift = 24; shift >= 0; shift -= 8) file += static_cast<char>((n >> shift) & 0xFFu);
  for (std::size_t i = 0; i < n; ++i) file += "\xA0\xC0";
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // no Catch2, no destructors: every way out is _exit
    ::alarm(60);
    std::size_t pages = 0;
    if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(statm, "%zu", &pages) != 1) pages = 0;
      std::fclose(statm);
    }
    if (pages == 0) ::_exit(5);
    const auto room = static_cast<rlim_t>(pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) + (160u << 20));
    const rlimit limit{room, room};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(6);
    try {
      (void)lexzone::io::parse_spacy_tokenizer(file, "hostile");
      ::_exit(1);
    } catch (const lexzone::io::rule_file_error& e) {
      ::_exit(e.code() == lexzone::io::rule_file_errc::wrong_layout ? 0 : 2);
    } catch (const std::bad_alloc&) {
      ::_exit(3);  // the reservation did not fit in 160 MiB
    } catch (...) {
      ::_exit(4);
    }
  }
  int status = 0;
  pid_t done = 0;
  do {
    done = ::waitpid(child, &status, 0);
  } while (done < 0 && errno == EINTR);
  REQUIRE(done == child);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
#endif
}

namespace {
// A thread_local object whose destructor matches: it runs at the thread's exit, after the regex module's
// per-thread scratch (made later on that thread) was destroyed.
struct teardown_matcher {
  const regex* r = nullptr;
  std::optional<match_span>* found = nullptr;
  teardown_matcher() = default;
  teardown_matcher(const teardown_matcher&) = delete;
  teardown_matcher& operator=(const teardown_matcher&) = delete;
  ~teardown_matcher() {
    if (r != nullptr) *found = r->search("xx\xff\xc3\xa9");  // invalid UTF-8: transcoded in scratch buffers
  }
};
}  // namespace

TEST_CASE("regex: a thread_local destructor may match after the thread's scratch is gone", "[regex]") {
  const regex r = regex::from_python("é");
  std::optional<match_span> found, first;
  std::thread([&] {
    thread_local teardown_matcher user;  // constructed first, so destroyed last
    user.r = &r;
    user.found = &found;
    first = r.search("a\xffé");  // makes this thread's scratch, after `user`
  }).join();
  CHECK(first == match_span{2, 4});
  CHECK(found == match_span{3, 5});
}

}  // namespace regex_test
