#!/usr/bin/env bash
# The first command of the README: sets up the local images, builds Flotilla, starts the nginx-node-redis example
# and checks that it answers with a visit count.
#   env: NGINX_PORT (default 8080)   FLOTILLA_DEMO_PROJECT (default nginx-node-redis)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

port=${NGINX_PORT:-8080}
project=${FLOTILLA_DEMO_PROJECT:-nginx-node-redis}
compose_file=examples/nginx-node-redis/compose.yaml

bash scripts/test-env.sh
if [ ! -d node_modules ]; then
  echo "[demo] installing dependencies"
  npm install --no-audit --no-fund
fi
echo "[demo] building flotilla"
npm run build --silent

echo "[demo] starting the example (project $project)"
NGINX_PORT=$port node dist/bin/flotilla.js -f "$compose_file" -p "$project" up -d --wait

url=http://127.0.0.1:$port
answer=$(curl -fsS --retry 5 --retry-connrefused --retry-delay 1 "$url")
echo "[demo] $url answers: $answer"
case $answer in
  *"Number of visits is: "[0-9]*) ;;
  *) echo "[demo] unexpected answer" >&2; exit 1 ;;
esac
echo "[demo] open $url (every request counts one visit; web1 and web2 take turns)"
echo "[demo] stop it with: node dist/bin/flotilla.js -f $compose_file -p $project down"
