#!/usr/bin/env bash
# The test command: installs what is missing, builds everything (tests included) and runs
# the whole test suite. Usage: scripts/test.sh [swift test arguments, e.g. --filter NoiseTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
