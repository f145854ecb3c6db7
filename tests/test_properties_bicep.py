"""Property-based tests of the Bicep and ARM editing invariants on random layouts."""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fixer.formats import jsonspan
from fixer.formats.arm import template as arm
from fixer.formats.bicep import readback as bicep_readback
from fixer.formats.bicep import template as bicep
from fixer.formats.bicep.syntax import read_object, tokenize
from fixer.pipeline import Options, run


@st.composite
def bicep_files(draw):
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    entries = ["networkPlugin: 'azure'"]
    if draw(st.booleans()):
        entries.append("networkPluginMode: 'overlay'")
    policy = draw(st.sampled_from([None, "''", "'none'"]))
    if policy:
        entries.insert(draw(st.integers(0, len(entries))), f"networkPolicy: {policy}")
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), "podCidr: '10.244.0.0/16'")
    lines = []
    for n, entry in enumerate(entries):
        if draw(st.integers(0, 3)) == 0:
            lines.append(f"{unit * 3}// note {n}")
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
        trailing = f" // keep {n}" if draw(st.integers(0, 3)) == 0 else ""
        lines.append(f"{unit * 3}{entry}{trailing}")
    prelude = draw(st.sampled_from([
        "",
        "import { x } from 'types.bicep'\n\n",
        "@description('name')\nparam name string = 'aks'\n\nvar v = map([1], i => '${i}')\n\n",
        "#disable-next-line BCP081\n",
    ]))
    text = (
        prelude
        + "resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n"
        + f"{unit}name: 'aks' /* inline */\n{unit}properties: {{\n{unit * 2}networkProfile: {{\n"
        + "\n".join(lines)
        + f"\n{unit * 2}}}\n{unit}}}\n}}\n\noutput id string = aks.id\n"
    )
    return text.replace("\n", newline).encode()


def _comments(data: bytes) -> list[bytes]:
    return sorted(re.findall(rb"//[^\r\n]*|/\*.*?\*/", data, re.S))


@given(data=bicep_files(), engine=st.sampled_from(["cilium", "calico", "azure"]))
def test_bicep_edit_invariants(data, engine):
    options = Options(engine=engine, assume_network="azure")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.bicep").write_bytes(data)
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        (change,) = result.changes
        after = change.after
        tokenize(after)  # still balanced, still lexes
        assert _comments(after) == _comments(data)
        if b"\r\n" in data:
            assert after.count(b"\n") == after.count(b"\r\n")
        start, end = data.index(b"networkProfile: {"), data.rindex(b"output id")
        new_start, new_end = after.index(b"networkProfile: {"), after.rindex(b"output id")
        assert data[:start] == after[:new_start]  # everything before the object is untouched
        assert data[end:] == after[new_end:]
        (cluster,) = bicep.locate_bicep(after, "main.bicep", [])
        assert cluster.profile.policy.literal == engine
        (root / "main.bicep").write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems


@given(
    indent=st.sampled_from([None, 2, 4, "\t"]),
    policy=st.sampled_from([None, "", "none"]),
    engine=st.sampled_from(["cilium", "calico", "azure"]),
    api=st.sampled_from(["2022-09-01", "2023-02-01", "2024-05-01"]),
)
def test_arm_edit_invariants(indent, policy, engine, api):
    profile = {"networkPlugin": "azure"}
    if policy is not None:
        profile["networkPolicy"] = policy
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st"},
            {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": api, "name": "aks", "properties": {"networkProfile": profile}},
        ],
    }
    data = (json.dumps(template, indent=indent) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "azuredeploy.json").write_bytes(data)
        result = run(root, Options(engine=engine), verify=True)
        assert not result.problems, result.problems
        (change,) = result.changes
        document = json.loads(change.after)
        cluster = document["resources"][1]
        assert cluster["properties"]["networkProfile"]["networkPolicy"] == engine
        assert document["resources"][0] == template["resources"][0]  # the neighbour is untouched
        assert list(json.loads(data)) == list(document)  # key order kept
        if engine == "cilium":
            assert cluster["properties"]["networkProfile"]["networkDataplane"] == "cilium"
            assert cluster["apiVersion"] >= "2023-02-01"
        (only,) = arm.locate_arm(change.after, "azuredeploy.json", [])
        assert only.profile.policy.literal == engine
        jsonspan.parse(change.after, lazy=False)


