#!/usr/bin/env bash
# Benchmark: from a pull request's webhook to the first successful response at its public URL
# (https://pr-N.preview.bench through Caddy with its internal CA), with the app's own build steps
# subtracted, for the process driver and for the container driver. Starts a private Caddy (admin
# API on loopback, its own data dir) and the bot in-process (slipway-bench preview), on the example
# app. For the container driver it also starts a private dockerd the way the tests do
# (Tests/TestSupport/DockerDaemon.swift: its own data root, exec root, socket and bridge,
# --iptables=false, published ports through the userland proxy; needs root), and the bench imports
# a busybox base image into it; each preview's image is built from a Dockerfile, and the image
# build's share is reported separately. The daemon, its bridge and its mounts are removed at the
# end. Goals: under 1 s (process), under 3 s (container whose image is built).
#
#   bash scripts/bench/preview.sh [--prs 10] [--driver process|container|both] [--configuration release|debug]
set -euo pipefail
cd "$(dirname "$0")/../.."
prs=10
driver=both
configuration=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prs) prs=$2; shift 2 ;;
    --driver) driver=$2; shift 2 ;;
    --configuration) configuration=$2; shift 2 ;;
    *) echo "usage: $0 [--prs N] [--driver process|container|both] [--configuration release|debug]" >&2; exit 2 ;;
  esac
done
case "$driver" in process|container|both) ;; *) echo "--driver is process, container or both, not '$driver'" >&2; exit 2 ;; esac
if [[ $driver != process && $(id -u) != 0 ]]; then
  echo "the container bench starts a private dockerd, which needs root (or run with --driver process)" >&2; exit 2
fi
bash scripts/install-deps.sh --bench
swift build -c "$configuration" --product slipway-bench >/dev/null
bench="$(swift build -c "$configuration" --show-bin-path)/slipway-bench"
work=$(mktemp -d /tmp/slipway-preview-bench-XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
admin=$(free_port)
listen=$(free_port)
cat > "$work/caddy.json" <<JSON
{"admin": {"listen": "127.0.0.1:$admin"}, "apps": {"pki": {"certificate_authorities": {"local": {"install_trust": false}}}}}
JSON
caddy_pid=""
dockerd_pid=""
docker_dir=""
bridge=""
cleanup() {
  [[ -n $caddy_pid ]] && kill "$caddy_pid" 2>/dev/null || true
  if [[ -n $dockerd_pid ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$dockerd_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  if [[ -n $docker_dir ]]; then
    # Whatever the daemon left mounted under its directory, deepest first.
    awk -v d="$docker_dir" '$5 == d || index($5, d "/") == 1 { print length($5), $5 }' /proc/self/mountinfo \
      | sort -rn | cut -d' ' -f2- | while read -r point; do umount -l "$point" 2>/dev/null || true; done
    rm -rf "$docker_dir"
  fi
  [[ -n $bridge ]] && ip link del "$bridge" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" caddy run --config "$work/caddy.json" >"$work/caddy.log" 2>&1 &
caddy_pid=$!
for _ in $(seq 1 200); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$admin/config/')" 2>/dev/null; then break; fi
  sleep 0.05
done
root_ca="$work/data/caddy/pki/authorities/local/root.crt"

if [[ $driver != container ]]; then
  "$bench" preview --caddy-admin "http://127.0.0.1:$admin" --listen "$listen" --root-ca "$root_ca" --prs "$prs"
fi
[[ $driver == process ]] && exit 0

# A private dockerd, as DockerDaemon.swift starts one: its own directory, socket and bridge (a free
# 172.30.N.0/24 with a fixed MAC), no firewall rule, no sysctl.
docker_dir=$(mktemp -d /tmp/slipway-bench-docker-XXXXXX)
chmod 711 "$docker_dir"
bridge="slb-$(basename "$docker_dir" | tail -c 7 | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')"
taken="$(ip -4 route show; ip -4 addr show)"
subnet=""
for n in $(seq 20 219); do
  if ! grep -q "172\.30\.$n\." <<<"$taken"; then subnet=$n; break; fi
done
[[ -n $subnet ]] || { echo "no free 172.30.N.0/24 subnet for the bench bridge" >&2; exit 1; }
mac="02:42:$(od -An -N4 -tx1 /dev/urandom | tr -s ' ' ':' | sed 's/^://; s/:$//')"
ip link add "$bridge" address "$mac" type bridge
ip addr add "172.30.$subnet.1/24" dev "$bridge"
ip link set "$bridge" up
socket="$docker_dir/docker.sock"
env -u DOCKER_HOST /usr/sbin/dockerd --data-root "$docker_dir/data" --exec-root "$docker_dir/exec" --pidfile "$docker_dir/dockerd.pid" \
  -H "unix://$socket" --bridge "$bridge" --iptables=false --ip-masq=false --ip-forward=false --ip6tables=false \
  --userland-proxy=true --log-level=warn --storage-driver=overlay2 </dev/null >"$docker_dir/dockerd.log" 2>&1 &
dockerd_pid=$!
ping_daemon() {
  python3 - "$socket" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
sys.exit(0 if b" 200 " in s.recv(64).split(b"\r\n")[0] + b" " else 1)
PY
}
for _ in $(seq 1 1800); do
  ping_daemon && break
  kill -0 "$dockerd_pid" 2>/dev/null || { echo "dockerd exited:" >&2; tail -40 "$docker_dir/dockerd.log" >&2; exit 1; }
  sleep 0.05
done
ping_daemon || { echo "dockerd did not answer /_ping within 90 s:" >&2; tail -40 "$docker_dir/dockerd.log" >&2; exit 1; }
"$bench" preview --caddy-admin "http://127.0.0.1:$admin" --listen "$listen" --root-ca "$root_ca" --prs "$prs" --docker-host "unix://$socket"
