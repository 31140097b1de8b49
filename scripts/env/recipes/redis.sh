#!/bin/sh
# Customizes the redis test image like the official redis image: /data owned by the redis user, and an
# entrypoint that turns protected mode off. (The official image is compiled with protected mode off;
# Debian's redis-server defaults to on, which refuses every client not on loopback, i.e. other containers.)
# $1 = root of the image's filesystem: the rootfs under mmdebstrap, "" inside `docker build`.
set -eu
r=$1
ids=$(awk -F: '$1 == "redis" { print $3 ":" $4 }' "$r/etc/passwd")
[ -n "$ids" ] || { echo "no redis user in $r/etc/passwd" >&2; exit 1; }
mkdir -p "$r/data" "$r/usr/local/bin"
chown "$ids" "$r/data"
cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
# `docker run IMAGE --appendonly yes` and `docker run IMAGE /path/redis.conf` mean redis-server
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi
exec "$@"
SH
chmod 755 "$r/usr/local/bin/docker-entrypoint.sh"
