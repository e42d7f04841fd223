#!/usr/bin/env bash
# OpenAI's realtime protocol and Google's Live API through one broker, beside nginx, at one load: 100 sessions × 50
# frames/s of about 1 KB. One Redis, one fake provider (bench/relay/fake-provider.mjs: an echo on /v1/realtime,
# Live's setupComplete and model content on …BidiGenerateContent), one nginx, one broker built from this checkout
# and warmed up on both protocols; then ROUNDS rounds of one row each for nginx (OpenAI's frames), the broker on
# OpenAI's protocol, the broker on Live's and nginx on Live's frames, the order flipping every round, so that a
# ratio is taken within minutes on this shared machine. Each row: CPU per 1,000 frames of the relay (nginx: all its
# processes) and of the fake provider, round-trip p50/p99, and the 1-minute load average when it ended. One line
# per row on stdout, a Markdown table of the rows and their means at the end (also target/bench-relay/protocols.md);
# raw JSON lines in target/bench-relay/protocols.jsonl.
#   bench/relay/protocols.sh           ROUNDS=4 SECONDS_PER_ROW=10 SESSIONS=100 SKIP_BUILD=1 (reuse target/ephemera-*.jar)
#   bench/relay/protocols.sh other.jar  a jar built elsewhere instead (nothing is built); BROKER_JAVA_OPTS as run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=$PWD/bench/relay
WORK=$PWD/target/bench-relay
mkdir -p "$WORK"
SECONDS_PER_ROW=${SECONDS_PER_ROW:-10}
ROUNDS=${ROUNDS:-4}
SESSIONS=${SESSIONS:-100}
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:--Xms128m -Xmx128m -XX:MaxDirectMemorySize=64m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m}
LIVE_PATH=/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v redis-server >/dev/null || need+=(redis-server)
if [ "${#need[@]}" -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
(cd "$HERE" && npm ci --no-audit --no-fund --silent)
if [ -n "${1:-}" ]; then
  JAR=$(realpath "$1")
else
  if [ -z "${SKIP_BUILD:-}" ]; then
    echo "protocols: building the broker" >&2
    ./mvnw -B -o -q package -DskipTests -Dcheckstyle.skip -Denforcer.skip=true
  fi
  JAR=$(ls target/ephemera-*.jar | grep -v original | head -1)
fi
CLK_TCK=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
load() { node "$HERE/load.mjs" "$@" --clk "$CLK_TCK"; }

source "$HERE/start-parts.sh"
start_parts

ADMIN=bench-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
BROKER_PORT=$(free_port)
MALLOC_ARENA_MAX=2 REDIS_URI=redis://127.0.0.1:$REDIS_PORT EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$BROKER_PORT \
  OPENAI_API_KEY=sk-test-bench-fake-key EPHEMERA_PROVIDERS_OPENAI_REALTIME_URL=ws://127.0.0.1:$FAKE_PORT/v1/realtime \
  GEMINI_API_KEY=fake-gemini-key EPHEMERA_PROVIDERS_GEMINI_REALTIME_URL=ws://127.0.0.1:$FAKE_PORT$LIVE_PATH \
  EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 EPHEMERA_RATE_LIMITS_MAX_CONCURRENT_SESSIONS_PER_KEY=1000000 \
  EPHEMERA_RELAY_UPSTREAM_TIMEOUT=5s \
  java -XX:+ExitOnOutOfMemoryError $BROKER_JAVA_OPTS -jar "$JAR" > "$WORK/broker-protocols.log" 2>&1 & BROKER_PID=$!
PIDS+=("$BROKER_PID")
until curl -sf "http://127.0.0.1:$BROKER_PORT/health/readiness" >/dev/null; do
  kill -0 "$BROKER_PID" 2>/dev/null || { echo "the broker died; see $WORK/broker-protocols.log" >&2; exit 1; }
  sleep 0.2
done
KEY=$(curl -sf "http://127.0.0.1:$BROKER_PORT/v1/admin/keys" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"name":"protocols","permissions":["write"]}' \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
MINT=(--mint "http://127.0.0.1:$BROKER_PORT/v1/tokens" --key "$KEY" --pids "$BROKER_PID")
OPENAI=(--url "ws://127.0.0.1:$BROKER_PORT/v1/realtime" "${MINT[@]}")
LIVE=(--protocol live --url "ws://127.0.0.1:$BROKER_PORT/v1/proxy/gemini$LIVE_PATH" "${MINT[@]}")
echo "protocols: broker $BROKER_PORT (pid $BROKER_PID), nginx $NGINX_PORT ($NGINX_PIDS), fake $FAKE_PORT;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# JIT warm-up on both paths before anything is measured.
load rtt "${OPENAI[@]}" --sessions 100 --fps 50 --bytes 1024 --seconds 15 --warmup 5 > /dev/null
load rtt "${LIVE[@]}" --sessions 100 --fps 50 --bytes 1024 --seconds 15 --warmup 5 > /dev/null

: > "$WORK/protocols.jsonl"
row() { # $1 round, $2 row name, rest: load options
  local round=$1 name=$2 r; shift 2
  r=$(load rtt "$@" --sessions "$SESSIONS" --fps 50 --bytes 1024 --seconds "$SECONDS_PER_ROW" --warmup 3 \
    --peer-pids "$FAKE_PID" 2>/dev/null)
  echo "{\"round\":$round,\"row\":\"$name\",\"result\":$r}" >> "$WORK/protocols.jsonl"
  node -e 'const r=JSON.parse(process.argv[3]);const f=(v,d)=>v==null?"—":v.toFixed(d);
    console.log(`round ${process.argv[1]} ${process.argv[2]}: cpu ms/1000 frames ${f(r.cpu_ms_per_1000_frames,2)}, ` +
      `fake ${f(r.peer_cpu_ms_per_1000_frames,2)}, p50 ${f(r.p50_ms,2)}, p99 ${f(r.p99_ms,2)}, max ${f(r.max_ms,1)} ms, ` +
      `echoes/s ${r.echoes_per_s}, lost ${r.lost}, load ${r.load_average_1m}`)' "$round" "$name" "$r"
}
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="nginx openai live nginx-live"; else order="nginx-live live openai nginx"; fi
  for x in $order; do
    case $x in
      nginx) row "$round" nginx --url "ws://127.0.0.1:$NGINX_PORT/v1/realtime" --pids "$NGINX_PIDS" ;;
      nginx-live) row "$round" nginx-live --protocol live --url "ws://127.0.0.1:$NGINX_PORT$LIVE_PATH" \
        --pids "$NGINX_PIDS" ;;
      openai) row "$round" openai "${OPENAI[@]}" ;;
      live) row "$round" live "${LIVE[@]}" ;;
    esac
  done
