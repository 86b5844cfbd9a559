"""Documents on the local filesystem, one file per key under a root directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class FilesystemStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(p in ("..", ".", "") or "\\" in p for p in parts):
            raise ValueError(f"not a document key: {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, content: bytes) -> None:
        """Write atomically: a reader sees the old bytes or the new, never half a file."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True
