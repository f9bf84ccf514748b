#!/usr/bin/env bash
# Memory under hostile load: bursts of logins (password hashing) and hostile
# uploads against the release server, reading its VmRSS and VmHWM from /proc.
#
#   scripts/bench-memory.sh [--quick] [--only logins|uploads]
#
# Builds the release binary, prepares a SQLite database under
# target/bench/memory (a province, two agencies, a reporter and a
# spokesperson for each agency, through the CLI), starts the server and runs
# scripts/bench/memory.py against it. The table goes to
# target/bench/memory/results.md; BENCHMARKS.md ("Memory under hostile load")
# holds a run. --quick sends fewer and smaller requests (a smoke run);
# --only runs one group of scenarios on a fresh server.
# TIEPCAN_BIN=path runs that server binary instead of building this tree.
set -euo pipefail
cd "$(dirname "$0")/.."

# Arguments go to scripts/bench/memory.py: --quick, --only logins|uploads.

# TIEPCAN_BIN runs another build of the server (an older one, to compare).
if [[ -z "${TIEPCAN_BIN:-}" ]]; then
  echo "building the release binary"
  cargo build --release --quiet --bin tiepcan
fi
BIN=${TIEPCAN_BIN:-target/release/tiepcan}
OUT=target/bench/memory
rm -rf "$OUT"
mkdir -p "$OUT/data"
export DATABASE_URL="sqlite://$OUT/memory.sqlite3?mode=rwc"
export TIEPCAN_DATA_DIR=$OUT/data
PASSWORD="Bench-Mật-khẩu-2026!"

"$BIN" migrate
"$BIN" create-jurisdiction --code MEM --name "Tỉnh thử bộ nhớ" \
  --department-name "Sở Văn hóa, Thể thao và Du lịch" --department-email baochi@mem.example.vn >/dev/null
cat >"$OUT/agencies.csv" <<'CSV'
jurisdiction,code,name,name_en,level,parent_code,email
MEM,SYT,Sở Y tế,Department of Health,department,,
MEM,SXD,Sở Xây dựng,Department of Construction,department,,
CSV
"$BIN" import-agencies "$OUT/agencies.csv" >/dev/null
"$BIN" create-user --email pv@mem.example.vn --password "$PASSWORD" --role reporter >/dev/null
"$BIN" create-user --email syt@mem.example.vn --password "$PASSWORD" --role spokesperson --agency MEM/SYT >/dev/null
"$BIN" create-user --email sxd@mem.example.vn --password "$PASSWORD" --role spokesperson --agency MEM/SXD >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Logins are not limited per address here: the burst comes from one address.
TIEPCAN_BIND=127.0.0.1:$PORT TIEPCAN_LOGIN_PER_IP_PER_MINUTE=100000 "$BIN" serve 2>"$OUT/server.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

python3 scripts/bench/memory.py --base "http://127.0.0.1:$PORT" --pid "$SERVER" --password "$PASSWORD" \
  "$@" | tee "$OUT/results.md"
