#!/usr/bin/env bash
# Builds the tests' Redis image `localhost/ephemera-test-redis:7` with podman (or docker) from this machine's
# redis-server (Debian/Ubuntu: apt-get install redis-server) and the shared libraries it links (ldd), FROM scratch:
# no registry is needed. The tests use it where a container engine runs (support/TestRedis, RedisTopologies).
#   container/redis/build.sh      IMAGE=localhost/ephemera-test-redis:7 ENGINE=podman REDIS_SERVER=/usr/bin/redis-server
set -euo pipefail
cd "$(dirname "$0")/../.."
ENGINE=${ENGINE:-$(command -v podman || command -v docker)}
IMAGE=${IMAGE:-localhost/ephemera-test-redis:7}
SERVER=${REDIS_SERVER:-$(command -v redis-server)}
"$SERVER" --version | grep -q ' v=7\.' || { echo "redis/build.sh: $SERVER is not Redis 7" >&2; exit 1; }
OUT=target/container-redis
rm -rf "$OUT" && mkdir -p "$OUT/rootfs/usr/bin" "$OUT/rootfs/data" "$OUT/rootfs/etc" "$OUT/rootfs/tmp"
ROOT=$(cd "$OUT/rootfs" && pwd)
# Named redis-server: the one binary is also redis-check-rdb and redis-check-aof, chosen by the name it runs as.
cp -L "$SERVER" "$ROOT/usr/bin/redis-server"
ldd "$SERVER" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u | while read -r lib; do
  mkdir -p "$ROOT$(dirname "$lib")" && cp -L "$lib" "$ROOT$lib"
done
printf 'root:x:0:0::/:/nonexistent\nredis:x:999:999::/data:/nonexistent\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nredis:x:999:\n' > "$ROOT/etc/group"
chmod 777 "$ROOT/data" && chmod 1777 "$ROOT/tmp"
"$ENGINE" build -q -f container/redis/Containerfile -t "$IMAGE" . >/dev/null
"$ENGINE" image inspect "$IMAGE" --format '{{.Size}}' | awk -v i="$IMAGE" '{printf "container: %s, %.1f MB\n", i, $1/1e6}'
