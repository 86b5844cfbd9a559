"""Index kinds the data models share."""

from __future__ import annotations

from typing import Any

from django.db import models


class EqualityIndex(models.Index):
    """An index only ever searched for equal values: hash on PostgreSQL, B-tree elsewhere.

    For random keys such as blind indexes a hash index takes inserts at a fraction of a B-tree's
    cost (no ordered page to find and split) and is smaller. It serves ``=`` only: no ranges, no
    ``= ANY``, no uniqueness.
    """

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            using = " USING hash"
        return super().create_sql(model, schema_editor, using=using, **kwargs)
