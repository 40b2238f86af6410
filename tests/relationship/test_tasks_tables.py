"""The Core-only reads in relationship/tasks.py name each column as the models define it."""

from __future__ import annotations

import pytest
from sqlalchemy import TableClause

from everreach.db.models import Base
from everreach.relationship.tasks import CONTACTS, OFFER_READY, RANKS


@pytest.mark.parametrize("light", [CONTACTS, OFFER_READY, RANKS], ids=lambda t: t.name)
def test_each_column_has_the_models_name_and_type(light: TableClause) -> None:
    model = Base.metadata.tables[light.name]
    for col in light.columns:
        assert col.name in model.columns, f"{light.name}.{col.name} is not in the models"
        assert type(col.type) is type(model.columns[col.name].type), f"{light.name}.{col.name}"
