"""Acceptance on the hand-written archetype export (tests/fixtures/archetypes, README there).

The export is read by the real importer's reader (mojibake and all); each message gets the stored text features
from `everreach.messages.features` and the intents the classifier would give it, from labels.json. Then every
v2 rule runs at the export's fixed now.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from everreach.ingest.mapping import detect_owner, same_person, username_from_folder
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import Source
from everreach.messages.features import excerpt, is_meaningful, text_features
from everreach.relationship.rules.assess import Assessment, assess
from everreach.relationship.rules.buckets import bucket_sort_key, task_bucket
from everreach.relationship.rules.components import last_touch
from everreach.relationship.rules.inputs import MessageFacts, UserRecords

EXPORT = Path(__file__).parents[2] / "fixtures" / "archetypes"
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
SEED = Path(__file__).parents[3] / "src" / "everreach" / "data" / "seed_defaults.toml"


@dataclass(frozen=True)
class Contact:
    username: str
    messages: tuple[MessageFacts, ...]
    result: Assessment
    spam: bool


def _spam_tags() -> list[str]:
    seed = tomllib.loads(SEED.read_text(encoding="utf-8"))
    return [tag.strip().lower() for row in seed["spam_pattern"] for tag in row["value"].split(",") if tag.strip()]


@pytest.fixture(scope="module")
def contacts() -> dict[str, Contact]:
    labels = json.loads((EXPORT / "labels.json").read_text(encoding="utf-8"))
    tags = _spam_tags()
    with Source(EXPORT) as source:
        threads = [t for unit in source.units() for t in read_unit(source, unit, timezone="UTC")]
    owner = detect_owner([t.participants for t in threads])
    assert owner == "Alex Møller"
    out = {}
    for t in threads:
        folder = t.key
        username = username_from_folder(folder) or folder
        feats = text_features([m.text for m in t.messages])
        facts = []
        for i, m in enumerate(t.messages):
            label = labels[folder].get(str(m.timestamp_ms), {})
            intents = set(label.get("intents", ()))
            automated = "automated" in intents
            facts.append(
                MessageFacts(
                    id=f"{username}:{i}",
                    sent_at=datetime.fromtimestamp(m.timestamp_ms / 1000, tz=UTC),
                    is_outbound=same_person(m.sender, owner),
                    automated=automated,
                    meaningful=is_meaningful(filler=feats.filler[i], automated=automated, message_type=m.message_type),
                    length=feats.length[i],
                    question=feats.question[i],
                    self_disclosure=feats.self_disclosure[i],
                    emotion=feats.emotion[i],
                    intents=frozenset(intents - {"automated"}),
                    fit_signals=frozenset(label.get("fit_signals", ())),
                    excerpt=excerpt(m.text),
                )
            )
        spam = any(tag in m.text.lower() for m in t.messages if not same_person(m.sender, owner) for tag in tags)
        out[username] = Contact(username, tuple(facts), assess(facts, UserRecords(), now=NOW), spam)
    return out


def _bucket(c: Contact) -> str | None:
    r = c.result
    return task_bucket(
        score=r.score, stage=r.stage, consent_level=r.values()["consent_level"], ratio_met=r.ratio_met, spam=c.spam,
        open_message=False, last_touch=last_touch(c.messages, now=NOW), now=NOW,
    )  # fmt: skip


def test_the_export_has_at_least_12_contacts(contacts: dict[str, Contact]) -> None:
    assert len(contacts) >= 12
    assert "zoe.dubois" in contacts
    assert contacts["theo.martin"].messages[0].excerpt.startswith("bonjour")
    assert all(m.sent_at < NOW for c in contacts.values() for m in c.messages)


def test_the_close_friend_scores_at_least_60(contacts: dict[str, Contact]) -> None:
    friend = contacts["maya.ortiz"].result
    assert friend.score >= 60
    assert friend.lane.lane == "friendship"


def test_the_dormant_friendship_ranks_above_the_stranger_in_rewarm(contacts: dict[str, Contact]) -> None:
    dormant, stranger = contacts["sam.okafor"], contacts["mira.walks"]
    assert _bucket(dormant) == _bucket(stranger) == "rewarm"
    rewarm = sorted(
        (c for c in contacts.values() if _bucket(c) == "rewarm"),
        key=lambda c: bucket_sort_key("rewarm", score=c.result.score, resonance=c.result.values()["resonance"],
                                      key=c.username),
    )  # fmt: skip
    order = [c.username for c in rewarm]
    assert order.index("sam.okafor") < order.index("mira.walks")
    assert dormant.result.values()["resonance"] > stranger.result.values()["resonance"]


def test_promise_then_link_shows_a_kept_promise_and_value(contacts: dict[str, Contact]) -> None:
    kinds = {e.kind for e in contacts["omar.haddad"].result.evidence}
    assert {"promise", "promise_kept", "value_delivered"} <= kinds
    assert contacts["omar.haddad"].result.values()["reliability"] == 20
    assert contacts["omar.haddad"].result.values()["value_delivered"] >= 6


def test_the_repeating_pain_reaches_fit_repeats(contacts: dict[str, Contact]) -> None:
    dev = contacts["dev.patel"].result
    assert [s.stage for s in dev.steps] == [
        "context_captured", "micro_win_delivered", "cadence_established", "trust_signals", "fit_repeats",
    ]  # fmt: skip
    assert dev.stage == "fit_repeats"


def test_the_spammer_is_in_no_bucket(contacts: dict[str, Contact]) -> None:
    assert contacts["crypto.king.fx"].spam
    assert _bucket(contacts["crypto.king.fx"]) is None
    assert not any(c.spam for name, c in contacts.items() if name != "crypto.king.fx")


def test_scores_take_at_least_six_distinct_values(contacts: dict[str, Contact]) -> None:
    assert len({c.result.score for c in contacts.values()}) >= 6


def test_the_other_archetypes_read_as_a_person_would(contacts: dict[str, Contact]) -> None:
    assert contacts["lena.k"].result.stage == "permissioned_offer"
    assert contacts["nina.berg"].result.cadence.going_cold
    ivy = contacts["ivy.chen"].result
    assert [a.action_key for a in ivy.actions[:2]] == ["answer_question", "deliver_promise"]
    assert "introduce you two" in ivy.actions[1].text
    assert "promises_left_open" in {n.rule for n in ivy.coach}
    assert contacts["theo.martin"].result.actions[0].action_key == "answer_question"
    rhea = {n.rule for n in contacts["rhea.sol"].result.coach}
    assert {"pitching_before_consent", "double_texting"} <= rhea
    assert contacts["ben.silva"].result.values()["recency"] == 0  # automated sends only
