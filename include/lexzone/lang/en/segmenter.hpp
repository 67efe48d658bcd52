/// \file lang/en/segmenter.hpp
/// spaCy v3.8-compatible English segmentation: text in, byte spans out (no vocabulary, no doc).
///
/// `segmenter` reproduces spaCy's `Tokenizer.__call__` for the English defaults (or spaCy's base "xx"
/// rules): the whitespace pass, per-chunk special cases, prefix/suffix peeling, URL_MATCH, infix
/// splitting and the final special-case matcher pass (`_apply_special_cases`). The prefix, suffix,
/// infix and URL regular expressions are compiled by hand into predicates; nothing here uses regex.
///
/// Output: `piece`s, byte spans into the caller's text. Every byte of the text belongs to exactly one
/// piece or to the single space recorded by a piece's `space_after`, so concatenating each piece's text
/// (plus one space where `space_after`) gives the input back, whatever the bytes (invalid UTF-8 and NUL
/// included: an invalid byte decodes to U+DC80..U+DCFF, see `unicode/utf8.hpp`, and is kept).
///
/// Differences from spaCy: none known for valid UTF-8 under the default rules, except that no
/// tokenizer cache is kept here (the caller may keep one; `segment_chunk` says when a chunk may be
/// cached) and that `token_match` is not supported (spaCy's English default has none).
///
/// Thread safety: all `const` members may run concurrently on one segmenter; the modifiers
/// (`add_special_case`, `remove_special_case`, `clear_special_cases`, `set_faster_heuristics`) need
/// exclusive access.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../config.hpp"
#include "../../errors.hpp"
#include "../../hash.hpp"
#include "../../unicode/utf8.hpp"
#include "char_classes.hpp"
#include "tokenizer_exceptions.hpp"

namespace lexzone::en {

/// One segment of a text.
struct piece {
  std::uint32_t begin = 0;   ///< byte offset of the piece in the text
  std::uint32_t size = 0;    ///< length in bytes (never 0)
  bool space_after = false;  ///< one ' ' follows the piece and belongs to no piece (spaCy's `whitespace_`)
  /// NORM set by the special case that made the piece, else empty. Points into the segmenter's storage.
  /// Lifetime: valid until the segmenter is modified (a special case added, removed or cleared), moved
  /// from or destroyed.
  std::string_view norm;

  /// The piece's text in `text`, the text it was segmented from.
  [[nodiscard]] std::string_view text_in(std::string_view text) const noexcept { return text.substr(begin, size); }
};

/// One piece of a special case given to `segmenter::add_special_case`: ORTH and optional NORM.
struct special_piece {
  std::string_view orth;
  std::string_view norm{};
};

/// Which affix rules and default special cases a segmenter starts from.
enum class rule_set {
  english,  ///< `spacy.lang.en.English`: English infixes (hyphen after a digit too) and English exceptions
  base,     ///< spaCy's language-independent defaults ("xx"): base infixes and BASE_EXCEPTIONS only
};

/// spaCy-compatible segmenter. Construction builds the rule tables once (about a millisecond); after
/// that, segmentation allocates nothing except growth of the caller's output vector (and scratch space
/// in the rare cases of more than 32 suffixes in one chunk or a special-case matcher hit).
///
/// Copyable and movable (a copy owns its own rule storage). Not thread-safe while being modified.
class segmenter {
 public:
  /// The default rules: `rule_set::english` is spaCy's English tokenizer, `rule_set::base` its "xx".
  /// Throws: std::bad_alloc.
  explicit segmenter(rule_set rules = rule_set::english) : affixes_(rules) {
    begin_bulk();
    for (const auto& e : base_exceptions) add_exception(e);
    if (rules == rule_set::english) {
      for (const auto& e : english_exceptions) add_exception(e);
    }
    end_bulk();
  }

  /// The same affix rules with no special cases at all (spaCy: `tokenizer.rules = {}`).
  /// Throws: std::bad_alloc.
  [[nodiscard]] static segmenter blank(rule_set rules = rule_set::english) {
    segmenter s(rules, blank_tag{});
    return s;
  }

  // ------------------------------------------------------------------------------------------------
  // Special cases
  // ------------------------------------------------------------------------------------------------

  /// Adds (or replaces) the special case `key` -> `pieces` (spaCy `add_special_case`). The rule is used
  /// for exact chunks and chunk cores, and, when `key` holds a prefix, suffix or infix match or a space
  /// (or always, without faster heuristics), by the special-case matcher pass.
  /// Throws: std::invalid_argument when the ORTHs do not join to `key` (spaCy E997), when `key` is empty
  /// or a piece's ORTH is empty; lexzone::capacity_error past 4 GiB of rule text; std::bad_alloc.
  /// Invalidates the `norm` views of pieces made earlier. Complexity: O(|key| + number of rules).
  void add_special_case(std::string_view key, std::span<const special_piece> pieces) {
    validate(key, pieces);
    const std::uint32_t index = store_rule(key, pieces);
    add_pattern(index);
    rebuild_matcher_index();
  }

  /// `add_special_case` for a braced list: `seg.add_special_case("lorem", {{"lo"}, {"rem"}})`.
  void add_special_case(std::string_view key, std::initializer_list<special_piece> pieces) {
    add_special_case(key, std::span<const special_piece>(pieces.begin(), pieces.size()));
  }

  /// Removes the special case `key`; returns false when there was none. Invalidates earlier `norm`
  /// views. Throws: std::bad_alloc. Complexity: O(number of rules).
  bool remove_special_case(std::string_view key) {
    const std::uint32_t index = find_rule_index(key);
    if (index == no_rule) return false;
    std::vector<rule> kept;
    kept.reserve(rules_.size() - 1);
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      if (i != index) kept.push_back(rules_[i]);
    }
    rules_ = std::move(kept);
    rebuild_all();
    return true;
  }

  /// Removes every special case (spaCy: `tokenizer.rules = {}`). Throws: nothing.
  void clear_special_cases() noexcept {
    rules_.clear();
    rule_pieces_.clear();
    pool_.clear();
    table_.assign(table_.size(), 0);
    key_filter_.fill(0);
    max_key_size_ = 0;
    patterns_.clear();
    pattern_tokens_.clear();
    groups_.clear();
    group_table_.assign(group_table_.size(), 0);
    single_filter_.fill(0);
    pair_filter_.fill(0);
  }

