"""Local Bicep `module` calls: `module aks './modules/aks.bicep' = { params: {...} }`.

A module file's cluster is evaluated once per caller (issue 20): the params the call passes take
the place of the module's defaults. Which files call which is found once per run (`callers`);
`calls_of` reads the calls for the evaluator (expressions.Caller). Registry modules (`br/...`,
`br:`, `ts:`, `ts/...`) and ARM JSON modules are not followed: their code is not in the repository.

A param the call does not pass can be passed by a fix (the Bicep twin of a Terraform module
argument, plan/views.py): template.argument_edits adds the entry to the call's multi-line
`params: {` object, `bicepparam_edits` a `param x = '...'` line to a .bicepparam file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from fixer.discover import Listing, read_safely
from fixer.formats.bicep.expressions import Caller, scope_of
from fixer.formats.bicep.parameters import declared_params, read_parameter_file
from fixer.formats.bicep.syntax import (
    BicepSyntaxError,
    Token,
    bicepparam_anchor,
    matching,
    quote,
    read_object,
    string_value,
    tokenize,
)
from fixer.model import Edit
from fixer.textfile import UnreadableText, line_end, load_text


def local_target(caller: str, source: str) -> str | None:
    """The repository path a module source names, or None for a registry module, a template spec,
    a non-Bicep module or a path out of the repository."""
    return _local_file(caller, source) if source.endswith(".bicep") else None


def module_calls(tokens: list[Token], caller: str):
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

# The prefilter below: a module statement in its plain one-line form (`module name 'path'`), and any
# line starting with `module` at all. Where the two counts differ the file holds a form the
# prefilter does not read (a comment inside the statement, `module` as an object key...), and it is
# tokenized like any other: the prefilter only ever skips files whose every call it has read.
_PLAIN_CALL = re.compile(rb"(?m)^[ \t]*module[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+'([^'\\\r\n]*)'")
_ANY_MODULE_LINE = re.compile(rb"(?m)^[ \t]*module\b")


def _may_call(body: bytes, relpath: str, wanted) -> bool:
    """Whether the file may call one of the `wanted` templates (None: any) as a local module."""
    plain = _PLAIN_CALL.findall(body)
    if wanted is None or len(plain) != len(_ANY_MODULE_LINE.findall(body)):
        return True
    return any(local_target(relpath, source.decode("utf-8", "replace")) in wanted for source in plain)


def callers(listing: Listing, wanted: set[str] | None = None) -> dict[str, list[str]]:
    """Module file -> the .bicep files that call it as a local module (read once per run). The Bicep
    reading pass remembers which files hold `module`, so only those are read again; `wanted`: the
    templates that can hold a cluster (the only keys anyone asks for), so a file whose calls all
    name other templates is not tokenized (in a module registry nearly every file calls modules)."""
    found: dict[str, list[str]] = {}
    suffixes, holding = listing.remembered.get(MODULE, ((), None))
    files = sorted(holding) if holding is not None and ".bicep" in suffixes else listing.files
    for relpath in files:
        if not relpath.endswith(".bicep"):
            continue
        body, problem = read_safely(listing.root, listing.root / relpath, relpath)
        if problem or not body or b"module" not in body or not _may_call(body, relpath, wanted):
            continue
        try:
            tokens = tokenize(load_text(body).body)
        except (BicepSyntaxError, UnreadableText, UnicodeDecodeError, ValueError):
            continue  # the file's own run reports it
        for _, target, _ in module_calls(tokens, relpath):
            if target != relpath and relpath not in found.setdefault(target, []):
                found[target].append(relpath)
    return found


def called(relpath: str, body: bytes) -> list[str]:
    """The local files `relpath` calls or reads (its own deployment's other text): module templates,
    where a Windows agent pool may be declared, tied to the cluster by an `existing` parent or a name;
    files it `import`s from (an `@export()` var holding the pool list) and files it reads with
    `loadJsonContent` / `loadYamlContent` / `loadTextContent` (a config file listing the pools).
    Their text is Windows evidence (put._called_files): pools akfix cannot evaluate are never read as Linux."""
    if b"module" not in body and b"import" not in body and b"Content(" not in body:
        return []
    try:
        tokens = tokenize(load_text(body).body)
    except (BicepSyntaxError, UnreadableText, UnicodeDecodeError, ValueError):
        return []
    modules = [target for _, target, _ in module_calls(tokens, relpath) if target != relpath]
    return list(dict.fromkeys([*modules, *_read_files(tokens, relpath)]))


_LOADERS = {"loadJsonContent", "loadYamlContent", "loadTextContent"}


def _read_files(tokens: list[Token], relpath: str):
    """Repository paths of `import ... from 'x.bicep'` statements and of literal `load*Content('x')` arguments."""
    for index, token in enumerate(tokens[:-2]):
        if token.kind != "ident":
            continue
        if token.text == "from" and tokens[index + 1].kind == "string":  # `import { pools } from './shared.bicep'`
            source = string_value(tokens[index + 1])
            target = local_target(relpath, source) if source else None
        elif token.text in _LOADERS and tokens[index + 1].text == "(" and tokens[index + 2].kind == "string":
            source = string_value(tokens[index + 2])
            target = _local_file(relpath, source) if source else None
        else:
            continue
        if target is not None:
            yield target


def _local_file(caller: str, source: str) -> str | None:
    """The repository path a load*Content argument names (relative to the caller), None out of the tree."""
    if source.startswith("/") or ":" in source:
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(caller), source))
    return None if target.startswith("../") or target == ".." else target


@dataclass(frozen=True)
class ThroughCaller:
    """A caller of the module read with one of its own .bicepparam files: the view of one deployment
    that goes .bicepparam -> caller -> module (put.run gives each such file a view of its own)."""

    caller: str
    caller_body: bytes
    body: bytes  # the .bicepparam file's


def calls_of(caller: str, body: bytes, relpath: str, body_open_at, parameter_file: tuple[str, bytes] | None = None) -> list[Caller]:
    """Every call of module `relpath` in `caller`. `body_open_at`: template.py's walk past
    `= if (...)` / `[for ...:` to the call's `{` (passed in: no import cycle). `parameter_file`:
    (path, body) of the caller's own .bicepparam, whose values the caller's params take."""
    tokens = tokenize(body)
    scope = None
    fed = None
    if parameter_file is not None:
        fed = read_parameter_file(*parameter_file, declared_params(tokens))
    found = []
    for name, target, index in module_calls(tokens, caller):
        if target != relpath:
            continue
        line = body.count(b"\n", 0, tokens[index].start) + 1
        scope = scope or scope_of(tokens, body, caller, fed)
        body_open = body_open_at(tokens, index + 3)
        params = read_object(tokens, body_open, body).get("params") if body_open is not None else None
        params_open, refusal = None, ""
        if body_open is not None and params is None:
            entries = {}  # passes nothing: every param keeps its default
            refusal = "the module call has no params object"
        elif params is None or params.object is None:
            entries = None  # params built by an expression
            refusal = "its params are built by an expression akfix does not read"
        elif spreads(tokens, params.object.open, params.object.close):
            # `...shared` may pass any param, and override the entries before it: nothing is known
            entries, refusal = None, "its params spread an object (`...`), which may pass any param: akfix does not read into it"
        else:
            entries = {key: (entry.value_start, entry.value_end) for key, entry in params.object.entries.items()}
            params_open = tokens[params.object.open].start
            if params.object.one_line:
                refusal = "its params object is on one line"
        found.append(Caller(caller, line, name, entries, scope, params_open, refusal))
    return found


def spreads(tokens: list[Token], open_index: int, close_index: int) -> bool:
    """A `...x` spread directly inside the object (not in a nested value)."""
    i = open_index + 1
    while i < close_index:
        token = tokens[i]
        if token.kind == "punct" and token.text in ("{", "[", "("):
            i = matching(tokens, i) + 1
            continue
        if token.text == "." and i + 2 < close_index and tokens[i + 1].text == "." == tokens[i + 2].text:
            return True
        i += 1
    return False


def module_at(data: bytes, params_open: int) -> str | None:
    """`module <name>` of the call whose params object opens at byte `params_open` (for read-back)."""
    tokens = tokenize(data)
    name = None
    for i, token in enumerate(tokens):
        if token.start >= params_open:
            return name
        if token.kind == "ident" and token.text == "module" and (i == 0 or tokens[i - 1].kind == "newline") and i + 1 < len(tokens):
            name = f"module {tokens[i + 1].text}"
    return None


# --- .bicepparam files --------------------------------------------------------------------------


def bicepparam_edits(data: bytes, values: dict[str, str], newline: bytes) -> list[Edit]:
    """`param name = 'value'` lines after the file's last param (else after `using`, past a blank line)."""
    tokens = tokenize(data)
    if bicepparam_anchor(tokens) is None:
        raise ValueError("the .bicepparam file has no `using` or extends another file: set the param by hand")
    last = None
    for i, token in enumerate(tokens):
        if token.kind == "ident" and token.text in ("param", "using") and (i == 0 or tokens[i - 1].kind == "newline"):
            j = i + 1
            while j < len(tokens) and tokens[j].kind != "newline":
                j = matching(tokens, j) + 1 if tokens[j].kind == "punct" and tokens[j].text in ("(", "[", "{") else j + 1
            if token.text == "param" or last is None:
                last = (token.text, tokens[j - 1].end)
    kind, end = last
    at = line_end(data, end)
    lines = b"".join(f"param {name} = {quote(value)}".encode() + newline for name, value in values.items())
    lead = b"" if data[:at].endswith(newline) or not data[:at] else newline
    if kind == "using":
        lead += newline  # a blank line between `using` and the params, as Bicep's own samples write it
    return [Edit(at, at, lead + lines)]
