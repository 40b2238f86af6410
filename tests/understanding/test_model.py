"""The packaged model loads with no network at all; without it the lexical matcher still answers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from everreach.understanding import MessageToRead, get_classifier, service
from everreach.understanding.model import ModelUnavailableError, load_model, package_folder
from tests.understanding.conftest import seed_signals


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("message understanding tried to open a network connection")


def test_loads_and_classifies_with_sockets_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    model = load_model(package_folder())  # a fresh read of the files, not the process-wide copy
    assert model.embedding.shape == (32000, 256)
    service.clear_cache()
    classifier = get_classifier(seed_signals())
    assert classifier.source == "model"
    matches = classifier.classify([MessageToRead("what do you think of my new logo?", is_outbound=False)])[0]
    assert [m.key for m in matches] == ["asks_opinion"]
    assert matches[0].source == "model"


def test_weights_and_tokenizer_ship_inside_the_wheel() -> None:
    folder = package_folder()
    assert (folder / "weights" / "l2_supercat_256.safetensors").stat().st_size > 10_000_000
    assert (folder / "tokenizers" / "l2_supercat_tokenizer_config.json").is_file()


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="cannot read the embedding model"):
        load_model(tmp_path)


def test_falls_back_to_the_lexical_matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise ModelUnavailableError("not installed")

    monkeypatch.setattr(service, "load_model", unavailable)
    classifier = get_classifier(seed_signals())
    assert classifier.source == "lexical"
    inbound = classifier.classify(
        [
            MessageToRead("honestly i always forget to follow up w people", is_outbound=False),
            MessageToRead("i never forget to follow up", is_outbound=False),
            MessageToRead("i could use your help with my funnel", is_outbound=False),
        ]
    )
    follow_up = {m.key: m for m in inbound[0]}["follow_up_messy"]
    assert follow_up.source == "lexical"
    assert follow_up.nearest_phrase in {"I keep forgetting to follow up", "i always forget to follow up"}
    assert inbound[1] == ()
    assert [m.key for m in inbound[2]] == ["asks_for_help"]  # without the model, intents come from their phrases