  /// Number of special cases. Throws: nothing.
  [[nodiscard]] std::size_t special_case_count() const noexcept { return rules_.size(); }

  /// True when `key` is a special case. Complexity: O(|key|). Throws: nothing.
  [[nodiscard]] bool has_special_case(std::string_view key) const noexcept { return find_rule(key) != nullptr; }

  /// spaCy's `faster_heuristics` (default true): when false, every special case also goes through the
  /// matcher pass, so e.g. `No--don't` gives `No -- do n't`. Throws: std::bad_alloc.
  void set_faster_heuristics(bool on) {
    if (on == faster_heuristics_) return;
    faster_heuristics_ = on;
    rebuild_patterns();
  }

  /// See `set_faster_heuristics`. Throws: nothing.
  [[nodiscard]] bool faster_heuristics() const noexcept { return faster_heuristics_; }

  /// The affix rules in use. Throws: nothing.
  [[nodiscard]] rule_set affix_rules() const noexcept { return affixes_; }

  // ------------------------------------------------------------------------------------------------
  // Segmentation
  // ------------------------------------------------------------------------------------------------

  /// Segments all of `text` and appends the pieces to `out` (offsets relative to `text`): the
  /// whitespace pass, every chunk through `segment_chunk`, then `apply_special_cases` on the new pieces.
  /// Throws: lexzone::capacity_error when `text` is 4 GiB or longer; std::bad_alloc.
  /// Complexity: O(|text|) (pathological inputs such as long runs of `@` stay O(|text| * runs)).
  /// Thread safety: const; may run concurrently with other const calls.
  void segment(std::string_view text, std::vector<piece>& out) const {
    segment_with(text, out, [this](std::string_view chunk, std::uint32_t base, std::vector<piece>& o) {
      (void)segment_chunk(chunk, base, o);
    });
  }

  /// `segment` with the per-chunk step supplied by the caller, e.g. to consult a cache:
  /// `chunk_fn(std::string_view chunk, std::uint32_t base, std::vector<piece>& out)` must append the
  /// chunk's pieces (offsets `base + ...`, at least one piece) to `out`, as `segment_chunk` does. Chunks
  /// are maximal runs of non-space or of space code points, minus the single ' ' after a non-space run.
  /// Throws: as `segment`, plus whatever `chunk_fn` throws.
  template <class ChunkFn>
  void segment_with(std::string_view text, std::vector<piece>& out, ChunkFn&& chunk_fn) const {
    check_size(text.size());
    const std::size_t first = out.size();
    whitespace_pass(text, out, chunk_fn);
    apply_special_cases(text, out, first);
  }

  /// Segments one chunk (a run of non-space code points, or a whitespace run that is not a single
  /// trailing ' ') without the doc-level matcher pass, appending pieces with offsets `base + ...` and
  /// `space_after == false`. Returns true when the result may be cached by chunk text: false when a
  /// special case was used (spaCy refuses to cache those, #1250). Requires `chunk` non-empty.
  /// Throws: std::bad_alloc. Complexity: O(|chunk|). Thread safety: const.
  bool segment_chunk(std::string_view chunk, std::uint32_t base, std::vector<piece>& out) const {
    return !tokenize_chunk<true>(chunk, base, out);  // tokenize_chunk reports whether a rule was used
  }

