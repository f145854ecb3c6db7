"""Property-based tests of the editing invariants on randomly laid-out Terraform.

For every generated file and engine: the result re-parses, python-hcl2 reads the new values back,
only lines of the network_profile block change, every comment survives, the bytes outside the
block are identical, and a second run changes nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.formats.terraform import hcl
from fixer.formats.terraform.readback import read_profile
from fixer.pipeline import Options, run
from fixer.versions import exactly

COMMENTS = ["# keep me {}", "// keep me too {}", "/* and me {} */"]


@st.composite
def terraform_files(draw):
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.booleans())
    final_newline = draw(st.booleans())
    align = draw(st.booleans())
    attrs = [("network_plugin", '"azure"')]
    if draw(st.booleans()):
        attrs.append(("network_plugin_mode", '"overlay"'))
    policy = draw(st.sampled_from([None, '""', '"none"']))
    if policy is not None:
        attrs.insert(draw(st.integers(0, len(attrs))), ("network_policy", policy))
    for extra in (("pod_cidr", '"10.244.0.0/16"'), ("load_balancer_sku", '"standard"'), ("outbound_type", '"loadBalancer"')):
        if draw(st.booleans()):
            attrs.insert(draw(st.integers(0, len(attrs))), extra)
    one_line = len(attrs) == 1 and draw(st.booleans())
    width = max(len(k) for k, _ in attrs)
    lines = []
    counter = 0
    for key, value in attrs:
        if draw(st.integers(0, 4)) == 0:
            lines.append(f"{unit}{unit}" + draw(st.sampled_from(COMMENTS)).format(counter))
            counter += 1
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
        pad = " " * (width - len(key) + 1) if align else " "
        trailing = f" # note {counter}" if draw(st.integers(0, 3)) == 0 else ""
        counter += bool(trailing)
        lines.append(f"{unit}{unit}{key}{pad}= {value}{trailing}")
    if one_line:
        key, value = attrs[0]
        block = [f"{unit}network_profile {{ {key} = {value} }}"]
    else:
        block = [f"{unit}network_profile {{"] + lines + [f"{unit}}}"]
    before = [
        "# header comment",
        'resource "azurerm_resource_group" "rg" {',
        f'{unit}name = "rg"',
        "}",
        "",
        f'resource "azurerm_kubernetes_cluster" "main" {draw(st.sampled_from(["{", "{ # inline"]))}',
        f'{unit}name = "aks"',
        "",
    ]
    after = ["}", "", 'output "id" {', f"{unit}value = azurerm_kubernetes_cluster.main.id", "}"]
    text = newline.join(before + block + after) + (newline if final_newline else "")
    data = text.encode()
    return (b"\xef\xbb\xbf" if bom else b"") + data


def _comments(body: bytes) -> list[str]:
    found = []

    def walk(node):
        if node.type == "comment":
            found.append(node.text.decode())
        for child in node.children:
            walk(child)

    walk(hcl.parse(body).root_node)
    return sorted(found)


def _block_span(body: bytes) -> tuple[int, int]:
    root = hcl.parse(body).root_node
    resource = [b for b in hcl.blocks(hcl.body_of(root)) if b.labels == ("azurerm_kubernetes_cluster", "main")][0]
    profile = next(b for b in hcl.blocks(resource.body) if b.type == "network_profile")
    start = body.rfind(b"\n", 0, profile.node.start_byte) + 1
    return start, profile.node.end_byte


def _one_change(root: Path, data: bytes, options: Options):
    """Run akfix on `data` as root/main.tf: no problem, exactly one file changed."""
    (root / "main.tf").write_bytes(data)
    result = run(root, options, verify=True)
    assert not result.problems, result.problems
    (change,) = result.changes
    return change


@given(data=terraform_files(), engine=st.sampled_from(["cilium", "calico", "azure"]))
def test_edit_invariants(data, engine):
    options = Options(engine=engine, azurerm_version=exactly((4, 59, 0), "test"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        change = _one_change(root, data, options)
        after = change.after
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        assert after.startswith(bom)
        old_body, new_body = data[len(bom):], after[len(bom):]
        # re-parses cleanly and the independent parser reads the engine back
        assert not hcl.parse(new_body).root_node.has_error
        profile = read_profile(new_body.decode(), "azurerm_kubernetes_cluster", "main")
        assert profile["network_policy"] == engine
        if engine == "cilium":
            assert profile["network_data_plane"] == "cilium"
        # every comment survives, the bytes outside the block are identical
        assert _comments(old_body) == _comments(new_body)
        start, end = _block_span(old_body)
        new_start, new_end = _block_span(new_body)
        assert old_body[:start] == new_body[:new_start]
        assert old_body[end:] == new_body[new_end:]
        # newline style kept: no bare LF in a CRLF file and no CRLF in an LF file
        if b"\r\n" in old_body:
            assert new_body.count(b"\n") == new_body.count(b"\r\n")
        else:
            assert b"\r\n" not in new_body
        # only intended lines: every old line of the block survives modulo whitespace,
        # except the policy line whose value was replaced
        old_lines = {" ".join(l.split()) for l in old_body[start:end].decode().splitlines()}
        new_lines = {" ".join(l.split()) for l in new_body[new_start:new_end].decode().splitlines()}
        lost = {l for l in old_lines - new_lines if not l.startswith("network_policy") and "network_profile {" not in l}
        assert not lost, lost
        # a second run changes nothing
        (root / "main.tf").write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems


# --- whole documents: several clusters among unrelated resources ------------------------------
#
# Every engine, comments in every position (before the resource, before and after `{`, between and
# after attributes, block comments over several lines, inside network_profile, after the closing
# braces), heredocs in and around the clusters, `dynamic` blocks near, resources with
# network_profile-like blocks of their own, clusters without a network_profile (added with
# assume_network="azure-overlay"), Windows node pools (cilium and azure: manual, untouched).

ENGINES = ["cilium", "calico", "azure"]
BOM = b"\xef\xbb\xbf"


class _Comments:
    """Distinct comments, so that the multiset comparison notices a lost or doubled one."""

    def __init__(self, draw):
        self.draw, self.count = draw, 0

    def text(self, multiline_ok: bool = True) -> str:
        self.count += 1
        styles = ["# c{} #", "// c{}", "/* c{} */"] + (["/* c{}\n   spans lines */"] if multiline_ok else [])
        return self.draw(st.sampled_from(styles)).format(self.count)

    def maybe(self, chance: int = 3, multiline_ok: bool = True) -> str:
        """" <comment>" or "" (one chance in `chance`)."""
        return " " + self.text(multiline_ok) if self.draw(st.integers(0, chance - 1)) == 0 else ""

    def lines(self, indent: str, chance: int = 3) -> list[str]:
        return [indent + self.text().replace("\n", "\n" + indent)] if self.draw(st.integers(0, chance - 1)) == 0 else []


HEREDOC_BODY = [
    "network_profile {",
    '  network_policy = "none" # not a comment: heredoc text',
    "}",
    "// neither is this ${var.prefix}",
    '%{ if var.enabled }on%{ endif }',
]


def _heredoc(draw, key: str, indent: str) -> list[str]:
    marker = draw(st.sampled_from(["EOT", "EOF", "POLICY"]))
    dash = draw(st.sampled_from(["", "-"]))
    inner = indent + "  " if dash else ""
    body = [inner + line for line in HEREDOC_BODY[: draw(st.integers(1, len(HEREDOC_BODY)))]]
    return [f"{indent}{key} = <<{dash}{marker}"] + body + [(indent if dash else "") + marker]


def _unrelated(draw, unit: str, comments: _Comments, names: list[str]) -> list[str]:
    """One resource (or data/locals/variable/output block) that is not a cluster to fix."""
    kind = draw(st.sampled_from(["rg", "vmss", "locals", "pool", "data", "variable", "dead", "output"]))
    u = unit
    if kind == "rg":
        return [f'resource "azurerm_resource_group" "rg" {{{comments.maybe()}', f'{u}name     = "rg"', f'{u}location = "westeurope"', "}"]
    if kind == "vmss":  # a network_profile block that is not a cluster's
        return [
            'resource "azurerm_virtual_machine_scale_set" "vmss" {',
            f'{u}name = "vmss"',
            f"{u}network_profile {{{comments.maybe()}",
            f'{u}{u}name    = "np"',
            f"{u}{u}primary = true",
            f"{u}{u}ip_configuration {{",
            f'{u}{u}{u}name    = "ip"',
            f"{u}{u}{u}primary = true",
            f"{u}{u}}}",
            f"{u}}}",
            "}",
        ]
    if kind == "locals":
        return ["locals {"] + _heredoc(draw, "script", u) + [f'{u}json = jsonencode({{', f'{u}{u}network_policy = "none"', f"{u}}})", "}"]
    if kind == "pool":  # a Linux pool, with the node pool's own node_network_profile block
        cluster = draw(st.sampled_from(names))
        return [
            'resource "azurerm_kubernetes_cluster_node_pool" "linux" {',
            f"{u}kubernetes_cluster_id = azurerm_kubernetes_cluster.{cluster}.id",
            f'{u}os_type               = "Linux"',
            f"{u}node_network_profile {{",
            f'{u}{u}node_public_ip_tags = {{ RoutingPreference = "Internet" }}',
            f"{u}}}",
            "}",
        ]
    if kind == "data":
        return ['data "azurerm_kubernetes_cluster" "existing" {', f'{u}name                = "old"', f'{u}resource_group_name = "rg"', "}"]
    if kind == "variable":
        return ['variable "prefix" {', f"{u}type = string"] + _heredoc(draw, "description", u) + ["}"]
    if kind == "dead":  # commented-out clusters are comments, never clusters
        return [
            '# resource "azurerm_kubernetes_cluster" "old" {',
            "/*",
            'resource "azurerm_kubernetes_cluster" "dead" {',
            '  network_profile { network_policy = "none" }',
            "}",
            "*/",
        ]
    cluster = draw(st.sampled_from(names))
    return [f'output "id" {{{comments.maybe()}', f"{u}value = azurerm_kubernetes_cluster.{cluster}.id", f"}}{comments.maybe()}"]


def _profile_lines(draw, unit: str, comments: _Comments, align: bool) -> list[str]:
    u2 = unit * 2
    attrs = [("network_plugin", '"azure"')]
    if draw(st.booleans()):
        attrs.append(("network_plugin_mode", '"overlay"'))
    policy = draw(st.sampled_from([None, '""', '"none"']))
    if policy is not None:
        attrs.insert(draw(st.integers(0, len(attrs))), ("network_policy", policy))
    for extra in (("pod_cidr", '"10.244.0.0/16"'), ("load_balancer_sku", '"standard"'), ("outbound_type", '"loadBalancer"')):
        if draw(st.booleans()):
            attrs.insert(draw(st.integers(0, len(attrs))), extra)
    if len(attrs) == 1 and draw(st.booleans()):
        key, value = attrs[0]
        return [f"{unit}network_profile {{ {key} = {value} }}{comments.maybe()}"]
    width = max(len(k) for k, _ in attrs)
    label = f" /* np {comments.text(False)[2:].strip('/# *')} */" if draw(st.integers(0, 3)) == 0 else ""
    lines = [f"{unit}network_profile{label} {{{comments.maybe()}"]
    for key, value in attrs:
        lines += comments.lines(u2)
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
        pad = " " * (width - len(key) + 1) if align else " "
        lines.append(f"{u2}{key}{pad}= {value}{comments.maybe(4, multiline_ok=False)}")
    if draw(st.integers(0, 3)) == 0:  # a nested block inside the profile
        lines += [f"{u2}load_balancer_profile {{", f"{u2}{unit}managed_outbound_ip_count = 1", f"{u2}}}"]
    lines += comments.lines(u2)
    lines.append(f"{unit}}}{comments.maybe()}")
    return lines


def _dynamic(unit: str, name: str) -> list[str]:
    u = unit
    return [f'{u}dynamic "{name}" {{', f"{u}{u}for_each = var.identities", f"{u}{u}content {{", f"{u}{u}{u}type = {name}.value", f"{u}{u}}}", f"{u}}}"]


@st.composite
def terraform_documents(draw):
    """(file bytes, {cluster name: (kind, windows)}): kind is "block", "add" (no network_profile) or
    "dynamic" (a dynamic network_profile); windows: a Windows node pool refers to the cluster."""
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    align = draw(st.booleans())
    comments = _Comments(draw)
    count = draw(st.integers(1, 3))
    names = [f"c{i}" for i in range(count)]
    kinds = {name: draw(st.sampled_from(["block", "block", "add", "dynamic"])) for name in names}
    windows = {name for name in names if draw(st.integers(0, 4)) == 0}
    parts: list[list[str]] = []
    for name in names:
        lines = comments.lines("", 2)
        opener = draw(st.sampled_from(["{", "{ # after brace", "/* before brace */ {"]))
        if opener != "{":
            comments.count += 1
            opener = opener.replace("brace", f"brace {comments.count}")
        lines.append(f'resource "azurerm_kubernetes_cluster" "{name}" {opener}')
        body: list[list[str]] = [[f'{unit}name       = "{name}"'], [f'{unit}dns_prefix = "{name}"' + comments.maybe(4, False)]]
        if draw(st.booleans()):
            body.append(_heredoc(draw, "description", unit))
        if draw(st.booleans()):
            body.append(comments.lines(unit, 1))
        if draw(st.booleans()):
            body.append(_dynamic(unit, "identity"))
        if draw(st.booleans()):
            body.append([f"{unit}default_node_pool {{", f'{unit}{unit}name    = "system"', f"{unit}{unit}vm_size = \"Standard_D4s_v5\"", f"{unit}}}"])
        if kinds[name] == "block":
            body.insert(draw(st.integers(0, len(body))), _profile_lines(draw, unit, comments, align))
        elif kinds[name] == "dynamic":
            body.insert(draw(st.integers(0, len(body))), _dynamic(unit, "network_profile"))
        for chunk in body:
            lines += chunk
            if draw(st.integers(0, 4)) == 0:
                lines.append("")
        lines.append("}" + comments.maybe())
        parts.append(lines)
        if name in windows:
            parts.append([
                f'resource "azurerm_kubernetes_cluster_node_pool" "win_{name}" {{',
                f"{unit}kubernetes_cluster_id = azurerm_kubernetes_cluster.{name}.id",
                f'{unit}os_type               = "Windows"',
                "}",
            ])
    for _ in range(draw(st.integers(0, 4))):
        parts.insert(draw(st.integers(0, len(parts))), _unrelated(draw, unit, comments, names))
    text = (newline * 2).join(newline.join(p) for p in parts).replace("\n", newline).replace("\r\r", "\r")
    if draw(st.booleans()):
        text += newline
    data = text.encode()
    expectation = {name: (kinds[name], name in windows) for name in names}
    return (BOM if draw(st.booleans()) else b"") + data, expectation


def _cluster_rows(body: bytes, name: str) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """(first, last) row of the cluster resource and of its network_profile block (None: none)."""
    root = hcl.parse(body).root_node
    resource = next(b for b in hcl.blocks(hcl.body_of(root)) if b.labels == ("azurerm_kubernetes_cluster", name))
    profile = next((b for b in hcl.blocks(resource.body) if b.type == "network_profile"), None)
    rows = (resource.node.start_point[0], resource.node.end_point[0])
    return rows, (profile.node.start_point[0], profile.node.end_point[0]) if profile else None


def _without_rows(lines: list[bytes], spans: list[tuple[int, int]]) -> list[bytes]:
    drop = {row for first, last in spans for row in range(first, last + 1)}
    return [line for row, line in enumerate(lines) if row not in drop]


def _outside_blocks_unchanged(old: bytes, new: bytes, fixed: dict[str, str]) -> None:
    """The lines outside the edited network_profile blocks are byte-identical; an added block may
    bring one blank line before it."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_spans = [_cluster_rows(old, n)[1] for n, kind in fixed.items() if kind == "block"]
    new_spans = [_cluster_rows(new, n)[1] for n in fixed]
    added = [span for n, span in zip(fixed, new_spans) if fixed[n] == "add"]
    rest_old = _without_rows(old_lines, old_spans)
    for blanks in range(2 ** len(added)):  # with or without the blank line before each added block
        extra = [(first - 1, first - 1) for bit, (first, _) in enumerate(added) if blanks >> bit & 1 and not new_lines[first - 1].strip()]
        if _without_rows(new_lines, new_spans + extra) == rest_old:
            return
    raise AssertionError("lines outside the network_profile blocks changed")


