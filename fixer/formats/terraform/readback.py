"""Independent read-back of an edited Terraform file with python-hcl2.

python-hcl2 shares no code with tree-sitter, so a value it reads back was really written where
Terraform will see it (not inside a comment, a heredoc, or a broken block).
"""

from __future__ import annotations

import os
import re


class ReadbackFailure(ValueError):
    pass


def _unquote(value: object) -> object:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


_COMMENT_LABEL = re.compile(r"(?:/\*.*?\*/)+", re.S)


def _unwrap(mapping):
    """python-hcl2 8 reads a block comment between a block's labels and its `{` (valid HCL) as one
    more label: `"/* c */": {...}`. Step over such levels."""
    while isinstance(mapping, dict):
        keys = [k for k in mapping if k != "__is_block__"]
        if len(keys) != 1 or not _COMMENT_LABEL.fullmatch(str(keys[0])) or not isinstance(mapping[keys[0]], dict):
            return mapping
        mapping = mapping[keys[0]]
    return mapping


def _key(mapping: dict, name: str):
    """python-hcl2 8 keeps the quotes of block labels: accept both spellings."""
    mapping = _unwrap(mapping)
    if name in mapping:
        return _unwrap(mapping[name])
    return _unwrap(mapping.get(f'"{name}"'))


def read_profile(text: str, resource_type: str, name: str) -> dict[str, object]:
    """The network_profile attributes of one resource, as python-hcl2 reads them."""
    import hcl2

    try:
        document = hcl2.loads(text)
    except Exception as exc:  # python-hcl2 raises lark errors of several types
        raise ReadbackFailure(f"python-hcl2 cannot parse the result: {str(exc).splitlines()[0][:200]}") from exc
    return _profile(document, resource_type, name)


def _azapi_profile(document: dict, name: str) -> dict[str, object] | None:
    for resources in document.get("resource", []):
        body = _key(_key(resources, "azapi_resource") or {}, name)
        if body is None:
            continue
        value = body.get("body")
        if not isinstance(value, dict):
            return None
        properties = _key(value, "properties") or {}
        profile = _key(properties, "networkProfile") or {}
        return {str(k).strip('"'): _unquote(v) for k, v in profile.items() if not str(k).startswith("__")}
    raise ReadbackFailure(f"python-hcl2 does not see resource azapi_resource.{name}")


def _module_inputs(document: dict, name: str) -> dict[str, object]:
    for modules in document.get("module", []):
        body = _key(modules, name)
        if body is not None:
            inputs = body.get("network_profile") if isinstance(body.get("network_profile"), dict) else body
            return {str(k).strip('"'): _unquote(v) for k, v in inputs.items() if not str(k).startswith("__")}
    raise ReadbackFailure(f"python-hcl2 does not see module {name}")


def _profile(document: dict, resource_type: str, name: str) -> dict[str, object]:
    for resources in document.get("resource", []):
        by_name = _key(resources, resource_type)
        if not by_name:
            continue
        body = _key(by_name, name)
        if body is None:
            continue
        profiles = body.get("network_profile") or _dynamic_content(body)
        if not profiles:
            return {}
        if not isinstance(profiles, list):  # an argument `network_profile = {...}`, not a block
            raise ReadbackFailure(f"python-hcl2 reads network_profile of {resource_type}.{name} as an argument, not a block")
        return {k: _unquote(v) for k, v in _unwrap(profiles[0]).items() if not k.startswith("__")}
    raise ReadbackFailure(f"python-hcl2 does not see resource {resource_type}.{name}")


def _dynamic_content(body: dict) -> list:
    """The content of a `dynamic "network_profile"` block, as python-hcl2 reads it ([] if none)."""
    for dynamic in body.get("dynamic") or []:
        block = _key(dynamic, "network_profile") if isinstance(dynamic, dict) else None
        if isinstance(block, dict):
            return block.get("content") or []
    return []


# text -> python-hcl2's document, or the message of its parse error. Filled by `prefetch` (in a
# process pool when there are many files) and read by `check_readback`.
_DOCUMENTS: dict[str, dict | str] = {}
POOL_THRESHOLD = 24  # below this many files, starting worker processes costs more than it saves


def _load(text: str) -> dict | str:
    import hcl2

    try:
        return hcl2.loads(text)
    except Exception as exc:  # python-hcl2 raises lark errors of several types
        return f"python-hcl2 cannot parse the result: {str(exc).splitlines()[0][:200]}"


def parse_error(text: str) -> str | None:
    """Why python-hcl2 cannot read a text (its first line), or None when it can."""
    document = _load(text)
    return document.split(": ", 1)[1] if isinstance(document, str) else None


def prefetch(texts: list[str]) -> None:
    """Parse many results at once: python-hcl2 (lark) takes ~10 ms a file, which adds up on a
    monorepo's hundreds of fixes; with enough of them the work is spread over the CPUs."""
    _DOCUMENTS.clear()  # one run's results at a time (a bot worker runs many)
    todo = list(dict.fromkeys(texts))
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) < POOL_THRESHOLD or workers < 2:
        return  # check_readback parses them one by one
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import hcl2.parser

    hcl2.parser.parser()  # built once here; forked workers inherit it
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for text, document in zip(todo, pool.map(_load, todo, chunksize=max(1, len(todo) // (workers * 4)))):
                _DOCUMENTS[text] = document
    except (OSError, RuntimeError):
        return  # no processes here (a sandbox, a limit): parse in this process instead


def check_readback(text: str, checks) -> None:
    """`checks`: (cluster address, changes written into its network_profile block). The file must
    parse with python-hcl2 even when no resource value is checked (tfvars, variables.tf)."""
    document = _DOCUMENTS.pop(text, None)
    if document is None:
        document = _load(text)
    if isinstance(document, str):
        raise ReadbackFailure(document)
    for address, changes in checks:
        if not changes:
            continue
        kind, rest = address.split(".", 1)
        if kind == "azapi_resource":
            profile = _azapi_profile(document, rest)
            if profile is None:
                continue  # a jsonencode() body is a string to python-hcl2: the re-parse checks it
            changes = [c for c in changes if c.attribute != "apiVersion"]
        else:
            profile = _module_inputs(document, rest) if kind == "module" else _profile(document, kind, rest)
        for change in changes:
            got = profile.get(change.attribute)
            if got != change.value:
                raise ReadbackFailure(f"read-back mismatch for {address}: {change.attribute} is {got!r}, expected {change.value!r}")
