#!/usr/bin/env bash
# Sets up (or checks) everything the tests need, on a fresh Debian 12 machine or in CI, without prompts:
#   tools     Debian packages: docker.io, runc, mmdebstrap, busybox-static, iptables, docker-compose (1.29, the
#             benchmark baseline), docker-registry, apache2-utils (htpasswd), curl, ... (apt-get only when missing)
#   engine    a Docker engine on /var/run/docker.sock: starts dockerd (detached) when none answers; never stops one
#   images    flotilla-test/{busybox:latest,debian:bookworm,nginx:bookworm,redis:bookworm,node:bookworm}, built
#             offline from Debian packages, and their `docker save` archives (scripts/env/images.sh)
#   registry  127.0.0.1:5000 (open) and 127.0.0.1:5001 (basic auth flotilla/flotilla) with busybox pushed
#             (scripts/env/registry.sh)
# Idempotent: when everything is in place it only looks (about a second). Only registries on 127.0.0.1 are
# contacted; images come from Debian's mirror.
#
# usage: scripts/test-env.sh [--rebuild] [--clean]
#   --rebuild   rebuild every test image even when its recipe has not changed
#   --clean     remove what this script made (images, archives, registries it started and their data, stamp)
#               and exit; packages, the .deb cache and the Docker engine stay
# env:  FLOTILLA_SKIP_TEST_ENV=1   do nothing (e.g. unit tests on a machine without root or Docker)
#       FLOTILLA_TEST_IMAGE_METHOD, FLOTILLA_TEST_MIRROR, ... see scripts/env/images.sh
#       locations (state, logs, apt cache, image archives): see scripts/env/lib.sh
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -euo pipefail

if [ "${FLOTILLA_SKIP_TEST_ENV:-0}" = 1 ]; then
  echo "[test-env] skipped (FLOTILLA_SKIP_TEST_ENV=1)"
  exit 0
fi

ENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/env" && pwd)
# shellcheck source=./env/lib.sh
. "$ENV_DIR/lib.sh"
# shellcheck source=./env/images.sh
. "$ENV_DIR/images.sh"
# shellcheck source=./env/registry.sh
. "$ENV_DIR/registry.sh"

CLEAN=0
for arg in "$@"; do
  case $arg in
    --rebuild) export FLOTILLA_TEST_REBUILD=1 ;;
    --clean) CLEAN=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "[test-env] unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive
T_START=$(now)

