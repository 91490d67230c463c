"""`Experiment`: a named group of runs. Standard library only; submission loads the config layer lazily."""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any, Iterator

from ..core.errors import invalid
from ..core.names import EXPERIMENT_NAME, EXPERIMENT_NAME_RULE
from ..store.run_filter import RunFilter
from .workspace import Workspace

PAGE_SIZE = 100


def validate_experiment_name(name: Any) -> str:
    if not isinstance(name, str) or not EXPERIMENT_NAME.match(name):
        raise invalid("name", name, EXPERIMENT_NAME_RULE, "pass e.g. name='my-experiment'")
    return name


class Experiment:
    def __init__(self, workspace: Workspace, name: str, _skip_name_validation: bool = False, _id: Any = None,
                 _archived_time: Any = None, _create_in_cloud: bool = True, **_: Any) -> None:
        if not isinstance(workspace, Workspace):
            raise invalid("workspace", workspace, "must be a Workspace", "pass Workspace() or Workspace.from_config()")
        self.workspace = workspace
        self.name = name if _skip_name_validation else validate_experiment_name(name)
        self._id = workspace.store.experiments.id_of(self.name, create=_create_in_cloud)

    @property
    def id(self) -> int | None:
        return self._id

    # submission ---------------------------------------------------------------------------------
    def submit(self, config: Any, tags: dict[str, Any] | None = None, **kwargs: Any):
        """Submit an Estimator or ScriptRunConfig; returns its Run at once (the run goes on by itself)."""
        from .submission import submit
        return submit(self, config, tags=tags, **kwargs)

    def start_logging(self, *args: Any, name: str | None = None, run_id: str | None = None, outputs: Any = None,
                      snapshot_directory: str | None = ".", **kwargs: Any):
        """An interactive run in this process: status Running until complete()/fail() or the `with` block ends."""
        from .interactive import start_interactive_run
        return start_interactive_run(self, display_name=name, run_id=run_id, outputs=outputs,
                                     snapshot_directory=snapshot_directory)

    # listing ------------------------------------------------------------------------------------
    def get_runs(self, type: str | None = None, tags: Any = None, properties: Any = None,
                 include_children: bool = False, status: str | None = None) -> Iterator[Any]:
        """Runs of this experiment, newest first, fetched a page at a time."""
        from .run import Run
        offset = 0
        while True:
            run_filter = RunFilter(experiment_name=self.name, top_level_only=not include_children, tags=tags,
                                   properties=properties, run_type=type, status=status)
            rows = self.workspace.store.runs.list(run_filter, limit=PAGE_SIZE, offset=offset)
            for row in self.workspace.store.sync_statuses(rows):
                yield Run._from_row(self, row)
            if len(rows) < PAGE_SIZE:
                return
            offset += PAGE_SIZE

    @staticmethod
    def list(workspace: Workspace, experiment_name: str | None = None, view_type: str = "ActiveOnly",
             tags: Any = None) -> list["Experiment"]:
        if view_type not in ("ActiveOnly", "All", "ArchivedOnly"):
            raise invalid("view_type", view_type, "is not a view type", "use 'ActiveOnly', 'All' or 'ArchivedOnly'")
        result = []
        for row in workspace.store.experiments.list():
            archived = row.archived_time is not None
            if (view_type == "ActiveOnly" and archived) or (view_type == "ArchivedOnly" and not archived):
                continue
            if experiment_name is not None and row.name != experiment_name:
                continue
            experiment = Experiment(workspace, row.name, _skip_name_validation=True)
            if tags is not None and not _tags_match(experiment.tags, tags):
                continue
            result.append(experiment)
        return result

    # tags and archiving -------------------------------------------------------------------------
    @property
    def tags(self) -> dict[str, Any]:
        row = self.workspace.store.experiments.get(self.name)
        return row.tags if row else {}

    def tag(self, key: str, value: Any = None) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: dict[str, Any]) -> None:
        if not isinstance(tags, dict):
            raise invalid("tags", tags, "must be a dict", "pass e.g. {'team': 'vision'}")
        merged = {**self.tags, **{str(k): (None if v is None else str(v)) for k, v in tags.items()}}
        self.workspace.store.experiments.set_tags(self.name, merged)

    def remove_tags(self, tags: list[str]) -> None:
        merged = {k: v for k, v in self.tags.items() if k not in set(tags)}
        self.workspace.store.experiments.set_tags(self.name, merged)

    @property
    def archived_time(self) -> float | None:
        row = self.workspace.store.experiments.get(self.name)
        return row.archived_time if row else None

    def archive(self) -> None:
        self.workspace.store.experiments.set_archived(self.name, time.time())

    def reactivate(self, new_name: str | None = None) -> None:
        if new_name is not None:
            raise invalid("new_name", new_name, "renaming on reactivation is not supported", "call reactivate() without it")
        self.workspace.store.experiments.set_archived(self.name, None)

    def refresh(self) -> None:
        self._id = self.workspace.store.experiments.id_of(self.name, create=False)

    def get_portal_url(self) -> str:
        return Path(self.workspace.path).joinpath("runs").as_uri() + f"?experiment={self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Experiment) and other.name == self.name and other.workspace == self.workspace

    def __hash__(self) -> int:
        return hash((self.name, self.workspace.path))

    def __repr__(self) -> str:
        return f"Experiment(Name: {self.name},\nWorkspace: {self.workspace.name})"

    def _repr_html_(self) -> str:
        cells = [html.escape(self.name), html.escape(self.workspace.name),
                 f'<a href="{html.escape(self.get_portal_url())}" target="_blank">Link to runs</a>']
        return ("<table style='width:100%'><tr><th>Name</th><th>Workspace</th><th>Report Page</th></tr>"
                "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr></table>")


def _tags_match(actual: dict[str, Any], wanted: Any) -> bool:
    if isinstance(wanted, str):
        return wanted in actual
    if isinstance(wanted, dict):
        return all(actual.get(k) == (None if v is None else str(v)) for k, v in wanted.items())
    if isinstance(wanted, list):
        return all(_tags_match(actual, w if isinstance(w, str) else {w[0]: w[1]}) for w in wanted)
    raise invalid("tags", wanted, "must be a key, a dict or a list of them", "pass e.g. tags={'team': 'vision'}")
