"""SHA-256 as hex, without loading OpenSSL on every start.

`hashlib` imports `_hashlib`, which links OpenSSL's libcrypto: about 3 ms of a run's start-up,
a tenth of it, for the few cache keys and digests a run computes. CPython also carries its own
SHA-256 (`_sha2` from 3.12, `_sha256` before), a small module; it is used when present, and
`hashlib` (OpenSSL) otherwise. Both compute the same function.
"""

from __future__ import annotations


def _constructor():
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # CPython 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]  # CPython 3.10-3.11
        except ImportError:  # another interpreter, or one built without its own hashes
            from hashlib import sha256  # type: ignore[no-redef]
    return sha256


def hexdigest(data: bytes) -> str:
    return _constructor()(data).hexdigest()
