#!/usr/bin/env bash
# Installs the Debian bookworm packages lexzone's build, tests, benchmarks and examples need.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  cmake make g++ clang-14 libclang-rt-14-dev clang-tidy-14 clang-format-14 \
  libxxhash-dev robin-map-dev catch2 libbenchmark-dev \
  libcpp-httplib-dev nlohmann-json3-dev doxygen libpcre2-dev zlib1g-dev pkg-config ca-certificates >/dev/null
echo "lexzone: dependencies installed"
