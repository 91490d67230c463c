"""`build_environment_main SPEC_DIR ENV_DIR`: build an environment here, from SPEC_DIR/spec.json.

Run inside a build container (runner/docker_images.py) by the image's own python3, with this package and
the host's uv binary mounted in: the same builder as local runs, so pins, the conda→PyPI map and wheel
rules behave the same in both. SPEC_DIR/environment.json holds the build's variables (uv's location, the
CA bundle, index and proxy settings): read from a mounted file, so the committed image keeps none of them.
Prints progress; on failure the last line starts with `environment:`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..core.errors import EnvironmentBuildError
from .environments import build_into


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: build_environment_main SPEC_DIR ENV_DIR", file=sys.stderr)
        return 2
    spec_dir = Path(argv[0])
    os.environ.update(json.loads((spec_dir / "environment.json").read_text()))
    spec = json.loads((spec_dir / "spec.json").read_text())
    try:
        build_into(Path(argv[1]), spec, sys.stdout)
    except EnvironmentBuildError as exc:
        print(f"\n{exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
