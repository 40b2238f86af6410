"""Read the default data file shipped in the package and load it into the database idempotently."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import AutomationPattern, FitSignal, FitSignalPhrase, NextBestAction

PATTERN_KINDS = ("selector", "skip_pattern", "spam_pattern")


@dataclass
class SeedReport:
    """How many rows of each kind were added (kinds already present are left as the user edited them)."""

    added: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, added: bool) -> None:
        """Tally one row of `kind`."""
        target = self.added if added else self.present
        target[kind] = target.get(kind, 0) + 1


def load_defaults() -> dict[str, list[dict[str, Any]]]:
    """The parsed default data file (`everreach/data/seed_defaults.toml`)."""
    text = resources.files("everreach.data").joinpath("seed_defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def seed_defaults(session: Session, *, data: dict[str, list[dict[str, Any]]] | None = None) -> SeedReport:
    """Insert every default row that is missing; rows already there (maybe edited) are kept as they are."""
    data = data or load_defaults()
    report = SeedReport()
    _seed_patterns(session, data, report)
    _seed_templates(session, data, report)
    _seed_fit_signals(session, data, report)
    session.flush()
    return report


def _seed_patterns(session: Session, data: dict[str, list[dict[str, Any]]], report: SeedReport) -> None:
    existing = set(session.execute(select(AutomationPattern.pattern_type, AutomationPattern.pattern_key)).all())
    for kind in PATTERN_KINDS:
        for row in data.get(kind, []):
            new = (kind, row["key"]) not in existing
            if new:
                session.add(AutomationPattern(pattern_type=kind, pattern_key=row["key"], pattern_value=row["value"]))
            report.count(kind, added=new)


def _seed_templates(session: Session, data: dict[str, list[dict[str, Any]]], report: SeedReport) -> None:
    existing = set(session.execute(select(NextBestAction.lane, NextBestAction.action_key)).all())
    for row in data.get("template", []):
        new = (row["lane"], row["key"]) not in existing
        if new:
            session.add(
                NextBestAction(lane=row["lane"], stage=row["stage"], action_key=row["key"], action_text=row["text"])
            )
        report.count("template", added=new)


def _seed_fit_signals(session: Session, data: dict[str, list[dict[str, Any]]], report: SeedReport) -> None:
    existing = {(s.product, s.signal_key): s for s in session.scalars(select(FitSignal)).all()}
    for row in data.get("fit_signal", []):
        signal = existing.get((row["product"], row["key"]))
        new = signal is None
        if signal is None:
            signal = FitSignal(
                product=row["product"],
                signal_key=row["key"],
                signal_description=row["description"],
                offer_template=row.get("offer"),
            )
            session.add(signal)
            session.flush()
            for phrase in row.get("phrases", []):
                session.add(FitSignalPhrase(fit_signal_id=signal.id, phrase=phrase))
        report.count("fit_signal", added=new)
