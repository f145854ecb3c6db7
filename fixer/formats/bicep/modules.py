"""Local Bicep `module` calls: `module aks './modules/aks.bicep' = { params: {...} }`.

A module file's cluster is evaluated once per caller (issue 20): the params the call passes take
the place of the module's defaults. Which files call which is found once per run (`callers`);
`calls_of` reads the calls for the evaluator (expressions.Caller). Registry modules (`br/...`,
`br:`, `ts:`, `ts/...`) and ARM JSON modules are not followed: their code is not in the repository.
"""

from __future__ import annotations

import posixpath

from fixer.discover import Listing, read_safely
from fixer.formats.bicep.expressions import Caller, scope_of
from fixer.formats.bicep.syntax import (
    BicepSyntaxError,
    Token,
    read_object,
    string_value,
    tokenize,
)
from fixer.textfile import UnreadableText, load_text


def local_target(caller: str, source: str) -> str | None:
    """The repository path a module source names, or None for a registry module, a template spec,
    a non-Bicep module or a path out of the repository."""
    if ":" in source or not source.endswith(".bicep") or source.startswith("/"):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(caller), source))
    return None if target.startswith("../") or target == ".." else target


def _calls(tokens: list[Token], caller: str):
    """(module name, target path, index of the `module` token) of each local module statement."""
    for index, token in enumerate(tokens[:-2]):
        if token.kind != "ident" or token.text != "module" or (index and tokens[index - 1].kind != "newline"):
            continue
        if tokens[index + 1].kind != "ident":
            continue
        source = string_value(tokens[index + 2])
        target = local_target(caller, source) if source else None
        if target is not None:
            yield tokens[index + 1].text, target, index


MODULE = b"module"


def callers(listing: Listing) -> dict[str, list[str]]:
    """Module file -> the .bicep files that call it as a local module (read once per run). The Bicep
    reading pass remembers which files hold `module`, so only those are read again."""
    found: dict[str, list[str]] = {}
    suffixes, holding = listing.remembered.get(MODULE, ((), None))
    files = sorted(holding) if holding is not None and ".bicep" in suffixes else listing.files
    for relpath in files:
        if not relpath.endswith(".bicep"):
            continue
        body, problem = read_safely(listing.root, listing.root / relpath, relpath)
        if problem or not body or b"module" not in body:
            continue
        try:
            tokens = tokenize(load_text(body).body)
        except (BicepSyntaxError, UnreadableText, UnicodeDecodeError, ValueError):
            continue  # the file's own run reports it
        for _, target, _ in _calls(tokens, relpath):
            if target != relpath and relpath not in found.setdefault(target, []):
                found[target].append(relpath)
    return found


def calls_of(caller: str, body: bytes, relpath: str, body_open_at) -> list[Caller]:
    """Every call of module `relpath` in `caller`. `body_open_at`: template.py's walk past
    `= if (...)` / `[for ...:` to the call's `{` (passed in: no import cycle)."""
    tokens = tokenize(body)
    scope = None
    found = []
    for name, target, index in _calls(tokens, caller):
        if target != relpath:
            continue
        line = body.count(b"\n", 0, tokens[index].start) + 1
        scope = scope or scope_of(tokens, body, caller)
        body_open = body_open_at(tokens, index + 3)
        params = read_object(tokens, body_open, body).get("params") if body_open is not None else None
        if body_open is not None and params is None:
            entries = {}  # passes nothing: every param keeps its default
        elif params is None or params.object is None:
            entries = None  # params built by an expression
        else:
            entries = {key: (entry.value_start, entry.value_end) for key, entry in params.object.entries.items()}
        found.append(Caller(caller, line, name, entries, scope))
    return found
