"""Links never carry a copy or a download out of the tree they are in (issue 9, items 2–3): the model
registry, downloads, uploads and the snapshots a server takes for REST callers follow one rule."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from .conftest import submit_body

MAKE_LINKS = """
import os
os.makedirs('outputs/model', exist_ok=True)
open('outputs/model/weights.bin', 'wb').write(b'w' * 100)
open('outputs/notes.txt', 'w').write('fine')
os.symlink({secret_file!r}, 'outputs/model/extra')
os.symlink({secret_dir!r}, 'outputs/model/home')
os.symlink('weights.bin', 'outputs/model/inside-link')
print('links made')
"""


@pytest.fixture
def secrets_outside(tmp_path):
    folder = tmp_path / "secret-home"
    folder.mkdir()
    (folder / "id_rsa").write_text("PRIVATE KEY")
    (folder / "big.bin").write_bytes(b"x" * 1_000_000)
    return folder


def linked_run(live_server, secrets_outside):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig, Workspace
    project = live_server.root / "linking"
    project.mkdir()
    (project / "train.py").write_text(MAKE_LINKS.format(secret_file=str(secrets_outside / "id_rsa"),
                                                        secret_dir=str(secrets_outside)))
    env = Environment("links")
    env.python.user_managed_dependencies = True
    ws = Workspace(path=str(live_server.workspace))
    run = Experiment(ws, "links").submit(ScriptRunConfig(str(project), script="train.py", environment=env))
    run.wait_for_completion()
    return ws, run


def test_registry_downloads_and_files_api_never_follow_links_out(live_server, secrets_outside, tmp_path):
    ws, run = linked_run(live_server, secrets_outside)
    with pytest.warns(UserWarning, match=r"skipped 2 item\(s\)"):
        model = run.register_model("m", "outputs/model")
    stored = {p.relative_to(model._folder).as_posix() for p in model._folder.rglob("*")}
    assert stored == {"model", "model/weights.bin", "model/inside-link"}, stored
    assert all(not p.is_symlink() for p in model._folder.rglob("*"))
    # served: the model's listing and files
    listing = live_server.get("models/m/versions/1")["files"]
    assert sorted(listing) == ["model/inside-link", "model/weights.bin"]
    for path in ("model/extra", "model/home/id_rsa"):
        status, _, body = live_server.request("GET", f"models/m/versions/1/files/{path}")
        assert status in (400, 404) and b"PRIVATE" not in body
    # the run's own files API and listing
    names = run.get_file_names()
    assert "outputs/model/extra" not in names and not any(n.startswith("outputs/model/home") for n in names)
    assert {"outputs/model/weights.bin", "outputs/model/inside-link", "outputs/notes.txt"} <= set(names)
    status, _, body = live_server.request("GET", f"runs/{run.id}/files/outputs/model/extra")
    assert status in (400, 404) and b"PRIVATE" not in body
    # download_files: the whole set is checked first; nothing outside is copied, the rest is
    out = tmp_path / "download"
    with warnings.catch_warnings(record=True):
        written = run.download_files(prefix="outputs", output_directory=str(out))
    copied = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert copied == {"outputs/model/weights.bin", "outputs/model/inside-link", "outputs/notes.txt"}
    assert len(written) == 3
    # Model.download of a registry folder someone damaged by hand
    os.symlink(secrets_outside / "id_rsa", model._folder / "model" / "planted")
    with pytest.warns(UserWarning, match="planted"):
        target = Path(model.download(str(tmp_path / "model-download")))
    assert not any(p.name == "planted" for p in target.rglob("*"))


def test_upload_folder_skips_links_out(live_server, secrets_outside, tmp_path):
    ws, run = linked_run(live_server, secrets_outside)
    folder = tmp_path / "to-upload"
    folder.mkdir()
    (folder / "real.txt").write_text("real")
    os.symlink(secrets_outside / "id_rsa", folder / "key")
    os.symlink(secrets_outside, folder / "everything")
    with pytest.warns(UserWarning, match="upload_folder"):
        names = run.upload_folder("uploaded", str(folder))
    assert names == ["uploaded/real.txt"]
    assert not (Path(run.path) / "uploaded" / "key").exists()


def test_server_snapshot_of_a_rest_folder_skips_links_out(live_server, secrets_outside):
    project = live_server.root / "rest-project"
    project.mkdir()
    (project / "train.py").write_text("import os\nprint('SEES', sorted(os.listdir('.')))\n")
    os.symlink(secrets_outside / "id_rsa", project / "key.txt")
    (project / "local.txt").write_text("mine")
    os.symlink(project / "local.txt", project / "alias.txt")
    status, run, _ = live_server.request("POST", "runs", submit_body(project, "train.py"))
    assert status == 201, run
    snapshot = live_server.workspace / "runs" / run["id"] / "snapshot"
    assert not (snapshot / "key.txt").exists() and (snapshot / "alias.txt").read_text() == "mine"
    assert not any(b"PRIVATE" in p.read_bytes() for p in snapshot.rglob("*") if p.is_file())
