#!/usr/bin/env bash
# The broker as it is against an earlier commit, side by side in one run: both jars on one Redis, alternating
# wrk runs (and the CPU each broker spent per request in them) of opaque mints, ES256 JWT mints and redemptions (introspection with consume=true of one used-up token:
# the consume script still runs in full). On a shared machine whose speed drifts by 10-40% within minutes, this is
# the comparison to trust; two runs of bench/run.sh minutes apart measure the drift as well.
#   bench/compare.sh REV        ROUNDS=3 SECONDS_PER_RUN=10; writes bench/results/compare-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REV=${1:?usage: bench/compare.sh REV}
WORK=$ROOT/target/bench-compare
mkdir -p "$WORK" "$ROOT/bench/results"
source bench/lib/side-by-side.sh

echo "compare: building the broker as it is, and at $REV"
build_here "$WORK/now.jar"
build_at "$WORK/then.jar" "$WORK/then" "$REV" true

start_redis "$WORK"
NOW=$(free_port); THEN=$(free_port)
start_broker "$WORK/now.jar" "$NOW" "$WORK/now.log" EPHEMERA_TOKENS_SIGNING_ALGORITHM=ES256
start_broker "$WORK/then.jar" "$THEN" "$WORK/then.log" EPHEMERA_TOKENS_SIGNING_ALGORITHM=ES256
KEY=$(new_key "$NOW" '"read","write"')
export KEY
NOW_PID=${SIDE_PIDS[0]}; THEN_PID=${SIDE_PIDS[1]}
CLK_TCK=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# one_run URL PID: requests/s of one wrk run, and the broker's CPU µs per request in it ("rps cpu").
one_run() {
  local t0 t1 out n; t0=$(ticks "$2")
  out=$(wrk -t2 -c50 -d"${SECONDS_PER_RUN:-10}"s -s bench/wrk/post.lua "$1")
  t1=$(ticks "$2"); n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}') $(awk -v d=$((t1 - t0)) -v n="$n" -v t="$CLK_TCK" 'BEGIN {printf "%.0f", d * 1e6 / t / n}')"
}
ROWS=()
row() { # NAME PATH BODY: warms both, then alternates runs, the order flipped every round
  export BODY=$3
  local a="http://127.0.0.1:$NOW$2" b="http://127.0.0.1:$THEN$2" now=() then=() nowc=() thenc=() r
  for url in "$a" "$b"; do wrk -t2 -c50 -d15s -s bench/wrk/post.lua "$url" >/dev/null; done
  for i in $(seq "${ROUNDS:-3}"); do
    if [ $((i % 2)) = 1 ]; then
      r=$(one_run "$b" "$THEN_PID"); then+=("${r% *}"); thenc+=("${r#* }")
      r=$(one_run "$a" "$NOW_PID"); now+=("${r% *}"); nowc+=("${r#* }")
    else
      r=$(one_run "$a" "$NOW_PID"); now+=("${r% *}"); nowc+=("${r#* }")
      r=$(one_run "$b" "$THEN_PID"); then+=("${r% *}"); thenc+=("${r#* }")
    fi
  done
  local mn mt cn ct; mn=$(mean "${now[@]}"); mt=$(mean "${then[@]}"); cn=$(mean "${nowc[@]}"); ct=$(mean "${thenc[@]}")
  ROWS+=("| $1 | ${then[*]} (mean $mt) | ${now[*]} (mean $mn) | $(python3 -c "print(f'{($mn/$mt-1)*100:+.0f}%')") | $ct | $cn | $(python3 -c "print(f'{($cn/$ct-1)*100:+.0f}%')") |")
}
row "mint, opaque" /v1/tokens '{"provider":"openai"}'
row "mint, JWT ES256" /v1/tokens '{"provider":"openai","format":"jwt"}'
TOKEN=$(curl -sf "http://127.0.0.1:$NOW/v1/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"provider":"openai","max_uses":100,"ttl_seconds":600}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["value"])')
row "redeem (consume=true, used-up token)" /v1/tokens/introspect "{\"token\":\"$TOKEN\",\"consume\":true}"
OUT=$ROOT/bench/results/compare-latest.md
{
  echo "# $(git rev-parse --short HEAD) against $REV, side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "Requests/s and the broker's CPU µs per request, wrk -t2 -c50, ${SECONDS_PER_RUN:-10} s a run, runs alternating"
  echo "on one Redis (which goes first flips every round); broker -Xmx128m -Xmn80m."
  echo
  echo "| operation | $REV req/s | $(git rev-parse --short HEAD) req/s | difference | $REV µs/req | $(git rev-parse --short HEAD) µs/req | difference |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} > "$OUT"
cat "$OUT"
