"""azureml.data / Dataset / Datastore: accepted names whose capability comes in a later version."""

from __future__ import annotations

from typing import Any

from ..core.errors import CapabilityNotAvailable


def _unavailable(*_: Any, **__: Any) -> Any:
    raise CapabilityNotAvailable("Dataset: datasets and datastores are not available in this version of "
                                 "jupyter_estimator. Fix: read files from a path the script can see and pass it "
                                 "in script_params/arguments.", field="Dataset")


class _Factory:
    from_files = from_delimited_files = upload_directory = staticmethod(_unavailable)


class Dataset:
    File = _Factory
    Tabular = _Factory
    get_by_name = get_by_id = get_all = staticmethod(_unavailable)


class Datastore:
    get = get_default = register_azure_blob_container = staticmethod(_unavailable)


FileDataset = TabularDataset = Dataset
