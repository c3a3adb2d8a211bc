#!/usr/bin/env bash
# ilteo Open API with curl: search occupations, read one (and revalidate it with its ETag), see a
# problem+json error, and ask who you are. Run: bash docs/examples/curl.sh
# ILTEO_BASE_URL is the server (default http://127.0.0.1:8000). ILTEO_API_KEY, when set, is sent
# on every call: reference data is open, but scopes and quotas are per key.
set -euo pipefail
BASE="${ILTEO_BASE_URL:-http://127.0.0.1:8000}"
HEADERS=$(mktemp)
trap 'rm -f "$HEADERS"' EXIT
AUTH=()
if [ -n "${ILTEO_API_KEY:-}" ]; then
  AUTH=(-H "Authorization: Bearer $ILTEO_API_KEY")  # a header, never the URL
fi

echo "== search occupations named 소프트웨어 (KSCO 8 only, at most 3 per page)"
curl -sS --fail-with-body "${AUTH[@]}" --get "$BASE/v1/reference/occupations" \
  --data-urlencode "q=소프트웨어" --data-urlencode "system=ksco8" --data-urlencode "limit=3"
echo

echo "== read one occupation; the X-Request-ID we send is echoed back"
curl -sS --fail-with-body "${AUTH[@]}" -D "$HEADERS" -H "X-Request-ID: curl-example-1" \
  "$BASE/v1/reference/occupations/onet/15-1252.00"
echo
cat "$HEADERS"
etag=$(tr -d '\r' < "$HEADERS" | awk 'tolower($1) == "etag:" { print $2 }')

echo "== read it again with If-None-Match: 304 Not Modified while our copy is current"
curl -sS "${AUTH[@]}" -o /dev/null -w "revalidated: %{http_code}\n" -H "If-None-Match: $etag" \
  "$BASE/v1/reference/occupations/onet/15-1252.00"

echo "== an unknown code is a 404 problem+json (branch on its stable 'type')"
curl -sS "${AUTH[@]}" -w "\nstatus: %{http_code}\n" "$BASE/v1/reference/occupations/ksco8/99999"

if [ -n "${ILTEO_API_KEY:-}" ]; then
  echo "== who am I"
  curl -sS --fail-with-body "${AUTH[@]}" "$BASE/v1/identity/me"
  echo
fi
