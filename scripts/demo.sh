#!/usr/bin/env bash
# The demo. Today it shows the secure-session layer at work: it replays the published Noise
# test vectors through the handshake engine and runs the seeded network simulator over
# WireGuard-style sessions. The full mesh demo (coordinator, two nodes, an MCP call across
# them) replaces this as the node agent lands.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product mcpmesh
vectors="../shared/noise-vectors/vectors.json"
if [ -f "$vectors" ]; then
  echo "== Noise test vectors"
  .build/debug/mcpmesh debug noise-vectors "$vectors"
fi
echo "== Sessions over a lossy simulated network (1,000 seeds)"
swift build --build-tests >/dev/null
swift test --skip-build --filter SessionSweepTests 2>&1 | grep -E "session sweep|Executed 1 test" | head -2
