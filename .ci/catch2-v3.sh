#!/usr/bin/env bash
# Fetches Catch2 v3 (Debian's libcatch2-dev from bookworm-backports, the major version vcpkg and Conan users
# build the tests with) into PREFIX, unpacked and not installed: the system keeps bookworm's Catch2 v2.13,
# which the other stages use. Prints the directory of its CMake package, for -DCatch2_DIR.
# Usage: .ci/catch2-v3.sh PREFIX
set -euo pipefail
prefix=${1:?usage: .ci/catch2-v3.sh PREFIX}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$prefix"
echo "deb http://deb.debian.org/debian bookworm-backports main" >"$work/sources.list"
# A private package list: the machine's apt sources and state are left as they are.
apt_options=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
apt-get "${apt_options[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_options[@]}" download -qq libcatch2-dev >&2)
dpkg-deb -x "$work"/libcatch2-dev_*.deb "$prefix"
dir="$prefix/usr/lib/cmake/Catch2"
version=$(sed -n 's/^set(PACKAGE_VERSION "\([0-9.]*\)").*/\1/p' "$dir/Catch2ConfigVersion.cmake")
case "$version" in
  3.*) echo "catch2-v3.sh: Catch2 $version in $prefix" >&2 ;;
  *) echo "catch2-v3.sh: expected Catch2 3.x from bookworm-backports, got '$version'" >&2; exit 1 ;;
esac
echo "$dir"
