"""Write the precompiled form of each bundled protocol (missing_protocol/compiled_rules/).

python tools/gen_precompiled.py          write them
python tools/gen_precompiled.py --check  exit 1 if any is missing, stale or left over

Each file is the compiled protocol as plain JSON data, keyed by the SHA-256 of
its rule file, of the compiler's sources and of the encoded protocol itself (see
missing_protocol/precompiled.py).
Rerun after changing a rule file or the compiler (compile.py, compiled.py,
schema.py, ...): until then load_protocol compiles from the YAML (correct, slower)
and tests/test_precompiled.py fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from missing_protocol.precompiled import decode, encode, precompiled_document
from missing_protocol.protocols import (
    bundled_protocol_ids,
    bundled_rule_path,
    compile_bundled,
    precompiled_path,
)

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: which of the package's modules compiling the bundled
# rule files imports (their sources are part of each file's key).
_CLOSURE = """
import json, sys
from pathlib import Path
import missing_protocol
from missing_protocol.protocols import bundled_protocol_ids, compile_bundled
for protocol_id in bundled_protocol_ids():
    compile_bundled(protocol_id)
package = Path(missing_protocol.__file__).resolve().parent
print(json.dumps(sorted(
    Path(module.__file__).resolve().relative_to(package).as_posix()
    for name, module in list(sys.modules.items())
    if (name == "missing_protocol" or name.startswith("missing_protocol."))
    and getattr(module, "__file__", None)
)))
"""


def compiler_sources() -> list[str]:
    """The modules (paths in the package) that compiling a bundled rule file imports."""
    done = subprocess.run(
        [sys.executable, "-c", _CLOSURE], capture_output=True, text=True, check=True
    )
    sources: list[str] = json.loads(done.stdout)
    return sources


def documents() -> dict[Path, str]:
    """Each bundled protocol's precompiled file and its text."""
    sources = compiler_sources()
    out = {}
    for protocol_id in bundled_protocol_ids():
        protocol = compile_bundled(protocol_id)
        if decode(json.dumps(encode(protocol))) != protocol:
            raise SystemExit(f"gen_precompiled: {protocol_id} does not survive encoding")
        data = bundled_rule_path(protocol_id).read_bytes()
        out[precompiled_path(protocol_id)] = precompiled_document(protocol, data, sources)
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    wanted = documents()
    folder = precompiled_path("x").parent
    left_over = sorted(set(folder.glob("*.json")) - set(wanted)) if folder.is_dir() else []
    stale = [
        path
        for path, text in wanted.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if check:
        for path in stale:
            print(f"out of date: {_shown(path)}", file=sys.stderr)
        for path in left_over:
            print(f"no longer a bundled protocol: {_shown(path)}", file=sys.stderr)
        if stale or left_over:
            print("run: .venv/bin/python tools/gen_precompiled.py", file=sys.stderr)
            return 1
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
    for path in left_over:
        path.unlink()
    return 0


def _shown(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
