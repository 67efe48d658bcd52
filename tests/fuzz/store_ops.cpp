// Fuzz target `store_ops`: decodes the input into a sequence of operations on a string store and on an
// English vocab (each with its own zones) and checks every result against a reference model: one
// std::map from id to string (or lexeme) per layer, i.e. the permanent layer and one per open zone.
// Any mismatch prints what differed and aborts, which libFuzzer reports as a crash.
//
// Input format (every read past the end gives 0, so any input is valid):
//   byte 0        hasher: bit 0-1 == 2 -> ids keep 4 bits, == 3 -> 8 bits (collisions on purpose);
//                 otherwise XXH3 (the default types `lexzone::string_store` and
//                 `lexzone::basic_vocab<lexzone::en::lexeme_traits>`); bit 2: the vocab learns
//                 (`set_learning({1, limit})`: a lexeme a zone creates is made permanent instead, for the
//                 first `limit` = 1 + 2 * (bits 3-5) of them)
//   then ops      an opcode byte (bit 7 set: a vocab operation, else a string store one; the byte % 12
//                 selects it, see store_op / vocab_op), then a target byte (the owner itself or one of
//                 the zone slots, closed ones included), then the operation's arguments. A string is one
//                 byte `b`: b >= 0xC0 reuses an earlier string, 0x80..0xBF picks a word from `words`
//                 below, else b & 0x3F bytes follow (0x3F: a long string of 1000 + 97 * next byte bytes,
//                 repeating the next 8 input bytes). A retention byte is permanent when b % 4 == 0.
// Strings are raw bytes: empty, with NUL bytes, invalid UTF-8. Every zone operation is also tried on
// closed and moved-from guards (zone_closed expected). tests/fuzz/README.md: how to run and minimise.
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/string_store.hpp>
#include <lexzone/vocab.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using lexzone::hash_t;
using lexzone::retention;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "store_ops: model mismatch at store_ops.cpp:%d: %s\n", line, what);
  std::abort();
}
#define FUZZ_CHECK(cond)                \
  do {                                  \
    if (!(cond)) fail(#cond, __LINE__); \
  } while (0)

// XXH3, optionally cut to a few bits (plus one, so that only "" has id 0) to make collisions common.
struct fuzz_hasher {
  unsigned bits = 64;
  hash_t operator()(std::string_view s) const noexcept {
    const hash_t h = lexzone::hash_string(s);
    if (s.empty() || bits >= 64) return h;
    return 1 + (h & ((hash_t{1} << bits) - 1));
  }
};

class reader {
 public:
  reader(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  [[nodiscard]] bool done() const { return n_ == 0; }
  std::uint8_t byte() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::string bytes(std::size_t len) {
    len = std::min(len, n_);
    std::string s(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    n_ -= len;
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

// Words that reach the English traits' interesting paths (norm exceptions, non-ASCII, like_*, ...).
const char* const words[] = {"the",
                             "The",
                             "THE",
                             "apple",
                             "Apple",
                             "don't",
                             "dont",
                             "42",
                             "3.14",
                             "1,000",
                             "hello@example.com",
                             "http://a.b/c",
                             "Straße",
                             "ĞÜÇ",
                             "日本語",
                             "(",
                             "\"",
                             "'s",
                             "n't",
                             "gonna",
                             "colour",
                             "a",
                             "A",
                             "Ä",
                             "x\xff",
                             "\xc3",
                             "\xe2\x82\xac",
                             "..."};
constexpr std::size_t word_count = sizeof(words) / sizeof(words[0]);

enum class hit { none, same, collision };
using strmap = std::map<hash_t, std::string>;
struct lexrec {
  std::string text;
  const void* addr;  // a lexeme keeps its address for its whole life
};
using lexmap = std::map<hash_t, lexrec>;

template <class Map>
hit probe(const Map& m, hash_t h, std::string_view s) {
  const auto it = m.find(h);
  if (it == m.end()) return hit::none;
  if constexpr (std::is_same_v<Map, strmap>) {
    return it->second == s ? hit::same : hit::collision;
  } else {
    return it->second.text == s ? hit::same : hit::collision;
  }
}

// One zone guard and the model of its layers.
template <class Guard>
struct slot {
  Guard guard;
  slot* parent = nullptr;  // meaningful while open
  bool open = true;
  std::uint32_t depth = 1;
  strmap strings;
  lexmap lexemes;
};

enum class result { ok, collision, unknown, closed };

// Runs `f`, mapping lexzone's exceptions to a result. Anything else escapes (libFuzzer reports it).
template <class F>
result outcome(F&& f) {
  try {
    f();
    return result::ok;
  } catch (const lexzone::hash_collision&) {
    return result::collision;
  } catch (const lexzone::unknown_hash&) {
    return result::unknown;
  } catch (const lexzone::zone_closed&) {
    return result::closed;
  }
}

template <class Hasher>
class fuzz_run {
  using store_t = lexzone::basic_string_store<Hasher>;
  using vocab_t = lexzone::basic_vocab<lexzone::en::lexeme_traits, Hasher>;
  using sguard = typename store_t::zone_type;
  using vguard = typename vocab_t::zone_type;
  using attrs_t = lexzone::lexeme_attributes;
  static constexpr std::size_t max_slots = 48;
  static constexpr std::size_t max_depth = 24;
  static constexpr std::size_t max_pooled = 4;

 public:
  fuzz_run(reader& in, const Hasher& h, std::size_t learn_limit)
      : in_(in), h_(h), store_(h, {}, max_pooled), vocab_(h, {}, max_pooled), learn_limit_(learn_limit) {
    if (learn_limit_ != 0) vocab_.set_learning({1, learn_limit_});
  }

  void run() {
    for (int ops = 0; ops < 3000 && !in_.done(); ++ops) {
      const std::uint8_t op = in_.byte();
      if (op & 0x80) {
        vocab_op(op & 0x7F);
      } else {
        store_op(op);
      }
      check_sizes();
    }
    // Close everything, in an order the input chose, and check that the zones left nothing behind.
    while (!sslots_.empty()) destroy_slot(sslots_, sslots_.size() - 1 - in_.byte() % sslots_.size());
    while (!vslots_.empty()) destroy_slot(vslots_, vslots_.size() - 1 - in_.byte() % vslots_.size());
    check_sizes();
    FUZZ_CHECK(store_.size() == sperm_.size());
    FUZZ_CHECK(store_.stats().zone_bytes == 0);
    FUZZ_CHECK(vocab_.stats().transient_lexemes == 0);
    FUZZ_CHECK(vocab_.stats().strings.zone_bytes == 0);
    FUZZ_CHECK(store_.stats().pooled_bytes <= max_pooled * 65536 + store_t::max_spare_zones * store_t::zone_node_bytes);
  }

 private:
  // --- input decoding ---
  std::string next_string() {
    const std::uint8_t b = in_.byte();
    std::string s;
    if (b >= 0xC0 && !seen_.empty()) return seen_[b % seen_.size()];
    if (b >= 0x80) {
      s = words[b % word_count];
    } else if ((b & 0x3F) == 0x3F) {
      const std::size_t len = 1000 + 97 * std::size_t{in_.byte()};  // up to ~25 KiB: large blocks too
      std::string pattern = in_.bytes(8);
      if (pattern.empty()) pattern = "L";
      s.reserve(len);
      while (s.size() < len) s += pattern;
      s.resize(len);
    } else {
      s = in_.bytes(b & 0x3F);
    }
    if (seen_.size() < 64) seen_.push_back(s);
    return s;
  }
  hash_t next_id() {
    const std::uint8_t b = in_.byte();
    if (b < 8) return hash_t{b} * 0x9E3779B97F4A7C15ull;  // an id nobody holds (or 0)
    return h_(next_string());
  }
  retention next_retention() { return (in_.byte() & 3) == 0 ? retention::permanent : retention::automatic; }

  template <class G>
  slot<G>* pick(std::vector<std::unique_ptr<slot<G>>>& slots) {  // nullptr: the owner itself
    const std::uint8_t b = in_.byte();
    if (slots.empty() || b % (slots.size() + 1) == slots.size()) return nullptr;
    return slots[b % (slots.size() + 1)].get();
  }

  // --- the model: strings ---
  template <class G>
  static std::vector<strmap*> string_chain(slot<G>* z) {
    std::vector<strmap*> c;
    for (; z != nullptr; z = z->parent) c.push_back(&z->strings);
    return c;
  }
  template <class G>
  static std::vector<slot<G>*> chain_of(slot<G>* z) {
    std::vector<slot<G>*> c;
    for (; z != nullptr; z = z->parent) c.push_back(z);
    return c;
  }
  // basic_string_store::find_in: the permanent layer, then the zone and its ancestors.
  static hit find_in(const strmap& perm, const std::vector<strmap*>& chain, hash_t h, std::string_view s) {
    hit r = probe(perm, h, s);
    for (std::size_t i = 0; r == hit::none && i < chain.size(); ++i) r = probe(*chain[i], h, s);
    return r;
  }
  // Lookups by text (find, contains) never throw: they report the first visible layer that holds exactly
  // `s`, passing over layers where a different string has its id.
  static bool holds_exact(const strmap& perm, const std::vector<strmap*>& chain, hash_t h, std::string_view s) {
    if (probe(perm, h, s) == hit::same) return true;
    for (const strmap* m : chain)
      if (probe(*m, h, s) == hit::same) return true;
    return false;
  }
  static const std::string* find_hash_in(const strmap& perm, const std::vector<strmap*>& chain, hash_t h) {
    static const std::string empty;
    if (h == 0) return &empty;
    if (auto it = perm.find(h); it != perm.end()) return &it->second;
    for (const strmap* m : chain)
      if (auto it = m->find(h); it != m->end()) return &it->second;
    return nullptr;
  }
  // false: hash_collision expected.
  static bool add_permanent(strmap& perm, hash_t h, const std::string& s) {
    if (h == 0) return s.empty();
    const hit r = probe(perm, h, s);
    if (r == hit::none) perm.emplace(h, s);
    return r != hit::collision;
  }
  // A permanent add through a zone: a collision in the permanent layer fails; while `s` is not permanent,
  // so does one in the chain or in a zone nested in the adding one (`nested`: it must not be shadowed);
  // the innermost zone holding `s` gives it up.
  static bool promote(strmap& perm, const std::vector<strmap*>& chain, hash_t h, const std::string& s,
                      const std::vector<strmap*>& nested) {
    if (h == 0) return s.empty();
    const hit p = probe(perm, h, s);
    if (p == hit::collision) return false;
    strmap* holder = nullptr;
    for (strmap* m : chain) {
      const hit r = probe(*m, h, s);
      if (r == hit::collision && p == hit::none) return false;
      if (r == hit::same) {
        holder = m;
        break;
      }
    }
    if (p == hit::none)
      for (const strmap* m : nested)
        if (probe(*m, h, s) == hit::collision) return false;
    if (p == hit::none) perm.emplace(h, s);
    if (holder != nullptr) holder->erase(h);
    return true;
  }
  // `nested`: the strings of the open zones nested in the adding zone, which see what it adds: a new
  // string whose id one of them holds for another text is a collision.
  static bool add_in(strmap& perm, const std::vector<strmap*>& chain, hash_t h, const std::string& s, retention r,
                     const std::vector<strmap*>& nested) {
    if (h == 0) return s.empty();
    if (r == retention::permanent) return promote(perm, chain, h, s, nested);
    const hit f = find_in(perm, chain, h, s);
    if (f == hit::none) {
      for (const strmap* m : nested)
        if (probe(*m, h, s) == hit::collision) return false;
      chain.front()->emplace(h, s);
    }
    return f != hit::collision;
  }
  // The strings of the open zones nested in `z` (none for no zone).
  template <class Slots, class Slot>
  static std::vector<strmap*> nested_strings(Slots& slots, const Slot* z) {
    std::vector<strmap*> out;
    if (z == nullptr) return out;
    for (auto& s : slots) {
      if (!s->open || s.get() == z) continue;
      for (const Slot* p = s->parent; p != nullptr; p = p->parent) {
        if (p == z) {
          out.push_back(&s->strings);
          break;
        }
      }
    }
    return out;
  }

  // --- string store operations ---
  void store_op(std::uint8_t op) {
    slot<sguard>* z = pick(sslots_);
    switch (op % 12) {
      case 0:
      case 1: {  // add (permanent on the store; automatic or permanent through a zone)
        const std::string s = next_string();
        const hash_t h = h_(s);
        if (z == nullptr) {
          const bool expect = add_permanent(sperm_, h, s);
          hash_t got = 0;
          const result r = outcome([&] { got = store_.add(s); });
          FUZZ_CHECK(r == (expect ? result::ok : result::collision));
          if (r == result::ok) FUZZ_CHECK(got == h);
        } else {
          const retention ret = next_retention();
          std::string_view view;
          const result r = outcome([&] {
            if (op & 0x40) {
              view = z->guard.intern(s, ret);
            } else {
              FUZZ_CHECK(z->guard.add(s, ret) == h);
              view = s;
            }
          });
          if (!z->open) {
            FUZZ_CHECK(r == result::closed);
            break;
          }
          const bool expect = add_in(sperm_, string_chain(z), h, s, ret, nested_strings(sslots_, z));
          FUZZ_CHECK(r == (expect ? result::ok : result::collision));
          if (r == result::ok) FUZZ_CHECK(view == s);
        }
        break;
      }
      case 2:
      case 3: {  // lookup by id
        const hash_t h = next_id();
        const std::string* expect =
            z == nullptr ? find_hash_in(sperm_, {}, h) : find_hash_in(sperm_, string_chain(z), h);
        std::optional<std::string_view> got;
        const result r = outcome([&] { got = z == nullptr ? store_.find(h) : z->guard.find(h); });
        if (z != nullptr && !z->open) {
          FUZZ_CHECK(r == result::closed);
          break;
        }
        FUZZ_CHECK(r == result::ok);
        FUZZ_CHECK(got.has_value() == (expect != nullptr));
        if (expect != nullptr) FUZZ_CHECK(*got == *expect);
        std::string_view v;
        const result r2 = outcome([&] { v = z == nullptr ? store_[h] : z->guard[h]; });
        FUZZ_CHECK(r2 == (expect != nullptr ? result::ok : result::unknown));
        if (expect != nullptr) FUZZ_CHECK(v == *expect);
        bool has = false;
        FUZZ_CHECK(outcome([&] { has = z == nullptr ? store_.contains(h) : z->guard.contains(h); }) == result::ok);
        FUZZ_CHECK(has == (expect != nullptr));
        break;
      }
      case 4:
      case 5: {  // lookup by text (contains)
        const std::string s = next_string();
        bool has = false;
        const result r = outcome([&] { has = z == nullptr ? store_.contains(s) : z->guard.contains(s); });
        if (z != nullptr && !z->open) {
          FUZZ_CHECK(r == result::closed);
          break;
        }
        FUZZ_CHECK(r == result::ok);
        const bool expect = s.empty() || (z == nullptr ? probe(sperm_, h_(s), s) == hit::same
                                                       : holds_exact(sperm_, string_chain(z), h_(s), s));
        FUZZ_CHECK(has == expect);
        break;
      }
      case 6:  // open a zone on the store
        if (count_open(sslots_) < max_slots / 2 && sslots_.size() < max_slots) open_slot(sslots_, store_, nullptr);
        break;
      case 7:  // nested open
        if (z != nullptr && sslots_.size() < max_slots && z->depth < max_depth) open_slot(sslots_, store_, z);
        break;
      case 8:  // close a zone: innermost or not (a middle zone closes its open descendants)
        if (z != nullptr) close_slot(sslots_, z, true);
        break;
      case 9:  // destroy a guard (closes if open)
        if (z != nullptr) destroy_slot(sslots_, index_of(sslots_, z));
        break;
      case 10:  // move the guard out and back; the moved-from guard holds no zone
        if (z != nullptr) move_guard(z);
        break;
      default:  // iterate and compare with the model
        if (z == nullptr) {
          std::multiset<std::string> got;
          store_.for_each([&](std::string_view v) { got.emplace(v); });
          FUZZ_CHECK(got == values(sperm_, {}));
        } else if (z->open) {
          std::multiset<std::string> got;
          z->guard.for_each([&](std::string_view v) { got.emplace(v); });
          FUZZ_CHECK(got == values(sperm_, string_chain(z)));
        }
        break;
    }
  }

  static std::multiset<std::string> values(const strmap& perm, const std::vector<strmap*>& chain) {
    std::multiset<std::string> out;
    for (const auto& [h, s] : perm) out.insert(s);
    for (const strmap* m : chain)
      for (const auto& [h, s] : *m) out.insert(s);
    return out;
  }

  // --- the model: lexemes ---
  // The strings `en::lexeme_traits` interns for `text`, in order, and the attributes it computes (ids are
  // the hasher's, as `basic_vocab::build` returns them).
  struct built {
    attrs_t attrs;
    std::vector<std::string> strings;
  };
  built traits_of(hash_t h, const std::string& text) const {
    built b;
    const std::string stored = text;  // stands for the stored copy
    b.attrs = lexzone::en::lexeme_traits::compute(std::string_view(stored), [&](std::string_view s) -> hash_t {
      if (s.empty()) return 0;
      // As build does since c40dc39: a string equal to the text is the orth, not interned (again).
      if (s == stored) return h;
      b.strings.emplace_back(s);
      return h_(s);
    });
    return b;
  }
  static hit lex_find_in(const lexmap& perm, const std::vector<slot<vguard>*>& chain, hash_t h, std::string_view s) {
    hit r = probe(perm, h, s);
    for (std::size_t i = 0; r == hit::none && i < chain.size(); ++i) r = probe(chain[i]->lexemes, h, s);
    return r;
  }
  static const lexrec* lex_find_exact(const lexmap& perm, const std::vector<slot<vguard>*>& chain, hash_t h,
                                      std::string_view s) {
    if (probe(perm, h, s) == hit::same) return &perm.at(h);
    for (const auto* z : chain)
      if (probe(z->lexemes, h, s) == hit::same) return &z->lexemes.at(h);
    return nullptr;
  }
  static const lexrec* lex_find_hash_in(const lexmap& perm, const std::vector<slot<vguard>*>& chain, hash_t h) {
    if (auto it = perm.find(h); it != perm.end()) return &it->second;
    for (const auto* z : chain)
      if (auto it = z->lexemes.find(h); it != z->lexemes.end()) return &it->second;
    return nullptr;
  }

  // The model of basic_vocab::get / zone get. Returns false when hash_collision is expected; on success
  // `found` is the existing lexeme (nullptr when created: the caller records it in `created_in`).
  bool model_get(slot<vguard>* z, const std::string& text, retention r, const lexrec*& found, lexmap*& created_in,
                 attrs_t& attrs) {
    const hash_t h = h_(text);
    const auto chain = chain_of(z);
    const auto schain = string_chain(z);
    found = nullptr;
    created_in = nullptr;
    const built b = traits_of(h, text);
    attrs = b.attrs;
    if (z == nullptr || r == retention::permanent) {
      const hit p = probe(vperm_lex_, h, text);
      if (p == hit::collision) return false;
      if (p == hit::same) {
        found = &vperm_lex_.at(h);
        return true;
      }
      slot<vguard>* holder = nullptr;
      for (auto* n : chain) {
        const hit q = probe(n->lexemes, h, text);
        if (q == hit::collision) return false;
        if (q == hit::same) {
          holder = n;
          break;
        }
      }
      const auto nested = nested_strings(vslots_, z);
      auto intern = [&](hash_t sh, const std::string& s) {
        return z != nullptr ? promote(vperm_str_, schain, sh, s, nested) : add_permanent(vperm_str_, sh, s);
      };
      if (!text.empty() && !intern(h, text)) return false;
      for (const auto& s : b.strings)
        if (!intern(h_(s), s)) return false;
      if (holder != nullptr) holder->lexemes.erase(h);
      created_in = &vperm_lex_;
      return true;
    }
    const hit f = lex_find_in(vperm_lex_, chain, h, text);
    if (f == hit::collision) return false;
    if (f == hit::same) {
      found = lex_find_hash_in(vperm_lex_, chain, h);
      // Found in an enclosing zone: a zone in between that holds a string of another text with id h
      // makes it a collision (that zone's string store reports it too), unless the text is a permanent
      // string (lookups by id find that first).
      if (probe(vperm_lex_, h, text) == hit::none && probe(vperm_str_, h, text) != hit::same) {
        for (const auto* n : chain) {
          if (probe(n->lexemes, h, text) == hit::same) break;
          if (probe(n->strings, h, text) == hit::collision) return false;
        }
      }
      return true;
    }
    const auto nested = nested_strings(vslots_, z);
    if (!text.empty() && !add_in(vperm_str_, schain, h, text, retention::automatic, nested)) return false;
    for (const auto& s : b.strings)
      if (!add_in(vperm_str_, schain, h_(s), s, retention::automatic, nested)) return false;
    if (learned_ < learn_limit_ && text.size() <= learn_max_text) {
      // Learned (zones = 1, texts up to the policy's default max_text_bytes): the lexeme just made in z
      // is made permanent with its strings, through z's chain. After the zone's creation succeeded no
      // collision can stop that (asserted here).
      if (!text.empty()) FUZZ_CHECK(promote(vperm_str_, schain, h, text, nested));
      for (const auto& s : b.strings) FUZZ_CHECK(promote(vperm_str_, schain, h_(s), s, nested));
      ++learned_;
      created_in = &vperm_lex_;
      return true;
    }
    created_in = &z->lexemes;
    return true;
  }

  template <class Lexeme>
  void check_lexeme(const Lexeme& lex, hash_t h, const std::string& text, const attrs_t& a) {
    FUZZ_CHECK(lex.orth == h);
    FUZZ_CHECK(lex.text() == text);
    FUZZ_CHECK(lex.attrs.lower == a.lower && lex.attrs.norm == a.norm && lex.attrs.shape == a.shape);
    FUZZ_CHECK(lex.attrs.prefix == a.prefix && lex.attrs.suffix == a.suffix);
    FUZZ_CHECK(lex.attrs.length == a.length && lex.attrs.flags == a.flags);
  }

  // --- vocab operations ---
  void vocab_op(std::uint8_t op) {
    slot<vguard>* z = pick(vslots_);
    switch (op % 12) {
      case 0:
      case 1:
      case 2: {  // get (creates)
        const std::string text = next_string();
        const hash_t h = h_(text);
        const retention ret = z == nullptr ? retention::permanent : next_retention();
        const typename vocab_t::lexeme_type* got = nullptr;
        const result r = outcome([&] { got = z == nullptr ? &vocab_.add(text) : &z->guard.add(text, ret); });
        if (z != nullptr && !z->open) {
          FUZZ_CHECK(r == result::closed);
          break;
        }
        const lexrec* found = nullptr;
        lexmap* created_in = nullptr;
        attrs_t a{};
        const bool expect = model_get(z, text, ret, found, created_in, a);
        FUZZ_CHECK(r == (expect ? result::ok : result::collision));
        if (r != result::ok) break;
        check_lexeme(*got, h, text, a);
        FUZZ_CHECK(vocab_.stats().learned_lexemes == learned_);
        if (found != nullptr) FUZZ_CHECK(found->addr == got);
        if (created_in != nullptr) created_in->emplace(h, lexrec{text, got});
        // The attribute strings resolve through the zone (or permanently) as the model says.
        const auto schain = string_chain(z);
        for (const hash_t id : {a.lower, a.norm, a.shape, a.prefix, a.suffix}) {
          const std::string* expect_s = find_hash_in(vperm_str_, schain, id);
          FUZZ_CHECK(expect_s != nullptr);
          std::optional<std::string_view> v;
          if (z == nullptr) {
            v = vocab_.strings().find(id);
          } else {
            FUZZ_CHECK(outcome([&] { v = z->guard.strings()[id]; }) == result::ok);
          }
          FUZZ_CHECK(v.has_value() && *v == *expect_s);
        }
        break;
      }
      case 3:
      case 4: {  // find by text (never creates)
        const std::string text = next_string();
        const hash_t h = h_(text);
        const typename vocab_t::lexeme_type* got = nullptr;
        const result r = outcome([&] { got = z == nullptr ? vocab_.find(text) : z->guard.find(text); });
        if (z != nullptr && !z->open) {
          FUZZ_CHECK(r == result::closed);
          break;
        }
        // Never throws: the first visible layer whose lexeme has exactly this text, else nullptr.
        const lexrec* expect = lex_find_exact(vperm_lex_, chain_of(z), h, text);
        FUZZ_CHECK(r == result::ok);
        FUZZ_CHECK(got == (expect != nullptr ? expect->addr : nullptr));
        bool has = false;
        FUZZ_CHECK(outcome([&] { has = z == nullptr ? vocab_.contains(text) : z->guard.contains(text); }) ==
                   result::ok);
        FUZZ_CHECK(has == (expect != nullptr));
        break;
      }
      case 5: {  // find by id
        const hash_t h = next_id();
        const typename vocab_t::lexeme_type* got = nullptr;
        const result r = outcome([&] { got = z == nullptr ? vocab_.find(h) : z->guard.find(h); });
        if (z != nullptr && !z->open) {
          FUZZ_CHECK(r == result::closed);
          break;
        }
        FUZZ_CHECK(r == result::ok);
        const lexrec* expect = lex_find_hash_in(vperm_lex_, chain_of(z), h);
        FUZZ_CHECK(got == (expect != nullptr ? expect->addr : nullptr));
        const result r2 = outcome([&] { (void)(z == nullptr ? vocab_[h] : z->guard[h]); });
        FUZZ_CHECK(r2 == (expect != nullptr ? result::ok : result::unknown));
        break;
      }
      case 6: {  // strings through the vocab: add_string on a zone, add on the store; lookup by id
        const std::string s = next_string();
        const hash_t h = h_(s);
        if (z == nullptr) {
          const bool expect = add_permanent(vperm_str_, h, s);
          FUZZ_CHECK(outcome([&] { vocab_.strings().add(s); }) == (expect ? result::ok : result::collision));
          break;
        }
        const retention ret = next_retention();
        const result r = outcome([&] { FUZZ_CHECK(z->guard.strings().add(s, ret) == h); });
        if (!z->open) {
          FUZZ_CHECK(r == result::closed);
          break;
        }
        FUZZ_CHECK(r == (add_in(vperm_str_, string_chain(z), h, s, ret, nested_strings(vslots_, z))
                             ? result::ok
                             : result::collision));
        const std::string* expect = find_hash_in(vperm_str_, string_chain(z), h);
        std::string_view v;
        FUZZ_CHECK(outcome([&] { v = z->guard.strings()[h]; }) == (expect != nullptr ? result::ok : result::unknown));
        if (expect != nullptr) FUZZ_CHECK(v == *expect);
        break;
      }
      case 7:
        if (count_open(vslots_) < max_slots / 2 && vslots_.size() < max_slots) open_slot(vslots_, vocab_, nullptr);
        break;
      case 8:
        if (z != nullptr && vslots_.size() < max_slots && z->depth < max_depth) open_slot(vslots_, vocab_, z);
        break;
      case 9:
        if (z != nullptr) close_slot(vslots_, z, true);
        break;
      case 10:
        if (z != nullptr) {
          if (op & 0x40) {
            move_guard(z);
          } else {
            destroy_slot(vslots_, index_of(vslots_, z));
          }
        }
        break;
      default:  // iterate lexemes and compare
        if (z == nullptr) {
          std::multiset<std::string> got;
          vocab_.for_each([&](const auto& lex) { got.emplace(lex.text()); });
          FUZZ_CHECK(got == texts({}));
        } else if (z->open) {
          std::multiset<std::string> got;
          z->guard.for_each([&](const auto& lex) { got.emplace(lex.text()); });
          FUZZ_CHECK(got == texts(chain_of(z)));
        }
        break;
    }
  }

  std::multiset<std::string> texts(const std::vector<slot<vguard>*>& chain) const {
    std::multiset<std::string> out;
    for (const auto& [h, l] : vperm_lex_) out.insert(l.text);
    for (const auto* z : chain)
      for (const auto& [h, l] : z->lexemes) out.insert(l.text);
    return out;
  }

  // --- zones ---
  template <class G>
  static std::size_t count_open(const std::vector<std::unique_ptr<slot<G>>>& slots) {
    return static_cast<std::size_t>(std::count_if(slots.begin(), slots.end(), [](const auto& s) { return s->open; }));
  }
  template <class G>
  static std::size_t index_of(const std::vector<std::unique_ptr<slot<G>>>& slots, const slot<G>* z) {
    for (std::size_t i = 0; i < slots.size(); ++i)
      if (slots[i].get() == z) return i;
    fail("slot not found", __LINE__);
  }

  template <class G, class Owner>
  void open_slot(std::vector<std::unique_ptr<slot<G>>>& slots, Owner& owner, std::type_identity_t<slot<G>>* parent) {
    if (parent != nullptr && !parent->open) {
      FUZZ_CHECK(outcome([&] { (void)parent->guard.memory_zone(); }) == result::closed);
      return;
    }
    auto s = std::make_unique<slot<G>>();
    s->guard = parent == nullptr ? owner.memory_zone() : parent->guard.memory_zone();
    s->parent = parent;
    s->depth = parent == nullptr ? 1 : parent->depth + 1;
    FUZZ_CHECK(s->guard.is_open());
    FUZZ_CHECK(s->guard.depth() == s->depth);
    FUZZ_CHECK(&s->guard.owner() == &owner);
    slots.push_back(std::move(s));
  }

  // Closes `z` and, first, its open descendants (the model of basic_memory_zone::close).
  template <class G>
  void close_slot(std::vector<std::unique_ptr<slot<G>>>& slots, slot<G>* z, bool by_guard_close) {
    const bool was_open = z->open;
    if (by_guard_close) z->guard.close();
    if (!was_open) {
      FUZZ_CHECK(!z->guard.is_open());
      return;
    }
    for (auto& s : slots) {
      bool below = false;
      for (slot<G>* p = s.get(); p != nullptr && s->open; p = p->parent)
        if (p == z) below = true;
      if (below) {
        s->open = false;
        s->strings.clear();
        s->lexemes.clear();
      }
    }
    if (!by_guard_close) return;  // destroy_slot checks after the guard dies
    for (auto& s : slots) {
      FUZZ_CHECK(s->guard.is_open() == s->open);
      if (!s->open) {
        FUZZ_CHECK(s->guard.depth() == 0);
        FUZZ_CHECK(outcome([&] { (void)s->guard.contains(hash_t{0}); }) == result::closed);
      }
    }
  }

  template <class G>
  void destroy_slot(std::vector<std::unique_ptr<slot<G>>>& slots, std::size_t i) {
    slot<G>* z = slots[i].get();
    close_slot(slots, z, false);
    z->guard = G();  // the destructor path: reset() closes and frees the node
    for (auto& s : slots) {
      if (s->parent == z) s->parent = nullptr;  // closed: its chain is no longer used
      FUZZ_CHECK(s->guard.is_open() == s->open);
    }
    slots.erase(slots.begin() + static_cast<std::ptrdiff_t>(i));
  }

  template <class G>
  void move_guard(slot<G>* z) {
    G tmp(std::move(z->guard));
    FUZZ_CHECK(!z->guard.is_open());
    FUZZ_CHECK(z->guard.depth() == 0);
    FUZZ_CHECK(outcome([&] { (void)z->guard.memory_zone(); }) == result::closed);
    z->guard.close();  // no-op on a guard that holds nothing
    FUZZ_CHECK(tmp.is_open() == z->open);
    z->guard = std::move(tmp);
    FUZZ_CHECK(z->guard.is_open() == z->open);
  }

  // --- sizes and stats, after every operation ---
  void check_sizes() {
    std::size_t transient = 0, open = 0;
    for (const auto& s : sslots_) {
      if (!s->open) continue;
      ++open;
      transient += s->strings.size();
      std::size_t visible = sperm_.size();
      for (const auto* p = s.get(); p != nullptr; p = p->parent) visible += p->strings.size();
      FUZZ_CHECK(s->guard.size() == visible);
      FUZZ_CHECK(s->guard.transient_size() == s->strings.size());
    }
    FUZZ_CHECK(store_.size() == sperm_.size() + transient);
    FUZZ_CHECK(store_.permanent_size() == sperm_.size());
    const auto st = store_.stats();
    FUZZ_CHECK(st.permanent_strings == sperm_.size());
    FUZZ_CHECK(st.transient_strings == transient);
    FUZZ_CHECK(st.open_zones == open);
    FUZZ_CHECK(st.pooled_bytes <= max_pooled * 65536 + store_t::max_spare_zones * store_t::zone_node_bytes);
    if (open == 0) FUZZ_CHECK(st.zone_bytes == 0);

    std::size_t vt_strings = 0, vt_lex = 0, vopen = 0;
    for (const auto& s : vslots_) {
      if (!s->open) continue;
      ++vopen;
      vt_strings += s->strings.size();
      vt_lex += s->lexemes.size();
      std::size_t lex = vperm_lex_.size(), str = vperm_str_.size();
      for (const auto* p = s.get(); p != nullptr; p = p->parent) {
        lex += p->lexemes.size();
        str += p->strings.size();
      }
      FUZZ_CHECK(s->guard.size() == lex);
      FUZZ_CHECK(s->guard.strings().size() == str);
      FUZZ_CHECK(s->guard.transient_size() == s->lexemes.size());
    }
    FUZZ_CHECK(vocab_.size() == vperm_lex_.size() + vt_lex);
    FUZZ_CHECK(vocab_.permanent_size() == vperm_lex_.size());
    const auto vs = vocab_.stats();
    FUZZ_CHECK(vs.permanent_lexemes == vperm_lex_.size());
    FUZZ_CHECK(vs.transient_lexemes == vt_lex);
    FUZZ_CHECK(vs.strings.permanent_strings == vperm_str_.size());
    FUZZ_CHECK(vs.strings.transient_strings == vt_strings);
    FUZZ_CHECK(vs.strings.open_zones == vopen);
    FUZZ_CHECK(vocab_.strings().size() == vperm_str_.size() + vt_strings);
    if (vopen == 0) FUZZ_CHECK(vs.strings.zone_bytes == 0);
  }

  reader& in_;
  Hasher h_;
  store_t store_;
  vocab_t vocab_;
  std::vector<std::string> seen_;
  strmap sperm_;
  std::vector<std::unique_ptr<slot<sguard>>> sslots_;  // destroyed before store_ (declared after it)
  strmap vperm_str_;
  lexmap vperm_lex_;
  std::vector<std::unique_ptr<slot<vguard>>> vslots_;
  std::size_t learn_limit_;  // 0: no learning
  static constexpr std::size_t learn_max_text = lexzone::learning_policy{}.max_text_bytes;
  std::size_t learned_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader in(data, size);
  const std::uint8_t mode = in.byte();
  const std::size_t learn_limit = (mode & 4) != 0 ? 1 + 2 * ((mode >> 3) & 7u) : 0;
  if ((mode & 3) == 2 || (mode & 3) == 3) {
    fuzz_run<fuzz_hasher> run(in, fuzz_hasher{(mode & 3) == 2 ? 4u : 8u}, learn_limit);
    run.run();
  } else {
    // The default types, exactly as users spell them.
    static_assert(std::is_same_v<lexzone::basic_string_store<lexzone::default_hasher>, lexzone::string_store>);
    fuzz_run<lexzone::default_hasher> run(in, lexzone::default_hasher(), learn_limit);
    run.run();
  }
  return 0;
}
