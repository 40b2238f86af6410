"""The bulk lane's message_features rows: the batch's new messages read in one classify call, then written
with the batch's own cursor (`executemany` on SQLite, `COPY` on PostgreSQL) in the batch's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from everreach.messages.featurerows import FeatureReader
from everreach.messages.writer.rows import PendingThread
from everreach.understanding import Classifier

COLUMNS = (
    "message_id, contact_id, sent_at, is_outbound, automated, meaningful, length, question, self_disclosure, "
    "emotion, intents, fit_signals, excerpt, model_key"
)
_IN_CHUNK = 500


class FeatureWriter:
    """Writes the features of the messages a batch inserted (the rows are in the engine's stored form)."""

    def __init__(self, classifier: Callable[[], Classifier], *, sqlite: bool) -> None:
        """`classifier` is called once, when the first batch with new messages is written."""
        self._classifier = classifier
        self._reader: FeatureReader | None = None
        self.sqlite = sqlite

    @property
    def reader(self) -> FeatureReader:
        """The feature reader over the classifier, made on first use."""
        if self._reader is None:
            self._reader = FeatureReader(self._classifier())
        return self._reader

    def write(self, cur: Any, pending: Sequence[PendingThread], inserted: Sequence[list[bool] | int]) -> int:
        """Store the features of every row the batch inserted; how many."""
        pairs = zip(pending, inserted, strict=True)
        rows = [row for thread, outcome in pairs for row in self._new(cur, thread, outcome)]
        if not rows:
            return 0
        reader = self.reader
        found = reader.read(
            texts=[r[3] for r in rows],
            outbound=[r[5] for r in rows],
            automated=[False] * len(rows),
            types=[r[4] for r in rows],
        )
        key, as_json = reader.model_key, reader.json
        # Repeated messages share one Features object: its stored form is built once per batch.
        stored: dict[int, tuple[Any, ...]] = {}
        values = []
        for r, f in zip(rows, found, strict=True):
            tail = stored.get(id(f))
            if tail is None:
                tail = stored[id(f)] = (
                    f.automated, f.meaningful, f.length, f.question, f.self_disclosure, f.emotion,
                    as_json(f.intents), as_json(f.fit_signals), f.excerpt, key,
                )  # fmt: skip
            values.append((r[0], r[2], r[6], r[5], *tail))
        if self.sqlite:
            cur.executemany(f"INSERT INTO message_features ({COLUMNS}) VALUES ({', '.join('?' * 14)})", values)
        else:
            with cur.copy(f"COPY message_features ({COLUMNS}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        return len(values)

    def _new(self, cur: Any, thread: PendingThread, outcome: list[bool] | int) -> list[tuple[Any, ...]]:
        """The thread's rows that were inserted (not duplicates of stored messages)."""
        if isinstance(outcome, list):
            return [row for row, new in zip(thread.rows, outcome, strict=True) if new]
        if outcome == len(thread.rows):
            return thread.rows
        if outcome == 0:
            return []
        stored: set[Any] = set()
        ids = [row[0] for row in thread.rows]
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            cur.execute(f"SELECT id FROM instagram_messages WHERE id IN ({marks})", chunk)
            stored.update(r[0] for r in cur.fetchall())
        return [row for row in thread.rows if row[0] in stored]
