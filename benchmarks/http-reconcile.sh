#!/usr/bin/env bash
# Reconciles a 1M-member snapshot over HTTP against the sample on PostgreSQL, with NDJSON bodies:
# first a bulk upsert of N new members, then a reconcile with 1% changed, 1% new and 1% absent.
# Prints each request's wall time and the sample's peak resident memory (VmHWM).
#
#   benchmarks/http-reconcile.sh "Host=127.0.0.1;Port=5432;Username=postgres;Database=mailing_http" [members]
#
# The database must exist and be empty (the sample creates its schema on start).
set -euo pipefail
connection=${1:?usage: $0 <npgsql connection string> [members]}
members=${2:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

awk -v n="$members" 'BEGIN { for (i = 0; i < n; i++) printf "{\"sourceObjectKey\":\"submission:%08d\",\"email\":\"user%d@example.com\"}\n", i, i }' > "$work/bulk.ndjson"
awk -v n="$members" 'BEGIN { p = int(n / 100); for (i = p; i < n + p; i++) printf "{\"sourceObjectKey\":\"submission:%08d\",\"email\":\"%s%d@example.com\"}\n", i, (i < 2 * p ? "changed" : "user"), i }' > "$work/reconcile.ndjson"

dotnet build "$root/samples/Mailing.Sample" -c Release -v quiet -nologo > /dev/null
Sample__Store=postgres ConnectionStrings__Mailing="$connection" Sample__ApiKeys__httpbenchkey=http-bench ASPNETCORE_URLS=http://127.0.0.1:5080 \
  dotnet "$root/samples/Mailing.Sample/bin/Release/net10.0/Mailing.Sample.dll" > "$work/sample.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:5080/openapi/v1.json && break; sleep 1; done
kill -0 "$pid" 2>/dev/null || { cat "$work/sample.log"; exit 1; }

api=http://127.0.0.1:5080/api
timed() { local t0; t0=$(date +%s%N); "$@"; awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }'; }
post() { curl -sS --fail-with-body -o "$work/$1.json" -X POST "$api/recipient-lists/http-bench/$2" -H 'X-Api-Key: httpbenchkey' \
  -H 'Content-Type: application/x-ndjson' --data-binary "@$work/$1.ndjson"; }
peak() { awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status"; }

echo "members: $members; sample started, peak RSS $(peak)"
echo "bulk upsert (NDJSON): $(timed post bulk members/bulk-upsert) s, sample peak RSS $(peak)"
echo "reconcile, removeAbsent (NDJSON): $(timed post reconcile 'reconcile?removeAbsent=true') s, sample peak RSS $(peak)"
grep -o '"counts":{[^}]*}' "$work/reconcile.json"
