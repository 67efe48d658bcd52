/// \file regex/pcre2_regex.hpp
/// Python `re` semantics on PCRE2: compiled patterns with `search`, `match`, `fullmatch` and `finditer`
/// as Python defines them, on UTF-8 subjects, with byte offsets. With `regex/python_syntax.hpp` (the
/// translation of Python pattern source) the only part of lexzone that needs PCRE2, and the only header
/// that includes `<pcre2.h>` (8-bit library, `libpcre2-8`; CMake target `lexzone::regex`).
///
/// ## Semantics
/// - `search(s, pos)`: the first match starting at or after byte `pos`; look-behinds see the text before
///   `pos`, and `^`/`\A` match only at 0 (Python's `pattern.search(s, pos)`). `match(s, pos)`: anchored at
///   `pos`. `fullmatch(s)`: anchored at 0 and at the end. Alternatives are tried in order and quantifiers
///   are greedy or lazy exactly as in Python (both engines backtrack the same way).
/// - `finditer`/`find_all`: Python 3.7+'s rule for empty matches: after a non-empty match ending at e the
///   next search starts at e (an empty match at e is allowed); after an empty match at p the next search
///   starts at p but may not return an empty match at p (a non-empty one is fine), so it moves on by one
///   code point.
/// - Offsets are bytes of the UTF-8 subject; `code_points` converts them. Subjects need not be valid
///   UTF-8: an invalid byte is one code point, as in `unicode/utf8.hpp` (Python's surrogateescape
///   U+DC80..U+DCFF): `.`, negated classes, `\S` and ranges covering U+DC80..U+DCFF match it; `\w`, `\d`,
///   `\s` do not. (PCRE2 sees it as U+10FF00+byte; see `python_syntax.hpp`.)
///
/// ## Bounded matching
/// Every match runs under PCRE2's match limit, depth limit and heap limit (`regex_limits`). A pattern that
/// backtracks catastrophically makes the call throw `regex_error` (`match_limit`, `depth_limit` or
/// `heap_limit`) instead of running for hours. JIT code is used when PCRE2 has JIT and the pattern
/// compiles with it; when JIT is unavailable, fails to compile, or runs out of its stack, the interpreter
/// runs the match (same answers).
///
/// PCRE2 counts its match limit afresh at each start position of a search, so a search could spend the
/// limit at every position of a long subject. lexzone bounds each call as a whole instead:
/// - a call that makes one attempt (`match`, `fullmatch`, a search of a pattern anchored by `^`/`\A` or
///   `regex_options::anchored`, a `predicate_regex` of one part) gives it `match_limit` steps;
/// - a call that makes several (a search trying start positions, through the branch dispatch or not;
///   `finditer`, all its searches; a `predicate_regex` of several parts, all of them) gives each attempt
///   `regex_limits::steps_per_position` steps free. An attempt stopped there runs again with twice the
///   steps, then four times, ..., never more than `match_limit`, and the steps each rerun adds are taken
///   beforehand from one budget of `match_limit` steps for the whole call (so one attempt may still use
///   up to `match_limit`; an attempt that needs s steps runs at most about 4s). When the budget cannot
///   pay for the next rerun, the call throws `regex_error` (`match_limit`).
/// A call thus runs at most about 2 * (`match_limit` + `steps_per_position` * attempts) steps: linear in
/// the subject. A search without the dispatch first lets PCRE2 try the positions itself (with JIT and its
/// start-of-match optimizations) under `steps_per_position`; only when some position needs more are the
/// positions tried one at a time (anchored: in the interpreter), as above, which is slower by a constant
/// factor (PCRE2 does not say which position needed more). spaCy's tokenizer rules need at most a few
/// hundred steps a position, so they never draw on the budget.
///
/// ## Threads
/// A `regex` is immutable after construction: one object may be used by any number of threads at once.
/// The per-match state (PCRE2 match data, match context, JIT stack, transcoding buffer) is per thread
/// (`thread_local`, allocated on a thread's first match and reused), so matching allocates nothing after
/// warm-up for valid UTF-8 subjects.
#pragma once

#ifndef PCRE2_CODE_UNIT_WIDTH
/// PCRE2's 8-bit library (UTF-8 subjects), unless the includer chose before.
#  define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE
#include "../unicode/utf8.hpp"
#include "branch_analysis.hpp"
#include "python_syntax.hpp"
#include "regex_error.hpp"

#if PCRE2_CODE_UNIT_WIDTH != 8
#  error "lexzone's regex layer needs the 8-bit PCRE2 library (PCRE2_CODE_UNIT_WIDTH 8)"
#endif

