#!/usr/bin/env bash
# The audit log, side by side in one run (issue 17): the broker as built (its JSON line through
# logstash-logback-encoder behind Logback's AsyncAppender, never dropping a line) against commit 503afe5, the last
# with the broker's own JSON writer and BatchingConsoleAppender (nothing else differs on the mint path), on one
# Redis, alternating wrk runs of opaque mints (each writes one audit line); standard output goes into a pipe, as
# under a container runtime.
#   bench/audit.sh            ROUNDS=5 SECONDS_PER_RUN=10 BATCHING_REV=503afe5; writes bench/results/audit-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-audit
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
BATCHING_REV=${BATCHING_REV:-503afe5}
mkdir -p "$WORK" "$ROOT/bench/results"
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
command -v wrk >/dev/null || { echo "audit: wrk is needed (apt-get install wrk)" >&2; exit 1; }

echo "audit: building the broker as it is (logstash) and at $BATCHING_REV (own writer and batching appender)"
./mvnw -q -B package -DskipTests
cp target/ephemera-*-SNAPSHOT.jar "$WORK/logstash.jar"
rm -rf "$WORK/batching"
git worktree add -q --detach "$WORK/batching" "$BATCHING_REV"
trap 'git worktree remove --force "$WORK/batching" 2>/dev/null || true' EXIT
(cd "$WORK/batching" && ./mvnw -q -B package -DskipTests -Dcheckstyle.skip)
cp "$WORK"/batching/target/ephemera-*-SNAPSHOT.jar "$WORK/own.jar"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile "$WORK/redis.log"
ADMIN=audit-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  git worktree remove --force "$WORK/batching" 2>/dev/null || true; }
trap cleanup EXIT
start() { # $1 jar, $2 port
  MALLOC_ARENA_MAX=2 REDIS_URI=redis://127.0.0.1:$REDIS_PORT EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$2 \
    EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-bench EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 \
    java -XX:+ExitOnOutOfMemoryError -Xms64m -Xmx128m -Xmn80m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m \
    -jar "$1" > >(cat > /dev/null) 2>"$WORK/broker-$2.err" &
  PIDS+=("$!")
}
OWN=$(free_port); LOGSTASH=$(free_port)
start "$WORK/own.jar" "$OWN"; start "$WORK/logstash.jar" "$LOGSTASH"
for port in $OWN $LOGSTASH; do until curl -sf "http://127.0.0.1:$port/health/readiness" >/dev/null; do sleep 0.2; done; done
KEY=$(curl -sf "http://127.0.0.1:$OWN/v1/admin/keys" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"audit","permissions":["write"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
export KEY BODY='{"provider":"openai"}'
for port in $OWN $LOGSTASH; do wrk -t2 -c50 -d20s -s bench/wrk/post.lua "http://127.0.0.1:$port/v1/tokens" >/dev/null; done
own=(); logstash=()
for round in $(seq "$ROUNDS"); do
  own+=("$(wrk -t2 -c50 -d"${SECONDS_PER_RUN}"s -s bench/wrk/post.lua "http://127.0.0.1:$OWN/v1/tokens" | awk '/Requests\/sec/ {printf "%.0f", $2}')")
  logstash+=("$(wrk -t2 -c50 -d"${SECONDS_PER_RUN}"s -s bench/wrk/post.lua "http://127.0.0.1:$LOGSTASH/v1/tokens" | awk '/Requests\/sec/ {printf "%.0f", $2}')")
done
mean() { python3 -c 'import sys;v=[float(x) for x in sys.argv[1:]];print(round(sum(v)/len(v)))' "$@"; }
mo=$(mean "${own[@]}"); ml=$(mean "${logstash[@]}")
OUT=$ROOT/bench/results/audit-latest.md
{
  echo "# The audit log side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "Opaque mints/s (one audit line each), wrk -t2 -c50, ${SECONDS_PER_RUN} s a run, alternating, one Redis;"
  echo "broker -Xmx128m -Xmn80m, standard output into a pipe (read by cat), as a container runtime reads it."
  echo
  echo "| AuditLog + BatchingConsoleAppender | logstash-logback-encoder + AsyncAppender | difference |"
  echo "|---|---|---|"
  echo "| ${own[*]} (mean $mo) | ${logstash[*]} (mean $ml) | $(python3 -c "print(f'{($ml/$mo-1)*100:+.0f}%')") |"
} > "$OUT"
cat "$OUT"
