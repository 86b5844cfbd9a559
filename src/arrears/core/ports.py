"""Ports: what the core and the use cases need from the outside world, as Protocols.

Adapters (``arrears.adapters``) implement them; settings name the implementation in use
(``ARREARS_DOCUMENT_STORE``, ``ARREARS_LETTERS``), so swapping the filesystem for an object store
or the letter renderer for a print vendor's is configuration, not code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from arrears.core.compliance.validation import ValidationNotice, VerificationLetter


class DocumentStore(Protocol):
    """Bytes kept under a key such as ``accounts/42/notices/VN-42-20261123.pdf``."""

    def put(self, key: str, content: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...  # raises KeyError when absent

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...  # True when something was deleted


class LetterRenderer(Protocol):
    def validation_notice_html(self, notice: ValidationNotice) -> str: ...

    def verification_letter_html(self, letter: VerificationLetter) -> str: ...

    def pdf(self, html: str) -> bytes: ...