namespace lexzone::inline LEXZONE_ABI_NAMESPACE::regex {

/// Limits on one match (PCRE2's `pcre2_set_match_limit`, `_depth_limit`, `_heap_limit`), and on one call
/// that makes several (see "Bounded matching" in the file comment).
struct regex_limits {
  /// Internal match() calls (backtracking steps) of one attempt at one start position; also the budget
  /// that the reruns of all the attempts of one call share.
  std::uint32_t match_limit = 10'000'000;
  std::uint32_t depth_limit = 100'000;    ///< nested backtracking depth (interpreter)
  std::uint32_t heap_limit_kib = 20'000;  ///< heap for backtracking frames, in KiB (interpreter)
  /// Steps each attempt of a call that makes several may take without drawing on the call's budget
  /// (at least 1; at most `match_limit` is used).
  std::uint32_t steps_per_position = 1'000;
};

/// Options of a compiled regex.
struct regex_options {
  regex_limits limits;  ///< applied to every match
  bool jit = true;      ///< use PCRE2's JIT when available
  /// Compile for anchored use only: every `search` is anchored at its start offset, as `match` is.
  /// For patterns only ever used with `match` (spaCy's token_match and url_match): PCRE2 runs JIT code
  /// for an anchored match only when the pattern itself is anchored, so `match` on an unanchored pattern
  /// runs in the (slower) interpreter. Patterns that start with `^` or `\A` in every branch are anchored
  /// anyway.
  bool anchored = false;
  /// Also compile the pattern's outermost branches grouped by the bytes they can start with (see
  /// `detail::branch_dispatch`), so that a search runs, at each position, only the branches that can
  /// start there: several times faster for large alternations of short branches (spaCy's prefix, suffix
  /// and infix patterns), at a higher compile cost. Same matches; ignored when it does not apply. The
  /// group matches of one search share one budget, as the positions of any search ("Bounded matching").
  bool branch_dispatch = false;
};

/// A match: byte offsets [begin, end) in the subject.
struct match_span {
  std::size_t begin = 0;  ///< byte offset of the first matched byte
  std::size_t end = 0;    ///< byte offset one past the match
  /// Length in bytes. Complexity: O(1). Throws: nothing.
  [[nodiscard]] constexpr std::size_t size() const noexcept { return end - begin; }
  /// Whether the match is empty. Complexity: O(1). Throws: nothing.
  [[nodiscard]] constexpr bool empty() const noexcept { return end == begin; }
  /// Whether two matches cover the same bytes.
  friend constexpr bool operator==(const match_span&, const match_span&) = default;
};

/// Number of code points (lexzone's decoding: an invalid byte is one) in `s[0, byte_offset)`.
/// Complexity: O(byte_offset). Throws: nothing; an offset past the end counts the whole string.
[[nodiscard]] inline std::size_t code_points(std::string_view s, std::size_t byte_offset) noexcept {
  return unicode::length(s.substr(0, byte_offset));
}

/// Whether PCRE2 was built with JIT support. Complexity: O(1). Throws: nothing.
[[nodiscard]] inline bool pcre2_jit_available() noexcept {
  std::uint32_t jit = 0;
  pcre2_config(PCRE2_CONFIG_JIT, &jit);
  return jit != 0;
}

/// The Unicode version of the PCRE2 library ("14.0.0"). Complexity: O(1). Throws: `std::bad_alloc`.
[[nodiscard]] inline std::string pcre2_unicode_version() {
  char buf[32] = {};
  pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, buf);
  return buf;
}

/// The translation options that give Python's answers with the PCRE2 library in use: Unicode properties
/// for `\w`/`\d` only when PCRE2's Unicode version is lexzone's (else explicit ranges). Computed once.
/// Complexity: O(1). Lifetime: static. Thread safety: any thread. Throws: `std::bad_alloc` (the first call
/// only).
[[nodiscard]] inline const translate_options& native_translate_options() {
  static const translate_options opt = [] {
    translate_options o;
    o.unicode_properties = pcre2_unicode_version() == lexzone::detail::ucd::unicode_version;
    return o;
  }();
  return opt;
}

namespace detail {

struct code_deleter {
  void operator()(pcre2_code* c) const noexcept { pcre2_code_free(c); }
};

/// The transcoding of a subject that is not valid UTF-8 (see `subject_view`).
struct transcoding {
  std::string transcoded;                  ///< the subject with invalid bytes as U+10FF00+byte
  std::vector<std::size_t> to_original;    ///< transcoded byte offset -> original (size + 1 entries)
  std::vector<std::size_t> to_transcoded;  ///< original byte offset -> transcoded, npos inside a sequence
};

/// Per-thread matching state: match data, match context with a JIT stack, transcoding buffers.
///
/// Since PCRE2 10.41 the interpreter (a pattern without JIT code, an anchored match, the fallback after
/// the JIT stack ran out) keeps its backtracking frames in the match data for the next match, up to the
/// heap limit (20 MiB by default, `regex_limits::heap_limit_kib`), until the match data is freed. A thread
/// that once ran a deep match would hold that memory for the rest of its life. So the match data is
/// allocated through a counting allocator, and `trim_match_data` frees it once it holds more than
/// `kept_match_data_bytes` (each `subject_view` calls it when it dies, after its match was read).
class match_scratch {
 public:
  /// Bytes of match data (the block and the interpreter's frames kept in it) that a thread keeps from
  /// one match to the next; beyond that, `trim_match_data` frees it.
  static constexpr std::size_t kept_match_data_bytes = std::size_t{256} * 1024;

  match_scratch() = default;
  match_scratch(const match_scratch&) = delete;
  match_scratch& operator=(const match_scratch&) = delete;
  match_scratch(match_scratch&&) = delete;
  match_scratch& operator=(match_scratch&&) = delete;
  ~match_scratch() {
    if (data_ != nullptr) pcre2_match_data_free(data_);
    if (general_ != nullptr) pcre2_general_context_free(general_);
    if (context_ != nullptr) pcre2_match_context_free(context_);
    if (jit_stack_ != nullptr) pcre2_jit_stack_free(jit_stack_);
  }

  /// Match data with room for `pairs` offset pairs. Throws: std::bad_alloc.
  pcre2_match_data* data(std::uint32_t pairs) {
    if (data_ == nullptr || pairs > pairs_) {
      if (general_ == nullptr) {
        general_ = pcre2_general_context_create(&allocate, &deallocate, this);
        if (general_ == nullptr) throw std::bad_alloc();
      }
      if (data_ != nullptr) pcre2_match_data_free(data_);
      data_ = nullptr;
      const std::uint32_t wanted = std::max<std::uint32_t>({pairs, pairs_, 16});
      data_ = pcre2_match_data_create(wanted, general_);
      if (data_ == nullptr) throw std::bad_alloc();
      pairs_ = wanted;
    }
    return data_;
  }

  /// Frees the match data when it holds more than `kept_match_data_bytes` (the next match makes it
  /// again). Call only when no offsets of the last match are needed any more. Throws: nothing.
  void trim_match_data() noexcept {
    if (data_ == nullptr || data_bytes_ <= kept_match_data_bytes) return;
    pcre2_match_data_free(data_);
    data_ = nullptr;
  }

  /// Bytes PCRE2 holds through this scratch's allocator now: the match data with the frames it keeps,
  /// and the small context that allocator lives in. Throws: nothing.
  [[nodiscard]] std::size_t match_data_bytes() const noexcept { return data_bytes_; }

