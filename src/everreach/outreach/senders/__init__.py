"""Sender adapters, chosen by name (`EVERREACH_SENDER` or `everreach worker --sender`)."""

from __future__ import annotations

from everreach.config import Settings
from everreach.errors import ConfigError
from everreach.outreach.senders.base import OutboundMessage, Sender, SendResult
from everreach.outreach.senders.browser import BrowserSender
from everreach.outreach.senders.dm_server import DmServerSender
from everreach.outreach.senders.dry_run import DryRunSender
from everreach.outreach.senders.graph import GraphSender

SenderClass = type[DryRunSender] | type[GraphSender] | type[DmServerSender] | type[BrowserSender]
SENDERS: dict[str, SenderClass] = {
    DryRunSender.name: DryRunSender,
    GraphSender.name: GraphSender,
    DmServerSender.name: DmServerSender,
    BrowserSender.name: BrowserSender,
}


def sender_class(name: str) -> SenderClass:
    """The adapter class for a sender name."""
    try:
        return SENDERS[name]
    except KeyError:
        raise ConfigError(f"unknown sender {name!r}: choose one of {', '.join(SENDERS)}") from None


def make_sender(settings: Settings, name: str | None = None) -> Sender:
    """A ready sender: the one named, else the configured one."""
    return sender_class(name or settings.sender)(settings)


__all__ = ["SENDERS", "OutboundMessage", "SendResult", "Sender", "make_sender", "sender_class"]
