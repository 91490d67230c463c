"""Which runs a listing asks for, and the WHERE clause that selects them (values always as parameters)."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from ..core.errors import invalid


class RunFilter(NamedTuple):
    """tags/properties: a key (the run has it) or a dict (key = value, all must hold)."""
    experiment_name: str | None = None
    parent_run_id: str | None = None
    top_level_only: bool = True  # ignored when parent_run_id is given
    tags: Any = None
    properties: Any = None
    run_type: str | None = None
    status: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    search: str | None = None  # the sidebar's search box: id, name, status, experiment, a tag's key or value


def where_clause(f: RunFilter) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []

    def add(condition: str, *values: Any) -> None:
        where.append(condition)
        params.extend(values)

    if f.created_after is not None:
        add("r.created_time >= ?", f.created_after)
    if f.created_before is not None:
        add("r.created_time < ?", f.created_before)
    if f.experiment_name is not None:
        add("r.experiment_id = (SELECT id FROM experiments WHERE name = ?)", f.experiment_name)
    if f.parent_run_id is not None:
        add("r.parent_run_id = ?", f.parent_run_id)
    elif f.top_level_only:
        add("r.parent_run_id IS NULL")
    if f.run_type is not None:
        add("r.run_type = ?", f.run_type)
    if f.status is not None:
        add("r.status = ?", f.status)
    if f.search:
        pattern = "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        add("(r.run_id LIKE ? ESCAPE '\\' OR r.display_name LIKE ? ESCAPE '\\' OR r.status LIKE ? ESCAPE '\\'"
            " OR r.experiment_id IN (SELECT id FROM experiments WHERE name LIKE ? ESCAPE '\\')"
            " OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.run_id"
            " AND (t.key LIKE ? ESCAPE '\\' OR t.value LIKE ? ESCAPE '\\')))", *[pattern] * 6)
    for table, spec, field in (("run_tags", f.tags, "tags"), ("run_properties", f.properties, "properties")):
        for key, value in _key_filters(spec, field):  # table names are the two constants above
            if value is None:
                add(f"EXISTS (SELECT 1 FROM {table} t WHERE t.run_id = r.run_id AND t.key = ?)", key)
            else:
                add(f"EXISTS (SELECT 1 FROM {table} t WHERE t.run_id = r.run_id AND t.key = ? AND t.value = ?)", key, str(value))
    return ("WHERE " + " AND ".join(where)) if where else "", params


def _key_filters(spec: Any, field: str) -> list[tuple[str, Any]]:
    if spec is None:
        return []
    if isinstance(spec, str):
        return [(spec, None)]
    if isinstance(spec, Mapping):
        return [(str(k), v) for k, v in spec.items()]
    raise invalid(field, spec, "must be a key (str) or a dict of key: value", f"pass {field}='key' or {field}={{'key': 'value'}}")
