# vcpkg port of lexzone: header-only (headers, CMake package, lexzone.pc).
#
# Source: the lexzone checkout this port lives in (overlay port: packaging/vcpkg/ports/lexzone, four
# levels below the tree; vcpkg does not track changes to it, so reinstall with --no-binarycaching after
# editing). Outside a checkout (a registry), the GitHub archive below is used.
get_filename_component(LEXZONE_LOCAL_TREE "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(EXISTS "${LEXZONE_LOCAL_TREE}/include/lexzone/string_store.hpp")
  set(SOURCE_PATH "${LEXZONE_LOCAL_TREE}")
else()
  # PLACEHOLDER: set REPO to lexzone's GitHub repository and SHA512 to the archive's hash when
  # publishing (vcpkg prints the right hash on the first attempt with SHA512 0).
  vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO OWNER/lexzone
    REF "v${VERSION}"
    SHA512 0
    HEAD_REF main
  )
endif()

set(VCPKG_BUILD_TYPE release)  # header-only: one configuration is enough

# Feature "regex" (depends on pcre2): -DLEXZONE_REGEX=ON, else OFF (no lexzone::regex).
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS FEATURES regex LEXZONE_REGEX)

# tests/package runs these options by hand (CTest test package.vcpkg_port_install): keep one per line.
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DLEXZONE_BUILD_TESTS=OFF
    -DLEXZONE_BUILD_BENCH=OFF
    -DLEXZONE_BUILD_EXAMPLES=OFF
    -DLEXZONE_BUILD_FUZZERS=OFF
    -DLEXZONE_WERROR=OFF
    -DLEXZONE_INSTALL=ON
    ${FEATURE_OPTIONS}
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/lexzone)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
