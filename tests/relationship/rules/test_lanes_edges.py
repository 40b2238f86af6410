"""Lanes, the 3:1 rule and the weekly buckets at their edges, with every reason."""

from __future__ import annotations

from everreach.relationship.rules.buckets import bucket_sort_key, task_bucket
from everreach.relationship.rules.evidence import infer, promise_outcomes
from everreach.relationship.rules.inputs import LoggedEntry, UserRecords
from everreach.relationship.rules.lanes import LaneDecision, lane, touches_3_to_1
from tests.relationship.rules.build import NOW, ago, msg


def test_lane_reasons() -> None:
    assert lane("post_win", score=10, consent_level=0, ratio_met=False) == LaneDecision(
        "retention", "after a purchase: keep helping"
    )
    assert lane("permissioned_offer", score=10, consent_level=1, ratio_met=True) == LaneDecision(
        "offer", "permissioned offer with trust and the 3:1 rule met"
    )  # consent above 0 is enough
    assert lane("fit_repeats", score=50, consent_level=1, ratio_met=False) == LaneDecision(
        "service", "score 50 between 40 and 79 (offer held back: 3:1 rule not met)"
    )
    assert lane(None, score=20, consent_level=0, ratio_met=False) == LaneDecision("rewarm", "score 20 below 40")


def test_three_to_one_counts_logged_kept_promises_but_no_promise_or_broken_one() -> None:
    log = (LoggedEntry("promise", ago(50)), LoggedEntry("promise", ago(48)), LoggedEntry("promise_kept", ago(45)))
    records = UserRecords(value_log=log)
    broken = [msg(40, out=True, intents=("promise",))]
    items = infer(broken, records, now=NOW)
    assert touches_3_to_1(broken, records, items, promise_outcomes(broken, records, now=NOW)) == (1, 0)


COMMON = {"stage": None, "consent_level": 0, "ratio_met": False, "spam": False, "open_message": False, "now": NOW}


def test_bucket_edges() -> None:
    assert task_bucket(score=60, last_touch=ago(3), **COMMON) == "micro_wins"  # touched exactly 3 days ago: in
    assert task_bucket(score=40, last_touch=None, **COMMON) == "curiosity"
    assert task_bucket(score=39, last_touch=None, **COMMON) == "rewarm"
    offer = {**COMMON, "stage": "fit_repeats", "ratio_met": True}
    assert task_bucket(score=10, last_touch=None, **{**offer, "consent_level": 1}) == "offers"
    assert task_bucket(score=10, last_touch=None, **offer) == "rewarm"  # no consent: no offer


def test_only_rewarm_is_ordered_by_resonance() -> None:
    assert bucket_sort_key("rewarm", score=10, resonance=15, key="k") == (-15, "k")
    assert bucket_sort_key("micro_wins", score=70, resonance=15, key="k") == (-70, "k")
