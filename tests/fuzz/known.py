"""Crashes the fuzz tests found in other areas' code, each still open when this was written.

A fuzz test records every exception it is not allowed to see. If every one matches an entry here the test is
marked xfail with the list (so the suite stays usable while the owner fixes it); any other exception fails the
test. Once a bug is fixed its entry no longer matches anything and the test passes on its own: then delete it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class KnownBug:
    """An exception type raised from a source file (path suffix), with what it means."""

    exception: str
    where: str
    summary: str


KNOWN_BUGS: tuple[KnownBug, ...] = ()


@dataclass
class CrashLog:
    """Unexpected exceptions seen during one fuzz run, keyed by type and the deepest everreach frame."""

    seen: dict[tuple[str, str], str] = field(default_factory=dict)

    def record(self, exc: BaseException, example: object) -> None:
        """Remember one unexpected exception and the example that raised it."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/everreach/" in f.filename]
        where = f"{frames[-1].filename.split('/everreach/')[-1]}:{frames[-1].lineno}" if frames else "?"
        self.seen.setdefault((type(exc).__name__, where), f"{exc!s:.120} <- {example!r:.200}")

    def check(self) -> None:
        """Fail on an unknown crash; xfail naming the known bugs when only those occurred."""
        unknown = {k: v for k, v in self.seen.items() if _match(*k) is None}
        assert not unknown, "unexpected exceptions:\n" + "\n".join(f"{k}: {v}" for k, v in unknown.items())
        if self.seen:
            bugs = sorted({bug.summary for bug in (_match(*k) for k in self.seen) if bug is not None})
            pytest.xfail("known bugs (reported): " + "; ".join(bugs))


def _match(exception: str, where: str) -> KnownBug | None:
    path = where.rsplit(":", 1)[0]
    return next((b for b in KNOWN_BUGS if b.exception == exception and path.endswith(b.where)), None)