# --- whole Bicep documents ----------------------------------------------------------------------
#
# Every engine; decorators, comments in every position (before the resource, after `=`, before and
# after `{`, between and after entries, block comments over several lines, inside networkProfile,
# after the closing braces), `if` conditions, a policy from a param with @allowed, one-line
# networkProfile objects, clusters without one (added with assume_network="azure-overlay"), Windows
# agent pools (cilium and azure: manual, untouched), ''' strings and resources with networkProfile
# keys of their own, CRLF and BOM.

ENGINES = ["cilium", "calico", "azure"]
BOM = b"\xef\xbb\xbf"

DECOY = "'''\n// not a comment\nnetworkProfile: { networkPolicy: 'none' } /* nor this */\n'''"


class _Comments:
    def __init__(self, draw):
        self.draw, self.count = draw, 0

    def text(self, multiline_ok: bool = True) -> str:
        self.count += 1
        styles = ["// c{}", "/* c{} */"] + (["/* c{}\n   spans lines */"] if multiline_ok else [])
        return self.draw(st.sampled_from(styles)).format(self.count)

    def maybe(self, chance: int = 3, multiline_ok: bool = False) -> str:
        return " " + self.text(multiline_ok) if self.draw(st.integers(0, chance - 1)) == 0 else ""

    def inline(self) -> str:
        """A block comment where a token may follow on the same line."""
        if self.draw(st.integers(0, 3)):
            return " "
        self.count += 1
        return f" /* c{self.count} */ "

    def lines(self, indent: str, chance: int = 3) -> list[str]:
        return [indent + self.text().replace("\n", "\n" + indent)] if self.draw(st.integers(0, chance - 1)) == 0 else []


def _bicep_profile(draw, u: str, comments: _Comments, policy_param: bool) -> list[str]:
    """The networkProfile entry of a cluster's properties (None: no networkProfile)."""
    entries = ["networkPlugin: 'azure'"]
    if draw(st.booleans()):
        entries.append("networkPluginMode: 'overlay'")
    policy = "networkPolicy" if policy_param else draw(st.sampled_from([None, "''", "'none'"]))
    if policy:
        entries.insert(draw(st.integers(0, len(entries))), f"networkPolicy: {policy}")
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), "podCidr: '10.244.0.0/16'")
    if draw(st.integers(0, 3)) == 0:
        return [f"{u * 2}networkProfile: {{ {', '.join(entries)} }}{comments.maybe()}"]
    lines = [f"{u * 2}networkProfile:{comments.inline()}{{{comments.maybe()}"]
    for entry in entries:
        lines += comments.lines(u * 3)
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
        lines.append(f"{u * 3}{entry}{comments.maybe(4)}")
    if draw(st.integers(0, 3)) == 0:
        lines += [f"{u * 3}loadBalancerProfile: {{", f"{u * 4}managedOutboundIPs: {{ count: 1 }}", f"{u * 3}}}"]
    lines += comments.lines(u * 3)
    return lines + [f"{u * 2}}}{comments.maybe()}"]


