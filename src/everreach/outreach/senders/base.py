"""The sender adapter protocol: what the worker hands a sender, and the three ways a send can end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal, Protocol

#: Instagram's own limit on one DM's text, used by senders that type into Instagram.
INSTAGRAM_TEXT_CHARS = 1000


@dataclass(frozen=True)
class OutboundMessage:
    """Everything a sender needs, gathered by the worker in the claim transaction (senders never query)."""

    queue_id: uuid.UUID
    contact_id: uuid.UUID | None
    username: str
    text: str
    now: datetime
    igsid: str | None = None
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class SendResult:
    """How one send ended.

    - ``sent``: delivered (``external_id`` is the provider's message id when it gives one);
    - ``failed``: not delivered, or delivery unknown; never retried automatically;
    - ``retry``: certainly not delivered and worth another try after ``retry_after`` seconds.
    """

    kind: Literal["sent", "failed", "retry"]
    error: str | None = None
    external_id: str | None = None
    retry_after: float | None = None

    @classmethod
    def sent(cls, external_id: str | None = None) -> SendResult:
        """A delivered message."""
        return cls("sent", external_id=external_id)

    @classmethod
    def failed(cls, error: str) -> SendResult:
        """A definitive failure (or an unknown outcome, which must not be retried)."""
        return cls("failed", error=error)

    @classmethod
    def retry(cls, error: str, *, after: float) -> SendResult:
        """A send that certainly did not happen and may be tried again later."""
        return cls("retry", error=error, retry_after=after)


class Sender(Protocol):
    """A way to deliver one text to one contact."""

    name: ClassVar[str]
    #: False for senders that deliver nothing to Instagram (dry-run): no message is recorded for them.
    delivers: ClassVar[bool]
    #: True when it needs the contact's Instagram-scoped id and last inbound time (the Graph API does).
    needs_recipient: ClassVar[bool]

    @classmethod
    def check_text(cls, text: str) -> str | None:
        """Why this sender cannot send the text (e.g. over its length limit), or None."""
        ...

    def send(self, message: OutboundMessage) -> SendResult:
        """Deliver one message; never raises for delivery problems, it returns them."""
        ...

    def describe(self) -> str:
        """One line saying where this sender delivers (shown by `everreach worker`)."""
        ...

    def close(self) -> None:
        """Release connections or files."""
        ...


def check_chars(text: str, limit: int) -> str | None:
    """The over-limit message for a character limit, or None."""
    if len(text) > limit:
        return f"text is {len(text)} characters; the limit is {limit}"
    return None
