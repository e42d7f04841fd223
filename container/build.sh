#!/usr/bin/env bash
# Builds the image `localhost/ephemera:<version>` with podman (or docker), from the jar in target/ (./mvnw package)
# and a runtime jlinked from this machine's JDK 25 with the modules jdeps finds in the jar.
#   container/build.sh            IMAGE=localhost/ephemera:0.1.0 ENGINE=podman
set -euo pipefail
cd "$(dirname "$0")/.."
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/jlink" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
    JAVA_HOME=$candidate; break
  fi
done
ENGINE=${ENGINE:-$(command -v podman || command -v docker)}
JAR=$(ls target/ephemera-*.jar | grep -v original | head -1)
VERSION=$(basename "$JAR" .jar | sed 's/^ephemera-//; s/-SNAPSHOT$//')
IMAGE=${IMAGE:-localhost/ephemera:$VERSION}
OUT=target/container
rm -rf "$OUT" && mkdir -p "$OUT/rootfs/tmp" "$OUT/rootfs/etc" "$OUT/rootfs/app"
cp "$JAR" "$OUT/ephemera.jar"

# The modules the jar needs (jdeps), and those it reaches only by name or service: DNS through JNDI, the JDK's
# elliptic curves and its management beans (Micrometer), Netty's use of Unsafe, the flight recorder for profiling,
# and the zip file system Micronaut reads its own jar with.
MODULES=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$JAR")
MODULES="$MODULES,jdk.zipfs,jdk.naming.dns,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.jfr,java.net.http"
echo "container: modules $MODULES"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$OUT/rootfs/opt/java"

# java.desktop comes for java.beans; its native graphics libraries (and the X11 they link) are never loaded by a
# headless server, so they stay out.
rm -f "$OUT"/rootfs/opt/java/lib/{libawt_xawt,libsplashscreen,libjawt,libfontmanager,liblcms,libjavajpeg,libmlib_image,libjsound}.so

# The shared libraries the runtime links (glibc, zlib, ...), at the paths it looks for them.
ROOT=$(cd "$OUT/rootfs" && pwd)
find "$ROOT/opt/java" -type f \( -name '*.so' -o -name java \) | while read -r f; do
  ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
done | grep -v "^$ROOT" | sort -u | while read -r lib; do
  mkdir -p "$ROOT$(dirname "$lib")" && cp -L "$lib" "$ROOT$lib"
done
# glibc's name service switch for host names (the container runtime mounts /etc/hosts and /etc/resolv.conf).
for lib in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 \
    /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -f "$lib" ] && mkdir -p "$OUT/rootfs$(dirname "$lib")" && cp -L "$lib" "$OUT/rootfs$lib"
done
printf 'hosts: files dns\n' > "$OUT/rootfs/etc/nsswitch.conf"
printf 'root:x:0:0::/:/nonexistent\nephemera:x:10001:10001::/tmp:/nonexistent\n' > "$OUT/rootfs/etc/passwd"
printf 'root:x:0:\nephemera:x:10001:\n' > "$OUT/rootfs/etc/group"
chmod 1777 "$OUT/rootfs/tmp"

# The images this build replaces, removed after it (a rebuild would leave them behind untagged, 100-200 MB each).
REPLACED=$("$ENGINE" image inspect --format '{{.Id}}' "$IMAGE" "$IMAGE-noaot" 2>/dev/null || true)
"$ENGINE" build -f container/Containerfile -t "$IMAGE-noaot" .

# The AOT cache (JEP 483/514): a training run of this very image (same runtime, same jar path) records the classes
# it loads and linked; the final image starts from it. In-memory store, one mint and one introspection as the work.
mkdir -p "$OUT/aot" && chmod 777 "$OUT/aot"
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
TRAINING=ephemera-aot-training-$$
trap '"$ENGINE" rm -f "$TRAINING" >/dev/null 2>&1 || true' EXIT
ADMIN=train-admin-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$ENGINE" run -d --name "$TRAINING" --network=host --user 10001 -v "$(pwd)/$OUT/aot:/aot:rw" \
  -e MICRONAUT_SERVER_PORT="$PORT" -e EPHEMERA_ADMIN_KEY="$ADMIN" -e EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-test-aot-training \
  --entrypoint /opt/java/bin/java "$IMAGE-noaot" -XX:AOTCacheOutput=/aot/ephemera.aot -jar /app/ephemera.jar >/dev/null
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health/readiness" >/dev/null && break; sleep 0.1; done
KEY=$(curl -sf "http://127.0.0.1:$PORT/v1/admin/keys" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"training","permissions":["read","write"]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])')
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/v1/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"provider":"openai"}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["value"])')
curl -sf "http://127.0.0.1:$PORT/v1/tokens/introspect" -H "Authorization: Bearer $KEY" -d "token=$TOKEN" >/dev/null
"$ENGINE" stop -t 30 "$TRAINING" >/dev/null; "$ENGINE" rm "$TRAINING" >/dev/null
cp "$OUT/aot/ephemera.aot" "$OUT/ephemera.aot"
# What the image is built from, as a label: the jar's entries (name, CRC, size; sorted, as the shaded jar's order
# and times change from one package to the next), then this script and the Containerfile. The tests rebuild an image
# whose label says another (support/TestImages, which computes the same).
DIGEST=$(python3 - "$JAR" <<'PY'
import hashlib, sys, zipfile
h = hashlib.sha256()
for i in sorted(zipfile.ZipFile(sys.argv[1]).infolist(), key=lambda i: i.filename):
    h.update(f"{i.filename}\0{i.CRC}\0{i.file_size}\n".encode())
for f in ("container/build.sh", "container/Containerfile"):
    h.update(open(f, "rb").read())
print(h.hexdigest())
PY
)
printf 'FROM %s\nCOPY %s /app/ephemera.aot\nLABEL dev.ephemera.build-digest=%s\nENTRYPOINT ["/opt/java/bin/java", "-XX:AOTCache=/app/ephemera.aot", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/ephemera.jar"]\n' \
  "$IMAGE-noaot" "$OUT/ephemera.aot" "$DIGEST" > "$OUT/Containerfile.aot"
"$ENGINE" build -f "$OUT/Containerfile.aot" -t "$IMAGE" .
KEPT=$("$ENGINE" image inspect --format '{{.Id}}' "$IMAGE" "$IMAGE-noaot")
for id in $REPLACED; do
  grep -q "$id" <<<"$KEPT" || "$ENGINE" rmi "$id" >/dev/null 2>&1 || true
done
"$ENGINE" image inspect "$IMAGE" --format '{{.Size}}' | awk -v i="$IMAGE" '{printf "container: %s, %.0f MB\n", i, $1/1e6}'
