# The local test images, built offline from Debian packages (no container registry is contacted).
# Sourced by scripts/test-env.sh after lib.sh.
# shellcheck shell=bash disable=SC2016
#
#   flotilla-test/busybox:latest    busybox-static's binary + applet links + passwd/group, `docker import`
#   flotilla-test/debian:bookworm   mmdebstrap minbase, slimmed like debian:bookworm-slim, `docker import`
#   flotilla-test/nginx:bookworm    \  `docker build FROM flotilla-test/debian` + RUN apt-get when containers
#   flotilla-test/redis:bookworm     > can reach the Debian mirror (layers shared with the base), else
#   flotilla-test/node:bookworm     /  mmdebstrap --include straight into a rootfs, `docker import`
#
# Every image carries the label dev.flotilla-test.recipe = a hash of its recipe (this file's build functions,
# its packages, config and customize script, its base's recipe, RECIPE_EPOCH): change a recipe and the next run
# rebuilds that image (and the images built on it). dev.flotilla-test.method says how it was built.
#
# Each image is also saved with `docker save` under $FLOTILLA_TEST_IMAGE_CACHE (default
# /var/cache/flotilla-images, see lib.sh), for an engine without a daemon to load:
#   <repo with / replaced by _>_<tag>.tar   e.g. flotilla-test_redis_bookworm.tar (docker-archive format)
#   <same>.id                               the image id the archive holds
#   index.tsv                               "<ref>\t<image id>\t<archive path>" for every test image
#
# Settings (environment):
#   FLOTILLA_TEST_IMAGE_METHOD    auto | dockerbuild | mmdebstrap (default auto: dockerbuild when a container
#                                 reaches the mirror, else mmdebstrap)
#   FLOTILLA_TEST_MIRROR          Debian mirror (default http://deb.debian.org/debian)
#   FLOTILLA_TEST_SECURITY_MIRROR (default http://deb.debian.org/debian-security)

RECIPE_EPOCH=1 # bump to rebuild every image
SUITE=bookworm
RECIPE_LABEL=dev.flotilla-test.recipe
METHOD_LABEL=dev.flotilla-test.method
TEST_IMAGES=(busybox debian nginx redis node)
: "${FLOTILLA_TEST_IMAGE_METHOD:=auto}"
: "${FLOTILLA_TEST_MIRROR:=http://deb.debian.org/debian}"
: "${FLOTILLA_TEST_SECURITY_MIRROR:=http://deb.debian.org/debian-security}"
RECIPES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/recipes
PATH_ENV='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

