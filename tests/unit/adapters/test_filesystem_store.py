"""The filesystem document store: keys stay inside the root, writes are whole."""

from __future__ import annotations

import pytest

from arrears.adapters.storage.filesystem import FilesystemStore


def test_put_get_exists_delete(tmp_path) -> None:
    store = FilesystemStore(tmp_path)
    store.put("accounts/1/notices/a.pdf", b"%PDF-1")
    assert store.exists("accounts/1/notices/a.pdf")
    assert store.get("accounts/1/notices/a.pdf") == b"%PDF-1"
    store.put("accounts/1/notices/a.pdf", b"%PDF-2")
    assert store.get("accounts/1/notices/a.pdf") == b"%PDF-2"
    assert store.delete("accounts/1/notices/a.pdf") is True
    assert store.delete("accounts/1/notices/a.pdf") is False
    assert not store.exists("accounts/1/notices/a.pdf")
    with pytest.raises(KeyError):
        store.get("accounts/1/notices/a.pdf")
    assert [p.name for p in (tmp_path / "accounts/1/notices").iterdir()] == []  # no temp files


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "", "a//b", "./a"])
def test_keys_cannot_leave_the_root(tmp_path, key) -> None:
    store = FilesystemStore(tmp_path / "root")
    with pytest.raises(ValueError, match="not a document key"):
        store.put(key, b"x")
    assert not (tmp_path / "x").exists()
