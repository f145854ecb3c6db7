"""Bicep: `resource <name> 'Microsoft.ContainerService/managedClusters@<api>' = ...` clusters.

Found at top level and nested in other resources, with `= if (...) {` conditions and `[for ...: {`
loops; never `existing` references or type-only mentions (`resourceInput<'...'>`). Values from a
`param` default, a `var`, or a `.bicepparam` file beside the template (`using` + `param x = ...`,
each file an environment) are followed to their literal. Edits are token-exact and keep the file's
indentation; the PUT rules of plan/put.py decide the risk.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from fixer.formats.bicep.expressions import LOOP, Caller, allowed_values, bicepparam_argument, evaluate_setting, loop_elements, scope_of
from fixer.formats.bicep.modules import ThroughCaller, bicepparam_edits, calls_of, module_calls, spreads
from fixer.formats.bicep.parameters import UNREAD, declared_params, read_parameter_file
from fixer.formats.bicep.syntax import (
    BicepObject,
    BicepSyntaxError,
    Token,
    matching,
    quote,
    read_object,
    string_value,
    tokenize,
)
from fixer.formats.put_names import (
    FIELDS,
    PREVIEW_DATA_PLANE,
    offered_plugin,
    partial_update,
    profile_from,
    profile_keys,
    renames_data_plane,
)
from fixer.model import MISSING, Change, Cluster, Edit, Spot, Validation, Value, ValueKind
from fixer.plan.migration import MIGRATION_MARKER
from fixer.plan.rules.modules import avm_bicep_api_version, avm_bicep_forces_overlay, avm_bicep_version
from fixer.textfile import line_end, line_indent, line_start

CLUSTER_TYPE = "microsoft.containerservice/managedclusters"
MARKERS = (b"managedClusters", b"managedclusters", b"ManagedClusters", b"container-service/managed-cluster")


def _declarations(tokens: list[Token], keyword: str) -> dict[str, tuple[int, int]]:
    """name -> (first, end) token indexes of the value of `param name type = value` / `var name = value`."""
    found = {}
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text != keyword or (i and tokens[i - 1].kind != "newline"):
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].kind != "ident":
            continue
        j = i + 2
        while j < len(tokens) and tokens[j].kind != "newline" and tokens[j].text != "=":
            j += 1
        if j < len(tokens) and tokens[j].text == "=":
            end = j + 1
            while end < len(tokens) and tokens[end].kind != "newline":
                end += 1
            found[tokens[i + 1].text] = (j + 1, end)
    return found


def _allowed(tokens: list[Token], name: str, data: bytes, relpath: str) -> tuple[Validation, ...]:
    """`@allowed([...])` above `param name`: extended by a fix so the template still validates."""
    for i, token in enumerate(tokens):
        if token.text == "param" and i + 1 < len(tokens) and tokens[i + 1].text == name:
            j = i - 1
            while j > 0 and tokens[j].kind == "newline":
                j -= 1
            # walk back over decorators (each on its own line) looking for @allowed([ ... ])
            k = j
            while k >= 0 and not (tokens[k].text == "allowed" and k and tokens[k - 1].text == "@"):
                if tokens[k].text == "param" or tokens[k].text == "resource":
                    return ()
                k -= 1
            if k < 0:
                return ()
            bracket = next((m for m in range(k, i) if tokens[m].text == "["), None)
            if bracket is None:
                return ()
            close = matching(tokens, bracket)
            items = [t for t in tokens[bracket + 1:close] if t.kind == "string"]
            if not items:
                return ()
            last = items[-1]
            return (Validation(relpath, last.end, tuple(string_value(t) or "" for t in items), data.count(b"\n", 0, last.end) + 1),)
    return ()


def _value(tokens: list[Token], start: int, end: int, data: bytes, relpath: str, params: dict, variables: dict,
           parameter_file: tuple[str, bytes, list[Token], dict] | None, policy: bool = False, network: bool = False) -> Value:
    """`network`: a network setting, which a fix passes at the module call when the call does not
    pass the param it reads (never the module's default, which every other caller reads)."""
    value_tokens = tokens[start:end]
    line = data.count(b"\n", 0, tokens[start].start) + 1 if value_tokens else None
    if isinstance(parameter_file, Caller):  # a view through a local module call: its params are the caller's values
        token = value_tokens[0] if len(value_tokens) == 1 else None
        scope = scope_of(tokens, data, relpath, parameter_file) if token is None or token.kind == "ident" else None
        declared = scope is not None and token is not None and token.text in scope.params  # nullable ones too
        if token is not None and not (token.kind == "ident" and token.text in variables or declared and (network or parameter_file.passes(token.text))):
            return _value(tokens, start, end, data, relpath, params, variables, None, policy)  # a literal, or a default the call keeps
        found = evaluate_setting(scope or scope_of(tokens, data, relpath, parameter_file), start, end, policy)
        if declared and found.origin is not None:
            found = replace(found, validations=_allowed(tokens, token.text, data, relpath))  # a fix extends the module's @allowed
        elif found.origin is not None and found.origin.kind.startswith("argument:"):  # an evaluation's param the call will pass
            found = replace(found, validations=_allowed(tokens, found.origin.kind.removeprefix("argument:"), data, relpath))
        return _with_default_allowed(found, tokens, params, data, relpath)
    if len(value_tokens) == 1:
        token = value_tokens[0]
        literal = string_value(token)
        if literal is not None:
            return Value(ValueKind.LITERAL, literal, line)
        if token.kind == "ident" and token.text == "null":
            return MISSING
        # a param without a default (`param name string`) still gets its value from a .bicepparam
        if token.kind == "ident" and (token.text in params or (parameter_file is not None and token.text in parameter_file[3])):
            name = token.text
            allowed = _allowed(tokens, name, data, relpath)
            if parameter_file is not None and name in parameter_file[3]:
                file, body, ptokens, pdecl = parameter_file
                found = _spot_value(ptokens, *pdecl[name], body, file, f"{posixpath.basename(file)} param {name}")
                # an expression there (`readEnvironmentVariable(...)`) gives, at most, what @allowed admits
                domain = tuple(dict.fromkeys(v for a in allowed for v in a.values)) if found.kind is ValueKind.EXPRESSION else ()
                return Value(found.kind, found.text, found.line, file=found.file, origin=found.origin, via=found.via, note=found.note,
                             validations=allowed, domain=domain)
            first, last = params.get(name, (0, 0))
            if first == last:
                return Value(ValueKind.EXPRESSION, name, line, note=f"param {name} has no default")
            found = _spot_value(tokens, first, last, data, relpath, f"param {name} default")
            # a default every .bicepparam file reads: where they clash, each file gets the param (plan/views.py)
            caller_origin = bicepparam_argument(parameter_file, name) if parameter_file is not None and found.origin else None
            return Value(found.kind, found.text, found.line, file=found.file, origin=found.origin, via=found.via, note=found.note,
                         validations=allowed, caller_origin=caller_origin)
        if token.kind == "ident" and token.text in variables:
            return _spot_value(tokens, *variables[token.text], data, relpath, f"var {token.text}")
    if not value_tokens:
        return Value(ValueKind.EXPRESSION, "", line)
    # an expression: decided under the defaults or over every allowed input where it can be (issue 20)
    found = evaluate_setting(scope_of(tokens, data, relpath, parameter_file), start, end, policy)
    return _with_default_allowed(found, tokens, params, data, relpath)


def _with_default_allowed(found: Value, tokens: list[Token], params: dict, data: bytes, relpath: str) -> Value:
    """A value whose literal lies in a param's default (an evaluation written there) keeps that
    param's `@allowed` list, which a fix extends: a default outside it does not compile (BCP033)."""
    origin = found.origin
    if origin is None or origin.file != relpath or found.validations:
        return found
    name = next((name for name, (first, last) in params.items()
                 if first < last and tokens[first].start <= origin.start and origin.end <= tokens[last - 1].end), None)
    return replace(found, validations=_allowed(tokens, name, data, relpath)) if name is not None else found


def _spot_value(tokens: list[Token], start: int, end: int, data: bytes, file: str, via: str) -> Value:
    value_tokens = tokens[start:end]
    if len(value_tokens) != 1:
        # `file`: the view reads this file (a .bicepparam's `readEnvironmentVariable(...)` decides the
        # setting for that deployment, undecided; never the template's default it overrides)
        text = data[tokens[start].start:tokens[end - 1].end].decode() if value_tokens else ""
        line = data.count(b"\n", 0, tokens[start].start) + 1 if value_tokens else None
        return Value(ValueKind.EXPRESSION, text, line, file=file, note=f"{via} is an expression")
    token = value_tokens[0]
    line = data.count(b"\n", 0, token.start) + 1
    if token.kind == UNREAD:  # a JSON parameters file's value akfix does not read: that file's view, undecided
        return Value(ValueKind.EXPRESSION, token.text, line, file=file, note=f"{via} is {token.text}, which akfix does not read")
    if token.kind == "ident" and token.text == "null":
        return Value(ValueKind.MISSING, None, line, file=file, origin=Spot(file, token.start, token.end, "null"), via=via)
    literal = string_value(token)
    if literal is None:
        return Value(ValueKind.EXPRESSION, token.text, line, file=file, note=f"{via} is an expression")
    return Value(ValueKind.LITERAL, literal, line, file=file, origin=Spot(file, token.start, token.end, "literal"), via=via)


def locate_bicep(data: bytes, relpath: str, parameter_files: list[tuple[str, bytes]]) -> list[Cluster]:
    if parameter_files and isinstance(parameter_files[0][1], ThroughCaller):
        # a caller read with one of its own .bicepparam files (put.run): that file names the view
        name, through = parameter_files[0]
        calls = calls_of(through.caller, through.caller_body, relpath, _body_open, (name, through.body))
        suffix = (lambda call: f" (module {call.module})") if len(calls) > 1 else (lambda call: "")
        return [replace(c, environment=f"{name} via {through.caller}{suffix(call)}") for call in calls for c in _locate(data, relpath, call)]
    if parameter_files and parameter_files[0][0].endswith(".bicep"):
        # local module calls (modules.callers): one view of this file per call; a file that calls it
        # more than once names each view after the call
        calls = calls_of(parameter_files[0][0], parameter_files[0][1], relpath, _body_open)
        if len(calls) > 1:
            return [replace(c, environment=f"{call.file} (module {call.module})") for call in calls for c in _locate(data, relpath, call)]
        return _locate(data, relpath, calls[0] if calls else None)
    return _locate(data, relpath, parameter_files[0] if parameter_files else None)


def other_calls_blanked(caller_body: bytes, caller: str, relpath: str, view: Cluster, views: list[Cluster]) -> bytes:
    """The caller's text as Windows evidence for one call's view (windows_evidence.py): the other
    calls of the same template, each a view of its own that deploys a cluster of another literal
    name, blanked (newlines kept, so lines still count). A Windows pool one call passes is that
    call's cluster's, not its sibling's; a call whose cluster may be the same one stays."""
    module = _call_module(view)
    names = {_call_module(v): v.name.literal for v in views if v.file == view.file and _call_module(v)}
    mine = names.get(module) if module else None
    if mine is None:
        return caller_body
    tokens = tokenize(caller_body)
    spans = []
    for other, target, index in module_calls(tokens, caller):
        if target != relpath or other == module or names.get(other) in (None, mine):
            continue
        body_open = _body_open(tokens, index + 3)
        if body_open is None:
            return caller_body  # a call akfix does not read through: keep everything
        spans.append((tokens[index].start, tokens[matching(tokens, body_open)].end))
    out = bytearray(caller_body)
    for start, end in spans:
        out[start:end] = bytes(b if b in b"\r\n" else 32 for b in caller_body[start:end])
    return bytes(out)


def _call_module(view: Cluster) -> str | None:
    """The module call a view is named after ("main.bicep (module linux)" -> linux), if any."""
    environment = view.environment or ""
    return environment.rsplit(" (module ", 1)[1].removesuffix(")") if " (module " in environment else None


def _locate(data: bytes, relpath: str, source) -> list[Cluster]:
    """`source`: None, a (.bicepparam file, body) pair, or a Caller."""
    tokens = tokenize(data)
    params = _declarations(tokens, "param")
    variables = _declarations(tokens, "var")
    parameter_file = source if isinstance(source, Caller) else None
    if source is not None and not isinstance(source, Caller):
        parameter_file = read_parameter_file(*source, declared_params(tokens))
    clusters = []
    pools: list[tuple[str | None, int, str]] = []  # (parent symbol, token offset, pool) of Windows pools
    spans: dict[str, tuple[int, int]] = {}
    for index, token in enumerate(tokens):
        if token.kind != "ident" or token.text != "resource" or index + 2 >= len(tokens):
            continue
        name, kind = tokens[index + 1], tokens[index + 2]
        type_text = string_value(kind) or (kind.text[1:-1] if kind.kind == "string" else "")
        resource_type, _, api = type_text.partition("@")
        j = index + 3
        if name.kind != "ident" or (j < len(tokens) and tokens[j].text == "existing"):
            continue  # `existing`: a reference to a resource deployed elsewhere
        body_open = _body_open(tokens, j)
        if body_open is None:
            continue
        body = read_object(tokens, body_open, data)
        lowered = resource_type.lower()
        properties = body.get("properties") if lowered == CLUSTER_TYPE else None
        if properties is not None and properties.object is not None and partial_update(properties.object.entries):
            continue  # re-PUTs a cluster created elsewhere (metrics, upgrade): AKS keeps its network profile
        if lowered == CLUSTER_TYPE:
            clusters += _per_element(tokens, j, data, relpath, parameter_file, lambda: _cluster(
                tokens, body, name.text, kind, api, data, relpath, params, variables, parameter_file))
            spans[name.text] = (tokens[body.open].start, tokens[body.close].end)
        elif lowered.endswith("agentpools") and _is_windows_pool(tokens, body, params, parameter_file, data):
            parent = body.get("parent")
            symbol = tokens[parent.value_start].text if parent and parent.value_end - parent.value_start == 1 else None
            named = None
            if symbol is None:
                symbol, named = _named_parent(tokens, body.get("name"))
            pools.append((symbol, token.start, f"resource {name.text}", named))
    clusters.extend(_avm_modules(tokens, data, relpath, params, variables, parameter_file))
    _refuse_duplicates(tokens, clusters, data)
    if pools:
        clusters = [_with_pools(c, pools, spans) for c in clusters]
    return clusters


def _refuse_duplicates(tokens: list[Token], clusters: list[Cluster], data: bytes) -> None:
    """A cluster's symbolic name declared twice: Bicep refuses it, and edits_for finds a cluster by
    its name, so akfix could read one declaration and edit the other (found by fuzzing)."""
    for cluster in clusters:
        keyword, _, name = cluster.address.rpartition(" ")
        found = [t for i, t in enumerate(tokens[:-1]) if t.text == keyword and tokens[i + 1].text == name]
        if len(found) > 1:
            first = data.count(b"\n", 0, found[0].start) + 1
            raise BicepSyntaxError(f"{keyword} {name} is declared twice (first at line {first}); akfix cannot tell which one to edit",
                                   found[1].start, data)


AVM_MODULE = "avm/res/container-service/managed-cluster"
AVM_API_VERSION = "2025-10-01"  # the newest release is typed from this API version (facts 6.4)


def _avm_modules(tokens, data: bytes, relpath: str, params, variables, parameter_file) -> list[Cluster]:
    """`module x 'br/public:avm/res/container-service/managed-cluster:<v>' = { params: {...} }`."""
    found = []
    for index, token in enumerate(tokens):
        if token.text != "module" or index + 2 >= len(tokens) or tokens[index + 1].kind != "ident":
            continue
        source = string_value(tokens[index + 2]) or ""
        if AVM_MODULE not in source:
            continue
        body_open = _body_open(tokens, index + 3)
        if body_open is None:
            continue
        body = read_object(tokens, body_open, data)
        found += _per_element(tokens, index + 3, data, relpath, parameter_file,
                              lambda: _avm_call(tokens, index, token, source, body, data, relpath, params, variables, parameter_file))
    return found


def _avm_call(tokens, index: int, token: Token, source: str, body: BicepObject, data: bytes, relpath: str, params, variables,
              parameter_file) -> Cluster:
    module_params = body.get("params")
    fields: dict[str, Value] = {}
    if module_params is not None and module_params.object is not None:
        for key, entry in module_params.object.entries.items():
            if key in FIELDS:
                fields[FIELDS[key]] = _value(tokens, entry.value_start, entry.value_end, data, relpath, params, variables, parameter_file,
                                             FIELDS[key] == "policy")
    name = tokens[index + 1].text
    version = avm_bicep_version(source)
    forces = " (forces networkPolicy cilium and overlay when networkDataplane is cilium)" if avm_bicep_forces_overlay(version) else ""
    return Cluster(
        file=relpath,
        line=data.count(b"\n", 0, token.start) + 1,
        format="bicep",
        address=f"module {name}",
        profile=profile_from(fields, True),
        module_dir=posixpath.dirname(relpath),
        profile_file=relpath,
        module=source + forces,
        api_version=avm_bicep_api_version(version, AVM_API_VERSION),
        anchor=f"module {name}",
    )


def _per_element(tokens: list[Token], j: int, data: bytes, relpath: str, parameter_file, read) -> list[Cluster]:
    """`read()` once per element of the loop a declaration is (its `=` at token j), with the loop's
    variables bound to that element; once, noted, where akfix cannot list the elements; once for a
    declaration that is no loop."""
    loop = _loop_variables(tokens, j)
    if not loop[0]:
        return [read()]
    elements = _elements(tokens, j, data, relpath, parameter_file, loop[0]) or "its source has no elements here"
    if isinstance(elements, str):  # still reported, as a person's
        return [_in_loop(read(), loop, elements)]
    out = []
    for index, element in elements:
        bound = LOOP.set(element)  # every scope made while reading this element binds the loop's variables to it
        try:
            out.append(replace(read(), instance=str(index)))
        finally:
            LOOP.reset(bound)
    return out


def _is_windows_pool(tokens: list[Token], body: BicepObject, params: dict, parameter_file, data: bytes) -> bool:
    """An agentPools resource whose osType is Windows, or may be (_os_reason)."""
    properties = body.get("properties")
    os_type = properties.object.get("osType") if properties is not None and properties.object is not None else None
    if os_type is None:
        return False
    return bool(_os_reason(tokens, os_type.key_token, os_type.value_end, _os_inputs(tokens, params, parameter_file), data))


def _with_pools(cluster: Cluster, pools, spans) -> Cluster:
    """Windows agent pools of this cluster: `parent: <cluster>` (or a name `'${cluster.name}/pool'`), nested
    in its body, or no parent seen -- unless the pool's literal name `'aks-a/pool'` names another cluster
    than this one's literal name."""
    start, end = spans.get(cluster.anchor, (0, 0))
    own = (cluster.name.literal or "").lower()
    mine = [p for symbol, offset, p, named in pools if symbol == cluster.anchor or start <= offset < end
            or (symbol is None and (named is None or not own or named.lower() == own))]
    return replace(cluster, windows_pools=cluster.windows_pools + tuple(mine)) if mine else cluster


_PARENT_NAME = re.compile(r"^'\$\{\s*([A-Za-z_]\w*)\.name\s*\}/")


def _named_parent(tokens: list[Token], entry) -> tuple[str | None, str | None]:
    """(cluster symbol, literal cluster name) an agent pool's `name` gives its parent by: `'${aks.name}/win'`
    names the symbol, `'aks-prod/win'` the cluster's name."""
    if entry is None or entry.value_end - entry.value_start != 1:
        return None, None
    token = tokens[entry.value_start]
    match = _PARENT_NAME.match(token.text)
    if match:
        return match.group(1), None
    literal = string_value(token)
    return (None, literal.split("/")[0]) if literal and "/" in literal else (None, None)


def _loop_variables(tokens: list[Token], j: int) -> tuple[tuple[str, ...], str]:
    """(the loop's variables, `for ... in ...` as written) of a resource `= [for c in clusters: {`;
    ((), "") for any other resource."""
    j = _past_newlines(tokens, j + 1)
    if j + 1 >= len(tokens) or tokens[j].text != "[" or tokens[j + 1].text != "for":
        return (), ""
    end = j + 2
    while end < len(tokens) and tokens[end].text != "in":
        end += 1
    names = tuple(t.text for t in tokens[j + 2:end] if t.kind == "ident")
    return names, " ".join(t.text for t in tokens[j + 1:_loop_colon(tokens, end)])


def _elements(tokens: list[Token], j: int, data: bytes, relpath: str, parameter_file, names: tuple[str, ...]) -> list[tuple[int, tuple]] | str:
    """(index, loop bindings) of each element of a resource `= [for c in <source>: {` (after the `=`
    at j) -- or `[for c in <source>: if (<condition>) {`, where an element the condition leaves out is
    not deployed: the source evaluated like a setting (a param's default or parameters-file value, a
    var, `range()`); a reason where it is not a list akfix can read."""
    k = j + 1
    while k < len(tokens) and tokens[k].text != "in":
        k += 1
    colon = _loop_colon(tokens, k)
    if colon >= len(tokens) or colon == k + 1:
        return "its source is not an expression akfix reads"
    after = _past_newlines(tokens, colon + 1)
    condition = None
    if after < len(tokens) and tokens[after].text == "if" and after + 1 < len(tokens) and tokens[after + 1].text == "(":
        condition = (after + 2, matching(tokens, after + 1))
    return loop_elements(tokens, data, relpath, parameter_file, names, (k + 1, colon), condition)


def _loop_colon(tokens: list[Token], j: int) -> int:
    """The `:` that ends a loop's header (`[for c in <source>:`), from token j, past brackets in the source."""
    while j < len(tokens) and tokens[j].text != ":":
        j = matching(tokens, j) + 1 if tokens[j].kind == "punct" and tokens[j].text in ("(", "[", "{") else j + 1
    return j


def _past_newlines(tokens: list[Token], j: int) -> int:
    while j < len(tokens) and tokens[j].kind == "newline":
        j += 1
    return j


def _in_loop(cluster: Cluster, loop: tuple[tuple[str, ...], str], unread: str = "") -> Cluster:
    """A cluster declared in a resource loop whose elements akfix cannot list: a setting read from
    the loop variable says so (a person's) instead of "not a param or var"."""
    names, header = loop
    if not names:
        return cluster
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
    why = (f"it is read from the loop variable of `[{header}: ...]`, whose elements akfix cannot list"
           + (f" ({unread})" if unread else "") + "; set the setting in each element by hand")

    def noted(value: Value) -> Value:
        return replace(value, note=why) if value.kind is ValueKind.EXPRESSION and pattern.search(value.text or "") else value

    profile = cluster.profile
    return replace(cluster, profile=replace(profile, policy=noted(profile.policy), plugin=noted(profile.plugin),
                                            plugin_mode=noted(profile.plugin_mode), data_plane=noted(profile.data_plane)))


def _body_open(tokens: list[Token], j: int) -> int | None:
    """The "{" of a resource body after `=`, past `if (...)` or `[for x in y:`."""
    if j >= len(tokens) or tokens[j].text != "=":
        return None
    j = _past_newlines(tokens, j + 1)
    if j < len(tokens) and tokens[j].text == "[":  # [for ...: {  or  [for ...: if (...) {
        j = _past_newlines(tokens, _loop_colon(tokens, j + 1) + 1)
    if j + 1 < len(tokens) and tokens[j].text == "if":
        j = matching(tokens, j + 1) + 1
    j = _past_newlines(tokens, j)
    return j if j < len(tokens) and tokens[j].text == "{" else None


def _cluster(tokens, body: BicepObject, name: str, type_token: Token, api: str, data: bytes, relpath: str, params, variables, parameter_file) -> Cluster:
    properties = body.get("properties")
    profile_entry = properties.object.get("networkProfile") if properties and properties.object else None
    fields: dict[str, Value] = {}
    if profile_entry is not None and profile_entry.object is not None:
        for key, field_name in profile_keys(profile_entry.object.entries).items():
            entry = profile_entry.object.entries[key]
            fields[field_name] = _value(tokens, entry.value_start, entry.value_end, data, relpath, params, variables, parameter_file,
                                        field_name == "policy", network=True)
    elif properties is not None and properties.object is None or profile_entry is not None:
        # built by an expression (`aksSettings.networkProfile`, `union(...)`): evaluated (issue 20);
        # a fix writes only where a literal passes through, else it stays manual
        opaque = profile_entry or properties
        text = data[tokens[opaque.value_start].start:tokens[opaque.value_end - 1].end].decode()[:120]
        scope = scope_of(tokens, data, relpath, parameter_file)
        prefix = () if profile_entry is not None else ("networkProfile",)
        for key, field_name in FIELDS.items():
            found = evaluate_setting(scope, opaque.value_start, opaque.value_end, field_name == "policy", prefix + (key,))
            if found.kind is ValueKind.EXPRESSION:
                found = replace(found, text=text, note="built by an expression, not an object literal" + (f": {found.note}" if found.note else ""))
            fields[field_name] = found
    if parameter_file is None and "plugin" in fields:  # no deployment's file: every value the template offers may be passed
        fields["plugin"] = offered_plugin(fields["plugin"], fields.get("plugin_mode", MISSING))
    windows = _windows(tokens, properties, params, parameter_file, data)
    interpolated = type_token.interpolated
    profile = profile_from(fields, profile_entry is not None,
                           profile_entry.object.entries if profile_entry is not None and profile_entry.object is not None else ())
    sku = body.get("sku")
    sku_name = sku.object.get("name") if sku is not None and sku.object is not None else None
    sku_value = _value(tokens, sku_name.value_start, sku_name.value_end, data, relpath, params, variables, parameter_file) if sku_name else MISSING
    automatic = (sku_value.literal or "").lower() == "automatic"
    if automatic:
        # AKS Automatic always runs Azure CNI Overlay with the Cilium data plane (facts §2): compliant
        # as it is, whatever the profile says, and never written (as formats/terraform/azapi.py).
        # `file`: a module call that passes the sku keeps a view of its own (put._views).
        said = profile.policy.literal
        # a networkPolicy the code states besides is not what AKS runs: say so (explain), never write it
        ignored = f"; the code's networkPolicy '{said}' (line {profile.policy.line}) is not what AKS runs" if said and said.lower() != "cilium" else ""
        cilium = Value(ValueKind.LITERAL, "cilium", sku_value.line, file=sku_value.file,
                       via=f"AKS Automatic (always Cilium): {sku_value.via or 'sku.name'}{ignored}")
        profile = profile_from({"policy": cilium, "data_plane": cilium, "plugin_mode": Value(ValueKind.LITERAL, "overlay", via="AKS Automatic"),
                                "plugin": Value(ValueKind.LITERAL, "azure", via="AKS Automatic")}, True)
    # what the kubenet migration checks (plan/migration.py): the version, the identity, akfix's mark
    version = properties.object.get("kubernetesVersion") if properties and properties.object else None
    identity = body.get("identity")
    identity_type = identity.object.get("type") if identity and identity.object else None
    if version is not None:
        kubernetes_version = _value(tokens, version.value_start, version.value_end, data, relpath, params, variables, parameter_file)
    elif properties is not None and properties.object is None:
        # properties built by an expression (`union({kubernetesVersion: ...}, ...)`): the version
        # evaluated like the network settings, so AKS's version rules still judge it
        kubernetes_version = evaluate_setting(scope_of(tokens, data, relpath, parameter_file), properties.value_start,
                                              properties.value_end, False, ("kubernetesVersion",))
    else:
        kubernetes_version = MISSING
    profile = replace(
        profile,
        kubernetes_version=kubernetes_version,
        identity_type=_value(tokens, identity_type.value_start, identity_type.value_end, data, relpath, params, variables, parameter_file)
        if identity_type else MISSING,
        migration_pending=profile_entry is not None and profile_entry.object is not None and _marked(tokens, profile_entry.object, data),
    )
    # What the editor needs to add a networkProfile: a multi-line `properties` object (a resource
    # without one is a stub, often the rest commented out; a one-line one has no line to add to).
    # (Properties that are an expression are written where their value comes from: not judged here.)
    stub = ("The resource has no multi-line properties object (a stub, or one written on one line), so akfix has nowhere "
            "to add networkProfile: write the properties out, then re-run akfix."
            if properties is None or (properties.object is not None and properties.object.one_line) else "")
    at = type_token.text.find("@")
    api_spot = Spot(relpath, type_token.start + at + 1, type_token.end - 1, "raw") if at > 0 and not interpolated else None
    if interpolated and api.startswith("${") and api.endswith("}") and api[2:-1].strip() in params:
        # '...managedClusters@${apiVersion}': the version is the param's literal default
        found = _spot_value(tokens, *params[api[2:-1].strip()], data, relpath, "param default")
        if found.literal and found.origin:
            api, interpolated = found.literal, False
            api_spot = Spot(relpath, found.origin.start + 1, found.origin.end - 1, "raw")
    return Cluster(
        file=relpath,
        line=data.count(b"\n", 0, type_token.start) + 1,
        format="bicep",
        address=f"resource {name}",
        profile=profile,
        module_dir=posixpath.dirname(relpath),
        profile_file=relpath,
        windows_pools=tuple(windows),
        api_version=api if not interpolated else f"expression: {type_token.text}",
        api_origin=api_spot,
        name=_name(tokens, body.get("name"), data, relpath, params, variables, parameter_file),
        editable=not automatic and not stub,
        not_editable_why=stub,
        anchor=name,
    )


_INTERPOLATION = re.compile(r"\$\{\s*([A-Za-z_]\w*)\s*\}")


def _name(tokens, entry, data: bytes, relpath: str, params, variables, parameter_file) -> Value:
    """The cluster's Azure name (matched against inventories): a literal, a param followed to a
    .bicepparam or its default, or a template such as 'aks-${env}' whose every part is one."""
    if entry is None:
        return MISSING
    token = tokens[entry.value_start]
    if entry.value_end - entry.value_start != 1 or token.kind != "string" or not token.interpolated:
        return _value(tokens, entry.value_start, entry.value_end, data, relpath, params, variables, parameter_file)
    parts = _INTERPOLATION.split(token.text[1:-1])
    texts, vias, files = [], [], []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            if "${" in part or "\\" in part:
                return Value(ValueKind.EXPRESSION, token.text, note="a template akfix cannot follow")
            texts.append(part)
            continue
        spot = next((i for i in range(entry.value_start) if tokens[i].kind == "ident" and tokens[i].text == part), None)
        found = _value(tokens, spot, spot + 1, data, relpath, params, variables, parameter_file) if spot is not None else None
        if found is None or found.literal is None:
            return Value(ValueKind.EXPRESSION, token.text, note=f"{part} has no literal value")
        texts.append(found.literal)
        vias.append(found.via or part)
        files += [found.file] if found.file and found.file != relpath else []
    # `file`: the parameters file a part came from, so that file keeps a view of its own (put_adapter._views)
    return Value(ValueKind.LITERAL, "".join(texts), file=files[0] if files else None, via=f"template {token.text} with {', '.join(vias)}")


def _windows(tokens, properties, params: dict, parameter_file, data: bytes) -> list[str]:
    """Inline agent pools whose osType is Windows, or may be (_os_reason) -- or the whole list reads
    a param that nothing in the tree sets: such a pool may be Windows, and akfix guesses no OS. (A
    value the tree holds is text the Windows evidence reads.)"""
    pools = properties.object.get("agentPoolProfiles") if properties and properties.object else None
    if pools is None:
        return []
    found = []
    inputs = _os_inputs(tokens, params, parameter_file)
    free = (declared_params(tokens) - set(params)) if parameter_file is None else set()
    loop_source = {t.text for t in tokens[pools.value_start:pools.value_end][:6] if t.kind == "ident"} & free  # `[for p in pools: ...]`
    whole = tokens[pools.value_start:pools.value_end]
    if len(whole) == 1 and whole[0].text in free:  # `agentPoolProfiles: pools`: every pool is the deployer's
        return [f"agentPoolProfiles (reads param {whole[0].text}, which nothing in the tree sets)"]
    for i in range(pools.value_start, pools.value_end):
        if tokens[i].text != "osType" or i + 2 >= pools.value_end or tokens[i + 1].text != ":":
            continue  # `osType` as a value (`osType: osType`) is no key
        why = _os_reason(tokens, i, pools.value_end, inputs, data, loop_source)
        if why:
            found.append(f"agentPoolProfiles ({why})")
    return found


def _os_inputs(tokens: list[Token], params: dict, parameter_file) -> dict[str, str]:
    """param -> why a deployment of this view may pass Windows through it: declared without a
    default and set by nothing (no parameters file or caller); an `@allowed` list offering Windows
    the view's file or caller does not narrow; or a value the view's parameters file or caller
    gives by an expression (`readEnvironmentVariable('OS', 'Linux')`). A literal the file gives is
    text the Windows evidence reads."""
    found = {}
    if isinstance(parameter_file, Caller):
        given = parameter_file.passes
    else:
        given = (lambda name: name in parameter_file[3]) if parameter_file is not None else (lambda name: False)
    for name in declared_params(tokens):
        if not given(name):
            if parameter_file is None and name not in params:
                found[name] = f"reads param {name}{_UNSET}"
            elif _allows_windows(tokens, name):
                found[name] = f"reads param {name}, whose @allowed offers Windows"
        elif not _given_literal(parameter_file, name):
            found[name] = f"reads param {name}, which {getattr(parameter_file, 'file', None) or parameter_file[0]} sets by an expression"
    return found


def _given_literal(parameter_file, name: str) -> bool:
    """The view's parameters file or caller gives `name` one string literal."""
    if isinstance(parameter_file, Caller):
        span = parameter_file.entries.get(name) if parameter_file.entries is not None else None
        tokens = parameter_file.scope.tokens
    else:
        span, tokens = parameter_file[3].get(name), parameter_file[2]
    return span is not None and span[1] - span[0] == 1 and tokens[span[0]].kind != UNREAD and string_value(tokens[span[0]]) is not None


def _os_reason(tokens: list[Token], key: int, end: int, inputs: dict[str, str], data: bytes, loop_source=frozenset()) -> str:
    """Why the `osType:` entry at tokens[key] may be Windows ("" when it is not): a Windows literal,
    an expression naming Windows (`useWindows ? 'Windows' : 'Linux'`), or one reading an input a
    deployment may set to Windows (_os_inputs)."""
    line = data.count(b"\n", 0, tokens[key].start) + 1
    value = string_value(tokens[key + 2])
    if value is not None:
        return f"line {line}" if value.lower() == "windows" else ""
    stop = key + 2
    while stop < end and tokens[stop].kind != "newline":
        stop += 1
    idents = {t.text for t in tokens[key + 2:stop] if t.kind == "ident"}
    unset = {name for name, why in inputs.items() if why.endswith(_UNSET)}
    reads = sorted((idents & unset) | set(loop_source))  # inside `[for p in pools: ...]` over such a param, any expression
    if reads:
        return f"osType reads param {reads[0]}{_UNSET}"
    if any((string_value(t) or "").lower().startswith("windows") for t in tokens[key + 2:stop]):
        return f"line {line}: osType may be Windows"
    reads = sorted(idents & set(inputs))
    return f"line {line}: osType {inputs[reads[0]]}" if reads else ""


_UNSET = ", which nothing in the tree sets"


def _allows_windows(tokens: list[Token], name: str) -> bool:
    """`@allowed([..., 'Windows'])` above `param name`."""
    index = next((i for i, t in enumerate(tokens) if t.text == "param" and i + 1 < len(tokens) and tokens[i + 1].text == name
                  and (i == 0 or tokens[i - 1].kind == "newline")), None)
    allowed = allowed_values(tokens, index) if index is not None else None
    return any(isinstance(v, str) and v.lower().startswith("windows") for v in allowed or ())


def _marked(tokens: list[Token], obj: BicepObject, data: bytes) -> bool:
    """akfix's phase-1 mark: a comment inside the object (comments live between tokens)."""
    return any(MIGRATION_MARKER in data[tokens[i].end:tokens[i + 1].start] for i in range(obj.open, obj.close))


# --- editing ----------------------------------------------------------------------------------


def _find_body(data: bytes, tokens: list[Token], anchor: str) -> tuple[str, BicepObject]:
    """(keyword, body object) of the resource or module a cluster's anchor names."""
    keyword, _, name = anchor.rpartition(" ")
    keyword = keyword or "resource"
    for index, token in enumerate(tokens):
        if token.text == keyword and index + 1 < len(tokens) and tokens[index + 1].text == name:
            body_open = _body_open(tokens, index + 3)
            if body_open is not None:
                return keyword, read_object(tokens, body_open, data)
    raise ValueError(f"{keyword} {name} not found again")


_MARKER_LINE = (b"// " + MIGRATION_MARKER + b" kubenet -> Azure CNI Overlay. Delete this line once the deployment has run; "
                b"akfix then writes the engine.")


def migration_marker_edits(data: bytes, anchor: str, newline: bytes, remove: bool) -> list[Edit]:
    """Phase 1 of the kubenet migration marks the networkProfile object (a comment line as its first
    line); phase 2 removes the mark. The mark keeps a second run from writing the engine before the
    move to overlay is deployed (plan/migration.py)."""
    tokens = tokenize(data)
    keyword, target = _find_body(data, tokens, anchor)
    properties = target.get("properties") if keyword == "resource" else None
    profile = properties.object.get("networkProfile") if properties and properties.object else None
    if profile is None or profile.object is None or profile.object.one_line:
        raise ValueError("the kubenet migration needs a multi-line networkProfile object")
    obj = profile.object
    if not remove:
        at = line_end(data, tokens[obj.open].end)
        indent = _entry_indent(data, tokens, obj)
        if not obj.entries and at < line_start(data, tokens[obj.close].start) and data[at:line_end(data, at)].strip():
            indent = line_indent(data, at)  # only comments inside: their indent
        return [Edit(at, at, indent + _MARKER_LINE + newline)]
    edits = []
    for i in range(obj.open, obj.close):
        gap_start = tokens[i].end
        found = data.find(MIGRATION_MARKER, gap_start, tokens[i + 1].start)
        if found < 0:
            continue
        comment = data.rfind(b"//", line_start(data, found), found)
        if comment < 0:
            raise ValueError("the akfix:phase-1 mark is not in a // comment: delete it by hand")
        before = data[line_start(data, comment):comment]
        if before.strip() == b"":  # a comment line of its own: the whole line goes
            edits.append(Edit(line_start(data, comment), line_end(data, comment), b""))
        else:  # a trailing comment: the code before it stays
            end = line_end(data, comment)
            end -= len(newline) if data[:end].endswith(newline) else 0
            edits.append(Edit(comment - (len(before) - len(before.rstrip())), end, b""))
    return edits


def edits_for(data: bytes, name: str, changes, newline: bytes) -> list[Edit]:
    tokens = tokenize(data)
    keyword, target = _find_body(data, tokens, name)
    if keyword == "module":  # the AVM module's params play the networkProfile's part
        module_params = target.get("params")
        if module_params is None or module_params.object is None or module_params.object.one_line:
            raise ValueError("the module call has no multi-line params object to edit")
        return _set_entries(data, tokens, module_params.object, changes, newline)
    properties = target.get("properties")
    if properties is None or properties.object is None or properties.object.one_line:
        raise ValueError("the cluster has no multi-line properties object to edit")
    profile = properties.object.get("networkProfile")
    if profile is None:
        return [_insert_object(data, tokens, properties.object, "networkProfile", [(c.attribute, c.value) for c in changes], newline)]
    if profile.object is None:
        raise ValueError("networkProfile is not an object literal")
    if profile.object.one_line:
        return [_expand_one_line(data, tokens, profile.object, changes, newline)]
    return _set_entries(data, tokens, profile.object, changes, newline)


def argument_edits(data: bytes, file: str, at: int, values: dict[str, str], newline: bytes) -> list[Edit]:
    """Params a fix passes where the module is called (Spot kind `argument:<name>`, at byte `at`):
    entries of the call's multi-line params object, whose `{` is at `at`, one per line after the
    related one; or `param` lines of a .bicepparam file."""
    if file.endswith(".bicepparam"):
        return bicepparam_edits(data, values, newline)
    return object_entry_edits(data, file, at, values, newline, "the params object of the module call")


def object_entry_edits(data: bytes, file: str, at: int, values: dict[str, str], newline: bytes,
                       what: str = "the object the setting reads") -> list[Edit]:
    """Keys added to (or set in) the multi-line object literal whose `{` is at byte `at` of `file`,
    one entry per line after the related one: a module call's params, or an object a resource's
    setting reads without the key (Spot kind `member:<key>`, in a var, a param default or a
    .bicepparam value)."""
    tokens = tokenize(data)
    index = next((i for i, t in enumerate(tokens) if t.start == at and t.text == "{"), None)
    if index is None:
        raise ValueError(f"{what} in {file} is not where it was read")
    obj = read_object(tokens, index, data)
    if obj.one_line or spreads(tokens, obj.open, obj.close):
        raise ValueError(f"{what} in {file} is on one line or spreads an object: set it by hand")
    return _set_entries(data, tokens, obj, [Change(name, value) for name, value in values.items()], newline)


def _expand_one_line(data: bytes, tokens, obj: BicepObject, changes, newline: bytes) -> Edit:
    """`{ a: 'x', b: 'y' }` rewritten one entry per line, with the changes applied and added."""
    if any(b"/*" in data[tokens[i].end:tokens[i + 1].start] or b"//" in data[tokens[i].end:tokens[i + 1].start]
           for i in range(obj.open, obj.close)):
        raise ValueError("comment inside a one-line networkProfile object")
    indent = line_indent(data, tokens[obj.open].start)
    unit = b"\t" if indent.startswith(b"\t") else b"  "
    wanted = {c.attribute: c.value for c in changes}
    renamed = renames_data_plane(obj.entries, wanted)
    lines = []
    for key, entry in obj.entries.items():
        name = data[tokens[entry.key_token].start:tokens[entry.key_token].end]
        if renamed and key == PREVIEW_DATA_PLANE:  # the preview name (put_names)
            key, name = "networkDataplane", b"networkDataplane"
        value = quote(wanted.pop(key)).encode() if key in wanted else data[tokens[entry.value_start].start:tokens[entry.value_end - 1].end]
        lines.append(name + b": " + value)
    lines += [f"{key}: {quote(value)}".encode() for key, value in wanted.items()]
    text = b"{" + newline + b"".join(indent + unit + line + newline for line in lines) + indent + b"}"
    return Edit(tokens[obj.open].start, tokens[obj.close].end, text)


def _set_entries(data: bytes, tokens, obj: BicepObject, changes, newline: bytes) -> list[Edit]:
    edits, additions = [], []
    for change in changes:
        entry = obj.get(change.attribute)
        if entry is None and renames_data_plane(obj.entries, {change.attribute}):
            # the preview name, renamed where the fix moves the API version past it (put_names)
            entry = obj.get(PREVIEW_DATA_PLANE)
            key = tokens[entry.key_token]
            edits.append(Edit(key.start, key.end, b"networkDataplane"))
        if entry is None:
            additions.append((change.attribute, change.value))
        elif entry.value_end - entry.value_start != 1 or string_value(tokens[entry.value_start]) != change.value:
            first, last = tokens[entry.value_start], tokens[entry.value_end - 1]
            edits.append(Edit(first.start, last.end, quote(change.value).encode()))
    if additions:
        edits.append(_insert_entries(data, tokens, obj, additions, newline))
    return edits


def _entry_indent(data: bytes, tokens, obj: BicepObject) -> bytes:
    first = next(iter(obj.entries.values()), None)
    if first is not None:
        return line_indent(data, tokens[first.key_token].start)
    return line_indent(data, tokens[obj.open].start) + b"  "


_ANCHORS = ("networkDataplane", "networkPolicy", "networkPluginMode", "networkPlugin")


def _insert_entries(data: bytes, tokens, obj: BicepObject, entries: list[tuple[str, str]], newline: bytes) -> Edit:
    """New entries after the related one (networkPolicy, networkPluginMode...) or at the end."""
    indent = _entry_indent(data, tokens, obj)
    anchor = next((obj.entries[k] for k in _ANCHORS if k in obj.entries), None)
    closing_line = line_start(data, tokens[obj.close].start)
    # after the anchor's line (a trailing comment stays on it), never past the closing brace's line
    at = min(line_end(data, tokens[anchor.value_end - 1].end), closing_line) if anchor is not None else closing_line
    if anchor is not None and tokens[anchor.value_start].start < at < tokens[anchor.value_end - 1].end:
        # a multi-line value ending on the closing brace's line: `at` would split it (found by fuzzing)
        raise ValueError(f"{anchor.key} ends on the line that closes the object: add the entry by hand")
    text = b"".join(indent + f"{key}: {quote(value)}".encode() + newline for key, value in entries)
    return Edit(at, at, text)


def _insert_object(data: bytes, tokens, obj: BicepObject, key: str, entries: list[tuple[str, str]], newline: bytes) -> Edit:
    indent = _entry_indent(data, tokens, obj)
    unit = indent[len(line_indent(data, tokens[obj.open].start)):] or b"  "
    close = tokens[obj.close]
    at = line_start(data, close.start)
    inner = b"".join(indent + unit + f"{k}: {quote(v)}".encode() + newline for k, v in entries)
    return Edit(at, at, indent + key.encode() + b": {" + newline + inner + indent + b"}" + newline)
