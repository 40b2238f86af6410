"""Coach (DESIGN.md §3 v2, issue 14): feedback on the owner's own messages in one thread.

Each rule returns the messages it points at and a sentence a person reads; a rule that finds nothing returns
None. The rules:
- pitching_before_consent: an offer sent before any consent or sign of trust from them;
- three_to_one: an offer sent with fewer than three value touches per offer before it;
- double_texting: writing again more than 24 hours later while a question of yours is still unanswered;
- questions_vs_statements: of at least 6 messages of yours, fewer than one in five asks them anything;
- slow_replies: a question of theirs you answered more than 72 hours later, or not at all;
- promises_left_open: a promise of yours whose 14 days ran out without a delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from everreach.relationship.rules.components import CONSENT_POINTS, VALUE_KINDS
from everreach.relationship.rules.evidence import Evidence, PromiseOutcome, counting
from everreach.relationship.rules.inputs import MessageFacts, UserRecords
from everreach.relationship.rules.lanes import RATIO, offer_messages
from everreach.relationship.rules.numbers import short_date

DOUBLE_TEXT_GAP = timedelta(hours=24)
SLOW_REPLY = timedelta(hours=72)
MIN_MESSAGES_FOR_RATIO = 6
MIN_QUESTION_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class CoachNote:
    """One piece of feedback: which rule, the sentence, and the messages it points at."""

    rule: str
    sentence: str
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class Thread:
    """What every coach rule reads: the thread in time order, with the evidence read from it."""

    messages: Sequence[MessageFacts]
    records: UserRecords
    items: Sequence[Evidence]
    outcomes: Sequence[PromiseOutcome]
    now: datetime


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('ch') else 's'}"


def pitching_before_consent(t: Thread) -> CoachNote | None:
    """Offers sent before they gave any consent or sign of trust."""
    signals = [e.at for e in counting(t.items, "consent") + counting(t.items, "trust")]
    signals += [e.at for e in t.records.events if e.kind in CONSENT_POINTS]
    signals += [e.at for e in t.records.trust_log if e.at is not None]
    first = min(signals, default=None)
    early = [m for m in offer_messages(t.messages) if first is None or m.sent_at < first]
    if not early:
        return None
    sentence = (
        f"You pitched on {short_date(early[0].sent_at)} before they had asked for help, said yes or shown trust"
        + (f" ({_plural(len(early), 'offer')} like that)" if len(early) > 1 else "")
        + ": ask whether they want ideas first."
    )
    return CoachNote("pitching_before_consent", sentence, tuple(m.id for m in early))


def three_to_one(t: Thread) -> CoachNote | None:
    """Offers sent with fewer than three value touches per offer before them."""
    values = sorted([e.at for e in counting(t.items, "value_delivered")]
                    + [e.at for e in t.records.value_log if e.at and e.kind in VALUE_KINDS])  # fmt: skip
    broken = []
    for n, offer in enumerate(offer_messages(t.messages), start=1):
        before = sum(1 for at in values if at < offer.sent_at)
        if before < RATIO * n:
            broken.append((offer, before, n))
    if not broken:
        return None
    offer, before, n = broken[-1]
    sentence = (
        f"Your offer on {short_date(offer.sent_at)} came after {_plural(before, 'value touch')} for "
        f"{_plural(n, 'offer')}: give three helpful things (a link, an intro, real feedback) for every pitch."
    )
    return CoachNote("three_to_one", sentence, tuple(o.id for o, _, _ in broken))


def double_texting(t: Thread) -> CoachNote | None:
    """Writing again more than 24 hours later while a question of yours is still unanswered.

    A run of your messages with none of theirs in between is unanswered; once it holds a question, every later
    message of the run sent more than 24 hours after the one before it is a double text, unless it delivers
    value (sending what you offered is no nag). A conversation that ended on a statement of yours, picked up
    again days later, is not.
    """
    flagged: list[MessageFacts] = []
    previous: MessageFacts | None = None
    asked = False
    for m in t.messages:
        if not m.touch:
            continue
        if not m.is_outbound:
            previous, asked = None, False
            continue
        late = previous is not None and m.sent_at - previous.sent_at > DOUBLE_TEXT_GAP
        if asked and late and "delivers_value" not in m.intents:
            flagged.append(m)
        previous, asked = m, asked or m.question
    if not flagged:
        return None
    sentence = (
        f"You wrote again on {short_date(flagged[-1].sent_at)} while your question was still unanswered"
        + (f" ({_plural(len(flagged), 'time')} in this thread)" if len(flagged) > 1 else "")
        + ": give a quiet thread room, or make the next message easy to answer."
    )
    return CoachNote("double_texting", sentence, tuple(m.id for m in flagged))


def questions_vs_statements(t: Thread) -> CoachNote | None:
    """Fewer than one in five of your messages (at least six of them) asks them anything."""
    mine = [m for m in t.messages if m.is_outbound and m.touch]
    asked = sum(1 for m in mine if m.question)
    if len(mine) < MIN_MESSAGES_FOR_RATIO or asked >= MIN_QUESTION_SHARE * len(mine):
        return None
    statements = [m for m in mine if not m.question][-3:]
    sentence = (
        f"Only {asked} of your {len(mine)} messages asks them anything: a question about what they are "
        "working on keeps it a conversation."
    )
    return CoachNote("questions_vs_statements", sentence, tuple(m.id for m in statements))


def slow_replies(t: Thread) -> CoachNote | None:
    """Questions of theirs you answered more than 72 hours later, or not at all once 72 hours passed."""
    slow: list[MessageFacts] = []
    touches = [m for m in t.messages if m.touch]
    for i, m in enumerate(touches):
        if m.is_outbound or not m.question:
            continue
        answer = next((r for r in touches[i + 1 :] if r.is_outbound), None)
        answered_at = answer.sent_at if answer is not None else None
        if (answered_at or t.now) - m.sent_at > SLOW_REPLY:
            slow.append(m)
    if not slow:
        return None
    latest = slow[-1]
    sentence = (
        f"You took more than 3 days to answer {_plural(len(slow), 'question')} of theirs (latest on "
        f"{short_date(latest.sent_at)}: “{latest.excerpt}”): a quick reply to a question matters most."
    )
    return CoachNote("slow_replies", sentence, tuple(m.id for m in slow))


def promises_left_open(t: Thread) -> CoachNote | None:
    """Promises whose 14 days ran out without a delivery."""
    broken = [o for o in t.outcomes if o.promise.counts and o.state == "broken"]
    if not broken:
        return None
    first = broken[0].promise
    sentence = (
        f"You promised “{first.excerpt}” on {short_date(first.at)} and never sent it"
        + (f" ({_plural(len(broken), 'promise')} left open)" if len(broken) > 1 else "")
        + ": deliver it now, or tell them it is off."
    )
    return CoachNote("promises_left_open", sentence, tuple(o.promise.message_id for o in broken))


RULES: tuple[Callable[[Thread], CoachNote | None], ...] = (
    pitching_before_consent,
    three_to_one,
    double_texting,
    questions_vs_statements,
    slow_replies,
    promises_left_open,
)


def coach(
    messages: Sequence[MessageFacts], records: UserRecords, items: Sequence[Evidence],
    outcomes: Sequence[PromiseOutcome], *, now: datetime,
) -> list[CoachNote]:  # fmt: skip
    """Every coach note for one thread, in the order of RULES."""
    ordered = sorted((m for m in messages if m.sent_at <= now), key=lambda m: m.sent_at)
    thread = Thread(ordered, records, items, outcomes, now)
    return [note for rule in RULES if (note := rule(thread)) is not None]
