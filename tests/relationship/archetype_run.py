"""The archetype export (tests/fixtures/archetypes) through the real command path: seed, import, score.

`LabelClassifier` answers with labels.json (what the classifier should say of each message), so the model is
tested on the intended intents; without it the import reads the messages with the packaged classifier.
The clock of the relationship engine is set to the export's fixed now.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from everreach.ingest.mapping import detect_owner, same_person
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import Source
from everreach.understanding import Match, MessageToRead

EXPORT = Path(__file__).parents[1] / "fixtures" / "archetypes"
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
USERNAMES = (
    "maya.ortiz", "dev.patel", "lena.k", "sam.okafor", "mira.walks", "nina.berg", "crypto.king.fx", "omar.haddad",
    "ivy.chen", "theo.martin", "rhea.sol", "zoe.dubois", "new.fan.22", "ben.silva",
)  # fmt: skip


class LabelClassifier:
    """A classifier that answers from labels.json, by each message's text and direction."""

    definitions_key = "archetype-labels"

    def __init__(self) -> None:
        labels = json.loads((EXPORT / "labels.json").read_text(encoding="utf-8"))
        with Source(EXPORT) as source:
            threads = [t for unit in source.units() for t in read_unit(source, unit, timezone="UTC")]
        owner = detect_owner([t.participants for t in threads])
        self._by_text: dict[tuple[str, bool], dict[str, Any]] = {}
        for t in threads:
            for m in t.messages:
                label = labels.get(t.key, {}).get(str(m.timestamp_ms))
                if label:
                    self._by_text[(m.text, same_person(m.sender, owner))] = label

    def classify(self, messages: Sequence[MessageToRead], *, remember: bool = True) -> list[tuple[Match, ...]]:
        """The labelled intents and fit signals of each message (none for an unlabelled one); nothing to remember."""
        out = []
        for m in messages:
            label = self._by_text.get((m.text, m.is_outbound), {})
            found = [Match("intent", k, None, 1.0, k, "model") for k in label.get("intents", ()) if k != "automated"]
            for signal in label.get("fit_signals", ()):
                product, _, key = signal.partition("/")
                found.append(Match("fit_signal", key, product, 1.0, key, "model"))
            out.append(tuple(found))
        return out


def run_archetypes(url: str, monkeypatch: pytest.MonkeyPatch, *, labels: bool) -> Callable[..., Any]:
    """Seed, import and score the export into the database at `url`; returns `read(*args)` -> parsed --json."""
    from everreach.cli import app
    from everreach.messages.writer import bulk
    from everreach.relationship import clock

    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    if labels:
        classifier = LabelClassifier()
        monkeypatch.setattr(bulk, "get_classifier", lambda signals: classifier)
    runner = CliRunner()

    def cli(*args: str) -> Result:
        result = runner.invoke(app, ["--db", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    cli("seed")
    cli("import", str(EXPORT))
    cli("score")

    def read(*args: str) -> Any:
        return json.loads(cli(*args, "--json").output)

    return read
