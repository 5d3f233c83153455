#!/usr/bin/env bash
# Runs every fuzz target for RUNS inputs (default 1,000,000), each from its seed corpus
# (fuzz/seeds/TARGET, valid messages), and prints one summary line per target:
#   TARGET runs=N seconds=S cov=C ft=F corpus=K crashes=0
# Usage: fuzz/run.sh [RUNS] [TARGET...]     (CI runs it with a small RUNS)
# A crash leaves its input in fuzz/crashes/TARGET/ and makes the script exit non-zero;
# turn each one into a unit test.
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls Sources))

scratch=../.build-fuzz
swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer 2>&1 | grep -E "error|warning: unable" || true
swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer >/dev/null 2>&1
bin=$(swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer --show-bin-path)

status=0
for t in "${targets[@]}"; do
  corpus="corpus-$t"
  mkdir -p "$corpus" "crashes/$t"
  cp -n seeds/"$t"/* "$corpus"/ 2>/dev/null || true
  log=$(mktemp)
  start=$(date +%s.%N)
  if "$bin/$t" -runs="$runs" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="crashes/$t/" "$corpus" >"$log" 2>&1; then
    crashed=0
  else
    crashed=1; status=1
  fi
  end=$(date +%s.%N)
  stats=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$stats")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$stats")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$stats")
  done_runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  printf '%s runs=%s seconds=%.0f cov=%s ft=%s corpus=%s crashes=%s\n' \
    "$t" "${done_runs:-?}" "$(echo "$end - $start" | bc)" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashed"
  if [ "$crashed" = 1 ]; then tail -30 "$log"; fi
  rm -f "$log"
done
exit $status
