// The cross-switches library built checked (see cross_lib.inc).
#undef LEXZONE_CHECKED
#define LEXZONE_CHECKED 1
#include "abi/cross_lib.inc"