def _bicep_unrelated(draw, u: str, comments: _Comments) -> list[str]:
    kind = draw(st.sampled_from(["vmss", "nprofile", "existing", "var", "storage"]))
    if kind == "vmss":  # a networkProfile that is not a cluster's
        return [
            "resource vmss 'Microsoft.Compute/virtualMachineScaleSets@2023-09-01' = {",
            f"{u}name: 'vmss'",
            f"{u}properties: {{",
            f"{u * 2}virtualMachineProfile: {{",
            f"{u * 3}networkProfile: {{ networkInterfaceConfigurations: [] }}{comments.maybe()}",
            f"{u * 2}}}",
            f"{u}}}",
            "}",
        ]
    if kind == "nprofile":
        return ["resource np 'Microsoft.Network/networkProfiles@2023-04-01' = {", f"{u}name: 'np'", f"{u}location: 'westeurope'", "}"]
    if kind == "existing":  # a reference to a cluster deployed elsewhere: never edited
        return ["resource old 'Microsoft.ContainerService/managedClusters@2024-05-01' existing = {", f"{u}name: 'old'", "}"]
    if kind == "var":
        return [f"var script = {DECOY}", "var ids = map([1, 2], i => 'id-${i}')"]
    return [
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {",
        f"{u}name: 'st'",
        f"{u}properties: {{ networkAcls: {{ defaultAction: 'Deny' }} }}",
        "}",
    ]


@st.composite
def bicep_documents(draw):
    """(file bytes, {cluster: (kind, windows)}, policy_param): kind is "block" or "add"."""
    u = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    comments = _Comments(draw)
    names = [f"aks{i}" for i in range(draw(st.integers(1, 2)))]
    kinds = {n: draw(st.sampled_from(["block", "block", "add"])) for n in names}
    windows = {n for n in names if draw(st.integers(0, 4)) == 0}
    policy_param = kinds[names[0]] == "block" and draw(st.booleans())
    parts: list[list[str]] = []
    if draw(st.booleans()):
        parts.append(["targetScope = 'resourceGroup'" + comments.maybe()])
    if draw(st.booleans()):
        parts.append(["@description('deploy the clusters')", "param deploy bool = true"])
    if policy_param:
        allowed = draw(st.sampled_from([["''", "'none'"], ["'none'"]]))
        if draw(st.booleans()):
            parts.append([f"@allowed([{', '.join(allowed)}])" + comments.maybe(), "@description('the engine')",
                          f"param networkPolicy string = {allowed[-1]}"])
        else:
            parts.append(["@allowed(["] + [f"{u}{a}" for a in allowed] + ["])", f"param networkPolicy string = {allowed[0]}"])
    for name in names:
        lines = comments.lines("", 2)
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["@description('the cluster')", "@sys.description('aks')", "#disable-next-line BCP081"])))
        api = draw(st.sampled_from(["2022-09-01", "2023-02-01", "2024-05-01"]))
        condition = draw(st.sampled_from(["", "if (deploy) ", "if (!empty(location)) "])) if any("param deploy" in l for p in parts for l in p) else ""
        lines.append(f"resource {name} 'Microsoft.ContainerService/managedClusters@{api}' ={comments.inline()}{condition}{{{comments.maybe()}")
        body: list[list[str]] = [[f"{u}name: '{name}'{comments.maybe(4)}"], [f"{u}location: 'westeurope'"]]
        if draw(st.booleans()):
            body.append([f"{u}tags: {{", f"{u * 2}note: {DECOY.replace(chr(10), chr(10) + u * 2)}", f"{u}}}"])
        body += [comments.lines(u)]
        props = [[f"{u * 2}dnsPrefix: '{name}'{comments.maybe(4)}"]]
        props.append([f"{u * 2}agentPoolProfiles: [", f"{u * 3}{{", f"{u * 4}name: 'system'", f"{u * 4}mode: 'System'", f"{u * 3}}}", f"{u * 2}]"])
        if kinds[name] == "block":
            props.insert(draw(st.integers(0, len(props))), _bicep_profile(draw, u, comments, policy_param and name == names[0]))
        props.insert(draw(st.integers(0, len(props))), comments.lines(u * 2))
        body.append([f"{u}properties: {{{comments.maybe()}"] + [l for chunk in props for l in chunk] + [f"{u}}}"])
        for chunk in body:
            lines += chunk
        lines.append("}" + comments.maybe())
        parts.append(lines)
        if name in windows:
            parts.append([
                f"resource win{name} 'Microsoft.ContainerService/managedClusters/agentPools@{api}' = {{",
                f"{u}parent: {name}",
                f"{u}name: 'win'",
                f"{u}properties: {{",
                f"{u * 2}osType: 'Windows'",
                f"{u}}}",
                "}",
            ])
    for _ in range(draw(st.integers(0, 3))):
        parts.insert(draw(st.integers(0, len(parts))), _bicep_unrelated(draw, u, comments))
    parts.append([f"output id string = {names[0]}.id{comments.maybe()}"])
    text = "\n\n".join("\n".join(p) for p in parts) + "\n"
    data = text.replace("\n", newline).encode()
    return (BOM if draw(st.booleans()) else b"") + data, {n: (kinds[n], n in windows) for n in names}


