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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=terraform_files(), engine=st.sampled_from(["cilium", "calico", "azure"]))
def test_edit_invariants(data, engine):
    options = Options(engine=engine, azurerm_version=exactly((4, 59, 0), "test"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.tf").write_bytes(data)
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        (change,) = result.changes
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
