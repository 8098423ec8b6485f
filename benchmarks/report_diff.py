"""Compare two ``report.json`` files, ignoring what legitimately differs between runs.

Usage::

    python benchmarks/report_diff.py A/report.json B/report.json [--ignore analysis.parameters]

Prints one line per differing key (dotted path, with list indices) and exits 1 when the
reports differ, 0 when they are the same. Object key order is ignored (JSON objects are
unordered); list order is not. Ignored by default: the creation time and version of the
generator, run-time and timing fields, and file-system paths (``video.path``, ``files``),
which differ between a run on main and one on a branch without the analysis differing.
Numbers are compared exactly: the analysis is deterministic on the same landmarks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: Dotted paths (prefixes) that differ between runs without the analysis differing.
IGNORED = ("generator.created_utc", "generator.version", "video.path", "files", "timing",
           "run", "elapsed_s")


def _ignored(path: str, ignored: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + ".") or path.startswith(p + "[")
               or path.rsplit(".", 1)[-1] == p for p in ignored)


def differences(a: Any, b: Any, ignored: tuple[str, ...] = IGNORED,
                path: str = "") -> list[str]:
    """Dotted paths where ``a`` and ``b`` differ, each with both values.

    Parameters
    ----------
    a, b : Any
        Parsed JSON documents (or parts of them).
    ignored : tuple of str
        Dotted paths skipped together with everything below them; a bare name (no dot)
        also matches that key at any depth.
    path : str
        Path of ``a`` and ``b`` in the whole document ("" at the top).
    """
    if path and _ignored(path, ignored):
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in [*a, *(k for k in b if k not in a)]:
            sub = f"{path}.{key}" if path else str(key)
            if _ignored(sub, ignored):
                continue
            if key not in b:
                out.append(f"{sub}: only in A ({_short(a[key])})")
            elif key not in a:
                out.append(f"{sub}: only in B ({_short(b[key])})")
            else:
                out += differences(a[key], b[key], ignored, sub)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = [f"{path}: length {len(a)} vs {len(b)}"] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out += differences(x, y, ignored, f"{path}[{i}]")
        return out
    if a != b or (type(a) is not type(b) and not {type(a), type(b)} <= {int, float}):
        return [f"{path}: {_short(a)} vs {_short(b)}"]
    return []


def _short(value: Any, width: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[:width - 3] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="first report.json (e.g. the baseline)")
    parser.add_argument("b", type=Path, help="second report.json")
    parser.add_argument("--ignore", action="append", default=[], metavar="PATH",
                        help="further dotted path to ignore (repeatable)")
    args = parser.parse_args(argv)
    try:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (args.a, args.b))
    except (OSError, ValueError) as exc:
        print(f"report_diff: cannot read the reports: {exc}", file=sys.stderr)
        return 2
    found = differences(a, b, IGNORED + tuple(args.ignore))
    for line in found:
        print(line)
    print(f"{len(found)} difference(s)" if found else "identical", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
