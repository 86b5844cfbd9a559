"""``field__any_of=[...]``: membership in a long list, bound as one array on PostgreSQL.

Django's ``__in`` prepares every value and writes one placeholder per value; for the thousands
of ids and references a payment batch looks up, that costs more of our CPU than the query costs
the server. ``any_of`` binds the list as a single array (``= ANY(%s)``) on PostgreSQL and falls
back to ``IN`` elsewhere. Values are passed as they are, so give it values of the column's type.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup


@models.Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        marks = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({marks})", [*lhs_params, *values]


models.ForeignObject.register_lookup(AnyOf)
