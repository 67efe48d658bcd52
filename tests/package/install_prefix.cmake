# Fixture of the package tests: installs lexzone into PREFIX and copies the prefix to RELOCATED.
# cmake -DSOURCE_DIR=<lexzone> -DBINARY_DIR=<dir> -DPREFIX=<dir> -DRELOCATED=<dir>
#       -DGENERATOR=... [-DMAKE_PROGRAM=...] [-DCXX_COMPILER=...] -P install_prefix.cmake
include("${CMAKE_CURRENT_LIST_DIR}/helpers.cmake")

pkg_install_lexzone("${SOURCE_DIR}" "${BINARY_DIR}" "${PREFIX}")

# The relocated copy: the consumers built against it prove that the installed files find everything
# relative to their own location (check_install.cmake also scans them for absolute paths).
file(REMOVE_RECURSE "${RELOCATED}")
get_filename_component(relocated_parent "${RELOCATED}" DIRECTORY)
file(MAKE_DIRECTORY "${relocated_parent}")
file(COPY "${PREFIX}/" DESTINATION "${RELOCATED}")
message(STATUS "copied to ${RELOCATED}")
