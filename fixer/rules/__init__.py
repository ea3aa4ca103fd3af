"""The decide step's rules, one module each, grouped in families (like ruff's `rules/<family>/`).

Every rule module defines:
- `NAME`: the stable kebab-case code (shown in reports, cited in `--force NAME`);
- `SUMMARY`: one line for the README and `--format sarif`'s rule list;
- `EXAMPLE`: a short Dockerfile (or setting) that makes it fire;
- `OVERRIDABLE` (default True): whether `--force NAME` / `--force all` can override it;
- `check(ctx: decide.Context) -> str | None`: the reason to leave the file alone, or None.

`RULES` is the order they run in: what the user said first, then who runs the stage, then what the
image is and what its program needs. The first rule that fires decides.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..record import dataclass

# family.module, in the order the rules run
ORDER = (
    "owner.ignored",
    "owner.suppressed",
    "user.user_unresolved",
    "user.already_non_root",
    "platform.windows_unknown",
    "role.generated_file",
    "role.not_a_runtime_stage",
    "program.drops_privileges",
    "program.starts_as_root",
    "role.github_action",
    "role.devcontainer",
    "role.base_image",
    "user.base_user_unknown",
)


@dataclass(frozen=True)
class Rule:
    name: str
    family: str
    summary: str
    example: str
    overridable: bool
    check: Callable


def _load(spec: str) -> Rule:
    mod = importlib.import_module(f"{__name__}.{spec}")
    return Rule(mod.NAME, spec.split(".", 1)[0], mod.SUMMARY, mod.EXAMPLE, getattr(mod, "OVERRIDABLE", True),
                mod.check)


RULES: tuple[Rule, ...] = tuple(_load(s) for s in ORDER)
BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
FORCEABLE: tuple[str, ...] = tuple(r.name for r in RULES if r.overridable)
