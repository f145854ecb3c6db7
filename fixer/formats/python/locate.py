"""Find AKS clusters in a Python program with libcst.

Classes are recognised by qualified name (libcst's QualifiedNameProvider resolves `import x as y`,
`from x import y as z` and attribute chains), so clusters built in loops, helper functions or
comprehensions are found wherever the call is. The network profile may be the args class, a dict
literal, or a name assigned once in the same scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, QualifiedNameProvider, ScopeProvider

from fixer.formats.python import kinds as K
from fixer.formats.python.mark import is_marked, is_multiline
from fixer.formats.python.values import Reader, Resolved, dict_entries, keyword_args
from fixer.model import MISSING, Cluster, Profile, Value, ValueKind


class PythonSyntaxError(ValueError):
    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


@dataclass
class ParsedFile:
    relpath: str
    module: cst.Module  # the wrapper's module: its nodes are the ones metadata and anchors refer to
    reader: Reader
    star_imports: tuple[str, ...]  # modules imported with `from m import *`
    index: object = None  # the module's _Index: parents, calls, names


@dataclass(frozen=True)
class ProfileSite:
    """Where a cluster's network profile is written: an args call or dict literal (`node`), or
    nowhere yet (node None: a network_profile keyword will be added to the cluster call)."""

    node: cst.Call | cst.Dict | None
    entries: dict = field(default_factory=dict)  # snake field -> (keyword as written, Resolved)
    camel: bool = False  # dict keys written camelCase
    via: str = ""  # the profile came through a variable: "variable profile (line 3)"


@dataclass(frozen=True)
class PyAnchor:
    kind: K.Kind
    parsed: ParsedFile
    call: cst.Call
    site: ProfileSite
    index: int  # the cluster's position among the file's clusters
    fills_kubenet: bool = False  # azure-native < 3.0: a profile without network_plugin sends kubenet


@dataclass(frozen=True)
class Pool:
    """A separate node-pool resource: Windows or not, and the names its arguments mention."""

    address: str
    windows: bool
    mentions: frozenset[str]
    file: str
    os_node: cst.BaseExpression | None = None  # os_type where it is no literal: read from config or inputs


@dataclass(frozen=True)
class Found:
    clusters: list  # (kind, call, variable name or None)
    pools: list[Pool]


def parse(relpath: str, body: bytes) -> ParsedFile:
    try:
        module = cst.parse_module(body.decode("utf-8"))
    except cst.ParserSyntaxError as exc:
        raise _syntax_error(body, exc) from exc
    except RecursionError as exc:
        raise PythonSyntaxError("Python file nests too deeply to parse") from exc
    index = _Index()
    module.visit(index)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    # Qualified names are asked of the scopes directly, for the few nodes that need them, as
    # QualifiedNameProvider itself does; resolving that provider for every node costs a third of a file's time.
    resolved = wrapper.resolve_many([ScopeProvider, PositionProvider])

    def metadata(provider, node):
        if provider is ParentNodeProvider:
            return index.parents.get(node)
        if provider is QualifiedNameProvider:
            scope = resolved[ScopeProvider].get(node)
            return scope.get_qualified_names_for(node) if scope is not None else set()
        return resolved[provider].get(node)

    def line_of(node) -> int:
        position = resolved[PositionProvider].get(node)
        return position.start.line if position else 1

    stars = tuple(index.stars)
    return ParsedFile(relpath, module, Reader(relpath, module, metadata, line_of, stars), stars, index)


class _Index(cst.CSTVisitor):
    """One pass over the tree: every node's parent, every call and name, `from m import *`
    modules. (libcst's ParentNodeProvider and `node.children` would each cost a pass of their own.)"""

    def __init__(self):
        super().__init__()
        self.parents: dict = {}
        self.calls: list[cst.Call] = []
        self.names: list[cst.Name] = []
        self.stars: list[str] = []
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parents[node] = self._stack[-1]
        self._stack.append(node)
        if isinstance(node, cst.Call):
            self.calls.append(node)
        elif isinstance(node, cst.Name):
            self.names.append(node)
        elif isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar) and node.module is not None and not node.relative:
            self.stars.append(cst.helpers.get_full_name_for_node(node.module) or "")
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()


