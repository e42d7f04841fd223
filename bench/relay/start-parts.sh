# Sourced by run.sh and side-by-side.sh: start_parts starts what both measure against, on free ports: a Redis, the
# fake echo provider and nginx proxying to it. Needs WORK, HERE, NGINX, the PIDS array and free_port; sets
# REDIS_PORT, FAKE_PORT, FAKE_PID, NGINX_PORT, NGINX_MASTER and NGINX_PIDS.
start_parts() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
    --logfile "$WORK/redis.log" & PIDS+=("$!")
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done

  FAKE_PORT=$(free_port)
  node "$HERE/fake-provider.mjs" "$FAKE_PORT" > "$WORK/fake.log" 2>&1 & FAKE_PID=$!; PIDS+=("$FAKE_PID")

  NGINX_PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  sed -e "s|@PORT@|$NGINX_PORT|g" -e "s|@UPSTREAM@|127.0.0.1:$FAKE_PORT|g" -e "s|@WORK@|$WORK/nginx|g" \
    "$HERE/nginx.conf" > "$WORK/nginx/nginx.conf"
  "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' & NGINX_MASTER=$!; PIDS+=("$NGINX_MASTER")
  sleep 1
  NGINX_PIDS=$(echo "$NGINX_MASTER" $(pgrep -P "$NGINX_MASTER") | tr ' ' ',')
}
