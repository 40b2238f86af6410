"""Fit signals in the database as the classifier reads them, and the services that add or edit one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from everreach.db.models import FitSignal, FitSignalPhrase
from everreach.errors import EverReachError
from everreach.understanding.classifier import Classifier
from everreach.understanding.service import get_classifier
from everreach.understanding.types import SignalDefinition


class SignalError(EverReachError):
    """A fit signal cannot be added or edited as asked."""


def active_signals(session: Session) -> list[SignalDefinition]:
    """The active fit signals with their phrases, ordered by product and key."""
    signals = session.execute(
        select(FitSignal.id, FitSignal.product, FitSignal.signal_key, FitSignal.signal_description)
        .where(FitSignal.is_active == true())
        .order_by(FitSignal.product, FitSignal.signal_key)
    ).all()
    phrases: dict[uuid.UUID, list[str]] = {}
    for sid, phrase in session.execute(
        select(FitSignalPhrase.fit_signal_id, FitSignalPhrase.phrase).order_by(FitSignalPhrase.phrase)
    ):
        phrases.setdefault(sid, []).append(phrase)
    return [SignalDefinition(p, k, d, tuple(phrases.get(sid, ()))) for sid, p, k, d in signals]


def classifier_for(session: Session) -> Classifier:
    """get_classifier() over the active fit signals stored in the database."""
    return get_classifier(active_signals(session))


def _clean(phrases: Sequence[str]) -> list[str]:
    out = list(dict.fromkeys(p.strip() for p in phrases if p.strip()))
    return out


def add_signal(
    session: Session, product: str, key: str, *, description: str, phrases: Sequence[str], offer: str | None = None
) -> SignalDefinition:
    """Store a new fit signal (fit_signals + fit_signal_phrases rows); recognised by the next classifier_for()."""
    product, key, description = product.strip(), key.strip(), description.strip()
    if not product or not key or not description:
        raise SignalError("a fit signal needs a product, a key and a description")
    exists = session.scalar(select(FitSignal.id).where(FitSignal.product == product, FitSignal.signal_key == key))
    if exists is not None:
        raise SignalError(f"{product} already has a fit signal called {key}; use `fit-signals edit`")
    signal = FitSignal(product=product, signal_key=key, signal_description=description, offer_template=offer)
    session.add(signal)
    session.flush()
    for phrase in _clean(phrases):
        session.add(FitSignalPhrase(fit_signal_id=signal.id, phrase=phrase))
    session.flush()
    return SignalDefinition(product, key, description, tuple(_clean(phrases)))


def edit_signal(
    session: Session,
    product: str,
    key: str,
    *,
    description: str | None = None,
    add_phrases: Sequence[str] = (),
    remove_phrases: Sequence[str] = (),
    active: bool | None = None,
) -> SignalDefinition:
    """Change a fit signal's description, phrases or active flag; recognised by the next classifier_for()."""
    signal = session.scalars(
        select(FitSignal).where(FitSignal.product == product, FitSignal.signal_key == key)
    ).one_or_none()
    if signal is None:
        raise SignalError(f"{product} has no fit signal called {key}")
    if description is not None and description.strip():
        signal.signal_description = description.strip()
    if active is not None:
        signal.is_active = active
    rows = session.scalars(select(FitSignalPhrase).where(FitSignalPhrase.fit_signal_id == signal.id))
    current = {p.phrase: p for p in rows}
    for phrase in _clean(remove_phrases):
        if phrase not in current:
            raise SignalError(f"{product} {key} has no phrase {phrase!r}")
        session.delete(current.pop(phrase))
    for phrase in _clean(add_phrases):
        if phrase not in current:
            current[phrase] = FitSignalPhrase(fit_signal_id=signal.id, phrase=phrase)
            session.add(current[phrase])
    session.flush()
    return SignalDefinition(product, key, signal.signal_description, tuple(sorted(current)))