@given(doc=terraform_documents(), engine=st.sampled_from(ENGINES))
def test_document_invariants(doc, engine):
    data, expectation = doc
    options = Options(engine=engine, assume_network="azure-overlay", azurerm_version=exactly((4, 59, 0), "test"))
    # a dynamic network_profile, or a Windows pool with an engine other than calico: manual
    manual = {n for n, (kind, windows) in expectation.items() if kind == "dynamic" or (windows and engine != "calico")}
    fixed = {n: kind for n, (kind, _) in expectation.items() if n not in manual}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.tf").write_bytes(data)
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        outcomes = {r.cluster.address.split(".")[1]: r.outcome.value for r in result.clusters}
        assert outcomes == {n: "manual" if n in manual else "fixed" for n in expectation}, outcomes
        if not fixed:
            assert not result.changes  # nothing to fix: the file is untouched
            return
        (change,) = result.changes
        after = change.after
        bom = BOM if data.startswith(BOM) else b""
        assert after.startswith(bom) and not after[len(bom):].startswith(BOM)
        old, new = data[len(bom):], after[len(bom):]
        assert not hcl.parse(new).root_node.has_error  # re-parses
        assert _comments(old) == _comments(new)  # every comment, byte for byte
        if b"\r\n" in old:
            assert new.count(b"\n") == new.count(b"\r\n")
        else:
            assert b"\r\n" not in new
        _outside_blocks_unchanged(old, new, fixed)
        for report in result.clusters:  # the reported edit lines are in the cluster's block
            name = report.cluster.address.split(".")[1]
            (first, last), profile = _cluster_rows(old, name)
            for _, line in report.edit_lines:
                low, high = profile if profile and fixed.get(name) == "block" else (first, last)
                assert low <= line - 1 <= high, (name, line, low, high)
        for name in fixed:  # python-hcl2 reads the new values back
            profile = read_profile(new.decode(), "azurerm_kubernetes_cluster", name)
            assert profile["network_policy"] == engine
            if engine == "cilium":
                assert profile["network_data_plane"] == "cilium"
            if fixed[name] == "add":
                assert (profile["network_plugin"], profile["network_plugin_mode"]) == ("azure", "overlay")
        for name in manual:  # a manual cluster's lines are untouched
            (first, last), _ = _cluster_rows(old, name)
            assert old.splitlines()[first:last + 1] == new.splitlines()[first:last + 1] or _shifted_equal(old, new, name)
        (root / "main.tf").write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems


def _shifted_equal(old: bytes, new: bytes, name: str) -> bool:
    """The cluster's lines are the same text, wherever earlier edits moved them."""
    (a, b), _ = _cluster_rows(old, name)
    (c, d), _ = _cluster_rows(new, name)
    return old.splitlines()[a:b + 1] == new.splitlines()[c:d + 1]


# --- an AVM module call (v0.4.0 on) without a network_profile object gains one ------------------


@st.composite
def avm_calls(draw):
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    version = draw(st.sampled_from(['"0.4.0"', '"~> 0.6"', '"0.8.1"', None]))
    rows = [f'{unit}source = "Azure/avm-res-containerservice-managedcluster/azurerm"'] + \
        ([f"{unit}version = {version}"] if version else []) + ["", f'{unit}name = "aks"']
    if draw(st.booleans()):
        rows += [f"{unit}default_node_pool = {{", f'{unit}{unit}name = "system"', f"{unit}}}"]
    if draw(st.booleans()):
        rows.append(f"{unit}# keep me")
    if draw(st.booleans()):
        rows.append(f"{unit}tags = {{ team = \"platform\" }} # inline")
    if draw(st.booleans()):
        rows.append("")  # a blank line before the closing brace
    text = newline.join(["# header", 'module "aks" {'] + rows + ["}"]) + (newline if draw(st.booleans()) else "")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode()


