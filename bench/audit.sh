#!/usr/bin/env bash
# The audit log, side by side in one run (issue 17): the broker as built (its JSON line through
# logstash-logback-encoder behind its Disruptor appender, never dropping a line) against commit 503afe5, the last
# with the broker's own JSON writer and BatchingConsoleAppender (nothing else differs on the mint path), on one
# Redis, alternating wrk runs of opaque mints (each writes one audit line); standard output goes into a pipe, as
# under a container runtime.
#   bench/audit.sh            ROUNDS=5 SECONDS_PER_RUN=10 BATCHING_REV=503afe5; writes bench/results/audit-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-audit
mkdir -p "$WORK" "$ROOT/bench/results"
source bench/lib/side-by-side.sh

echo "audit: building the broker as it is (logstash) and at ${BATCHING_REV:-503afe5} (own writer, batching appender)"
build_here "$WORK/logstash.jar"
build_at "$WORK/own.jar" "$WORK/batching" "${BATCHING_REV:-503afe5}" true

start_redis "$WORK"
OWN=$(free_port); LOGSTASH=$(free_port)
start_broker "$WORK/own.jar" "$OWN" "$WORK/own.log"
start_broker "$WORK/logstash.jar" "$LOGSTASH" "$WORK/logstash.log"
KEY=$(new_key "$OWN")
export KEY BODY='{"provider":"openai"}'
alternate "${ROUNDS:-5}" "${SECONDS_PER_RUN:-10}" "http://127.0.0.1:$OWN/v1/tokens" "http://127.0.0.1:$LOGSTASH/v1/tokens"
mo=$(mean "${SIDE_A[@]}"); ml=$(mean "${SIDE_B[@]}")
OUT=$ROOT/bench/results/audit-latest.md
{
  echo "# The audit log side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "Opaque mints/s (one audit line each), wrk -t2 -c50, ${SECONDS_PER_RUN:-10} s a run, alternating, one Redis;"
  echo "broker -Xmx128m -Xmn80m, standard output into a pipe (read by cat), as a container runtime reads it."
  echo
  echo "| AuditLog + BatchingConsoleAppender | logstash-logback-encoder + its Disruptor appender | difference |"
  echo "|---|---|---|"
  echo "| ${SIDE_A[*]} (mean $mo) | ${SIDE_B[*]} (mean $ml) | $(python3 -c "print(f'{($ml/$mo-1)*100:+.0f}%')") |"
} > "$OUT"
cat "$OUT"
