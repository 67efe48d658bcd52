// The "program" half of the cross-switches link test, built checked: it hands a string_store to
// cross_lib.inc's function.
// Built with the same switches as the library, it links and runs; built checked against an unchecked
// library, it must not link (the function's parameter is another type there), where it used to link and
// read the store with the other layout.
#undef LEXZONE_CHECKED
#define LEXZONE_CHECKED 1
#include <lexzone/string_store.hpp>

#include <cstdio>
#include <string_view>

lexzone::hash_t lexzone_abi_add(lexzone::string_store& s, std::string_view text);

int main() {
  lexzone::string_store s;
  const lexzone::hash_t h = lexzone_abi_add(s, "hello");
  const bool ok = s.contains(h) && s[h] == "hello";
  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
