"""What the load is made of: a realistic mix of dashboard and API calls, one write in ten.

Out of ten requests: 2 this week's tasks, 3 a contact's detail, 2 the contacts list (by score, first or second
page, sometimes by name), 2 a message search (common, rare and absent words, a person's name), 1 a write
(a value-log entry or a context-card change on a random contact). The trivial route is the same-run
baseline: an unrouted path, which crosses every middleware and the router and then answers 404.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlencode

TRIVIAL_PATH = "/__baseline_unrouted__"
WEIGHTS = {"tasks": 2, "contact detail": 3, "contacts list": 2, "search": 2, "write": 1}
SEARCH_TERMS = (
    "launch", "thanks", "pricing page", "newsletter", "workshop", "bakery", "Priya", "copywriting",
    "follow-up system", "invoice", "refund",  # the last two appear in no message
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    """One request to send, and what answer counts as success."""

    label: str
    method: str
    path: str
    json: dict[str, str] | None = None
    ok: int = 200


class Mix:
    """Draws requests of the mix (seeded, so every engine gets the same sequence)."""

    def __init__(self, usernames: list[str], *, seed: int) -> None:
        self.usernames = usernames
        self.rng = random.Random(seed)
        self.labels = list(WEIGHTS)
        self.weights = list(WEIGHTS.values())

    def draw(self) -> Request:
        """The next request of the mix."""
        rng = self.rng
        label = rng.choices(self.labels, self.weights)[0]
        if label == "tasks":
            return Request(label, "GET", "/api/v1/tasks")
        if label == "contact detail":
            return Request(label, "GET", f"/api/v1/contacts/{rng.choice(self.usernames)}")
        if label == "contacts list":
            sort = "username" if rng.random() < 0.2 else "score"
            return Request(label, "GET", f"/api/v1/contacts?sort={sort}&limit=50&offset={rng.choice([0, 0, 50])}")
        if label == "search":
            return Request(label, "GET", "/api/v1/search?" + urlencode({"q": rng.choice(SEARCH_TERMS), "limit": 20}))
        username = rng.choice(self.usernames)
        if rng.random() < 0.5:
            return Request(label, "POST", f"/api/v1/contacts/{username}/value", {"kind": "link", "note": "bench"})
        return Request(label, "PUT", f"/api/v1/contacts/{username}/context", {"current_friction": "bench"})


def trivial() -> Request:
    """The baseline request."""
    return Request("trivial", "GET", TRIVIAL_PATH, ok=404)
