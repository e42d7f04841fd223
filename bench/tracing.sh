#!/usr/bin/env bash
# Tracing's cost on the mint path, side by side in one run (issue 32): opaque mints/s and the broker's CPU per mint
# for four brokers on one Redis, measured by alternating wrk runs: the commit before tracing existed (BEFORE_REV),
# this build with tracing off (no OTLP endpoint), on with every trace sampled, and on with one in ten
# (OTEL_TRACES_SAMPLER=traceidratio, ARG 0.1: not parent-based, since every mint here carries a sampled parent, which
# a parent-based sampler would follow). The traced brokers export to a local OTLP/HTTP sink
# (bench/tracing/otlp-sink.mjs, Node.js) that answers 200 at once. Each mint carries a backend's traceparent, sampled.
#   bench/tracing.sh            ROUNDS=4 SECONDS_PER_RUN=10 BEFORE_REV=47892ff; writes bench/results/tracing-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-tracing
mkdir -p "$WORK" "$ROOT/bench/results"
source bench/lib/side-by-side.sh
command -v node >/dev/null || { echo "node is needed (the OTLP sink)" >&2; exit 1; }

echo "tracing: building the broker as it is and at ${BEFORE_REV:-47892ff} (before tracing)"
build_here "$WORK/now.jar"
build_at "$WORK/before.jar" "$WORK/before" "${BEFORE_REV:-47892ff}" true

start_redis "$WORK"
SINK=$(free_port)
node bench/tracing/otlp-sink.mjs "$SINK" "$WORK/sink.json" & SINK_PID=$!; SIDE_PIDS+=("$SINK_PID")
BEFORE=$(free_port); OFF=$(free_port); ALL=$(free_port); TENTH=$(free_port)
start_broker "$WORK/before.jar" "$BEFORE" "$WORK/before.log"
start_broker "$WORK/now.jar" "$OFF" "$WORK/off.log"
start_broker "$WORK/now.jar" "$ALL" "$WORK/all.log" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK"
start_broker "$WORK/now.jar" "$TENTH" "$WORK/tenth.log" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK" \
  OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
PIDS_BY_PORT=("${SIDE_PIDS[@]: -4}")
KEY=$(new_key "$OFF")
export KEY BODY='{"provider":"openai"}'
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

NAMES=(before off all tenth)
PORTS=("$BEFORE" "$OFF" "$ALL" "$TENTH")
declare -A RPS CPU
for i in 0 1 2 3; do  # warm-up, JIT included
  wrk -t2 -c50 -d15s -s bench/tracing/post-traced.lua "http://127.0.0.1:${PORTS[$i]}/v1/tokens" >/dev/null
done
for round in $(seq "${ROUNDS:-4}"); do
  for i in 0 1 2 3; do
    pid=${PIDS_BY_PORT[$i]}
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t2 -c50 -d"${SECONDS_PER_RUN:-10}"s -s bench/tracing/post-traced.lua "http://127.0.0.1:${PORTS[$i]}/v1/tokens")
    c1=$(cpu_ticks "$pid")
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    RPS[${NAMES[$i]}]+="$rps "
    CPU[${NAMES[$i]}]+="$(python3 -c "print(round(($c1-$c0)*10/$total*1000, 1))") "   # µs of CPU per mint (ticks of 10 ms)
  done
done
kill "$SINK_PID" 2>/dev/null || true; sleep 0.5
OUT=$ROOT/bench/results/tracing-latest.md
{
  echo "# Tracing's cost on the mint path — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "Opaque mints/s, wrk -t2 -c50 with a sampled traceparent on every request, ${SECONDS_PER_RUN:-10} s a run,"
  echo "${ROUNDS:-4} rounds alternating the four brokers, one Redis; broker -Xmx128m -Xmn80m. CPU: the broker's"
  echo "user+system time per mint. Everything (wrk, Redis, the sink, four brokers, one busy at a time) shares 2 cores."
  echo
  echo "| broker | mints/s per run | mean | CPU µs per mint (mean) |"
  echo "|---|---|---|---|"
  for n in "${NAMES[@]}"; do
    # shellcheck disable=SC2086
    echo "| $n | ${RPS[$n]}| $(mean ${RPS[$n]}) | $(python3 -c "v=[float(x) for x in '${CPU[$n]}'.split()];print(round(sum(v)/len(v),1))") |"
  done
  echo
  echo "before: ${BEFORE_REV:-47892ff} (no tracing in the code); off: this build, no endpoint; all: sampled 1.0;"
  echo "tenth: traceidratio 0.1 (one trace in ten recorded, whatever the parent's flag)."
  echo
  echo "OTLP sink: $(cat "$WORK/sink.json" 2>/dev/null || echo '{}')"
} > "$OUT"
cp "$OUT" "$ROOT/bench/results/tracing-$(date -u +%Y-%m-%dT%H%M).md"
cat "$OUT"
