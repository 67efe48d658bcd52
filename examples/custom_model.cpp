// Plugging your own model into lexzone: a user-supplied tokenizer and a user-supplied NER component,
// composed statically and registered at run time, each request inside its own memory zone.
//
// The "model" here is a gazetteer plus a capitalisation heuristic; a real one would call into an ONNX
// session, a CRF, or a remote service from `operator()(doc&)`. What matters is the contract:
// - the tokenizer makes a doc through the scope it is given (zone or vocab), so lexemes of new words go
//   to the zone and vanish with it;
// - the component writes entities whose labels are permanent strings (interned once at load time), so
//   annotating a doc inside a zone adds nothing permanent;
// - results leave the zone as `owned_doc` (plain strings and offsets).
#include <lexzone/concepts.hpp>
#include <lexzone/lang/en/lexeme_traits.hpp>
#include <lexzone/pipeline.hpp>
#include <lexzone/vocab.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

using vocab = lexzone::basic_vocab<lexzone::en::lexeme_traits>;
using doc = lexzone::basic_doc<vocab>;

// A user tokenizer: splits on spaces and peels one trailing punctuation mark (., ,, !, ?).
struct simple_tokenizer {
  using lexzone_tokenizer_tag = void;

  template <class Scope>
  doc operator()(Scope& scope, std::string_view text) {
    doc d(scope, text);
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] == ' ') {
        ++i;
        continue;
      }
      std::size_t end = text.find(' ', i);
      if (end == std::string_view::npos) end = text.size();
      std::size_t core_end = end;
      if (core_end - i > 1 && std::string_view(".,!?").find(text[core_end - 1]) != std::string_view::npos) --core_end;
      d.push_token(scope.add(text.substr(i, core_end - i)), i, core_end == end && end < text.size());
      if (core_end != end) d.push_token(scope.add(text.substr(core_end, 1)), core_end, end < text.size());
      i = end;
    }
    return d;
  }
};

// A user NER model: a gazetteer of multi-token names, and "Title-case word after 'Dr.'/'Mr.'" as PERSON.
class gazetteer_ner {
 public:
  using lexzone_component_tag = void;

  // Labels: permanent strings, interned once.
  explicit gazetteer_ner(vocab& v) : person_(v.strings().add("PERSON")), org_(v.strings().add("ORG")) {
    add(v, {"Explosion", "AI"}, org_);
    add(v, {"Ada", "Lovelace"}, person_);
  }

  void operator()(doc& d) const {
    std::vector<doc::entity_record> ents;
    for (std::size_t i = 0; i < d.size();) {
      std::size_t matched = 0;
      lexzone::hash_t label = 0;
      for (const auto& e : entries_) {  // the longest gazetteer entry starting at token i wins
        if (i + e.words.size() > d.size()) continue;
        bool ok = true;
        for (std::size_t k = 0; k < e.words.size() && ok; ++k) ok = d[i + k].orth() == e.words[k];
        if (ok && e.words.size() > matched) {
          matched = e.words.size();
          label = e.label;
        }
      }
      if (matched != 0)
        ents.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + matched), label, 0});
      if (matched == 0 && i + 1 < d.size() && (d[i].text() == "Dr" || d[i].text() == "Mr") && d[i + 1].text() == "." &&
          i + 2 < d.size() && d[i + 2].lex().attrs.has(lexzone::lex_flag::is_title)) {
        ents.push_back({static_cast<std::uint32_t>(i + 2), static_cast<std::uint32_t>(i + 3), person_, 0});
        matched = 3;
      }
      i += matched == 0 ? 1 : matched;
    }
    d.set_ents(std::move(ents));
  }

 private:
  struct entry {
    std::vector<lexzone::hash_t> words;
    lexzone::hash_t label;
  };
  void add(vocab& v, std::initializer_list<const char*> words, lexzone::hash_t label) {
    entry e{{}, label};
    for (const char* w : words) e.words.push_back(v.strings().add(w));
    entries_.push_back(std::move(e));
  }
  lexzone::hash_t person_ = 0, org_ = 0;
  std::vector<entry> entries_;
};

static_assert(lexzone::tokenizer<simple_tokenizer, vocab>);
static_assert(lexzone::pipeline_component<gazetteer_ner, vocab>);

int main() {
  try {
    vocab v;
    const char* requests[] = {"Ada Lovelace wrote to Explosion AI today.", "Dr. Grace met Mr. Turing at 10:30!",
                              "user-8421@mail.example.net reported bug #5521."};

    // 1. Static composition: zero overhead, types known at compile time.
    lexzone::pipeline<vocab, simple_tokenizer, gazetteer_ner> nlp(simple_tokenizer{}, gazetteer_ner(v));
    const std::size_t base_lexemes = v.size();
    for (const char* text : requests) {
      lexzone::owned_doc result;
      {
        auto zone = v.memory_zone();
        result = nlp(zone, text).to_owned();
      }  // every lexeme and string the request created is gone here
      std::printf("%s\n", result.to_json().c_str());
    }

    // 2. Run-time registration: the same component behind a type-erased interface (e.g. from a plugin).
    lexzone::dynamic_pipeline<vocab> dyn(simple_tokenizer{});
    dyn.add("ner", gazetteer_ner(v));
    {
      auto zone = dyn.memory_zone(v);
      const auto d = dyn(zone, "Ada Lovelace again.");
      std::printf("dynamic pipeline: %zu entities, first: %.*s\n", d.ents().size(),
                  static_cast<int>(d.ents().at(0).text().size()), d.ents().at(0).text().data());
    }

    std::printf("vocab: %zu lexemes before the requests, %zu after\n", base_lexemes, v.size());
    return v.size() == base_lexemes ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "custom_model: %s\n", e.what());
    return 1;
  }
}
