# Shared by the package test scripts (run with cmake -P). Arguments come as -D variables; lists use "|"
# because CTest splits command arguments at ";".

# Runs a command; stops with its output if it fails. The output is left in PKG_OUTPUT.
function(pkg_run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  set(PKG_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

# Sets <out_var> to the arguments configuring <source> in <binary> with the generator and compiler of the
# main build (GENERATOR, MAKE_PROGRAM, CXX_COMPILER), CMAKE_PREFIX_PATH from PREFIX_PATH and the -D
# arguments from CACHE_ARGS. Wipes <binary> first: every run starts from a fresh cache.
function(pkg_configure_args out_var source binary)
  file(REMOVE_RECURSE "${binary}")
  file(MAKE_DIRECTORY "${binary}")
  set(args -S "${source}" -B "${binary}" -G "${GENERATOR}")
  if(MAKE_PROGRAM)
    list(APPEND args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(CXX_COMPILER)
    list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  endif()
  if(PREFIX_PATH)
    # Through an initial-cache file: a list cannot cross execute_process as one argument.
    string(REPLACE "|" ";" prefix_path "${PREFIX_PATH}")
    file(WRITE "${binary}/pkg-init.cmake" "set(CMAKE_PREFIX_PATH [==[${prefix_path}]==] CACHE STRING \"\")\n")
    list(APPEND args -C "${binary}/pkg-init.cmake")
  endif()
  if(CACHE_ARGS)
    string(REPLACE "|" ";" cache_args "${CACHE_ARGS}")
    list(APPEND args ${cache_args})
  endif()
  set(${out_var} "${args}" PARENT_SCOPE)
endfunction()

# Configures lexzone's source tree as vcpkg, Conan and users do for an install (tests, benchmarks and
# examples off; extra options from CACHE_ARGS), builds it and installs it into <prefix> (wiped first).
function(pkg_install_lexzone source binary prefix)
  file(REMOVE_RECURSE "${prefix}")
  pkg_configure_args(args "${source}" "${binary}")
  pkg_run("configuring lexzone" ${CMAKE_COMMAND} ${args} "-DCMAKE_INSTALL_PREFIX=${prefix}"
          -DLEXZONE_BUILD_TESTS=OFF -DLEXZONE_BUILD_BENCH=OFF -DLEXZONE_BUILD_EXAMPLES=OFF)
  pkg_run("building lexzone" ${CMAKE_COMMAND} --build "${binary}")
  pkg_run("installing lexzone" ${CMAKE_COMMAND} --install "${binary}")
  message(STATUS "lexzone installed in ${prefix}")
endfunction()
