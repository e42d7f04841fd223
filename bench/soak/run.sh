#!/usr/bin/env bash
# The soak: two replicas on one Redis under a steady mix for DURATION minutes, memory sampled throughout and for
# AFTER seconds once the load stops; one Markdown report in bench/results/soak-latest.md (and a copy named by date
# and time) saying for each series whether it levels off.
#
# The mix (bench/soak/soak.mjs): ~96 mints/s in all (80 plain, every fourth an ES256 JWT; the cycles' and the
# sessions' own), 10 mint → consume cycles/s across the replicas (each one-use token redeemed on both at once:
# exactly one may win), 200 realtime sessions through the fake echo provider (bench/relay/fake-provider.mjs)
# sending 10 events/s and replaced every 20–40 s, and a revocation by handle every 15 s timed to its session's
# close. The sampler (bench/soak/sample.mjs) reads /proc, /prometheus, NMT and Redis every SAMPLE_EVERY seconds.
# The brokers run with the JAVA_TOOL_OPTIONS (and any MALLOC_* variables) of k8s/base/configmap.yaml, i.e. what
# ships, plus -XX:NativeMemoryTracking=summary; NMT's baseline is taken at the warm-up mark and diffed at the end.
# Everything listens on 127.0.0.1 only; every process started here is stopped by it.
#   bench/soak/run.sh                      DURATION=30 (minutes of load), AFTER=150 (s sampled after it)
#   DURATION=8 SKIP_BUILD=1 bench/soak/run.sh
#   BROKER_JAVA_OPTS='-Xmx256m …' BROKER_MALLOC_ENV= bench/soak/run.sh   replaces the configmap's options
#   MAX_SESSION=30m bench/soak/run.sh      ephemera.relay.max-session-duration (default here 5m; see below)
#   NAME=before bench/soak/run.sh          results/soak-<date>-before.md, soak-latest.md left as it is
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/bench/soak
WORK=$ROOT/target/bench-soak
DURATION=${DURATION:-30}
AFTER=${AFTER:-150}
SAMPLE_EVERY=${SAMPLE_EVERY:-15}
GC_EVERY=${GC_EVERY:-4}
LOAD_SECONDS=$(awk -v d="$DURATION" 'BEGIN {printf "%d", d * 60}')
# The "warm-up" column: a quarter of the run, at most 5 minutes (the JIT, the pools and Redis's key count settle).
WARMUP_SECONDS=${WARMUP_SECONDS:-$(( LOAD_SECONDS / 4 < 300 ? LOAD_SECONDS / 4 : 300 ))}
CONFIGMAP=$ROOT/k8s/base/configmap.yaml
SHIPPED_OPTS=$(awk '/^  JAVA_TOOL_OPTIONS:/ {sub(/^  JAVA_TOOL_OPTIONS: */, ""); print}' "$CONFIGMAP")
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:-$SHIPPED_OPTS}
# MALLOC_* variables the configmap sets reach the brokers as they would reach the container (BROKER_MALLOC_ENV=
# replaces them, empty for none).
MALLOC_ENV=${BROKER_MALLOC_ENV-$(awk '/^  MALLOC_[A-Z_]+:/ {k=$1; sub(/:$/, "", k); v=$2; gsub(/"/, "", v); printf "%s=%s ", k, v}' "$CONFIGMAP")}
# A token that opened a session keeps its records in Redis for max-session-duration after (receipt, kill switch):
# 5m instead of the default 30m lets Redis's key count level off within the run. No soak session lives past 40 s.
MAX_SESSION=${MAX_SESSION:-5m}
rm -rf "$WORK" && mkdir -p "$WORK" "$ROOT/bench/results"

for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
for tool in redis-server redis-cli node npm; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is missing (bench/relay/run.sh installs it)" >&2; exit 1; }
done
(cd "$ROOT/bench/relay" && npm ci --no-audit --no-fund --silent)

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "soak: building the broker"
  ./mvnw -q -B -o package -DskipTests
fi
JAR=$(ls target/ephemera-*.jar | grep -v original | head -1)

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" & PIDS+=("$!")
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
FAKE_PORT=$(free_port)
node "$ROOT/bench/relay/fake-provider.mjs" "$FAKE_PORT" > "$WORK/fake.log" 2>&1 & PIDS+=("$!")

