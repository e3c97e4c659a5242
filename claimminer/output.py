"""Writing outputs atomically and deterministically, and the run manifest.

Every output file is written to a temporary file beside its target and
renamed over it only once complete, so a crash or an exception never leaves a
half-written file under the real name. Output bytes depend only on the data
given (no set order, no hash seed, no clock); the manifest is the one file
allowed to differ between runs, because it records timings.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Iterable, Optional, Union

import claimminer

# Distributions whose versions can change results; recorded in every manifest.
RECORDED_PACKAGES = ("nltk", "regex", "scikit-learn", "numpy", "scipy", "PyYAML")
_CHUNK = 1 << 20


def _temp_path(path: Path) -> Path:
    """Hidden temporary name in the target's own folder, so the rename stays on one filesystem."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a folder; the data itself is synced
    finally:
        os.close(fd)


class AtomicWriter:
    """Context manager giving a file that appears under ``path`` only on success.

    >>> with AtomicWriter(Path("out.jsonl")) as handle:   # doctest: +SKIP
    ...     handle.write(dumps_jsonl_record({"a": 1}))

    Text mode writes UTF-8 with no newline translation, so ``"\\n"`` stays one
    byte on every platform. On an exception the temporary file is deleted and
    any previous file at ``path`` is left untouched.
    """

    def __init__(self, path: Union[str, Path], *, binary: bool = False) -> None:
        self.path = Path(path)
        self.binary = binary
        self._temp = _temp_path(self.path)
        self._handle: Optional[IO[Any]] = None

    def __enter__(self) -> IO[Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.binary:
            self._handle = open(self._temp, "wb")
        else:
            self._handle = open(self._temp, "w", encoding="utf-8", newline="")
        return self._handle

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        handle = self._handle
        self._handle = None
        assert handle is not None, "AtomicWriter exited without being entered"
        try:
            if exc_type is None:
                handle.flush()
                os.fsync(handle.fileno())
            handle.close()
            if exc_type is None:
                os.replace(self._temp, self.path)
                _fsync_dir(self.path.parent)
        finally:
            # Whatever went wrong (the caller's code, fsync, the rename), no temp file stays behind.
            if self._temp.exists():
                self._temp.unlink()


def atomic_write(path: Union[str, Path], data: Union[str, bytes]) -> None:
    """Write ``data`` (text is encoded as UTF-8, newlines untouched) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with AtomicWriter(path, binary=True) as handle:
        handle.write(payload)


# Built once: json.dumps with options builds a new encoder on every call.
_JSONL_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps_jsonl_record(obj: Any) -> str:
    """One JSON Lines record: compact, UTF-8 characters kept, key order as given, ending in ``\\n``.

    NaN and infinities are refused (they are not JSON), and U+2028/U+2029 are
    escaped because some line readers treat them as line breaks.
    """
    line = _JSONL_ENCODER.encode(obj)
    return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def write_jsonl(path: Union[str, Path], records: Iterable[Any]) -> int:
    """Stream ``records`` to a JSON Lines file atomically; returns how many were written."""
    count = 0
    with AtomicWriter(path) as handle:
        for record in records:
            handle.write(dumps_jsonl_record(record))
            count += 1
    return count


def write_csv(path: Union[str, Path], header: list[str], rows: Iterable[list]) -> None:
    """Write a UTF-8 CSV (no BOM, ``\\n`` line ends, minimal quoting) atomically."""
    with AtomicWriter(path) as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)


def sha256_file(path: Union[str, Path]) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _display_path(path: Path, cwd: Optional[Path] = None) -> str:
    """Path relative to the working folder when it lies inside it, else absolute; POSIX form."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(cwd or Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _expand(paths: Iterable[Path]) -> list[Path]:
    """Files of ``paths``: folders become their non-hidden files, sorted; order otherwise kept."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inner = [
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            files.extend(sorted(inner, key=lambda p: p.relative_to(path).as_posix()))
        else:
            files.append(path)
    return files


def _file_entries(paths: Iterable[Path]) -> list[dict]:
    """One ``{"path", "sha256", "bytes"}`` record per file; a missing file is marked, not fatal."""
    entries = []
    cwd = Path.cwd().resolve()   # once, not per file
    for path in _expand(paths):
        entry: dict[str, Any] = {"path": _display_path(path, cwd)}
        try:
            entry["sha256"] = sha256_file(path)
            entry["bytes"] = path.stat().st_size
        except OSError as exc:
            entry["sha256"] = None
            entry["error"] = (exc.strerror or str(exc)).lower()
        entries.append(entry)
    return entries


def package_versions(names: Iterable[str] = RECORDED_PACKAGES) -> dict[str, Optional[str]]:
    """Installed versions of ``names`` (None when not installed)."""
    return dict(_versions(tuple(names)))


@functools.lru_cache(maxsize=None)
def _versions(names: tuple[str, ...]) -> tuple[tuple[str, Optional[str]], ...]:
    # Read once per process: scanning the installed distributions' metadata takes ~2 ms a name.
    versions = []
    for name in names:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return tuple(versions)


def build_manifest(
    *,
    argv: list[str],
    rules_files: list[Path],
    data_files: list[Path],
    inputs: list[Path],
    outputs: list[Path],
    timings: dict,
    extra: dict,
) -> dict:
    """Everything needed to tell whether two runs should have produced the same outputs."""
    return {
        "claimminer_version": claimminer.__version__,
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": platform.platform(),
        "packages": package_versions(),
        "pythonhashseed": os.environ.get("PYTHONHASHSEED"),
        "command": list(argv),
        "cwd": Path.cwd().as_posix(),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": {
            "rules": _file_entries(rules_files),
            "data": _file_entries(data_files),
            "inputs": _file_entries(inputs),
            "outputs": _file_entries(outputs),
        },
        "timings": dict(timings),
        "extra": dict(extra),
    }


def write_manifest(path: Union[str, Path], manifest: dict) -> None:
    """Write the manifest as indented JSON with sorted keys, atomically."""
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    atomic_write(path, text + "\n")
