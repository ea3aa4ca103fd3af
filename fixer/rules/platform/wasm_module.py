"""wasm-module: the image holds a WebAssembly module that a WASI runtime runs, not a Linux program.

Docker and containerd run such images with a Wasm shim (`--runtime io.containerd.wasmedge.v1`,
`--platform wasi/wasm`): the module runs in the runtime's sandbox, which has no Unix users, so a
USER means nothing there (and `FROM scratch` has no useradd anyway). The rule fires when the
final stage's ENTRYPOINT or CMD runs a `.wasm` file. A stage that only ships a `.wasm` asset and
runs a native program is fixed.
"""

from __future__ import annotations

from ...evidence import program

NAME = "wasm-module"
SUMMARY = "The image runs a WebAssembly module (ENTRYPOINT/CMD `*.wasm`): a WASI sandbox has no Unix users."
EXAMPLE = 'FROM scratch\nCOPY --from=build /src/app.wasm /app.wasm\nENTRYPOINT ["app.wasm"]'


def check(ctx) -> str | None:
    an = ctx.an
    for inst in (an.entrypoint, an.cmd):
        prog = program(inst)[0] if inst is not None else None
        if prog and prog.lower().endswith(".wasm"):
            return (f"line {inst.start_line}: {inst.keyword} runs the WebAssembly module {prog}, which a WASI runtime "
                    f"runs in its own sandbox: a Unix USER means nothing there")
    return None
