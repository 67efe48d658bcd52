/// \file detail/match_compiler.hpp
/// The matcher's compiler (internal): turns validated patterns (matcher/pattern.hpp) into staged
/// program fragments (detail/match_program.hpp) that `match_program::append` links in.
///
/// The compiler interns through a callable it is given (`hash_t(std::string_view)`), so it knows no
/// vocab, and gets the predicates of `REGEX` constraints from another (`text_predicate(std::string_view
/// source, std::size_t token, token_attr attr)`), so it knows no regex engine; it runs only on patterns
/// `validate_token_pattern` accepted, and checks nothing it checks.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../hash.hpp"
#include "../matcher/pattern.hpp"
#include "../unicode/utf8.hpp"
#include "match_program.hpp"

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail {

/// True when `v` is a length a token can have (a whole number in [0, 2^32)).
[[nodiscard]] inline bool is_integral_length(double v) noexcept {
  return v >= 0 && v <= 4294967295.0 && std::floor(v) == v;
}

/// True when phrase patterns can compare attribute `a` (any known attribute but `spacy`).
[[nodiscard]] constexpr bool is_phrase_attr(token_attr a) noexcept {
  return is_known_attr(a) && a != token_attr::spacy;
}

/// Throws `pattern_error` (unsupported, index 0) unless phrase patterns can compare `attr`.
inline void check_phrase_attr(token_attr attr) {
  if (!is_phrase_attr(attr))
    throw pattern_error(0, "phrase patterns cannot compare " + std::string(token_attr_name(attr)),
                        pattern_error::reason::unsupported);
}

/// Validates phrase patterns given as token texts, with their token norms when `norms` is not empty and
/// `attr` is NORM (one list per phrase, one norm per token, empty for none; other attributes do not read
/// them). Throws `pattern_error` (index of the phrase; 0 when the numbers of phrases differ): an
/// unsupported `attr`, an empty phrase, an empty token, invalid UTF-8, norms not shaped as the phrases.
template <class String>
void validate_phrases(std::span<const std::vector<String>> phrases, token_attr attr,
                      std::span<const std::vector<std::string>> norms = {}) {
  check_phrase_attr(attr);
  if (attr != token_attr::norm) norms = {};
  if (!norms.empty() && norms.size() != phrases.size())
    throw pattern_error(
        0, "norms are given for " + std::to_string(norms.size()) + " phrases, not " + std::to_string(phrases.size()));
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    if (phrases[i].empty()) throw pattern_error(i, "a phrase pattern needs at least one token");
    for (const String& w : phrases[i]) {
      const std::string_view s(w);
      if (s.empty()) throw pattern_error(i, "a phrase token is empty");
      if (!unicode::is_valid(s)) throw pattern_error(i, "phrase text is not valid UTF-8");
    }
    if (norms.empty()) continue;
    if (norms[i].size() != phrases[i].size())
      throw pattern_error(i, "the phrase has " + std::to_string(phrases[i].size()) + " tokens but " +
                                 std::to_string(norms[i].size()) + " norms");
    for (const std::string& n : norms[i])
      if (!unicode::is_valid(n)) throw pattern_error(i, "a phrase token's norm is not valid UTF-8");
  }
}

/// The program's operation for predicate `p`, applied to a value (`equal`) or a set (`in`).
[[nodiscard]] constexpr test_op to_test_op(attr_predicate p) noexcept {
  switch (p) {
    case attr_predicate::equal: return test_op::equal;
    case attr_predicate::not_equal: return test_op::not_equal;
    case attr_predicate::in: return test_op::in_set;
    case attr_predicate::not_in: return test_op::not_in_set;
    case attr_predicate::greater_equal: return test_op::greater_equal;
    case attr_predicate::less_equal: return test_op::less_equal;
    case attr_predicate::greater: return test_op::greater;
    case attr_predicate::less: return test_op::less;
    case attr_predicate::regex:
    case attr_predicate::regex_in: return test_op::text_any;
    case attr_predicate::regex_not_in: return test_op::text_none;
  }
  return test_op::equal;
}

/// The field whose values the first consumed token of `st` must take, and those values; `scan_field`
/// when no indexed field narrows it.
[[nodiscard]] inline pattern_entry entry_of(const staged_token& st) {
  std::size_t last = 0;  // entry elements: 0..last (the first non-skippable one included)
  while (last < st.elements.size() &&
         (st.elements[last].kind == element_kind::optional || st.elements[last].kind == element_kind::star))
    ++last;
  if (last == st.elements.size() && last > 0) --last;
  for (std::uint8_t f = 0; f < indexed_field_count; ++f) {
    pattern_entry e{f, {}};
    bool ok = true;
    for (std::size_t i = 0; ok && i <= last && i < st.elements.size(); ++i) {
      const auto& el = st.elements[i];
      if (el.kind == element_kind::negated) {
        ok = false;
        break;
      }
      if (el.never) continue;
      bool found = false;
      for (std::uint32_t k = el.test_begin; k < el.test_end && !found; ++k) {
        const auto& t = st.tests[k];
        if (static_cast<std::uint8_t>(t.field) != f) continue;
        if (t.op == test_op::equal) {
          e.keys.push_back(t.value);
          found = true;
        } else if (t.op == test_op::in_set) {
          e.keys.insert(e.keys.end(), st.sets.begin() + t.set_begin, st.sets.begin() + t.set_end);
          found = true;
        }
      }
      ok = found;
    }
    if (ok) {
      std::sort(e.keys.begin(), e.keys.end());
      e.keys.erase(std::unique(e.keys.begin(), e.keys.end()), e.keys.end());
      return e;
    }
  }
  return pattern_entry{scan_field, {}};
}

