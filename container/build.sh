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
# elliptic curves and its management beans (Micrometer), Netty's use of Unsafe, the flight recorder for profiling.
MODULES=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$JAR")
MODULES="$MODULES,jdk.naming.dns,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.jfr,java.net.http"
echo "container: modules $MODULES"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$OUT/rootfs/opt/java"

# The shared libraries the runtime links (glibc, zlib, ...), at the paths it looks for them.
for lib in $(find "$OUT/rootfs/opt/java" -name '*.so' -o -name java -type f | xargs ldd 2>/dev/null \
    | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
  mkdir -p "$OUT/rootfs$(dirname "$lib")" && cp -L "$lib" "$OUT/rootfs$lib"
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

"$ENGINE" build -f container/Containerfile -t "$IMAGE" .
"$ENGINE" image inspect "$IMAGE" --format '{{.Size}}' | awk -v i="$IMAGE" '{printf "container: %s, %.0f MB\n", i, $1/1e6}'
