"""Pacing at its edges: window boundaries, the daily reset, what counts toward caps, where the gap starts.

Written to kill the mutants mutmut left alive in outreach/pacing.py (tests/MUTATION.md).
"""

from __future__ import annotations

import time as clock
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from everreach.config import Settings
from everreach.db.models import Message, OutreachAttempt, OutreachItem
from everreach.errors import ConfigError
from everreach.outreach import pacing
from everreach.outreach.pacing import (
    PacingFacts,
    PacingPolicy,
    cooldown_until,
    load_facts,
    next_send,
    seeded_gap_random,
)
from tests.outreach.factories import T0, make_contact

PARIS = ZoneInfo("Europe/Paris")
NO_GAP = {"min_gap": timedelta(0), "max_gap": timedelta(0)}
ALWAYS = {"active_start": time(0), "active_end": time(0)}


@pytest.fixture(autouse=True)
def _fresh_facts_statement() -> None:
    """Build the cached facts statement again, so these tests check the statement itself."""
    pacing._FACTS.clear()


def zero(_attempt: uuid.UUID) -> float:
    return 0.0


def _attempts(session: Session, *rows: tuple[datetime, str | None]) -> list[uuid.UUID]:
    """One queue row per attempt (claimed_at, outcome); returns the attempt ids in order."""
    contact = make_contact(session, username=f"c{uuid.uuid4().hex[:8]}")
    ids = []
    for claimed_at, outcome in rows:
        item = OutreachItem(
            id=uuid.uuid4(), contact_id=contact.id, username=contact.instagram_username, message_text="hi"
        )
        session.add(item)
        session.flush()
        attempt = OutreachAttempt(
            id=uuid.uuid4(), queue_id=item.id, worker_id="w", sender="dry-run", claimed_at=claimed_at, outcome=outcome
        )
        session.add(attempt)
        ids.append(attempt.id)
    session.flush()
    return ids


# -- active hours ----------------------------------------------------------------------------------------------


def test_the_active_window_includes_its_start_and_excludes_its_end() -> None:
    p = PacingPolicy()  # 09:00-21:00 UTC
    day = datetime(2025, 3, 3, tzinfo=UTC)
    assert p.next_active(day.replace(hour=9)) == day.replace(hour=9)
    assert p.next_active(day.replace(hour=8, minute=59, second=59)) == day.replace(hour=9)
    assert p.next_active(day.replace(hour=20, minute=59, second=59)) == day.replace(hour=20, minute=59, second=59)
    assert p.next_active(day.replace(hour=21)) == day.replace(day=4, hour=9)


def test_an_overnight_window_at_its_edges() -> None:
    night = PacingPolicy(active_start=time(20), active_end=time(2))
    day = datetime(2025, 3, 3, tzinfo=UTC)
    assert night.next_active(day.replace(hour=2)) == day.replace(hour=20)  # the end is outside
    assert night.next_active(day.replace(hour=1, minute=59)) == day.replace(hour=1, minute=59)
    assert night.next_active(day.replace(hour=19, minute=59)) == day.replace(hour=20)
    assert night.next_active(day.replace(hour=20)) == day.replace(hour=20)  # the start is inside
    assert night.next_active(day) == day  # midnight is inside an overnight window


def test_equal_start_and_end_mean_always_active() -> None:
    p = PacingPolicy(active_start=time(7), active_end=time(7))
    assert p.next_active(T0.replace(hour=3)) == T0.replace(hour=3)
    assert p.active_hours == "07:00-07:00 UTC"


def test_active_hours_text_names_the_zone() -> None:
    assert PacingPolicy(tz=PARIS, active_start=time(8, 30)).active_hours == "08:30-21:00 Europe/Paris"


# -- the day, in local time ---------------------------------------------------------------------------------------


