# The vcpkg port's steps by hand (vcpkg is not available offline).
#  1. An emulated vcpkg "installed" tree with the port's dependencies as vcpkg lays them out:
#     include/ with tsl/ and xxhash.h, share/tsl-robin-map/ with target tsl::robin_map, and
#     share/xxhash/xxHashConfig.cmake with target xxHash::xxhash (the config that Debian lacks: this is
#     the only test of the xxHash::xxhash branch of lexzone_find_xxhash.cmake).
#  2. The OPTIONS of vcpkg_cmake_configure() read from portfile.cmake, and vcpkg_cmake_install()'s
#     release configure + install into an emulated packages/ directory.
#  3. Checks: the CONFIG_PATH given to vcpkg_cmake_config_fixup() holds lexzoneConfig.cmake, and
#     lexzone.pc names robin-map's include directory (outside the system directories here).
# Not emulated: vcpkg_cmake_config_fixup() itself (moves share/cmake/lexzone to share/lexzone and
# rewrites the prefix computation), vcpkg_fixup_pkgconfig(), the copyright and usage installs.
# The consumer test then builds tests/package/find_package against packages/ + installed/.
# cmake -DSOURCE_DIR=<lexzone> -DWORK=<dir> -DROBIN_MAP_INCLUDE_DIR=<dir> -DXXHASH_INCLUDE_DIR=<dir>
#       -DGENERATOR=... [-DMAKE_PROGRAM=...] [-DCXX_COMPILER=...] -P vcpkg_port_steps.cmake
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")

set(installed "${WORK}/installed")
set(packages "${WORK}/packages")
file(REMOVE_RECURSE "${installed}")

# 1. The dependencies.
file(COPY "${ROBIN_MAP_INCLUDE_DIR}/tsl" DESTINATION "${installed}/include")
file(COPY "${XXHASH_INCLUDE_DIR}/xxhash.h" DESTINATION "${installed}/include")
file(WRITE "${installed}/share/tsl-robin-map/tsl-robin-mapConfig.cmake" [=[
# Emulated vcpkg robin-map config (tests/package/vcpkg_port_steps.cmake).
get_filename_component(_rm_prefix "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(NOT TARGET tsl::robin_map)
  add_library(tsl::robin_map INTERFACE IMPORTED)
  set_target_properties(tsl::robin_map PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_rm_prefix}/include")
endif()
unset(_rm_prefix)
]=])
file(WRITE "${installed}/share/xxhash/xxHashConfig.cmake" [=[
# Emulated vcpkg xxhash config (tests/package/vcpkg_port_steps.cmake).
message(STATUS "emulated vcpkg xxHash config: ${CMAKE_CURRENT_LIST_FILE}")
get_filename_component(_xxh_prefix "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(NOT TARGET xxHash::xxhash)
  add_library(xxHash::xxhash INTERFACE IMPORTED)
  set_target_properties(xxHash::xxhash PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_xxh_prefix}/include")
endif()
unset(_xxh_prefix)
]=])

# 2. The port's configure options, one per line between OPTIONS and the closing parenthesis.
file(READ "${SOURCE_DIR}/packaging/vcpkg/ports/lexzone/portfile.cmake" portfile)
if(NOT portfile MATCHES "vcpkg_cmake_configure\\(([^)]*)\\)")
  message(FATAL_ERROR "portfile.cmake: no vcpkg_cmake_configure(...) call")
endif()
set(configure_call "${CMAKE_MATCH_1}")
if(NOT configure_call MATCHES "OPTIONS(.*)$")
  message(FATAL_ERROR "portfile.cmake: vcpkg_cmake_configure() has no OPTIONS")
endif()
string(REGEX MATCHALL "-D[^ \t\r\n]+" port_options "${CMAKE_MATCH_1}")
message(STATUS "portfile options: ${port_options}")
string(REPLACE ";" "|" CACHE_ARGS "${port_options};-DCMAKE_BUILD_TYPE=Release")
set(PREFIX_PATH "${installed}")
pkg_install_lexzone("${SOURCE_DIR}" "${WORK}/lexzone-build" "${packages}")

# 3. Checks.
if(NOT portfile MATCHES "vcpkg_cmake_config_fixup\\(CONFIG_PATH ([^ )]+)\\)")
  message(FATAL_ERROR "portfile.cmake: no vcpkg_cmake_config_fixup(CONFIG_PATH ...)")
endif()
if(NOT EXISTS "${packages}/${CMAKE_MATCH_1}/lexzoneConfig.cmake")
  message(FATAL_ERROR "vcpkg_cmake_config_fixup(CONFIG_PATH ${CMAKE_MATCH_1}): no lexzoneConfig.cmake there")
endif()
file(READ "${packages}/share/pkgconfig/lexzone.pc" pc)
string(FIND "${pc}" " -I${installed}/include" at)
if(at EQUAL -1)
  message(FATAL_ERROR "lexzone.pc does not name robin-map's include directory ${installed}/include:\n${pc}")
endif()
message(STATUS "port steps done: ${packages}")
