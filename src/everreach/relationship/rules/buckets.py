"""Weekly task buckets (DESIGN.md §3): which bucket a contact falls in, and the order inside each.

offers: the offer lane, an offer stage (fit_repeats, or permissioned_offer: they said yes to hearing one) with
consent and the 3:1 rule met (5); micro_wins: score >= 60 (10); curiosity: 40-59
(10); rewarm: < 40 (5, the most resonance first: a deep friendship gone quiet keeps part of its resonance, a
one-off stranger never had much). Spam, a contact with a message pending or scheduled, and a contact touched in
the last 3 days are in no bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from everreach.relationship.rules.lanes import OFFER_STAGES

BUCKET_SIZES: Mapping[str, int] = {"micro_wins": 10, "curiosity": 10, "rewarm": 5, "offers": 5}
#: The lowest score of each score bucket (rewarm: everything below curiosity's).
MICRO_WINS_MIN, CURIOSITY_MIN = 60, 40
RECENT_TOUCH = timedelta(days=3)


def task_bucket(
    *, score: int, stage: str | None, consent_level: int, ratio_met: bool, spam: bool, open_message: bool,
    last_touch: datetime | None, now: datetime,
) -> str | None:  # fmt: skip
    """The bucket of one contact this week, or None."""
    if spam or open_message or (last_touch is not None and now - last_touch < RECENT_TOUCH):
        return None
    if stage in OFFER_STAGES and consent_level > 0 and ratio_met:
        return "offers"
    if score >= MICRO_WINS_MIN:
        return "micro_wins"
    if score >= CURIOSITY_MIN:
        return "curiosity"
    return "rewarm"


def bucket_sort_key(bucket: str, *, score: int, resonance: int, key: str) -> tuple[int, str]:
    """Order inside a bucket: rewarm by resonance, every other bucket by score, highest first; then by key."""
    return (-(resonance if bucket == "rewarm" else score), key)
