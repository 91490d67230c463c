"""Registered environments (name, version, definition JSON) in the workspace index."""

from __future__ import annotations

import time

from typing import NamedTuple

from .index import Index


class EnvironmentRecord(NamedTuple):
    name: str
    version: int
    definition: str  # JSON of the environment's spec


class EnvironmentRecords:
    def __init__(self, index: Index) -> None:
        self.index = index

    def register(self, name: str, definition: str) -> int:
        """A new version, unless the latest has the same definition (AML returns that one); returns the version."""
        with self.index.write() as conn:
            latest = conn.execute("SELECT version, definition FROM environments WHERE name = ? ORDER BY version DESC LIMIT 1",
                                  (name,)).fetchone()
            if latest is not None and latest["definition"] == definition:
                return int(latest["version"])
            version = (latest["version"] if latest else 0) + 1
            conn.execute("INSERT INTO environments VALUES (?,?,?,?)", (name, version, definition, time.time()))
            return version

    def get(self, name: str, version: int | None = None) -> EnvironmentRecord | None:
        if version is None:
            rows = self.index.read("SELECT name, version, definition FROM environments WHERE name = ?"
                                   " ORDER BY version DESC LIMIT 1", (name,))
        else:
            rows = self.index.read("SELECT name, version, definition FROM environments WHERE name = ? AND version = ?",
                                   (name, version))
        return EnvironmentRecord(rows[0]["name"], int(rows[0]["version"]), rows[0]["definition"]) if rows else None

    def names(self) -> list[str]:
        return [row["name"] for row in self.index.read("SELECT DISTINCT name FROM environments ORDER BY name")]

    def latest_versions(self) -> list[EnvironmentRecord]:
        rows = self.index.read(
            "SELECT e.name, e.version, e.definition FROM environments e JOIN "
            "(SELECT name, MAX(version) AS v FROM environments GROUP BY name) l ON e.name = l.name AND e.version = l.v "
            "ORDER BY e.name")
        return [EnvironmentRecord(r["name"], int(r["version"]), r["definition"]) for r in rows]
