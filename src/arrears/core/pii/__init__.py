"""Personal data at rest: authenticated encryption with a key ring, and blind indexes.

Values such as SSNs and dates of birth are encrypted with AES-256-GCM. The first key of the ring
encrypts; any key decrypts, so keys rotate without downtime. A token names its key:
``<key id>:<base64url(nonce | ciphertext)>``. The field it belongs to is bound in as associated
data, so a token copied from one column into another fails to decrypt.

Encrypted columns cannot be searched, so lookups use blind indexes: a keyed BLAKE2b MAC of the
normalised value, under a key kept apart from the encryption keys.
"""

from arrears.core.pii.crypto import BlindIndexer, DecryptionError, KeyRing
from arrears.core.pii.normalize import (
    mask_ssn,
    normalize_email,
    normalize_phone_digits,
    normalize_ssn,
)

__all__ = [
    "BlindIndexer",
    "DecryptionError",
    "KeyRing",
    "mask_ssn",
    "normalize_email",
    "normalize_phone_digits",
    "normalize_ssn",
]
