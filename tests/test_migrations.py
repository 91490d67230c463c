"""The workspace index's numbered migrations: a store written at any older schema version opens with the
current code, keeps its rows and ends at the latest version with the same schema as a new store; a store
from a newer version is refused with a message that names the versions and the fix, and is left untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jupyter_estimator.core.errors import StoreError
from jupyter_estimator.store.db import MIGRATIONS
from jupyter_estimator.store.index import reset_connections
from jupyter_estimator.store.run_filter import RunFilter
from jupyter_estimator.store.workspace_store import WorkspaceStore

LATEST = len(MIGRATIONS)
CREATED = 1_700_000_000.0


@pytest.fixture(autouse=True)
def fresh_connections():
    reset_connections()
    yield
    reset_connections()


def build_index(path: Path, version: int) -> None:
    """The index as the code of schema `version` left it: migrations 1..version, and user_version = version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path))
    try:
        for number in range(version):
            conn.executescript(MIGRATIONS[number])
        conn.execute(f"PRAGMA user_version={version}")
        conn.commit()
    finally:
        conn.close()


def add_rows(path: Path) -> None:
    """A few rows in every table, with the columns of the first schema (later migrations must keep them)."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("INSERT INTO experiments(id, name, created_time, tags) VALUES (1, 'old-exp', ?, '{\"team\": \"a\"}')",
                     (CREATED,))
        for number, (run_id, status, end) in enumerate([("old-exp_1_aaaaaaaa", "Completed", CREATED + 20),
                                                        ("old-exp_2_bbbbbbbb", "Failed", CREATED + 40)], start=1):
            conn.execute("INSERT INTO runs(run_id, experiment_id, run_number, status, target, created_time, start_time,"
                         " end_time) VALUES (?, 1, ?, ?, 'local', ?, ?, ?)",
                         (run_id, number, status, CREATED + number, CREATED + number + 1, end))
        conn.execute("INSERT INTO run_tags VALUES ('old-exp_1_aaaaaaaa', 'stage', 'dev')")
        conn.execute("INSERT INTO run_properties VALUES ('old-exp_1_aaaaaaaa', 'git', 'abc123')")
        conn.execute("INSERT INTO run_metrics_latest VALUES ('old-exp_1_aaaaaaaa', 'accuracy', '0.97', 9, 10)")
        conn.execute("INSERT INTO models(name, version, created_time, path, run_id) VALUES "
                     "('old-model', 1, ?, 'models/old-model/1', 'old-exp_1_aaaaaaaa')", (CREATED,))
        conn.execute("INSERT INTO environments VALUES ('old-env', 1, '{\"name\": \"old-env\"}', ?)", (CREATED,))
        conn.execute("INSERT INTO compute_targets VALUES ('old-target', 'local', '{}', ?)", (CREATED,))
        conn.commit()
    finally:
        conn.close()


def schema(path: Path) -> set[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        return {tuple(row) for row in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_there_is_an_older_version_to_upgrade_from():
    assert LATEST >= 2, "with a single migration there is no older schema to test"


@pytest.mark.parametrize("version", range(1, LATEST), ids=lambda v: f"from-v{v}")
def test_a_store_at_an_older_schema_opens_and_upgrades(tmp_path, version):
    root = tmp_path / "old-workspace"
    index_path = root / "index.sqlite"
    build_index(index_path, version)
    add_rows(index_path)

    store = WorkspaceStore(root)  # the current code opens it: this migrates

    assert user_version(index_path) == LATEST
    WorkspaceStore(tmp_path / "new-workspace")
    assert schema(index_path) == schema(tmp_path / "new-workspace" / "index.sqlite")
    index = store.index
    listed = store.runs.list(RunFilter(experiment_name="old-exp"))
    assert [(row.run_id, row.status) for row in listed] == [("old-exp_2_bbbbbbbb", "Failed"),
                                                                ("old-exp_1_aaaaaaaa", "Completed")]
    first = store.runs.get("old-exp_1_aaaaaaaa")
    assert (first.experiment_name, first.target, first.end_time) == ("old-exp", "local", CREATED + 20)
    assert store.runs.tags("old-exp_1_aaaaaaaa") == {"stage": "dev"}
    assert store.runs.properties("old-exp_1_aaaaaaaa") == {"git": "abc123"}
    assert [tuple(r) for r in index.read("SELECT name, value, step, count FROM run_metrics_latest")] == \
        [("accuracy", "0.97", 9, 10)]
    assert [tuple(r) for r in index.read("SELECT name, version, run_id FROM models")] == \
        [("old-model", 1, "old-exp_1_aaaaaaaa")]
    assert [tuple(r) for r in index.read("SELECT name, version FROM environments")] == [("old-env", 1)]
    assert [tuple(r) for r in index.read("SELECT name, type FROM compute_targets")] == [("old-target", "local")]
    # and it keeps working: a new experiment and run go in beside the old ones
    experiment = store.experiments.id_of("new-exp")
    assert experiment is not None and experiment != 1


def test_a_store_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    root = tmp_path / "workspace"
    index_path = root / "index.sqlite"
    build_index(index_path, LATEST)
    add_rows(index_path)
    newer = LATEST + 1
    conn = sqlite3.connect(str(index_path))
    conn.execute("CREATE TABLE from_the_future (x INTEGER)")
    conn.execute(f"PRAGMA user_version={newer}")
    conn.commit()
    conn.close()
    before, before_bytes = schema(index_path), index_path.read_bytes()

    with pytest.raises(StoreError) as caught:
        WorkspaceStore(root)
    message = str(caught.value)
    assert f"schema version {newer}" in message and f"({LATEST})" in message, message
    assert str(index_path) in message, message
    assert "Fix:" in message and "upgrade jupyter_estimator" in message, message

    from jupyter_estimator import Workspace  # the public API says the same
    with pytest.raises(StoreError, match=f"schema version {newer}"):
        Workspace(path=root)

    assert index_path.read_bytes() == before_bytes  # not even switched to WAL
    assert user_version(index_path) == newer and schema(index_path) == before
    conn = sqlite3.connect(str(index_path))
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    conn.close()
