# Checks an installed prefix: the layout (every header of include/lexzone, the CMake package, lexzone.pc,
# nothing compiled) and that no installed file names the prefix, the build tree or the source tree.
# cmake -DSOURCE_DIR=<lexzone> -DPREFIX=<dir> -DFORBIDDEN=<path>|<path>... -P check_install.cmake
set(errors "")

set(expected
  share/cmake/lexzone/lexzoneConfig.cmake share/cmake/lexzone/lexzoneConfigVersion.cmake
  share/cmake/lexzone/lexzoneTargets.cmake share/cmake/lexzone/lexzone_find_xxhash.cmake
  share/pkgconfig/lexzone.pc)
if(REGEX)  # installed with the regex component (PCRE2 found)
  list(APPEND expected share/cmake/lexzone/lexzoneRegexTargets.cmake share/cmake/lexzone/lexzone_find_pcre2.cmake
       share/pkgconfig/lexzone-regex.pc)
endif()
file(GLOB_RECURSE headers RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/lexzone/*")
foreach(header IN LISTS headers)
  list(APPEND expected "include/${header}")
endforeach()
foreach(file IN LISTS expected)
  if(NOT EXISTS "${PREFIX}/${file}")
    string(APPEND errors "  missing: ${file}\n")
  endif()
endforeach()

file(GLOB top RELATIVE "${PREFIX}" "${PREFIX}/*")
list(REMOVE_ITEM top include share)
if(top)
  string(APPEND errors "  unexpected top-level entries (a header-only install has include/ and share/): ${top}\n")
endif()

string(REPLACE "|" ";" forbidden "${FORBIDDEN}")
file(GLOB_RECURSE installed "${PREFIX}/*")
foreach(file IN LISTS installed)
  file(READ "${file}" text)
  foreach(path IN LISTS forbidden)
    string(FIND "${text}" "${path}" at)
    if(NOT at EQUAL -1)
      string(APPEND errors "  ${file} contains the absolute path ${path}\n")
    endif()
  endforeach()
endforeach()

if(errors)
  message(FATAL_ERROR "installed prefix ${PREFIX} is wrong:\n${errors}")
endif()
list(LENGTH installed n)
message(STATUS "${n} installed files checked, no absolute path of the install, build or source tree")
