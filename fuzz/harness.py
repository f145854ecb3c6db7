"""What the fuzz targets share: atheris when it is installed, coverage instrumentation of akfix's
own modules, and a structure-aware mutator for text formats.

Without atheris (the default test suite) every helper here is inert: targets are plain functions.
"""

from __future__ import annotations

import contextlib
import random

try:  # the fuzz runner needs atheris; the seed-corpus test must not
    import atheris
except ImportError:  # pragma: no cover - depends on the environment
    atheris = None

# Set by the fuzz worker before it imports a target, so that akfix's modules get coverage
# instrumentation there and nowhere else (instrumenting inside pytest would only slow it down).
FUZZING = False
BOM = b"\xef\xbb\xbf"


def instrumented():
    """Context manager around a target's `fixer` imports: instrument them when fuzzing."""
    if atheris is None or not FUZZING:
        return contextlib.nullcontext()
    return atheris.instrument_imports(include=["fixer"])


def mutator(snippets: list[bytes], seeds: list[bytes]):
    """A libFuzzer custom mutator: half of the time libFuzzer's own byte mutations, otherwise one
    edit a person could make to the text -- a snippet of the format spliced in at a line or token
    boundary, a line deleted, doubled or moved, lines spliced in from another seed, the newline
    style or BOM flipped, indentation switched between tabs and spaces, a string's value changed."""

    def mutate(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if atheris is not None and rng.random() < 0.5:
            return atheris.Mutate(data, max_size)
        out = structural(data, rng, snippets, seeds)
        return out[:max_size]

    return mutate


def structural(data: bytes, rng: random.Random, snippets: list[bytes], seeds: list[bytes]) -> bytes:
    """One structure-aware edit of `data` (see `mutator`)."""
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom):]
    crlf = b"\r\n" in body
    lines = body.replace(b"\r\n", b"\n").split(b"\n")
    op = rng.randrange(10)
    if op == 0 or not body:  # a snippet at the start of a line
        at = rng.randrange(len(lines) + 1)
        lines[at:at] = rng.choice(snippets).split(b"\n")
    elif op == 1:  # a snippet inside a line, at a space or bracket
        row = rng.randrange(len(lines))
        line = lines[row]
        cuts = [i for i, c in enumerate(line) if c in b' \t{}[](),="\''] + [len(line)]
        cut = rng.choice(cuts)
        lines[row] = line[:cut] + rng.choice(snippets) + line[cut:]
    elif op == 2 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    elif op == 3:
        start = rng.randrange(len(lines))
        end = min(len(lines), start + rng.randrange(1, 6))
        lines[end:end] = lines[start:end]
    elif op == 4 and len(lines) > 1:
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
    elif op == 5 and seeds:  # splice lines of another seed in
        other = rng.choice(seeds).replace(b"\r\n", b"\n").split(b"\n")
        start = rng.randrange(len(other))
        piece = other[start:start + rng.randrange(1, 12)]
        at = rng.randrange(len(lines) + 1)
        lines[at:at + rng.randrange(3)] = piece
    elif op == 6:
        crlf = not crlf
    elif op == 7:
        bom = b"" if bom else BOM
    elif op == 8:
        if any(line.startswith(b"\t") for line in lines):
            lines = [line.replace(b"\t", b"  ") for line in lines]
        else:
            lines = [b"\t" * ((len(l) - len(l.lstrip(b" "))) // 2) + l.lstrip(b" ") for l in lines]
    else:  # change a quoted value
        row = rng.randrange(len(lines))
        line = lines[row]
        quote = b'"' if b'"' in line else b"'"
        first = line.find(quote)
        last = line.find(quote, first + 1)
        if first >= 0 and last > first:
            value = rng.choice([b"", b"none", b"calico", b"cilium", b"azure", b"${var.x}", b"kubenet", b"overlay",
                                b"[parameters('p')]", b"2019-04-01", b"\\", b"\\'", b"\\u0041", b"\xc3\xa9"])
            lines[row] = line[:first + 1] + value + line[last:]
    body = b"\n".join(lines)
    if crlf:
        body = body.replace(b"\n", b"\r\n")
    return bom + body


def seeds_of(directory) -> list[bytes]:
    """The seed files of a corpus folder (for splicing)."""
    from pathlib import Path

    folder = Path(directory)
    return [p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()] if folder.is_dir() else []
