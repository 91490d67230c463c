"""The committed prebuilt JupyterLab extension (jupyter_estimator/labextension/) is built from the sources in
labextension/ as they are now: `npm run build` records a hash of the sources next to the build, and this test
recomputes it (no Node needed). Also: every setting the extension declares is used by its code."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "labextension"
BUILD = REPO / "jupyter_estimator" / "labextension"
RECORD = BUILD / "source-hash.json"
FIX = "Fix: cd labextension && npm install && npm run build (then commit jupyter_estimator/labextension/)."


def source_hashes() -> dict[str, str]:
    """Same as labextension/scripts/source-hash.mjs: sha256 of each source file, CRLF read as LF."""
    paths = [p for folder in ("src", "style", "schema") for p in (SOURCES / folder).rglob("*") if p.is_file()]
    paths += [SOURCES / "package.json", SOURCES / "tsconfig.json"]
    return {p.relative_to(SOURCES).as_posix(): hashlib.sha256(p.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
            for p in paths}


def total_hash(files: dict[str, str]) -> str:
    return hashlib.sha256("".join(f"{path}\0{files[path]}\n" for path in sorted(files)).encode()).hexdigest()


def test_the_prebuilt_extension_matches_its_sources():
    assert RECORD.exists(), f"{RECORD.relative_to(REPO)} is missing: the prebuilt extension was not built by `npm run build`. {FIX}"
    recorded = json.loads(RECORD.read_text())
    current = source_hashes()
    changed = sorted(path for path in current.keys() | recorded["files"].keys()
                     if current.get(path) != recorded["files"].get(path))
    assert not changed, (f"labextension/ changed since jupyter_estimator/labextension/ was built "
                         f"(changed, added or removed: {', '.join(changed)}). {FIX}")
    assert total_hash(current) == recorded["sha256"], f"the recorded source hash does not add up. {FIX}"


def test_the_prebuilt_extension_holds_what_its_package_json_loads():
    package = json.loads((BUILD / "package.json").read_text())
    entry = BUILD / package["jupyterlab"]["_build"]["load"]
    assert entry.is_file(), f"{entry} is missing. {FIX}"
    assert (BUILD / "schemas" / "jupyter-estimator" / "plugin.json").read_text() == (SOURCES / "schema" / "plugin.json").read_text(), FIX


def test_every_setting_the_extension_declares_is_used():
    schema = json.loads((SOURCES / "schema" / "plugin.json").read_text())
    code = "\n".join(p.read_text() for p in sorted((SOURCES / "src").glob("*.ts")))
    for name in schema["properties"]:
        assert f"get('{name}')" in code, f"setting {name!r} is declared in schema/plugin.json but never read"
        uses = re.findall(rf"settings\.{name}\b(?!\s*=[^=])", code)
        assert uses, f"setting {name!r} is read from the registry but nothing uses it: use it or remove it"