def _bicep_comments(data: bytes) -> list[str]:
    """Every // and /* */ comment, skipping strings ('...' and ''' multi-line ones)."""
    text, found, i = data.decode("utf-8-sig"), [], 0
    while i < len(text):
        if text.startswith("'''", i):
            i = text.index("'''", i + 3) + 3
        elif text[i] == "'":
            i += 1
            while text[i] != "'":
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            found.append(text[i:end].rstrip("\r"))
            i = end
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
            found.append(text[i:end])
            i = end
        else:
            i += 1
    return sorted(found)


def _resource_rows(data: bytes, name: str) -> tuple[int, tuple[int, int] | None, int]:
    """The row of `resource <name>`, the (first, last) rows of its networkProfile entry, and the
    row of the brace closing its properties (where an added networkProfile goes)."""
    tokens = tokenize(data)
    index = next(i for i, t in enumerate(tokens) if t.text == "resource" and tokens[i + 1].text == name)
    body = read_object(tokens, bicep._body_open(tokens, index + 3))
    properties = body.get("properties").object
    profile = properties.get("networkProfile")
    row, close = data.count(b"\n", 0, tokens[index].start), data.count(b"\n", 0, tokens[properties.close].start)
    if profile is None:
        return row, None, close
    start, end = tokens[profile.key_token].start, tokens[profile.value_end - 1].end
    return row, (data.count(b"\n", 0, start), data.count(b"\n", 0, end)), close


def _param_rows(data: bytes) -> tuple[int, int]:
    """From the @allowed decorator to `param networkPolicy`."""
    lines = data.splitlines()
    first = next(i for i, l in enumerate(lines) if l.startswith(b"@allowed("))
    return first, next(i for i, l in enumerate(lines) if l.startswith(b"param networkPolicy"))


def _rest(data: bytes, spans: list[tuple[int, int]]) -> list[bytes]:
    drop = {row for first, last in spans for row in range(first, last + 1)}
    return [line for row, line in enumerate(data.splitlines(keepends=True)) if row not in drop]


