#!/usr/bin/env bash
# Memory under hostile load: bursts of logins (password hashing) and hostile
# uploads against the release server, reading its VmRSS and VmHWM from /proc.
#
#   scripts/bench-memory.sh [--quick] [--only logins|uploads] [--s3]
#
# Builds the release binary, prepares a database (a province, two agencies,
# a reporter and a spokesperson for each agency, through the CLI), starts the
# server and runs scripts/bench/memory.py against it. The database is
# DATABASE_URL when it names a PostgreSQL database whose name contains
# "bench" (dropped and created again), otherwise a SQLite file. --s3 stores
# attachments in an S3-compatible server (moto_server from PyPI's
# moto[server], started here in a temporary directory) instead of the data
# directory. The table goes to target/bench/memory-<backend>[-s3]/results.md;
# BENCHMARKS.md ("Memory under hostile load") holds runs. --quick sends fewer
# and smaller requests (a smoke run); --only runs one group of scenarios on a
# fresh server. TIEPCAN_BIN=path runs that server binary instead of building
# this tree.
set -euo pipefail
cd "$(dirname "$0")/.."

# Arguments go to scripts/bench/memory.py (--quick, --only logins|uploads),
# except --s3, which is this script's.
S3=0
ARGS=()
for a in "$@"; do
  if [[ "$a" == "--s3" ]]; then S3=1; else ARGS+=("$a"); fi
done

# TIEPCAN_BIN runs another build of the server (an older one, to compare).
if [[ -z "${TIEPCAN_BIN:-}" ]]; then
  echo "building the release binary"
  cargo build --release --quiet --bin tiepcan
fi
BIN=${TIEPCAN_BIN:-target/release/tiepcan}
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  BACKEND=postgres
  DB_NAME=${DATABASE_URL##*/}
  DB_NAME=${DB_NAME%%\?*}
  [[ "$DB_NAME" == *bench* ]] || { echo "the PostgreSQL database's name must contain 'bench' (it is dropped)"; exit 1; }
  ADMIN_URL=${DATABASE_URL%/*}/postgres
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\"" -c "CREATE DATABASE \"$DB_NAME\""
else
  BACKEND=sqlite
fi
OUT=target/bench/memory-$BACKEND
((S3)) && OUT=$OUT-s3
rm -rf "$OUT"
mkdir -p "$OUT/data"
[[ $BACKEND == sqlite ]] && export DATABASE_URL="sqlite://$OUT/memory.sqlite3?mode=rwc"
export TIEPCAN_DATA_DIR=$OUT/data
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if ((S3)); then
  command -v moto_server >/dev/null || { echo "--s3 needs moto_server: pip install 'moto[server]'"; exit 1; }
  S3_PORT=$(free_port)
  mkdir -p "$OUT/s3"
  (cd "$OUT/s3" && exec moto_server -H 127.0.0.1 -p "$S3_PORT" >moto.log 2>&1) &
  PIDS+=($!)
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.1; done
  curl -fsS -X PUT "http://127.0.0.1:$S3_PORT/tiepcan-bench" >/dev/null
  export TIEPCAN_STORAGE_URL=s3://tiepcan-bench/attachments AWS_ENDPOINT_URL=http://127.0.0.1:$S3_PORT \
    AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
fi
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

PORT=$(free_port)
# Logins are not limited per address here: the burst comes from one address.
TIEPCAN_BIND=127.0.0.1:$PORT TIEPCAN_LOGIN_PER_IP_PER_MINUTE=100000 "$BIN" serve 2>"$OUT/server.log" &
SERVER=$!
PIDS=("$SERVER" "${PIDS[@]}")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

python3 scripts/bench/memory.py --base "http://127.0.0.1:$PORT" --pid "$SERVER" --password "$PASSWORD" \
  "${ARGS[@]}" | tee "$OUT/results.md"
