"""Griffe extension: doctests in docstrings render as code on the API reference pages.

Our docstrings follow Gymnasium's (an example written as a doctest, often under a heading
such as "Example - record every 10th episode:" that is no Google-style section). Outside an
"Examples:" section griffe leaves `>>>` lines as Markdown text, where they render as nested
quotes and `[...][:6]` reads as a reference link (a warning, so the strict build fails). This
wraps each run of doctest lines, with its expected output, in a `pycon` code fence.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.lstrip().startswith(">>>"):
            out.append(line)
            index += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(f"{indent}```pycon")
        # The doctest and its expected output run until a blank line (doctest's own rule).
        while index < len(lines) and lines[index].strip():
            out.append(lines[index])
            index += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class FenceDoctests(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
