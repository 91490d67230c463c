"""Both front ends (the JupyterLab extension and the notebook widget) take their run statuses, charts and number
formats from labextension/src/shared/. Its status constants must say what jupyter_estimator/core/status.py
says, or a status added or made final in Python is styled and polled wrongly in the browser; and the widget's
committed bundle must be built from the shared files as they are now (widgets_src/build.mjs hashes them into
build-info.json under "shared"; tests/test_widget_build.py covers the files in widgets_src/)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from jupyter_estimator.core.status import ALL_STATUSES, TERMINAL_STATUSES

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / "labextension" / "src" / "shared"
STATUS_TS = SHARED / "status.ts"
BUILD_INFO = REPO / "jupyter_estimator" / "widgets" / "static" / "build-info.json"
REBUILD = "rebuild: cd widgets_src && npm ci && npm run build"


def ts_constant(source: str, name: str) -> str:
    """The initialiser of `export const NAME ... = <initialiser>;` in TypeScript source."""
    match = re.search(rf"export const {name}\b[^=]*=\s*(.*?);\s*$", source, re.S | re.M)
    assert match, f"{name} is not defined in {STATUS_TS.relative_to(REPO)}"
    return match.group(1)


def strings(code: str) -> list[str]:
    """The string literals in a piece of TypeScript, in order."""
    return [single or double for single, double in re.findall(r"'([^']*)'|\"([^\"]*)\"", code)]


def shared_statuses(source: str) -> tuple[list[str], set[str], dict[str, str]]:
    tones = dict(re.findall(r"(\w+)\s*:\s*'(\w+)'", ts_constant(source, "STATUS_TONES")))
    return strings(ts_constant(source, "RUN_STATUSES")), set(strings(ts_constant(source, "FINAL_STATUSES"))), tones


def test_the_front_ends_know_every_status_and_which_are_final():
    statuses, final, tones = shared_statuses(STATUS_TS.read_text())
    assert len(statuses) == len(set(statuses)), statuses
    assert set(statuses) == set(ALL_STATUSES), "RUN_STATUSES in labextension/src/shared/status.ts differs from status.py"
    assert final == set(TERMINAL_STATUSES), "FINAL_STATUSES in labextension/src/shared/status.ts differs from status.py"
    assert set(tones) == set(ALL_STATUSES), "STATUS_TONES must give every status of status.py a tone"
    assert {tones[s] for s in TERMINAL_STATUSES} <= {"completed", "failed", "canceled"}


def test_the_parser_sees_a_difference():
    """The check above is only as good as its parsing: a status dropped from or added to the TS is noticed."""
    source = STATUS_TS.read_text()
    _, final, _ = shared_statuses(source.replace("'Failed', 'Canceled'])", "'Failed'])"))
    assert final == set(TERMINAL_STATUSES) - {"Canceled"}
    _, final, _ = shared_statuses(source.replace("'Failed', 'Canceled'])", "'Failed', 'Canceled', 'Finalizing'])"))
    assert final != set(TERMINAL_STATUSES)


def test_no_front_end_keeps_its_own_final_status_set():
    own = re.compile(r"Set\(\s*\[[^\]]*['\"](?:Completed|Failed|Canceled)['\"]")
    files = [p for p in (REPO / "labextension" / "src").rglob("*.ts") if p != STATUS_TS]
    files += [p for p in (REPO / "widgets_src" / "src").glob("*.js")]
    offenders = [str(p.relative_to(REPO)) for p in files if own.search(p.read_text())]
    assert not offenders, f"use FINAL_STATUSES / isFinal from labextension/src/shared/status.ts in {offenders}"


def test_the_widget_bundle_is_built_from_the_shared_sources_as_they_are():
    recorded = json.loads(BUILD_INFO.read_text()).get("shared", {})
    assert {"labextension/src/shared/status.ts", "labextension/src/shared/chart.ts"} <= set(recorded), REBUILD
    for path, digest in recorded.items():
        file = REPO / path
        assert file.is_file(), f"{path} was bundled into the widget but is gone; {REBUILD}"
        assert hashlib.sha256(file.read_bytes()).hexdigest() == digest, f"{path} changed since the widget was built; {REBUILD}"
