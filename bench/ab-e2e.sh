#!/usr/bin/env bash
# A/B of the end-to-end harness (bench/e2e, `npm run bench`) of this working tree against another
# commit, on the same box, in alternating rounds (base, this tree, base, …) so that the box's drift
# hits both alike. Each run: the embedded server (compiled, built here first), IOC JSON at 5,000/s,
# then a sweep 10k … 30k/s (3 s each) to the first rate not carried in full.
#
#   bench/ab-e2e.sh <base-commit> [rounds=3]
#
# Prints per run the 5,000/s ack p50/p99 and the highest rate carried in full, then the medians.
set -euo pipefail
base=${1:?usage: bench/ab-e2e.sh <base-commit> [rounds]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d /tmp/ringmatch-abe-XXXXXX)
out=$(mktemp -d /tmp/ringmatch-abe-out-XXXXXX)
trap 'git -C "$here" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git -C "$here" worktree add --detach --force "$tree" "$base" >/dev/null
ln -s "$here/node_modules" "$tree/node_modules"
(cd "$tree" && npm run -s build >/dev/null) && (cd "$here" && npm run -s build >/dev/null)
flags="--rate 5000 --encoding json --duration 6 --warmup 2 --no-floor --sweep 10000,15000,20000,25000,30000 --sweep-duration 3"
echo "A/B e2e ($flags), $rounds rounds: base $(git -C "$here" rev-parse --short "$base") vs this tree ($(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet || echo ', modified'))"
for ((r = 1; r <= rounds; r++)); do
  for side in base this; do
    dir=$([ "$side" = base ] && echo "$tree" || echo "$here")
    (cd "$dir" && RINGMATCH_DIST_FRESH=1 node --import tsx bench/e2e/cli.ts $flags --out "$out/$side-$r" >/dev/null 2>&1)
    node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1] + "/summary.json", "utf8"));
      const e = s.phases.find((p) => p.name === "engine-json").ack;
      console.log(`${process.argv[2].padEnd(4)} round ${process.argv[3]}: 5,000/s ack p50 ${e.p50} µs, p99 ${e.p99} µs; carried in full up to ${s.sweep.maxSustained ?? 0}/s`);
    ' "$out/$side-$r" "$side" "$r"
  done
done | tee "$out/runs.txt"
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
  for (const side of ["base", "this"]) {
    const rows = lines.filter((l) => l.startsWith(side)).map((l) => l.match(/p50 (\d+) µs, p99 (\d+) µs; carried in full up to (\d+)/).slice(1).map(Number));
    console.log(`${side}: medians — 5,000/s ack p50 ${med(rows.map((r) => r[0]))} µs, p99 ${med(rows.map((r) => r[1]))} µs; carried in full ${med(rows.map((r) => r[2]))}/s (runs: ${rows.map((r) => r[2]).join(", ")})`);
  }
' "$out/runs.txt"
echo "results: $out"
