"""What a submission carries, as plain data: the same model travels in-process and over REST.

`build_request` in client/submission.py turns AML config objects into this; the service validates
it again (a REST caller may send anything) and turns it into a run.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .names import EXPERIMENT_NAME, EXPERIMENT_NAME_RULE
from .limits import MAX_NODE_COUNT, MAX_PROCESSES_PER_NODE, MAX_RUN_DURATION_SECONDS
from .spec import EnvironmentSpec

SNAPSHOT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Properties a submitting process may record about its source folder (it read the folder; the service did not).
SOURCE_PROPERTY_PREFIXES = ("azureml.git.", "mlflow.source.git.")


class DistributedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    framework: str = "Python"
    communicator: str = "None"
    node_count: int = Field(1, ge=1, le=MAX_NODE_COUNT)
    process_count_per_node: int = Field(1, ge=1, le=MAX_PROCESSES_PER_NODE)


class SubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    experiment: str
    source_directory: str | None  # None: the snapshot holds only inline_files
    # Set by an SDK that took the snapshot itself in the shared workspace store: the service then never reads
    # source_directory (it is only recorded as where the code came from) and uses this snapshot as it is.
    snapshot_id: str | None = None
    source_properties: dict[str, str] = Field(default_factory=dict)
    inline_files: dict[str, str] = Field(default_factory=dict)  # e.g. a notebook cell written as the script
    script: str | None = None
    command: list[str] | None = None
    arguments: list[str] = Field(default_factory=list)
    compute_target: str = "local"
    environment: EnvironmentSpec
    environment_variables: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str | None] = Field(default_factory=dict)
    max_run_duration_seconds: int | None = Field(None, ge=1, le=MAX_RUN_DURATION_SECONDS)
    distributed: DistributedRequest = Field(default_factory=DistributedRequest)
    use_docker: bool = False
    shm_size: str | None = "2g"
    use_gpu: bool = False
    uses_datasets: bool = False
    parent_run_id: str | None = None
    run_id: str | None = None
    conda_dependencies: dict[str, Any] = Field(default_factory=dict)

    @field_validator("experiment")
    @classmethod
    def _experiment_name(cls, value: str) -> str:
        if not EXPERIMENT_NAME.match(value):
            raise ValueError(EXPERIMENT_NAME_RULE)
        return value

    @field_validator("snapshot_id")
    @classmethod
    def _snapshot_id(cls, value: str | None) -> str | None:
        if value is not None and not SNAPSHOT_ID.match(value):
            raise ValueError("snapshot_id must be a snapshot's id (a lower-case UUID), as the SDK's snapshot returns")
        return value

    @field_validator("source_properties")
    @classmethod
    def _source_properties(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not k.startswith(SOURCE_PROPERTY_PREFIXES)]
        if bad:
            raise ValueError(f"source_properties may only hold {SOURCE_PROPERTY_PREFIXES} keys, not {bad}")
        return value

    @field_validator("command")
    @classmethod
    def _command(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("command must not be empty")
        return value