  /// The match context, with `limits` set (the match limit to `match_limit`) and a JIT stack of up to
  /// 1 MiB.
  pcre2_match_context* context(const regex_limits& limits, std::uint32_t match_limit) {
    if (context_ == nullptr) {
      context_ = pcre2_match_context_create(nullptr);
      if (context_ == nullptr) throw std::bad_alloc();
      constexpr std::size_t jit_start = std::size_t{32} * 1024, jit_max = std::size_t{1024} * 1024;
      jit_stack_ = pcre2_jit_stack_create(jit_start, jit_max, nullptr);
      if (jit_stack_ != nullptr) pcre2_jit_stack_assign(context_, nullptr, jit_stack_);
    }
    pcre2_set_match_limit(context_, match_limit);
    pcre2_set_depth_limit(context_, limits.depth_limit);
    pcre2_set_heap_limit(context_, limits.heap_limit_kib);
    return context_;
  }

  transcoding buffers;          ///< the thread's transcoding buffers, used by one `subject_view` at a time
  bool buffers_in_use = false;  ///< a live `subject_view` of this thread transcodes into `buffers`

 private:
  // Each block starts with its size, in a header that keeps the block's alignment (malloc's).
  static constexpr std::size_t block_header = alignof(std::max_align_t);
  static_assert(block_header >= sizeof(PCRE2_SIZE));

  // PCRE2's allocator for the match data (its memory_data: the scratch). Returns nullptr when out of memory.
  static void* allocate(PCRE2_SIZE size, void* self) noexcept {
    void* block = std::malloc(block_header + size);  // NOLINT(cppcoreguidelines-no-malloc): PCRE2's interface
    if (block == nullptr) return nullptr;
    std::memcpy(block, &size, sizeof size);
    static_cast<match_scratch*>(self)->data_bytes_ += size;
    return static_cast<unsigned char*>(block) + block_header;
  }
  static void deallocate(void* p, void* self) noexcept {
    if (p == nullptr) return;
    unsigned char* block = static_cast<unsigned char*>(p) - block_header;
    PCRE2_SIZE size = 0;
    std::memcpy(&size, block, sizeof size);
    static_cast<match_scratch*>(self)->data_bytes_ -= size;
    std::free(block);  // NOLINT(cppcoreguidelines-no-malloc)
  }

  pcre2_match_data* data_ = nullptr;
  std::uint32_t pairs_ = 0;
  std::size_t data_bytes_ = 0;  // what `allocate` gave and `deallocate` did not take back
  pcre2_general_context* general_ = nullptr;
  pcre2_match_context* context_ = nullptr;
  pcre2_jit_stack* jit_stack_ = nullptr;
};

// Whether this thread's scratch was destroyed (trivially destructible: readable while the thread's other
// thread_local objects are destroyed).
inline bool& thread_scratch_gone() noexcept {
  thread_local bool gone = false;
  return gone;
}

// This thread's scratch. Requires: `thread_scratch_gone()` is false (`scratch_handle` checks it).
[[nodiscard]] inline match_scratch& thread_scratch() {
  struct holder {
    match_scratch scratch;
    holder() = default;
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
    ~holder() { thread_scratch_gone() = true; }
  };
  thread_local holder h;
  return h.scratch;
}

// The scratch of one call: the thread's, or, once that was destroyed at the thread's exit (a match made
// by another thread_local object's destructor), one of the call's own.
class scratch_handle {
 public:
  scratch_handle() {
    if (LEXZONE_UNLIKELY(thread_scratch_gone())) {
      own_ = std::make_unique<match_scratch>();
      p_ = own_.get();
    } else {
      p_ = &thread_scratch();
    }
  }
  [[nodiscard]] match_scratch& get() const noexcept { return *p_; }

 private:
  std::unique_ptr<match_scratch> own_;
  match_scratch* p_;
};

/// A subject as PCRE2 sees it: the original bytes when valid UTF-8, else a transcoded copy (17 to 44
/// bytes for each byte of the subject), made in the thread's scratch buffers, or in buffers of its own
/// while another view of the thread uses those (a match made inside `finditer`'s callback). The scratch
/// buffers are given back when a view that used them for a subject longer than `kept_subject_bytes`
/// dies, so that one huge text does not pin that memory for the life of a long-lived thread.
class subject_view {
 public:
  /// Subjects up to this many bytes leave their transcoding buffers to the thread's next match.
  static constexpr std::size_t kept_subject_bytes = 4096;

  subject_view(const subject_view&) = delete;
  subject_view& operator=(const subject_view&) = delete;
  ~subject_view() {
    release();
    scratch_.trim_match_data();  // the match was read: a deep one's frames need not stay
  }

  subject_view(std::string_view s, match_scratch& scratch) : original_(s), scratch_(scratch) {
    if (unicode::is_valid(s)) {
      text_ = s;
      return;
    }
    transcoded_ = true;
    if (scratch.buffers_in_use) {
      own_ = std::make_unique<transcoding>();
      buffers_ = own_.get();
    } else {
      scratch.buffers_in_use = true;
      buffers_ = &scratch.buffers;
    }
    try {
      transcode(s);
    } catch (...) {
      release();  // the destructor does not run when the constructor throws
      throw;
    }
  }

  [[nodiscard]] std::string_view text() const noexcept { return text_; }

  /// The PCRE2 offset of original byte offset `pos`; throws `regex_error` (bad_offset) when `pos` is past
  /// the end or inside a UTF-8 sequence.
  [[nodiscard]] std::size_t to_pcre2(std::size_t pos) const {
    if (pos > original_.size()) throw regex_error(regex_errc::bad_offset, "start offset past the end of the subject");
    if (!transcoded_) {
      if (pos < original_.size() && (static_cast<unsigned char>(original_[pos]) & 0xC0u) == 0x80u) {
        throw regex_error(regex_errc::bad_offset, "start offset inside a UTF-8 sequence");
      }
      return pos;
    }
    const std::size_t t = buffers_->to_transcoded[pos];
    if (t == std::string_view::npos) throw regex_error(regex_errc::bad_offset, "start offset inside a UTF-8 sequence");
    return t;
  }

