#!/usr/bin/env bash
# JWT signers, side by side in one run (issue 17): the broker as built (Bouncy Castle's P-256 with RFC 6979 nonces
# and Ed25519, token/jwt/P256FastSigner and Ed25519FastSigner) against the same commit with Nimbus's stock signers
# (ECDSASigner on the JDK's provider, Ed25519Signer on Tink), on one Redis, alternating wrk runs of JWT mints.
#   bench/signers.sh            ROUNDS=3 SECONDS_PER_RUN=10; writes bench/results/signers-latest.md
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-signers
mkdir -p "$WORK" "$ROOT/bench/results"
source bench/lib/side-by-side.sh

echo "signers: building the broker as it is, and a copy with Nimbus's stock signers"
build_here "$WORK/own.jar"
stock_signers() {
  sed -i -e 's/new P256FastSigner(ec)/new com.nimbusds.jose.crypto.ECDSASigner(ec)/' \
    -e 's/new Ed25519FastSigner(okp)/new com.nimbusds.jose.crypto.Ed25519Signer(okp)/' \
    src/main/java/dev/ephemera/token/jwt/SigningKeys.java
}
build_at "$WORK/stock.jar" "$WORK/stock" HEAD stock_signers

start_redis "$WORK"
ROWS=()
for ALG in ES256 EdDSA; do
  OWN=$(free_port); STOCK=$(free_port)
  start_broker "$WORK/own.jar" "$OWN" "$WORK/own-$ALG.log" EPHEMERA_TOKENS_SIGNING_ALGORITHM="$ALG"
  start_broker "$WORK/stock.jar" "$STOCK" "$WORK/stock-$ALG.log" EPHEMERA_TOKENS_SIGNING_ALGORITHM="$ALG"
  KEY=$(new_key "$OWN")
  export KEY BODY='{"provider":"openai","format":"jwt"}'
  alternate "${ROUNDS:-3}" "${SECONDS_PER_RUN:-10}" "http://127.0.0.1:$OWN/v1/tokens" "http://127.0.0.1:$STOCK/v1/tokens"
  mo=$(mean "${SIDE_A[@]}"); ms=$(mean "${SIDE_B[@]}")
  ROWS+=("| $ALG | ${SIDE_A[*]} (mean $mo) | ${SIDE_B[*]} (mean $ms) | $(python3 -c "print(f'{($mo/$ms-1)*100:+.0f}%')") |")
  for p in "${SIDE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; SIDE_PIDS=()
done
OUT=$ROOT/bench/results/signers-latest.md
{
  echo "# JWT signers side by side — $(date -u +%Y-%m-%dT%H%M)"
  echo
  echo "JWT mints/s, wrk -t2 -c50, ${SECONDS_PER_RUN:-10} s a run, runs alternating on one Redis; broker -Xmx128m -Xmn80m."
  echo
  echo "| algorithm | the broker's signers (Bouncy Castle) | Nimbus's stock signers | the broker's gain |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} > "$OUT"
cat "$OUT"