def test_the_day_resets_at_local_midnight() -> None:
    p = PacingPolicy(tz=PARIS)
    # 2025-03-03 23:30 UTC is already 00:30 on the 4th in Paris (UTC+1).
    late = datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
    assert p.day_start(late) == datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
    assert p.next_day_start(late) == datetime(2025, 3, 4, 23, 0, tzinfo=UTC)
    assert p.day_start(late).utcoffset() == timedelta(0)  # every boundary is given in UTC
    assert p.next_active(datetime(2025, 3, 3, 5, tzinfo=UTC)).tzinfo == UTC
    before = datetime(2025, 3, 3, 22, 59, 59, tzinfo=UTC)
    assert p.day_start(before) == datetime(2025, 3, 2, 23, 0, tzinfo=UTC)
    assert p.next_day_start(before) == datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
    # Across the spring change (2025-03-30): local midnight of the 31st is 22:00 UTC.
    assert p.next_day_start(datetime(2025, 3, 30, 12, tzinfo=UTC)) == datetime(2025, 3, 30, 22, 0, tzinfo=UTC)


def test_boundaries_are_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy's zone decides the boundaries; the machine's own zone (TZ) never shows through."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    clock.tzset()
    try:
        start = PacingPolicy(tz=PARIS).day_start(datetime(2025, 3, 3, 12, tzinfo=UTC))
        assert start.utcoffset() == timedelta(0)
        assert start == datetime(2025, 3, 2, 23, 0, tzinfo=UTC)
    finally:
        monkeypatch.delenv("TZ")
        clock.tzset()


def test_daily_cap_from_an_attempt_at_local_midnight_waits_for_the_next_midnight() -> None:
    p = PacingPolicy(tz=PARIS, daily_cap=3, **NO_GAP, **ALWAYS)
    midnight = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)  # 00:00 on the 4th in Paris
    nxt = next_send(p, PacingFacts(daily_nth_at=midnight), now=midnight + timedelta(hours=1), rng=zero)
    assert nxt.at == datetime(2025, 3, 4, 23, 0, tzinfo=UTC)
    assert nxt.reasons == ("daily cap of 3 reached",)
    # The cap's nth attempt was yesterday (one second before midnight): today is open.
    yesterday = PacingFacts(daily_nth_at=midnight - timedelta(seconds=1))
    assert next_send(p, yesterday, now=midnight, rng=zero).at == midnight


def test_the_hourly_cap_opens_exactly_an_hour_after_the_nth_attempt() -> None:
    p = PacingPolicy(hourly_cap=2, **NO_GAP, **ALWAYS)
    facts = PacingFacts(hourly_nth_at=T0)
    at = next_send(p, facts, now=T0 + timedelta(minutes=59, seconds=59), rng=zero)
    assert at.at == T0 + timedelta(hours=1)
    assert at.reasons == ("hourly cap of 2 reached",)
    assert next_send(p, facts, now=T0 + timedelta(hours=1), rng=zero) == next_send(
        p, PacingFacts(), now=T0 + timedelta(hours=1), rng=zero
    )


# -- the random gap ------------------------------------------------------------------------------------------


def test_the_gap_is_measured_from_the_last_attempt_with_its_own_draw() -> None:
    p = PacingPolicy(**ALWAYS)  # gaps 60-300 s
    last = uuid.uuid4()
    draws = {last: 1.0}
    facts = PacingFacts(last_attempt_id=last, last_attempt_at=T0)
    nxt = next_send(p, facts, now=T0 + timedelta(seconds=10), rng=lambda i: draws.get(i, 0.0))
    assert nxt.at == T0 + timedelta(seconds=300)
    assert nxt.reasons == ("random gap after the last send",)
    # Exactly at the gap's end nothing waits.
    assert next_send(p, facts, now=T0 + timedelta(seconds=300), rng=lambda i: draws.get(i, 0.0)).reasons == ()


def test_a_draw_outside_0_to_1_is_clamped() -> None:
    p = PacingPolicy()
    attempt = uuid.uuid4()
    assert p.gap_after(attempt, lambda _i: -3.0) == timedelta(seconds=60)
    assert p.gap_after(attempt, lambda _i: 7.0) == timedelta(seconds=300)
    assert p.gap_after(attempt, lambda _i: 0.25) == timedelta(seconds=120)