  /// The original byte offset of PCRE2 offset `pos`.
  [[nodiscard]] std::size_t to_original(std::size_t pos) const noexcept {
    return transcoded_ ? buffers_->to_original[pos] : pos;
  }

 private:
  // Gives the scratch buffers back to the thread, emptied of a subject too large to keep.
  void release() noexcept {
    if (buffers_ != &scratch_.buffers) return;
    scratch_.buffers_in_use = false;
    if (original_.size() > kept_subject_bytes) {  // swaps: a moved-in empty string keeps the old capacity
      std::string().swap(scratch_.buffers.transcoded);
      std::vector<std::size_t>().swap(scratch_.buffers.to_original);
      std::vector<std::size_t>().swap(scratch_.buffers.to_transcoded);
    }
  }

  // Transcodes `s` (not valid UTF-8) into `*buffers_`.
  void transcode(std::string_view s) {
    auto& t = buffers_->transcoded;
    auto& back = buffers_->to_original;
    auto& fwd = buffers_->to_transcoded;
    t.clear();
    back.clear();
    fwd.assign(s.size() + 1, std::string_view::npos);
    for (std::size_t i = 0; i < s.size();) {
      const auto d = unicode::decode(s, i);
      fwd[i] = t.size();
      const std::size_t before = t.size();
      if (d.valid) {
        t.append(s.data() + i, d.size);
      } else {
        unicode::encode(static_cast<char32_t>(0x10FF00u + static_cast<unsigned char>(s[i])), t);
      }
      back.insert(back.end(), t.size() - before, i);
      i += d.size;
    }
    fwd[s.size()] = t.size();
    back.push_back(s.size());
    text_ = t;
  }

  std::string_view original_;
  std::string_view text_;
  match_scratch& scratch_;
  transcoding* buffers_ = nullptr;    // where the transcoding is (when transcoded_)
  std::unique_ptr<transcoding> own_;  // buffers of this view's own, when the scratch's were in use
  bool transcoded_ = false;
};

/// Compiles PCRE2 source produced by `translate_python`. Returns nullptr with `error` set on failure.
[[nodiscard]] inline std::unique_ptr<pcre2_code, code_deleter> compile_pcre2(std::string_view pcre2_source, int& error,
                                                                             std::size_t& error_offset,
                                                                             std::uint32_t extra_options = 0) {
  pcre2_compile_context* cc = pcre2_compile_context_create(nullptr);
  if (cc == nullptr) throw std::bad_alloc();
  pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
  pcre2_set_parens_nest_limit(cc, static_cast<std::uint32_t>(max_group_nesting));  // as translate_python
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pcre2_source.data()), pcre2_source.size(),
      PCRE2_UTF | PCRE2_UCP | PCRE2_ALT_CIRCUMFLEX | PCRE2_NEVER_BACKSLASH_C | extra_options, &error, &offset, cc);
  pcre2_compile_context_free(cc);
  error_offset = offset;
  return std::unique_ptr<pcre2_code, code_deleter>(code);
}

/// The steps one call may still spend on reruns (see "Bounded matching"); `shared`: the call makes several
/// attempts, so even an attempt at a single position starts with `regex_limits::steps_per_position`.
struct match_budget {
  std::uint64_t remaining = 0;
  bool shared = false;
};

[[nodiscard]] inline std::string pcre2_message(int error) {
  PCRE2_UCHAR buf[256];
  const int n = pcre2_get_error_message(error, buf, sizeof buf);
  return n < 0 ? "PCRE2 error " + std::to_string(error) : std::string(reinterpret_cast<const char*>(buf));
}

/// Per first byte, the branches of an alternation that can start with it, compiled as anchored groups
/// (`regex_options::branch_dispatch`). At a position whose byte is b, only the branches whose first
/// consumed byte can be b may match there, and group_of[b] holds exactly those, in their order in the
/// pattern: an anchored match of the group at p is the whole pattern's match at p. A search tries the
/// positions left to right, as PCRE2 does, but runs one small group instead of every branch.
struct branch_dispatch {
  std::vector<std::unique_ptr<pcre2_code, code_deleter>> groups;  ///< compiled anchored, JIT when possible
  std::vector<bool> jit;                                          ///< per group: JIT code available
  std::array<std::uint8_t, 256> group_of{};                       ///< 0: no branch starts with the byte
};

/// The dispatch of `t`, or nullopt when it does not apply: fewer than 2 or more than 1,024 branches,
/// backreferences, a pattern over 256 KiB, a branch that may start with any byte or match the empty
/// string (no first-byte information from PCRE2), more than 255 groups, or a compile failure.
[[nodiscard]] inline std::optional<branch_dispatch> make_branch_dispatch(const translation& t, bool jit) {
  constexpr std::size_t max_branches = 1024, max_source = std::size_t{256} * 1024;
  if (t.group_references || t.pcre2.size() > max_source) return std::nullopt;
  const auto branches = split_alternatives(t.pcre2);
  if (branches.size() < 2 || branches.size() > max_branches) return std::nullopt;
  std::array<std::vector<std::uint16_t>, 256> lists;  // per byte: the branches that can start with it
  for (std::size_t b = 0; b < branches.size(); ++b) {
    std::string_view body = branches[b];
    if (body.substr(0, 2) == "\\A") body.remove_prefix(2);  // \A: the rest says what is consumed first
    int error = 0;
    std::size_t offset = 0;
    const auto code = compile_pcre2(body, error, offset);
    if (!code) return std::nullopt;
    std::uint32_t type = 0;
    pcre2_pattern_info(code.get(), PCRE2_INFO_FIRSTCODETYPE, &type);
    const std::uint8_t* bits = nullptr;
    if (type == 1) {
      std::uint32_t unit = 0;
      pcre2_pattern_info(code.get(), PCRE2_INFO_FIRSTCODEUNIT, &unit);
      lists[unit & 0xFFu].push_back(static_cast<std::uint16_t>(b));
    } else if (pcre2_pattern_info(code.get(), PCRE2_INFO_FIRSTBITMAP, &bits) == 0 && bits != nullptr) {
      for (std::size_t c = 0; c < 256; ++c)
        if ((bits[c / 8] >> (c % 8)) & 1u) lists[c].push_back(static_cast<std::uint16_t>(b));
    } else {
      return std::nullopt;
    }
  }
  branch_dispatch out;
  std::vector<const std::vector<std::uint16_t>*> distinct;
  for (std::size_t c = 0; c < 256; ++c) {
    if (lists[c].empty()) continue;
    auto same = std::find_if(distinct.begin(), distinct.end(), [&](const auto* l) { return *l == lists[c]; });
    if (same == distinct.end()) {
      if (distinct.size() == 255) return std::nullopt;
      distinct.push_back(&lists[c]);
      same = distinct.end() - 1;
    }
    out.group_of[c] = static_cast<std::uint8_t>(same - distinct.begin() + 1);
  }
  for (const auto* list : distinct) {
    std::string source;
    for (const std::uint16_t b : *list) {
      if (!source.empty()) source += '|';
      source += branches[b];
    }
    int error = 0;
    std::size_t offset = 0;
    auto code = compile_pcre2(source, error, offset, PCRE2_ANCHORED);
    if (!code) return std::nullopt;
    out.jit.push_back(jit && pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE) == 0);
    out.groups.push_back(std::move(code));
  }
  return out;
}

}  // namespace detail

