# Sourced by the other scripts: make (or reuse) .venv and install the project with the given extras.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${JUPYTER_ESTIMATOR_VENV:-$ROOT/.venv}"
PYTHON_BIN="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON_BIN" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$1]"
export PATH="$VENV/bin:$PATH"
# An editable install skips data files; place the server-extension switch as a wheel install would.
mkdir -p "$VENV/etc/jupyter/jupyter_server_config.d"
cp "$ROOT/jupyter-config/server-config/jupyter_estimator.json" "$VENV/etc/jupyter/jupyter_server_config.d/"
# Likewise the prebuilt JupyterLab extension: link it where a wheel install would copy it.
mkdir -p "$VENV/share/jupyter/labextensions"
ln -sfn "$ROOT/jupyter_estimator/labextension" "$VENV/share/jupyter/labextensions/jupyter-estimator"
