#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster (installed by scripts/test_env.sh) and make a test database.
# Prints the SQLAlchemy URL to use as QA_TEST_POSTGRES_URL. Idempotent.
set -euo pipefail
ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
[ -n "$ver" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >&2
fi
pg_ctlcluster "$ver" main start >&2 2>/dev/null || true  # stdout is only the URL
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='qa'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE qa LOGIN PASSWORD 'qa' CREATEDB\"" >&2
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='qa_test'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE DATABASE qa_test OWNER qa\"" >&2
echo "postgresql+psycopg://qa:qa@127.0.0.1:5432/qa_test"
