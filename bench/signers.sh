#!/usr/bin/env bash
# JWT signers, side by side in one run (issue 17): the broker as built (Bouncy Castle's P-256 with RFC 6979 nonces
# and Ed25519, token/jwt/P256FastSigner and Ed25519FastSigner) against the same commit with Nimbus's stock signers
# (ECDSASigner on the JDK's provider, Ed25519Signer on Tink), on one Redis, alternating wrk runs of JWT mints.
#   bench/signers.sh            ROUNDS=3 SECONDS_PER_RUN=10; writes bench/results/signers-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-signers
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
mkdir -p "$WORK" "$ROOT/bench/results"
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
command -v wrk >/dev/null || { echo "signers: wrk is needed (apt-get install wrk)" >&2; exit 1; }

echo "signers: building the broker as it is, and a copy with Nimbus's stock signers"
./mvnw -q -B package -DskipTests
cp target/ephemera-*-SNAPSHOT.jar "$WORK/own.jar"
rm -rf "$WORK/stock"
git worktree add -q --detach "$WORK/stock" HEAD
trap 'git worktree remove --force "$WORK/stock" 2>/dev/null || true' EXIT
sed -i -e 's/new P256FastSigner(ec)/new com.nimbusds.jose.crypto.ECDSASigner(ec)/' \
  -e 's/new Ed25519FastSigner(okp)/new com.nimbusds.jose.crypto.Ed25519Signer(okp)/' \
  "$WORK/stock/src/main/java/dev/ephemera/token/jwt/SigningKeys.java"
(cd "$WORK/stock" && ./mvnw -q -B -o package -DskipTests -Dcheckstyle.skip)
cp "$WORK"/stock/target/ephemera-*-SNAPSHOT.jar "$WORK/stock.jar"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile "$WORK/redis.log"
ADMIN=signers-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  git worktree remove --force "$WORK/stock" 2>/dev/null || true; }
trap cleanup EXIT
start() { # $1 jar, $2 port, $3 algorithm
  MALLOC_ARENA_MAX=2 REDIS_URI=redis://127.0.0.1:$REDIS_PORT EPHEMERA_ADMIN_KEY=$ADMIN MICRONAUT_SERVER_PORT=$2 \
    EPHEMERA_TOKENS_SIGNING_ALGORITHM=$3 EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-bench EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 \
    java -XX:+ExitOnOutOfMemoryError -Xms64m -Xmx128m -Xmn80m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m \
    -jar "$1" > "$WORK/broker-$2.log" 2>&1 &
  PIDS+=("$!")
}
ROWS=()
for ALG in ES256 EdDSA; do
  OWN=$(free_port); STOCK=$(free_port)
  start "$WORK/own.jar" "$OWN" "$ALG"; start "$WORK/stock.jar" "$STOCK" "$ALG"
  for port in $OWN $STOCK; do until curl -sf "http://127.0.0.1:$port/health/readiness" >/dev/null; do sleep 0.2; done; done
  KEY=$(curl -sf "http://127.0.0.1:$OWN/v1/admin/keys" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"name":"signers","permissions":["write"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
  export KEY BODY='{"provider":"openai","format":"jwt"}'
  for port in $OWN $STOCK; do wrk -t2 -c50 -d15s -s bench/wrk/post.lua "http://127.0.0.1:$port/v1/tokens" >/dev/null; done
  own=(); stock=()
  for round in $(seq "$ROUNDS"); do
    own+=("$(wrk -t2 -c50 -d"${SECONDS_PER_RUN}"s -s bench/wrk/post.lua "http://127.0.0.1:$OWN/v1/tokens" | awk '/Requests\/sec/ {printf "%.0f", $2}')")
    stock+=("$(wrk -t2 -c50 -d"${SECONDS_PER_RUN}"s -s bench/wrk/post.lua "http://127.0.0.1:$STOCK/v1/tokens" | awk '/Requests\/sec/ {printf "%.0f", $2}')")
  done
  mean() { python3 -c 'import sys;v=[float(x) for x in sys.argv[1:]];print(round(sum(v)/len(v)))' "$@"; }
  mo=$(mean "${own[@]}"); ms=$(mean "${stock[@]}")
  ROWS+=("| $ALG | ${own[*]} (mean $mo) | ${stock[*]} (mean $ms) | $(python3 -c "print(f'{($mo/$ms-1)*100:+.0f}%')") |")
  kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; PIDS=()
done
OUT=$ROOT/bench/results/signers-latest.md
{
  echo "# JWT signers side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "JWT mints/s, wrk -t2 -c50, ${SECONDS_PER_RUN} s a run, runs alternating on one Redis; broker -Xmx128m -Xmn80m."
  echo
  echo "| algorithm | the broker's signers (Bouncy Castle) | Nimbus's stock signers | the broker's gain |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} > "$OUT"
cat "$OUT"
