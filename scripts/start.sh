#!/usr/bin/env bash
# Install the app in .venv and start it on the local store.
# Usage: bash scripts/start.sh [--demo] [--host H] [--port P]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
"$VENV_PY" -m pip install -q --disable-pip-version-check -r requirements.txt
exec "$VENV_PY" app.py "$@"
