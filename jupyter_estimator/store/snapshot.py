"""Content-addressed snapshots of a source directory.

Files are stored once as blobs named by their SHA-256; a snapshot is a manifest of
(path, blob, executable). A per-source stat cache (size, mtime, inode → digest) means an
unchanged tree is re-snapshotted without reading a byte. Each run gets its own writable copy (a
copy-on-write clone where the file system can), so no run can change the blobs another run reads.
Ignore rules: `.amlignore` if present, else `.gitignore` (gitwildmatch via pathspec), plus defaults.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SnapshotException, invalid
from .files import WORKSPACE_MARKER, read_json, write_json_atomic

DEFAULT_IGNORES = [".git/", ".ipynb_checkpoints/", "__pycache__/", ".azureml/", "azureml-logs/", "azureml-setup/",
                   "/outputs/", ".amlignore.lock",
                   # live SQLite side files: copying one mid-transaction is meaningless, and it may vanish mid-read
                   "*.sqlite-wal", "*.sqlite-shm", "*.sqlite-journal", "*.db-wal", "*.db-shm", "*.db-journal"]
WARN_BYTES = 300 * 1024 * 1024
DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024
DEFAULT_MAX_FILES = 100_000
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SnapshotResult:
    snapshot_id: str
    file_count: int
    total_bytes: int


class SnapshotStore:
    def __init__(self, root: Path, workspace_root: Path | None = None) -> None:
        self.root = root
        self.workspace_root = Path(workspace_root).resolve() if workspace_root is not None else None
        self.blobs = root / "blobs"
        self.manifests = root / "manifests"
        self.statcache = root / "statcache"
        for folder in (self.blobs, self.manifests, self.statcache):
            folder.mkdir(parents=True, exist_ok=True)

    # taking -------------------------------------------------------------------------------------
    def take(self, source_dir: Path | None, max_bytes: int = DEFAULT_MAX_BYTES, max_files: int = DEFAULT_MAX_FILES,
             inline_files: dict[str, str] | None = None, links_may_leave: bool = True) -> SnapshotResult:
        """Snapshot `source_dir` (None: nothing) with `inline_files` (relative name → text) laid over it.

        `links_may_leave=False` (a server snapshotting a folder a REST caller named): a symlink to a file
        outside the folder is skipped with a warning, never read.
        """
        if source_dir is None:
            return self._finish([self._inline_entry(n, t) for n, t in sorted((inline_files or {}).items())], None, {}, {}, 0)
        source_dir = Path(source_dir).absolute()
        if not source_dir.is_dir():
            raise invalid("source_directory", str(source_dir), "is not a directory",
                          "pass the folder that holds your training script")
        cache_path = self.statcache / (hashlib.sha256(str(source_dir).encode()).hexdigest()[:32] + ".json")
        cache: dict[str, list] = read_json(cache_path, {}) or {}
        files, total = [], 0
        skipped: list[str] = []
        for item in _walk(source_dir, self.workspace_root, None if links_may_leave else skipped):  # stat only: limits are checked before a byte is copied
            files.append(item)
            total += item[2].st_size
            if total > max_bytes or len(files) > max_files:
                break
        if total > max_bytes or len(files) > max_files:
            raise SnapshotException(
                f"source_directory: {source_dir} holds more than the snapshot limit "
                f"({max_files} files, {max_bytes / 2**20:.0f} MiB). Fix: list large data or outputs in an .amlignore "
                "(or .gitignore) file there, or submit a smaller folder.", field="source_directory")
        new_cache: dict[str, list] = {}
        entries: list[list] = []
        for relative, full, st in files:
            key = [st.st_size, st.st_mtime_ns, st.st_ino]
            cached = cache.get(relative)
            if cached is not None and cached[:3] == key and self._blob_path(cached[3]).exists():
                digest = cached[3]
            else:
                digest = self._store_blob(full)
            new_cache[relative] = [*key, digest]
            entries.append([relative, digest, st.st_size, bool(st.st_mode & stat.S_IXUSR)])
        if skipped:
            warnings.warn(f"The snapshot of {source_dir} skipped {len(skipped)} link(s) to files outside it: "
                          f"{', '.join(skipped[:10])}. Copy such files into the folder instead.", stacklevel=3)
        if total > WARN_BYTES:
            warnings.warn(f"The snapshot of {source_dir} is {total / 2**20:.0f} MiB; list data folders in .amlignore "
                          "to keep submissions fast.", stacklevel=3)
        overlay = {name: self._inline_entry(name, text) for name, text in (inline_files or {}).items()}
        entries = [e for e in entries if e[0] not in overlay] + list(overlay.values())
        return self._finish(entries, cache_path, cache, new_cache, total)

    def _inline_entry(self, name: str, text: str) -> list:
        from .files import safe_relative
        relative = safe_relative(name, "script").as_posix()
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        target = self._blob_path(digest)
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.blobs, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.chmod(tmp, 0o444)
                os.replace(tmp, target)
            except BaseException:  # e.g. a full disk: leave no half-written blob behind
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        return [relative, digest, len(data), False]

    def _finish(self, entries: list[list], cache_path: Path | None, cache: dict, new_cache: dict, total: int) -> SnapshotResult:
        entries.sort()
        manifest_bytes = json.dumps(entries, separators=(",", ":")).encode()
        snapshot_id = str(uuid.UUID(hashlib.sha256(manifest_bytes).hexdigest()[:32]))
        manifest_path = self.manifests / f"{snapshot_id}.json"
        if not manifest_path.exists():
            write_json_atomic(manifest_path, {"files": entries})
        if cache_path is not None and new_cache != cache:
            write_json_atomic(cache_path, new_cache)
        return SnapshotResult(snapshot_id, len(entries), total + sum(e[2] for e in entries if e[0] not in new_cache))

    def _blob_path(self, digest: str) -> Path:
        return self.blobs / digest[:2] / digest

    def _store_blob(self, source: Path) -> str:
        """Copy the file into a temporary blob while hashing it, then move it under its digest."""
        self.blobs.mkdir(exist_ok=True)
        hasher = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=self.blobs, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
            digest = hasher.hexdigest()
            target = self._blob_path(digest)
            if target.exists():
                os.unlink(tmp)
            else:
                target.parent.mkdir(exist_ok=True)
                os.chmod(tmp, 0o444)
                os.replace(tmp, target)
            return digest
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # using --------------------------------------------------------------------------------------
    def manifest(self, snapshot_id: str) -> dict:
        data = read_json(self.manifests / f"{snapshot_id}.json")
        if data is None:
            raise invalid("snapshot_id", snapshot_id, "no such snapshot in this workspace",
                          "use the run's ContentSnapshotId property")
        return data

    def materialize(self, snapshot_id: str, dest: Path) -> None:
        """Lay the snapshot out at `dest` as the run's own writable copy of every file.

        A run may rewrite its sources (AML gives each run a private copy); the blobs underneath must never
        change through it. Copies are copy-on-write clones where the file system has them (btrfs, XFS: no
        data is copied) and in-kernel copies elsewhere (copy_file_range: no trip through user space).
        """
        dest.mkdir(parents=True, exist_ok=True)
        made: set[Path] = set()
        for relative, digest, _size, executable in self.manifest(snapshot_id)["files"]:
            target = dest / relative
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            private_copy(self._blob_path(digest), target, 0o755 if executable else 0o644)

    def to_zip(self, snapshot_id: str, zip_path: Path) -> Path:
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for relative, digest, _size, _executable in self.manifest(snapshot_id)["files"]:
                archive.write(self._blob_path(digest), relative)
        return zip_path


_FICLONE = 0x40049409  # ioctl number of Linux's FICLONE (a reflink of a whole file)
_clone_unsupported: set[int] = set()  # devices where a clone was refused: not tried again


def private_copy(source: Path, target: Path, mode: int) -> str:
    """Copy `source` to a new file `target` (clone, else in-kernel copy, else plain); returns how it was done."""
    src = os.open(source, os.O_RDONLY)
    try:
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            return _copy_into(src, dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _copy_into(src: int, dst: int) -> str:
    device = os.fstat(dst).st_dev
    if device not in _clone_unsupported:
        try:
            import fcntl
            fcntl.ioctl(dst, _FICLONE, src)
            return "clone"
        except (ImportError, OSError):
            _clone_unsupported.add(device)
    size = os.fstat(src).st_size
    try:
        copied = 0
        while copied < size:
            done = os.copy_file_range(src, dst, size - copied)
            if done == 0:
                break
            copied += done
        return "kernel copy"
    except (AttributeError, OSError):
        os.lseek(src, 0, os.SEEK_SET)
        os.lseek(dst, 0, os.SEEK_SET)
        os.ftruncate(dst, 0)
        while chunk := os.read(src, _CHUNK):
            os.write(dst, chunk)
        return "copy"


def _ignore_spec(source_dir: Path):
    import pathspec  # the submitting side only; scripts never take snapshots

    lines = list(DEFAULT_IGNORES)
    for name in (".amlignore", ".gitignore"):
        candidate = source_dir / name
        if candidate.is_file():
            lines += candidate.read_text(encoding="utf-8", errors="replace").splitlines()
            break
    return pathspec.GitIgnoreSpec.from_lines(lines)


def is_workspace_folder(path: str, workspace_root: Path | None = None) -> bool:
    """A workspace store (marked, or laid out as one), or the store this snapshot goes into."""
    if os.path.exists(os.path.join(path, WORKSPACE_MARKER)):
        return True
    if os.path.exists(os.path.join(path, "index.sqlite")) and os.path.isdir(os.path.join(path, "runs")):
        return True
    return workspace_root is not None and os.path.realpath(path) == str(workspace_root)


def _walk(source_dir: Path, workspace_root: Path | None = None, outside_links: list[str] | None = None):
    """Yield (posix relative path, absolute path, stat) for every file not ignored, in a stable order."""
    spec = _ignore_spec(source_dir)
    root = str(source_dir)
    if is_workspace_folder(root, workspace_root):
        raise invalid("source_directory", root, "is a jupyter_estimator workspace (it holds runs and the index)",
                      "submit the folder that holds your code")
    for current, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(current, root).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirs[:] = sorted(d for d in dirs if not spec.match_file(prefix + d + "/")
                         and not is_workspace_folder(os.path.join(current, d), workspace_root))
        for name in sorted(files):
            relative = prefix + name
            if spec.match_file(relative):
                continue
            full = os.path.join(current, name)
            if outside_links is not None and os.path.islink(full):
                target = os.path.realpath(full)
                if not (target + os.sep).startswith(os.path.realpath(root) + os.sep):
                    outside_links.append(relative)
                    continue
            try:
                st = os.stat(full)  # follows file symlinks; broken ones are skipped
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                yield relative, Path(full), st
