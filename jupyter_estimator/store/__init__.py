"""The embedded store: a SQLite (WAL) index beside one folder per run. Standard library only,
because training scripts write to it through the tracking API."""