@given(data=avm_calls())
def test_an_avm_call_gains_its_network_profile_and_nothing_else_changes(data):
    options = Options(engine="calico")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        change = _one_change(root, data, options)
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        old_body, new_body = data[len(bom):], change.after[len(bom):]
        assert change.after.startswith(bom) and not hcl.parse(new_body).root_node.has_error
        # one insertion: the old text is the new text with the object cut out
        at = new_body.index(b"network_profile = {")
        start = new_body.rindex(b"\n", 0, at) + 1
        end = new_body.index(b"}", at) + 1
        end = new_body.index(b"\n", end) + 1 if b"\n" in new_body[end:] else end
        assert new_body[start:end].split() == [b"network_profile", b"=", b"{", b"network_policy", b"=", b'"calico"', b"}"]
        assert (new_body[:start] + new_body[end:]).replace(b"\r\n\r\n", b"\r\n").replace(b"\n\n", b"\n") == \
            old_body.replace(b"\r\n\r\n", b"\r\n").replace(b"\n\n", b"\n")
        if b"\r\n" in old_body:
            assert new_body.count(b"\n") == new_body.count(b"\r\n")
        else:
            assert b"\r\n" not in new_body
        (root / "main.tf").write_bytes(change.after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems


# --- fmt-clean blocks with trailing comments: the fix is written and the file stays fmt-clean -----


@st.composite
def commented_profiles(draw):
    """A cluster whose network_profile lines carry trailing comments in any pattern (fmt aligns the
    comments of consecutive lines as a group), before `terraform fmt` normalises the file."""
    attrs = [("network_plugin", '"azure"'), ("network_plugin_mode", '"overlay"')]
    for extra in (("pod_cidr", '"10.244.0.0/16"'), ("load_balancer_sku", '"standard"'), ("outbound_type", '"loadBalancer"')):
        if draw(st.booleans()):
            attrs.insert(draw(st.integers(0, len(attrs))), extra)
    lines = []
    for n, (key, value) in enumerate(attrs):
        comment = draw(st.sampled_from(["", f" # why {n}", f" // why {'x' * n}"]))
        lines.append(f"    {key} = {value}{comment}")
    return "\n".join([
        'resource "azurerm_kubernetes_cluster" "main" {',
        '  name = "aks"',
        "",
        "  network_profile {",
        *lines,
        "  }",
        "}",
        "",
    ])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=commented_profiles(), engine=st.sampled_from(["cilium", "calico"]))
