#!/usr/bin/env bash
# Runs the image as a platform would (read-only root, no capabilities, uid 10001) against a throwaway Redis on
# loopback, and checks readiness, one mint and one redemption through it; prints start-to-ready time, peak RSS
# and the image size. Used by .ci/run after container/build.sh.
#   container/smoke.sh            IMAGE=localhost/ephemera:0.1.0 ENGINE=podman
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-$(command -v podman || command -v docker)}
JAR=$(ls target/ephemera-*.jar | grep -v original | head -1)
IMAGE=${IMAGE:-localhost/ephemera:$(basename "$JAR" .jar | sed 's/^ephemera-//; s/-SNAPSHOT$//')}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port); PORT=$(free_port); NAME=ephemera-smoke-$$
ADMIN=smoke-admin-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile /dev/null
cleanup() { "$ENGINE" rm -f "$NAME" >/dev/null 2>&1 || true; redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; }
trap cleanup EXIT

started=$(date +%s%N)
"$ENGINE" run -d --name "$NAME" --read-only --cap-drop=ALL --user 10001 --network=host \
  --tmpfs /tmp:rw,size=64m,mode=1777 \
  -e REDIS_URI="redis://127.0.0.1:$REDIS_PORT" -e EPHEMERA_ADMIN_KEY="$ADMIN" -e MICRONAUT_SERVER_PORT="$PORT" \
  -e EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-test-smoke-fake-key \
  -e JAVA_TOOL_OPTIONS="-Xms256m -Xmx256m -XX:MaxDirectMemorySize=128m" "$IMAGE" >/dev/null
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/health/readiness" >/dev/null && break
  "$ENGINE" inspect -f '{{.State.Running}}' "$NAME" | grep -q true || { "$ENGINE" logs "$NAME"; exit 1; }
  sleep 0.05
done
curl -sf "http://127.0.0.1:$PORT/health/readiness" >/dev/null || { "$ENGINE" logs "$NAME"; echo "smoke: not ready" >&2; exit 1; }
READY_MS=$(( ($(date +%s%N) - started) / 1000000 ))
KEY=$(curl -sf "http://127.0.0.1:$PORT/v1/admin/keys" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"smoke","permissions":["read","write"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/v1/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"provider":"openai","format":"jwt"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["value"])')
curl -sf "http://127.0.0.1:$PORT/v1/tokens/introspect" -H "Authorization: Bearer $KEY" \
  -d "token=$TOKEN&consume=true" | grep -q '"active":true' || { echo "smoke: redeem failed" >&2; exit 1; }
curl -s "http://127.0.0.1:$PORT/v1/tokens/introspect" -H "Authorization: Bearer $KEY" \
  -d "token=$TOKEN&consume=true" | grep -q 'token_already_used' || { echo "smoke: second redeem not refused" >&2; exit 1; }
PID=$("$ENGINE" inspect -f '{{.State.Pid}}' "$NAME")
RSS=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$PID/status")
SIZE=$("$ENGINE" image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f", $1/1e6}')
"$ENGINE" logs "$NAME" 2>&1 | grep -q "$ADMIN" && { echo "smoke: the admin key is in the log" >&2; exit 1; }
echo "smoke: $IMAGE ($SIZE MB) ready in $READY_MS ms, read-only as uid 10001; minted, redeemed once, refused twice; peak RSS $RSS MB"
