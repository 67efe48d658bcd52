// The checked part of the mixed-switches program (see mixed_part.inc).
#undef LEXZONE_CHECKED
#define LEXZONE_CHECKED 1
#define LEXZONE_ABI_TEST_PART run_checked
#include "abi/mixed_part.inc"
