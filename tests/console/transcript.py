"""Reading a console transcript as blocks: who could see what."""

from __future__ import annotations

import re

_HEADING = re.compile(r"^(\[#[^\]]*\]|\[DM → [^\]]*\]|\[form for [^\]]*\]|\S+@#\S+> |\(console\))")


def blocks(out: str) -> list[tuple[str, str]]:
    """The transcript as (heading, body) pairs, in order; a prompt echo is a heading too.

    Bodies are unwrapped: runs of white space become one space.
    """
    found: list[tuple[str, list[str]]] = []
    for line in out.splitlines():
        if _HEADING.match(line) or not found:
            found.append((line, []))
        else:
            found[-1][1].append(line)
    return [(heading, " ".join(" ".join(body).split())) for heading, body in found]


def channel_text(out: str) -> str:
    """Everything the whole channel saw (posts, thread replies, updates), nothing private."""
    return "\n".join(f"{heading}\n{body}" for heading, body in blocks(out)
                     if heading.startswith("[#") and "·" not in heading.split("]")[0])


def private_to(out: str, user: str) -> str:
    """What only ``user`` saw: their ephemerals, direct messages and forms."""
    marks = (f"only for {user}]", f"alleen voor {user}]", f"[DM → {user}]", f"[form for {user}]")
    return "\n".join(body for heading, body in blocks(out) if heading.endswith(marks) or heading in marks)
