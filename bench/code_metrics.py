#!/usr/bin/env python3
"""Code-shape figures for ukm_actors/ (issue #15: typed seams).

Counts, over the package's Python files:

  Any              uses of the name ``Any`` (tokens, not text in strings)
  type: ignore     ``# type: ignore`` comments
  funcs > 50       functions and methods longer than 50 lines (decorator to last line)
  files > 400      modules longer than 400 lines
                   (both: generated alembic migrations counted apart)
  dict[str, Any]   functions annotated to return ``dict[str, Any]``
  ctx: Any         parameters annotated ``ctx: Any``
  duplicates       pairs reported by ``duplicates --most 200`` run from the
                   repository root (a developer command; "n/a" when missing)

  python bench/code_metrics.py [--list]

``--list`` also prints the long functions and files, to plan the next step.
No baseline is run here: compare against the figures printed on an older
commit (``git stash; python bench/code_metrics.py``) or the ones in the
report of issue #15.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import shutil
import subprocess
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ukm_actors"


@dataclass
class Figures:
    any_names: int = 0
    type_ignores: int = 0
    long_functions: list[str] = field(default_factory=list)
    long_migration_functions: list[str] = field(default_factory=list)
    long_files: list[str] = field(default_factory=list)
    long_migrations: list[str] = field(default_factory=list)
    dict_any_returns: int = 0
    ctx_any: int = 0


def _tokens(text: str) -> tuple[int, int]:
    any_names = ignores = 0
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NAME and tok.string == "Any":
            any_names += 1
        elif tok.type == tokenize.COMMENT and re.search(r"type:\s*ignore", tok.string):
            ignores += 1
    return any_names, ignores


def _returns_dict_any(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return (
        node.returns is not None and ast.unparse(node.returns).replace(" ", "") == "dict[str,Any]"
    )


def _ctx_any(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    return sum(
        1
        for a in args
        if a.arg == "ctx" and a.annotation is not None and ast.unparse(a.annotation) == "Any"
    )


def measure(package: Path = PACKAGE) -> Figures:
    figs = Figures()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        n_any, n_ignore = _tokens(text)
        figs.any_names += n_any
        figs.type_ignores += n_ignore
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        generated = "/migrations/versions/" in rel
        if lines > 400:
            target = figs.long_migrations if generated else figs.long_files
            target.append(f"{rel} ({lines})")
        for node in ast.walk(ast.parse(text, filename=rel)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - start + 1
                if length > 50:
                    target = figs.long_migration_functions if generated else figs.long_functions
                    target.append(f"{rel}:{node.lineno} {node.name} ({length})")
                figs.dict_any_returns += _returns_dict_any(node)
                figs.ctx_any += _ctx_any(node)
    return figs


def duplicate_pairs(root: Path = ROOT) -> str:
    """The pair count of ``duplicates --most 200``, or ``n/a`` without the command."""
    exe = shutil.which("duplicates")
    if exe is None:
        return "n/a"
    out = subprocess.run(
        [exe, "--most", "200", "--seconds", "120"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    first = out.splitlines()[0] if out else ""
    m = re.match(r"(\d+) pairs", first)
    return m.group(1) if m else ("0" if first.startswith("no duplicates") else "?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print long functions and files")
    args = parser.parse_args()
    figs = measure()
    rows = [
        ("Any (names)", str(figs.any_names)),
        ("type: ignore", str(figs.type_ignores)),
        ("functions > 50 lines", str(len(figs.long_functions))),
        ("  + in generated migrations", str(len(figs.long_migration_functions))),
        ("files > 400 lines", str(len(figs.long_files))),
        ("  + generated migrations > 400", str(len(figs.long_migrations))),
        ("returns dict[str, Any]", str(figs.dict_any_returns)),
        ("ctx: Any parameters", str(figs.ctx_any)),
        ("duplicates pairs (--most 200)", duplicate_pairs()),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>6}")
    if args.list:
        print("\nfunctions > 50 lines:")
        for line in figs.long_functions + figs.long_migration_functions:
            print("  " + line)
        print("files > 400 lines:")
        for line in figs.long_files + figs.long_migrations:
            print("  " + line)


if __name__ == "__main__":
    main()
