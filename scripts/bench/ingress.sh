#!/usr/bin/env bash
# Benchmark: signed 20 KB webhook deliveries through the full ingress path (verify HMAC,
# journal durably in SQLite, answer 202), against a trivial static responder (nginx answering
# `return 202;`) on the same machine in the same run. Prints req/s, p50 and p99 latency, the
# ratio, and the bot's peak resident memory.
#
#   bash scripts/bench/ingress.sh [--duration 10] [--connections 64] [--threads 2]
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=10
connections=64
threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--duration S] [--connections N] [--threads N]" >&2; exit 2 ;;
  esac
done

bash scripts/install-deps.sh --bench
swift build -c release --product slipway >/dev/null
bin=$(swift build -c release --show-bin-path)/slipway

work=$(mktemp -d /tmp/slipway-bench-XXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

secret="bench-secret-$(date +%s)"
printf '%s' "$secret" > "$work/secret"

# A 20 KB JSON body and its signature (the signature covers the body only, so every request
# can carry a fresh delivery id and still verify).
python3 - "$work" "$secret" <<'PY'
import hashlib, hmac, json, sys
work, secret = sys.argv[1], sys.argv[2]
body = {"zen": "Design for failure.", "hook_id": 1, "repository": {"id": 1, "name": "r", "full_name": "o/r", "owner": {"login": "o"}},
        "padding": "x" * (20 * 1024 - 150)}
data = json.dumps(body, separators=(",", ":")).encode()
open(f"{work}/body.json", "wb").write(data)
sig = "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
lua = f'''
local body = io.open("{work}/body.json", "rb"):read("*a")
local counter = 0
local thread_id = 0
setup = function(thread) thread_id = thread_id + 1; thread:set("tid", thread_id) end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/webhook", {{
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "ping",
    ["X-GitHub-Delivery"] = "bench-" .. tostring(tid) .. "-" .. tostring(counter) .. "-" .. tostring(math.random(1, 1e9)),
    ["X-Hub-Signature-256"] = "{sig}",
  }}, body)
end
'''
open(f"{work}/signed.lua", "w").write(lua)
static = f'''
local body = io.open("{work}/body.json", "rb"):read("*a")
request = function()
  return wrk.format("POST", "/webhook", {{["Content-Type"] = "application/json"}}, body)
end
'''
open(f"{work}/static.lua", "w").write(static)
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The baseline: nginx answering 202 on loopback.
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  client_max_body_size 32m;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 202; }
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)

# Slipway on the embedded default (SQLite journal, synchronous=NORMAL: survives kill -9).
bot_port=$(free_port)
"$bin" serve --listen "127.0.0.1:$bot_port" --work-dir "$work/bot" --webhook-secret-file "$work/secret" \
  --log-level warning > "$work/bot.out" 2> "$work/bot.err" &
bot_pid=$!
pids+=($bot_pid)

for port in $nginx_port $bot_port; do
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))"; then break; fi
    sleep 0.1
  done
done

# Peak RSS of the bot while it runs.
rss_file="$work/rss"
echo 0 > "$rss_file"
( peak=0; while kill -0 "$bot_pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$bot_pid/status 2>/dev/null || echo 0)
    if [[ ${rss:-0} -gt $peak ]]; then peak=$rss; echo "$peak" > "$rss_file"; fi
    sleep 0.1
  done ) &
pids+=($!)

run_wrk() { wrk -t "$threads" -c "$connections" -d "${duration}s" --latency -s "$2" "$1"; }
warm_up() { wrk -t "$threads" -c "$connections" -d 3s -s "$2" "$1" > /dev/null; }

echo "== warm-up (3 s each, not measured)"
warm_up "http://127.0.0.1:$nginx_port/webhook" "$work/static.lua"
warm_up "http://127.0.0.1:$bot_port/webhook" "$work/signed.lua"
echo "== static responder (nginx, return 202)"
static_out=$(run_wrk "http://127.0.0.1:$nginx_port/webhook" "$work/static.lua")
echo "$static_out" | grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors" || true
echo "== slipway ingress (verify + journal + 202)"
bot_out=$(run_wrk "http://127.0.0.1:$bot_port/webhook" "$work/signed.lua")
echo "$bot_out" | grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors" || true

sha_rate=$(openssl speed -seconds 1 -bytes 16384 -evp sha256 2>/dev/null | awk '/^sha256/ {print $2}')
python3 - "$static_out" "$bot_out" "$(cat "$rss_file")" "$work/bot/state.db" "$connections" "$sha_rate" <<'PY'
import re, sqlite3, sys
def parse(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, pct(50), pct(99), int(non2xx.group(1)) if non2xx else 0
s_rps, s_p50, s_p99, _ = parse(sys.argv[1])
b_rps, b_p50, b_p99, b_bad = parse(sys.argv[2])
rss_mib = int(sys.argv[3]) / 1024
journaled = sqlite3.connect(sys.argv[4]).execute("select count(*) from deliveries").fetchone()[0]
print()
print(f"{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
print(f"{'nginx return 202 (baseline)':28}{s_rps:>10.0f}{s_p50:>10.2f}{s_p99:>10.2f}")
print(f"{'slipway verify+journal+202':28}{b_rps:>10.0f}{b_p50:>10.2f}{b_p99:>10.2f}")
print()
print(f"ratio slipway/nginx req/s: {b_rps / s_rps:.2f} (target >= 0.25)")
print(f"slipway p99 at {sys.argv[5]} connections: {b_p99:.2f} ms (target < 20 ms)")
print(f"slipway peak RSS: {rss_mib:.1f} MiB (target < 64 MiB)")
print(f"deliveries journaled: {journaled} (warm-up included); non-2xx answers: {b_bad}")
rate = sys.argv[6].rstrip("k")
if rate:
    mbps = float(rate) * 1000 / 1e6
    print(f"ceiling: HMAC-SHA256 runs at {mbps:.0f} MB/s on this CPU, so verifying 20 KB bodies alone "
          f"allows at most {mbps * 1e6 / (20 * 1024):.0f} req/s per core")
PY
