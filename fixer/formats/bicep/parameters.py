"""The files that give a Bicep template its parameter values: `.bicepparam` files and JSON
parameters files (`main.parameters.json`, the `--parameters x.json` of `az deployment group create`,
azd's `infra/main.parameters.json`).

A JSON file is presented to the evaluator as a .bicepparam file is: tokens and declarations, each
token spanning the JSON file's own bytes, so a fix rewrites a value where it is and nothing else of
the file. An object or array value becomes the tokens of a one-line Bicep literal (`{ 'k': v, ... }`):
its members are read and its string leaves rewritten where they are, but it takes no new key (a
key added to JSON is no Bicep line). What akfix does not read there -- a Key Vault `reference`, an
azd `${VAR}` substitution -- is a token of kind "unread" whose text says why: the param is undecided
for that deployment, never taken from the template's default, which the file overrides.
"""

from __future__ import annotations

import posixpath
import re

from fixer.discover import read_safely
from fixer.formats import jsonspan
from fixer.formats.bicep.syntax import Token, matching, quote, tokenize
from fixer.formats.deployment_parameters import declares_all, named_for, parameters_of

UNREAD = "unread"


def parameter_files_for(relpath: str, files: list[str]) -> list[str]:
    """Of `files` (the template's folder, and the tree's .bicepparam files whose `using` names it,
    parameter_index): `.bicepparam` files (which feed it when their `using` resolves to it) and the
    JSON files beside it named as parameters files are -- `x.parameters.json`, `x.parameters.prod.json`,
    `x.params.json`, `parameters.json`, `parameters-x.json`, `parameters_dev.json` -- which feed it
    when it declares every parameter they set, as Azure requires. Examples and samples
    (`parameters-example.json`) are no deployment."""
    return sorted(other for other in files if other.endswith(".bicepparam") or named_for(relpath, other, files))


_USING = re.compile(rb"^\s*using\s+'([^']+)'", re.M)


def using_target(name: str, body: bytes) -> str | None:
    """The tree path of the template a .bicepparam file's `using` names, relative to the file's own
    folder (`using '../main.bicep'` in params/dev.bicepparam is main.bicep); None for a registry or
    template-spec reference (`br:`, `ts:`), a path out of the tree, or no `using`."""
    match = _USING.search(body.removeprefix(b"\xef\xbb\xbf"))
    target = match.group(1).decode("utf-8", "replace") if match else ""
    if not target or ":" in target.split("/")[0]:
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    return None if resolved.startswith("..") or resolved.startswith("/") else resolved


def feeds(body: bytes, template: str, name: str = "") -> bool:
    """A .bicepparam file feeds the template its `using` statement resolves to (from the file's own
    folder; without `name`, the same file name); a JSON file (it starts with `{`, which Bicep
    cannot) is a deployment parameters document (whether the template declares its parameters is
    checked where the template is read: read_parameter_file)."""
    body = body.removeprefix(b"\xef\xbb\xbf")
    if body.lstrip()[:1] == b"{":
        return _parameters_object(body) is not None
    if name:
        return using_target(name, body) == template
    match = _USING.search(body)
    return bool(match) and posixpath.basename(match.group(1).decode()) == posixpath.basename(template)


def parameter_index(listing) -> dict[str, list[str]]:
    """Template -> the .bicepparam files of the tree whose `using` resolves to it from another
    folder (params/dev.bicepparam with `using '../main.bicep'`). Each file is read once."""
    index: dict[str, list[str]] = {}
    for name in listing.files:
        if not name.endswith(".bicepparam"):
            continue
        body, _ = read_safely(listing.root, listing.root / name, name)  # a problem is reported where a template reads it
        target = using_target(name, body) if body else None
        if target is not None and posixpath.dirname(target) != posixpath.dirname(name):
            index.setdefault(target, []).append(name)
    return index


def validate(name: str, body: bytes) -> None:
    """Raise the reader's error (with `.line`) for a parameters file akfix cannot read."""
    if name.endswith(".json"):
        jsonspan.parse(body, lazy=False)
    else:
        tokenize(body)


def read_parameter_file(name: str, body: bytes, declared: set[str]) -> tuple[str, bytes, list[Token], dict] | None:
    """(file, body, tokens, declarations) as the evaluator reads a parameters file; None for a JSON
    file that does not feed a template declaring `declared`: it sets a parameter the template does
    not declare, which Azure refuses."""
    if not name.endswith(".json"):
        tokens = tokenize(body)
        return name, body, tokens, _with_base(tokens, bicepparam_declarations(tokens), declared)
    parameters = _parameters_object(body)
    if parameters is None:
        return None
    if not declares_all((key for key, _, _ in parameters.members), declared):
        return None
    by_lower = {d.lower(): d for d in declared}
    tokens: list[Token] = []
    declarations: dict[str, tuple[int, int]] = {}
    for key, key_node, entry in parameters.members:
        param = by_lower[key.lower()]  # deployment parameter names are case-insensitive
        first = len(tokens)
        tokens.extend(_value_tokens(entry, key_node))
        declarations[param] = (first, len(tokens))
        tokens.append(Token("newline", tokens[-1].end, tokens[-1].end, "\n"))
    return name, body, tokens, declarations


