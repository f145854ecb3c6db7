"""The Kubernetes version a Pulumi program reads from its stack configuration.

`kubernetes_version=config.get("k8sVersion") or "1.31.2"` deploys, per stack, the value that stack's
`Pulumi.<stack>.yaml` sets under `<project>:k8sVersion` (or the config object's namespace), else the
fallback. akfix plans one view per program, so the versions every stack may deploy become the
value's domain: AKS's version rules (NPM and Calico need >= 1.30) then judge the oldest of them, as
they do for a Terraform variable's allowed values. Read only, never written.

Pure: the call's expression, the program's reader and the stack files' config in, a Value out.
"""

from __future__ import annotations

import posixpath

import libcst as cst
from ruamel.yaml import YAML, YAMLError

from fixer.model import Value, ValueKind

_GETTERS = {"get", "require", "get_secret", "require_secret"}


def stack_files(folder: str, names) -> list[str]:
    """`Pulumi.<stack>.yaml` files of the program folder (`names`: the folder's listed files)."""
    return sorted(n for n in names if posixpath.dirname(n) == folder and posixpath.basename(n).startswith("Pulumi.")
                  and n.endswith((".yaml", ".yml")) and posixpath.basename(n).count(".") == 2)


def stack_configs(texts: dict[str, str]) -> dict[str, dict]:
    """Each stack file's `config:` mapping (empty where the file has none or does not parse), read
    once per program."""
    out = {}
    for name, text in texts.items():
        document = _load(text)
        config = document.get("config") if isinstance(document, dict) else None
        out[name] = config if isinstance(config, dict) else {}
    return out


def project_defaults(text: str | None, project: str | None) -> dict:
    """The `config:` of a Pulumi.yaml as stack config entries: `key: {type, default}` (or `value`)
    and `key: value` give every stack that does not set the key that value. Keys without a namespace
    are the project's own (`networkPlugin` is `<project>:networkPlugin`)."""
    document = _load(text)
    config = document.get("config") if isinstance(document, dict) else None
    found = {}
    for key, value in (config.items() if isinstance(config, dict) else ()):
        if isinstance(value, dict):
            value = value.get("default", value.get("value"))
        if isinstance(key, str) and value is not None:
            found[key if ":" in key or not project else f"{project}:{key}"] = value
    return found


def with_defaults(stacks: dict[str, dict], defaults: dict) -> dict[str, dict]:
    """Each stack's config over the project's defaults (no stack file: the defaults alone, as the
    project file's own entry)."""
    if not defaults:
        return stacks
    if not stacks:
        return {"Pulumi.yaml": {**defaults, DEFAULTED: frozenset(defaults)}}
    return {name: {**defaults, **config, DEFAULTED: frozenset(defaults) - set(config)} for name, config in stacks.items()}


DEFAULTED = "(akfix: keys from Pulumi.yaml)"  # in a merged config: the keys the stack takes from the project's defaults


def config_domain(reader, node: cst.BaseExpression | None, project: str | None, stacks: dict[str, dict]) -> Value | None:
    """The values `node` (a kubernetes_version or os_type argument) takes across `stacks` (file -> its
    config mapping, stack_configs), as an expression Value whose domain lists them; None where the
    expression is no config read, or no stack and no fallback gives it a value."""
    if isinstance(node, cst.Name):
        assigned = reader.assigned_value(node)
        node = assigned if isinstance(assigned, cst.BaseExpression) else None
    if node is None:
        return None
    fallback = None
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        right = reader.read(node.right).value
        if right.literal is None:
            return None
        fallback, node = right.literal, node.left
    read = _config_read(reader, node)
    if read is None:
        return None
    namespace, key, default = read
    fallback = default if default is not None else fallback
    namespace = namespace or project
    versions: list[str] = []
    sources: list[str] = []  # where each stack's value comes from, for the report
    for name, config in sorted(stacks.items()):
        found = _stack_value(config, namespace, key)
        defaulted = {f"{namespace}:{key}", key} & set(config.get(DEFAULTED, ()))
        if found is not None:
            versions.append(found)
            sources.append("Pulumi.yaml's default" if defaulted else posixpath.basename(name))
        elif fallback is not None:
            versions.append(fallback)
            sources.append(f"the code's fallback for {posixpath.basename(name)}")
    if not stacks and fallback is not None:
        versions.append(fallback)
    if not versions:
        return None
    where = f"from {', '.join(dict.fromkeys(sources))}" if stacks else "no stack file sets it"
    return Value(ValueKind.EXPRESSION, reader.code(node), reader.line_of(node),
                 domain=tuple(sorted(set(versions))), via=f"stack config {namespace + ':' if namespace else ''}{key}, {where}",
                 note=f"set per stack: {', '.join(sorted(set(versions)))}")


def _config_read(reader, node) -> tuple[str | None, str, str | None] | None:
    """(namespace, key, default) of `config.get("key")`, `config.require("key")`, `config.get("key", "x")`."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute) or node.func.attr.value not in _GETTERS:
        return None
    key = reader.read(node.args[0].value).value.literal if node.args else None
    if key is None:
        return None
    default = reader.read(node.args[1].value).value.literal if len(node.args) > 1 else None
    owner = node.func.value
    if isinstance(owner, cst.Name):
        assigned = reader.assigned_value(owner)
        owner = assigned if isinstance(assigned, cst.BaseExpression) else owner
    namespace = None
    if isinstance(owner, cst.Call) and reader.code(owner.func).endswith("Config"):
        if owner.args:
            namespace = reader.read(owner.args[0].value).value.literal
            if namespace is None:
                return None  # a namespace akfix cannot read
    elif not isinstance(owner, cst.Name):
        return None
    return namespace, key, default


def project_name(text: str | None) -> str | None:
    """`name:` of a Pulumi.yaml."""
    document = _load(text)
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) else None


def project_main(text: str | None) -> str | None:
    """`main:` of a Pulumi.yaml: the folder or file Pulumi runs instead of the project's `__main__.py`."""
    document = _load(text)
    main = document.get("main") if isinstance(document, dict) else None
    return main if isinstance(main, str) and main.strip() else None


def _stack_value(config: dict, namespace: str | None, key: str) -> str | None:
    value = config.get(f"{namespace}:{key}") if namespace else None
    if value is None:
        value = config.get(key)
    if value is None and not namespace:  # the project's name unread: any namespace's key of that name
        value = next((v for k, v in config.items() if isinstance(k, str) and k.endswith(f":{key}")), None)
    if isinstance(value, dict):  # `key: {value: ...}` (structured config)
        value = value.get("value")
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _load(text: str | None):
    if not text:
        return None
    try:
        return YAML(typ="safe", pure=True).load(text)
    except (YAMLError, ValueError):
        return None
