# Compiles and runs the one-file consumer with `pkg-config --cflags --libs lexzone` against an installed prefix.
# With -DMODULE=lexzone-regex: the regex consumer with `pkg-config --cflags --libs lexzone-regex`.
# cmake -DPKG_CONFIG=<pkg-config> -DPREFIX=<dir> -DVERSION=<x.y.z> -DCXX_COMPILER=<c++> -DSOURCE=<.cpp>
#       -DBINARY_DIR=<dir> [-DMODULE=lexzone-regex] -P pkg_config_consumer.cmake
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")

file(REMOVE_RECURSE "${BINARY_DIR}")
file(MAKE_DIRECTORY "${BINARY_DIR}")
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/share/pkgconfig")

pkg_run("pkg-config --modversion lexzone" "${PKG_CONFIG}" --modversion lexzone)
string(STRIP "${PKG_OUTPUT}" version)
if(NOT version STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config reports lexzone ${version}, expected ${VERSION}")
endif()

pkg_run("pkg-config --cflags lexzone" "${PKG_CONFIG}" --cflags lexzone)
string(STRIP "${PKG_OUTPUT}" cflags)
message(STATUS "pkg-config --cflags lexzone: ${cflags}")
separate_arguments(cflag_list UNIX_COMMAND "${cflags}")
# The first -I must be this prefix's include directory (lexzone.pc locates it from ${pcfiledir}).
list(GET cflag_list 0 first)
string(REGEX REPLACE "^-I" "" first_dir "${first}")
file(REAL_PATH "${first_dir}" first_dir)
file(REAL_PATH "${PREFIX}/include" prefix_include)
if(NOT first_dir STREQUAL prefix_include)
  message(FATAL_ERROR "lexzone.pc points at ${first_dir}, not at ${prefix_include}")
endif()

pkg_run("pkg-config --libs lexzone" "${PKG_CONFIG}" --libs lexzone)
string(STRIP "${PKG_OUTPUT}" libs)
if(libs MATCHES "xxhash")
  message(FATAL_ERROR "pkg-config --libs lexzone links xxHash (${libs}); it is used header-only")
endif()

if(MODULE STREQUAL "lexzone-regex")
  pkg_run("pkg-config --modversion lexzone-regex" "${PKG_CONFIG}" --modversion lexzone-regex)
  string(STRIP "${PKG_OUTPUT}" regex_version)
  if(NOT regex_version STREQUAL VERSION)
    message(FATAL_ERROR "pkg-config reports lexzone-regex ${regex_version}, expected ${VERSION}")
  endif()
  pkg_run("pkg-config --cflags lexzone-regex" "${PKG_CONFIG}" --cflags lexzone-regex)
  string(STRIP "${PKG_OUTPUT}" cflags)
  pkg_run("pkg-config --libs lexzone-regex" "${PKG_CONFIG}" --libs lexzone-regex)
  string(STRIP "${PKG_OUTPUT}" regex_libs)
  if(NOT regex_libs MATCHES "-lpcre2-8")
    message(FATAL_ERROR "pkg-config --libs lexzone-regex does not link PCRE2 (${regex_libs})")
  endif()
  message(STATUS "pkg-config --cflags --libs lexzone-regex: ${cflags} ${regex_libs}")
endif()

# The README's command line, in its order (the source before the libraries: Debian's g++ links with
# --as-needed, which drops a library named before the objects that use it):
#   c++ -std=c++20 main.cpp $(pkg-config --cflags --libs MODULE) -o app
if(NOT MODULE)
  set(MODULE lexzone)
endif()
pkg_run("pkg-config --cflags --libs ${MODULE}" "${PKG_CONFIG}" --cflags --libs ${MODULE})
string(STRIP "${PKG_OUTPUT}" flags)
separate_arguments(flag_list UNIX_COMMAND "${flags}")
pkg_run("compiling with the pkg-config flags" "${CXX_COMPILER}" -std=c++20 "${SOURCE}" ${flag_list}
        -o "${BINARY_DIR}/consumer")
pkg_run("running the consumer" "${BINARY_DIR}/consumer")
message(STATUS "${PKG_OUTPUT}")
