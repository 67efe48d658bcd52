// The unchecked part of the mixed-switches program, with a 4,096-entry attribute cache (see mixed_part.inc).
#undef LEXZONE_CHECKED
#define LEXZONE_CHECKED 0
#define LEXZONE_ATTRIBUTE_CACHE_BITS 12
#define LEXZONE_ABI_TEST_PART run_unchecked_small_cache
#include "abi/mixed_part.inc"
