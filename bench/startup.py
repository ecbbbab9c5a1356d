"""Start-up cost of `peerprep --help` and of the first quiz question, against a floor.

The floor is a bare typer app with the same command tree as peerprep (generated from
peerprep's own commands) that imports nothing else. Targets (issue 2): --help within
1.15x of the floor's --help, first question on screen within 1.5x. Run:

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._timing import alternate, report


def floor_source() -> str:
    """typer source for an app whose commands and options mirror peerprep's."""
    from typing import Any

    import typer

    from peerprep.cli import app

    root = typer.main.get_command(app)
    lines = ["import typer", "from typing import Annotated, Optional", ""]

    def emit(group: Any, var: str) -> None:
        lines.append(
            f"{var} = typer.Typer(help={group.help!r}, context_settings="
            "{'help_option_names': ['-h', '--help']}, no_args_is_help=True)"
        )
        for name, cmd in getattr(group, "commands", {}).items():
            if getattr(cmd, "commands", None):
                sub = f"{var}_{name}"
                emit(cmd, sub)
                lines.append(f"{var}.add_typer({sub}, name={name!r})")
                continue
            params = []
            for p in cmd.params:
                kind_name = getattr(p, "param_type_name", "")
                if p.name == "help" or kind_name not in ("option", "argument"):
                    continue
                kind = (
                    "typer.Argument()"
                    if kind_name == "argument"
                    else (f"typer.Option(*{p.opts!r}, help={p.help!r})")
                )
                typ = "bool" if getattr(p, "is_flag", False) else "Optional[str]"
                default = "False" if typ == "bool" else "None"
                params.append(f"{p.name}: Annotated[{typ}, {kind}] = {default}")
            lines.append(f"@{var}.command({name!r})")
            lines.append(f"def _{var}_{name.replace('-', '_')}({', '.join(params)}) -> None:")
            lines.append(f"    {cmd.help!r}")
            lines.append("")

    emit(root, "app")
    lines += ["", "if __name__ == '__main__':", "    app(prog_name='peerprep')"]
    return "\n".join(lines) + "\n"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def first_question(cmd: list[str]) -> float:
    """Seconds until the quiz prompt appears on stdout (then the process is ended)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1")
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert proc.stdout is not None
    seen = b""
    while b"Your answer" not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            raise RuntimeError("quiz ended before showing a question")
        seen += chunk
    elapsed = time.perf_counter() - start
    proc.kill()
    proc.wait()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor_app.py"
        floor.write_text(floor_source())
        os.environ.setdefault("PEERPREP_HOME", str(Path(tmp) / "home"))
        peerprep = [py, "-c", "from peerprep.cli import main; main()"]
        quiz = [*peerprep, "quiz", "-n", "1", "--seed", "1"]
        first_question(quiz)  # warm the bank cache, like any second run on a machine
        times = alternate(
            args.runs,
            floor_help=lambda: timed([py, str(floor), "--help"]),
            peerprep_help=lambda: timed([*peerprep, "--help"]),
            first_quiz_question=lambda: first_question(quiz),
            import_typer_rich=lambda: timed([py, "-c", "import typer, rich"]),
        )
    print(f"start-up, {args.runs} alternating runs each (wall time of whole processes)")
    ok = report(times, "floor_help", {"peerprep_help": 1.15, "first_quiz_question": 1.5})
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
