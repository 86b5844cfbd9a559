"""Placement files: the default layout, TOML mappings for other layouts, row validation.

Pure: no Django, no I/O, no clock (``today`` is an argument). Reading files is
``arrears.services.placements.readers``; loading rows is ``arrears.services.placements``.
"""

from arrears.core.formats.placements._amounts import parse_minor, parse_rate_ppm
from arrears.core.formats.placements._checks import (
    CURRENCIES,
    fold_last_name,
    fold_name,
    normalise_email,
    normalise_phone,
    normalise_ssn,
    normalise_zip,
)
from arrears.core.formats.placements.layout import (
    CREDITOR_CLASSIFICATIONS,
    DAY_COUNTS,
    DEFAULT_HEADER,
    FIELD_NAMES,
    FIELDS,
    ITEMIZATION_BASES,
    PARTY_TYPES,
    PHONE_TYPES,
    REJECT_CODES,
    STATES,
    FieldSpec,
)
from arrears.core.formats.placements.mapping import (
    BoundMapping,
    HeaderError,
    Mapping,
    MappingError,
    load_mapping,
)
from arrears.core.formats.placements.rows import (
    PlacementRow,
    Reject,
    person_key,
    validate_row,
)

__all__ = [
    "CREDITOR_CLASSIFICATIONS",
    "CURRENCIES",
    "DAY_COUNTS",
    "DEFAULT_HEADER",
    "FIELDS",
    "FIELD_NAMES",
    "ITEMIZATION_BASES",
    "PARTY_TYPES",
    "PHONE_TYPES",
    "REJECT_CODES",
    "STATES",
    "BoundMapping",
    "FieldSpec",
    "HeaderError",
    "Mapping",
    "MappingError",
    "PlacementRow",
    "Reject",
    "fold_last_name",
    "fold_name",
    "load_mapping",
    "normalise_email",
    "normalise_phone",
    "normalise_ssn",
    "normalise_zip",
    "parse_minor",
    "parse_rate_ppm",
    "person_key",
    "validate_row",
]