done

# The table: per round, each row's CPU per 1,000 frames (relay, fake), p50/p99, the ratios; then the means.
node - "$WORK/protocols.jsonl" > "$WORK/protocols.md" <<'EOF'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const rows = ['nginx', 'openai', 'live', 'nginx-live'];
const rounds = [...new Set(lines.map((l) => l.round))];
const at = (round, row) => lines.find((l) => l.round === round && l.row === row)?.result;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (v, d = 2) => (v == null || Number.isNaN(v) ? '—' : v.toFixed(d));
const cells = (r) => (r ? `${f(r.cpu_ms_per_1000_frames)} / ${f(r.peer_cpu_ms_per_1000_frames)} | ${f(r.p50_ms)} / ${f(r.p99_ms)}`
  : '— | —');
const ratios = (get) => [get('openai') / get('nginx'), get('live') / get('nginx'), get('live') / get('nginx-live'),
  get('live') / get('openai')];
console.log('| round | nginx: CPU relay / fake | nginx: p50 / p99 | OpenAI: CPU relay / fake | OpenAI: p50 / p99 | '
  + 'Live: CPU relay / fake | Live: p50 / p99 | nginx (Live): CPU relay / fake | nginx (Live): p50 / p99 | '
  + 'OpenAI / nginx | Live / nginx | Live / nginx (Live) | Live / OpenAI | lost | load avg |');
console.log('|' + '---|'.repeat(15));
for (const round of rounds) {
  const cpu = (row) => at(round, row)?.cpu_ms_per_1000_frames;
  const lost = rows.reduce((sum, row) => sum + (at(round, row)?.lost ?? 0), 0);
  const loads = rows.map((row) => at(round, row)?.load_average_1m).filter((v) => v != null);
  console.log(`| ${round} | ${rows.map((row) => cells(at(round, row))).join(' | ')} | `
    + `${ratios(cpu).map((v) => f(v)).join(' | ')} | ${lost} | ${f(Math.min(...loads), 1)}–${f(Math.max(...loads), 1)} |`);
}
const m = (row, field) => mean(rounds.map((round) => at(round, row)?.[field]).filter((v) => v != null));
const meanCells = rows.map((row) => `**${f(m(row, 'cpu_ms_per_1000_frames'))}** / ${f(m(row, 'peer_cpu_ms_per_1000_frames'))} | `
  + `${f(m(row, 'p50_ms'))} / ${f(m(row, 'p99_ms'))}`);
const allLoads = lines.map((l) => l.result.load_average_1m);
console.log(`| means | ${meanCells.join(' | ')} | `
  + `${ratios((row) => m(row, 'cpu_ms_per_1000_frames')).map((v) => `**${f(v)}**`).join(' | ')} | `
  + `${lines.reduce((sum, l) => sum + l.result.lost, 0)} | ${f(mean(allLoads), 1)} |`);
EOF
echo
cat "$WORK/protocols.md"
