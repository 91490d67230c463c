#!/usr/bin/env bash
# Front-end checks of the JupyterLab extension: a clean install from package-lock.json, the TypeScript type
# check, ESLint and the vitest unit tests. Needs Node >= 20.19 and npm (the npm registry for `npm ci`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../labextension"
npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npm test
