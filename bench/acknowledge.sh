#!/usr/bin/env bash
# What ephemera.store.acknowledge-replicas costs a redemption (issue 18): two brokers of this build on one Redis
# master with one replica, one granting a use at once (0), one only once the replica holds it (1: WAIT behind the
# consume script), alternating wrk runs of introspection with consume=true.
#   bench/acknowledge.sh        ROUNDS=3 SECONDS_PER_RUN=10; writes bench/results/acknowledge-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-acknowledge
mkdir -p "$WORK" "$ROOT/bench/results"
source bench/lib/side-by-side.sh

build_here "$WORK/broker.jar"
start_redis "$WORK"
REPLICA_PORT=$(free_port)
redis-server --port "$REPLICA_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --logfile "$WORK/replica.log" --replicaof 127.0.0.1 "$SIDE_REDIS_PORT"
trap 'redis-cli -p "$REPLICA_PORT" shutdown nosave >/dev/null 2>&1 || true; side_cleanup' EXIT
until redis-cli -p "$SIDE_REDIS_PORT" info replication | grep -q 'state=online'; do sleep 0.2; done
AT_ONCE=$(free_port); ACKED=$(free_port)
start_broker "$WORK/broker.jar" "$AT_ONCE" "$WORK/at-once.log" EPHEMERA_STORE_ACKNOWLEDGE_REPLICAS=0
start_broker "$WORK/broker.jar" "$ACKED" "$WORK/acked.log" EPHEMERA_STORE_ACKNOWLEDGE_REPLICAS=1
KEY=$(new_key "$AT_ONCE" '"read","write"')
TOKEN=$(curl -sf "http://127.0.0.1:$AT_ONCE/v1/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"provider":"openai","max_uses":100,"ttl_seconds":600}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["value"])')
export KEY BODY="{\"token\":\"$TOKEN\",\"consume\":true}"
alternate "${ROUNDS:-3}" "${SECONDS_PER_RUN:-10}" "http://127.0.0.1:$AT_ONCE/v1/tokens/introspect" \
  "http://127.0.0.1:$ACKED/v1/tokens/introspect"
m0=$(mean "${SIDE_A[@]}"); m1=$(mean "${SIDE_B[@]}")
P50=()
for url in "http://127.0.0.1:$AT_ONCE" "http://127.0.0.1:$ACKED"; do
  P50+=("$(wrk -t1 -c1 -d5s --latency -s bench/wrk/post.lua "$url/v1/tokens/introspect" | awk '$1=="50%" {print $2}')")
done
OUT=$ROOT/bench/results/acknowledge-latest.md
{
  echo "# acknowledge-replicas side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "Redemptions (consume=true; the script runs in full, WAIT follows it), one master and one replica on loopback;"
  echo "wrk -t2 -c50, ${SECONDS_PER_RUN:-10} s a run, alternating; then one connection, 5 s, for the latency alone."
  echo
  echo "| | acknowledge-replicas 0 | acknowledge-replicas 1 | difference |"
  echo "|---|---|---|---|"
  echo "| redemptions/s | ${SIDE_A[*]} (mean $m0) | ${SIDE_B[*]} (mean $m1) | $(python3 -c "print(f'{($m1/$m0-1)*100:+.0f}%')") |"
  echo "| p50, one connection | ${P50[0]} | ${P50[1]} | |"
} > "$OUT"
cat "$OUT"
