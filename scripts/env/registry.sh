# The local registries for pull/push/login tests (Debian's docker-registry 2.8). Sourced by scripts/test-env.sh.
# shellcheck shell=bash
#
#   127.0.0.1:5000  open, no auth            holds 127.0.0.1:5000/flotilla-test/busybox:latest
#   127.0.0.1:5001  htpasswd basic auth      user flotilla, password flotilla (bcrypt);
#                                            holds 127.0.0.1:5001/flotilla-test/busybox:latest
# Each has its own config and storage under $FLOTILLA_TEST_STATE/registry-<port>/ and logs to
# $FLOTILLA_TEST_LOG_DIR/registry-<port>.log. Docker treats 127.0.0.0/8 as insecure (plain HTTP) by default.
# They are started only when they do not answer, detached (setsid), and outlive this script.

REGISTRY_OPEN_PORT=5000
REGISTRY_AUTH_PORT=5001
REGISTRY_USER=flotilla
REGISTRY_PASSWORD=flotilla
REGISTRY_REALM=flotilla-test
REGISTRY_REPO=flotilla-test/busybox
MANIFEST_V2=application/vnd.docker.distribution.manifest.v2+json

registry_dir() { echo "$FLOTILLA_TEST_STATE/registry-$1"; }

# registry_answers PORT: our kind of registry answers there (open: 200; auth: 401 Basic, 200 with the password)
registry_answers() {
  local port=$1
  if [ "$port" = "$REGISTRY_OPEN_PORT" ]; then
    [ "$(http_code "http://127.0.0.1:$port/v2/")" = 200 ]
  else
    [ "$(http_code "http://127.0.0.1:$port/v2/")" = 401 ] &&
      [ "$(http_code "http://127.0.0.1:$port/v2/" -u "$REGISTRY_USER:$REGISTRY_PASSWORD")" = 200 ]
  fi
}

write_registry_config() {
  local port=$1 dir auth=""
  dir=$(registry_dir "$port")
  mkdir -p "$dir/data"
  if [ "$port" = "$REGISTRY_AUTH_PORT" ]; then
    if ! htpasswd -vb "$dir/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1; then
      htpasswd -Bbc "$dir/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >>"$ENV_LOG" 2>&1 ||
        die "htpasswd could not write $dir/htpasswd" "$ENV_LOG"
    fi
    auth="auth:
  htpasswd:
    realm: $REGISTRY_REALM
    path: $dir/htpasswd"
  fi
  cat >"$dir/config.yml" <<EOF
# flotilla test registry on 127.0.0.1:$port (written by scripts/test-env.sh)
version: 0.1
log:
  level: info
  fields:
    service: flotilla-test-registry-$port
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
$auth
EOF
}

# The Debian package ships a service of its own (:5000 on every address, htpasswd auth, /etc/docker/registry):
# with systemd it may be enabled; with sysvinit its init script may run. Ours replace it: stop and disable it.
stop_debian_registry_service() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    if systemctl is-enabled --quiet docker-registry.service 2>/dev/null ||
      systemctl is-active --quiet docker-registry.service 2>/dev/null; then
      note "disabling the docker-registry package's own service (it takes port 5000)"
      run as_root systemctl disable --now docker-registry.service
    fi
  elif [ -f /var/run/docker-registry.pid ] && kill -0 "$(cat /var/run/docker-registry.pid)" 2>/dev/null; then
    note "stopping the docker-registry package's own service (it takes port 5000)"
    run as_root /etc/init.d/docker-registry stop
    command -v update-rc.d >/dev/null && run as_root update-rc.d docker-registry disable
  fi
  return 0
}

start_registry() {
  local port=$1 dir log=$FLOTILLA_TEST_LOG_DIR/registry-$1.log i pid
  dir=$(registry_dir "$port")
  write_registry_config "$port"
  if [ "$(http_code "http://127.0.0.1:$port/v2/")" != 000 ]; then
    die "something else answers on 127.0.0.1:$port (HTTP $(http_code "http://127.0.0.1:$port/v2/") on /v2/): $(
      ss -Htlnp "sport = :$port" 2>/dev/null | head -2 | tr -s ' ')"
  fi
  printf '==== %s start\n' "$(date -Is)" >>"$log"
  setsid nohup docker-registry serve "$dir/config.yml" >>"$log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$dir/pid"
  for ((i = 0; i < 100; i++)); do
    registry_answers "$port" && { note "registry 127.0.0.1:$port started (pid $pid)"; return 0; }
    kill -0 "$pid" 2>/dev/null || die "the registry on 127.0.0.1:$port exited at start" "$log"
    sleep 0.1
  done
  die "the registry on 127.0.0.1:$port does not answer after 10 s" "$log"
}

# registry_config_digest PORT [CURL ARGS]: the config digest of flotilla-test/busybox:latest there
registry_config_digest() {
  local port=$1; shift
  curl -s --max-time 5 -H "Accept: $MANIFEST_V2" "$@" \
    "http://127.0.0.1:$port/v2/$REGISTRY_REPO/manifests/latest" 2>/dev/null |
    tr -d ' \n' | grep -o '"config":{[^}]*}' | grep -o 'sha256:[0-9a-f]*' || true
}

# push_busybox PORT: push flotilla-test/busybox:latest unless the registry already has this very image
push_busybox() {
  local port=$1 ref cfg creds=()
  ref=127.0.0.1:$port/$REGISTRY_REPO:latest
  [ "$port" = "$REGISTRY_AUTH_PORT" ] && creds=(-u "$REGISTRY_USER:$REGISTRY_PASSWORD")
  [ "$(registry_config_digest "$port" "${creds[@]}")" = "$BUSYBOX_ID" ] && return 0
  # a private client config: the login does not touch the user's ~/.docker/config.json
  cfg=$(mktemp -d)
  run docker --config "$cfg" tag "$(image_ref busybox)" "$ref"
  if [ ${#creds[@]} -gt 0 ]; then
    printf '%s' "$REGISTRY_PASSWORD" | docker --config "$cfg" login -u "$REGISTRY_USER" --password-stdin \
      "127.0.0.1:$port" >>"$ENV_LOG" 2>&1 || { rm -rf "$cfg"; die "docker login to 127.0.0.1:$port failed" "$ENV_LOG"; }
  fi
  docker --config "$cfg" push "$ref" >>"$ENV_LOG" 2>&1 || { rm -rf "$cfg"; die "docker push $ref failed" "$ENV_LOG"; }
  rm -rf "$cfg"
  # untag: `docker pull` of this reference in a test then really goes to the registry
  run docker rmi "$ref"
  [ "$(registry_config_digest "$port" "${creds[@]}")" = "$BUSYBOX_ID" ] ||
    die "after the push, 127.0.0.1:$port does not serve $REGISTRY_REPO:latest as $BUSYBOX_ID"
  PUSHED+=("$port")
}

step_registry() {
  local port started=() PUSHED=()
  for port in "$REGISTRY_OPEN_PORT" "$REGISTRY_AUTH_PORT"; do
    registry_answers "$port" && continue
    [ ${#started[@]} -eq 0 ] && { as_root mkdir -p "$FLOTILLA_TEST_STATE"; stop_debian_registry_service; }
    start_registry "$port"
    started+=("$port")
  done
  for port in "$REGISTRY_OPEN_PORT" "$REGISTRY_AUTH_PORT"; do push_busybox "$port"; done
  STEP_RESULT=":$REGISTRY_OPEN_PORT open, :$REGISTRY_AUTH_PORT auth"
  [ ${#started[@]} -gt 0 ] && STEP_RESULT+="; started ${started[*]}"
  [ ${#PUSHED[@]} -gt 0 ] && STEP_RESULT+="; pushed busybox to ${PUSHED[*]}"
  return 0
}
