#!/usr/bin/env bash
# Contract fuzzing: schemathesis holds the real server to its OpenAPI document.
#
# The release binary is started in a temporary directory with the demo
# province (`serve --demo` prints the demo accounts and their passwords), on
# SQLite and on a fresh PostgreSQL database, and schemathesis runs every
# operation of /api/v1/openapi.json once without a token and once with a
# bearer token of each role (administrator, Department staff, spokesperson,
# reporter), after filing requests in several states and opening an
# escalation whose ids it draws (scripts/contract_fuzz_seed.py). Checks: no
# 5xx, status codes, content types and bodies as documented, every answer
# within 5 s. A finding fails the run.
#
# Usage:  scripts/contract-fuzz.sh [sqlite|postgres|all]      (default: all)
#   TEST_DATABASE_URL   a PostgreSQL server to create the fresh database on
#                       (default postgres://postgres@127.0.0.1:5432/test)
#   FUZZ_EXAMPLES       examples per operation and phase (default 50)
#   FUZZ_SEED           the seed, fixed so that CI runs are repeatable (default 20261204)
#   FUZZ_OUT            where reports and server logs go (default: a temporary directory, kept on failure)
#   FUZZ_CHECKS         schemathesis checks (default: the four above)
#
# CI runs the bounded default (about three minutes for both databases, after
# a release build of about ten minutes on two cores). A wider
# run, before a release or after changing the API, with a fresh seed and every
# phase at length:
#   FUZZ_EXAMPLES=300 FUZZ_SEED=$RANDOM scripts/contract-fuzz.sh all
# (about half an hour). Each failure is printed with a curl command that
# reproduces it; a fix gets a regression test in tests/api on both databases.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
which_db="${1:-all}"
examples="${FUZZ_EXAMPLES:-50}"
seed="${FUZZ_SEED:-20261204}"
pg_base="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
checks="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}"

if ! command -v schemathesis >/dev/null 2>&1 ||
  [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  python3 -m pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi

cargo build --release --quiet
bin="$PWD/target/release/tiepcan"

out="${FUZZ_OUT:-$(mktemp -d -t tiepcan-fuzz.XXXXXX)}"
mkdir -p "$out"
server_pid=""
pg_db=""
failed=()
st_config=()

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

admin_url() { # the maintenance URL of the PostgreSQL server, with another database name
  python3 - "$pg_base" "$1" <<'EOF'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
EOF
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  if [ -n "$pg_db" ]; then
    psql "$pg_base" -qtA -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    pg_db=""
  fi
}
trap stop_server EXIT

# login EMAIL PASSWORD BASE -> a bearer token
login() {
  curl -sS --fail-with-body -X POST "$3/api/v1/sessions" -H 'content-type: application/json' \
    --data "$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' "$1" "$2")" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# fuzz NAME BASE TOKEN [extra schemathesis options…]
fuzz() {
  local name="$1" base="$2" token="$3"
  shift 3
  local auth=()
  if [ -n "$token" ]; then auth=(-H "Authorization: Bearer $token"); fi
  local started=$SECONDS
  echo "--- $name"
  if ! schemathesis --no-color "${st_config[@]}" run "$base/api/v1/openapi.json" --url "$base" "${auth[@]}" \
    --checks "$checks" --max-response-time 5 --request-timeout 10 \
    --max-examples "$examples" --seed "$seed" --generation-database none \
    --workers 1 --report junit --report-dir "$out/$name" "$@" >"$out/$name.log" 2>&1; then
    { sed -n '/FAILURES/,$p' "$out/$name.log" | head -n 200; } || true
    echo "contract fuzzing found a failure ($name); full log: $out/$name.log" >&2
    failed+=("$name")
    return 0
  fi
  grep -E '^ *[0-9]+ generated' "$out/$name.log" | sed 's/^ */    /' | tr -d '\n'
  echo " ($((SECONDS - started)) s)"
}

run_on() { # run_on sqlite|postgres
  local db="$1" dir port base url
  local started=$SECONDS
  dir="$out/$db"
  mkdir -p "$dir"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  if [ "$db" = postgres ]; then
    pg_db="tiepcan_fuzz_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
    psql "$pg_base" -qtA -c "CREATE DATABASE $pg_db" >/dev/null
    url="$(admin_url "$pg_db")"
  else
    url="sqlite://$dir/data/tiepcan.sqlite3?mode=rwc"
  fi
  mkdir -p "$dir/data"
  (cd "$dir" && exec env DATABASE_URL="$url" TIEPCAN_BIND="127.0.0.1:$port" TIEPCAN_DATA_DIR="$dir/data" \
    TIEPCAN_BASE_URL="$base" RUST_LOG=warn "$bin" serve --demo >"$dir/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "$base/healthz" >/dev/null || { cat "$dir/server.log" >&2; return 1; }

  echo "== $db ($base)"
  # Every token first: fuzzing POST /sessions soon meets the login rate limit.
  declare -A tokens=()
  for role in admin staff spokesperson reporter; do
    read -r email password < <(awk -v r="$role" '$1 == r {print $2, $3; exit}' "$dir/server.log")
    tokens[$role]="$(login "$email" "$password" "$base")"
  done
  read -r email password < <(awk '$1 == "reporter" {print $2, $3; exit}' "$dir/server.log")
  local to_revoke
  to_revoke="$(login "$email" "$password" "$base")"
  # Requests in several states and an escalation, whose ids the fuzzer draws.
  python3 scripts/contract_fuzz_seed.py "$base" "$dir/schemathesis.toml" \
    "reporter=${tokens[reporter]}" "spokesperson=${tokens[spokesperson]}" \
    "staff=${tokens[staff]}" "admin=${tokens[admin]}"
  st_config=(--config-file "$dir/schemathesis.toml")

  # Signing out (this session, or every session of the account) revokes the
  # token the rest of the run needs: those two are fuzzed last, on their own.
  local keep=(--exclude-name "DELETE /api/v1/sessions/current" --exclude-name "DELETE /api/v1/sessions")
  fuzz "$db-anonymous" "$base" "" "${keep[@]}"
  for role in reporter spokesperson staff admin; do
    fuzz "$db-$role" "$base" "${tokens[$role]}" "${keep[@]}"
  done
  # Signing out revokes the token, so it gets a token of its own, last.
  fuzz "$db-sign-out" "$base" "$to_revoke" \
    --include-name "DELETE /api/v1/sessions/current" --include-name "DELETE /api/v1/sessions" \
    --phases examples,coverage,fuzzing
  stop_server
  echo "== $db done in $((SECONDS - started)) s"
}

total=$SECONDS
case "$which_db" in
  sqlite) run_on sqlite ;;
  postgres) run_on postgres ;;
  all)
    run_on sqlite
    run_on postgres
    ;;
  *) echo "usage: $0 [sqlite|postgres|all]" >&2; exit 2 ;;
esac
if [ ${#failed[@]} -gt 0 ]; then
  echo "contract fuzzing FAILED in $((SECONDS - total)) s: ${failed[*]} (seed $seed; logs in $out)" >&2
  exit 1
fi
echo "contract fuzzing passed in $((SECONDS - total)) s (seed $seed, $examples examples per operation)"
if [ -z "${FUZZ_OUT:-}" ]; then rm -rf "$out"; fi
