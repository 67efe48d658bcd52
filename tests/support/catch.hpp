// One include for Catch2 v2 (Debian bookworm) and v3 (vcpkg, Conan).
#pragma once
#if defined(LEXZONE_CATCH3) || __has_include(<catch2/catch_all.hpp>)
#  include <catch2/catch_all.hpp>
#else
#  include <catch2/catch.hpp>
#endif
