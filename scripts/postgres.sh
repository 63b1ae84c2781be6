#!/usr/bin/env bash
# Installs PostgreSQL from Debian if needed, starts it on 127.0.0.1, and makes sure the
# test role and database exist. Prints the URL tests use.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "postgres: installing PostgreSQL (Debian)" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  echo "postgres: starting cluster $version/main" >&2
  as_root pg_ctlcluster "$version" main start >&2
fi
psql_admin() { as_root su postgres -c "psql -v ON_ERROR_STOP=1 -tAc \"$1\""; }
for _ in $(seq 1 30); do psql_admin "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='portico'")" != 1 ]; then
  psql_admin "CREATE ROLE portico LOGIN PASSWORD 'portico' CREATEDB" >/dev/null
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='portico'")" != 1 ]; then
  psql_admin "CREATE DATABASE portico OWNER portico" >/dev/null
fi
echo "postgres://portico:portico@127.0.0.1:5432/portico"
