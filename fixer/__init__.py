"""dockerfix: make a Dockerfile's final stage run as an unprivileged user.

The package is a pipeline, one module per step:

    source   lossless text model (bytes -> lines with endings, BOM, newline style)
    parse    Docker's line grammar -> instructions with exact line spans (BuildKit-compatible)
    shell    shell analysis of RUN (tree-sitter-bash): which commands need root, users created
    commands what each command does (loads data/commands.toml), applied by shell
    stages   stages, ARG/ENV substitution, base image chain, who runs the final stage
    images   base-image knowledge (loads data/images.toml)
    snippets user-creation commands per distro family
    plan     where to insert what, and why
    output   write atomically / unified diff / JSON
    cli      the typer command line

Nothing heavy is imported here: startup time is a budget.
"""

__version__ = "0.2.0"
__url__ = "https://github.com/OWNER/dockerfix"  # the repository (README, action, pre-commit hook)
