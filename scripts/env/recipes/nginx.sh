#!/bin/sh
# Customizes the nginx test image like the official nginx image: logs to the container's stdout/stderr,
# one server on port 80 serving /usr/share/nginx/html (Debian's default site is removed).
# $1 = root of the image's filesystem: the rootfs under mmdebstrap, "" inside `docker build`.
set -eu
r=$1
ln -sf /dev/stdout "$r/var/log/nginx/access.log"
ln -sf /dev/stderr "$r/var/log/nginx/error.log"
rm -f "$r/etc/nginx/sites-enabled/default"
mkdir -p "$r/usr/share/nginx/html"
[ -s "$r/usr/share/nginx/html/index.html" ] ||
  printf '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1></body></html>\n' \
    >"$r/usr/share/nginx/html/index.html"
# IPv4 only: a container network without IPv6 would make `listen [::]:80` fail at start.
cat >"$r/etc/nginx/conf.d/default.conf" <<'CONF'
server {
    listen       80;
    server_name  localhost;
    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
CONF