/// A compiled regex with Python `re` semantics (see the file comment).
///
/// Copying shares the compiled code (cheap, reference-counted). Thread safety: all const members may be
/// called concurrently on one object. Lifetime: results are plain offsets; nothing refers to the subject.
class regex {
 public:
  /// Compiles Python `re` source. Complexity: O(pattern size) (translation, PCRE2 compile, JIT).
  /// Throws: `regex_error` (`syntax`/`unsupported` from the translation, `compile`, `too_large`),
  /// `std::bad_alloc`.
  [[nodiscard]] static regex from_python(std::string_view python_source, const regex_options& options = {}) {
    translation t = translate_python(python_source, native_translate_options());
    return {std::string(python_source), std::move(t), options};
  }

  /// Compiles an already translated pattern (`translate_python`'s result); `python_source` is kept for
  /// messages. Complexity and throws: as `from_python`, without the translation.
  [[nodiscard]] static regex from_translation(std::string python_source, translation t,
                                              const regex_options& options = {}) {
    return {std::move(python_source), std::move(t), options};
  }

  /// Python's `pattern.search(s, pos)`: the leftmost match starting at byte `pos` or later.
  /// Complexity: O(s.size()) validation plus the match, bounded by the limits. Throws: `regex_error`
  /// (`bad_offset` when `pos` is past the end or inside a UTF-8 sequence; a limit), `std::bad_alloc`.
  [[nodiscard]] std::optional<match_span> search(std::string_view s, std::size_t pos = 0) const {
    return run(s, pos, 0);
  }

  /// Python's `pattern.match(s, pos)`: a match starting exactly at byte `pos`. As `search` otherwise.
  /// Complexity and throws: as `search`.
  [[nodiscard]] std::optional<match_span> match(std::string_view s, std::size_t pos = 0) const {
    return run(s, pos, PCRE2_ANCHORED);
  }

