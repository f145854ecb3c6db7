"""Independent read-back of edited Bicep with tree-sitter-bicep.

That grammar lags the language (it fails on about a sixth of real files, design.md), so it cannot
locate; but where it parses the original cleanly it must parse the result cleanly too and see the
new values where akfix wrote them. Files it cannot parse to begin with are checked by akfix's own
tokenizer and the idempotence run only.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _parser():
    try:
        import tree_sitter_bicep
        from tree_sitter import Language, Parser
    except ImportError:
        return None
    return Parser(Language(tree_sitter_bicep.language()))


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _object_values(obj) -> dict[str, object]:
    values = {}
    for prop in (c for c in obj.children if c.type == "object_property"):
        key = next((c for c in prop.children if c.type in ("identifier", "string")), None)
        value = prop.children[-1] if prop.children else None
        if key is not None and value is not None:
            values[_text(key).strip("'")] = value
    return values


def _string(node) -> str | None:
    if node is None or node.type != "string":
        return None
    parts = [c for c in node.children if c.type not in ("'",)]
    if len(parts) == 1 and parts[0].type == "string_content":
        return _text(parts[0])
    return "" if not parts else None


def readback(before: bytes, after: bytes, checks: list[tuple[str, dict[str, str]]]) -> str | None:
    """`checks`: (anchor such as "aks" or "module aks", {key: value}); a reason when it fails."""
    parser = _parser()
    if parser is None or parser.parse(before).root_node.has_error:
        return None
    root = parser.parse(after).root_node
    if root.has_error:
        return "tree-sitter-bicep parsed the original but not the result"
    for anchor, wanted in checks:
        keyword, _, name = anchor.rpartition(" ")
        kind = "module_declaration" if keyword == "module" else "resource_declaration"
        declaration = next(
            (c for c in root.children if c.type == kind and any(g.type == "identifier" and _text(g) == name for g in c.children)),
            None,
        )
        body = next((c for c in declaration.children if c.type == "object"), None) if declaration is not None else None
        if body is None:
            continue  # loops and conditions wrap the object differently: idempotence covers them
        values = _object_values(body)
        if keyword == "module":
            holder = values.get("params")
        else:
            properties = values.get("properties")
            holder = _object_values(properties).get("networkProfile") if properties is not None and properties.type == "object" else None
        if holder is None or holder.type != "object":
            return f"tree-sitter-bicep does not see the network settings of {anchor}"
        seen = _object_values(holder)
        for key, value in wanted.items():
            if _string(seen.get(key)) != value:
                return f"tree-sitter-bicep reads {key} = {_text(seen.get(key)) or 'nothing'} in {anchor}, expected '{value}'"
    return None
