#!/usr/bin/env bash
# A/B matching throughput of this working tree against another commit, on the same box, in
# alternating rounds (base, this tree, base, this tree …) so that the box's drift hits both alike.
# Each measurement is one fresh process of bench/matching-one-shard-throughput.ts (child mode: one
# engine, one workload, median of its runs), pinned to one CPU with a single-threaded GC.
#
#   bench/ab-throughput.sh <base-commit> [rounds=6] [ops=600000] [workload=exchangeCore]
#
# Prints every measurement, then per engine (M, R+M) the per-round ratios this/base, sorted, and
# their median — the number to compare with a goal such as "≥ 95 % of the previous commit".
set -euo pipefail
base=${1:?usage: bench/ab-throughput.sh <base-commit> [rounds] [ops] [workload]}
rounds=${2:-6}
ops=${3:-600000}
workload=${4:-exchangeCore}
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d /tmp/ringmatch-ab-XXXXXX)
trap 'git -C "$here" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git -C "$here" worktree add --detach --force "$tree" "$base" >/dev/null
ln -s "$here/node_modules" "$tree/node_modules"
cpu=$(( $(nproc) - 1 ))
out=$(mktemp)
measure() { # dir engine → median ops/s
  (cd "$1" && taskset -c "$cpu" node --single-threaded-gc --expose-gc --import tsx bench/matching-one-shard-throughput.ts "$ops" 5 "$2" "$workload") |
    node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));const s=[...j.rates].sort((a,b)=>a-b);console.log(Math.round(s[s.length>>1]))'
}
echo "A/B $workload, $ops ops × 5 runs per process, $rounds rounds, CPU $cpu: base $(git -C "$here" rev-parse --short "$base") vs this tree ($(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet || echo ', modified'))"
for ((r = 1; r <= rounds; r++)); do
  for eng in fast riskPlusMatch; do
    b=$(measure "$tree" "$eng")
    t=$(measure "$here" "$eng")
    echo "$r $eng base $b this $t" | tee -a "$out"
  done
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
for (const [eng, name] of [["fast", "M (book + event ring)"], ["riskPlusMatch", "R+M inline"]]) {
  const r = rows.filter((x) => x[1] === eng).map((x) => Number(x[5]) / Number(x[3])).sort((a, b) => a - b);
  const med = r.length % 2 ? r[r.length >> 1] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
  console.log(`${name}: this/base per round ${r.map((x) => x.toFixed(2)).join(" ")} — median ${med.toFixed(3)}`);
}' "$out"
rm -f "$out"