  /// Python's `pattern.fullmatch(s)`: a match of all of `s`. As `search` otherwise.
  /// Complexity and throws: as `search`.
  [[nodiscard]] std::optional<match_span> fullmatch(std::string_view s) const {
    return run(s, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
  }

  /// Python's `pattern.finditer(s)`: calls `f(match_span)` for each match, in order. `f` may return
  /// `false` to stop (any other return type, or `true`, continues). Complexity: O(s.size()) validation
  /// once plus the matches; all its searches share one budget ("Bounded matching"). Throws: as `search`,
  /// and whatever `f` throws.
  template <class F>
  void finditer(std::string_view s, F&& f) const {
    const detail::scratch_handle held;
    auto& scratch = held.get();
    const detail::subject_view subject(s, scratch);
    detail::match_budget budget = new_budget(true);
    std::size_t pos = 0;
    std::uint32_t extra = 0;
    for (;;) {
      const auto m = run_prepared(subject, scratch, pos, extra, budget);
      if (!m) return;
      const match_span original{subject.to_original(m->begin), subject.to_original(m->end)};
      if constexpr (std::is_same_v<decltype(f(original)), bool>) {
        if (!f(original)) return;
      } else {
        f(original);
      }
      pos = m->end;
      extra = m->empty() ? PCRE2_NOTEMPTY_ATSTART : 0;
    }
  }

  /// All matches of `finditer`, as a vector. Complexity and throws: as `finditer`, plus `std::bad_alloc`.
  [[nodiscard]] std::vector<match_span> find_all(std::string_view s) const {
    std::vector<match_span> out;
    finditer(s, [&](match_span m) { out.push_back(m); });
    return out;
  }

  /// The spans of group 0 and every capturing group of the match `search`/`match`/`fullmatch` (by
  /// `anchor`: 0, `PCRE2_ANCHORED`, or both anchors) would find; a group that did not take part is
  /// nullopt. Empty when there is no match. Complexity: as `search`, plus O(capturing groups).
  /// Throws: as `search`.
  [[nodiscard]] std::vector<std::optional<match_span>> groups(std::string_view s, std::size_t pos = 0,
                                                              std::uint32_t anchor = 0) const {
    const detail::scratch_handle held;
    auto& scratch = held.get();
    const detail::subject_view subject(s, scratch);
    std::vector<std::optional<match_span>> out;
    detail::match_budget budget = new_budget(false);
    if (!whole_pattern(subject, scratch, subject.to_pcre2(pos), anchor, budget)) {
      return out;
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(scratch.data(capture_count_ + 1));
    for (std::size_t g = 0; g <= capture_count_; ++g) {
      if (ov[2 * g] == PCRE2_UNSET) {
        out.emplace_back();
      } else {
        out.emplace_back(match_span{subject.to_original(ov[2 * g]), subject.to_original(ov[2 * g + 1])});
      }
    }
    return out;
  }

  /// The Python source the regex was compiled from. Lifetime: the regex's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::string& python_source() const noexcept { return state_->python; }
  /// The PCRE2 source it was translated to. Lifetime: the regex's. Complexity: O(1). Throws: nothing.
  [[nodiscard]] const std::string& pcre2_source() const noexcept { return state_->translated.pcre2; }
  /// Number of capturing groups. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::uint32_t capture_count() const noexcept { return capture_count_; }
  /// Whether matches run JIT code. Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool jit() const noexcept { return state_->jit; }
  /// Whether searches run through the branch dispatch (`regex_options::branch_dispatch`, when it applies).
  /// Complexity: O(1). Throws: nothing.
  [[nodiscard]] bool branch_dispatched() const noexcept { return state_->dispatch.has_value(); }
  /// PCRE2's size of the compiled pattern in bytes. Complexity: O(1). Throws: nothing.
  [[nodiscard]] std::size_t compiled_size() const noexcept {
    std::size_t size = 0;
    pcre2_pattern_info(state_->code.get(), PCRE2_INFO_SIZE, &size);
    return size;
  }

 private:
  friend class predicate_regex;  // matches its parts on one prepared subject

  struct state {
    std::string python;
    translation translated;
    std::unique_ptr<pcre2_code, detail::code_deleter> code;
    regex_limits limits;
    bool jit = false;
    bool anchored = false;  // PCRE2 anchors every match (^ or \A in every branch, or compiled anchored)
    std::optional<detail::branch_dispatch> dispatch;  // regex_options::branch_dispatch, when it applies
  };

  regex(std::string python, translation t, const regex_options& options) {
    auto st = std::make_shared<state>();
    int error = 0;
    std::size_t offset = 0;
    st->code = detail::compile_pcre2(t.pcre2, error, offset, options.anchored ? PCRE2_ANCHORED : 0);
    if (!st->code) {
      const regex_errc code = error == PCRE2_ERROR_PATTERN_TOO_LARGE ? regex_errc::too_large : regex_errc::compile;
      throw regex_error(
          code, detail::pcre2_message(error) + " (in the translated pattern at offset " + std::to_string(offset) + ")",
          python);
    }
    if (options.jit && pcre2_jit_available()) st->jit = pcre2_jit_compile(st->code.get(), PCRE2_JIT_COMPLETE) == 0;
    std::uint32_t all_options = 0;
    pcre2_pattern_info(st->code.get(), PCRE2_INFO_ALLOPTIONS, &all_options);
    st->anchored = (all_options & PCRE2_ANCHORED) != 0;
    if (options.branch_dispatch && t.pcre2.find("\\G") == std::string::npos) {
      st->dispatch = detail::make_branch_dispatch(t, options.jit && pcre2_jit_available());
    }
    st->python = std::move(python);
    st->translated = std::move(t);
    st->limits = options.limits;
    capture_count_ = st->translated.capture_count;
    state_ = std::move(st);
  }

  [[nodiscard]] std::optional<match_span> run(std::string_view s, std::size_t pos, std::uint32_t options) const {
    const detail::scratch_handle held;
    auto& scratch = held.get();
    const detail::subject_view subject(s, scratch);
    detail::match_budget budget = new_budget(false);
    const auto m = run_prepared(subject, scratch, subject.to_pcre2(pos), options, budget);
    if (!m) return std::nullopt;
    return {{subject.to_original(m->begin), subject.to_original(m->end)}};
  }

  /// The budget of a call ("Bounded matching"); `shared`: the call makes several attempts.
  [[nodiscard]] detail::match_budget new_budget(bool shared) const noexcept {
    return {state_->limits.match_limit, shared};
  }

  /// A match in PCRE2 offsets (through the branch dispatch for a search or match, when there is one),
  /// bounded by `budget`.
  [[nodiscard]] std::optional<match_span> run_prepared(const detail::subject_view& subject,
                                                       detail::match_scratch& scratch, std::size_t pos,
                                                       std::uint32_t options, detail::match_budget& budget) const {
    bool found = false;
    if (state_->dispatch && (options & PCRE2_ENDANCHORED) == 0) {
      const detail::branch_dispatch& d = *state_->dispatch;
      const std::string_view text = subject.text();
      const bool anchored = state_->anchored || (options & PCRE2_ANCHORED) != 0;
      // Groups are compiled anchored; PCRE2_NOTEMPTY_ATSTART only concerns the search's own start.
      const std::uint32_t first = options & ~std::uint32_t{PCRE2_ANCHORED};
      const std::uint32_t later = first & ~std::uint32_t{PCRE2_NOTEMPTY_ATSTART};
      for (std::size_t p = pos; p < text.size() && !found; p += utf8_sequence_size(text[p])) {
        const std::uint8_t g = d.group_of[static_cast<unsigned char>(text[p])];
        if (g != 0) {
          const std::uint32_t o = p == pos ? first : later;
          found = anchored && !budget.shared
                      ? raw_match(d.groups[g - 1].get(), d.jit[g - 1], subject, scratch, p, o)
                      : budgeted_match(d.groups[g - 1].get(), d.jit[g - 1], subject, scratch, p, o, budget);
        }
        if (anchored) break;
      }
    } else {
      found = whole_pattern(subject, scratch, pos, options, budget);
    }
    if (!found) return std::nullopt;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(scratch.data(capture_count_ + 1));
    return {{ov[0], ov[1]}};
  }

  /// A search or match of the whole compiled pattern from PCRE2 offset `pos`, bounded by `budget`; true
  /// on a match (ovector in the scratch's match data).
  bool whole_pattern(const detail::subject_view& subject, detail::match_scratch& scratch, std::size_t pos,
                     std::uint32_t options, detail::match_budget& budget) const {
    const pcre2_code* code = state_->code.get();
    // PCRE2_ANCHORED at match time makes PCRE2 skip the JIT code; a pattern anchored by itself needs no
    // flag (an anchored search from `pos` is then exactly an anchored match at `pos`).
    if (state_->anchored) options &= ~std::uint32_t{PCRE2_ANCHORED};
    const bool jit = state_->jit && (options & (PCRE2_ANCHORED | PCRE2_ENDANCHORED)) == 0;
    if (state_->anchored || (options & PCRE2_ANCHORED) != 0) {  // one start position
      return budget.shared ? budgeted_match(code, jit, subject, scratch, pos, options, budget)
                           : raw_match(code, jit, subject, scratch, pos, options);
    }
    // PCRE2 tries the positions (JIT, start-of-match optimizations), each with the free steps only.
    const std::uint32_t probe = free_steps();
    const int rc = match_code(code, jit, subject, scratch, pos, options, probe);
    if (rc != PCRE2_ERROR_MATCHLIMIT || probe >= state_->limits.match_limit) return match_result(rc);
    // Some position needs more: the positions one at a time from `pos`, each under the budget (what
    // PCRE2's search does, without its optimizations; PCRE2_NOTEMPTY_ATSTART concerns `pos` only).
    const std::string_view text = subject.text();
    const std::uint32_t first = options | PCRE2_ANCHORED;
    const std::uint32_t later = first & ~std::uint32_t{PCRE2_NOTEMPTY_ATSTART};
    for (std::size_t p = pos;; p += utf8_sequence_size(text[p])) {
      if (budgeted_match(code, false, subject, scratch, p, p == pos ? first : later, budget)) return true;
      if (p >= text.size()) return false;
    }
  }

  /// Bytes of the UTF-8 sequence that starts with the (valid) lead byte `lead`.
  static constexpr std::size_t utf8_sequence_size(char lead) noexcept {
    const auto b = static_cast<unsigned char>(lead);
    return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }

  /// The steps of an attempt that does not draw on the call's budget (at least 1, at most match_limit).
  [[nodiscard]] std::uint32_t free_steps() const noexcept {
    return std::max<std::uint32_t>(1, std::min(state_->limits.match_limit, state_->limits.steps_per_position));
  }

  /// Matches `code` at PCRE2 offset `pos` with PCRE2's match limit set to `match_limit` (`jit`: its JIT
  /// code can run these options, so the fast entry is used); returns PCRE2's result code (ovector in the
  /// scratch's match data).
  int match_code(const pcre2_code* compiled, bool jit, const detail::subject_view& subject,
                 detail::match_scratch& scratch, std::size_t pos, std::uint32_t options,
                 std::uint32_t match_limit) const {
    pcre2_match_data* data = scratch.data(capture_count_ + 1);
    pcre2_match_context* context = scratch.context(state_->limits, match_limit);
    const auto text = subject.text();
    const auto* ptr = reinterpret_cast<PCRE2_SPTR>(text.data());
    int rc = jit ? pcre2_jit_match(compiled, ptr, text.size(), pos, options, data, context)
                 : pcre2_match(compiled, ptr, text.size(), pos, options | PCRE2_NO_UTF_CHECK, data, context);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {  // the interpreter keeps its frames on the heap
      rc = pcre2_match(compiled, ptr, text.size(), pos, options | PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, data, context);
    }
    return rc;
  }

  /// Matches `code` at PCRE2 offset `pos` with the full match limit (a call's single attempt); true on a
  /// match. Throws on limits.
  bool raw_match(const pcre2_code* compiled, bool jit, const detail::subject_view& subject,
                 detail::match_scratch& scratch, std::size_t pos, std::uint32_t options) const {
    return match_result(match_code(compiled, jit, subject, scratch, pos, options, state_->limits.match_limit));
  }

  /// One attempt of a call that makes several: first with `free_steps()`, then, each time PCRE2 stops at
  /// the limit, again with twice as many (at most match_limit), the steps each rerun adds taken from
  /// `budget` before it runs. True on a match. Throws `regex_error` (`match_limit`) when one attempt needs more
  /// than match_limit or the budget cannot pay for the next rerun; other limits as `raw_match`.
  bool budgeted_match(const pcre2_code* compiled, bool jit, const detail::subject_view& subject,
                      detail::match_scratch& scratch, std::size_t pos, std::uint32_t options,
                      detail::match_budget& budget) const {
    const std::uint32_t most = state_->limits.match_limit;
    std::uint32_t limit = free_steps();
    for (;;) {
      const int rc = match_code(compiled, jit, subject, scratch, pos, options, limit);
      if (rc != PCRE2_ERROR_MATCHLIMIT || limit >= most) return match_result(rc);
      // The rerun's steps beyond the last run's are paid from the budget: an attempt may reach match_limit
      // on its own, and the reruns of an attempt cost at most twice their last limit.
      const std::uint64_t next =
          std::min<std::uint64_t>({std::uint64_t{limit} * 2, most, std::uint64_t{limit} + budget.remaining});
      if (next <= limit) {
        throw regex_error(regex_errc::match_limit,
                          "the call's budget of " + std::to_string(most) +
                              " matching steps beyond the free steps of each start position is spent",
                          state_->python);
      }
      budget.remaining -= next - limit;
      limit = static_cast<std::uint32_t>(next);
    }
  }

  /// True for a match, false for none; throws for PCRE2's errors.
  bool match_result(int rc) const {
    if (rc >= 0) return true;
    if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL) return false;
    regex_errc code = regex_errc::internal;
    if (rc == PCRE2_ERROR_MATCHLIMIT) code = regex_errc::match_limit;
    else if (rc == PCRE2_ERROR_DEPTHLIMIT) code = regex_errc::depth_limit;
    else if (rc == PCRE2_ERROR_HEAPLIMIT) code = regex_errc::heap_limit;
    else if (rc == PCRE2_ERROR_NOMEMORY) throw std::bad_alloc();
    throw regex_error(code, detail::pcre2_message(rc), state_->python);
  }

  std::shared_ptr<const state> state_;
  std::uint32_t capture_count_ = 0;
};

/// A Python pattern used only for *whether* it matches (spaCy's token_match and url_match): compiled
/// as one regex, or, when PCRE2 cannot compile it in one piece (PCRE2's compiled patterns are limited
/// to 64 KiB with the default link size; fr's token_match is 1.45 M characters), as several regexes, one
/// per group of alternatives of its outermost alternation.
///
/// Why splitting is exact for the truth of a match: `A|B|C` matches at a position iff one of A, B, C
/// matches there, since the alternation tries each in turn and fails only when all fail; with nothing
/// after the alternation, no later part of the pattern can reject a branch's match. So `match`,
/// `search` and `fullmatch` of the whole are true iff they are true for some part (for `fullmatch`,
/// the end anchor applies to each branch alike). What is not preserved is *which* match is found (the
/// span of the first alternative that matches), so the class exposes truth only. Patterns with
/// backreferences or conditionals are never split (group numbers would shift).
///
/// Thread safety, lifetime: as `regex`.
class predicate_regex {
 public:
  /// Compiles `python_source`, split as needed. Complexity: O(pattern size). Throws: `regex_error`
  /// (`too_large` when a single alternative is still too large, or the pattern cannot be split; other
  /// codes as `regex::from_python`), `std::bad_alloc`.
  [[nodiscard]] static predicate_regex from_python(std::string_view python_source, const regex_options& options = {}) {
    translation t = translate_python(python_source, native_translate_options());
    predicate_regex out;
    // Each part keeps the start of the source for its messages, not a copy of all of it.
    constexpr std::size_t label_size = 200;
    const std::string label(python_source.substr(0, label_size));
    const auto alternatives = detail::split_alternatives(t.pcre2);
    std::vector<std::optional<detail::byte_set>> starts;  // per alternative: the bytes it can start with
    starts.reserve(alternatives.size());
    for (const auto a : alternatives) starts.push_back(t.group_references ? std::nullopt : detail::first_bytes(a));
    auto starts_of = [&starts](std::size_t first, std::size_t last) {
      detail::byte_set set;
      for (std::size_t k = first; k < last; ++k) set |= starts[k] ? *starts[k] : detail::byte_set().set();
      return set;
    };
    try {
      out.parts_.push_back(regex::from_translation(std::string(python_source), t, options));
      out.starts_.push_back(starts_of(0, alternatives.size()));
      return out;
    } catch (const regex_error& e) {
      if (e.code() != regex_errc::too_large || t.group_references) throw;
    }
    if (alternatives.size() < 2) {
      throw regex_error(regex_errc::too_large, "pattern too large for PCRE2 and not an alternation", python_source);
    }
    // Groups of consecutive alternatives of up to `budget` bytes of PCRE2 source; a group that is still
    // too large is halved.
    constexpr std::size_t budget = std::size_t{24} * 1024;
    std::vector<std::pair<std::size_t, std::size_t>> pending;  // [first, last) alternative indices
    for (std::size_t i = 0; i < alternatives.size();) {
      std::size_t j = i, bytes = 0;
      while (j < alternatives.size() && (j == i || bytes + alternatives[j].size() <= budget))
        bytes += alternatives[j++].size() + 1;
      pending.emplace_back(i, j);
      i = j;
    }
    while (!pending.empty()) {
      const auto [first, last] = pending.back();
      pending.pop_back();
      std::string joined;
      for (std::size_t k = first; k < last; ++k) {
        if (k > first) joined += '|';
        joined += alternatives[k];
      }
      translation part;
      part.pcre2 = std::move(joined);
      try {
        out.parts_.push_back(regex::from_translation(label, std::move(part), options));
        out.starts_.push_back(starts_of(first, last));
      } catch (const regex_error& e) {
        if (e.code() != regex_errc::too_large || last - first < 2) throw;
        const std::size_t mid = first + (last - first) / 2;
        pending.emplace_back(mid, last);
        pending.emplace_back(first, mid);
      }
    }
    return out;
  }

