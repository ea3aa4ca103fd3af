"""The data files, `data/<name>.toml`, read without tomllib on every start.

The TOML files are what people edit (comments, one entry per image, sources). Next to each is a
JSON copy, `data/<name>.json`, that a run reads instead: json is loaded anyway and reads it in a
fraction of a millisecond, where importing tomllib and parsing the TOML costs about 6 ms per start
(more than a third of an editor's budget). The copy records the CRC-32 of the TOML it was made
from; when the TOML has changed since, the TOML itself is read, so a stale copy is never used.
`python -m fixer.datafiles` rewrites the copies; tests/test_images.py fails while one is stale.
"""

from __future__ import annotations

import json
import os

# a plain path: importlib.resources costs ~5 ms of imports, and the package is never zipped
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
NAMES = ("images", "accounts", "commands", "service-users")


def _crc(raw: bytes) -> int:
    from binascii import crc32

    return crc32(raw)


def _from_toml(raw: bytes) -> dict:
    try:
        import tomllib
    except ImportError:  # pragma: no cover (Python 3.10)
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(raw.decode("utf-8"))


def load(name: str) -> dict:
    """The contents of `data/<name>.toml`: from its JSON copy when that was made from this text."""
    with open(os.path.join(HERE, name + ".toml"), "rb") as f:
        raw = f.read()
    try:
        with open(os.path.join(HERE, name + ".json"), "rb") as f:
            copy = json.loads(f.read())
        if copy.get("crc32") == _crc(raw):
            return copy["data"]
    except (OSError, ValueError, AttributeError):
        pass
    return _from_toml(raw)


def copy_text(name: str) -> str:
    """What `data/<name>.json` should hold."""
    with open(os.path.join(HERE, name + ".toml"), "rb") as f:
        raw = f.read()
    return json.dumps({"crc32": _crc(raw), "data": _from_toml(raw)}, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    for name in NAMES:
        path = os.path.join(HERE, name + ".json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(copy_text(name))
        print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
