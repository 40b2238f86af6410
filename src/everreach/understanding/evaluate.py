"""Evaluation on a labelled JSONL file: precision, recall and F1 per intent and fit signal, micro F1 of signals."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from everreach.understanding.classifier import Classifier
from everreach.understanding.types import MessageToRead


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message."""

    text: str
    is_outbound: bool
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and rates of one label."""

    key: str
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was expected."""
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """Per-label scores, the fit signals' micro F1, and the messages that went wrong."""

    scores: tuple[Score, ...]
    signals_micro_f1: float
    errors: tuple[tuple[str, frozenset[str], frozenset[str]], ...]


def read_examples(path: Path) -> list[Example]:
    """The labelled messages of a JSONL file: {"text", "direction": inbound|outbound, "labels": [...]}."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(Example(row["text"], row.get("direction", "inbound") == "outbound", frozenset(row["labels"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"line {n}: not a labelled message ({exc})") from exc
    return out


def evaluate(classifier: Classifier, examples: Iterable[Example]) -> Report:
    """Classify every example and score each label the classifier knows or the file names."""
    examples = list(examples)
    results = classifier.classify([MessageToRead(e.text, e.is_outbound) for e in examples])
    kinds = {c.key: c.kind for c in classifier.classes}
    labels = sorted(set(kinds) | {label for e in examples for label in e.labels})
    counts = {label: [0, 0, 0] for label in labels}
    errors = []
    for example, matches in zip(examples, results, strict=True):
        predicted = frozenset(m.key for m in matches)
        for label in predicted | example.labels:
            tp_fp_fn = counts[label]
            if label in predicted and label in example.labels:
                tp_fp_fn[0] += 1
            elif label in predicted:
                tp_fp_fn[1] += 1
            else:
                tp_fp_fn[2] += 1
        if predicted != example.labels:
            errors.append((example.text, example.labels, predicted))
    scores = tuple(Score(label, kinds.get(label, "unknown"), *counts[label]) for label in labels)
    signal_counts = [s for s in scores if s.kind == "fit_signal"]
    tp = sum(s.true_positives for s in signal_counts)
    fp = sum(s.false_positives for s in signal_counts)
    fn = sum(s.false_negatives for s in signal_counts)
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return Report(scores, micro, tuple(errors))
