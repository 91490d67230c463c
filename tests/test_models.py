"""The model registry."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from conftest import submit_script
from jupyter_estimator import Model
from jupyter_estimator.core.errors import ModelNotFoundException, ModelPathNotFoundException, UserErrorException


@pytest.fixture
def trained(exp, project):
    run = submit_script(exp, project, "train.py", """
        import os
        os.makedirs("outputs/bundle", exist_ok=True)
        open("outputs/model.pkl", "wb").write(b"v1")
        open("outputs/bundle/a.bin", "wb").write(b"a")
        open("outputs/bundle/b.bin", "wb").write(b"b")
    """)
    run.wait_for_completion()
    return run


def test_register_from_run_versions_and_download(ws, trained, tmp_path):
    first = trained.register_model("mnist", "./outputs/model.pkl", tags={"area": "digits"}, properties={"acc": 0.9},
                                   description="first", model_framework=Model.Framework.SCIKITLEARN,
                                   model_framework_version="1.5")
    second = trained.register_model("mnist", "outputs/model.pkl")
    assert (first.version, second.version) == (1, 2) and second.id == "mnist:2"
    assert first.run_id == trained.id and first.experiment_name == "tests"
    assert first.tags == {"area": "digits"} and first.properties == {"acc": "0.9"}
    assert Model(ws, "mnist").version == 2
    assert Model(ws, "mnist", version=1).description == "first"
    assert Model(ws, id="mnist:1").model_framework == "ScikitLearn"
    path = Model(ws, "mnist", version=1).download(str(tmp_path / "dl"))
    assert Path(path).read_bytes() == b"v1"
    with pytest.raises(UserErrorException, match="target_dir"):
        Model(ws, "mnist", version=1).download(str(tmp_path / "dl"))
    folder = trained.register_model("bundle", "outputs/bundle")
    out = folder.download(str(tmp_path / "bundle"))
    assert sorted(p.name for p in Path(out).iterdir()) == ["a.bin", "b.bin"]


def test_register_from_run_with_missing_path(trained):
    with pytest.raises(ModelPathNotFoundException, match="Could not locate the provided model_path outputs/nope.pkl"):
        trained.register_model("m", "outputs/nope.pkl")
    with pytest.raises(UserErrorException, match="model_path"):
        trained.register_model("m", "../../index.sqlite")


def test_model_list_filters(ws, tmp_path):
    file = tmp_path / "w.bin"
    file.write_bytes(b"w")
    Model.register(ws, str(file), "alpha", tags={"team": "a"})
    Model.register(ws, str(file), "alpha", tags={"team": "b"})
    Model.register(ws, str(file), "beta", properties={"kind": "cnn"})
    assert [m.id for m in Model.list(ws)] == ["alpha:2", "alpha:1", "beta:1"]
    assert [m.id for m in Model.list(ws, latest=True)] == ["alpha:2", "beta:1"]
    assert [m.id for m in Model.list(ws, tags=[["team", "a"]])] == ["alpha:1"]
    assert [m.id for m in Model.list(ws, tags=["team"])] == ["alpha:2", "alpha:1"]
    assert [m.id for m in Model.list(ws, properties=[["kind", "cnn"]])] == ["beta:1"]
    with pytest.raises(UserErrorException, match="tags"):
        Model.list(ws, tags={"team": "a"})
    assert set(ws.models) == {"alpha", "beta"}
    with pytest.raises(ModelNotFoundException):
        Model(ws, "gamma")


def test_concurrent_registrations_get_distinct_versions(ws, tmp_path):
    file = tmp_path / "w.bin"
    file.write_bytes(b"w")
    versions = []
    threads = [threading.Thread(target=lambda: versions.append(Model.register(ws, str(file), "race").version)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(versions) == list(range(1, 9))


def test_get_model_path_downloads_into_azureml_models(ws, tmp_path, monkeypatch):
    file = tmp_path / "w.bin"
    file.write_bytes(b"w")
    Model.register(ws, str(file), "served")
    monkeypatch.chdir(tmp_path)
    path = Model.get_model_path("served", _workspace=ws)
    assert Path(path) == Path("azureml-models/served/1/w.bin") and Path(path).read_bytes() == b"w"


def test_tag_updates(ws, tmp_path):
    file = tmp_path / "w.bin"
    file.write_bytes(b"w")
    model = Model.register(ws, str(file), "tagged", tags={"a": "1"})
    model.add_tags({"b": "2"})
    model.remove_tags(["a"])
    model.add_properties({"p": "1"})
    with pytest.raises(UserErrorException, match="immutable"):
        model.add_properties({"p": "2"})
    again = Model(ws, "tagged")
    assert again.tags == {"b": "2"} and again.properties == {"p": "1"}
    again.delete()
    with pytest.raises(ModelNotFoundException):
        Model(ws, "tagged")
