"""Lanes, the 3:1 rule and the weekly buckets."""

from __future__ import annotations

from everreach.relationship.rules.buckets import bucket_sort_key, task_bucket
from everreach.relationship.rules.evidence import infer, promise_outcomes
from everreach.relationship.rules.inputs import LoggedEntry, LoggedEvent, UserRecords
from everreach.relationship.rules.lanes import lane, three_to_one_met, touches_3_to_1
from tests.relationship.rules.build import NOW, ago, msg


def test_lanes() -> None:
    assert lane("post_win", score=10, consent_level=0, ratio_met=False).lane == "retention"
    assert lane("fit_repeats", score=10, consent_level=4, ratio_met=True).lane == "offer"
    assert lane("permissioned_offer", score=90, consent_level=8, ratio_met=True).lane == "offer"
    held = lane("fit_repeats", score=85, consent_level=0, ratio_met=True)
    assert held.lane == "friendship"
    assert held.reason == "score 85 of at least 80 (offer held back: no trust or consent yet)"
    assert lane("fit_repeats", score=50, consent_level=4, ratio_met=False).reason.endswith("3:1 rule not met)")
    assert lane("trust_signals", score=80, consent_level=4, ratio_met=True).lane == "friendship"
    assert lane(None, score=79, consent_level=0, ratio_met=False).lane == "service"
    assert lane(None, score=40, consent_level=0, ratio_met=False).lane == "service"
    assert lane(None, score=39, consent_level=0, ratio_met=False).lane == "rewarm"


def test_three_to_one_counts_inferred_and_logged() -> None:
    messages = [
        msg(30, out=True, intents=("promise",)),
        msg(29, out=True, intents=("delivers_value",)),  # value touch + the promise kept
        msg(20, out=True, intents=("offer",)),  # one offer touch
    ]
    records = UserRecords(
        value_log=(LoggedEntry("resource", ago(40)),),
        events=(LoggedEvent("template_used", ago(5), "friendship/check_in"),
                LoggedEvent("template_used", ago(4), "offer/permissioned_offer")),
    )  # fmt: skip
    items = infer(messages, records, now=NOW)
    outcomes = promise_outcomes(messages, records, now=NOW)
    assert touches_3_to_1(messages, records, items, outcomes) == (4, 2)
    assert three_to_one_met(4, 2) is False
    assert three_to_one_met(9, 2) is True
    assert three_to_one_met(3, 0) is True


def test_buckets_and_exclusions() -> None:
    common = {"consent_level": 4, "ratio_met": True, "open_message": False, "last_touch": ago(10), "now": NOW}
    assert task_bucket(score=70, stage="trust_signals", spam=False, **common) == "micro_wins"
    assert task_bucket(score=45, stage=None, spam=False, **common) == "curiosity"
    assert task_bucket(score=20, stage=None, spam=False, **common) == "rewarm"
    assert task_bucket(score=20, stage="fit_repeats", spam=False, **common) == "offers"
    assert task_bucket(score=20, stage="permissioned_offer", spam=False, **common) == "offers"
    assert task_bucket(score=20, stage="post_win", spam=False, **common) == "rewarm"
    assert task_bucket(score=90, stage=None, spam=True, **common) is None
    assert task_bucket(score=90, stage=None, spam=False, **{**common, "open_message": True}) is None
    assert task_bucket(score=90, stage=None, spam=False, **{**common, "last_touch": ago(2)}) is None
    ranked = sorted(["stranger", "old_friend"], key=lambda k: bucket_sort_key(
        "rewarm", score=10, resonance={"stranger": 2, "old_friend": 15}[k], key=k))  # fmt: skip
    assert ranked == ["old_friend", "stranger"]
