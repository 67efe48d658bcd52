#!/usr/bin/env python3
"""Offline checks of the Conan recipe and the vcpkg port (neither tool is available offline).

usage: check_recipes.py SOURCE_DIR VERSION WORK_DIR CMAKE GENERATOR CXX_COMPILER

Conan: conanfile.py runs against a stub of the Conan 2 API, in the order `conan create` calls it:
export (the exports_sources patterns copied to WORK_DIR/export), set_version, requirements, validate,
package_id, layout, generate, build and package (the stub's CMake helper runs the real CMake configure and
install, with the recipe's cache variables, into WORK_DIR/package), package_info. Not covered: Conan
itself (dependency resolution, CMakeDeps/CMakeToolchain files, the ConanCenter packages).
test_package/conanfile.py: its methods run against the stub (its CMake project is built by the CTest test
package.conan_test_package against a CMake-installed prefix).
vcpkg: vcpkg.json (name, version, dependencies), the calls in portfile.cmake and the usage file.
"""
import collections
import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import types

SOURCE_DIR, VERSION, WORK_DIR, CMAKE_EXE, GENERATOR, CXX_COMPILER = sys.argv[1:7]
failures = []
log = []


def check(ok, what):
    if not ok:
        failures.append(what)


# ---- A stub of the parts of the Conan 2 API the recipes use --------------------------------------------
class ConanFile:
    name = None
    version = None
    tested_reference_str = None

    def requires(self, ref, **traits):
        log.append(("requires", ref, traits))

    def run(self, command, env=None):
        log.append(("run", command, env))


class Info:
    def __init__(self):
        self.cleared = False

    def clear(self):
        self.cleared = True


class CppInfo:
    def __init__(self):
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]
        self.properties = {}
        self.requires = []
        self.components = collections.defaultdict(CppInfo)

    def set_property(self, name, value):
        self.properties[name] = value


class Build:
    bindir = "build/Release"


class Cpp:
    build = Build()


def check_min_cppstd(conanfile, cppstd, gnu_extensions=False):
    log.append(("check_min_cppstd", str(cppstd)))


def can_run(conanfile):
    return True


def cmake_layout(conanfile, **kwargs):
    log.append(("cmake_layout",))


class CMakeToolchain:
    def __init__(self, conanfile):
        self.conanfile = conanfile
        self.cache_variables = {}

    def generate(self):
        self.conanfile.stub_cache_variables = dict(self.cache_variables)
        log.append(("toolchain",))


class CMakeDeps:
    def __init__(self, conanfile):
        pass

    def generate(self):
        log.append(("cmakedeps",))


def execute(what, command):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"{what} failed ({result.returncode}): {' '.join(command)}\n{result.stdout}")


class CMake:
    """Runs real CMake for the recipe under test (stub_execute), records the calls otherwise."""

    def __init__(self, conanfile):
        self.conanfile = conanfile

    def configure(self):
        log.append(("configure",))
        cf = self.conanfile
        if getattr(cf, "stub_execute", False):
            defines = [f"-D{k}={'ON' if v is True else 'OFF' if v is False else v}"
                       for k, v in cf.stub_cache_variables.items()]
            shutil.rmtree(cf.build_folder, ignore_errors=True)
            execute("cmake configure", [CMAKE_EXE, "-S", cf.source_folder, "-B", cf.build_folder, "-G", GENERATOR,
                                        f"-DCMAKE_CXX_COMPILER={CXX_COMPILER}", "-DCMAKE_BUILD_TYPE=Release"] + defines)

    def build(self):
        log.append(("build",))

    def install(self):
        log.append(("install",))
        cf = self.conanfile
        if getattr(cf, "stub_execute", False):
            execute("cmake --install", [CMAKE_EXE, "--install", cf.build_folder, "--prefix", cf.package_folder])


def files_in(folder):
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in files:
            yield os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "/")


def copy(conanfile, pattern, src, dst, **kwargs):
    copied = []
    for rel in files_in(src):
        if fnmatch.fnmatch(rel, pattern):
            os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
            shutil.copy2(os.path.join(src, rel), os.path.join(dst, rel))
            copied.append(rel)
    return copied


