#!/usr/bin/env bash
# Installs and starts what the tests need beyond Python: Debian's Chromium, a Korean font,
# PostgreSQL 15 (started, with a role for the tests), Node's npm for vendoring KRDS.
# Idempotent: a second run only checks. Needs root (apt-get); without root it only reports.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi nanum || need+=(fonts-nanum)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # the API load benchmark
[ -e /usr/lib/x86_64-linux-gnu/libgomp.so.1 ] || ldconfig -p 2>/dev/null | grep -q libgomp.so.1 || need+=(libgomp1)  # LightGBM

if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "setup_system: missing ${need[*]}; run as root (or install them) for the browser and PostgreSQL tests" >&2
    exit 0
  fi
  echo "setup_system: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
fi

# PostgreSQL: start the Debian cluster and make a superuser role the tests use over the socket.
if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  version=$(pg_lsclusters -h | awk 'NR==1{print $1}')
  cluster=$(pg_lsclusters -h | awk 'NR==1{print $2}')
  if [ -z "${version}" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    cluster=main
    pg_createcluster "$version" "$cluster" >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v c="$cluster" '$2==c{print $4}' | grep -q online; then
    pg_ctlcluster "$version" "$cluster" start
  fi
  for _ in $(seq 1 30); do
    su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='ilteo_test'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"create role ilteo_test login superuser password 'ilteo_test'\"" >/dev/null
fi
echo "setup_system: ok"
