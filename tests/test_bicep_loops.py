"""Bicep resource loops (`= [for c in clusters: {...}]`, formats/bicep/template.py `_elements`,
expressions.py LOOP): one view per element of the loop's source -- a param default, a .bicepparam
value, `range()` -- with the loop variables bound to that element, each fixed in its own literal."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reporting import run

from fixer.formats.bicep.syntax import tokenize
from fixer.formats.bicep.template import locate_bicep

RESOURCE = """
resource aks 'Microsoft.ContainerService/managedClusters@2025-10-01' = [for {header}: {{
  name: {name}
  location: 'westeurope'
  properties: {{
    dnsPrefix: 'demo'
    agentPoolProfiles: [
      {{
        name: 'system'
        count: 1
        vmSize: 'Standard_D2s_v5'
        mode: 'System'
      }}
    ]
    networkProfile: {{
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: {policy}
    }}
  }}
}}]
"""


def _locate(text: str, parameters: list[tuple[str, bytes]] | None = None):
    return locate_bicep(text.encode(), "main.bicep", parameters or [])


def test_a_range_loop_reads_each_index():
    text = "param policies array = [\n  'none'\n  'azure'\n]\n" + RESOURCE.format(
        header="i in range(0, 2)", name="'aks-${i}'", policy="policies[i]")
    views = _locate(text)
    assert [(v.instance, v.profile.policy.text) for v in views] == [("0", "none"), ("1", "azure")]
    assert views[0].profile.policy.origin is not None  # the element's literal in the default: a fix goes there


def test_the_index_variable_is_bound_too():
    text = "param clusters array = [\n  {\n    p: 'none'\n  }\n  {\n    p: 'calico'\n  }\n]\n" + RESOURCE.format(
        header="(c, i) in clusters", name="'aks-${i}'", policy="i == 0 ? c.p : 'azure'")
    assert [v.profile.policy.text for v in _locate(text)] == ["none", "azure"]


def test_an_element_without_the_setting_stays_unresolved():
    """Bicep fails on `c.p` where the element has no p: akfix does not guess a value for it."""
    text = "param clusters array = [\n  {\n    p: 'none'\n  }\n  {\n    q: 'x'\n  }\n]\n" + RESOURCE.format(
        header="c in clusters", name="'aks'", policy="c.p")
    first, second = _locate(text)
    assert first.profile.policy.text == "none" and second.profile.policy.kind.value == "expression"


def test_a_loop_whose_source_cannot_be_listed_is_one_view_with_the_reason():
    text = "param clusters array\n" + RESOURCE.format(header="c in clusters", name="c.name", policy="c.p")
    [view] = _locate(text)
    assert view.instance is None and "param clusters has no default" in view.profile.policy.note


def test_a_parameters_file_gives_its_own_elements():
    text = "param clusters array = [\n  {\n    p: 'calico'\n  }\n]\n" + RESOURCE.format(header="c in clusters", name="'aks'", policy="c.p")
    bicepparam = b"using './main.bicep'\n\nparam clusters = [\n  {\n    p: 'none'\n  }\n  {\n    p: 'azure'\n  }\n]\n"
    views = _locate(text, [("main.bicepparam", bicepparam)])
    assert [(v.instance, v.profile.policy.text, v.profile.policy.file) for v in views] == [
        ("0", "none", "main.bicepparam"), ("1", "azure", "main.bicepparam")]
    assert views[0].profile.policy.line == 5  # the line in the parameters file, not the template's


POLICIES = st.sampled_from(["none", "calico", "azure", "cilium"])


def _run(root: Path) -> dict:
    return json.loads(run("apply", "--no-bases", "--format", "json", str(root))[1])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policies=st.lists(POLICIES, min_size=1, max_size=4))
def test_each_element_is_written_in_its_own_literal_and_nothing_else(tmp_path_factory, policies):
    """Whatever the elements say: only an element whose policy is none gets cilium, in its own
    literal (the shared data plane is cilium already); every other element stays; the file still
    tokenises; a second run writes nothing."""
    root = tmp_path_factory.mktemp("loop")
    elements = "".join(f"  {{\n    name: 'aks-{i}'\n    p: '{p}'\n  }}\n" for i, p in enumerate(policies))
    text = f"param clusters array = [\n{elements}]\n" + RESOURCE.format(header="c in clusters", name="c.name", policy="c.p")
    (root / "main.bicep").write_text(text)
    document = _run(root)
    after = (root / "main.bicep").read_text()
    tokenize(after.encode())
    expected = f"param clusters array = [\n{elements.replace(chr(39) + 'none' + chr(39), chr(39) + 'cilium' + chr(39))}]\n"
    assert after == expected + text[len(f"param clusters array = [\n{elements}]\n"):]
    assert [c["status"] for c in document["clusters"]] == ["compliant" if p != "none" else "none" for p in policies]
    assert _run(root)["clusters"] and (root / "main.bicep").read_text() == after


def test_an_empty_loop_keeps_the_cluster_in_the_report():
    text = "param clusters array = []\n" + RESOURCE.format(header="c in clusters", name="c.name", policy="c.p")
    [view] = _locate(text)
    assert view.instance is None and "no elements" in view.profile.policy.note


def test_a_filtered_loop_is_found_and_leaves_out_what_its_condition_drops():
    """`[for c in clusters: if (c.enabled) {`: before, the cluster was not found at all. An element
    whose condition is false is not deployed (no view); one whose condition akfix cannot decide is kept."""
    elements = "  {\n    p: 'none'\n    enabled: true\n  }\n  {\n    p: 'azure'\n    enabled: false\n  }\n  {\n    p: 'calico'\n    enabled: unknownThing\n  }\n"
    text = f"param clusters array = [\n{elements}]\n" + RESOURCE.format(header="c in clusters", name="'aks'", policy="c.p").replace(
        "= [for c in clusters: {", "= [for c in clusters: if (c.enabled) {")
    assert [(v.instance, v.profile.policy.text) for v in _locate(text)] == [("0", "none"), ("2", "calico")]


def test_a_conditional_loop_over_a_computed_source_is_found():
    text = "param a array = [\n  'x'\n]\n" + RESOURCE.format(header="c in concat(a, ['y'])", name="'aks-${c}'", policy="'none'")
    assert [v.instance for v in _locate(text)] == ["0", "1"]


def test_an_element_value_is_reported_at_its_own_line():
    text = "param clusters array = [\n  {\n    p: 'none'\n  }\n]\n" + RESOURCE.format(header="c in clusters", name="'aks'", policy="c.p")
    [view] = _locate(text)
    assert view.profile.policy.line == 3  # `p: 'none'`, where a fix writes
