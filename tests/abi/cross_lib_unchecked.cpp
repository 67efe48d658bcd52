// The cross-switches library built unchecked (see cross_lib.inc).
#undef LEXZONE_CHECKED
#define LEXZONE_CHECKED 0
#include "abi/cross_lib.inc"
