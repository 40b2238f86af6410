"""Pacing rules with a controllable clock: pure rules first, then through the worker on both engines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from everreach import config
from everreach.config import Settings, get_settings
from everreach.db.models import Contact, OutreachItem
from everreach.errors import ConfigError
from everreach.outreach import queue
from everreach.outreach.pacing import PacingFacts, PacingPolicy, next_send
from everreach.outreach.senders import make_sender
from everreach.outreach.worker import Worker
from tests.outreach.factories import T0, Clock, make_contact, open_pacing

PARIS = ZoneInfo("Europe/Paris")
HALF = 0.5


def half(_attempt: uuid.UUID) -> float:
    return HALF


def policy(**kw: object) -> PacingPolicy:
    return PacingPolicy(**kw)  # type: ignore[arg-type]


def test_active_hours_follow_the_configured_time_zone() -> None:
    p = policy(tz=PARIS, min_gap=timedelta(0), max_gap=timedelta(0))
    # Paris is UTC+1 in early March: 09:00 local is 08:00 UTC, 21:00 local is 20:00 UTC.
    early = datetime(2025, 3, 3, 7, 30, tzinfo=UTC)
    assert next_send(p, PacingFacts(), now=early, rng=half).at == datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    inside = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    assert next_send(p, PacingFacts(), now=inside, rng=half).at == inside
    late = datetime(2025, 3, 3, 20, 0, tzinfo=UTC)
    nxt = next_send(p, PacingFacts(), now=late, rng=half)
    assert nxt.at == datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    assert nxt.reasons == ("outside active hours 09:00-21:00 Europe/Paris",)


def test_active_hours_across_a_dst_change_and_overnight_windows() -> None:
    ny = policy(tz=ZoneInfo("America/New_York"))
    # 2025-03-09 is the spring-forward day: 09:00 EDT is 13:00 UTC (the day before it was 14:00 UTC).
    assert ny.next_active(datetime(2025, 3, 9, 6, 0, tzinfo=UTC)) == datetime(2025, 3, 9, 13, 0, tzinfo=UTC)
    assert ny.next_active(datetime(2025, 3, 8, 6, 0, tzinfo=UTC)) == datetime(2025, 3, 8, 14, 0, tzinfo=UTC)
    night = policy(active_start=time(20), active_end=time(2))
    assert night.next_active(T0.replace(hour=23)) == T0.replace(hour=23)
    assert night.next_active(T0.replace(hour=1)) == T0.replace(hour=1)
    assert night.next_active(T0.replace(hour=10)) == T0.replace(hour=20)


def test_random_gap_uses_the_injected_rng_between_min_and_max() -> None:
    p = policy(active_start=time(0), active_end=time(0))
    facts = PacingFacts(last_attempt_id=uuid.uuid4(), last_attempt_at=T0)
    assert next_send(p, facts, now=T0, rng=lambda _id: 0.0).at == T0 + timedelta(seconds=60)
    assert next_send(p, facts, now=T0, rng=half).at == T0 + timedelta(seconds=180)
    assert next_send(p, facts, now=T0, rng=lambda _id: 1.0).at == T0 + timedelta(seconds=300)
    assert next_send(p, facts, now=T0 + timedelta(seconds=400), rng=half).at == T0 + timedelta(seconds=400)


def test_default_gap_draw_is_random_per_attempt_but_stable_across_processes() -> None:
    p = policy()
    from everreach.outreach.pacing import seeded_gap_random

    ids = [uuid.uuid4() for _ in range(200)]
    gaps = [p.gap_after(i, seeded_gap_random).total_seconds() for i in ids]
    assert all(60 <= g <= 300 for g in gaps)
    assert len({round(g) for g in gaps}) > 50
    assert [p.gap_after(i, seeded_gap_random) for i in ids[:5]] == [p.gap_after(i, seeded_gap_random) for i in ids[:5]]


def test_hourly_then_daily_cap_then_active_hours() -> None:
    p = policy(tz=PARIS, min_gap=timedelta(0), max_gap=timedelta(0))
    now = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    hourly = PacingFacts(hourly_nth_at=now - timedelta(minutes=20))
    nxt = next_send(p, hourly, now=now, rng=half)
    assert nxt.at == now + timedelta(minutes=40)
    assert nxt.reasons == ("hourly cap of 10 reached",)
    daily = PacingFacts(daily_nth_at=now - timedelta(hours=1))
    nxt = next_send(p, daily, now=now, rng=half)
    # Local midnight resets the day, then the active hours start at 09:00 Paris = 08:00 UTC.
    assert nxt.at == datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    assert nxt.reasons == ("daily cap of 30 reached", "outside active hours 09:00-21:00 Europe/Paris")


def test_policy_refuses_bad_settings() -> None:
    with pytest.raises(ConfigError, match="time zone"):
        PacingPolicy.from_settings(Settings(timezone="Mars/Olympus"))
    with pytest.raises(ConfigError, match="HH:MM"):
        PacingPolicy.from_settings(Settings(active_hours_start="9am"))
    with pytest.raises(ConfigError, match="MIN_GAP"):
        PacingPolicy.from_settings(Settings(min_gap_seconds=500, max_gap_seconds=100))


# -- through the worker, on SQLite and PostgreSQL ---------------------------------------------------------------


def _queue(session: Session, clock: Clock, *pairs: tuple[str, str]) -> list[uuid.UUID]:
    start, ids = clock(), []
    for offset, (username, text) in enumerate(pairs):
        # Queued a second apart, so the send order (oldest first) is well defined.
        ids.append(
            queue.add_to_queue(
                session, username=username, text=text, now=start + timedelta(seconds=offset), force=True
            ).id
        )
    session.commit()
    return ids


def _worker(engine: Engine, clock: Clock, rng: float = 0.0) -> Worker:
    return Worker(engine, sender=make_sender(get_settings()), clock=clock, rng=lambda _id: rng)


def test_worker_keeps_gap_hourly_cap_and_cooldown(engine: Engine, session: Session, tmp_path: Path) -> None:
    config.configure(
        **open_pacing(
            dry_run_path=tmp_path / "out.jsonl",
            hourly_cap=2,
            min_gap_seconds=60,
            max_gap_seconds=300,
            contact_cooldown_hours=24,
        )
    )
    for name in ("ann", "bob", "cat"):
        make_contact(session, username=name)
    clock = Clock()
    a1, b1, c1, a2 = _queue(session, clock, ("ann", "one"), ("bob", "two"), ("cat", "three"), ("ann", "again"))
    with _worker(engine, clock, rng=0.5) as w:
        assert w.step().item.id == a1  # type: ignore[union-attr]
        idle = w.step()
        assert idle.kind == "idle"
        assert idle.next_allowed_send == T0 + timedelta(seconds=180)
        assert idle.reasons == ("random gap after the last send",)
        clock.advance(seconds=180)
        assert w.step().item.id == b1  # type: ignore[union-attr]
        clock.advance(seconds=180)
        capped = w.step()
        assert capped.kind == "idle"
        assert capped.next_allowed_send == T0 + timedelta(hours=1)
        assert "hourly cap of 2 reached" in capped.reasons
        clock.now = T0 + timedelta(hours=1)
        assert w.step().item.id == c1  # type: ignore[union-attr]
        # Ann's second message waits out the 24 h cooldown after her first automated message.
        clock.advance(hours=2)
        cooling = w.step()
        assert cooling.kind == "idle"
        assert cooling.wake_at == T0 + timedelta(hours=24)
        listing = queue.list_queue(session, now=clock())
        [waiting] = [i for i in listing.items if i.status == "pending"]
        assert waiting.id == a2
        assert waiting.next_attempt_at == T0 + timedelta(hours=24)
        clock.now = T0 + timedelta(hours=24, seconds=1)
        assert w.step().item.id == a2  # type: ignore[union-attr]


def test_worker_daily_cap_and_active_hours(engine: Engine, session: Session, tmp_path: Path) -> None:
    config.configure(
        **open_pacing(
            dry_run_path=tmp_path / "out.jsonl",
            daily_cap=2,
            timezone="Europe/Paris",
            active_hours_start="09:00",
            active_hours_end="21:00",
        )
    )
    for name in ("ann", "bob", "cat"):
        make_contact(session, username=name)
    clock = Clock(datetime(2025, 3, 3, 6, 0, tzinfo=UTC))  # 07:00 in Paris: too early
    _queue(session, clock, ("ann", "one"), ("bob", "two"), ("cat", "three"))
    with _worker(engine, clock) as w:
        early = w.step()
        assert early.kind == "idle"
        assert early.next_allowed_send == datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
        assert queue.next_allowed_send(session, now=clock()) == datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
        session.rollback()  # end the read transaction: the worker's writes are seen afterwards
        clock.now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
        assert w.step().kind == "sent"
        assert w.step().kind == "sent"
        full = w.step()
        assert full.kind == "idle"
        assert full.next_allowed_send == datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
        clock.now = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
        assert w.step().kind == "sent"
    statuses = session.scalars(select(OutreachItem.status)).all()
    assert sorted(statuses) == ["sent", "sent", "sent"]


def test_spam_contacts_are_never_sent(engine: Engine, session: Session, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    config.configure(**open_pacing(dry_run_path=out))
    make_contact(session, username="ann")
    make_contact(session, username="bob")
    clock = Clock()
    spam_id, ok_id = _queue(session, clock, ("ann", "hello"), ("bob", "hi"))
    # Flagged after queueing: the worker drops the row instead of sending it.
    contact = session.scalar(select(Contact).where(Contact.instagram_username == "ann"))
    assert contact is not None
    contact.tags = ["spam"]
    session.commit()
    with _worker(engine, clock) as w:
        step = w.step()
    assert step.item is not None
    assert step.item.id == ok_id
    assert [s.id for s in step.skipped] == [spam_id]
    session.expire_all()
    row = session.get(OutreachItem, spam_id)
    assert row is not None
    assert row.status == "cancelled"
    assert "spam" in (row.error or "")
    assert spam_id.hex not in out.read_text()
