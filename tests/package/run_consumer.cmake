# Configures, builds and runs a consumer project in a fresh build directory.
# cmake -DSOURCE_DIR=<project> -DBINARY_DIR=<dir> -DGENERATOR=... [-DMAKE_PROGRAM=...] [-DCXX_COMPILER=...]
#       [-DPREFIX_PATH=a|b] [-DCACHE_ARGS=-Dx=1|-Dy=2] [-DRUN=<executable, relative to BINARY_DIR>]
#       [-DEXPECT_OUTPUT=<regex the configure output must match>]
#       [-DEXPECT_CONFIGURE_FAILURE=<regex>: configuring must fail, with output matching it]
#       -P run_consumer.cmake
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")

pkg_configure_args(args "${SOURCE_DIR}" "${BINARY_DIR}")
if(DEFINED EXPECT_CONFIGURE_FAILURE)
  execute_process(COMMAND ${CMAKE_COMMAND} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(FATAL_ERROR "configuring ${SOURCE_DIR} succeeded but must fail:\n${out}")
  endif()
  if(NOT out MATCHES "${EXPECT_CONFIGURE_FAILURE}")
    message(FATAL_ERROR "configuring failed, but without the expected message (${EXPECT_CONFIGURE_FAILURE}):\n${out}")
  endif()
  message(STATUS "configuring failed as expected:\n${out}")
  return()
endif()

pkg_run("configuring ${SOURCE_DIR}" ${CMAKE_COMMAND} ${args})
message(STATUS "${PKG_OUTPUT}")
if(DEFINED EXPECT_OUTPUT AND NOT PKG_OUTPUT MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "the configure output does not match ${EXPECT_OUTPUT}")
endif()
pkg_run("building ${SOURCE_DIR}" ${CMAKE_COMMAND} --build "${BINARY_DIR}")
if(RUN)
  pkg_run("running ${RUN}" "${BINARY_DIR}/${RUN}")
  message(STATUS "${PKG_OUTPUT}")
endif()
