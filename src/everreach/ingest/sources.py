"""Find the message files of an export (a .zip, a folder, a thread folder, or one file) and group them by thread.

Only names are listed here; file contents are read one thread at a time by the importer.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO

from everreach.errors import ValidationError

_THREAD_FILE = re.compile(r"^message_\d+\.(json|html?)$", re.IGNORECASE)
_EXPORT_THREAD = re.compile(
    r"(^|/)messages/(inbox|message_requests|archived_threads|filtered_threads|e2ee_cutover)/[^/]+/"
    r"message_\d+\.(json|html?)$",
    re.IGNORECASE,
)
_LEGACY = re.compile(r"(^|/)messages\.json$", re.IGNORECASE)
_MB = 1024 * 1024
_CHUNK = _MB


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one message file, and all of them together, may expand to (zip bombs, runaway files).

    Meta splits threads into files of 10,000 messages (a few MB each), so 64 MB per file leaves room; the
    bytes are counted while they are decompressed or read, the size a zip header declares is only a first check.
    """

    file_bytes: int = 64 * _MB
    total_bytes: int = 8192 * _MB

    @classmethod
    def from_settings(cls, max_file_mb: int, max_total_mb: int) -> ReadLimits:
        """Limits from the settings' megabyte figures."""
        return cls(file_bytes=max_file_mb * _MB, total_bytes=max_total_mb * _MB)


class FileError(Exception):
    """A file of the export could not be read or understood; `name` says which."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass(frozen=True, slots=True)
class ThreadUnit:
    """The files of one thread (or one legacy messages.json holding many threads)."""

    kind: str  # "json", "html", "legacy"
    folder: str  # posix folder inside the source ("" for the top)
    files: tuple[str, ...]
    location: str = ""  # the folder's full posix path (source path included), for section and name

    @property
    def tab(self) -> str:
        """Conversation tab implied by the export section (message requests land in 'requests')."""
        parts = self.location.lower().split("/")
        return "requests" if "message_requests" in parts or "filtered_threads" in parts else "primary"

    @property
    def is_archived(self) -> bool:
        """True for threads under archived_threads/."""
        return "archived_threads" in self.location.lower().split("/")

    @property
    def folder_name(self) -> str | None:
        """The thread folder's own name when the unit's files are message_N files inside one."""
        if not self.location or not all(_THREAD_FILE.match(PurePosixPath(f).name) for f in self.files):
            return None
        return PurePosixPath(self.location).name or None


class Source(AbstractContextManager["Source"]):
    """Read access to the files of an export, wherever they live."""

    def __init__(self, path: Path, limits: ReadLimits | None = None) -> None:
        self.path = path
        self.limits = limits or ReadLimits()
        self._read_sizes: dict[str, int] = {}  # per file, so a file read twice (owner probe, import) counts once
        self._zip: zipfile.ZipFile | None = None
        self._names: list[str] = []
        self._contained: Path | None = None  # files of a folder export must resolve inside it
        if not path.exists():
            raise ValidationError(_missing(path))
        if path.is_dir():
            self._root = path
            self._base = path.resolve().as_posix()
            self._contained = path.resolve()
            self._names = sorted(_walk(path))
        elif zipfile.is_zipfile(path) or path.suffix.lower() == ".zip":
            self._root = path
            self._base = ""
            try:
                self._zip = zipfile.ZipFile(path)
                self._names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise FileError(str(path), f"not a readable zip archive ({exc})") from exc
        else:
            self._root = path.parent
            self._base = path.resolve().parent.as_posix()
            self._names = [path.name]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the archive."""
        if self._zip is not None:
            self._zip.close()

    def display(self, name: str) -> str:
        """How a file is named in messages: the zip and its member, or the file's path."""
        if self._zip is not None:
            return f"{self.path}:{name}"
        return str(self._root / name)

    def read(self, name: str) -> bytes:
        """The bytes of one file, within the limits; a damaged, oversized or linked-out file is a FileError."""
        shown = self.display(name)
        left = self.limits.total_bytes - sum(self._read_sizes.values()) + self._read_sizes.get(name, 0)
        limit = min(self.limits.file_bytes, left)
        try:
            if self._zip is not None:
                info = self._zip.getinfo(name)
                self._check_size(shown, info.file_size, limit)
                with self._zip.open(info) as stream:
                    data = self._bounded(shown, stream, limit)
            else:
                path = self._safe_path(shown, self._root / name)
                with path.open("rb") as stream:
                    self._check_size(shown, os.fstat(stream.fileno()).st_size, limit)
                    data = self._bounded(shown, stream, limit)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
            raise FileError(shown, f"cannot read ({exc})") from exc
        self._read_sizes[name] = len(data)
        return data

    def _check_size(self, shown: str, size: int, limit: int) -> None:
        if size > limit:
            raise self._too_large(shown, limit)

    def _bounded(self, shown: str, stream: IO[bytes], limit: int) -> bytes:
        """Read at most `limit` bytes, counting them as they come (a zip header may lie about the size)."""
        chunks: list[bytes] = []
        size = 0
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise self._too_large(shown, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, shown: str, limit: int) -> FileError:
        if limit < self.limits.file_bytes:
            return FileError(
                shown,
                f"not read: all files together would expand to more than the {_size(self.limits.total_bytes)} "
                "allowed for one import (EVERREACH_IMPORT_MAX_TOTAL_MB)",
            )
        return FileError(
            shown,
            f"not read: larger than the {_size(limit)} allowed for one message file (EVERREACH_IMPORT_MAX_FILE_MB)",
        )

    def _safe_path(self, shown: str, path: Path) -> Path:
        """The file to open: inside the export folder (links out of it are refused) and a regular file."""
        resolved = path.resolve()
        if self._contained is not None and not resolved.is_relative_to(self._contained):
            raise FileError(shown, f"not read: a link to a file outside the export ({resolved})")
        if not stat.S_ISREG(resolved.stat().st_mode):
            raise FileError(shown, "not read: not a regular file")
        return resolved

    def units(self) -> list[ThreadUnit]:
        """The thread units of the source, in a stable order."""
        names = self._names
        # A real export holds hundreds of unrelated JSON files; under an export's root only its message
        # files matter. Files outside any export root (loose thread files) are all candidates.
        roots: set[str] = set()
        for n in names:
            found = _EXPORT_THREAD.search(n) or _LEGACY.search(n)
            if found:
                roots.add(_export_root(n[: found.start() + (1 if found.group(0).startswith("/") else 0)]))
        candidates = [
            n
            for n in names
            if _EXPORT_THREAD.search(n) or _LEGACY.search(n) or not any(n.startswith(root) for root in roots)
        ]
        grouped: dict[tuple[str, str], list[str]] = {}
        units: list[ThreadUnit] = []
        for name in candidates:
            posix = PurePosixPath(name)
            folder = str(posix.parent) if str(posix.parent) != "." else ""
            if _THREAD_FILE.match(posix.name):
                kind = "json" if posix.suffix.lower() == ".json" else "html"
                grouped.setdefault((folder, kind), []).append(name)
            elif _LEGACY.search(name):
                units.append(ThreadUnit("legacy", folder, (name,), self._location(folder)))
            else:
                kind = "json" if posix.suffix.lower() == ".json" else "html"
                units.append(ThreadUnit(kind, folder, (name,), self._location(folder)))
        for (folder, kind), files in grouped.items():
            files.sort(key=_file_number)
            units.append(ThreadUnit(kind, folder, tuple(files), self._location(folder)))
        units.sort(key=lambda u: (u.folder, u.files))
        return units

    def _location(self, folder: str) -> str:
        if not folder:
            return self._base
        return f"{self._base}/{folder}" if self._base else folder


