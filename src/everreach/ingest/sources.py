"""Find the message files of an export (a .zip, a folder, a thread folder, or one file) and group them by thread.

Only names are listed here; file contents are read one thread at a time by the importer.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

from everreach.errors import ValidationError

_THREAD_FILE = re.compile(r"^message_\d+\.(json|html?)$", re.IGNORECASE)
_EXPORT_THREAD = re.compile(
    r"(^|/)messages/(inbox|message_requests|archived_threads|filtered_threads|e2ee_cutover)/[^/]+/"
    r"message_\d+\.(json|html?)$",
    re.IGNORECASE,
)
_LEGACY = re.compile(r"(^|/)messages\.json$", re.IGNORECASE)


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

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._names: list[str] = []
        if not path.exists():
            raise ValidationError(f"{path}: no such file or folder")
        if path.is_dir():
            self._root = path
            self._base = path.resolve().as_posix()
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
        """The bytes of one file; a damaged member is a FileError naming it."""
        try:
            if self._zip is not None:
                return self._zip.read(name)
            return (self._root / name).read_bytes()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise FileError(self.display(name), f"cannot read ({exc})") from exc

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
