#!/usr/bin/env bash
# Times `creview scan` on synthetic repositories of 500, 2,000 and 10,000
# apps (6 files each), against a parse-only pass over the same files, with
# /usr/bin/time -v. Prints one Markdown row per size:
#   files/s, documents/s, MB/s, peak memory, and the scan/parse time ratio.
# Usage: scripts/bench.sh [SIZES...]   (default: 500 2000 10000)
# CREVIEW_BIN=path/to/creview times another build (to compare two commits
# at the same moment: timings on a shared machine drift by 20% or more).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CREVIEW_BIN:-}" ]; then
  bin=$CREVIEW_BIN
else
  cargo build --release --quiet
  bin=target/release/creview
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500 2000 10000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# best of 3 wall seconds and the peak RSS (KiB) of that run
measure() {
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -v "$@" >/dev/null 2>"$work/time" || true
    local wall kb
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; rss=$kb; fi
  done
  echo "$best $rss"
}

echo "cores: $(nproc)"
echo
echo "| apps | files | MB | parse s | scan s | scan/parse | files/s | docs/s | MB/s | peak MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  dir="$work/repo-$n"
  "$bin" synth "$dir" --apps "$n" >/dev/null
  files=$(find "$dir" -type f | wc -l)
  bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  docs=$("$bin" parse "$dir" | awk '/ documents,/ {print $3}')
  read -r parse _ < <(measure "$bin" parse "$dir")
  read -r scan rss < <(measure "$bin" scan "$dir" --format json -o /dev/null --fail-on none)
  awk -v n="$n" -v f="$files" -v d="$docs" -v b="$bytes" -v p="$parse" -v s="$scan" -v r="$rss" 'BEGIN {
    mb = b / 1048576
    printf "| %d | %d | %.1f | %.2f | %.2f | %.2f | %.0f | %.0f | %.1f | %.0f |\n", n, f, mb, p, s, s / p, f / s, d / s, mb / s, r / 1024
  }'
done
