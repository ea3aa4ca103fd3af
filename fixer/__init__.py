"""dockerfix: make a Dockerfile's final stage run as an unprivileged user.

The package is one pipeline (`pipeline.fix`: bytes -> `result.Result`) that the command line,
the language server, `--verify` and the GitHub Action all run, one module per step:

    source    lossless text model (bytes -> lines with endings, BOM, newline style)
    parse     Docker's line grammar -> instructions with exact line spans (BuildKit-compatible)
    shell     shell analysis of RUN (tree-sitter-bash): which commands need root, users created
    commands  what each command does (loads data/commands.toml), applied by shell
    stages    stages, ARG/ENV substitution, base image chain, who runs the final stage
    images    base-image knowledge (loads data/images.toml)
    facts     the base image's own configuration (engine, cache, registry), through a resolver
    decide    the named rules (rules/) that leave a file alone
    plan      where to insert what, and why (plan_user, plan_place, plan_paths: by concern)
    snippets  user-creation commands per distro family
    output    write atomically / unified diff / JSON
    result    the Result record every front end renders
    cli       the command line's options (discover, batch, terminal: its files, run and output)
    lsp       the language server

Nothing heavy is imported here: startup time is a budget.
"""

__version__ = "0.2.0"
__url__ = "https://github.com/OWNER/dockerfix"  # the repository (README, action, pre-commit hook)
