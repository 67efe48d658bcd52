// Tests of lexzone/lang/char_classes.hpp: spaCy 3.8's character classes (explicit code point lists, not
// Unicode categories), spot-checked against the classes of spaCy 3.8.2's serialized English tokenizer.
#include "lexzone/lang/char_classes.hpp"
#include "lexzone/unicode/properties.hpp"
#include "support/catch.hpp"

namespace char_classes_test {

namespace chars = lexzone::lang::chars;

TEST_CASE("ALPHA, ALPHA_LOWER and ALPHA_UPPER are spaCy's lists, not Unicode's letters", "[char_classes]") {
  CHECK(chars::is_alpha(U'a'));
  CHECK(chars::is_alpha(0x00E9));  // é
  CHECK(chars::is_alpha(0x1200));  // Ethiopic: an "uncased" script, in all three classes
  CHECK(chars::is_alpha_lower(0x1200));
  CHECK(chars::is_alpha_upper(0x1200));
  CHECK(chars::is_alpha_lower(0x30AB));        // Katakana カ
  CHECK(chars::is_alpha_lower(0x3042));        // Hiragana あ
  CHECK_FALSE(chars::is_alpha_lower(0x10D0));  // Georgian ა: a letter to Unicode, not to spaCy
  CHECK(lexzone::unicode::is_alpha(0x10D0));
  CHECK(chars::is_alpha(0x00FF));        // ÿ
  CHECK_FALSE(chars::is_alpha(0x00F7));  // ÷
  CHECK(chars::is_alpha_upper(U'Q'));
  CHECK_FALSE(chars::is_alpha_upper(U'q'));
  CHECK(chars::is_alpha_lower(0x00DF));  // ß
  CHECK_FALSE(chars::is_alpha_upper(0x00DF));
  CHECK_FALSE(chars::is_alpha(0xDC80));  // an escaped invalid byte is in no class
}

TEST_CASE("ICONS, QUOTES, PUNCT, HYPHENS and CURRENCY", "[char_classes]") {
  CHECK(chars::is_icon(0x00B0));   // °
  CHECK(chars::is_icon(0x1F600));  // 😀
  CHECK_FALSE(chars::is_icon(U'a'));
  CHECK(chars::is_quote(U'`'));
  CHECK(chars::is_quote(U','));
  CHECK(chars::is_quote(0x300C));        // 「
  CHECK(chars::is_quote(0x27E6));        // ⟦
  CHECK_FALSE(chars::is_quote(0x201B));  // ‛ is not in spaCy's QUOTES
  CHECK(chars::is_punct(0x2026));        // …
  CHECK(chars::is_punct(U'&'));
  CHECK_FALSE(chars::is_punct(U'.'));  // '.' is no PUNCT member (ELLIPSES and the rules handle it)
  CHECK(chars::is_hyphen(0x2014));
  CHECK(chars::is_currency(0x20BF));  // ₿
  CHECK(chars::is_currency(U'$'));
  CHECK_FALSE(chars::is_currency(0x20C0));
  CHECK(chars::is_ellipsis(0x2026));
}

}  // namespace char_classes_test