ADMIN=soak-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_broker() { # $1 = name; sets PORT_<name> and PID_<name>
  local port; port=$(free_port)
  env $MALLOC_ENV JAVA_TOOL_OPTIONS="$BROKER_JAVA_OPTS" \
    REDIS_URI=redis://127.0.0.1:$REDIS_PORT EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$port \
    EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-test-soak-fake-key \
    EPHEMERA_PROVIDERS_OPENAI_BASE_URL=http://127.0.0.1:$FAKE_PORT/v1 \
    EPHEMERA_PROVIDERS_OPENAI_REALTIME_URL=ws://127.0.0.1:$FAKE_PORT/v1/realtime \
    EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 EPHEMERA_RATE_LIMITS_MAX_CONCURRENT_SESSIONS_PER_KEY=1000000 \
    EPHEMERA_RELAY_MAX_SESSION_DURATION=$MAX_SESSION \
    java -XX:NativeMemoryTracking=summary -jar "$JAR" > "$WORK/broker-$1.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  until curl -sf "http://127.0.0.1:$port/health/readiness" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "soak: broker $1 died; see $WORK/broker-$1.log" >&2; exit 1; }
    sleep 0.2
  done
  printf -v "PORT_$1" '%s' "$port"; printf -v "PID_$1" '%s' "$pid"
}
start_broker a
start_broker b
KEY=$(curl -sf "http://127.0.0.1:$PORT_a/v1/admin/keys" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"name":"soak","permissions":["read","write"]}' \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
echo "soak: brokers a $PORT_a (pid $PID_a), b $PORT_b (pid $PID_b); Redis $REDIS_PORT; fake provider $FAKE_PORT"
echo "soak: ${DURATION} min of load, then ${AFTER} s of sampling; JAVA_TOOL_OPTIONS=$BROKER_JAVA_OPTS ${MALLOC_ENV}"

STARTED_MS=$(date +%s%3N)
node "$HERE/sample.mjs" --replicas "a:$PID_a:$PORT_a,b:$PID_b:$PORT_b" --redis-port "$REDIS_PORT" \
  --every "$SAMPLE_EVERY" --gc-every "$GC_EVERY" --seconds $(( LOAD_SECONDS + AFTER + 120 )) \
  --out "$WORK/samples.jsonl" 2> "$WORK/sample.log" & SAMPLER=$!; PIDS+=("$SAMPLER")
node "$HERE/soak.mjs" --a "http://127.0.0.1:$PORT_a" --b "http://127.0.0.1:$PORT_b" --key "$KEY" \
  --seconds "$LOAD_SECONDS" > "$WORK/load.jsonl" 2> "$WORK/load.log" & LOAD=$!; PIDS+=("$LOAD")

sleep "$WARMUP_SECONDS"
for r in a b; do pid=PID_$r; jcmd "${!pid}" VM.native_memory baseline > /dev/null; done
WARMUP_MS=$(date +%s%3N)
echo "soak: warm-up mark; NMT baseline taken"
wait "$LOAD" || echo "soak: the load client exited with $?" >&2
LOAD_END_MS=$(date +%s%3N)
for r in a b; do pid=PID_$r; jcmd "${!pid}" VM.native_memory summary.diff scale=KB > "$WORK/nmt-diff-$r-load.txt"; done
echo "soak: load over; sampling for ${AFTER} s more"
sleep "$AFTER"
for r in a b; do pid=PID_$r; jcmd "${!pid}" VM.native_memory summary.diff scale=KB > "$WORK/nmt-diff-$r-after.txt"; done
kill "$SAMPLER" 2>/dev/null || true
END_MS=$(date +%s%3N)

STAMP=$(date -u +%Y-%m-%dT%H%M)
OUT=$ROOT/bench/results/soak-$STAMP${NAME:+-$NAME}.md
node "$HERE/report.mjs" --work "$WORK" --started "$STARTED_MS" --warmup "$WARMUP_MS" --load-end "$LOAD_END_MS" \
  --end "$END_MS" --opts "$BROKER_JAVA_OPTS" --env "$MALLOC_ENV" --duration "$DURATION" --max-session "$MAX_SESSION" \
  > "$OUT"
[ -n "${NAME:-}" ] || cp "$OUT" "$ROOT/bench/results/soak-latest.md"
cat "$OUT"
