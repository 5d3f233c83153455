#!/usr/bin/env bash
# Coordinator benchmark: netmap building for 10,000 nodes, 50 tags and 1,000 grants, the
# incremental builder beside a naive full recompute, in one run (bench/coordinator).
# Prints the machine, its load, and one table of wall and CPU times.
# Usage: bench/coordinator.sh [NODES] [GRANTS] [SAMPLES]
# COORDINATOR_BENCH_SCRATCH sets the SwiftPM scratch path (default .build-bench-coordinator),
# for running beside other builds in the same checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${COORDINATOR_BENCH_SCRATCH:-.build-bench-coordinator}"
swift build -c release --package-path bench/coordinator --scratch-path "$scratch" >/dev/null
bin=$(swift build -c release --package-path bench/coordinator --scratch-path "$scratch" --show-bin-path)
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
"$bin/CoordinatorBench" "$@"
