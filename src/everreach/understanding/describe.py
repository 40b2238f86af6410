"""Matches and evaluation reports in words a person reads."""

from __future__ import annotations

from everreach.understanding.evaluate import Report
from everreach.understanding.types import Match

LABELS = {
    "asks_opinion": "Asks your opinion",
    "refers_someone": "Refers someone to you",
    "asks_for_help": "Asks for your help",
    "says_yes": "Says yes",
    "shares_update": "Shares an update",
    "describes_project": "Describes what they are building",
    "describes_friction": "Describes a problem",
    "thanks": "Thanks you",
    "promise": "You promise something",
    "delivers_value": "You deliver something useful",
    "offer": "You make an offer",
}
SOURCES = {"model": "the model", "lexical": "the phrase matcher", "both": "the model and the phrase matcher"}


def label(match: Match, descriptions: dict[str, str] | None = None) -> str:
    """The name of an intent, or a fit signal's description and product."""
    if match.kind == "intent":
        return LABELS.get(match.key, match.key.replace("_", " ").capitalize())
    description = (descriptions or {}).get(match.key, match.key.replace("_", " "))
    return f"Fit signal for {match.product}: \u201c{description}\u201d"


def sentence(match: Match, descriptions: dict[str, str] | None = None) -> str:
    """One line: what was recognised, how likely, the closest example, and by what."""
    percent = round(match.probability * 100)
    return (
        f"{label(match, descriptions)} \u2014 {percent}%, closest to \u201c{match.nearest_phrase}\u201d "
        f"(found by {SOURCES.get(match.source, match.source)})"
    )


def report_lines(report: Report) -> list[str]:
    """Precision, recall and F1 per label, then the fit signals' micro F1."""
    lines = []
    width = max((len(s.key) for s in report.scores), default=10)
    header = f"{'label'.ljust(width)}  kind        precision  recall  F1    expected  found"
    lines.append(header)
    for s in report.scores:
        expected = s.true_positives + s.false_negatives
        found = s.true_positives + s.false_positives
        kind = "intent" if s.kind == "intent" else "fit signal" if s.kind == "fit_signal" else "unknown"
        lines.append(
            f"{s.key.ljust(width)}  {kind.ljust(10)}  {s.precision:9.2f}  {s.recall:6.2f}  {s.f1:4.2f}  "
            f"{expected:8d}  {found:5d}"
        )
    lines.append(f"fit signals, all together (micro F1): {report.signals_micro_f1:.2f}")
    return lines