image_ref() {
  case $1 in
    busybox) echo flotilla-test/busybox:latest ;;
    *) echo "flotilla-test/$1:$SUITE" ;;
  esac
}
archive_path() { local r; r=$(image_ref "$1"); r=${r//\//_}; echo "$FLOTILLA_TEST_IMAGE_CACHE/${r//:/_}.tar"; }

# ---------------------------------------------------------------- recipes of the service images
# recipe_NAME sets PKGS (space separated), FIX (customize script in recipes/, or empty) and CONF (image config)
recipe_nginx() {
  PKGS=nginx FIX=$RECIPES_DIR/nginx.sh
  CONF=("ENV $PATH_ENV" 'EXPOSE 80' 'CMD ["nginx", "-g", "daemon off;"]')
}
recipe_redis() {
  PKGS=redis-server FIX=$RECIPES_DIR/redis.sh
  CONF=("ENV $PATH_ENV" 'EXPOSE 6379' 'WORKDIR /data' 'USER redis'
    'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["redis-server"]')
}
recipe_node() {
  PKGS=nodejs FIX=
  CONF=("ENV $PATH_ENV" 'CMD ["node"]')
}

# ---------------------------------------------------------------- mmdebstrap pieces
# Keep a policy-rc.d that forbids starting daemons (as Debian's official images do), so that installing nginx
# does not start nginx. mmdebstrap deletes its own temporary one at the end: hence --skip=chroot/policy-rc.d.
POLICY_HOOK='printf "#!/bin/sh\nexit 101\n" >"$1"/usr/sbin/policy-rc.d && chmod 755 "$1"/usr/sbin/policy-rc.d'
# apt/dpkg settings of Debian's official images. NOT their "DPkg::Post-Invoke {rm -f ...}" lines: mmdebstrap runs
# apt on the HOST with Dir=<chroot> and reads this directory, so its final `apt-get update` would run that rm on
# the host. With pkgcache "", mmdebstrap's `apt-get clean` no longer removes the two 36 MB *.bin: remove them here.
APTCONF_HOOK='d="$1"/etc/apt/apt.conf.d
  echo "Acquire::Languages \"none\";" >"$d"/docker-no-languages
  echo "Acquire::GzipIndexes \"true\";" >"$d"/docker-gzip-indexes
  printf "Dir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\n" >"$d"/docker-clean
  echo "Apt::AutoRemove::SuggestsImportant \"false\";" >"$d"/docker-autoremove-suggests
  echo force-unsafe-io >"$1"/etc/dpkg/dpkg.cfg.d/docker-apt-speedup
  rm -f "$1"/var/cache/apt/*.bin'
# Slim like debian:bookworm-slim (74 MB instead of 121 MB). The same excludes go into dpkg.cfg.d so packages
# installed later by `docker build` stay slim.
SLIM_HOOK='cd "$1"/usr/share &&
  find doc -mindepth 1 ! -type d ! -name copyright -delete && find doc -mindepth 1 -type d -empty -delete;
  rm -rf man/* info/* lintian/* linda/*;
  find locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +;
  printf "%s\n" "path-exclude=/usr/share/man/*" "path-exclude=/usr/share/info/*" \
    "path-exclude=/usr/share/locale/*" "path-include=/usr/share/locale/locale.alias" \
    "path-exclude=/usr/share/doc/*" "path-include=/usr/share/doc/*/copyright" \
    "path-exclude=/usr/share/lintian/*" >"$1"/etc/dpkg/dpkg.cfg.d/docker-slim'

# mmdeb_rootfs OUT.tar LOG [INCLUDE] [FIXSCRIPT]: a minbase rootfs tarball of $SUITE
mmdeb_rootfs() {
  local out=$1 log=$2 include=${3:-} fix=${4:-}
  # named *.list: mmdebstrap pastes a MIRROR that is an existing file into the chroot; *.sources is deb822
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$FLOTILLA_TEST_MIRROR" "$SUITE" "$FLOTILLA_TEST_MIRROR" "$SUITE" \
    "$FLOTILLA_TEST_SECURITY_MIRROR" "$SUITE" >"$WORK/mirrors.list"
  # merged-usr hook: merged /usr + usr-is-merged, else bookworm pulls usrmerge and full perl (+46 MB).
  # The apt cache goes in before and comes out after, so a rebuild downloads nothing it already has.
  local args=(--variant=minbase --format=tar --verbose
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    --skip=chroot/policy-rc.d --essential-hook="$POLICY_HOOK"
    --skip=essential/unlink
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
    --setup-hook="sync-in $FLOTILLA_TEST_APT_CACHE /var/cache/apt/archives/"
    --customize-hook="sync-out /var/cache/apt/archives $FLOTILLA_TEST_APT_CACHE"
    --customize-hook="$APTCONF_HOOK" --customize-hook="$SLIM_HOOK")
  [ -n "$include" ] && args+=(--include="$include")
  [ -n "$fix" ] && args+=(--customize-hook="sh '$fix' \"\$1\"")
  # a tarball first, then import: `mmdebstrap ... - | docker import -` turns a failure into an empty image
  TMPDIR=$WORK mmdebstrap "${args[@]}" "$SUITE" "$out" "$WORK/mirrors.list" >>"$log" 2>&1 </dev/null
}

# import_tar TAR REF RECIPE METHOD CONF...: `docker import` with the config and our labels
import_tar() {
  local tar=$1 ref=$2 recipe=$3 method=$4 c; shift 4
  local changes=()
  for c in "$@" "LABEL $RECIPE_LABEL=$recipe $METHOD_LABEL=$method"; do changes+=(-c "$c"); done
  docker import "${changes[@]}" "$tar" "$ref"
}

# ---------------------------------------------------------------- builders
build_busybox() {
  local log=$1 root=$WORK/busybox bb
  bb=$(busybox_static) || { echo "no static busybox binary (install busybox-static)" >>"$log"; return 1; }
  mkdir -p "$root" || return 1
  # (errexit does not apply here: build_one calls this under `||`, so every command is checked)
  (
    cd "$root" || exit 1
    mkdir -p bin sbin usr/bin usr/sbin etc root tmp var/run proc sys dev && chmod 1777 tmp &&
      cp "$bb" bin/busybox || exit 1
    # --list-full contains bin/busybox itself: linking it would make the binary a link to itself. Skip it.
    "$bb" --list-full | while read -r p; do
      case $p in bin/busybox | linuxrc) continue ;; esac
      ln -sf /bin/busybox "$p" || exit 1
    done || exit 1
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd &&
      printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group &&
      printf 'hosts: files dns\n' >etc/nsswitch.conf
  ) >>"$log" 2>&1 || return 1
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$WORK/busybox.tar" . >>"$log" 2>&1 &&
    import_tar "$WORK/busybox.tar" "$(image_ref busybox)" "$(recipe_hash busybox)" import \
      "ENV $PATH_ENV" 'CMD ["sh"]' >>"$log" 2>&1
}

build_debian() {
  local log=$1
  mmdeb_rootfs "$WORK/debian.tar" "$log" &&
    import_tar "$WORK/debian.tar" "$(image_ref debian)" "$(recipe_hash debian)" mmdebstrap \
      "ENV $PATH_ENV" 'CMD ["bash"]' >>"$log" 2>&1
  local rc=$?
  rm -f "$WORK/debian.tar"
  return $rc
}

# build_service_dockerbuild NAME LOG: FROM the debian test image, RUN apt-get (classic builder: Debian's
# docker.io has no buildx, and the docker 28 CLI would ask for BuildKit)
build_service_dockerbuild() {
  local name=$1 log=$2 ctx=$WORK/ctx-$1 c run
  local PKGS FIX CONF
  "recipe_$name"
  mkdir -p "$ctx"
  # bounded timeouts: a container without a route out fails in seconds
  run="apt-get -o Acquire::http::Timeout=20 -o Acquire::Retries=2 update"
  run+=" && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::http::Timeout=20 -o Acquire::Retries=2"
  run+=" install -y --no-install-recommends $PKGS"
  [ -n "$FIX" ] && run+=" && echo $(base64 -w0 <"$FIX") | base64 -d >/tmp/fix.sh && sh /tmp/fix.sh '' && rm /tmp/fix.sh"
  run+=" && apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old"
  {
    echo "FROM $(image_ref debian)"
    echo "RUN $run"
    for c in "${CONF[@]}"; do echo "$c"; done
    echo "LABEL $RECIPE_LABEL=$(recipe_hash "$name") $METHOD_LABEL=dockerbuild"
  } >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build --force-rm -t "$(image_ref "$name")" "$ctx" >>"$log" 2>&1 </dev/null
}

build_service_mmdebstrap() {
  local name=$1 log=$2 rc
  local PKGS FIX CONF
  "recipe_$name"
  mmdeb_rootfs "$WORK/$name.tar" "$log" "${PKGS// /,}" "$FIX" &&
    import_tar "$WORK/$name.tar" "$(image_ref "$name")" "$(recipe_hash "$name")" mmdebstrap \
      "${CONF[@]}" >>"$log" 2>&1
  rc=$?
  rm -f "$WORK/$name.tar"
  return $rc
}

# recipe_hash NAME: 16 hex digits that change whenever what NAME is built from changes
recipe_hash() {
  local name=$1 PKGS FIX CONF
  {
    echo "epoch $RECIPE_EPOCH suite $SUITE path $PATH_ENV"
    declare -f import_tar
    case $name in
      busybox) declare -f build_busybox ;;
      debian) declare -f build_debian mmdeb_rootfs; echo "$POLICY_HOOK$APTCONF_HOOK$SLIM_HOOK" ;;
      *)
        "recipe_$name"
        echo "pkgs $PKGS"; printf 'conf %s\n' "${CONF[@]}"
        [ -n "$FIX" ] && cat "$FIX"
        declare -f build_service_dockerbuild build_service_mmdebstrap
        echo "base $(recipe_hash debian)"
        ;;
    esac
  } | sha256sum | cut -c1-16
}

busybox_static() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    [ -x "$b" ] || continue
    if { ldd "$b" 2>&1 || true; } | grep -q 'not a dynamic executable'; then echo "$b"; return 0; fi
  done
  return 1
}

# ---------------------------------------------------------------- state checks (fast path)
# image_state NAME: sets IMAGE_STATE (ok, missing or stale: built from another recipe) and IMAGE_ID
image_state() {
  local out
  IMAGE_ID='' IMAGE_STATE=missing
  out=$(docker image inspect -f "{{.Id}} {{index .Config.Labels \"$RECIPE_LABEL\"}}" "$(image_ref "$1")" 2>/dev/null) ||
    return 0
  IMAGE_ID=${out%% *}
  if [ "${out#* }" = "$(recipe_hash "$1")" ]; then IMAGE_STATE=ok; else IMAGE_STATE=stale; fi
}

archive_ok() { # archive_ok NAME ID
  local a
  a=$(archive_path "$1")
  [ -s "$a" ] && [ -f "$a.id" ] && [ "$(cat "$a.id")" = "$2" ]
}

# ---------------------------------------------------------------- the images step
# can a container reach the Debian mirror? (for `docker build` with RUN apt-get)
containers_reach_mirror() {
  local hostport=${FLOTILLA_TEST_MIRROR#*://}
  hostport=${hostport%%/*}
  case $hostport in *:*) ;; *) hostport=$hostport:80 ;; esac
  docker run --rm "$(image_ref debian)" timeout 8 bash -c \
    "exec 3<>/dev/tcp/${hostport%:*}/${hostport##*:}" >>"$ENV_LOG" 2>&1 </dev/null
}

# build_one NAME METHOD: build NAME (log in $FLOTILLA_TEST_LOG_DIR/image-NAME.log), print one line
build_one() {
  local name=$1 method=$2 log=$FLOTILLA_TEST_LOG_DIR/image-$1.log t0 old new size rc=0
  t0=$(now)
  old=$(docker image inspect -f '{{.Id}}' "$(image_ref "$name")" 2>/dev/null || true)
  printf '==== %s build %s (%s)\n' "$(date -Is)" "$name" "$method" >"$log"
  case $name in
    busybox) build_busybox "$log" || rc=$? ;;
    debian) build_debian "$log" || rc=$? ;;
    *) "build_service_$method" "$name" "$log" || rc=$? ;;
  esac
  if [ $rc -ne 0 ]; then
    printf '[test-env]   %-8s FAILED (%s, exit %s) after %ss, log: %s\n' "$name" "$method" "$rc" "$(elapsed "$t0")" "$log"
    return $rc
  fi
  new=$(docker image inspect -f '{{.Id}}' "$(image_ref "$name")")
  # a rebuild leaves the previous build dangling: drop it (never forced: it stays while a container uses it)
  if [ -n "$old" ] && [ "$old" != "$new" ]; then docker rmi "$old" >>"$log" 2>&1 || true; fi
  size=$(docker image inspect -f '{{.Size}}' "$new")
  printf '[test-env]   %-8s built (%s) in %ss, %s MB\n' "$name" "$method" "$(elapsed "$t0")" "$((size / 1000000))"
}

# save_archive NAME ID: docker save into the image cache (for daemonless engines)
save_archive() {
  local a
  a=$(archive_path "$1")
  rm -f "$a.id"
  docker save -o "$a.partial" "$(image_ref "$1")" >>"$ENV_LOG" 2>&1 || { rm -f "$a.partial"; return 1; }
  chmod 644 "$a.partial" # docker save writes 0600; readers need not be root
  mv -f "$a.partial" "$a"
  echo "$2" >"$a.id"
}

step_images() {
  local name built=() saved=0 pending=() method=$FLOTILLA_TEST_IMAGE_METHOD pids=() i rc
  declare -gA ids=() # image ids, also read by the registry step and the stamp
  case $method in auto | dockerbuild | mmdebstrap) ;; *) die "FLOTILLA_TEST_IMAGE_METHOD=$method: use auto, dockerbuild or mmdebstrap" ;; esac
  for name in "${TEST_IMAGES[@]}"; do
    image_state "$name"
    [ "${FLOTILLA_TEST_REBUILD:-0}" = 1 ] && IMAGE_STATE=rebuild
    if [ "$IMAGE_STATE" = ok ]; then ids[$name]=$IMAGE_ID; else pending+=("$name"); note "$name: $IMAGE_STATE"; fi
  done

  if [ ${#pending[@]} -gt 0 ]; then
    as_root mkdir -p "$FLOTILLA_TEST_APT_CACHE"
    WORK=$(mktemp -d "$(scratch_dir)/flotilla-test-env.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$WORK'" EXIT
    local services=()
    for name in "${pending[@]}"; do
      case $name in
        busybox | debian) build_one "$name" import || die "image $name did not build" "$FLOTILLA_TEST_LOG_DIR/image-$name.log" ;;
        *) services+=("$name") ;;
      esac
      built+=("$name")
    done
    if [ ${#services[@]} -gt 0 ]; then
      if [ "$method" = auto ]; then
        if ! docker image inspect "$(image_ref debian)" >/dev/null 2>&1; then
          build_one debian import || die "image debian did not build" "$FLOTILLA_TEST_LOG_DIR/image-debian.log"
        fi
        if containers_reach_mirror; then method=dockerbuild; else method=mmdebstrap; fi
        note "containers $([ $method = dockerbuild ] && echo reach || echo "do not reach") the Debian mirror: using $method"
      fi
      local todo=("${services[@]}")
      if [ "$method" = dockerbuild ]; then
        # independent builds, mostly waiting on the network: run them together
        for name in "${services[@]}"; do build_one "$name" dockerbuild & pids+=($!); done
        todo=()
        for i in "${!pids[@]}"; do wait "${pids[$i]}" || todo+=("${services[$i]}"); done
        if [ ${#todo[@]} -gt 0 ]; then
          [ "$FLOTILLA_TEST_IMAGE_METHOD" = dockerbuild ] &&
            die "image ${todo[0]} did not build" "$FLOTILLA_TEST_LOG_DIR/image-${todo[0]}.log"
          note "docker build failed for ${todo[*]}: falling back to mmdebstrap"
          method=mmdebstrap
        fi
      fi
      if [ "$method" = mmdebstrap ]; then
        # one at a time: the runs share the .deb cache
        for name in "${todo[@]}"; do
          build_one "$name" mmdebstrap || die "image $name did not build" "$FLOTILLA_TEST_LOG_DIR/image-$name.log"
        done
      fi
    fi
    for name in "${pending[@]}"; do
      image_state "$name"
      [ "$IMAGE_STATE" = ok ] || die "image $name is $IMAGE_STATE right after its build"
      ids[$name]=$IMAGE_ID
    done
  fi

  # the archives for daemonless engines
  as_root mkdir -p "$FLOTILLA_TEST_IMAGE_CACHE"
  local index=""
  for name in "${TEST_IMAGES[@]}"; do
    if ! archive_ok "$name" "${ids[$name]}"; then
      save_archive "$name" "${ids[$name]}" || die "docker save of $(image_ref "$name") into $FLOTILLA_TEST_IMAGE_CACHE failed" "$ENV_LOG"
      saved=$((saved + 1))
    fi
    index+="$(image_ref "$name")	${ids[$name]}	$(archive_path "$name")"$'\n'
  done
  if [ "$(cat "$FLOTILLA_TEST_IMAGE_CACHE/index.tsv" 2>/dev/null)"$'\n' != "$index" ]; then
    printf '%s' "$index" >"$FLOTILLA_TEST_IMAGE_CACHE/index.tsv"
  fi
  BUSYBOX_ID=${ids[busybox]} # pushed by the registry step
  export BUSYBOX_ID
  if [ ${#built[@]} -gt 0 ]; then STEP_RESULT="built ${built[*]}"; else STEP_RESULT="${#TEST_IMAGES[@]} up to date"; fi
  [ $saved -gt 0 ] && STEP_RESULT+=", $saved saved"
  return 0
}
