#!/usr/bin/env bash
# Install, then run the whole test suite (real processes; environments are built with uv from the package index).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh" test
cd "$ROOT"
mkdir -p test-output
lint-imports  # the layer contract in pyproject.toml: no package imports one above it
python -m pytest -q -p no:cacheprovider --junitxml=test-output/junit.xml "$@"
