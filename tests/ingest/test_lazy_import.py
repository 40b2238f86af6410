"""The importer loads on first use: the message writers need only `ingest.text`, not the whole importer."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(statement: str) -> set[str]:
    script = f"import sys\n{statement}\nprint('\\n'.join(m for m in sys.modules if m.startswith('everreach')))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_text_rules_load_without_the_importer() -> None:
    loaded = _loaded_after("import everreach.ingest.text")
    assert "everreach.ingest.service" not in loaded
    assert "everreach.messages.writer" not in loaded


def test_the_package_still_offers_the_importer() -> None:
    loaded = _loaded_after("from everreach.ingest import ImportSummary, import_export")
    assert "everreach.ingest.service" in loaded


def test_an_unknown_name_is_an_attribute_error() -> None:
    import everreach.ingest

    with pytest.raises(AttributeError, match="no_such_thing"):
        everreach.ingest.no_such_thing  # noqa: B018
