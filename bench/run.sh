#!/usr/bin/env bash
# Ephemera's benchmark suite: one run on this machine, one Markdown table in bench/results/latest.md.
# Starts a throwaway Redis and the packaged broker (Redis mode, API-key caller), then measures with wrk at 50
# connections: opaque mint, JWT mint (ES256, then EdDSA), redeem, a no-op endpoint; the Redis ceiling with
# redis-benchmark; Keycloak's client-credentials grant as a peer; the relays' added latency. CPU per request for
# the broker and Redis comes from /proc. Everything listens on 127.0.0.1 only.
#   DURATION=10 bench/run.sh      seconds per measurement (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
JIT_WARMUP=${JIT_WARMUP:-20}
# A container-sized heap: the footprint target is for the broker as deployed, not a 6 GiB default heap.
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xms64m -Xmx128m -Xmn80m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m}
CONNECTIONS=50
KEYCLOAK_VERSION=26.7.3
WORK=$ROOT/target/bench
mkdir -p "$WORK" "$ROOT/bench/results"
CLK_TCK=$(getconf CLK_TCK)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
command -v unzip >/dev/null || need+=(unzip)
if [ "${#need[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "bench: building the broker"
./mvnw -q -B package -DskipTests
JAR=$(ls target/ephemera-*.jar | grep -v original | head -1)

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  --dir "$WORK" --logfile "$WORK/redis.log" & REDIS_PID=$!; PIDS+=("$REDIS_PID")
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
export REDIS_URI=redis://127.0.0.1:$REDIS_PORT
ADMIN=bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

start_broker() { # $1 = signing algorithm, $2 = extra JVM options
  BROKER_PORT=$(free_port)
  local started; started=$(date +%s%N)
  # MALLOC_ARENA_MAX caps glibc's per-thread malloc arenas, which grow the footprint outside the JVM's accounting.
  MALLOC_ARENA_MAX=2 EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$BROKER_PORT EPHEMERA_TOKENS_SIGNING_ALGORITHM=$1 \
    EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-test-bench-fake-key EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 \
    java -XX:+ExitOnOutOfMemoryError ${BROKER_JAVA_OPTS:-} ${2:-} -jar "$JAR" > "$WORK/broker-$1.log" 2>&1 & BROKER_PID=$!; PIDS+=("$BROKER_PID")
  until curl -sf "http://127.0.0.1:$BROKER_PORT/health/readiness" >/dev/null; do sleep 0.02; done
  READY_MS=$(( ($(date +%s%N) - started) / 1000000 ))
  BROKER=http://127.0.0.1:$BROKER_PORT
  KEY=$(curl -s "$BROKER/v1/admin/keys" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"name":"bench","permissions":["read","write"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
  export KEY
  echo "bench: broker ($1) ready in ${READY_MS} ms"
}
stop_broker() { kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true; }

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print v}'; }

ROWS=()
# measure NAME URL SCRIPT [server-pid]: runs wrk, records rps, p50, p99, CPU µs/request of the server and Redis.
measure() {
  local name=$1 url=$2 script=$3 server=${4:-$BROKER_PID}
  wrk -t2 -c$CONNECTIONS -d${WARMUP}s -s "$script" "$url" >/dev/null 2>&1 || true
  local s0 r0 s1 r1 out; s0=$(cpu_ticks "$server"); r0=$(cpu_ticks "$REDIS_PID")
  out=$(wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency -s "$script" "$url")
  s1=$(cpu_ticks "$server"); r1=$(cpu_ticks "$REDIS_PID")
  local requests rps p50 p99 errors
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
  p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}'); errors=${errors:-0}
  local scpu rcpu
  scpu=$(awk -v d=$((s1 - s0)) -v n="$requests" -v t="$CLK_TCK" 'BEGIN {printf "%.0f", d * 1e6 / t / n}')
  rcpu=$(awk -v d=$((r1 - r0)) -v n="$requests" -v t="$CLK_TCK" 'BEGIN {printf "%.1f", d * 1e6 / t / n}')
  echo "bench: $name: $rps req/s, p50 $p50 ms, p99 $p99 ms, server $scpu µs/req, Redis $rcpu µs/req, non-2xx $errors"
  ROWS+=("| $name | $rps | $p50 | $p99 | $scpu | $rcpu | $errors |")
  LAST_RPS=$rps
}

# The JIT compiles the hot paths during the first tens of seconds; measuring before that measures the compiler.
warm_up() {
  echo "bench: warming the broker up for ${JIT_WARMUP}s"
  BODY='{"provider":"openai"}' wrk -t2 -c$CONNECTIONS -d$((JIT_WARMUP / 2))s -s bench/wrk/post.lua "$BROKER/v1/tokens" >/dev/null
  BODY='{"provider":"openai","format":"jwt"}' wrk -t2 -c$CONNECTIONS -d$((JIT_WARMUP / 2))s -s bench/wrk/post.lua \
    "$BROKER/v1/tokens" >/dev/null
}

# The Redis ceiling, measured right before the broker row it is compared with: this shared machine's speed drifts
# by 10-15% within minutes, and a ratio of two numbers taken minutes apart would measure the drift.
redis_rate() { redis-benchmark -p "$REDIS_PORT" -c $CONNECTIONS -n 400000 -r 100000 -q "$@" | tr '\r' '\n' | awk '/requests per second/ {for (i=1;i<=NF;i++) if ($(i+1) ~ /^requests/) print $i}' | tail -1 | cut -d. -f1; }
redis_set_ceiling() {
  local r0 r1; r0=$(cpu_ticks "$REDIS_PID"); SET_RPS=$(redis_rate SET bench:__rand_int__ v EX 60); r1=$(cpu_ticks "$REDIS_PID")
  SET_CPU=$(awk -v d=$((r1 - r0)) -v t="$CLK_TCK" 'BEGIN {printf "%.1f", d * 1e6 / t / 400000}')
  echo "bench: Redis SET EX $SET_RPS/s"
}
redis_getdel_ceiling() {
  local r0 r1; r0=$(cpu_ticks "$REDIS_PID"); GETDEL_RPS=$(redis_rate GETDEL bench:__rand_int__); r1=$(cpu_ticks "$REDIS_PID")
  GETDEL_CPU=$(awk -v d=$((r1 - r0)) -v t="$CLK_TCK" 'BEGIN {printf "%.1f", d * 1e6 / t / 400000}')
  echo "bench: Redis GETDEL $GETDEL_RPS/s"
}

# JDK 25's AOT cache (JEP 483/514): a training run records the classes and profiles, later starts load them.
AOT=$WORK/ephemera.aot
rm -f "$AOT"
start_broker ES256 "-XX:AOTCacheOutput=$AOT"
READY_PLAIN=$READY_MS
curl -s -o /dev/null "$BROKER/.well-known/jwks.json"
BODY='{"provider":"openai"}' wrk -t1 -c4 -d3s -s bench/wrk/post.lua "$BROKER/v1/tokens" >/dev/null
stop_broker
[ -f "$AOT" ] && AOT_OPTS="-XX:AOTCache=$AOT" || AOT_OPTS=""
start_broker ES256 "$AOT_OPTS"
READY_ES=$READY_MS
warm_up
redis_set_ceiling
BODY='{"provider":"openai"}' measure "mint, opaque" "$BROKER/v1/tokens" bench/wrk/post.lua
MINT=$LAST_RPS
BODY='{"provider":"openai","format":"jwt"}' measure "mint, JWT ES256" "$BROKER/v1/tokens" bench/wrk/post.lua
ES=$LAST_RPS
rm -f "$WORK/tokens.txt"
OUT=$WORK/tokens.txt wrk -t1 -c$CONNECTIONS -d3s -s bench/wrk/mint-save.lua "$BROKER/v1/tokens" >/dev/null
echo "bench: $(wc -l < "$WORK/tokens.txt") tokens of 100 uses minted for the redeem run"
redis_getdel_ceiling
TOKENS=$WORK/tokens.txt measure "redeem (consume=true)" "$BROKER/v1/tokens/introspect" bench/wrk/redeem.lua
REDEEM=$LAST_RPS
measure "no-op: GET /.well-known/jwks.json (constant document, no store)" "$BROKER/.well-known/jwks.json" /dev/null
measure "GET /health/liveness (Micronaut health endpoint)" "$BROKER/health/liveness" /dev/null
RSS_MB=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$BROKER_PID/status")
ANON_MB=$(awk '/RssAnon/ {printf "%.0f", $2/1024}' "/proc/$BROKER_PID/status")
stop_broker
start_broker EdDSA "$AOT_OPTS"
READY_ED=$READY_MS
warm_up
BODY='{"provider":"openai","format":"jwt"}' measure "mint, JWT EdDSA" "$BROKER/v1/tokens" bench/wrk/post.lua
ED=$LAST_RPS
RSS_ED=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$BROKER_PID/status")
ANON_ED=$(awk '/RssAnon/ {printf "%.0f", $2/1024}' "/proc/$BROKER_PID/status")
stop_broker


ROWS+=("| Redis \`SET key v EX 60\` (redis-benchmark, just before the opaque mint row) | $SET_RPS | | | | $SET_CPU | |")
ROWS+=("| Redis \`GETDEL\` (redis-benchmark, just before the redeem row) | $GETDEL_RPS | | | | $GETDEL_CPU | |")

echo "bench: Keycloak $KEYCLOAK_VERSION (client_credentials)"
KC_ZIP=$WORK/keycloak-$KEYCLOAK_VERSION.zip
[ -f "$KC_ZIP" ] || curl -sfL -o "$KC_ZIP" \
  "https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
[ -d "$WORK/keycloak-$KEYCLOAK_VERSION" ] || unzip -q "$KC_ZIP" -d "$WORK"
KC=$WORK/keycloak-$KEYCLOAK_VERSION
mkdir -p "$KC/data/import" && cp bench/keycloak-realm.json "$KC/data/import/bench-realm.json"
KC_PORT=$(free_port)
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin-$RANDOM \
  "$KC/bin/kc.sh" start-dev --http-port="$KC_PORT" --http-host=127.0.0.1 --import-realm > "$WORK/keycloak.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$KC_PORT/realms/bench" >/dev/null && break; sleep 0.5; done
KC_PID=$(pgrep -f "quarkus-run.jar" | head -1 || true)
[ -n "$KC_PID" ] || KC_PID=$(pgrep -f "io.quarkus.bootstrap.runner.QuarkusEntryPoint" | head -1)
PIDS+=("$KC_PID")
BODY='grant_type=client_credentials&client_id=bench&client_secret=bench-secret-not-a-real-one' \
  measure "Keycloak client_credentials (peer)" "http://127.0.0.1:$KC_PORT/realms/bench/protocol/openid-connect/token" \
  bench/wrk/form.lua "$KC_PID"
KCR=$LAST_RPS
kill "$KC_PID" 2>/dev/null || true

echo "bench: relay overhead (1000 sequential requests and round trips)"
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
RELAY=$(java -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" dev.ephemera.bench.RelayLatency 2>&1 | grep -E 'samples:' || true)
HTTP_LINE=$(echo "$RELAY" | grep 'HTTP request' | sed 's/.*RelayLatency - //' || true)
WS_LINE=$(echo "$RELAY" | grep 'WebSocket' | sed 's/.*RelayLatency - //' || true)
[ -n "$HTTP_LINE" ] && [ -n "$WS_LINE" ] || echo "bench: the relay overhead run failed; see its output above" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
{
  echo "# Ephemera benchmark — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); JDK: $(java -version 2>&1 | head -1);"
  echo "Redis: $(redis-server --version | awk '{print $3}'); wrk -t2 -c$CONNECTIONS, ${DURATION} s per row after ${WARMUP} s of warm-up"
  echo "(and ${JIT_WARMUP} s of JIT warm-up per broker start). Broker JVM options: \`$BROKER_JAVA_OPTS\`, MALLOC_ARENA_MAX=2."
  echo "Broker, Redis, wrk (and Keycloak for its row) share the same cores."
  echo
  echo "| operation | req/s | p50 ms | p99 ms | server CPU µs/req | Redis CPU µs/req | non-2xx |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "| ratio | value | target |"
  echo "|---|---|---|"
  echo "| opaque mint / Redis SET EX | $(ratio "$MINT" "$SET_RPS") | ≥ 0.35 |"
  echo "| redeem / Redis GETDEL | $(ratio "$REDEEM" "$GETDEL_RPS") | ≥ 0.40 |"
  echo "| ES256 JWT mint | $ES/s | ≥ 4,000/s |"
  echo "| EdDSA JWT mint | $ED/s | ≥ 8,000/s |"
  echo "| opaque mint / Keycloak client_credentials | $(ratio "$MINT" "$KCR") | ≥ 50 |"
  echo "| broker peak RSS (ES256 run / EdDSA run) | ${RSS_MB} MB / ${RSS_ED} MB | ≤ 300 MB |"
  echo "| of it at the end, anonymous (heap, metaspace, code; the rest is mapped files such as the AOT cache) | ${ANON_MB} MB / ${ANON_ED} MB | |"
  echo "| JVM start to ready, with the AOT cache (ES256 / EdDSA) | ${READY_ES} ms / ${READY_ED} ms | ≤ 2,000 ms |"
  echo "| JVM start to ready, without (training run) | ${READY_PLAIN} ms | |"
  echo
  echo "Relay overhead (loopback, Redis mode, straight to a local fake provider vs through the broker):"
  echo
  echo "- $HTTP_LINE"
  echo "- $WS_LINE"
} > bench/results/latest.md
cp bench/results/latest.md "bench/results/$(date -u +%Y-%m-%dT%H%M)-$(hostname -s).md"
cat bench/results/latest.md
