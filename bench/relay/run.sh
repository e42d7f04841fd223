#!/usr/bin/env bash
# The realtime relay, side by side with nginx: one run on this machine, one Markdown table in
# bench/results/relay-latest.md (and a copy named by date and time).
#
# Starts a throwaway Redis, the fake echo provider (bench/relay/fake-provider.mjs), nginx as a plain WebSocket
# reverse proxy to it, and the packaged broker (Redis mode) relaying to it; then, with the load client
# (bench/relay/load.mjs): round trips and CPU per frame at 100 and 1,000 sessions × 50 frames/s of 1 KB (the
# provider directly, through nginx, through Ephemera), memory per idle session, a client flooding a session
# whose provider stopped reading, and SIGTERM with open sessions. Everything listens on 127.0.0.1 only.
#   bench/relay/run.sh                    defaults below; SKIP_BUILD=1 reuses target/ephemera-*.jar
#   SECONDS_PER_ROW=10 IDLE_SESSIONS=5000 BROKER_JAVA_OPTS='-Xmx128m …' bench/relay/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/bench/relay
WORK=$ROOT/target/bench-relay
SECONDS_PER_ROW=${SECONDS_PER_ROW:-10}
IDLE_SESSIONS=${IDLE_SESSIONS:-5000}
FPS=${FPS:-50}
BYTES=${BYTES:-1024}
# The issue's footprint: a 128 MB heap, direct memory bounded beside it (the README's launch options for a replica
# holding the default 10,000 sessions give it 256 MB).
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xms128m -Xmx128m -XX:MaxDirectMemorySize=64m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m}
mkdir -p "$WORK" "$ROOT/bench/results"
CLK_TCK=$(getconf CLK_TCK)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v redis-server >/dev/null || need+=(redis-server)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ "${#need[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$HERE" && npm ci --no-audit --no-fund --silent)

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rss_kb() { local sum=0; for p in "$@"; do sum=$((sum + $(awk '/^VmRSS/{print $2}' "/proc/$p/status"))); done; echo "$sum"; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
load() { node "$HERE/load.mjs" "$@" --clk "$CLK_TCK"; }
field() { node -e "const r=JSON.parse(process.argv[1]);const v=r['$2'];console.log(v===null||v===undefined?'—':typeof v==='object'?JSON.stringify(v):typeof v==='number'&&!Number.isInteger(v)?v.toFixed(${3:-1}):v)" "$1"; }
# The broker's heap in use after a full collection, in KB (young and old generations).
heap_kb() { jcmd "$BROKER_PID" GC.run > /dev/null; jcmd "$BROKER_PID" GC.heap_info | awk '/Gen/ {for (i = 1; i < NF; i++) if ($i == "used") {v = $(i + 1); gsub(/[^0-9]/, "", v); s += v}} END {print s}'; }

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "relay bench: building the broker"
  ./mvnw -q -B package -DskipTests
fi
JAR=$(ls target/ephemera-*.jar | grep -v original | head -1)

source "$HERE/start-parts.sh"
start_parts

ADMIN=bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
start_broker() {
  BROKER_PORT=$(free_port)
  MALLOC_ARENA_MAX=2 REDIS_URI=redis://127.0.0.1:$REDIS_PORT EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$BROKER_PORT \
    OPENAI_API_KEY=sk-test-bench-fake-key ANTHROPIC_API_KEY=sk-test-bench-fake-anthropic-key \
    EPHEMERA_PROVIDERS_OPENAI_REALTIME_URL=ws://127.0.0.1:$FAKE_PORT/v1/realtime \
    EPHEMERA_PROVIDERS_ANTHROPIC_REALTIME_URL=ws://127.0.0.1:$FAKE_PORT/stall/v1/realtime \
    EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 EPHEMERA_RATE_LIMITS_MAX_CONCURRENT_SESSIONS_PER_KEY=1000000 \
    EPHEMERA_RELAY_UPSTREAM_TIMEOUT=5s EPHEMERA_RELAY_DRAIN_PERIOD=5s \
    java -XX:+ExitOnOutOfMemoryError $BROKER_JAVA_OPTS -jar "$JAR" > "$WORK/broker.log" 2>&1 & BROKER_PID=$!
  PIDS+=("$BROKER_PID")
  until curl -sf "http://127.0.0.1:$BROKER_PORT/health/readiness" >/dev/null; do
    kill -0 "$BROKER_PID" 2>/dev/null || { echo "the broker died; see $WORK/broker.log" >&2; exit 1; }
    sleep 0.2
  done
  KEY=$(curl -sf "http://127.0.0.1:$BROKER_PORT/v1/admin/keys" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -d '{"name":"relay-bench","permissions":["write"]}' \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
  EPH=(--url "ws://127.0.0.1:$BROKER_PORT/v1/realtime" --mint "http://127.0.0.1:$BROKER_PORT/v1/tokens" --key "$KEY")
}
start_broker
echo "relay bench: broker $BROKER_PORT (pid $BROKER_PID), nginx $NGINX_PORT ($NGINX_PIDS), fake $FAKE_PORT"

# JIT warm-up: the broker's relay path runs hot before anything is measured.
load rtt "${EPH[@]}" --sessions 100 --fps "$FPS" --bytes "$BYTES" --seconds 15 --warmup 5 > /dev/null

ROWS=()
rtt_row() { # $1 sessions, $2 label, rest: load options
  local sessions=$1 label=$2; shift 2
  echo "relay bench: $label, $sessions sessions × $FPS fps" >&2
  local r; r=$(load rtt "$@" --sessions "$sessions" --fps "$FPS" --bytes "$BYTES" --seconds "$SECONDS_PER_ROW" \
    --warmup 3 --peer-pids "$FAKE_PID")
  echo "$r" >> "$WORK/raw.jsonl"
  ROWS+=("| $label | $sessions | $(field "$r" echoes_per_s) | $(field "$r" lost) | $(field "$r" cpu_ms_per_1000_frames) | $(field "$r" p50_ms 2) | $(field "$r" p99_ms 2) | $(field "$r" max_ms 1) | $(field "$r" cores_busy 2) |")
}
for sessions in 100 1000; do
  rtt_row "$sessions" "provider directly (no relay)" --url "ws://127.0.0.1:$FAKE_PORT/v1/realtime"
  rtt_row "$sessions" "nginx" --url "ws://127.0.0.1:$NGINX_PORT/v1/realtime" --pids "$NGINX_PIDS"
  rtt_row "$sessions" "Ephemera" "${EPH[@]}" --pids "$BROKER_PID"
done

idle_row() { # $1 label, $2 pids (comma-separated), rest: load options
  local label=$1 pids=$2; shift 2
  echo "relay bench: $label, $IDLE_SESSIONS idle sessions" >&2
  local before after heap_before heap_after fifo="$WORK/idle.fifo"
  [ "$label" = Ephemera ] && heap_before=$(heap_kb)
  before=$(rss_kb ${pids//,/ })
  rm -f "$fifo" "$WORK/idle.out"; mkfifo "$fifo"
  load idle "$@" --sessions "$IDLE_SESSIONS" < "$fifo" > "$WORK/idle.out" & local client=$!
  exec 9> "$fifo"
  until [ -s "$WORK/idle.out" ]; do sleep 0.5; done
  sleep 3
  after=$(rss_kb ${pids//,/ })
  local opened heap="—"; opened=$(field "$(cat "$WORK/idle.out")" open)
  [ "$label" = Ephemera ] && heap_after=$(heap_kb) && heap="$(( (heap_after - heap_before) / (opened > 0 ? opened : 1) )) KB"
  exec 9>&-
  wait "$client" || true
  IDLE_ROWS+=("| $label | $opened | $(( (after - before) / (opened > 0 ? opened : 1) )) KB | $heap | $((after / 1024)) MB |")
}
IDLE_ROWS=()
idle_row "nginx" "$NGINX_PIDS" --url "ws://127.0.0.1:$NGINX_PORT/v1/realtime"
idle_row "Ephemera" "$BROKER_PID" "${EPH[@]}"
sleep 1

echo "relay bench: flood into a stalled provider" >&2
RSS_MAX=0
( while kill -0 "$BROKER_PID" 2>/dev/null; do rss_kb "$BROKER_PID"; sleep 0.2; done ) > "$WORK/flood-rss.txt" & SAMPLER=$!
FLOOD=$(load flood "${EPH[@]}" --probe "ws://127.0.0.1:$BROKER_PORT/v1/realtime" \
  --liveness "http://127.0.0.1:$BROKER_PORT/health/liveness" --seconds 12)
kill "$SAMPLER" 2>/dev/null || true
RSS_MAX=$(sort -n "$WORK/flood-rss.txt" | tail -1)
echo "$FLOOD" >> "$WORK/raw.jsonl"

echo "relay bench: SIGTERM with 20 open sessions" >&2
rm -f "$WORK/drain.out"
load drain "${EPH[@]}" --sessions 20 --wait 30 > "$WORK/drain.out" & DRAINER=$!
until [ -s "$WORK/drain.out" ]; do sleep 0.2; done
TERM_AT=$(date +%s%N)
kill -TERM "$BROKER_PID"
wait "$DRAINER" || true
while kill -0 "$BROKER_PID" 2>/dev/null; do sleep 0.05; done
EXIT_MS=$(( ($(date +%s%N) - TERM_AT) / 1000000 ))
DRAIN=$(tail -1 "$WORK/drain.out")
echo "$DRAIN" >> "$WORK/raw.jsonl"
TOLD_FIRST=$(( $(field "$DRAIN" first_close_epoch_ms) - TERM_AT / 1000000 ))
TOLD_LAST=$(( $(field "$DRAIN" last_close_epoch_ms) - TERM_AT / 1000000 ))

STAMP=$(date -u +%Y-%m-%dT%H%M)
OUT=$ROOT/bench/results/relay-$STAMP.md
{
  echo "# Realtime relay beside nginx — $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(java -version 2>&1 | head -1);"
  echo "$("$NGINX" -v 2>&1); broker: \`$BROKER_JAVA_OPTS\`. Client, fake provider, nginx and broker share the cores."
  echo "Frames are $BYTES-byte JSON text events; a round trip is client → relay → echo provider → relay → client."
  echo "CPU is the relay process's own (all nginx processes for nginx), per 1,000 frames through it (either way)."
  echo
  echo "| relay | sessions | echoes/s | lost | CPU ms per 1,000 frames | RTT p50 ms | RTT p99 ms | RTT max ms | cores busy (relay + provider + client) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Idle sessions (memory added per open session, RSS; nginx: all its processes):"
  echo
  echo "| relay | sessions open | RSS per session | heap per session (after a full GC) | RSS in all |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${IDLE_ROWS[@]}"
  echo
  echo "Flood: one client writes 64 KB events as fast as it can to a session whose provider stopped reading"
  echo "(upstream-timeout 5s), while a probe session echoes 10 frames/s and liveness is asked every 100 ms:"
  echo
  echo "| flooding session ended | bytes the client got written | probe RTT max | liveness max | liveness failures | broker RSS max |"
  echo "|---|---|---|---|---|---|"
  echo "| $(field "$FLOOD" flood_close) | $(field "$FLOOD" flood_bytes_written) | $(field "$FLOOD" probe_rtt_max_ms 1) ms | $(field "$FLOOD" liveness_max_ms 1) ms | $(field "$FLOOD" liveness_failures) | $((RSS_MAX / 1024)) MB |"
  echo
  echo "SIGTERM with 20 open sessions (drain-period 5s): sessions' close codes $(field "$DRAIN" codes), reasons"
  echo "$(field "$DRAIN" reasons), told $TOLD_FIRST–$TOLD_LAST ms after the signal; the broker exited after $EXIT_MS ms."
  echo
  echo "Raw results: one JSON line per measurement in target/bench-relay/raw.jsonl."
} > "$OUT"
cp "$OUT" "$ROOT/bench/results/relay-latest.md"
cat "$OUT"
