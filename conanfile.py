"""Conan 2 recipe of lexzone, a header-only C++20 library.

    conan create . --build=missing -s compiler.cppstd=20

Conan is not available offline: tests/package (ctest -R package) parses this file, runs its methods
against a stub of the Conan API (with real CMake configure/install steps), and builds test_package/
against a CMake-installed prefix.
"""
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0"


class LexzoneConan(ConanFile):
    name = "lexzone"
    description = "Zone-scoped vocabularies for long-running NLP services"
    license = "MIT"
    url = "https://github.com/OWNER/lexzone"  # placeholder: lexzone's repository
    topics = ("nlp", "string-interning", "memory-zone", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    # with_regex: the regex layer (include/lexzone/regex/, Python re semantics on PCRE2) and its target
    # lexzone::regex; requires pcre2. The headers are always packaged; only the dependency is optional.
    options = {"with_regex": [True, False]}
    default_options = {"with_regex": False}
    exports_sources = "CMakeLists.txt", "LICENSE", "cmake/*", "include/*"
    no_copy_source = True

    def set_version(self):
        # The version has one home: project(lexzone VERSION ...) in CMakeLists.txt.
        if not self.version:
            cmakelists = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
            self.version = re.search(r"project\(lexzone\s+VERSION\s+([0-9.]+)", cmakelists).group(1)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # lexzone's public headers include both (xxHash header-only, with XXH_INLINE_ALL).
        self.requires("tsl-robin-map/1.2.1", transitive_headers=True)
        self.requires("xxhash/0.8.2", transitive_headers=True)
        if self.options.with_regex:
            self.requires("pcre2/10.42", transitive_headers=True, transitive_libs=True)

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["LEXZONE_BUILD_TESTS"] = False
        tc.cache_variables["LEXZONE_BUILD_BENCH"] = False
        tc.cache_variables["LEXZONE_BUILD_EXAMPLES"] = False
        tc.cache_variables["LEXZONE_BUILD_FUZZERS"] = False
        tc.cache_variables["LEXZONE_WERROR"] = False
        tc.cache_variables["LEXZONE_INSTALL"] = True
        tc.cache_variables["LEXZONE_REGEX"] = "ON" if self.options.with_regex else "OFF"
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        # Nothing to compile: configuring generates the install rules that package() runs.
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Consumers get the CMake config and the .pc that Conan generates from package_info().
        rmdir(self, os.path.join(self.package_folder, "share"))

    def package_info(self):
        # The same targets and .pc names as the CMake install: lexzone::lexzone (lexzone.pc) is the core
        # alone; with_regex adds lexzone::regex (lexzone-regex.pc: the core and PCRE2). parallel_pipe
        # runs threads: pthread on the systems that have it apart from libc.
        threads = ["pthread"] if str(self.settings.os) in ("Linux", "FreeBSD") else []
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "lexzone")
        if not self.options.with_regex:
            self.cpp_info.set_property("cmake_target_name", "lexzone::lexzone")
            self.cpp_info.set_property("pkg_config_name", "lexzone")
            self.cpp_info.system_libs = threads
            return
        # With components, the package's own target and .pc bring every component: given names that the
        # CMake install does not use, so that lexzone::lexzone and lexzone.pc stay the core's.
        self.cpp_info.set_property("cmake_target_name", "lexzone::lexzone_all")
        self.cpp_info.set_property("pkg_config_name", "lexzone-all")
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "lexzone::lexzone")
        core.set_property("pkg_config_name", "lexzone")
        core.requires = ["tsl-robin-map::tsl-robin-map", "xxhash::xxhash"]
        core.system_libs = threads
        core.bindirs = []
        core.libdirs = []
        regex = self.cpp_info.components["regex"]
        regex.set_property("cmake_target_name", "lexzone::regex")
        regex.set_property("pkg_config_name", "lexzone-regex")
        regex.requires = ["core", "pcre2::pcre2-8"]
        regex.bindirs = []
        regex.libdirs = []