def _inside(parsed: ParsedFile, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    parents = parsed.index.parents
    while node is not None:
        if node is ancestor:
            return True
        node = parents.get(node)
    return False


def _syntax_error(body: bytes, exc: cst.ParserSyntaxError) -> PythonSyntaxError:
    """Python's own message when it has one (libcst lists every token it expected)."""
    import ast

    last = body.count(b"\n") + 1  # Python also ends lines at a lone CR; akfix counts LFs, as editors do
    try:
        ast.parse(body)
    except SyntaxError as error:
        return PythonSyntaxError(f"Python syntax error: {error.msg}", min(error.lineno or exc.raw_line, last))
    except ValueError:
        pass
    return PythonSyntaxError("libcst cannot parse this file (syntax newer than libcst knows?)", min(exc.raw_line, last))


def qualified_names(parsed: ParsedFile, call: cst.Call) -> set[str]:
    return parsed.reader.qualified(call.func)


def find(parsed: ParsedFile) -> Found:
    clusters, pools = [], []
    for call in parsed.index.calls:
        names = qualified_names(parsed, call)
        kind = next((k for n in names if (k := K.kind_of(n))), None)
        if kind is not None:
            clusters.append((kind, call, _assigned_to(parsed, call)))
            continue
        pool_kind = next((k for n in names if (k := K.pool_kind_of(n))), None)
        if pool_kind is not None:
            os_node = _keyword(call, "os_type", "osType")
            os_type = parsed.reader.read(os_node).value
            pools.append(Pool(
                address=f"{_class_name(call)}.{_resource_name(parsed, call, pool_kind)}",
                windows=(os_type.literal or "").lower() == "windows",
                mentions=frozenset(n.value for n in parsed.index.names if _inside(parsed, n, call)),
                file=parsed.relpath,
                os_node=os_node if os_node is not None and os_type.literal is None else None,
            ))
    clusters.sort(key=lambda item: parsed.reader.line_of(item[1]))
    return Found(clusters, pools)


def addresses(parsed: ParsedFile, clusters: list) -> list[str]:
    """One address per cluster, unique in the file and stable under unrelated edits: the class and
    the resource name (or its expression), the enclosing function when there is one, and #2, #3...
    for calls that still look alike."""
    names = []
    for kind, call, _ in clusters:
        name = f"{_class_name(call)}.{_resource_name(parsed, call, kind)}"
        function = _enclosing_function(parsed, call)
        names.append(f"{name} in {function}()" if function and "[" in name else name)
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _enclosing_function(parsed: ParsedFile, node: cst.CSTNode) -> str | None:
    current = node
    while current is not None:
        current = parsed.reader.metadata(ParentNodeProvider, current)
        if isinstance(current, cst.FunctionDef):
            return current.name.value
    return None


def _keyword(call: cst.Call, *names: str) -> cst.BaseExpression | None:
    args = keyword_args(call)
    return next((args[n].value for n in names if n in args), None)


def _assigned_to(parsed: ParsedFile, call: cst.Call) -> str | None:
    parent = parsed.reader.metadata(ParentNodeProvider, call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
        return parent.target.value
    return None


def _class_name(call: cst.Call) -> str:
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "cluster")


def _resource_name(parsed: ParsedFile, call: cst.Call, kind: K.Kind) -> str:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    node = positional[kind.name_argument].value if len(positional) > kind.name_argument else _keyword(call, "resource_name", "id")
    if node is None:
        return "?"
    value = parsed.reader.read(node).value
    if value.kind is ValueKind.LITERAL and value.via == "":
        return value.text
    code = parsed.reader.code(node)
    return f"[{code[:57] + '...' if len(code) > 60 else code}]"


def profile_site(parsed: ParsedFile, kind: K.Kind, call: cst.Call) -> ProfileSite | Value:
    """The profile's site, or the Value explaining why akfix cannot see it."""
    node = _keyword(call, "network_profile")
    via = ""
    if node is None:
        if any(arg.star == "**" for arg in call.args):
            return Value(ValueKind.EXPRESSION, "**" + parsed.reader.code(next(a.value for a in call.args if a.star == "**")),
                         parsed.reader.line_of(call), note="the cluster's arguments are passed through a ** mapping")
        return ProfileSite(None)
    if isinstance(node, cst.Name) and node.value != "None":
        assigned = parsed.reader.assigned_value(node)
        if isinstance(assigned, str) or assigned is None:
            return Value(ValueKind.EXPRESSION, node.value, parsed.reader.line_of(node), note=assigned or "")
        via = f"variable {node.value} (line {parsed.reader.line_of(assigned)})"
        node = assigned
    if isinstance(node, cst.Name) and node.value == "None":
        return ProfileSite(None)
    node = _sole_element(node)
    if isinstance(node, cst.Call) and (_is_profile_class(parsed, node, kind) or parsed.reader.code(node.func) == "dict"):
        if any(arg.keyword is None for arg in node.args):
            return Value(ValueKind.EXPRESSION, parsed.reader.code(node), parsed.reader.line_of(node), note="positional or ** arguments")
        entries = {K.to_snake(k): (k, parsed.reader.read(a.value)) for k, a in keyword_args(node).items()}
        return ProfileSite(node, entries, False, via)
    if isinstance(node, cst.Dict):
        found = dict_entries(node)
        if found is None:
            return Value(ValueKind.EXPRESSION, parsed.reader.code(node), parsed.reader.line_of(node), note="a dict with computed keys")
        entries = {K.to_snake(k): (k, parsed.reader.read(e.value)) for k, e in found.items()}
        camel = any(k != K.to_snake(k) for k in found)
        return ProfileSite(node, entries, camel, via)
    return Value(ValueKind.EXPRESSION, parsed.reader.code(node), parsed.reader.line_of(node), note="network_profile is built by an expression")


def _is_profile_class(parsed: ParsedFile, node: cst.Call, kind: K.Kind) -> bool:
    names = qualified_names(parsed, node) or {parsed.reader.code(node.func)}
    return any(n.rsplit(".", 1)[-1] == kind.profile_class for n in names)


def _field(site: ProfileSite, snake: str) -> Resolved:
    entry = site.entries.get(snake)
    return entry[1] if entry else Resolved(MISSING)


def _sole_element(node: cst.BaseExpression) -> cst.BaseExpression:
    """The one element of a one-element list: CDKTF providers generated before nested blocks became
    single objects (cdktf-provider-azurerm < 3) take `network_profile=[KubernetesClusterNetworkProfile(...)]`."""
    if isinstance(node, cst.List) and len(node.elements) == 1 and isinstance(node.elements[0], cst.Element):
        return node.elements[0].value
    return node


def profile_argument(site: ProfileSite, snake: str) -> cst.BaseExpression | None:
    """The expression a profile written in the call gives `snake` (network_plugin...), as written."""
    return _nested(None, site.node).get(snake) if site.node is not None else None


def _nested(parsed: ParsedFile | None, node: cst.BaseExpression | None) -> dict[str, cst.BaseExpression]:
    """Keyword arguments of an args call, or string-keyed entries of a dict literal (snake keys)."""
    node = _sole_element(node) if node is not None else None
    if isinstance(node, cst.Call):
        return {K.to_snake(k): a.value for k, a in keyword_args(node).items()}
    if isinstance(node, cst.Dict):
        return {K.to_snake(k): e.value for k, e in (dict_entries(node) or {}).items()}
    return {}


def _pools_inline(parsed: ParsedFile, kind: K.Kind, call: cst.Call) -> tuple[list[str], bool]:
    """(Windows pools, pod subnet set) from the pools inside the cluster call."""
    windows, pod_subnet = [], False
    for label, fields in _inline_pools(parsed, kind, call):
        if (parsed.reader.read(fields.get("os_type")).value.literal or "").lower() == "windows":
            windows.append(label)
        pod_subnet = pod_subnet or "pod_subnet_id" in fields
    return windows, pod_subnet


def inline_pool_oses(parsed: ParsedFile, kind: K.Kind, call: cst.Call) -> list[tuple[str, cst.BaseExpression]]:
    """(label, os_type) of the pools inside the cluster call whose os_type is no literal."""
    return [(label, fields["os_type"]) for label, fields in _inline_pools(parsed, kind, call)
            if "os_type" in fields and parsed.reader.read(fields["os_type"]).value.literal is None]


def _inline_pools(parsed: ParsedFile, kind: K.Kind, call: cst.Call) -> list[tuple[str, dict[str, cst.BaseExpression]]]:
    """(label, fields) of each pool inside the cluster call: its pool list's entries, then default_node_pool."""
    pools = []
    if kind.pool_list:
        listed = _keyword(call, kind.pool_list, K.camel(kind.pool_list))
        pools = [e.value for e in listed.elements] if isinstance(listed, cst.List) else []
    default = _keyword(call, "default_node_pool")
    out = []
    for index, pool in enumerate(pools + ([default] if default is not None else [])):
        fields = _nested(parsed, pool)
        name = parsed.reader.read(fields.get("name")).value.literal or f"#{index}"
        out.append((f"{kind.pool_list or 'default_node_pool'}[{name}]", fields))
    return out


def _unmarkable(site: ProfileSite) -> str:
    """Why the kubenet migration's phase-1 mark (mark.py) cannot go into this profile; "" when it can."""
    if site.node is None:
        return "there is no network_profile to carry the mark"
    if site.via:
        # A profile variable may be shared by other clusters, whose phase 2 the mark would hold back too.
        return f"the network_profile comes from {site.via}; akfix marks only a profile written in the cluster call"
    if not is_multiline(site.node):
        return "the network_profile is written on one line, where no comment line fits"
    return ""


def cluster_of(parsed: ParsedFile, kind: K.Kind, call: cst.Call, index: int, address: str, *, fills_kubenet: bool, api: str | None) -> Cluster:
    line = parsed.reader.line_of(call)
    site = profile_site(parsed, kind, call)
    windows, pod_subnet = _pools_inline(parsed, kind, call)
    version = parsed.reader.read(_keyword(call, "kubernetes_version")).value
    provisioning = _nested(parsed, _keyword(call, "node_provisioning_profile"))
    auto = (parsed.reader.read(provisioning.get("mode")).value.literal or "").lower() == "auto"
    identity = parsed.reader.read(_nested(parsed, _keyword(call, "identity")).get("type")).value
    if isinstance(site, Value):  # the profile is out of sight: the policy is unresolved
        profile = Profile(block_present=True, policy=site, kubernetes_version=version, identity_type=identity,
                          unmarkable=f"the network_profile is built by an expression ({site.text}), where akfix cannot write a comment line")
        site = ProfileSite(None)
    else:
        plugin = _field(site, "network_plugin").value
        if plugin.is_missing and site.node is not None and kind is K.AZURE_NATIVE_KIND and fills_kubenet:
            plugin = Value(ValueKind.LITERAL, "kubenet", line, via="pulumi-azure-native < 3.0 sends kubenet when network_plugin is left out")
        data_plane_field = next((f for f in ("network_dataplane", "network_data_plane", "ebpf_data_plane") if f in site.entries), None)
        profile = Profile(
            block_present=site.node is not None,
            plugin=plugin,
            plugin_mode=_field(site, "network_plugin_mode").value,
            policy=_field(site, "network_policy").value,
            data_plane=_field(site, data_plane_field).value if data_plane_field else MISSING,
            data_plane_attribute=kind.attribute_of(data_plane_field) if data_plane_field else None,
            pod_subnet=Value(ValueKind.EXPRESSION, "pod_subnet_id") if pod_subnet else MISSING,
            outbound_type=_field(site, "outbound_type").value,
            kubernetes_version=version,
            auto_provisioning=auto,
            identity_type=identity,
            migration_pending=is_marked(site.node),
            unmarkable=_unmarkable(site),
        )
    return Cluster(
        file=parsed.relpath,
        line=line,
        format=kind.format,
        address=address,
        profile=profile,
        module_dir=parsed.relpath,  # addresses are unique per file, not per folder
        profile_file=parsed.relpath,
        windows_pools=tuple(windows),
        api_version=api if kind.put else None,
        # the Azure name: azure-native's resource_name (without it Pulumi adds a random suffix), else `name`
        name=parsed.reader.read(_keyword(call, "resource_name" if kind is K.AZURE_NATIVE_KIND else "name")).value,
        anchor=PyAnchor(kind, parsed, call, site, index, fills_kubenet),
    )
