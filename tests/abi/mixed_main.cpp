// Two parts built with different lexzone switches (LEXZONE_CHECKED, LEXZONE_ATTRIBUTE_CACHE_BITS) in one
// program: each must work as if alone, and their lexzone types must be distinct (their ABI namespaces).
#include <cstdio>
#include <string>

#include "abi/mixed_part.hpp"

int main() {
  using namespace lexzone_abi_test;
  const part_result a = run_checked();
  const part_result b = run_unchecked_small_cache();
  std::printf("checked:   %zu tokens, %zu entities, sizes restored %d, %s\n", a.tokens, a.entities,
              a.sizes_restored ? 1 : 0, a.abi_name.c_str());
  std::printf("unchecked: %zu tokens, %zu entities, sizes restored %d, %s\n", b.tokens, b.entities,
              b.sizes_restored ? 1 : 0, b.abi_name.c_str());
  const bool ok = a.tokens == 500 * 11 && a.entities == 500 * 2 && a.tokens == b.tokens && a.entities == b.entities &&
                  a.sizes_restored && b.sizes_restored && a.abi_name != b.abi_name &&
                  a.abi_name.find("v0_1_checked") != std::string::npos &&
                  b.abi_name.find("v0_1_a12_n16") != std::string::npos;
  std::puts(ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
