#!/usr/bin/env bash
# Install everything the tests need, then run every test.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Debian's chromium (browser tests; never a downloaded
# browser), LibreOffice Calc (the XLSX opens-without-repair test) and
# poppler (PDF pages to PNG for screenshots), faketime (the suite passes
# whatever the machine's date: tests/test_clock.py moves it to holidays).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing system packages: ${need[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
fi

. scripts/venv.sh
"$VENV_PY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
# one worker per core, at most 4 (the live-server tests start gunicorn and
# chromium each); TEST_WORKERS=0 runs everything in this one process
cores=$(nproc 2>/dev/null || echo 2)
exec "$VENV_PY" -m pytest -n "${TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}" "$@"
