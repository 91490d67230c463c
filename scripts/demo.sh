#!/usr/bin/env bash
# Install, then run a real training run on the embedded default workspace and say where to look.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh" lab
cd "$ROOT"
python -m jupyter_estimator.demo
