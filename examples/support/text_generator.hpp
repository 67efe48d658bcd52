// A deterministic generator of production-like text: prose mixed with the strings that make a
// vocabulary grow without bound in real traffic (names, e-mail addresses, URLs, version strings, IDs,
// typos, numbers). Used by the demos, the soak program and the benchmarks when no real text is given.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lexzone::examples {

class text_generator {
 public:
  explicit text_generator(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}

  /// Appends one line (a sentence or two, no trailing newline) of about `tokens` whitespace tokens.
  void line(std::string& out, int tokens = 14) {
    for (int i = 0; i < tokens; ++i) {
      if (i != 0) out.push_back(' ');
      const auto r = next() % 100;
      if (r < 62) {
        word(out, i == 0);
      } else if (r < 68) {
        name(out);
      } else if (r < 72) {
        email(out);
      } else if (r < 75) {
        url(out);
      } else if (r < 78) {
        version(out);
      } else if (r < 82) {
        id(out);
      } else if (r < 87) {
        number(out);
      } else if (r < 92) {
        typo(out);
      } else {
        word(out, false);
        out.push_back(punct_[next() % punct_.size()]);
      }
    }
    out.push_back(next() % 5 == 0 ? '?' : '.');
  }

  /// Appends lines until about `tokens` tokens were written; returns how many lines.
  std::size_t text(std::string& out, std::size_t tokens) {
    std::size_t written = 0;
    std::size_t lines = 0;
    while (written < tokens) {
      const int n = 6 + static_cast<int>(next() % 18);
      line(out, n);
      out.push_back('\n');
      written += static_cast<std::size_t>(n);
      ++lines;
    }
    return lines;
  }

  std::uint64_t next() noexcept {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }

 private:
  template <std::size_t N>
  std::string_view pick(const std::array<std::string_view, N>& a) {
    return a[next() % N];
  }
  void word(std::string& out, bool capital) {
    const std::string_view w = pick(words_);
    if (capital) {
      out.push_back(static_cast<char>(w[0] >= 'a' && w[0] <= 'z' ? w[0] - 32 : w[0]));
      out.append(w.substr(1));
    } else {
      out.append(w);
    }
  }
  void name(std::string& out) {
    out.append(pick(first_));
    out.push_back(' ');
    out.append(pick(last_));
  }
  static void lower_append(std::string& out, std::string_view s) {
    for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  }
  void email(std::string& out) {
    lower_append(out, pick(first_));
    out.push_back(next() % 2 ? '.' : '_');
    lower_append(out, pick(last_));
    if (next() % 2) out.append(std::to_string(next() % 10000));
    out.push_back('@');
    out.append(pick(domains_));
    out.push_back('.');
    out.append(pick(tlds_));
  }
  void url(std::string& out) {
    out.append(next() % 3 ? "https://" : "http://");
    if (next() % 2) out.append("www.");
    out.append(pick(domains_));
    out.push_back('.');
    out.append(pick(tlds_));
    const int parts = 1 + static_cast<int>(next() % 3);
    for (int i = 0; i < parts; ++i) {
      out.push_back('/');
      out.append(pick(words_));
    }
    if (next() % 2) {
      out.append("?id=");
      hex(out, 8);
    }
  }
  void version(std::string& out) {
    if (next() % 2) out.push_back('v');
    out.append(std::to_string(next() % 20) + "." + std::to_string(next() % 40) + "." + std::to_string(next() % 200));
    if (next() % 4 == 0) out.append("-rc" + std::to_string(1 + next() % 5));
  }
  void hex(std::string& out, int n) {
    static constexpr char digits[] = "0123456789abcdef";
    for (int i = 0; i < n; ++i) out.push_back(digits[next() % 16]);
  }
  void id(std::string& out) {
    switch (next() % 4) {
      case 0:
        hex(out, 8);
        out.push_back('-');
        hex(out, 4);
        out.push_back('-');
        hex(out, 4);
        break;
      case 1: out.append("ORD-" + std::to_string(100000 + next() % 900000)); break;
      case 2: out.append("#" + std::to_string(next() % 100000)); break;
      default: out.append("CVE-20" + std::to_string(10 + next() % 16) + "-" + std::to_string(1000 + next() % 50000));
    }
  }
  void number(std::string& out) {
    switch (next() % 4) {
      case 0: out.append(std::to_string(next() % 1000)); break;
      case 1: out.append(std::to_string(next() % 100000) + "." + std::to_string(next() % 100)); break;
      case 2: out.append("$" + std::to_string(next() % 5000) + "." + std::to_string(10 + next() % 90)); break;
      default: out.append(std::to_string(1 + next() % 12) + ":" + std::to_string(10 + next() % 50)); break;
    }
  }
  void typo(std::string& out) {
    std::string w(pick(words_));
    if (w.size() > 3) {
      const auto i = static_cast<std::size_t>(next() % (w.size() - 1));
      switch (next() % 3) {
        case 0: std::swap(w[i], w[i + 1]); break;
        case 1: w.erase(i, 1); break;
        default: w.insert(i, 1, static_cast<char>('a' + next() % 26));
      }
    }
    out.append(w);
  }

  std::uint64_t state_;
  static constexpr std::array<char, 6> punct_{',', ';', ':', ')', '!', '"'};
  // Word lists laid out by hand (clang-format would align them in columns).
  // clang-format off
  static constexpr std::array<std::string_view, 121> words_{
      "the", "of", "and", "to", "in", "is", "for", "that", "with", "on", "as", "it", "be", "this", "by", "are",
      "from", "or", "at", "an", "not", "can", "will", "you", "if", "package", "version", "file", "system", "use",
      "support", "new", "now", "default", "data", "server", "user", "should", "which", "all", "has", "been",
      "build", "changes", "configuration", "release", "available", "option", "library", "install", "running",
      "error", "when", "more", "time", "they", "there", "would", "about", "their", "could", "other", "into",
      "only", "some", "these", "after", "first", "also", "any", "where", "most", "such", "process", "request",
      "network", "service", "memory", "update", "security", "kernel", "driver", "module", "interface",
      "function", "command", "program", "source", "directory", "output", "input", "message", "account",
      "customer", "order", "payment", "invoice", "shipping", "address", "contact", "please", "thanks",
      "regards", "meeting", "tomorrow", "report", "issue", "ticket", "deadline", "project", "team",
      "manager", "review", "approved", "pending", "failed", "success", "warning", "debug", "token", "session"};
  static constexpr std::array<std::string_view, 40> first_{
      "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
      "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
      "Wei", "Fatima", "Hiroshi", "Olga", "Ahmed", "Priya", "Lars", "Ines", "Mateo", "Chloe", "Kwame", "Aiko",
      "Dmitri", "Lucia", "Omar", "Ana", "Sven", "Mei", "Raj", "Zoe"};
  static constexpr std::array<std::string_view, 40> last_{
      "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
      "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
      "Nguyen", "Kim", "Patel", "Ivanov", "Schmidt", "Rossi", "Tanaka", "Silva", "Dubois", "Kowalski", "Larsen",
      "Okafor", "Haddad", "Novak", "Costa", "Yilmaz", "Sato", "Ahmed", "Fischer", "Moreau"};
  static constexpr std::array<std::string_view, 16> domains_{
      "example", "mail", "corp", "acme", "globex", "initech", "umbrella", "hooli", "contoso", "fabrikam",
      "northwind", "tailspin", "wideworld", "adatum", "litware", "proseware"};
  static constexpr std::array<std::string_view, 8> tlds_{"com", "org", "net", "io", "de", "co.uk", "fr", "dev"};
  // clang-format on
};

}  // namespace lexzone::examples
