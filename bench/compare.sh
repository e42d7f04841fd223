#!/usr/bin/env bash
# The broker as it is against an earlier commit, side by side in one run: both jars on one Redis, alternating
# wrk runs of opaque mints, ES256 JWT mints and redemptions (introspection with consume=true of one used-up token:
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
./mvnw -q -B package -DskipTests
cp target/ephemera-*-SNAPSHOT.jar "$WORK/now.jar"
build_at "$WORK/then" "$REV" true
cp "$WORK"/then/target/ephemera-*-SNAPSHOT.jar "$WORK/then.jar"

start_redis "$WORK"
NOW=$(free_port); THEN=$(free_port)
start_broker "$WORK/now.jar" "$NOW" "$WORK/now.log" EPHEMERA_TOKENS_SIGNING_ALGORITHM=ES256
start_broker "$WORK/then.jar" "$THEN" "$WORK/then.log" EPHEMERA_TOKENS_SIGNING_ALGORITHM=ES256
KEY=$(curl -sf "http://127.0.0.1:$NOW/v1/admin/keys" -H "Authorization: Bearer $SIDE_ADMIN" \
  -H 'Content-Type: application/json' -d '{"name":"compare","permissions":["read","write"]}' \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
export KEY
ROWS=()
row() { # NAME PATH BODY
  export BODY=$3
  alternate "${ROUNDS:-3}" "${SECONDS_PER_RUN:-10}" "http://127.0.0.1:$NOW$2" "http://127.0.0.1:$THEN$2"
  local mn mt; mn=$(mean "${SIDE_A[@]}"); mt=$(mean "${SIDE_B[@]}")
  ROWS+=("| $1 | ${SIDE_B[*]} (mean $mt) | ${SIDE_A[*]} (mean $mn) | $(python3 -c "print(f'{($mn/$mt-1)*100:+.0f}%')") |")
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
  echo "Requests/s, wrk -t2 -c50, ${SECONDS_PER_RUN:-10} s a run, runs alternating on one Redis; broker -Xmx128m -Xmn80m."
  echo
  echo "| operation | $REV | $(git rev-parse --short HEAD) | difference |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} > "$OUT"
cat "$OUT"