def load(conanfile, path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rmdir(conanfile, path):
    shutil.rmtree(path, ignore_errors=True)


def install_stub():
    modules = {
        "conan": {"ConanFile": ConanFile},
        "conan.tools": {},
        "conan.tools.build": {"check_min_cppstd": check_min_cppstd, "can_run": can_run},
        "conan.tools.cmake": {"CMake": CMake, "CMakeDeps": CMakeDeps, "CMakeToolchain": CMakeToolchain,
                              "cmake_layout": cmake_layout},
        "conan.tools.files": {"copy": copy, "load": load, "rmdir": rmdir},
    }
    for name, attrs in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module


def load_recipe(path):
    spec = importlib.util.spec_from_file_location(f"recipe_{len(log)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    classes = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, ConanFile) and c is not ConanFile]
    check(len(classes) == 1, f"{path}: one ConanFile class")
    return classes[0]()


def calls(kind):
    return [entry[1:] for entry in log if entry[0] == kind]


# ---- conanfile.py ----------------------------------------------------------------------------------------
install_stub()
recipe = load_recipe(os.path.join(SOURCE_DIR, "conanfile.py"))
check(recipe.name == "lexzone", "name is lexzone")
check(recipe.options == {"with_regex": [True, False]} and recipe.default_options == {"with_regex": False},
      "option with_regex (default False)")
recipe.options = types.SimpleNamespace(**recipe.default_options)  # Conan's view of the options
recipe.settings = types.SimpleNamespace(os="Linux")  # and of the settings
check(recipe.package_type == "header-library", 'package_type is "header-library"')

export = os.path.join(WORK_DIR, "export")
shutil.rmtree(WORK_DIR, ignore_errors=True)
for pattern in recipe.exports_sources:
    check(copy(recipe, pattern, SOURCE_DIR, export), f"exports_sources pattern {pattern} matches files")

recipe.recipe_folder = SOURCE_DIR
recipe.set_version()
check(recipe.version == VERSION, f"set_version gives {VERSION} (got {recipe.version})")

recipe.requirements()
check([c[0] for c in calls("requires")] == ["tsl-robin-map/1.2.1", "xxhash/0.8.2"],
      f"requires tsl-robin-map/1.2.1 and xxhash/0.8.2 (got {calls('requires')})")

recipe.validate()
check(calls("check_min_cppstd") == [("20",)], "validate() calls check_min_cppstd(self, 20)")

recipe.info = Info()
recipe.package_id()
check(recipe.info.cleared, "package_id() clears the info (header-only: one package id)")

recipe.source_folder = export
recipe.build_folder = os.path.join(WORK_DIR, "build")
recipe.package_folder = os.path.join(WORK_DIR, "package")
recipe.stub_execute = True
recipe.layout()
recipe.generate()
for option in ("LEXZONE_BUILD_TESTS", "LEXZONE_BUILD_BENCH", "LEXZONE_BUILD_EXAMPLES"):
    check(recipe.stub_cache_variables.get(option) is False, f"generate() sets {option} off")
recipe.build()
recipe.package()
package = sorted(files_in(recipe.package_folder))
check("include/lexzone/string_store.hpp" in package, "the package holds the headers")
check("licenses/LICENSE" in package, "the package holds licenses/LICENSE")
check(all(p.startswith(("include/", "licenses/")) for p in package),
      f"the package holds include/ and licenses/ only (got {[p for p in package if not p.startswith(('include/', 'licenses/'))]})")
check(sorted(files_in(os.path.join(SOURCE_DIR, "include"))) ==
      sorted(p[len("include/"):] for p in package if p.startswith("include/")),
      "the package holds every header of include/")

recipe.cpp_info = CppInfo()
recipe.package_info()
props = recipe.cpp_info.properties
check(props.get("cmake_file_name") == "lexzone", 'cmake_file_name "lexzone"')
check(props.get("cmake_target_name") == "lexzone::lexzone", 'cmake_target_name "lexzone::lexzone"')
check(recipe.cpp_info.bindirs == [] and recipe.cpp_info.libdirs == [], "no bindirs/libdirs (header-only)")

# ---- conanfile.py with with_regex=True ---------------------------------------------------------------------
del log[:]
regex_recipe = load_recipe(os.path.join(SOURCE_DIR, "conanfile.py"))
regex_recipe.options = types.SimpleNamespace(with_regex=True)
regex_recipe.settings = types.SimpleNamespace(os="Linux")
regex_recipe.recipe_folder = SOURCE_DIR
regex_recipe.set_version()
regex_recipe.requirements()
check([c[0] for c in calls("requires")] == ["tsl-robin-map/1.2.1", "xxhash/0.8.2", "pcre2/10.42"],
      f"with_regex: requires pcre2/10.42 too (got {calls('requires')})")
regex_recipe.source_folder = export
regex_recipe.build_folder = os.path.join(WORK_DIR, "build-regex")
regex_recipe.package_folder = os.path.join(WORK_DIR, "package-regex")
regex_recipe.stub_execute = True
regex_recipe.layout()
regex_recipe.generate()
check(regex_recipe.stub_cache_variables.get("LEXZONE_REGEX") == "ON", "with_regex: generate() sets LEXZONE_REGEX=ON")
check(recipe.stub_cache_variables.get("LEXZONE_REGEX") == "OFF", "default: generate() sets LEXZONE_REGEX=OFF")
regex_recipe.build()
regex_recipe.package()
check(sorted(files_in(regex_recipe.package_folder)) == package, "with_regex: the same files are packaged")
regex_recipe.cpp_info = CppInfo()
regex_recipe.package_info()
comps = regex_recipe.cpp_info.components
check(comps["regex"].properties.get("cmake_target_name") == "lexzone::regex", "with_regex: component lexzone::regex")
check(comps["regex"].requires == ["core", "pcre2::pcre2-8"], "with_regex: lexzone::regex requires core and pcre2-8")
check(sorted(comps["core"].requires) == ["tsl-robin-map::tsl-robin-map", "xxhash::xxhash"],
      "with_regex: the core component requires robin-map and xxhash")
check(comps["core"].properties.get("cmake_target_name") == "lexzone::lexzone"
      and comps["core"].properties.get("pkg_config_name") == "lexzone",
      "with_regex: the core component is lexzone::lexzone and lexzone.pc, as in the CMake install")
check(regex_recipe.cpp_info.properties.get("cmake_target_name") not in ("lexzone::lexzone", "lexzone::regex")
      and regex_recipe.cpp_info.properties.get("pkg_config_name") not in ("lexzone", "lexzone-regex"),
      "with_regex: the package's aggregate target and .pc take no name of a component")
check(comps["core"].system_libs == ["pthread"] and regex_recipe.cpp_info.components["regex"].requires[0] == "core",
      "with_regex: the core links pthread on Linux (parallel_pipe's threads)")
check(not recipe.cpp_info.components, "default: no components")
check(recipe.cpp_info.properties.get("cmake_target_name") == "lexzone::lexzone"
      and recipe.cpp_info.system_libs == ["pthread"], "default: lexzone::lexzone, linking pthread on Linux")

# ---- test_package/conanfile.py ---------------------------------------------------------------------------
del log[:]
test = load_recipe(os.path.join(SOURCE_DIR, "test_package", "conanfile.py"))
test.tested_reference_str = f"lexzone/{VERSION}"
test.cpp = Cpp()
test.requirements()
test.layout()
test.build()
test.test()
check([c[0] for c in calls("requires")] == [f"lexzone/{VERSION}"], "test_package requires the tested reference")
check(calls("configure") and calls("build"), "test_package builds its CMake project")
check(len(calls("run")) == 1 and calls("run")[0][0].endswith("test_package"), "test_package runs test_package")
for f in ("CMakeLists.txt", "test_package.cpp"):
    check(os.path.isfile(os.path.join(SOURCE_DIR, "test_package", f)), f"test_package/{f} exists")

# ---- vcpkg port ------------------------------------------------------------------------------------------
port = os.path.join(SOURCE_DIR, "packaging", "vcpkg", "ports", "lexzone")
with open(os.path.join(port, "vcpkg.json"), encoding="utf-8") as f:
    manifest = json.load(f)
check(manifest.get("name") == "lexzone", "vcpkg.json: name lexzone")
check(manifest.get("version") == VERSION, f"vcpkg.json: version {VERSION} (got {manifest.get('version')})")
deps = manifest.get("dependencies", [])
plain = [d for d in deps if isinstance(d, str)]
host = [d["name"] for d in deps if isinstance(d, dict) and d.get("host")]
check(sorted(plain) == ["robin-map", "xxhash"], f"vcpkg.json: depends on robin-map and xxhash (got {plain})")
check(sorted(host) == ["vcpkg-cmake", "vcpkg-cmake-config"], "vcpkg.json: host tools vcpkg-cmake(-config)")
portfile = load(None, os.path.join(port, "portfile.cmake"))
for needle in ("vcpkg_cmake_configure(", "vcpkg_cmake_install()",
               "vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/lexzone)", "vcpkg_install_copyright(",
               "-DLEXZONE_BUILD_TESTS=OFF", "-DLEXZONE_BUILD_BENCH=OFF", "-DLEXZONE_BUILD_EXAMPLES=OFF"):
    check(needle in portfile, f"portfile.cmake has {needle}")
features = manifest.get("features", {})
check(list(features) == ["regex"] and features["regex"].get("dependencies") == ["pcre2"],
      f"vcpkg.json: feature regex depending on pcre2 (got {features})")
check("vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS FEATURES regex LEXZONE_REGEX)" in portfile
      and "${FEATURE_OPTIONS}" in portfile, "portfile.cmake maps the feature regex to LEXZONE_REGEX")
usage = load(None, os.path.join(port, "usage"))
check("find_package(lexzone CONFIG REQUIRED)" in usage and "lexzone::lexzone" in usage, "usage shows find_package")
check("COMPONENTS regex" in usage and "lexzone::regex" in usage, "usage shows the regex component")

if failures:
    sys.exit("recipe checks failed:\n  " + "\n  ".join(failures))
print("conanfile.py, test_package/conanfile.py and the vcpkg port: all checks passed")
