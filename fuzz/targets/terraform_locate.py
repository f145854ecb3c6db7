"""Terraform locator and editor: bytes -> declarations -> edits.

Bad input may only come out as UnreadableText (not UTF-8 text) or ParseFailure (HCL syntax), with
a line of the file; every reported line is in the file; the editor refuses with EditFailure or
returns edits inside the file that never overlap."""

from __future__ import annotations

from fuzz.harness import instrumented
from fuzz.invariants import check_edits, check_line, check_profile, text_of

with instrumented():
    from fixer.formats.terraform.editor import EditFailure, edits_for
    from fixer.formats.terraform.locate import ParseFailure, locate
    from fixer.model import Change, Fix, Risk
    import fixer.textfile  # noqa: F401  (instrumented before fuzz.invariants imports it)


def _fixes(address: str, api_version: str | None) -> list[Fix]:
    """The shapes of fix the planner makes: set values in place, or add a whole block."""
    azapi = address.startswith("azapi_resource.")
    policy, plane = ("networkPolicy", "networkDataplane") if azapi else ("network_policy", "network_data_plane")
    plugin, mode = ("networkPlugin", "networkPluginMode") if azapi else ("network_plugin", "network_plugin_mode")
    set_values = (Change(policy, "cilium"), Change(plane, "cilium"))
    add_block = (Change(plugin, "azure"), Change(mode, "overlay"), Change(policy, "calico"))
    fixes = [Fix(Risk.IN_PLACE, "set", "cilium", set_values), Fix(Risk.DISRUPTIVE, "add", "calico", add_block, add_block=True)]
    if azapi and api_version and not api_version.startswith("expression"):  # as the planner does
        fixes.append(Fix(Risk.IN_PLACE, "api", "cilium", set_values + (Change("apiVersion", "2024-05-01"),)))
    return fixes


def check(data: bytes) -> None:
    text = text_of(data)
    if text is None:
        return
    body = text.body
    try:
        found = locate(body, "main.tf")
    except ParseFailure as exc:
        check_line(exc.line, body, "ParseFailure")
        return
    for decl in found.clusters:
        check_line(decl.line, body, decl.address)
        check_profile(decl.profile, body, "main.tf", decl.address)
        check_line(decl.kubernetes_version.line, body, f"{decl.address} kubernetes_version")
    for pool in found.node_pools:
        check_line(pool.line, body, pool.address)
    for call in found.unknown_modules:
        check_line(call.line, body, f"module {call.name}")
    for decl in found.clusters:
        for fix in _fixes(decl.address, decl.api_version):
            try:
                edits = edits_for(body, decl.address, fix, text.newline)
            except EditFailure as exc:
                check_line(exc.line, body, f"EditFailure for {decl.address}")
                continue
            check_edits(edits, body, f"{fix.summary} {decl.address}")
