# Provides the target lexzone::pcre2: PCRE2's 8-bit library (libpcre2-8), for lexzone's regex layer.
# PCRE2's own CMake config (PCRE2::8BIT; shipped by vcpkg, Conan's CMakeDeps and PCRE2's CMake install) is
# tried first, then pkg-config's libpcre2-8 (Debian's libpcre2-dev ships no CMake config), then the header
# pcre2.h and the library pcre2-8 where CMake searches (no pkg-config tool). Setting
# CMAKE_DISABLE_FIND_PACKAGE_PCRE2 skips both.
# Installed next to lexzoneConfig.cmake, which includes it when the regex component is asked for or
# available. It never stops the configuration: without PCRE2 there is no target and
# LEXZONE_PCRE2_NOT_FOUND_MESSAGE says how to get it.
if(TARGET lexzone::pcre2)
  return()
endif()
unset(LEXZONE_PCRE2_NOT_FOUND_MESSAGE)

set(_lexzone_pcre2_target "")
if(NOT CMAKE_DISABLE_FIND_PACKAGE_PCRE2)
  find_package(PCRE2 CONFIG QUIET COMPONENTS 8BIT)
  if(PCRE2_FOUND AND TARGET PCRE2::8BIT)
    set(_lexzone_pcre2_target PCRE2::8BIT)
  else()
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(LEXZONE_PCRE2 QUIET IMPORTED_TARGET GLOBAL libpcre2-8)
      if(LEXZONE_PCRE2_FOUND)
        set(_lexzone_pcre2_target PkgConfig::LEXZONE_PCRE2)
      endif()
    endif()
    if(NOT _lexzone_pcre2_target)
      # No pkg-config tool (libpcre2-dev does not pull it in), or no .pc file: the header and the library.
      find_path(LEXZONE_PCRE2_INCLUDE_DIR pcre2.h)
      find_library(LEXZONE_PCRE2_LIBRARY NAMES pcre2-8)
      if(LEXZONE_PCRE2_INCLUDE_DIR AND LEXZONE_PCRE2_LIBRARY)
        add_library(lexzone::pcre2_library UNKNOWN IMPORTED)
        set_target_properties(lexzone::pcre2_library PROPERTIES IMPORTED_LOCATION "${LEXZONE_PCRE2_LIBRARY}"
                                                                INTERFACE_INCLUDE_DIRECTORIES "${LEXZONE_PCRE2_INCLUDE_DIR}")
        set(_lexzone_pcre2_target lexzone::pcre2_library)
      endif()
    endif()
  endif()
endif()

if(_lexzone_pcre2_target)
  add_library(lexzone::pcre2 INTERFACE IMPORTED)
  set_target_properties(lexzone::pcre2 PROPERTIES INTERFACE_LINK_LIBRARIES "${_lexzone_pcre2_target}")
else()
  string(CONCAT LEXZONE_PCRE2_NOT_FOUND_MESSAGE
      "lexzone: PCRE2 (libpcre2-8) not found; the regex component (lexzone::regex) needs it. Install it "
      "(Debian: apt-get install libpcre2-dev; vcpkg: lexzone[regex] or pcre2; Conan: lexzone/*:with_regex=True "
      "or pcre2) or set CMAKE_PREFIX_PATH to its prefix.")
endif()
unset(_lexzone_pcre2_target)
