#!/usr/bin/env bash
# Installs the Debian bookworm packages lexzone's build, tests, benchmarks and examples need.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
# libboost1.81-dev: Boost.Beast and Boost.Asio (header-only) for examples/ner_service.
# python3: the service tests, the package checks and bench/ scripts.
# python3-yaml: tests/service/deploy_test.py reads the Kubernetes manifests of deploy/k8s.
# valgrind: bench/instructions.sh counts instructions with callgrind (#13's exact A/B figures); the test
# bench.instructions_smoke exists only where it is installed, so without it CI never ran that script.
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  cmake make g++ clang-14 libclang-rt-14-dev clang-tidy-14 clang-format-14 \
  libxxhash-dev robin-map-dev catch2 libbenchmark-dev \
  libboost1.81-dev nlohmann-json3-dev doxygen libpcre2-dev zlib1g-dev pkg-config ca-certificates python3 python3-yaml valgrind >/dev/null
echo "lexzone: dependencies installed"
