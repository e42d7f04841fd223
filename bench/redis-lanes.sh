#!/usr/bin/env bash
# The Redis access layer, side by side in one run (issue 17): the broker as built (a Lettuce connection on each
# server event loop, commands of one pass of the loop flushed together: store/redis/RedisLane) against the same
# commit on Lettuce's stock set-up (one shared connection on Lettuce's own I/O thread, auto-flush), on one Redis,
# alternating wrk runs of opaque mints (two round trips' worth of commands each: rate limit and save) and of
# redemptions (introspection with consume=true: one script).
#   bench/redis-lanes.sh        ROUNDS=3 SECONDS_PER_RUN=10; writes bench/results/redis-lanes-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-redis-lanes
mkdir -p "$WORK" "$ROOT/bench/results"
source bench/lib/side-by-side.sh

echo "redis-lanes: building the broker as it is, and a copy on one shared Lettuce connection"
build_here "$WORK/lanes.jar"
one_connection() {
  sed -i 's/this(uri, settings, loops.getDefaultEventLoopGroup(), metrics);/this(uri, settings, java.util.List.of(), metrics);/' \
    src/main/java/dev/ephemera/store/redis/RedisConnector.java
  grep -q 'java.util.List.of(), metrics' src/main/java/dev/ephemera/store/redis/RedisConnector.java
}
build_at "$WORK/shared.jar" "$WORK/shared" HEAD one_connection

start_redis "$WORK"
LANES=$(free_port); SHARED=$(free_port)
start_broker "$WORK/lanes.jar" "$LANES" "$WORK/lanes.log"
start_broker "$WORK/shared.jar" "$SHARED" "$WORK/shared.log"
KEY=$(new_key "$LANES" '"read","write"')
ROWS=()
export KEY BODY='{"provider":"openai"}'
alternate "${ROUNDS:-3}" "${SECONDS_PER_RUN:-10}" "http://127.0.0.1:$LANES/v1/tokens" "http://127.0.0.1:$SHARED/v1/tokens"
ml=$(mean "${SIDE_A[@]}"); ms=$(mean "${SIDE_B[@]}")
ROWS+=("| opaque mint | ${SIDE_A[*]} (mean $ml) | ${SIDE_B[*]} (mean $ms) | $(python3 -c "print(f'{($ml/$ms-1)*100:+.0f}%')") |")
# Redemptions of one token: after its 100 uses each request still runs the consume script in full (the record is
# read, and the answer is "used up"), which is the round trip being compared.
TOKEN=$(curl -sf "http://127.0.0.1:$LANES/v1/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"provider":"openai","max_uses":100,"ttl_seconds":600}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["value"])')
export BODY="{\"token\":\"$TOKEN\",\"consume\":true}"
alternate "${ROUNDS:-3}" "${SECONDS_PER_RUN:-10}" "http://127.0.0.1:$LANES/v1/tokens/introspect" \
  "http://127.0.0.1:$SHARED/v1/tokens/introspect"
ml=$(mean "${SIDE_A[@]}"); ms=$(mean "${SIDE_B[@]}")
ROWS+=("| introspect, consume=true (a used-up token) | ${SIDE_A[*]} (mean $ml) | ${SIDE_B[*]} (mean $ms) | $(python3 -c "print(f'{($ml/$ms-1)*100:+.0f}%')") |")
OUT=$ROOT/bench/results/redis-lanes-latest.md
{
  echo "# Redis connections side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "Requests/s, wrk -t2 -c50, ${SECONDS_PER_RUN:-10} s a run, runs alternating on one Redis; broker -Xmx128m -Xmn80m."
  echo
  echo "| operation | a connection per event loop (as built) | one shared connection (Lettuce's default) | difference |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} > "$OUT"
cat "$OUT"