def test_trailing_comment_groups_stay_fmt_clean(terraform_bin, text, engine):
    import subprocess

    def fmt(data: bytes) -> bytes:
        return subprocess.run([terraform_bin, "fmt", "-"], input=data, capture_output=True, check=True,
                              env={"TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"}).stdout

    data = fmt(text.encode())
    with tempfile.TemporaryDirectory() as tmp:
        change = _one_change(Path(tmp), data, Options(engine=engine, azurerm_version=exactly((4, 66, 0), "test")))
        assert fmt(change.after) == change.after  # written, and still what terraform fmt writes
        assert read_profile(change.after.decode(), "azurerm_kubernetes_cluster", "main")["network_policy"] == engine


@st.composite
def var_files(draw):
    """An environment's -var-file in any layout terraform fmt leaves alone: groups of aligned
    attributes, blank lines, comments, with or without a final newline."""
    lines = []
    for n in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["attr", "blank", "comment", "list"]))
        if kind == "attr":
            lines.append(f'{"x" * draw(st.integers(1, 12))}{n} = "{n}"')
        elif kind == "comment":
            lines.append(draw(st.sampled_from(["# note", "// note", "/* note */"])))
        elif kind == "list":
            lines.append(f'tags{n} = ["a", "b"]')
        else:
            lines.append("")
    text = "\n".join(["network_plugin = \"azure\"", *lines])
    return text + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tfvars=var_files(), data_plane=st.booleans())
def test_settings_added_to_a_var_file_parse_back_and_stay_fmt_clean(terraform_bin, tfvars, data_plane):
    """The -var-file of an environment that reads shared defaults gains the settings (terraform
    editor.tfvars_entry_edits): every file stays what terraform fmt writes, and reads back."""
    import subprocess

    import hcl2

    from fixer.edit.edits import apply_edits
    from fixer.formats.terraform.editor import tfvars_entry_edits

    def fmt(data: bytes) -> bytes:
        return subprocess.run([terraform_bin, "fmt", "-"], input=data, capture_output=True, check=True,
                              env={"TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"}).stdout

    body = fmt(tfvars.encode())
    values = {"network_policy": "cilium", **({"network_data_plane": "cilium"} if data_plane else {})}
    after = apply_edits(body, tfvars_entry_edits(body, values, b"\n"))
    assert fmt(after) == after
    parsed = {key: str(value).strip('"') for key, value in hcl2.loads(after.decode()).items()}  # python-hcl2 5 keeps the quotes
    assert all(parsed[key] == value for key, value in values.items()) and parsed["network_plugin"] == "azure"
    assert after.startswith(body.rstrip(b"\n \t"))  # the file's own lines are kept as they were
