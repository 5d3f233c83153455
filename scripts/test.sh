#!/usr/bin/env bash
# The test command: installs what is missing, builds everything (tests included), runs the
# whole XCTest suite, then the independent protocol check (docs/protocol.md reproduced by a
# second implementation), and ends with one line "tests: N passed, M failed".
# Usage: scripts/test.sh [swift test arguments, e.g. --filter NoiseTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The MCP end-to-end tests run a real MCP server (mcp-server-time) from a venv.
scripts/mcp-venv.sh >/dev/null
swift build --build-tests

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build --disable-swift-testing "$@" 2>&1 | tee "$log"
swift_status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "^\s*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1)
swift_run=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
swift_failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
swift_run=${swift_run:-0}; swift_failed=${swift_failed:-0}
if [ "$swift_status" -ne 0 ] && [ "$swift_failed" -eq 0 ]; then swift_failed=1; fi

proto_passed=0; proto_failed=0
if [ $# -eq 0 ]; then
  python3 -c "import cryptography" 2>/dev/null || python3 -m pip install -q cryptography
  set +e
  python3 scripts/protocol_check.py > "$log" 2>&1
  proto_status=$?
  set -e
  grep -E "^FAIL" "$log" || true
  tail -1 "$log"
  proto_passed=$(tail -1 "$log" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
  proto_failed=$(tail -1 "$log" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
  proto_passed=${proto_passed:-0}; proto_failed=${proto_failed:-1}
  if [ "$proto_status" -ne 0 ] && [ "$proto_failed" -eq 0 ]; then proto_failed=1; fi
fi

passed=$(( swift_run - swift_failed + proto_passed ))
failed=$(( swift_failed + proto_failed ))
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
