#!/usr/bin/env bash
# What the full test suite needs from the machine, in one place (`make test` and .ci/run).
#
#   bash scripts/test_env.sh COMMAND [ARG...]   set up, then run COMMAND in that environment
#   bash scripts/test_env.sh                    set up, then print the `export` lines
#
# 1. The Debian packages below: the missing ones are installed with apt-get (apt-get update
#    first) when this runs as root or with password-less sudo.
# 2. PostgreSQL: unless QA_TEST_POSTGRES_URL is set already, scripts/start_postgres.sh starts
#    the Debian cluster and QA_TEST_POSTGRES_URL is its test database.
# 3. QA_REQUIRE_<COMPONENT>=1 for every component below, so that a test whose component is
#    missing fails instead of skipping (tests/conftest.py).
# Whatever it cannot do, it stops at once with one line naming what is missing and how to
# get it (exit status 1).
set -euo pipefail
cd "$(dirname "$0")/.."

#: Debian packages of the tests: tools they run, the database, the browser and its CJK fonts
PACKAGES="ffmpeg sox espeak-ng postgresql chromium fonts-noto-cjk"

die() {
  echo "scripts/test_env.sh: $*" >&2
  exit 1
}

installed() { # Debian package $1 is installed (or, without dpkg, what the tests use is there)
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q " installed$"
    return
  fi
  case "$1" in
    postgresql) compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null ;;
    chromium) command -v chromium || command -v chromium-browser || command -v google-chrome ;;
    fonts-noto-cjk) fc-list ":lang=zh" 2>/dev/null | grep -qi "noto.*cjk" ;;
    *) command -v "$1" ;;
  esac >/dev/null 2>&1
}

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    as_root=(none)
  fi
fi

missing=()
for p in $PACKAGES; do
  # a PostgreSQL server of one's own (QA_TEST_POSTGRES_URL) makes the package unnecessary
  if [ "$p" = postgresql ] && [ -n "${QA_TEST_POSTGRES_URL:-}" ]; then continue; fi
  installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${as_root[0]:-}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing Debian packages: ${missing[*]} (install them: sudo apt-get install ${missing[*]}; or run \`make pytest\`, where their tests skip)"
  fi
  echo "scripts/test_env.sh: installing ${missing[*]} with apt-get" >&2
  log="$(mktemp)"
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 \
    || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq "${missing[@]}" >>"$log" 2>&1; then
    die "apt-get install ${missing[*]} failed: $(grep -v '^\s*$' "$log" | tail -n 1) (whole log: $log)"
  fi
  rm -f "$log"
fi

if [ -z "${QA_TEST_POSTGRES_URL:-}" ]; then
  if [ "${as_root[0]:-}" = none ]; then
    die "PostgreSQL: set QA_TEST_POSTGRES_URL to a test database, or start the local one as root (sudo bash scripts/start_postgres.sh prints its URL)"
  fi
  log="$(mktemp)"
  if ! url=$("${as_root[@]}" bash scripts/start_postgres.sh 2>"$log" | tail -n 1) || [ -z "$url" ]; then
    die "PostgreSQL did not start (scripts/start_postgres.sh): $(grep -v '^\s*$' "$log" | tail -n 1)"
  fi
  rm -f "$log"
  export QA_TEST_POSTGRES_URL="$url"
fi

export QA_REQUIRE_FFMPEG=1 QA_REQUIRE_SOX=1 QA_REQUIRE_ESPEAK_NG=1
export QA_REQUIRE_POSTGRES=1 QA_REQUIRE_CHROMIUM=1

if [ $# -eq 0 ]; then
  for v in QA_TEST_POSTGRES_URL QA_REQUIRE_FFMPEG QA_REQUIRE_SOX QA_REQUIRE_ESPEAK_NG \
    QA_REQUIRE_POSTGRES QA_REQUIRE_CHROMIUM; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
  exit 0
fi
exec "$@"