# ---------------------------------------------------------------- tools
# command or file that proves the package is there → package to install
TOOLS=(
  "dockerd docker.io" "docker docker.io" "runc runc" "iptables iptables" "mmdebstrap mmdebstrap"
  "docker-compose docker-compose" "docker-registry docker-registry" "htpasswd apache2-utils" "curl curl"
  "flock util-linux" "setsid util-linux" "pgrep procps" "ss iproute2" "xz xz-utils"
  "/usr/share/keyrings/debian-archive-keyring.gpg debian-archive-keyring"
  "/etc/ssl/certs/ca-certificates.crt ca-certificates"
)
missing_packages() {
  local t pkgs=()
  for t in "${TOOLS[@]}"; do
    case ${t%% *} in
      /*) [ -e "${t%% *}" ] && continue ;;
      *) command -v "${t%% *}" >/dev/null && continue ;;
    esac
    pkgs+=("${t#* }")
  done
  # the *static* busybox (Debian's plain busybox is dynamically linked and useless in an empty image)
  busybox_static >/dev/null || pkgs+=(busybox-static)
  # dockerd needs mounted cgroups; hosts without systemd rely on cgroupfs-mount for that
  if ! grep -q ' /sys/fs/cgroup' /proc/mounts && ! command -v cgroupfs-mount >/dev/null; then pkgs+=(cgroupfs-mount); fi
  [ ${#pkgs[@]} -gt 0 ] && printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' '
  return 0
}

step_tools() {
  local missing apt_opts=(-q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  missing=$(missing_packages)
  if [ -n "$missing" ]; then
    command -v apt-get >/dev/null || die "missing: $missing, and there is no apt-get to install them (Debian/Ubuntu only)"
    note "installing: $missing"
    # an unreachable extra source (third-party repositories) must not stop us: the install below says what fails
    as_root apt-get "${apt_opts[@]}" update >>"$ENV_LOG" 2>&1 </dev/null || note "apt-get update reported errors (see $ENV_LOG)"
    # shellcheck disable=SC2086
    run as_root apt-get "${apt_opts[@]}" install --no-install-recommends $missing
    missing=$(missing_packages)
    [ -z "$missing" ] || die "still missing after apt-get install: $missing"
    STEP_RESULT="installed $(missing_packages_count "$ENV_LOG")"
  else
    STEP_RESULT="all present"
  fi
  if ! grep -q ' /sys/fs/cgroup' /proc/mounts; then run as_root cgroupfs-mount; fi
}
missing_packages_count() { grep -c '^Setting up ' "$1" | sed 's/$/ packages/'; }

# ---------------------------------------------------------------- engine
engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

step_engine() {
  local i log=$FLOTILLA_TEST_LOG_DIR/dockerd.log how
  if engine_answers; then
    STEP_RESULT="docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) answers"
    return 0
  fi
  case ${DOCKER_HOST:-unix:///var/run/docker.sock} in
    unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
    *) die "DOCKER_HOST=$DOCKER_HOST does not answer (this script only starts the engine of /var/run/docker.sock)" ;;
  esac
  if pgrep -x dockerd >/dev/null; then
    how="a dockerd is already running (pid $(pgrep -x dockerd | head -1)): waiting for it"
    log=$( (ls -t /var/log/dockerd.log /var/log/docker.log "$log" 2>/dev/null || true) | head -1)
  elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null && systemctl cat docker.service >/dev/null 2>&1; then
    how="starting docker.service"
    run as_root systemctl start docker.service
    log=$ENV_LOG
  else
    how="starting dockerd (log: $log)"
    printf '==== %s dockerd started by scripts/test-env.sh\n' "$(date -Is)" >>"$log"
    as_root setsid nohup dockerd >>"$log" 2>&1 </dev/null 9>&- &
  fi
  note "$how"
  for ((i = 0; i < 240; i++)); do # 60 s
    if engine_answers; then
      STEP_RESULT="docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) started"
      return 0
    fi
    pgrep -x dockerd >/dev/null || die "dockerd exited during start-up" "$log"
    sleep 0.25
  done
  die "no Docker engine answers on /var/run/docker.sock 60 s after: $how" "$log"
}

# ---------------------------------------------------------------- clean
do_clean() {
  local name port pid ref
  say "cleaning"
  for name in "${TEST_IMAGES[@]}"; do
    ref=$(image_ref "$name")
    docker image inspect "$ref" >/dev/null 2>&1 && { docker rmi "$ref" >/dev/null || say "could not remove $ref (in use?)"; }
    rm -f "$(archive_path "$name")" "$(archive_path "$name").id" "$(archive_path "$name").partial"
  done
  rm -f "$FLOTILLA_TEST_IMAGE_CACHE/index.tsv"
  for port in "$REGISTRY_OPEN_PORT" "$REGISTRY_AUTH_PORT"; do
    pid=$(cat "$(registry_dir "$port")/pid" 2>/dev/null || true)
    # only the process we started, and only if it still is a registry serving our config
    if [ -n "$pid" ] && grep -qa "$(registry_dir "$port")/config.yml" "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid" && say "stopped registry :$port (pid $pid)"
    fi
    rm -rf "$(registry_dir "$port")"
  done
  rm -f "$FLOTILLA_TEST_STATE/stamp"
  say "clean (kept: packages, $FLOTILLA_TEST_APT_CACHE, the Docker engine)"
}

# ---------------------------------------------------------------- main
if ! mkdir -p "$FLOTILLA_TEST_LOG_DIR" "$FLOTILLA_TEST_STATE" 2>/dev/null; then
  as_root mkdir -p "$FLOTILLA_TEST_LOG_DIR" "$FLOTILLA_TEST_STATE"
fi
[ -w "$FLOTILLA_TEST_LOG_DIR" ] || { FLOTILLA_TEST_LOG_DIR=${TMPDIR:-/tmp}/flotilla-test-logs; mkdir -p "$FLOTILLA_TEST_LOG_DIR"; ENV_LOG=$FLOTILLA_TEST_LOG_DIR/test-env.log; }
# one set-up at a time (two `npm test` at once would build the same images)
exec 9>>"$FLOTILLA_TEST_STATE/lock"
if ! flock -n 9; then
  say "another test-env.sh is running: waiting for it (up to 20 min)"
  flock -w 1200 9 || die "another scripts/test-env.sh held $FLOTILLA_TEST_STATE/lock for 20 min"
fi
printf '\n======== %s scripts/test-env.sh %s\n' "$(date -Is)" "$*" >>"$ENV_LOG"

if [ "$CLEAN" = 1 ]; then
  engine_answers || die "no Docker engine answers: nothing to clean"
  do_clean
  exit 0
fi

step tools step_tools
step engine step_engine
step images step_images
step registry step_registry

# the stamp: what the last successful set-up left in place (rewritten only when that changes)
stamp=$(for name in "${TEST_IMAGES[@]}"; do printf '%s\t%s\n' "$(image_ref "$name")" "${ids[$name]}"; done
  echo "registries 127.0.0.1:$REGISTRY_OPEN_PORT 127.0.0.1:$REGISTRY_AUTH_PORT")
if [ "$(cat "$FLOTILLA_TEST_STATE/stamp" 2>/dev/null)" != "$stamp" ]; then
  printf '%s\n' "$stamp" >"$FLOTILLA_TEST_STATE/stamp"
fi
say "ready in $(elapsed "$T_START")s: images flotilla-test/*, archives in $FLOTILLA_TEST_IMAGE_CACHE, registries 127.0.0.1:$REGISTRY_OPEN_PORT and :$REGISTRY_AUTH_PORT (logs: $FLOTILLA_TEST_LOG_DIR)"
