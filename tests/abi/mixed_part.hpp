// The two parts of the mixed-switches program (see mixed_part.cpp).
#pragma once

#include <cstddef>
#include <string>

namespace lexzone_abi_test {

struct part_result {
  std::size_t tokens = 0;
  std::size_t entities = 0;
  bool sizes_restored = false;
  std::string abi_name;  // typeid(lexzone::en::vocab).name() in that part
};

part_result run_checked();
part_result run_unchecked_small_cache();

}  // namespace lexzone_abi_test
