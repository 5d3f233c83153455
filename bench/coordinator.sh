#!/usr/bin/env bash
# Coordinator benchmark: netmap building for 10,000 nodes, 50 tags and 1,000 grants, the
# incremental builder beside a naive full recompute, in one run (bench/coordinator).
# Prints the machine and one table. Usage: bench/coordinator.sh [NODES] [GRANTS] [SAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --package-path bench/coordinator --scratch-path .build-bench-coordinator >/dev/null
bin=$(swift build -c release --package-path bench/coordinator --scratch-path .build-bench-coordinator --show-bin-path)
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
"$bin/CoordinatorBench" "$@"