  /// `bool(re.match(s))`. Only the parts whose alternatives can start with the first byte of `s` run
  /// (`detail::first_bytes`). Complexity: O(s.size()) validation once, then up to one match per part.
  /// Throws: as `regex::match`.
  [[nodiscard]] bool match(std::string_view s) const { return any_part(s, PCRE2_ANCHORED); }
  /// `bool(re.search(s))`; the subject is prepared once, and the parts share one budget when there are
  /// several ("Bounded matching"). Complexity: O(s.size()) validation once, then up to one search per
  /// part. Throws: as `regex::search`.
  [[nodiscard]] bool search(std::string_view s) const {
    if (parts_.empty()) return false;  // moved from
    const detail::scratch_handle held;
    auto& scratch = held.get();
    const detail::subject_view subject(s, scratch);
    detail::match_budget budget = parts_.front().new_budget(parts_.size() > 1);
    for (const auto& r : parts_)
      if (r.run_prepared(subject, scratch, 0, 0, budget)) return true;
    return false;
  }
  /// `bool(re.fullmatch(s))`, with the same choice of parts as `match`. Complexity: as `match`.
  /// Throws: as `regex::fullmatch`.
  [[nodiscard]] bool fullmatch(std::string_view s) const { return any_part(s, PCRE2_ANCHORED | PCRE2_ENDANCHORED); }
  /// The compiled parts (one unless the pattern had to be split). Lifetime: the regex's. Complexity: O(1).
  /// Throws: nothing.
  [[nodiscard]] const std::vector<regex>& parts() const noexcept { return parts_; }

 private:
  predicate_regex() = default;

  /// Whether a part whose alternatives can start with the first byte of `s` (as PCRE2 sees it: the
  /// transcoded subject's) matches at 0 with `anchors`; the subject is prepared once for all parts.
  bool any_part(std::string_view s, std::uint32_t anchors) const {
    if (parts_.empty()) return false;  // moved from
    const detail::scratch_handle held;
    auto& scratch = held.get();
    const detail::subject_view subject(s, scratch);
    const std::string_view text = subject.text();
    detail::match_budget budget = parts_.front().new_budget(parts_.size() > 1);
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!text.empty() && !starts_[i][static_cast<unsigned char>(text[0])]) continue;
      if (parts_[i].run_prepared(subject, scratch, 0, anchors, budget)) return true;
    }
    return false;
  }

  std::vector<regex> parts_;
  std::vector<detail::byte_set> starts_;  // per part: the bytes a match of one of its alternatives starts with
};

}  // namespace lexzone::regex
