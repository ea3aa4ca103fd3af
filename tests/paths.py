"""Where things are (a module of its own: `conftest` is ambiguous once tests/e2e has one too)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
