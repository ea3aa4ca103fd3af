"""The decide step's rules, one module each, grouped in families (like ruff's `rules/<family>/`).

Every rule module has a docstring, `NAME: what it captures` and then the concept, its evidence and
how to override it (docs/rules.md is generated from it: `python scripts/rules_page.py`), and defines:
- `NAME`: the stable kebab-case code (shown in reports, cited in `--force NAME`);
- `SUMMARY`: one line for the rules page (docs/rules.md) and `--format sarif`'s rule list;
- `EXAMPLE`: a short Dockerfile (or setting) that makes it fire;
- `OVERRIDABLE` (default True): whether `--force NAME` / `--force all` can override it;
- `check(ctx: decide.Context) -> str | None`: the reason to leave the file alone, or None.

`RULES` is the order they run in: what the user said first, then who runs the stage, then what the
image is and what its program needs. The first rule that fires decides. `in_order()` imports each
rule's module when decide reaches it; RULES, BY_NAME and FORCEABLE load them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..record import dataclass

# family.module, in the order the rules run
ORDER = (
    "owner.ignored",
    "owner.suppressed",
    "user.user_unresolved",
    "user.already_non_root",
    "platform.windows_unknown",
    "platform.wasm_module",
    "platform.base_arg_no_shell",
    "role.generated_file",
    "role.test_input",
    "role.not_a_runtime_stage",
    "role.build_only",
    "owner.root_on_purpose",
    "program.drops_privileges",
    "program.starts_as_root",
    "program.rewrites_root_config",
    "program.needs_root_home",
    "program.root_home_state",
    "program.owner_only_exec",
    "program.raw_sockets",
    "program.volume_without_shell",
    "program.inherited_entrypoint",
    "deploy.needs_root",
    "deploy.tool_on_checkout",
    "deploy.bind_mounted_data",
    "deploy.published_volume",
    "deploy.claim_without_fs_group",
    "deploy.privileged_port",
    "role.github_action",
    "role.devcontainer",
    "role.adds_nothing",
    "role.base_image",
    "role.root_shell",
    "role.publishes_image",
    "role.lambda_function",
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


_LOADED: dict[str, Rule] = {}


def _load(spec: str) -> Rule:
    if spec not in _LOADED:
        mod = __import__(f"{__name__}.{spec}", fromlist=["check"])  # importlib would import warnings too
        _LOADED[spec] = Rule(mod.NAME, spec.split(".", 1)[0], mod.SUMMARY, mod.EXAMPLE,
                             getattr(mod, "OVERRIDABLE", True), mod.check)
    return _LOADED[spec]


def in_order() -> Iterator[Rule]:
    """The rules in the order they run, each module imported when its turn comes: a file that an
    early rule decides (already-non-root: every file dockerfix has fixed, on each later save) does
    not import the other modules (~0.3 ms each)."""
    for spec in ORDER:
        yield _load(spec)


def __getattr__(name: str):
    """RULES (in order), BY_NAME and FORCEABLE: all the rules, loaded on first use."""
    if name == "RULES":
        value: object = tuple(in_order())
    elif name == "BY_NAME":
        value = {r.name: r for r in in_order()}
    elif name == "FORCEABLE":
        value = tuple(r.name for r in in_order() if r.overridable)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
