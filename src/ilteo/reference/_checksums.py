"""sha256 of source files, remembered by a cheap fingerprint (size + modification time).

A file is hashed again only when its size or mtime changed since the last hash, so the warm path
of :func:`ilteo.reference.load` costs one ``stat`` per source file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ilteo.reference._atomic import read_json, write_json

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``.

    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


class ChecksumCache:
    """Checksums of files keyed by absolute path, valid while size and mtime are unchanged.

    Stored as one JSON file under the reference cache; losing it only costs re-hashing.
    """

    def __init__(self, store: Path) -> None:
        self._store = store
        raw = read_json(store)
        self._entries: dict[str, list[object]] = raw if isinstance(raw, dict) else {}
        self._dirty = False

    def checksum(self, path: Path) -> str:
        """The sha256 of ``path``, from the cache when its fingerprint is unchanged."""
        stat = path.stat()
        key = str(path.resolve())
        entry = self._entries.get(key)
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and entry[0] == stat.st_size
            and entry[1] == stat.st_mtime_ns
            and isinstance(entry[2], str)
        ):
            return entry[2]
        value = sha256_file(path)
        self._entries[key] = [stat.st_size, stat.st_mtime_ns, value]
        self._dirty = True
        return value

    def save(self) -> None:
        """Persist new checksums (atomically); a no-op when nothing changed."""
        if self._dirty:
            write_json(self._store, self._entries)
            self._dirty = False
