# Shared by bench/signers.sh and bench/audit.sh: two builds of the broker on one Redis, measured by alternating
# wrk runs. Source it from the repository's root; it sets JAVA_HOME and a cleanup trap.

for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then JAVA_HOME=$candidate; break; fi
done
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

SIDE_PIDS=()
SIDE_WORKTREE=""
side_cleanup() {
  for p in "${SIDE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${SIDE_REDIS_PORT:-}" ] && redis-cli -p "$SIDE_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  [ -n "$SIDE_WORKTREE" ] && git worktree remove --force "$SIDE_WORKTREE" 2>/dev/null || true
}
trap side_cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# build_here JAR: the broker's jar as the working tree is, copied to JAR.
build_here() {
  ./mvnw -q -B package -DskipTests
  cp target/ephemera-*-SNAPSHOT.jar "$1"
}

# build_at JAR DIR REV [EDIT...]: the broker's jar at commit REV, built in a worktree at DIR after running EDIT
# there, copied to JAR.
build_at() {
  local jar=$1 dir=$2 rev=$3; shift 3
  rm -rf "$dir"
  git worktree add -q --detach "$dir" "$rev"
  SIDE_WORKTREE=$dir
  (cd "$dir" && "$@" && ./mvnw -q -B package -DskipTests -Dcheckstyle.skip)
  cp "$dir"/target/ephemera-*-SNAPSHOT.jar "$jar"
}

start_redis() {
  SIDE_REDIS_PORT=$(free_port)
  redis-server --port "$SIDE_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --logfile "$1/redis.log"
  SIDE_ADMIN=side-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
}

# start_broker JAR PORT LOG [ENV=VALUE...]: the broker with the footprint options of bench/run.sh, standard output
# into a pipe (as a container runtime reads it).
start_broker() {
  local jar=$1 port=$2 log=$3; shift 3
  env "$@" MALLOC_ARENA_MAX=2 REDIS_URI=redis://127.0.0.1:$SIDE_REDIS_PORT EPHEMERA_ADMIN_KEY=$SIDE_ADMIN \
    MICRONAUT_SERVER_PORT=$port EPHEMERA_PROVIDERS_OPENAI_API_KEY=sk-test-bench-fake-key \
    EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE=100000000 \
    java -XX:+ExitOnOutOfMemoryError -Xms64m -Xmx128m -Xmn80m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=48m \
    -jar "$jar" > >(cat > /dev/null) 2>"$log" &
  SIDE_PIDS+=("$!")
  until curl -sf "http://127.0.0.1:$port/health/readiness" >/dev/null; do sleep 0.2; done
}

# new_key PORT [PERMISSIONS]: an API key (default permission: write; e.g. '"read","write"'), on the broker at PORT.
new_key() {
  curl -sf "http://127.0.0.1:$1/v1/admin/keys" -H "Authorization: Bearer $SIDE_ADMIN" \
    -H 'Content-Type: application/json' -d "{\"name\":\"side-by-side\",\"permissions\":[${2:-\"write\"}]}" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["key"])'
}

# alternate ROUNDS SECONDS URL_A URL_B: warms both, then alternates wrk runs of bench/wrk/post.lua ($KEY, $BODY);
# sets the arrays SIDE_A and SIDE_B (requests/s of each run).
alternate() {
  local rounds=$1 seconds=$2 a=$3 b=$4
  for url in "$a" "$b"; do wrk -t2 -c50 -d15s -s bench/wrk/post.lua "$url" >/dev/null; done
  SIDE_A=(); SIDE_B=()
  for _ in $(seq "$rounds"); do
    SIDE_A+=("$(wrk -t2 -c50 -d"${seconds}"s -s bench/wrk/post.lua "$a" | awk '/Requests\/sec/ {printf "%.0f", $2}')")
    SIDE_B+=("$(wrk -t2 -c50 -d"${seconds}"s -s bench/wrk/post.lua "$b" | awk '/Requests\/sec/ {printf "%.0f", $2}')")
  done
}

mean() { python3 -c 'import sys;v=[float(x) for x in sys.argv[1:]];print(round(sum(v)/len(v)))' "$@"; }
