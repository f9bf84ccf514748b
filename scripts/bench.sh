#!/usr/bin/env bash
# Runs tiepcan's benchmarks on one database and writes the results.
#
#   scripts/bench.sh [--quick]
#
# The database is DATABASE_URL when it is set (a PostgreSQL database whose name
# contains "bench"; it is dropped and created again), otherwise a SQLite file
# under target/bench/sqlite. Results go to target/bench/<backend>/: one JSON
# line per measurement in results.jsonl, a table in results.md, the server's
# log and the raw outputs. --quick uses small sizes and short runs (a smoke
# run of about two minutes once built); the full run takes about fifteen.
# BENCHMARKS.md says what is measured and holds a full run on both backends.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
if ((QUICK)); then
  OPEN=10000 DURATION=3 CONNS=32 SWEEP_TOTAL=100000 SWEEP_DUE=1000 MAILS=1000 CEILING_SECONDS=1
else
  OPEN=100000 DURATION=15 CONNS=32 SWEEP_TOTAL=1000000 SWEEP_DUE=10000 MAILS=10000 CEILING_SECONDS=5
fi

need() { command -v "$1" >/dev/null 2>&1; }
install_missing() {
  local pkgs=()
  need wrk || pkgs+=(wrk)
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || pkgs+=(python3-aiosmtpd)
  if ((${#pkgs[@]})); then
    echo "installing ${pkgs[*]}"
    if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq "${pkgs[@]}" >/dev/null
    else sudo apt-get install -y -qq "${pkgs[@]}" >/dev/null; fi
  fi
}
install_missing

echo "building the release binaries"
cargo build --release --quiet --bins
BIN=target/release/tiepcan
BENCH=target/release/tiepcan-bench

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  BACKEND=postgres
else
  BACKEND=sqlite
  mkdir -p target/bench/sqlite
  export DATABASE_URL="sqlite://target/bench/sqlite/bench.sqlite3?mode=rwc"
fi
OUT=target/bench/$BACKEND
rm -rf "$OUT/data" "$OUT/seed" "$OUT"/*.txt "$OUT"/results.*
mkdir -p "$OUT/data" "$OUT/seed"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# A real SMTP server that accepts and discards every mail (Debian's
# python3-aiosmtpd, hence Debian's interpreter).
SMTP_PORT=$(free_port)
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Sink &
PIDS+=($!)
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && break; sleep 0.1; done
(echo >"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null || { echo "the SMTP server did not start"; exit 1; }

keep() { grep '^RESULT ' | sed "s/^RESULT {/{\"backend\":\"$BACKEND\",\"step\":\"$1\",/" >>"$RESULTS"; }
step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }

step "fresh database ($BACKEND)"
"$BENCH" reset
"$BIN" migrate
step "seed: $OPEN open requests in one inbox"
"$BENCH" seed --open "$OPEN" --out "$OUT/seed"
source "$OUT/seed/seed.env"

step "outbox: $MAILS mails to the local SMTP server"
"$BENCH" outbox --mails "$MAILS" --smtp "smtp://127.0.0.1:$SMTP_PORT" | tee "$OUT/outbox.txt" | keep outbox

step "server"
PORT=$(free_port)
TIEPCAN_BIND=127.0.0.1:$PORT TIEPCAN_DATA_DIR=$OUT/data TIEPCAN_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT \
  "$BIN" serve 2>"$OUT/server.log" &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
sleep 3
rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024 + 0.5) }' "/proc/$SERVER/status"; }
echo "{\"backend\":\"$BACKEND\",\"step\":\"memory\",\"name\":\"rss_idle\",\"mb\":$(rss VmRSS)}" >>"$RESULTS"

load() { # name path mode args...
  local name=$1 path=$2
  shift 2
  echo "-- $name: $CONNS connections, ${DURATION}s"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s scripts/bench/wrk.lua "http://127.0.0.1:$PORT$path" -- "$@" \
    | tee "$OUT/wrk-$name.txt" | keep "$name"
  sed 's/^/   /' "$OUT/wrk-$name.txt" | grep -E 'Requests/sec|Latency|RESULT|Non-2xx|Socket errors' || true
}
step "HTTP load"
load healthz /healthz get ""
load file /api/v1/requests file "$OUT/seed/tokens.txt" "$FILE_AGENCY_ID"
# The server mails every filing (receipt, new request); let it finish first.
"$BENCH" drained
load inbox /requests get "$INBOX_TOKEN"
load request_page "/requests/$PAGE_REQUEST_ID" get "$INBOX_TOKEN"
echo "{\"backend\":\"$BACKEND\",\"step\":\"memory\",\"name\":\"rss_after_load\",\"mb\":$(rss VmRSS),\"peak_mb\":$(rss VmHWM)}" >>"$RESULTS"
kill -TERM "$SERVER"
wait "$SERVER" 2>/dev/null || true

step "database ceiling: filing through the service layer, no HTTP"
"$BENCH" ceiling --seed "$OUT/seed" --seconds "$CEILING_SECONDS" --threads 16 | tee "$OUT/ceiling.txt" | keep ceiling

if [[ $BACKEND == postgres ]]; then
  # The same writes as one filing, straight from pgbench (prepared statements,
  # as diesel keeps them): what PostgreSQL itself allows for them here. The
  # report gives HTTP filing as a share of the best client count.
  step "pgbench: the writes of one filing (scripts/bench/filing.pgbench)"
  PGBENCH=${PGBENCH:-$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | tail -1)}
  q() { psql "$DATABASE_URL" -XAtqc "$1"; }
  JID=$(q "SELECT jurisdiction_id FROM agencies WHERE id = '$FILE_AGENCY_ID'")
  JCODE=$(q "SELECT code FROM jurisdictions WHERE id = '$JID'")
  REPORTER=$(q "SELECT id FROM users WHERE role = 'reporter' ORDER BY email LIMIT 1")
  POLICY=$(q "SELECT policy_version FROM requests WHERE agency_id = '$FILE_AGENCY_ID' ORDER BY received_at DESC LIMIT 1")
  # The sizes of the notices the filings above queued.
  read -r TEXT_LEN HTML_LEN < <(q "SELECT coalesce(avg(length(body_text))::int, 2000), \
    coalesce(avg(length(body_html))::int, 6000) FROM outbox WHERE kind LIKE 'request%'" | tr '|' ' ')
  YEAR=$(TZ=Asia/Ho_Chi_Minh date +%Y)
  DAY=$(TZ=Asia/Ho_Chi_Minh date +%Y%m%d)
  best=0 best_clients=0 tried=""
  for clients in 1 2 4 8 16 32; do
    tps=$("$PGBENCH" -n -M prepared -c "$clients" -j 2 -T "$CEILING_SECONDS" -f scripts/bench/filing.pgbench \
      -D jid="$JID" -D jcode="$JCODE" -D aid="$FILE_AGENCY_ID" -D uid="$REPORTER" -D year="$YEAR" -D day="$DAY" \
      -D policy="$POLICY" -D text_len="$TEXT_LEN" -D html_len="$HTML_LEN" "$DATABASE_URL" 2>&1 \
      | tee -a "$OUT/pgbench.txt" | awk '/^tps = / { printf "%.0f", $3; exit }')
    tps=${tps:-0}
    echo "   $clients clients: $tps filings/s"
    tried+="${tried:+,}{\"clients\":$clients,\"rps\":$tps}"
    if ((tps > best)); then best=$tps best_clients=$clients; fi
  done
  echo "{\"backend\":\"$BACKEND\",\"step\":\"pgbench\",\"name\":\"pgbench_filing\",\"rps\":$best,\"clients\":$best_clients,\"tried\":[$tried]}" >>"$RESULTS"
fi

step "sweep over $SWEEP_TOTAL requests, $SWEEP_DUE due"
"$BENCH" sweep --requests "$SWEEP_TOTAL" --due "$SWEEP_DUE" | tee "$OUT/sweep.txt" | keep sweep
grep -v '^RESULT' "$OUT/sweep.txt"

step "statistics over the facts of $SWEEP_TOTAL requests"
"$BENCH" statistics --requests "$SWEEP_TOTAL" | tee "$OUT/statistics.txt" | keep statistics
grep -v '^RESULT' "$OUT/statistics.txt"

step "report"
"$BENCH" report "$RESULTS" | tee "$OUT/results.md"