def test_no_last_attempt_time_means_no_gap() -> None:
    p = PacingPolicy(**ALWAYS)
    assert next_send(p, PacingFacts(last_attempt_id=uuid.uuid4()), now=T0, rng=zero).at == T0


def test_the_seeded_draw_depends_only_on_the_attempt_id() -> None:
    attempt = uuid.UUID(int=12345)
    assert seeded_gap_random(attempt) == pytest.approx(0.41661987254534116)
    assert seeded_gap_random(uuid.UUID(int=12346)) != seeded_gap_random(attempt)


def test_rules_feed_each_other_until_stable() -> None:
    """A gap that ends after the active hours is moved to the next morning, with both reasons in order."""
    p = PacingPolicy(min_gap=timedelta(hours=2), max_gap=timedelta(hours=2))
    facts = PacingFacts(last_attempt_id=uuid.uuid4(), last_attempt_at=T0.replace(hour=20))
    nxt = next_send(p, facts, now=T0.replace(hour=20), rng=zero)
    assert nxt.at == T0.replace(day=4, hour=9)
    assert nxt.reasons == ("random gap after the last send", "outside active hours 09:00-21:00 UTC")


# -- settings ------------------------------------------------------------------------------------------------


def test_the_smallest_allowed_settings_are_accepted() -> None:
    p = PacingPolicy.from_settings(
        Settings(hourly_cap=1, daily_cap=1, min_gap_seconds=0, max_gap_seconds=0, contact_cooldown_hours=0)
    )
    assert (p.hourly_cap, p.daily_cap, p.min_gap, p.max_gap, p.cooldown) == (
        1,
        1,
        timedelta(0),
        timedelta(0),
        timedelta(0),
    )
    full = PacingPolicy.from_settings(
        Settings(
            timezone="Europe/Paris",
            active_hours_start="08:15",
            active_hours_end="22:45",
            min_gap_seconds=5,
            max_gap_seconds=9,
            contact_cooldown_hours=3,
        )
    )
    assert full.tz == PARIS
    assert (full.active_start, full.active_end) == (time(8, 15), time(22, 45))
    assert (full.min_gap, full.max_gap, full.cooldown) == (
        timedelta(seconds=5),
        timedelta(seconds=9),
        timedelta(hours=3),
    )


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"hourly_cap": 0}, "EVERREACH_HOURLY_CAP and EVERREACH_DAILY_CAP must be at least 1"),
        ({"daily_cap": 0}, "EVERREACH_HOURLY_CAP and EVERREACH_DAILY_CAP must be at least 1"),
        ({"min_gap_seconds": -1}, "need 0 <= EVERREACH_MIN_GAP_SECONDS <= EVERREACH_MAX_GAP_SECONDS"),
        ({"contact_cooldown_hours": -1}, "EVERREACH_CONTACT_COOLDOWN_HOURS cannot be negative"),
        ({"active_hours_start": "9h"}, "EVERREACH_ACTIVE_HOURS_START must be HH:MM, not '9h'"),
        ({"active_hours_end": "25:00"}, "EVERREACH_ACTIVE_HOURS_END must be HH:MM, not '25:00'"),
        ({"timezone": "Nowhere/Land"}, "unknown time zone 'Nowhere/Land' (EVERREACH_TIMEZONE)"),
    ],
)
def test_bad_settings_name_the_setting(fields: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        PacingPolicy.from_settings(Settings(**fields))  # type: ignore[arg-type]
    assert str(caught.value) == needle


# -- what the database says (both engines) ------------------------------------------------------------------


def test_interrupted_and_in_flight_attempts_count_and_failed_ones_do_not(session: Session) -> None:
    p = PacingPolicy(hourly_cap=3, daily_cap=3)
    now = T0
    _attempts(
        session,
        (now - timedelta(minutes=50), "sent"),
        (now - timedelta(minutes=40), "interrupted"),
        (now - timedelta(minutes=30), None),  # claimed, in flight
        (now - timedelta(minutes=20), "failed"),
        (now - timedelta(minutes=10), "skipped"),
    )
    facts = load_facts(session, p, now=now)
    assert (facts.sent_last_hour, facts.sent_today) == (3, 3)
    # The third most recent counted attempt is the sent one: the cap opens an hour after it.
    assert facts.hourly_nth_at == now - timedelta(minutes=50)
    assert facts.daily_nth_at == now - timedelta(minutes=50)


def test_the_last_attempt_is_the_latest_claim_whatever_its_outcome(session: Session) -> None:
    _first, last = _attempts(session, (T0 - timedelta(minutes=5), "sent"), (T0 - timedelta(minutes=1), "failed"))
    facts = load_facts(session, PacingPolicy(), now=T0)
    assert facts.last_attempt_id == last
    assert facts.last_attempt_at == T0 - timedelta(minutes=1)


def test_the_hour_and_the_day_windows_at_their_edges(session: Session) -> None:
    p = PacingPolicy(tz=PARIS, hourly_cap=1, daily_cap=2)
    now = datetime(2025, 3, 4, 0, 30, tzinfo=UTC)  # 01:30 in Paris; the local day began at 23:00 UTC
    _attempts(
        session,
        (now - timedelta(hours=1), "sent"),  # exactly an hour ago: out of the hour, inside the day
        (datetime(2025, 3, 3, 23, 0, tzinfo=UTC), "sent"),  # exactly local midnight: today
        (datetime(2025, 3, 3, 22, 59, 59, tzinfo=UTC), "sent"),  # a second before: yesterday
    )
    facts = load_facts(session, p, now=now)
    assert facts.sent_last_hour == 0
    assert facts.hourly_nth_at is None
    assert facts.sent_today == 2
    assert facts.daily_nth_at == datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
    just_inside = load_facts(session, p, now=now - timedelta(seconds=1))
    assert just_inside.sent_last_hour == 1
    assert just_inside.hourly_nth_at == now - timedelta(hours=1)


def test_the_last_attempt_is_found_by_time_not_by_insertion_order(session: Session) -> None:
    ids = _attempts(
        session,
        (T0 - timedelta(minutes=1), "sent"),
        (T0 - timedelta(minutes=9), "sent"),
        (T0 - timedelta(minutes=5), "interrupted"),
    )
    facts = load_facts(session, PacingPolicy(hourly_cap=2, daily_cap=3), now=T0)
    assert (facts.last_attempt_id, facts.last_attempt_at) == (ids[0], T0 - timedelta(minutes=1))
    assert facts.hourly_nth_at == T0 - timedelta(minutes=5)  # the 2nd most recent
    assert facts.daily_nth_at == T0 - timedelta(minutes=9)  # the 3rd most recent


def test_no_attempts_at_all(session: Session) -> None:
    facts = load_facts(session, PacingPolicy(), now=T0)
    assert facts == PacingFacts()


def test_under_the_cap_there_is_no_nth_attempt(session: Session) -> None:
    _attempts(session, (T0 - timedelta(minutes=5), "sent"))
    facts = load_facts(session, PacingPolicy(hourly_cap=2, daily_cap=2), now=T0)
    assert (facts.hourly_nth_at, facts.daily_nth_at, facts.sent_last_hour) == (None, None, 1)


def test_cooldown_ends_from_claims_and_automated_messages(session: Session) -> None:
    p = PacingPolicy(cooldown=timedelta(hours=24))
    ann = make_contact(session, username="ann")
    bob = make_contact(session, username="bob")
    cat = make_contact(session, username="cat")
    for contact, claimed_at, outcome in (
        (ann, T0 - timedelta(hours=2), "interrupted"),
        (ann, T0 - timedelta(hours=3), "sent"),
        (bob, T0 - timedelta(hours=24), "sent"),  # exactly the cooldown ago: over
        (cat, T0 - timedelta(hours=1), "failed"),  # failed attempts do not cool a contact down
    ):
        item = OutreachItem(
            id=uuid.uuid4(), contact_id=contact.id, username=contact.instagram_username, message_text="hi"
        )
        session.add(item)
        session.flush()
        session.add(
            OutreachAttempt(
                id=uuid.uuid4(), queue_id=item.id, worker_id="w", sender="s", claimed_at=claimed_at, outcome=outcome
            )
        )
    session.add_all(
        [
            Message(
                id=uuid.uuid4(),
                contact_id=bob.id,
                message_text="sent by hand",
                is_outbound=True,
                sent_by_automation=False,
                sent_at=T0 - timedelta(hours=1),
            ),
            Message(
                id=uuid.uuid4(),
                contact_id=ann.id,
                message_text="automated, later than the claim",
                is_outbound=True,
                sent_by_automation=True,
                sent_at=T0 - timedelta(hours=1),
            ),
            Message(
                id=uuid.uuid4(),
                contact_id=cat.id,
                message_text="inbound",
                is_outbound=False,
                sent_by_automation=True,
                sent_at=T0 - timedelta(hours=1),
            ),
        ]
    )
    session.flush()
    asked, expected = _cooling_contacts(session)
    ends = cooldown_until(session, p, [ann.id, bob.id, cat.id, *asked], now=T0)
    assert ends == {ann.id: T0 + timedelta(hours=23), **expected}
    # No cooldown: nothing waits, not even a claim stamped a minute ahead by a fast clock.
    _claim(session, ann.id, T0 + timedelta(minutes=1), "sent")
    assert cooldown_until(session, PacingPolicy(cooldown=timedelta(0)), [ann.id], now=T0) == {}
    assert cooldown_until(session, p, [], now=T0) == {}


def _claim(session: Session, contact_id: uuid.UUID, claimed_at: datetime, outcome: str | None) -> None:
    item = OutreachItem(id=uuid.uuid4(), contact_id=contact_id, username=f"u{uuid.uuid4().hex[:6]}", message_text="x")
    session.add(item)
    session.flush()
    session.add(
        OutreachAttempt(
            id=uuid.uuid4(), queue_id=item.id, worker_id="w", sender="s", claimed_at=claimed_at, outcome=outcome
        )
    )
    session.flush()


def _automated(session: Session, contact_id: uuid.UUID, sent_at: datetime) -> None:
    session.add(
        Message(
            id=uuid.uuid4(),
            contact_id=contact_id,
            message_text=f"auto {uuid.uuid4().hex[:6]}",
            is_outbound=True,
            sent_by_automation=True,
            sent_at=sent_at,
        )
    )
    session.flush()


def _cooling_contacts(session: Session) -> tuple[list[uuid.UUID], dict[uuid.UUID, datetime]]:
    """More contacts, each cooling for its own reason (or not): the ids to ask about, and the expected ends."""
    dan = make_contact(session, username="dan")  # a claim still in flight
    _claim(session, dan.id, T0 - timedelta(hours=5), None)
    eve = make_contact(session, username="eve")  # an automated message; an older one, and one exactly 24 h ago
    _automated(session, eve.id, T0 - timedelta(hours=4))
    _automated(session, eve.id, T0 - timedelta(hours=24))
    _automated(session, eve.id, T0 - timedelta(hours=30))
    fay = make_contact(session, username="fay")  # the claim is later than the automated message
    _automated(session, fay.id, T0 - timedelta(hours=5))
    _claim(session, fay.id, T0 - timedelta(hours=2), "sent")
    old = make_contact(session, username="old")  # only long ago
    _automated(session, old.id, T0 - timedelta(hours=30))
    _claim(session, old.id, T0 - timedelta(hours=30), "sent")
    edge = make_contact(session, username="edge")  # an automated message exactly the cooldown ago: over
    _automated(session, edge.id, T0 - timedelta(hours=24))
    # Someone not asked about, cooling too: never in the answer.
    other = make_contact(session, username="other")
    _claim(session, other.id, T0 - timedelta(hours=1), "sent")
    _automated(session, other.id, T0 - timedelta(hours=1))
    expected = {dan.id: T0 + timedelta(hours=19), eve.id: T0 + timedelta(hours=20), fay.id: T0 + timedelta(hours=22)}
    return [dan.id, eve.id, fay.id, old.id, edge.id], expected