def _size(count: int) -> str:
    """Bytes as a person reads them: whole MB, else KB."""
    return f"{count // _MB} MB" if count >= _MB else f"{max(count // 1024, 1)} KB"


def _missing(path: Path) -> str:
    """What is wrong with a path that does not exist: the first missing folder, or close names beside it."""
    absolute = path.absolute()
    parent = absolute.parent
    while not parent.exists():
        absolute, parent = parent, parent.parent
    if absolute != path.absolute():
        return f"{path}: no such file or folder ({absolute} does not exist)"
    try:
        names = [p.name for p in parent.iterdir()]
    except OSError:
        names = []
    close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(str(parent / n) for n in close)}?)" if close else ""
    return f"{path}: no such file or folder{hint}"


def _export_root(prefix: str) -> str:
    """The export's top folder: where `messages/` sits, above `your_instagram_activity/` when present."""
    for activity in ("your_instagram_activity/", "your_facebook_activity/"):
        if prefix.endswith(activity):
            return prefix[: -len(activity)]
    return prefix


def _file_number(name: str) -> int:
    digits = re.findall(r"\d+", PurePosixPath(name).name)
    return int(digits[-1]) if digits else 0


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        # Media folders hold no message files and can be large.
        dirnames[:] = [d for d in dirnames if d not in ("photos", "videos", "audio", "files", "gifs")]
        rel = Path(dirpath).relative_to(root).as_posix()
        for filename in filenames:
            if filename.lower().endswith((".json", ".html", ".htm")):
                yield filename if rel == "." else f"{rel}/{filename}"
