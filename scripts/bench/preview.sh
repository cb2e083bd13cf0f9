#!/usr/bin/env bash
# Benchmark: from a pull request's webhook to the first successful response at its public URL
# (https://pr-N.preview.bench through Caddy with its internal CA), for the process driver, with the
# app's own build steps subtracted. Starts a private Caddy (admin API on loopback, its own data
# dir) and the bot in-process (slipway-bench preview), on the example app. Goal: under 1 s.
#
#   bash scripts/bench/preview.sh [--prs 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
prs=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prs) prs=$2; shift 2 ;;
    *) echo "usage: $0 [--prs N]" >&2; exit 2 ;;
  esac
done
bash scripts/install-deps.sh --bench
swift build -c release --product slipway-bench >/dev/null
bench="$(swift build -c release --show-bin-path)/slipway-bench"
work=$(mktemp -d /tmp/slipway-preview-bench-XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
admin=$(free_port)
listen=$(free_port)
cat > "$work/caddy.json" <<JSON
{"admin": {"listen": "127.0.0.1:$admin"}, "apps": {"pki": {"certificate_authorities": {"local": {"install_trust": false}}}}}
JSON
HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" caddy run --config "$work/caddy.json" >"$work/caddy.log" 2>&1 &
caddy_pid=$!
cleanup() { kill "$caddy_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
for _ in $(seq 1 200); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$admin/config/')" 2>/dev/null; then break; fi
  sleep 0.05
done
"$bench" preview --caddy-admin "http://127.0.0.1:$admin" --listen "$listen" --root-ca "$work/data/caddy/pki/authorities/local/root.crt" --prs "$prs"
