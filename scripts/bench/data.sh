#!/usr/bin/env bash
# Benchmark: a ~1 GB production database (DATA_BENCH_ROWS customers, default 2,200,000 (about 1 GB with indexes), and two
# orders each) in a throwaway PostgreSQL cluster; prints the snapshot's steps (dump, restore,
# sanitize, vacuum, verify, scan), a preview database taken from a spare made ahead of time (a
# rename: the figure that answers the goal), one copied from the template (no spare), and
# `pg_dump | pg_restore` of the same (sanitized) data as the baseline, with the ratios.
# Goal: a preview in under 2 s for 1 GB, at least 10x faster than dump and restore. The server
# runs with fsync on (as a real one does), so the template copy pays for its checkpoint and syncs.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-deps.sh --bench
ROWS="${DATA_BENCH_ROWS:-2200000}"
BIN=/usr/lib/postgresql/15/bin
swift build -c release --product slipway-bench >/dev/null
BENCH="$(swift build -c release --show-bin-path)/slipway-bench"

DIR="$(mktemp -d /tmp/slipway-data-bench-XXXXXX)"
chmod 755 "$DIR"
PORT=$(( 20000 + RANDOM % 20000 ))
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) == 0 ]] && chown postgres:postgres "$DIR"
cleanup() { as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c maintenance_work_mem=512MB" start >/dev/null
PSQL=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres)

echo "seeding production: $ROWS customers, $((ROWS * 2)) orders"
start=$(date +%s.%N)
"${PSQL[@]}" -c "CREATE DATABASE production"
"${PSQL[@]}" -d production <<SQL
CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL, phone text, name text, notes text);
INSERT INTO customers (email, phone, name, notes)
SELECT 'customer' || g || '@mail' || (g % 97) || '.example.com', '+44 20 ' || lpad((g % 10000000)::text, 8, '0'),
       'Customer Name ' || g, 'Account opened in branch ' || (g % 300) || '; contact customer' || g || '@mail.example.com or +1 (555) 010-' || lpad((g % 10000)::text, 4, '0') || ' about the renewal of contract ' || md5(g::text)
FROM generate_series(1, $ROWS) g;
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO orders (customer_id, amount, created_at)
SELECT (g % $ROWS) + 1, (g % 100000) / 100.0, now() - (g || ' minutes')::interval FROM generate_series(1, $ROWS * 2) g;
CREATE INDEX ON orders (customer_id);
SQL
"${PSQL[@]}" -c "CREATE ROLE prod_ro LOGIN PASSWORD 'bench-ro-password' IN ROLE pg_read_all_data"
printf 'seeded in %.1f s, production is %s\n' "$(awk "BEGIN{print $(date +%s.%N) - $start}")" \
  "$("${PSQL[@]}" -At -c "SELECT pg_size_pretty(pg_database_size('production'))")"

mkdir -p "$DIR/work"
OUT="$("$BENCH" data --admin "host=$DIR port=$PORT user=postgres dbname=postgres" \
  --production "host=127.0.0.1 port=$PORT user=prod_ro dbname=production password=bench-ro-password" --work "$DIR/work" | tee -a /dev/stderr)"
PREVIEW=$(grep '^PREVIEW_SECONDS=' <<<"$OUT" | cut -d= -f2)
COPY=$(grep '^TEMPLATE_COPY_SECONDS=' <<<"$OUT" | cut -d= -f2)
SNAP=$(grep '^SNAPSHOT_NAME=' <<<"$OUT" | cut -d= -f2)

"${PSQL[@]}" -c "CREATE DATABASE baseline"
start=$(date +%s.%N)
"$BIN/pg_dump" -Fc -h "$DIR" -p "$PORT" -U postgres -d "$SNAP" | "$BIN/pg_restore" --no-owner --no-acl -h "$DIR" -p "$PORT" -U postgres -d baseline
BASE=$(awk "BEGIN{print $(date +%s.%N) - $start}")
printf 'baseline pg_dump | pg_restore of the snapshot: %.2f s\n' "$BASE"
printf 'preview from a spare: %.2f s; %.1fx faster than dump and restore\n' "$PREVIEW" "$(awk "BEGIN{print $BASE / $PREVIEW}")"
printf 'preview by template copy (no spare): %.2f s; %.1fx faster than dump and restore\n' "$COPY" "$(awk "BEGIN{print $BASE / $COPY}")"
