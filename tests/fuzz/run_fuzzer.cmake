# Runs one libFuzzer target for its CTest test fuzz.NAME (see CMakeLists.txt here).
# Input variables: FUZZER (executable), NAME, CORPUS (seed inputs), REGRESSIONS (past crash inputs),
# WORK (scratch directory, recreated), SECONDS (fuzzing time); optional: DICT (a libFuzzer dictionary,
# used when the file exists), SEED (libFuzzer's -seed; 0 or unset: a random one).
foreach(var FUZZER NAME CORPUS REGRESSIONS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${REGRESSIONS}")
  message(FATAL_ERROR "run_fuzzer.cmake: ${REGRESSIONS} is missing (it may be empty but for .gitkeep)")
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(COPY "${CORPUS}/" DESTINATION "${WORK}/corpus")

# UBSan reports abort (-fno-sanitize-recover=all) with a stack trace; libFuzzer turns every report, a
# model mismatch (abort), a leak, a timeout (-timeout) or the RSS limit into a non-zero exit.
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1")
set(dict_option)
if(DEFINED DICT AND EXISTS "${DICT}")
  set(dict_option "-dict=${DICT}")
endif()
if(NOT DEFINED SEED OR SEED STREQUAL "")
  set(SEED 0)
endif()
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -seed=${SEED} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${dict_option}
          "-artifact_prefix=${WORK}/artifacts/" "${WORK}/corpus" "${REGRESSIONS}"
  WORKING_DIRECTORY "${WORK}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found "${WORK}/artifacts/*")
  message(FATAL_ERROR "fuzz_${NAME} failed (exit ${rc}). Input(s): ${found}\n"
                      "Reproduce: ${FUZZER} <input>; minimise it and keep it as a regression input: "
                      "see tests/fuzz/README.md.")
endif()