@given(doc=bicep_documents(), engine=st.sampled_from(ENGINES))
def test_bicep_document_invariants(doc, engine):
    data, expectation = doc
    manual = {n for n, (_, windows) in expectation.items() if windows and engine != "calico"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.bicep").write_bytes(data)
        options = Options(engine=engine, assume_network="azure-overlay")
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        reports = {r.cluster.address.split("/")[-1].split(".")[-1]: r for r in result.clusters}
        outcomes = {r.cluster.anchor: r.outcome.value for r in result.clusters}
        assert outcomes == {n: "manual" if n in manual else "fixed" for n in expectation}, outcomes
        fixed = [n for n in expectation if n not in manual]
        if not fixed:
            assert not result.changes
            return
        (change,) = result.changes
        after = change.after
        bom = BOM if data.startswith(BOM) else b""
        assert after.startswith(bom) and not after[len(bom):].startswith(BOM)
        old, new = data[len(bom):], after[len(bom):]
        tokenize(new)  # still lexes, brackets balanced
        assert _bicep_comments(old) == _bicep_comments(new)
        if b"\r\n" in old:
            assert new.count(b"\n") == new.count(b"\r\n")
        # only the networkProfile entries, the resource line (an API version bump) and the
        # @allowed param change; the edit lines reported are among them
        by_anchor = {r.cluster.anchor: r for r in result.clusters}
        old_spans, new_spans = [], []
        for name in fixed:
            attributes = {c.attribute for c in by_anchor[name].fix.changes}
            origins = {c.attribute for c in by_anchor[name].fix.changes if c.origin is not None and c.attribute != "apiVersion"}
            reported = []
            for source, spans in ((old, old_spans), (new, new_spans)):
                row, profile, close = _resource_rows(source, name)
                mine = [profile] if profile else []
                mine += [(row, row)] if "apiVersion" in attributes else []
                mine += [_param_rows(source)] if origins else []
                spans += mine
                reported = reported or mine + ([] if profile else [(close, close)])
            allowed = {r for first, last in reported for r in range(first, last + 1)}
            assert all(line - 1 in allowed for _, line in by_anchor[name].edit_lines), (by_anchor[name].edit_lines, reported)
        assert _rest(old, old_spans) == _rest(new, new_spans)
        # the new values read back: akfix's locator, and tree-sitter-bicep where it parses the original
        again = {c.anchor: c for c in bicep.locate_bicep(new, "main.bicep", [])}
        checks = []
        for name in fixed:
            assert again[name].profile.policy.literal == engine
            if engine == "cilium":
                assert again[name].profile.data_plane.literal == "cilium"
            checks.append((name, {c.attribute: c.value for c in by_anchor[name].fix.changes if c.origin is None and c.attribute != "apiVersion"}))
        assert bicep_readback.readback(old, new, [c for c in checks if c[1]]) is None
        (root / "main.bicep").write_bytes(after)
        second = run(root, options, verify=True)
        assert not second.changes and not second.problems


# --- params passed where a module is called (template.argument_edits) ----------------------------
#
# A module in the AVM's spirit (nullable network params, data plane cilium forcing the policy and
# overlay) called once, plainly or in a `[for ...]` loop, with a multi-line params object in every
# indentation, newline style and order, comments and blank lines between entries, an object-valued
# entry, and some network params passed already. --greenfield writes the whole profile at the call.

AVM_LIKE = """param name string
param networkPlugin string?
param networkPluginMode string?
param networkPolicy string?
param networkDataplane string?

resource aks 'Microsoft.ContainerService/managedClusters@2025-10-01' = {
  name: name
  properties: {
    networkProfile: {
      networkDataplane: networkDataplane
      networkPlugin: networkPlugin
      networkPluginMode: networkDataplane == 'cilium' ? 'overlay' : networkPluginMode
      networkPolicy: networkDataplane == 'cilium' ? 'cilium' : networkPolicy
    }
  }
}
"""


@st.composite
def module_calls(draw):
    u = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    loop = draw(st.booleans())
    inner = u * (3 if loop else 2)
    comments = _Comments(draw)
    entries = ["name: 'aks'"]
    if draw(st.booleans()):
        entries.append("location: 'westeurope'")
    for key, values in (("networkPlugin", ["'azure'", "'kubenet'"]), ("networkPluginMode", ["'overlay'"]), ("networkPolicy", ["'none'", "''"])):
        if draw(st.integers(0, 2)) == 0:
            entries.append(f"{key}: {draw(st.sampled_from(values))}")
    entries = draw(st.permutations(entries))
    lines = []
    for entry in entries:
        lines += comments.lines(inner)
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
        lines.append(f"{inner}{entry}{comments.maybe(4)}")
    if draw(st.booleans()):
        lines += [f"{inner}tags: {{", f"{inner}{u}team: 'platform'", f"{inner}}}"]
    lines += comments.lines(inner)
    head = f"module aks './modules/aks.bicep' = {'[' + newline + u + 'for iteration in [' + chr(39) + 'init' + chr(39) + ']: ' if loop else ''}{{"
    outer = u * (2 if loop else 1)
    body = [head, f"{outer}name: 'aks-deploy'", f"{outer}params: {{{comments.maybe()}"] + lines + [f"{outer}}}", f"{u}}}" if loop else "}"]
    if loop:
        body.append("]")
    text = "param unused string = ''\n\n" + "\n".join(body) + "\n\noutput done bool = true\n"
    return text.replace("\n", newline).encode(), inner.encode()


@given(call=module_calls())
def test_params_passed_at_the_module_call(call):
    from fixer.globs import EVERYTHING

    data, indent = call
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "modules").mkdir()
        (root / "modules" / "aks.bicep").write_text(AVM_LIKE)
        (root / "main.bicep").write_bytes(data)
        options = Options(greenfield=EVERYTHING)
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        (report,) = result.clusters
        assert report.outcome.value == "fixed", report.fix
        (change,) = result.changes  # the caller only: the module's params stay nullable for every other caller
        assert change.relpath == "main.bicep"
        after = change.after
        tokenize(after)
        assert _bicep_comments(data) == _bicep_comments(after)
        if b"\r\n" in data:
            assert after.count(b"\n") == after.count(b"\r\n")
        _only_entries_added(data, after, indent)
        (cluster,) = bicep.locate_bicep(AVM_LIKE.encode(), "modules/aks.bicep", [("main.bicep", after.decode("utf-8").encode())])
        profile = cluster.profile
        assert (profile.policy.literal, profile.data_plane.literal, profile.plugin.literal) == ("cilium", "cilium", "azure")
        (root / "main.bicep").write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems


