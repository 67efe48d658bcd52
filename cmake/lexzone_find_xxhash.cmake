# Provides the target lexzone::xxhash: xxHash used header-only (XXH_INLINE_ALL).
# vcpkg and Conan ship a CMake config (xxHash::xxhash); Debian's libxxhash-dev ships only the header,
# so fall back to finding xxhash.h. Either way one target results, and the library is never linked:
# only the include directory is used.
# Installed next to lexzoneConfig.cmake, which includes it with LEXZONE_XXHASH_NO_FATAL set: then a
# missing xxHash leaves no target and sets LEXZONE_XXHASH_NOT_FOUND_MESSAGE instead of stopping.
if(TARGET lexzone::xxhash)
  return()
endif()

find_package(xxHash CONFIG QUIET)
if(xxHash_FOUND AND TARGET xxHash::xxhash)
  get_target_property(_lexzone_xxh_inc xxHash::xxhash INTERFACE_INCLUDE_DIRECTORIES)
else()
  find_path(_lexzone_xxh_inc NAMES xxhash.h)
  if(NOT _lexzone_xxh_inc)
    string(CONCAT LEXZONE_XXHASH_NOT_FOUND_MESSAGE
        "lexzone: xxHash not found. Install it (Debian: apt-get install libxxhash-dev; "
        "vcpkg: xxhash; Conan: xxhash) or set CMAKE_PREFIX_PATH to its prefix.")
    unset(_lexzone_xxh_inc CACHE)
    if(LEXZONE_XXHASH_NO_FATAL)  # set by lexzoneConfig.cmake: report through lexzone_NOT_FOUND_MESSAGE
      return()
    endif()
    message(FATAL_ERROR "${LEXZONE_XXHASH_NOT_FOUND_MESSAGE}")
  endif()
endif()
add_library(lexzone::xxhash INTERFACE IMPORTED)
set_target_properties(lexzone::xxhash PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_lexzone_xxh_inc}")
unset(_lexzone_xxh_inc)
unset(_lexzone_xxh_inc CACHE)