/// Compiles the validated token pattern `pattern` of `key`; `intern(s)` returns the id of string `s`,
/// `regex(source, token, attr)` the predicate of a `REGEX` source (both may throw). Complexity:
/// O(pattern size + values · log values) plus the interning and the regexes.
template <class String, class Intern, class Regex>
requires std::convertible_to<const String&, std::string_view>
[[nodiscard]] staged_token compile_token_pattern(hash_t key, const basic_token_pattern<String>& pattern,
                                                 Intern&& intern, Regex&& regex) {
  staged_token st{key, 0, {}, {}, {}, {}, {}};
  std::vector<compiled_test> text_tests;  // emitted after the value tests of their element
  for (std::size_t tok = 0; tok < pattern.tokens.size(); ++tok) {
    const auto& spec = pattern.tokens[tok];
    compiled_element base;
    base.test_begin = static_cast<std::uint32_t>(st.tests.size());
    text_tests.clear();
    for (const auto& c : spec.constraints) {
      if (is_flag_attr(c.attr)) {
        const std::uint32_t bit = flag_bit(c.attr);
        const std::uint32_t want = c.flag ? bit : 0u;
        if ((base.flag_mask & bit) != 0 && (base.flag_want & bit) != want) base.never = true;
        base.flag_mask |= bit;
        base.flag_want = (base.flag_want & ~bit) | want;
        continue;
      }
      compiled_test t;
      t.field = static_cast<match_field>(c.attr);
      t.op = to_test_op(c.predicate);
      if (is_regex_predicate(c.predicate)) {
        // No regex: "any of them matches" never holds, "none matches" always does. Every text test so
        // has a predicate, and a program has text tests exactly when `texts` is not empty.
        if (c.strings.empty()) {
          base.never = base.never || c.predicate == attr_predicate::regex_in;
          continue;
        }
        t.set_begin = static_cast<std::uint32_t>(st.texts.size());
        for (const String& s : c.strings) st.texts.push_back(regex(std::string_view(s), tok, c.attr));
        t.set_end = static_cast<std::uint32_t>(st.texts.size());
        text_tests.push_back(t);
        continue;
      }
      auto add_set = [&](std::vector<std::uint64_t> values) {
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        t.set_begin = static_cast<std::uint32_t>(st.sets.size());
        st.sets.insert(st.sets.end(), values.begin(), values.end());
        t.set_end = static_cast<std::uint32_t>(st.sets.size());
      };
      if (is_string_attr(c.attr)) {
        if (c.predicate == attr_predicate::equal) {
          t.value = intern(std::string_view(c.strings.front()));
        } else {
          std::vector<std::uint64_t> hs;
          hs.reserve(c.strings.size());
          for (const String& s : c.strings) hs.push_back(intern(std::string_view(s)));
          add_set(std::move(hs));
        }
      } else {  // length
        switch (c.predicate) {
          case attr_predicate::equal:
            if (!is_integral_length(c.numbers.front())) {
              base.never = true;
              continue;
            }
            t.value = static_cast<std::uint64_t>(c.numbers.front());
            break;
          case attr_predicate::not_equal:
            if (!is_integral_length(c.numbers.front())) continue;  // always true
            t.value = static_cast<std::uint64_t>(c.numbers.front());
            break;
          case attr_predicate::in:
          case attr_predicate::not_in: {
            std::vector<std::uint64_t> vs;
            for (double v : c.numbers)
              if (is_integral_length(v)) vs.push_back(static_cast<std::uint64_t>(v));
            add_set(std::move(vs));
            break;
          }
          default: t.number = c.numbers.front(); break;
        }
      }
      st.tests.push_back(t);
    }
    st.tests.insert(st.tests.end(), text_tests.begin(), text_tests.end());
    base.test_end = static_cast<std::uint32_t>(st.tests.size());
    const token_quantifier q = spec.quantifier;
    if (q.negated) {
      base.kind = element_kind::negated;
      st.elements.push_back(base);
      continue;
    }
    base.kind = element_kind::one;
    for (std::uint32_t i = 0; i < q.min; ++i) st.elements.push_back(base);
    if (q.max == token_quantifier::unbounded) {
      base.kind = element_kind::star;
      st.elements.push_back(base);
    } else {
      base.kind = element_kind::optional;
      for (std::uint32_t i = q.min; i < q.max; ++i) st.elements.push_back(base);
    }
  }
  st.entry = entry_of(st);
  return st;
}

}  // namespace lexzone::detail