def _only_entries_added(data: bytes, after: bytes, indent: bytes) -> None:
    """Every line kept in order; the new ones are network entries indented like their siblings, and
    a replaced one keeps its key and its comment."""
    old_lines, new_lines = data.splitlines(), after.splitlines()
    added = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        assert op in ("equal", "insert", "replace"), (op, old_lines[i1:i2])
        if op == "replace":
            replaced = {line.split(b":")[0]: line.partition(b"//")[2] for line in old_lines[i1:i2]}
            news = [line for line in new_lines[j1:j2] if line.split(b":")[0] in replaced]
            assert [line.split(b":")[0] for line in news] == list(replaced), (old_lines[i1:i2], new_lines[j1:j2])
            assert [line.partition(b"//")[2] for line in news] == list(replaced.values())
            added += [line for line in new_lines[j1:j2] if line not in news]
        elif op == "insert":
            added += new_lines[j1:j2]
    assert all(re.fullmatch(rb"(networkPlugin|networkPluginMode|networkPolicy|networkDataplane): '\w+'", a[len(indent):])
               and a.startswith(indent) and not a[len(indent):].startswith((b" ", b"\t")) for a in added), added


CLUSTER_FROM_OBJECT = """param cluster object

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: cluster.name
  location: 'westeurope'
  properties: {
    kubernetesVersion: '1.31.2'
    dnsPrefix: cluster.name
    networkProfile: cluster.networkProfile
  }
}
"""


@st.composite
def bicepparam_objects(draw):
    """A .bicepparam file passing the cluster's settings as one object whose networkProfile lacks
    some network keys, written with any indent, newline style, comments and blank lines."""
    u = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    comments = _Comments(draw)
    entries = ["networkPlugin: 'azure'", "networkPluginMode: 'overlay'"]
    if draw(st.booleans()):
        entries.append("networkPolicy: " + draw(st.sampled_from(["''", "'none'"])))
    if draw(st.booleans()):
        entries.append("loadBalancerSku: 'standard'")
    lines = []
    for entry in draw(st.permutations(entries)):
        lines += comments.lines(u * 2)
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
        lines.append(f"{u * 2}{entry}{comments.maybe(4)}")
    lines += comments.lines(u * 2)
    body = ["using 'main.bicep'", "", "param cluster = {", f"{u}name: 'aks'", f"{u}networkProfile: {{{comments.maybe()}"]
    body += lines + [f"{u}}}"]
    if draw(st.booleans()):
        body += [f"{u}tags: {{", f"{u * 2}team: 'platform'", f"{u}}}"]
    body.append("}")
    return ("\n".join(body) + "\n").replace("\n", newline).encode(), (u * 2).encode()


@given(case=bicepparam_objects(), engine=st.sampled_from(["cilium", "calico"]))
def test_keys_added_to_an_object_a_setting_reads(case, engine):
    """A setting read from an object literal that lacks it is added to that object, and only there."""
    data, indent = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.bicep").write_text(CLUSTER_FROM_OBJECT)
        (root / "main.bicepparam").write_bytes(data)
        options = Options(engine=engine)
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        (report,) = result.clusters
        assert report.outcome.value == "fixed", report.fix
        (change,) = result.changes
        assert change.relpath == "main.bicepparam"  # the template every other deployment reads is untouched
        after = change.after
        tokenize(after)
        assert _bicep_comments(data) == _bicep_comments(after)
        if b"\r\n" in data:
            assert after.count(b"\n") == after.count(b"\r\n")
        _only_entries_added(data, after, indent)
        (cluster,) = bicep.locate_bicep(CLUSTER_FROM_OBJECT.encode(), "main.bicep", [("main.bicepparam", after)])
        wanted = ("cilium", "cilium") if engine == "cilium" else ("calico", None)
        assert (cluster.profile.policy.literal, cluster.profile.data_plane.literal) == wanted
        (root / "main.bicepparam").write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems
