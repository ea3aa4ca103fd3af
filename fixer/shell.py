"""Shell analysis of RUN instructions (step 3 of the pipeline).

CONTRACT (implemented by the shell helper; the rest of the pipeline relies on exactly this API):

    analyze_shell(script: str, ctx: ShellContext) -> ShellFacts
        `script` is the shell text BuildKit hands to `sh -c` (continuations already joined), or the
        body of a `RUN <<EOF` heredoc, or `line + "\n" + heredoc body + terminator`.
    analyze_exec(argv: Sequence[str], ctx: ShellContext) -> ShellFacts
        JSON exec form: `RUN ["apt-get", "install", "x"]`; `["sh", "-c", "..."]` recurses once.

Offsets in findings are character offsets into `script` (for exec form: 0).
"""
