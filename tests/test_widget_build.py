"""The widgets' built front ends (jupyter_estimator/widgets/static/) are what widgets_src/ builds: build.mjs records
a hash of the sources and of each output in build-info.json; a source edited without rebuilding, or a built
file edited by hand, fails here. Rebuild with `cd widgets_src && npm ci && npm run build`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "widgets_src"
STATIC = REPO / "jupyter_estimator" / "widgets" / "static"
REBUILD = "rebuild: cd widgets_src && npm ci && npm run build"


def source_names() -> list[str]:
    """The same list build.mjs hashes: the build script, the npm manifest and lock, and everything in src/."""
    names = ["build.mjs", "package.json", "package-lock.json"] + [f"src/{p.name}" for p in (SOURCES / "src").iterdir() if p.is_file()]
    return sorted(names)


def source_hash() -> str:
    digest = hashlib.sha256()
    for name in source_names():
        digest.update(name.encode() + b"\0")
        digest.update((SOURCES / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_built_widget_files_match_their_sources():
    info = json.loads((STATIC / "build-info.json").read_text())
    changed = [name for name in source_names()
               if info["sources"].get(name) != hashlib.sha256((SOURCES / name).read_bytes()).hexdigest()]
    assert not changed and set(info["sources"]) == set(source_names()), f"sources changed since the build: {changed}; {REBUILD}"
    assert info["sources_sha256"] == source_hash(), REBUILD


def test_built_widget_files_are_the_recorded_build_output():
    info = json.loads((STATIC / "build-info.json").read_text())
    assert set(info["outputs"]) == {"run_details.js", "run_details.css", "code_inserter.js"}
    for name, recorded in info["outputs"].items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == recorded, f"{name} was changed after the build; {REBUILD}"


def test_the_widgets_load_their_built_files():
    from jupyter_estimator.widgets.form import CodeInserter
    from jupyter_estimator.widgets.run_details import RunDetailsWidget
    def path(source):  # anywidget wraps a file path in a FileContents that keeps it
        return Path(getattr(source, "_path", source))
    assert path(RunDetailsWidget._esm) == STATIC / "run_details.js" and path(RunDetailsWidget._css) == STATIC / "run_details.css"
    assert path(CodeInserter._esm) == STATIC / "code_inserter.js"
    bundle = (STATIC / "run_details.js").read_text()
    assert re.search(r"\bimport\s*[{*\w]|\bimport\s*\(", bundle.split("\n", 1)[1]) is None  # self-contained, no CDN
    assert "u-over" in bundle  # uPlot itself is bundled in
