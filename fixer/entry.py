"""The `dockerfix` command's entry: `fixer.cli.command` with the cyclic garbage collector off
while the command starts.

A start imports some fifty modules and makes tens of thousands of objects (functions, classes,
the knowledge files' records) that all live until the process ends; the collector, triggered
every 700 new container objects, walks them again and again for nothing: about 3% of a run's
instructions on one file. `batch.process` turns it back on once the first file is done, the
language server before it serves, and each forked worker (`workers`) before its first file, so a
run over many files or a long-lived server collects as usual. Not done on import: only the
command's process is dockerfix's own.
"""

from __future__ import annotations


def command() -> None:
    import gc

    gc.disable()
    from .cli import command as run

    run()
