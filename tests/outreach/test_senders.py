"""Network senders against real local HTTP servers that follow the Graph Send API and DM server contracts."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from everreach.config import Settings
from everreach.errors import ConfigError
from everreach.outreach.senders import OutboundMessage, make_sender, sender_class
from everreach.outreach.senders.dm_server import DmServerSender
from everreach.outreach.senders.dry_run import DryRunSender
from everreach.outreach.senders.graph import GraphSender
from tests.outreach.factories import T0
from tests.outreach.servers import Reply, serve, unused_port_url


def message(**kw: object) -> OutboundMessage:
    values: dict[str, object] = {
        "queue_id": uuid.uuid4(),
        "contact_id": uuid.uuid4(),
        "username": "ann",
        "text": "hey ann, how did the launch go?",
        "now": T0,
        "igsid": "17841400000000001",
        "last_inbound_at": T0 - timedelta(hours=2),
    }
    values.update(kw)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def graph(url: str, **kw: object) -> GraphSender:
    settings = Settings(graph_api_url=url, graph_access_token="tok-123", graph_account_id="9001", **kw)  # type: ignore[arg-type]
    return GraphSender(settings)


def dm(url: str, **kw: object) -> DmServerSender:
    return DmServerSender(Settings(dm_server_url=url, **kw))  # type: ignore[arg-type]


def graph_error(code: int, status: int = 400, **extra: object) -> Reply:
    return Reply(
        status=status,
        json_body={"error": {"message": f"error {code}", "type": "OAuthException", "code": code, **extra}},
    )


# -- graph ---------------------------------------------------------------------------------------------------


def test_graph_posts_the_send_api_body_with_the_bearer_token() -> None:
    with serve(lambda r: Reply(json_body={"recipient_id": "17841400000000001", "message_id": "mid.abc"})) as srv:
        result = graph(srv.url).send(message())
    assert result.kind == "sent"
    assert result.external_id == "mid.abc"
    [got] = srv.received
    assert got.path == "/9001/messages"
    assert got.headers["authorization"] == "Bearer tok-123"
    assert got.body == {
        "recipient": {"id": "17841400000000001"},
        "message": {"text": "hey ann, how did the launch go?"},
    }


def test_graph_refuses_outside_the_24_hour_window_without_calling() -> None:
    with serve(lambda r: Reply(json_body={"message_id": "x"})) as srv:
        late = graph(srv.url).send(message(last_inbound_at=T0 - timedelta(hours=25)))
        never = graph(srv.url).send(message(last_inbound_at=None))
        no_id = graph(srv.url).send(message(igsid=None))
    assert late.kind == never.kind == no_id.kind == "failed"
    assert "24-hour messaging window" in (late.error or "")
    assert "Instagram-scoped id" in (no_id.error or "")
    assert srv.received == []


def test_graph_human_agent_tag_extends_the_window_to_seven_days() -> None:
    with serve(lambda r: Reply(json_body={"message_id": "mid.tagged"})) as srv:
        sender = graph(srv.url, graph_human_agent=True)
        tagged = sender.send(message(last_inbound_at=T0 - timedelta(days=3)))
        inside = sender.send(message(last_inbound_at=T0 - timedelta(hours=1)))
        too_old = sender.send(message(last_inbound_at=T0 - timedelta(days=8)))
    assert (tagged.kind, inside.kind, too_old.kind) == ("sent", "sent", "failed")
    assert "7-day human-agent" in (too_old.error or "")
    first, second = srv.bodies()
    assert first["messaging_type"] == "MESSAGE_TAG"
    assert first["tag"] == "HUMAN_AGENT"
    assert "tag" not in second
    assert len(srv.received) == 2


def test_graph_text_limit_is_1000_bytes_of_utf8() -> None:
    assert GraphSender.check_text("a" * 1000) is None
    assert "1200 bytes" in (GraphSender.check_text("é" * 600) or "")
    assert DryRunSender.check_text("é" * 600) is None  # 600 characters fit Instagram's box
    with serve(lambda r: Reply(json_body={"message_id": "x"})) as srv:
        result = graph(srv.url).send(message(text="é" * 600))
    assert result.kind == "failed"
    assert srv.received == []


@pytest.mark.parametrize(
    ("reply", "kind", "needle"),
    [
        (graph_error(4, status=403), "retry", "Graph error 4"),
        (graph_error(613, headers_ignored=True), "retry", "Graph error 613"),
        (graph_error(2, status=500), "retry", "Graph error 2"),
        (graph_error(1200, status=500), "retry", "Graph error 1200"),
        (graph_error(100, error_subcode=2018001), "failed", "Graph error 100/2018001"),
        (graph_error(190, status=401), "failed", "Graph error 190"),
        (graph_error(10, status=403, error_subcode=2534022), "failed", "Graph error 10/2534022"),
        (graph_error(551), "failed", "Graph error 551"),
        (graph_error(1, status=500), "failed", "delivery unknown"),
        (graph_error(9999, is_transient=True), "retry", "Graph error 9999"),
        (Reply(status=429, raw=b"slow down", headers={"Retry-After": "42"}), "retry", "HTTP 429"),
        (Reply(status=503, raw=b"<html>unavailable</html>"), "retry", "unavailable (HTTP 503)"),
        (Reply(status=500, raw=b"<html>oops</html>"), "failed", "delivery unknown: HTTP 500"),
        (Reply(status=200, raw=b"not json at all"), "failed", "delivery unknown"),
        (Reply(status=200, json_body={"recipient_id": "1"}), "failed", "without a message_id"),
        (Reply(status=404, raw=b"nope"), "failed", "refused (HTTP 404)"),
    ],
)
def test_graph_maps_answers_to_sent_failed_or_retry(reply: Reply, kind: str, needle: str) -> None:
    with serve(lambda r: reply) as srv:
        result = graph(srv.url).send(message())
    assert result.kind == kind
    assert needle in (result.error or "")
    if reply.headers.get("Retry-After"):
        assert result.retry_after == 42


def test_graph_timeout_is_delivery_unknown_and_refused_connection_is_retryable() -> None:
    with serve(lambda r: Reply(json_body={"message_id": "late"}, delay=3)) as srv:
        slow = graph(srv.url, sender_timeout_seconds=0.3).send(message())
    assert slow.kind == "failed"
    assert "delivery unknown" in (slow.error or "")
    assert len(srv.received) == 1
    down = graph(unused_port_url()).send(message())
    assert down.kind == "retry"
    assert "cannot reach" in (down.error or "")


def test_graph_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="GRAPH_ACCESS_TOKEN"):
        GraphSender(Settings())


# -- dm-server -----------------------------------------------------------------------------------------------


def test_dm_server_posts_username_and_text() -> None:
    with serve(lambda r: Reply(json_body={"success": True, "messageId": "m-1"})) as srv:
        result = dm(srv.url, dm_server_token="s3cret").send(message())
    assert result.kind == "sent"
    assert result.external_id == "m-1"
    [got] = srv.received
    assert got.path == "/api/messages/send-to"
    assert got.body == {"username": "ann", "text": "hey ann, how did the launch go?"}
    assert got.headers["authorization"] == "Bearer s3cret"


@pytest.mark.parametrize(
    ("reply", "kind", "needle"),
    [
        (Reply(status=429, json_body={"error": "rate limited"}, headers={"Retry-After": "120"}), "retry", "rate limit"),
        (Reply(status=429, raw=b""), "retry", "HTTP 429"),
        (Reply(status=200, json_body={"success": False, "error": "user not found"}), "failed", "user not found"),
        (Reply(status=400, json_body={"error": "username required"}), "failed", "refused (HTTP 400)"),
        (Reply(status=500, json_body={"error": "safari crashed"}), "failed", "delivery unknown"),
        (Reply(status=502, raw=b"bad gateway"), "retry", "unavailable (HTTP 502)"),
        (Reply(status=200, raw=b"<html>ok?</html>"), "failed", "malformed"),
        (Reply(status=200, json_body=["not", "an", "object"]), "failed", "malformed"),
    ],
)
def test_dm_server_maps_answers(reply: Reply, kind: str, needle: str) -> None:
    with serve(lambda r: reply) as srv:
        result = dm(srv.url).send(message())
    assert result.kind == kind
    assert needle in (result.error or "")
    if reply.headers.get("Retry-After"):
        assert result.retry_after == 120


def test_dm_server_timeout_and_refused_connection() -> None:
    with serve(lambda r: Reply(json_body={"success": True}, delay=3)) as srv:
        slow = dm(srv.url, sender_timeout_seconds=0.3).send(message())
    assert slow.kind == "failed"
    assert "delivery unknown" in (slow.error or "")
    down = dm(unused_port_url()).send(message())
    assert down.kind == "retry"


def test_dm_server_refuses_over_1000_characters_without_calling() -> None:
    with serve(lambda r: Reply(json_body={"success": True})) as srv:
        result = dm(srv.url).send(message(text="x" * 1001))
    assert result.kind == "failed"
    assert srv.received == []


# -- dry-run and the registry ----------------------------------------------------------------------------------


def test_dry_run_appends_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "outbox.jsonl"
    sender = make_sender(Settings(dry_run_path=out))
    first, second = message(), message(username="bob", text="hi bob ✨")
    assert sender.send(first).kind == "sent"
    assert sender.send(second).kind == "sent"
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["queue_id"], x["username"], x["text"]) for x in lines] == [
        (first.queue_id.hex, "ann", first.text),
        (second.queue_id.hex, "bob", "hi bob ✨"),
    ]
    assert not sender.delivers


def test_dry_run_defaults_to_the_data_dir(tmp_path: Path) -> None:
    sender = DryRunSender(Settings(data_dir=tmp_path))
    assert sender.path == tmp_path / "outbox.jsonl"


def test_unknown_sender_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown sender 'carrier-pigeon'"):
        sender_class("carrier-pigeon")
