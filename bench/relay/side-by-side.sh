#!/usr/bin/env bash
# Two broker jars beside nginx in one run, 100 sessions × 50 frames/s of 1 KB (as bench/relay/run.sh's first rows):
# one Redis, one fake provider, one nginx, both brokers started up front and warmed up; then ROUNDS rounds of one
# row each for nginx, A and B, the order flipping every round, so that a ratio is taken within minutes on this
# shared machine. One line per row on stdout; raw JSON lines in target/bench-relay/side-by-side.jsonl.
#   bench/relay/side-by-side.sh base.jar new.jar      ROUNDS=4 SECONDS_PER_ROW=10 SESSIONS=100 B_JAVA_OPTS=…
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=$PWD/bench/relay
WORK=$PWD/target/bench-relay
mkdir -p "$WORK"
SECONDS_PER_ROW=${SECONDS_PER_ROW:-10}
ROUNDS=${ROUNDS:-4}
SESSIONS=${SESSIONS:-100}
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xms128m -Xmx128m -XX:MaxDirectMemorySize=64m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m}
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
(cd "$HERE" && npm ci --no-audit --no-fund --silent)
CLK_TCK=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
load() { node "$HERE/load.mjs" "$@" --clk "$CLK_TCK"; }

source "$HERE/start-parts.sh"
start_parts

ADMIN=bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
declare -A PORT PID KEY
start_broker() { # $1 name, $2 jar, $3 extra JVM options
  local port pid; port=$(free_port)
  MALLOC_ARENA_MAX=2 REDIS_URI=redis://127.0.0.1:$REDIS_PORT EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$port \
    OPENAI_API_KEY=sk-test-bench-fake-key EPHEMERA_PROVIDERS_OPENAI_REALTIME_URL=ws://127.0.0.1:$FAKE_PORT/v1/realtime \
    EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 EPHEMERA_RATE_LIMITS_MAX_CONCURRENT_SESSIONS_PER_KEY=1000000 \
    EPHEMERA_RELAY_UPSTREAM_TIMEOUT=5s \
    java -XX:+ExitOnOutOfMemoryError $BROKER_JAVA_OPTS $3 -jar "$2" > "$WORK/broker-$1.log" 2>&1 & pid=$!
  PIDS+=("$pid")
  until curl -sf "http://127.0.0.1:$port/health/readiness" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "broker $1 died; see $WORK/broker-$1.log" >&2; exit 1; }
    sleep 0.2
  done
  KEY[$1]=$(curl -sf "http://127.0.0.1:$port/v1/admin/keys" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -d "{\"name\":\"side-by-side-$1\",\"permissions\":[\"write\"]}" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
  PORT[$1]=$port; PID[$1]=$pid
}
start_broker A "$1" "${A_JAVA_OPTS:-}"
start_broker B "$2" "${B_JAVA_OPTS:-}"
eph() { echo --url "ws://127.0.0.1:${PORT[$1]}/v1/realtime" --mint "http://127.0.0.1:${PORT[$1]}/v1/tokens" \
  --key "${KEY[$1]}" --pids "${PID[$1]}"; }
for b in A B; do load rtt $(eph $b) --sessions 100 --fps 50 --bytes 1024 --seconds 15 --warmup 5 > /dev/null; done

row() { # $1 label, rest: load options
  local label=$1 r; shift
  r=$(load rtt "$@" --sessions "$SESSIONS" --fps 50 --bytes 1024 --seconds "$SECONDS_PER_ROW" --warmup 3 \
    --peer-pids "$FAKE_PID" 2>/dev/null)
  echo "{\"row\":\"$label\",\"result\":$r}" >> "$WORK/side-by-side.jsonl"
  node -e 'const r=JSON.parse(process.argv[2]);const f=(v,d)=>v==null?"—":v.toFixed(d);
    console.log(`${process.argv[1]}: cpu ms/1000 frames ${f(r.cpu_ms_per_1000_frames,2)}, p50 ${f(r.p50_ms,2)}, ` +
      `p99 ${f(r.p99_ms,2)}, max ${f(r.max_ms,1)} ms, echoes/s ${r.echoes_per_s}, lost ${r.lost}`)' "$label" "$r"
}
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="N A B"; else order="B A N"; fi
  for x in $order; do
    case $x in
      N) row "round $round nginx" --url "ws://127.0.0.1:$NGINX_PORT/v1/realtime" --pids "$NGINX_PIDS" ;;
      *) row "round $round $x" $(eph "$x") ;;
    esac
  done
done
