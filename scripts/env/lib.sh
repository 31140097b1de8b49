# Helpers shared by scripts/test-env.sh and scripts/env/*.sh (sourced, not run).
# shellcheck shell=bash

# ---------------------------------------------------------------- locations
# Everything the test environment creates lives in one of these places.
#   FLOTILLA_TEST_STATE        registry configs, storage, htpasswd, pid files, stamp, lock
#   FLOTILLA_TEST_LOG_DIR      logs: set-up log, dockerd (when we start it), registries
#   FLOTILLA_TEST_APT_CACHE    .deb files shared by the mmdebstrap runs (a rebuild downloads nothing)
#   FLOTILLA_TEST_IMAGE_CACHE  `docker save` archive of every test image, for engines without a daemon
#                              (see images.sh: <repo with / → _>_<tag>.tar, its .id, and index.tsv)
: "${FLOTILLA_TEST_STATE:=/var/lib/flotilla-test}"
: "${FLOTILLA_TEST_LOG_DIR:=/var/log/flotilla-test}"
: "${FLOTILLA_TEST_APT_CACHE:=/var/cache/flotilla-apt}"
: "${FLOTILLA_TEST_IMAGE_CACHE:=/var/cache/flotilla-images}"
export FLOTILLA_TEST_STATE FLOTILLA_TEST_LOG_DIR FLOTILLA_TEST_APT_CACHE FLOTILLA_TEST_IMAGE_CACHE

ENV_LOG=$FLOTILLA_TEST_LOG_DIR/test-env.log # verbose output of every command of the set-up
CURRENT_STEP=setup

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

say() { printf '[test-env] %s\n' "$*"; }
note() { printf '[test-env]   %s\n' "$*" | tee -a "$ENV_LOG"; }

# die MESSAGE [LOGFILE]: stop the whole set-up, naming the step (and the last lines of LOGFILE if given)
die() {
  local msg=$1 log=${2:-}
  {
    printf '[test-env] FAILED in step "%s": %s\n' "$CURRENT_STEP" "$msg"
    if [ -n "$log" ] && [ -s "$log" ]; then
      printf '[test-env] last lines of %s:\n' "$log"
      tail -n 25 "$log" | sed 's/^/    | /'
    fi
  } >&2
  exit 1
}

# step NAME FUNCTION: run FUNCTION, print "NAME ... Ns" (its own lines come before)
step() {
  local name=$1 fn=$2 t0
  CURRENT_STEP=$name
  t0=$(now)
  printf '\n==== %s step %s\n' "$(date -Is)" "$name" >>"$ENV_LOG"
  "$fn"
  printf '[test-env] %-9s %-42s %6ss\n' "$name" "${STEP_RESULT:-ok}" "$(elapsed "$t0")"
  STEP_RESULT=
}

# run CMD...: run CMD with its output appended to the set-up log; die with the log tail on failure
run() {
  printf '+ %s\n' "$*" >>"$ENV_LOG"
  "$@" >>"$ENV_LOG" 2>&1 </dev/null || die "command failed (exit $?): $*" "$ENV_LOG"
}

# as_root CMD...: run CMD as root (directly, or with passwordless sudo)
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else die "needs root (or passwordless sudo) for: $*"
  fi
}

# http_code URL [CURL ARGS...]: the HTTP status of URL, 000 when nothing answers
http_code() {
  local url=$1; shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "$url" 2>/dev/null || true
}

# scratch_dir: a tmpfs when there is room (mmdebstrap is about twice as fast there), else /tmp
scratch_dir() {
  local avail
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2{print $4}')
    if [ "${avail:-0}" -gt $((2 * 1024 * 1024)) ]; then echo /dev/shm; return; fi
  fi
  echo "${TMPDIR:-/tmp}"
}