def declared_params(tokens: list[Token]) -> set[str]:
    """Every `param name ...` of a template, with a default or without."""
    return {tokens[i + 1].text for i, t in enumerate(tokens[:-1])
            if t.kind == "ident" and t.text == "param" and (i == 0 or tokens[i - 1].kind == "newline") and tokens[i + 1].kind == "ident"}


def bicepparam_declarations(tokens: list[Token]) -> dict[str, tuple[int, int]]:
    """name -> (first, end) token indexes of each `param name = value` of a .bicepparam file."""
    found = {}
    for i, token in enumerate(tokens):
        if token.kind == "ident" and token.text == "param" and (i == 0 or tokens[i - 1].kind == "newline") \
                and i + 2 < len(tokens) and tokens[i + 1].kind == "ident" and tokens[i + 2].text == "=":
            end = i + 3
            while end < len(tokens) and tokens[end].kind != "newline":
                end = matching(tokens, end) + 1 if tokens[end].kind == "punct" and tokens[end].text in ("(", "[", "{") else end + 1
            found[tokens[i + 1].text] = (i + 3, end)
    return found


def _with_base(tokens: list[Token], declarations: dict[str, tuple[int, int]], declared: set[str]) -> dict[str, tuple[int, int]]:
    """A .bicepparam file that `extends` a base file takes every param it does not set itself from
    that base (Bicep 0.29+). akfix does not read the base: each such param is undecided for this
    deployment (an "unread" token at the `extends` statement), never the template's default the base
    may override."""
    at = next((i for i, t in enumerate(tokens[:-1]) if t.kind == "ident" and t.text == "extends"
               and (i == 0 or tokens[i - 1].kind == "newline") and tokens[i + 1].kind == "string"), None)
    if at is None:
        return declarations
    base = tokens[at + 1]
    why = f"whatever the base file {base.text} it extends sets"
    found = dict(declarations)
    for param in sorted(declared - set(declarations)):
        found[param] = (len(tokens), len(tokens) + 1)
        tokens.append(Token(UNREAD, base.start, base.end, why))  # past the file's own tokens: spans stay its bytes
        tokens.append(Token("newline", base.end, base.end, "\n"))
    return found


def _parameters_object(body: bytes):
    try:
        document = jsonspan.parse(body)
    except (jsonspan.JsonSpanError, RecursionError):
        return None
    return parameters_of(document)


def _value_tokens(entry, key_node) -> list[Token]:
    """The tokens the evaluator reads for one `"name": {"value": ...}` entry."""
    value = entry.get("value") if entry.kind == "object" else None
    if value is None:
        why = "a Key Vault reference" if entry.kind == "object" and entry.get("reference") is not None else "no value"
        return [Token(UNREAD, key_node.start, key_node.end, why)]
    return _literal_tokens(value, 0)


_MAX_DEPTH = 32  # deeper JSON values stay unread: the evaluator refuses deeper nesting anyway


def _literal_tokens(value, depth: int) -> list[Token]:
    """A JSON value as Bicep literal tokens spanning its own bytes. Brackets span theirs; a key's `:`
    and the `,` between members are zero-width (JSON's own sit elsewhere), and no newline is made, so
    the object reads as one line: no place for a new key (expressions.py `_object_spot`)."""
    if value.kind not in ("object", "array"):
        return [_value_token(value)]
    if depth > _MAX_DEPTH:
        return [Token(UNREAD, value.start, value.end, f"an {value.kind} nested too deeply")]
    opening, closing = ("{", "}") if value.kind == "object" else ("[", "]")
    tokens = [Token("punct", value.start, value.start + 1, opening)]
    if value.kind == "object":
        for key, key_node, member in value.members:
            tokens.append(Token("string", key_node.start, key_node.end, quote(key)))
            tokens.append(Token("punct", key_node.end, key_node.end, ":"))
            tokens.extend(_literal_tokens(member, depth + 1))
            tokens.append(Token("punct", tokens[-1].end, tokens[-1].end, ","))
    else:
        for item in value.items:
            tokens.extend(_literal_tokens(item, depth + 1))
            tokens.append(Token("punct", tokens[-1].end, tokens[-1].end, ","))
    tokens.append(Token("punct", value.end - 1, value.end, closing))
    return tokens


def _value_token(value) -> Token:
    """The token of one JSON scalar."""
    if value.kind == "string":
        if "${" in value.value:  # azd fills ${VAR} from the environment at deploy time
            return Token(UNREAD, value.start, value.end, f"{value.value} (an azd environment substitution)")
        return Token("string", value.start, value.end, quote(value.value))
    if value.kind in ("null", "true", "false"):
        return Token("ident", value.start, value.end, value.kind)
    if value.kind == "number":
        return Token("number", value.start, value.end, str(value.value))
    return Token(UNREAD, value.start, value.end, value.kind)