  /// spaCy's `_apply_special_cases`: finds the special cases whose affix-only segmentation appears as
  /// consecutive pieces of `pieces[first..]`, keeps the longest then leftmost matches without overlap,
  /// and replaces a kept match by the rule's pieces when the text it covers (inner spaces included) is
  /// a rule key; the last new piece keeps the match's final `space_after`.
  /// Throws: std::bad_alloc (only when a match is found). Complexity: O(number of pieces).
  void apply_special_cases(std::string_view text, std::vector<piece>& pieces, std::size_t first = 0) const {
    if (patterns_.empty() || first >= pieces.size()) return;
    std::vector<span_match> matches;
    const std::size_t n = pieces.size();
    for (std::size_t i = first; i < n; ++i) {
      const piece& p = pieces[i];
      const unsigned char b0 = static_cast<unsigned char>(text[p.begin]);
      // Cheap filters on the first token alone (one-token patterns) or on the first two tokens.
      bool candidate = ((single_filter_[b0] >> length_bit(p.size)) & 1u) != 0;
      if (!candidate && i + 1 < n) {
        const piece& q = pieces[i + 1];
        const std::size_t bit = pair_bit(b0, p.size, static_cast<unsigned char>(text[q.begin]), q.size);
        candidate = ((pair_filter_[bit / 64] >> (bit % 64)) & 1u) != 0;
      }
      if (!candidate) continue;
      const std::string_view tok = p.text_in(text);
      const group* g = find_group(tok);
      if (g == nullptr) continue;
      for (std::uint32_t pi = g->pattern_begin; pi < g->pattern_end; ++pi) {
        const pattern& pat = patterns_[pi];
        if (i + pat.token_count > n) continue;
        bool ok = true;
        for (std::uint32_t k = 1; k < pat.token_count && ok; ++k) {
          const auto& [off, len] = pattern_tokens_[pat.token_begin + k];
          ok = pieces[i + k].text_in(text) == std::string_view(pool_.data() + off, len);
        }
        if (ok) matches.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + pat.token_count)});
      }
    }
    if (matches.empty()) return;
    // Longest first, then leftmost; a match is kept when neither of its end tokens is taken yet.
    std::sort(matches.begin(), matches.end(), [](const span_match& a, const span_match& b) {
      const std::uint32_t la = a.end - a.start;
      const std::uint32_t lb = b.end - b.start;
      return la != lb ? la > lb : a.start < b.start;
    });
    std::vector<bool> seen(n, false);
    std::vector<span_match> kept;
    for (const span_match& m : matches) {
      if (seen[m.start] || seen[m.end - 1]) continue;
      kept.push_back(m);
      for (std::uint32_t t = m.start; t < m.end; ++t) seen[t] = true;
    }
    std::sort(kept.begin(), kept.end(), [](const span_match& a, const span_match& b) { return a.start < b.start; });
    std::vector<piece> rebuilt;
    std::size_t next = kept.front().start;
    rebuilt.reserve(n - next + 8);
    for (const span_match& m : kept) {
      rebuilt.insert(rebuilt.end(), pieces.begin() + static_cast<std::ptrdiff_t>(next),
                     pieces.begin() + static_cast<std::ptrdiff_t>(m.start));
      const std::uint32_t b = pieces[m.start].begin;
      const piece& last = pieces[m.end - 1];
      const rule* r = find_rule(text.substr(b, last.begin + last.size - b));
      if (r == nullptr) {
        rebuilt.insert(rebuilt.end(), pieces.begin() + m.start, pieces.begin() + m.end);
      } else {
        emit_rule(*r, b, rebuilt);
        rebuilt.back().space_after = last.space_after;
      }
      next = m.end;
    }
    rebuilt.insert(rebuilt.end(), pieces.begin() + static_cast<std::ptrdiff_t>(next), pieces.end());
    pieces.resize(kept.front().start);
    pieces.insert(pieces.end(), rebuilt.begin(), rebuilt.end());
  }

  // ------------------------------------------------------------------------------------------------
  // The hand-compiled rules, exposed for callers and tests
  // ------------------------------------------------------------------------------------------------

  /// spaCy's URL_MATCH (`re.compile("(?u)" + URL_PATTERN).match`, a full match from the start, where
  /// `$` also accepts a final "\n"). Complexity: O(|s|) per '@' in `s`. Throws: nothing.
  [[nodiscard]] static bool url_match(std::string_view s) noexcept {
    if (s.empty()) return false;
    if (url_match_to(s, s.size())) return true;
    return s.back() == '\n' && url_match_to(s, s.size() - 1);
  }

  /// Bytes of the prefix spaCy's `prefix_search` finds at the start of `s` (0 if none).
  /// Complexity: O(1), O(run) for runs of dots. Throws: nothing.
  [[nodiscard]] static std::size_t prefix_length(std::string_view s) noexcept {
    if (s.empty()) return 0;
    const auto b = static_cast<unsigned char>(s[0]);
    if (b < 0x80) {
      switch (b) {
        case '.': {
          std::size_t i = 1;
          while (i < s.size() && s[i] == '.') ++i;
          return i >= 2 ? i : 0;
        }
        case '+': return (s.size() > 1 && s[1] >= '0' && s[1] <= '9') ? 0 : 1;
        case 'U': return s.starts_with("US$") ? 3 : 0;
        case 'C':
        case 'A': return (s.size() > 1 && s[1] == '$') ? 2 : 0;
        default: return (detail::en_chars::ascii_flags[b] & detail::en_chars::ascii_prefix) != 0 ? 1 : 0;
      }
    }
    const unicode::decoded d = unicode::decode(s, 0);
    return is_prefix_char(d.cp) ? d.size : 0;
  }

  /// Bytes of the suffix spaCy's `suffix_search` finds at the end of `s` (0 if none): the match that
  /// starts leftmost, look-behinds seeing only `s`. Complexity: O(1), O(run) for runs of dots.
  /// Throws: nothing.
  [[nodiscard]] static std::size_t suffix_length(std::string_view s) noexcept {
    const std::size_t n = s.size();
    if (n == 0) return 0;
    const auto last = static_cast<unsigned char>(s[n - 1]);
    if (last < 0x80 &&
        (detail::en_chars::ascii_flags[last] &
         (detail::en_chars::ascii_lower | detail::en_chars::ascii_upper | detail::en_chars::ascii_digit))) {
      // Only 's / ’s or a unit after a digit can end in a letter; nothing ends in a digit.
      if ((detail::en_chars::ascii_flags[last] & detail::en_chars::ascii_digit) != 0) return 0;
      bool maybe = false;
      if ((last == 's' || last == 'S') && n >= 2) {
        maybe = s[n - 2] == '\'' || (n >= 4 && s.substr(n - 4, 3) == "\xE2\x80\x99");
      }
      for (std::size_t k = 2; !maybe && k <= 6 && k <= n; ++k) maybe = s[n - k] >= '0' && s[n - k] <= '9';
      if (!maybe) return 0;
    } else if (last < 0x80 && (detail::en_chars::ascii_flags[last] & detail::en_chars::ascii_suffix) != 0) {
      return 1;  // no longer alternative ends in one of these characters
    } else if (last == '.') {
      std::size_t d = 1;
      while (d < n && s[n - 1 - d] == '.') ++d;
      if (d >= 2) return d;
    }
    // The last code points (up to 6) and where they start.
    std::array<char32_t, 6> cp{};
    std::array<std::size_t, 6> at{};
    std::size_t count = 0;
    for (std::size_t end = n; end > 0 && count < cp.size(); ++count) {
      const std::size_t start = prev_start(s, end);
      cp[count] = unicode::decode(s.data() + start, s.data() + end).cp;
      at[count] = start;
      end = start;
    }
    const std::size_t longest = std::min<std::size_t>(count, 5);
    for (std::size_t k = longest; k >= 1; --k) {  // leftmost start first
      const std::string_view tail = s.substr(at[k - 1]);
      const bool has_before = k < count;
      const char32_t before = has_before ? cp[k] : 0;
      const bool digit_before = has_before && is_ascii_digit(before);
      if (k == 1) {
        const char32_t c = cp[0];
        if (is_suffix_char(c)) return tail.size();
        if (c == U'+' && digit_before) return tail.size();
        if (c == U'.' && has_before) {
          const bool has_before2 = k + 1 < count;
          const char32_t before2 = has_before2 ? cp[k + 1] : 0;
          if (has_before2 && before2 == 0xB0 &&
              std::u32string_view(U"FfCcKk").find(before) != std::u32string_view::npos) {
            return tail.size();
          }
          if (is_period_lookbehind(before)) return tail.size();
          if (has_before2 && is_alpha_upper(before) && is_alpha_upper(before2)) return tail.size();
        }
      } else if (k == 2) {
        if (cp[0] == 0x2026 && cp[1] == 0x2026) return tail.size();
        if ((cp[0] == U's' || cp[0] == U'S') && (cp[1] == U'\'' || cp[1] == 0x2019)) return tail.size();
      }
      if (digit_before && (is_listed(tail, currencies) || is_listed(tail, units))) return tail.size();
    }
    return 0;
  }

  /// Calls `fn(start, end)` (byte offsets in `s`) for each match of spaCy's `infix_finditer` on `s`,
  /// left to right, without overlap. Complexity: O(|s|). Throws: whatever `fn` throws.
  template <class Fn>
  void for_each_infix(std::string_view s, Fn&& fn) const {
    const std::size_t n = s.size();
    std::size_t i = 0;
    char32_t prev = 0;
    bool has_prev = false;
    while (i < n) {
      const auto b = static_cast<unsigned char>(s[i]);
      if (b < 0x80 && (detail::en_chars::ascii_flags[b] & detail::en_chars::ascii_infix) == 0) {
        prev = b;
        has_prev = true;
        ++i;
        continue;
      }
      const unicode::decoded d = unicode::decode(s, i);
      const std::size_t len = infix_at(s, i, d, has_prev, prev);
      if (len != 0) {
        fn(i, i + len);
        prev = prev_cp_before(s, i + len);
        has_prev = true;
        i += len;
      } else {
        prev = d.cp;
        has_prev = true;
        i += d.size;
      }
    }
  }

 private:
  struct blank_tag {};
  segmenter(rule_set rules, blank_tag) : affixes_(rules) {}

  struct rule {
    std::uint32_t key_off;
    std::uint32_t key_len;
    std::uint32_t piece_begin;
    std::uint32_t piece_count;
  };
  struct rule_piece {
    std::uint32_t orth_len;
    std::uint32_t norm_off;
    std::uint32_t norm_len;
  };
  struct pattern {
    std::uint32_t token_begin;  // into pattern_tokens_
    std::uint32_t token_count;
  };
  struct group {  // patterns sharing a first token
    std::uint32_t text_off;
    std::uint32_t text_len;
    std::uint32_t pattern_begin;
    std::uint32_t pattern_end;
  };
  struct span_match {
    std::uint32_t start;
    std::uint32_t end;
  };
  static constexpr std::uint32_t no_rule = std::numeric_limits<std::uint32_t>::max();

  rule_set affixes_;
  bool faster_heuristics_ = true;
  bool bulk_ = false;
  std::string pool_;  // keys, norms
  std::vector<rule> rules_;
  std::vector<rule_piece> rule_pieces_;
  std::vector<std::uint64_t> table_;  // (hash high 32 bits << 32) | (rule index + 1)
  std::size_t max_key_size_ = 0;
  std::vector<pattern> patterns_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pattern_tokens_;  // (offset, length) in pool_
  std::vector<group> groups_;
  std::vector<std::uint64_t> group_table_;
  std::array<std::uint64_t, 1024> key_filter_{};    // bits of (first byte, last byte, length) of rule keys
  std::array<std::uint64_t, 256> single_filter_{};  // one-token patterns: per first byte, bit (length - 1)
  std::array<std::uint64_t, 1024> pair_filter_{};   // longer patterns: bits of (byte, length) of tokens 1 and 2

  [[nodiscard]] static constexpr std::size_t key_bit(std::string_view key) noexcept {
    const std::uint64_t k = (std::uint64_t{static_cast<unsigned char>(key.front())} << 40) ^
                            (std::uint64_t{static_cast<unsigned char>(key.back())} << 32) ^ std::uint64_t{key.size()};
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 48);  // 16 bits
  }
  [[nodiscard]] static constexpr std::uint32_t length_bit(std::size_t size) noexcept {
    return size >= 64 ? 63u : static_cast<std::uint32_t>(size) - 1u;
  }
  [[nodiscard]] static constexpr std::size_t pair_bit(unsigned char b0, std::size_t len0, unsigned char b1,
                                                      std::size_t len1) noexcept {
    const std::uint64_t k = (std::uint64_t{b0} << 24) ^ (std::uint64_t{b1} << 16) ^
                            (std::uint64_t{length_bit(len0)} << 8) ^ std::uint64_t{length_bit(len1)};
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 48);  // 16 bits
  }

  // ---- sizes ---------------------------------------------------------------------------------------

  static void check_size(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max()) {
      throw capacity_error("lexzone: text of 4 GiB or more cannot be segmented");
    }
  }

  // ---- UTF-8 helpers -------------------------------------------------------------------------------

  /// Start of the code point that ends at `end` (> 0), consistent with forward decoding from 0.
  [[nodiscard]] static std::size_t prev_start(std::string_view s, std::size_t end) noexcept {
    if (static_cast<unsigned char>(s[end - 1]) < 0x80) return end - 1;
    std::size_t lead = end - 1;
    for (int k = 0; k < 3 && lead > 0 && (static_cast<unsigned char>(s[lead]) & 0xC0u) == 0x80u; ++k) --lead;
    const unicode::decoded d = unicode::decode(s.data() + lead, s.data() + end);
    return (d.valid && lead + d.size == end) ? lead : end - 1;
  }

  [[nodiscard]] static char32_t prev_cp_before(std::string_view s, std::size_t end) noexcept {
    const std::size_t start = prev_start(s, end);
    return unicode::decode(s.data() + start, s.data() + end).cp;
  }

  /// The code point at byte `i` of `s`; `size == 0` past the end.
  [[nodiscard]] static unicode::decoded cp_at(std::string_view s, std::size_t i) noexcept {
    if (i >= s.size()) return {0, 0, false};
    return unicode::decode(s, i);
  }

  template <std::size_t N>
  [[nodiscard]] static bool is_listed(std::string_view tail, const std::string_view (&list)[N]) noexcept {
    for (const std::string_view u : list) {
      if (u == tail) return true;
    }
    return false;
  }

  // ---- infixes -------------------------------------------------------------------------------------

  /// Length of the infix match at byte `i` (code point `d`), or 0.
  [[nodiscard]] std::size_t infix_at(std::string_view s, std::size_t i, unicode::decoded d, bool has_prev,
                                     char32_t prev) const noexcept {
    const char32_t c = d.cp;
    const unicode::decoded next = cp_at(s, i + d.size);
    const bool has_next = next.size != 0;
    // \.\.+
    if (c == U'.' && has_next && next.cp == U'.') {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] == '.') ++j;
      return j - i;
    }
    if (c == 0x2026 || is_icon(c)) return d.size;  // … and ICONS
    // (?<=[0-9])[+\-\*^](?=[0-9-])
    if ((c == U'+' || c == U'-' || c == U'*' || c == U'^') && has_prev && is_ascii_digit(prev) && has_next &&
        (is_ascii_digit(next.cp) || next.cp == U'-')) {
      return 1;
    }
    if (!has_prev || !has_next) return 0;  // every remaining rule looks both ways
    // (?<=[{al}{q}])\.(?=[{au}{q}])
    if (c == U'.') {
      return (is_alpha_lower(prev) || is_quote(prev)) && (is_alpha_upper(next.cp) || is_quote(next.cp)) ? 1 : 0;
    }
    // (?<=[{a}]),(?=[{a}])
    if (c == U',') return is_alpha(prev) && is_alpha(next.cp) ? 1 : 0;
    const bool alpha_or_digit_before = is_alpha(prev) || is_ascii_digit(prev);
    // (?<=[{a}0-9])(?:-|–|—|--|---|——|~)(?=[{a}])  (base rules: (?<=[{a}]))
    if (is_hyphen(c)) {
      if (!(affixes_ == rule_set::english ? alpha_or_digit_before : is_alpha(prev))) return 0;
      if (is_alpha(next.cp)) return d.size;
      if ((c == U'-' || c == 0x2014) && next.cp == c) {
        const unicode::decoded next2 = cp_at(s, i + std::size_t{2} * d.size);
        if (next2.size != 0 && is_alpha(next2.cp)) return std::size_t{2} * d.size;
        if (c == U'-' && next2.size != 0 && next2.cp == U'-') {
          const unicode::decoded next3 = cp_at(s, i + 3);
          if (next3.size != 0 && is_alpha(next3.cp)) return 3;
        }
      }
      return 0;
    }
    // (?<=[{a}0-9])[:<>=/](?=[{a}])
    if (c == U':' || c == U'<' || c == U'>' || c == U'=' || c == U'/') {
      return alpha_or_digit_before && is_alpha(next.cp) ? 1 : 0;
    }
    return 0;
  }

  // ---- URL_MATCH -----------------------------------------------------------------------------------

  /// The URL host class `[A-Za-z0-9\u00a1-\uffff]`.
  [[nodiscard]] static constexpr bool url_host_char(char32_t c) noexcept {
    return (c < 0x80 &&
            (detail::en_chars::ascii_flags[c] &
             (detail::en_chars::ascii_lower | detail::en_chars::ascii_upper | detail::en_chars::ascii_digit))) ||
           (c >= 0xA1 && c <= 0xFFFF);
  }

  [[nodiscard]] static bool url_match_to(std::string_view s, std::size_t end) noexcept {
    const std::string_view body = s.substr(0, end);
    if (body.find('.') == std::string_view::npos) return false;  // both alternatives need a '.'
    // (?:(?:[\w\+\-\.]{2,})://)?  -- only the maximal run can be followed by "://"
    std::size_t i = 0;
    std::size_t run = 0;
    while (i < end) {
      const unicode::decoded d = unicode::decode(body, i);
      if (!(is_word(d.cp) || d.cp == U'+' || d.cp == U'-' || d.cp == U'.')) break;
      i += d.size;
      ++run;
    }
    if (run >= 2 && body.substr(i).starts_with("://") && after_scheme(body, i + 3)) return true;
    return after_scheme(body, 0);
  }

  /// (?:\S+(?::\S*)?@)? then the host and the rest, from byte `i0` of `s` to its end.
  [[nodiscard]] static bool after_scheme(std::string_view s, std::size_t i0) noexcept {
    if (host_and_rest(s, i0)) return true;
    for (std::size_t i = i0; i < s.size();) {
      const unicode::decoded d = unicode::decode(s, i);
      if (is_space(d.cp)) break;
      if (d.cp == U'@' && i > i0 && host_and_rest(s, i + 1)) return true;
      i += d.size;
    }
    return false;
  }

  [[nodiscard]] static bool host_and_rest(std::string_view s, std::size_t h) noexcept {
    if (h >= s.size()) return false;
    return ipv4_and_rest(s, h) || domain_and_rest(s, h);
  }

  /// (?::\d{2,5})?(?:[/?#]\S*)?$ from byte `p`.
  [[nodiscard]] static bool url_tail(std::string_view s, std::size_t p) noexcept {
    if (p >= s.size()) return true;
    const char c = s[p];
    if (c == ':') {
      std::size_t q = p + 1;
      std::size_t digits = 0;
      while (q < s.size()) {
        const unicode::decoded d = unicode::decode(s, q);
        if (!is_decimal(d.cp)) break;
        q += d.size;
        ++digits;
      }
      if (digits < 2 || digits > 5) return false;
      if (q >= s.size()) return true;
      if (s[q] != '/' && s[q] != '?' && s[q] != '#') return false;
      p = q;
    } else if (c != '/' && c != '?' && c != '#') {
      return false;
    }
    for (std::size_t q = p + 1; q < s.size();) {
      const unicode::decoded d = unicode::decode(s, q);
      if (is_space(d.cp)) return false;
      q += d.size;
    }
    return true;
  }

  /// (?:label\.)+ TLD, then the tail.
  [[nodiscard]] static bool domain_and_rest(std::string_view s, std::size_t h) noexcept {
    std::size_t p = h;
    std::size_t seg_len = 0;  // code points in the current segment
    bool seg_first_ok = false;
    char32_t seg_last = 0;
    bool seg_chars_ok = true;  // every code point is [H_-] (label) so far
    bool seg_tld_ok = true;    // every code point is ALPHA_LOWER so far
    bool saw_dot = false;
    while (p < s.size()) {
      const unicode::decoded d = unicode::decode(s, p);
      const char32_t c = d.cp;
      if (c == U'.') {
        // the segment before a dot must be a label: [H] or [H][H_-]{0,62}[H]
        if (seg_len == 0 || seg_len > 64 || !seg_first_ok || !seg_chars_ok || !url_host_char(seg_last)) return false;
        saw_dot = true;
        seg_len = 0;
        seg_chars_ok = true;
        seg_tld_ok = true;
        p += d.size;
        continue;
      }
      const bool host = url_host_char(c);
      const bool lower = is_alpha_lower(c);
      if (!host && !lower && c != U'_' && c != U'-') break;
      if (seg_len == 0) seg_first_ok = host;
      seg_chars_ok = seg_chars_ok && (host || c == U'_' || c == U'-');
      seg_tld_ok = seg_tld_ok && lower;
      seg_last = c;
      ++seg_len;
      p += d.size;
    }
    if (!saw_dot || !seg_tld_ok || seg_len < 2 || seg_len > 63) return false;
    return url_tail(s, p);
  }

  /// `(?:\.\d{1,3}){count}` starting at byte `p` (existence, as a look-ahead).
  [[nodiscard]] static bool dot_groups(std::string_view s, std::size_t p, int count) noexcept {
    if (count == 0) return true;
    if (p >= s.size() || s[p] != '.') return false;
    std::size_t q = p + 1;
    for (int k = 0; k < 3; ++k) {
      const unicode::decoded d = cp_at(s, q);
      if (d.size == 0 || !is_decimal(d.cp)) return false;
      q += d.size;
      if (dot_groups(s, q, count - 1)) return true;
    }
    return false;
  }

  [[nodiscard]] static bool ipv4_and_rest(std::string_view s, std::size_t h) noexcept {
    const std::string_view t = s.substr(h);
    // the three private-network look-aheads
    if (t.starts_with("10") && dot_groups(s, h + 2, 3)) return false;
    if (t.starts_with("127") && dot_groups(s, h + 3, 3)) return false;
    if ((t.starts_with("169.254") || t.starts_with("192.168")) && dot_groups(s, h + 7, 2)) return false;
    if (t.starts_with("172.")) {
      const unicode::decoded a = cp_at(s, h + 4);
      if (a.size == 1) {
        const unicode::decoded b = cp_at(s, h + 5);
        const bool second =
            b.size != 0 && ((a.cp == U'1' && b.cp >= U'6' && b.cp <= U'9') || (a.cp == U'2' && is_decimal(b.cp)) ||
                            (a.cp == U'3' && (b.cp == U'0' || b.cp == U'1')));
        if (second && dot_groups(s, h + 5 + b.size, 2)) return false;
      }
    }
    std::size_t p = h;
    for (int octet = 0; octet < 4; ++octet) {
      if (octet > 0) {
        if (p >= s.size() || s[p] != '.') return false;
        ++p;
      }
      std::array<char32_t, 3> dg{};
      std::size_t count = 0;
      while (p < s.size()) {
        const unicode::decoded d = unicode::decode(s, p);
        if (!is_decimal(d.cp)) break;
        if (count == 3) return false;
        dg[count++] = d.cp;
        p += d.size;
      }
      if (!octet_ok(dg, count, octet)) return false;
    }
    return url_tail(s, p);
  }

  [[nodiscard]] static bool octet_ok(const std::array<char32_t, 3>& d, std::size_t n, int which) noexcept {
    auto in = [](char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
    const bool middle = which == 1 || which == 2;
    switch (n) {
      case 1:
      case 2: return middle || in(d[0], U'1', U'9');
      case 3:
        if (d[0] == U'1') return true;
        if (d[0] != U'2') return false;
        if (which == 0) return in(d[1], U'0', U'1') || (d[1] == U'2' && in(d[2], U'0', U'3'));
        if (middle) return in(d[1], U'0', U'4') || (d[1] == U'5' && in(d[2], U'0', U'5'));
        return in(d[1], U'0', U'4') || (d[1] == U'5' && in(d[2], U'0', U'4'));
      default: return false;
    }
  }

  // ---- chunk segmentation --------------------------------------------------------------------------

  static void push(std::vector<piece>& out, std::size_t begin, std::size_t size) {
    out.push_back(piece{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(size), false, {}});
  }

  /// spaCy's `_split_affixes` + `_attach_tokens` for one chunk. Returns true when a special case was used.
  template <bool WithSpecials>
  bool tokenize_chunk(std::string_view text, std::uint32_t base, std::vector<piece>& out) const {
    if constexpr (WithSpecials) {
      if (const rule* r = find_rule(text)) {
        emit_rule(*r, base, out);
        return true;
      }
    }
    std::size_t begin = 0;
    std::size_t end = text.size();
    std::array<std::uint32_t, 32> suffix_small{};  // suffix start offsets, in discovery order
    std::vector<std::uint32_t> suffix_more;
    std::size_t suffix_count = 0;
    auto add_suffix = [&](std::size_t at) {
      if (suffix_count < suffix_small.size()) {
        suffix_small[suffix_count] = static_cast<std::uint32_t>(at);
      } else {
        suffix_more.push_back(static_cast<std::uint32_t>(at));
      }
      ++suffix_count;
    };
    const rule* core_rule = nullptr;
    bool checked = true;  // the current string was looked up already (whole chunk above)
    std::size_t last_size = 0;
    while (begin < end && end - begin != last_size) {
      const std::string_view s = text.substr(begin, end - begin);
      if constexpr (WithSpecials) {
        if (!checked && (core_rule = find_rule(s)) != nullptr) break;
      }
      checked = false;
      last_size = s.size();
      const std::size_t pre = prefix_length(s);
      if constexpr (WithSpecials) {
        if (pre != 0 && pre < s.size()) {
          if ((core_rule = find_rule(s.substr(pre))) != nullptr) {
            push(out, base + begin, pre);
            begin += pre;
            break;
          }
        }
      }
      const std::size_t suf = suffix_length(s);
      if constexpr (WithSpecials) {
        if (suf != 0 && suf < s.size()) {
          if ((core_rule = find_rule(s.substr(0, s.size() - suf))) != nullptr) {
            add_suffix(end - suf);
            end -= suf;
            break;
          }
        }
      }
      if (pre != 0 && suf != 0 && pre + suf <= s.size()) {
        push(out, base + begin, pre);
        add_suffix(end - suf);
        begin += pre;
        end -= suf;
      } else if (pre != 0) {
        push(out, base + begin, pre);
        begin += pre;
      } else if (suf != 0) {
        add_suffix(end - suf);
        end -= suf;
      }
    }
    bool touched = false;
    if (begin < end) {
      const std::string_view core = text.substr(begin, end - begin);
      if (core_rule != nullptr) {
        emit_rule(*core_rule, base + static_cast<std::uint32_t>(begin), out);
        touched = true;
      } else if (url_match(core)) {
        push(out, base + begin, core.size());
      } else {
        std::size_t start = 0;
        for_each_infix(core, [&](std::size_t ms, std::size_t me) {
          if (ms == 0) return;
          if (ms != start) push(out, base + begin + start, ms - start);
          if (me != ms) push(out, base + begin + ms, me - ms);
          start = me;
        });
        if (start < core.size()) push(out, base + begin + start, core.size() - start);
      }
    }
    // Suffixes were found right to left; suffix k spans [start k, start k-1) (k = 0 ends the chunk).
    auto suffix_start = [&](std::size_t k) -> std::size_t {
      return k < suffix_small.size() ? suffix_small[k] : suffix_more[k - suffix_small.size()];
    };
    for (std::size_t k = suffix_count; k-- > 0;) {
      const std::size_t at = suffix_start(k);
      const std::size_t stop = k == 0 ? text.size() : suffix_start(k - 1);
      push(out, base + at, stop - at);
    }
    return touched;
  }

  /// spaCy's whitespace pass (`_tokenize_affixes`): calls `chunk_fn` for each chunk.
  template <class ChunkFn>
  static void whitespace_pass(std::string_view text, std::vector<piece>& out, ChunkFn&& chunk_fn) {
    const std::size_t n = text.size();
    if (n == 0) return;
    auto space_at = [&text](std::size_t i, std::size_t& len) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (b < 0x80) {
        len = 1;
        return (detail::en_chars::ascii_flags[b] & detail::en_chars::ascii_space) != 0;
      }
      const unicode::decoded d = unicode::decode(text, i);
      len = d.size;
      return is_space(d.cp);
    };
    std::size_t len = 0;
    bool in_ws = space_at(0, len);
    std::size_t start = 0;
    for (std::size_t i = 0; i < n; i += len) {
      const bool sp = space_at(i, len);
      if (sp == in_ws) continue;
      if (start < i) call_chunk(chunk_fn, text.substr(start, i - start), start, out);
      if (text[i] == ' ') {
        out.back().space_after = true;
        start = i + 1;
      } else {
        start = i;
      }
      in_ws = sp;
    }
    if (start < n) call_chunk(chunk_fn, text.substr(start), start, out);
  }

  template <class ChunkFn>
  static void call_chunk(ChunkFn& chunk_fn, std::string_view chunk, std::size_t start, std::vector<piece>& out) {
    const std::size_t before = out.size();
    chunk_fn(chunk, static_cast<std::uint32_t>(start), out);
    if (out.size() == before) throw std::logic_error("lexzone: a chunk function appended no piece");
  }

  // ---- rules ---------------------------------------------------------------------------------------

  void emit_rule(const rule& r, std::uint32_t at, std::vector<piece>& out) const {
    for (std::uint32_t k = 0; k < r.piece_count; ++k) {
      const rule_piece& rp = rule_pieces_[r.piece_begin + k];
      out.push_back(piece{at, rp.orth_len, false, std::string_view(pool_.data() + rp.norm_off, rp.norm_len)});
      at += rp.orth_len;
    }
  }

  [[nodiscard]] std::string_view key_of(const rule& r) const noexcept { return {pool_.data() + r.key_off, r.key_len}; }

  [[nodiscard]] std::uint32_t find_rule_index(std::string_view s) const noexcept {
    if (s.size() > max_key_size_ || s.empty()) return no_rule;
    const std::size_t bit = key_bit(s);
    if (((key_filter_[bit / 64] >> (bit % 64)) & 1u) == 0) return no_rule;
    const hash_t h = hash_string(s);
    const std::uint64_t tag = h >> 32;
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = table_[i];
      if (slot == 0) return no_rule;
      if ((slot >> 32) == tag) {
        const std::uint32_t index = static_cast<std::uint32_t>(slot) - 1;
        if (key_of(rules_[index]) == s) return index;
      }
    }
  }

  [[nodiscard]] const rule* find_rule(std::string_view s) const noexcept {
    const std::uint32_t index = find_rule_index(s);
    return index == no_rule ? nullptr : &rules_[index];
  }

  static void validate(std::string_view key, std::span<const special_piece> pieces) {
    if (key.empty()) throw std::invalid_argument("lexzone: special case with an empty key");
    std::size_t at = 0;
    for (const special_piece& p : pieces) {
      if (p.orth.empty()) throw std::invalid_argument("lexzone: special case piece with an empty ORTH");
      if (key.substr(at, p.orth.size()) != p.orth) break;
      at += p.orth.size();
    }
    bool joined = at == key.size();
    if (joined) {
      std::size_t total = 0;
      for (const special_piece& p : pieces) total += p.orth.size();
      joined = total == key.size();
    }
    if (!joined) {
      throw std::invalid_argument("lexzone: the ORTHs of special case \"" + std::string(key.substr(0, 64)) +
                                  "\" do not join to the key (spaCy E997)");
    }
  }

  std::uint32_t append_pool(std::string_view s) {
    if (pool_.size() + s.size() > std::numeric_limits<std::uint32_t>::max()) {
      throw capacity_error("lexzone: special cases exceed 4 GiB");
    }
    const auto off = static_cast<std::uint32_t>(pool_.size());
    pool_.append(s);
    return off;
  }

  /// Stores the rule (replacing one with the same key) and indexes its key; returns its index.
  std::uint32_t store_rule(std::string_view key, std::span<const special_piece> pieces) {
    rule r{};
    r.key_off = append_pool(key);
    r.key_len = static_cast<std::uint32_t>(key.size());
    r.piece_begin = static_cast<std::uint32_t>(rule_pieces_.size());
    r.piece_count = static_cast<std::uint32_t>(pieces.size());
    for (const special_piece& p : pieces) {
      const std::uint32_t norm_off = p.norm.empty() ? 0 : append_pool(p.norm);
      rule_pieces_.push_back(
          rule_piece{static_cast<std::uint32_t>(p.orth.size()), norm_off, static_cast<std::uint32_t>(p.norm.size())});
    }
    const std::uint32_t existing = find_rule_index(key);
    if (existing != no_rule) {
      rules_[existing] = r;
      if (!bulk_) rebuild_patterns();
      return no_rule;  // patterns rebuilt already
    }
    rules_.push_back(r);
    const auto index = static_cast<std::uint32_t>(rules_.size() - 1);
    if ((rules_.size() + 1) * 2 > table_.size()) {
      rebuild_table();
    } else {
      insert_key(index);
    }
    max_key_size_ = std::max(max_key_size_, key.size());
    return index;
  }

  void insert_key(std::uint32_t index) {
    const hash_t h = hash_string(key_of(rules_[index]));
    const std::size_t mask = table_.size() - 1;
    std::size_t i = static_cast<std::size_t>(h) & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = ((h >> 32) << 32) | (static_cast<std::uint64_t>(index) + 1);
    const std::size_t bit = key_bit(key_of(rules_[index]));
    key_filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
  }

  void rebuild_table() {
    std::size_t cap = 64;
    while (cap < (rules_.size() + 1) * 2) cap *= 2;
    table_.assign(cap, 0);
    key_filter_.fill(0);
    max_key_size_ = 0;
    for (std::uint32_t i = 0; i < rules_.size(); ++i) {
      insert_key(i);
      max_key_size_ = std::max<std::size_t>(max_key_size_, rules_[i].key_len);
    }
  }

  void add_exception(const tokenizer_exception& e) {
    std::array<special_piece, 3> ps{};
    for (std::size_t k = 0; k < e.size; ++k) ps[k] = special_piece{e.pieces[k].orth, e.pieces[k].norm};
    (void)store_rule(e.key, std::span<const special_piece>(ps.data(), e.size));
  }

  void begin_bulk() { bulk_ = true; }
  void end_bulk() {
    bulk_ = false;
    rebuild_patterns();
  }

  void rebuild_all() {
    rebuild_table();
    rebuild_patterns();
  }

  // ---- the special-case matcher --------------------------------------------------------------------

  /// Adds the matcher pattern of rule `index` when the rule needs one (spaCy `add_special_case`).
  void add_pattern(std::uint32_t index) {
    if (index == no_rule) return;
    const std::string_view key = key_of(rules_[index]);
    bool needed = !faster_heuristics_ || prefix_length(key) != 0 || suffix_length(key) != 0 ||
                  key.find(' ') != std::string_view::npos;
    if (!needed) for_each_infix(key, [&needed](std::size_t, std::size_t) { needed = true; });
    if (!needed) return;
    std::vector<piece> toks;
    whitespace_pass(key, toks, [this](std::string_view chunk, std::uint32_t base, std::vector<piece>& o) {
      (void)tokenize_chunk<false>(chunk, base, o);
    });
    pattern pat{static_cast<std::uint32_t>(pattern_tokens_.size()), static_cast<std::uint32_t>(toks.size())};
    for (const piece& t : toks) pattern_tokens_.emplace_back(rules_[index].key_off + t.begin, t.size);
    patterns_.push_back(pat);
  }

  void rebuild_patterns() {
    patterns_.clear();
    pattern_tokens_.clear();
    for (std::uint32_t i = 0; i < rules_.size(); ++i) add_pattern(i);
    rebuild_matcher_index();
  }

  [[nodiscard]] std::string_view first_token(const pattern& p) const noexcept {
    const auto& [off, len] = pattern_tokens_[p.token_begin];
    return {pool_.data() + off, len};
  }

  void rebuild_matcher_index() {
    if (bulk_) return;
    std::sort(patterns_.begin(), patterns_.end(),
              [this](const pattern& a, const pattern& b) { return first_token(a) < first_token(b); });
    groups_.clear();
    single_filter_.fill(0);
    pair_filter_.fill(0);
    for (std::uint32_t i = 0; i < patterns_.size(); ++i) {
      const pattern& pat = patterns_[i];
      const std::string_view t = first_token(pat);
      if (groups_.empty() || std::string_view(pool_.data() + groups_.back().text_off, groups_.back().text_len) != t) {
        groups_.push_back(group{pattern_tokens_[pat.token_begin].first, static_cast<std::uint32_t>(t.size()), i, i});
      }
      groups_.back().pattern_end = i + 1;
      const auto b0 = static_cast<unsigned char>(t[0]);
      if (pat.token_count == 1) {
        single_filter_[b0] |= std::uint64_t{1} << length_bit(t.size());
      } else {
        const auto& [off1, len1] = pattern_tokens_[pat.token_begin + 1];
        const std::size_t bit = pair_bit(b0, t.size(), static_cast<unsigned char>(pool_[off1]), len1);
        pair_filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
      }
    }
    std::size_t cap = 16;
    while (cap < (groups_.size() + 1) * 2) cap *= 2;
    group_table_.assign(cap, 0);
    for (std::uint32_t g = 0; g < groups_.size(); ++g) {
      const hash_t h = hash_string(std::string_view(pool_.data() + groups_[g].text_off, groups_[g].text_len));
      std::size_t i = static_cast<std::size_t>(h) & (cap - 1);
      while (group_table_[i] != 0) i = (i + 1) & (cap - 1);
      group_table_[i] = ((h >> 32) << 32) | (static_cast<std::uint64_t>(g) + 1);
    }
  }

  [[nodiscard]] const group* find_group(std::string_view t) const noexcept {
    if (group_table_.empty()) return nullptr;
    const hash_t h = hash_string(t);
    const std::size_t mask = group_table_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = group_table_[i];
      if (slot == 0) return nullptr;
      if ((slot >> 32) == (h >> 32)) {
        const group& g = groups_[static_cast<std::uint32_t>(slot) - 1];
        if (std::string_view(pool_.data() + g.text_off, g.text_len) == t) return &g;
      }
    }
  }
};

}  // namespace lexzone::en
