"""Pulumi and CDKTF programs in Python: package versions, qualified-name resolution, the rules
per package, verification, and hypothesis properties of the libcst edits."""

from __future__ import annotations

import ast
import io
import tempfile
import tokenize
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixer.formats.python import transform
from fixer.formats.python.packages import parse_spec, pins_for
from fixer.pipeline import Options, run
from fixer.plan.rules import python_packages as rules
from fixer.versions import VersionRange, exactly

NATIVE3 = "pulumi-azure-native>=3.0.0,<4.0.0\n"


@pytest.mark.parametrize(
    "spec, low, high",
    [
        (">=2.0.0,<3.0.0", (2, 0, 0), (3, 0, 0)),
        ("~=6.0", (6, 0, 0), (7, 0, 0)),
        ("~=2.1.3", (2, 1, 3), (2, 2, 0)),
        ("==2.*", (2, 0, 0), (3, 0, 0)),
        ("==6.40.1", (6, 40, 1), (6, 40, 2)),
        ("^2.20", (2, 20, 0), (3, 0, 0)),
        ("^0.3", (0, 3, 0), (0, 4, 0)),
        ("~2.1", (2, 1, 0), (2, 2, 0)),
        ("2.92.3", (2, 92, 3), (2, 92, 4)),
        (">=3, !=3.5.0", (3, 0, 0), (999, 0, 0)),
    ],
)
def test_version_specifiers_become_ranges(spec, low, high):
    versions = parse_spec(spec, "requirements.txt")
    assert (versions.low, versions.high) == (low, high)


@pytest.mark.parametrize("spec", ["*", "", "@ git+https://example.com/x.git", "latest"])
def test_specifiers_that_say_nothing_are_unknown(spec):
    assert parse_spec(spec, "f") is None


def _pins(tmp_path: Path, files: dict[str, str], folder: str):
    for relpath, text in files.items():
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text(text)
    by_folder = {}
    for relpath in files:
        by_folder.setdefault(relpath.rpartition("/")[0], []).append(relpath)
    return pins_for(folder, lambda r: (tmp_path / r).read_text(), lambda f: by_folder.get(f, []))


def test_the_nearest_project_file_wins_and_lock_files_beat_ranges(tmp_path):
    pins = _pins(tmp_path, {
        "requirements.txt": "pulumi-azure-native>=2,<3\npulumi_azure==5.89.3  # bridged 3.x\n",
        "infra/pyproject.toml": '[project]\ndependencies = ["pulumi-azure-native>=3.0,<4"]\n',
        "infra/poetry.lock": '[[package]]\nname = "pulumi-azure-native"\nversion = "3.29.0"\n',
    }, "infra")
    assert pins.get("pulumi-azure-native").versions.low == (3, 29, 0) and pins.get("pulumi-azure-native").file == "infra/poetry.lock"
    assert pins.get("pulumi-azure").versions.low == (5, 89, 3) and pins.get("pulumi-azure").file == "requirements.txt"


def test_pipfile_lock_and_cdktf_json(tmp_path):
    pins = _pins(tmp_path, {
        "Pipfile.lock": '{"default": {"cdktf-cdktf-provider-azurerm": {"version": "==14.23.1"}}}',
        "cdktf.json": '{"terraformProviders": [{"name": "azurerm", "source": "hashicorp/azurerm", "version": "~> 4.60"}]}',
    }, "")
    assert pins.get("cdktf-cdktf-provider-azurerm").versions.exact
    assert (pins.cdktf_azurerm.low, pins.cdktf_azurerm.high) == ((4, 60, 0), (5, 0, 0))


def test_malformed_project_files_are_unknown_versions_not_errors(tmp_path):
    pins = _pins(tmp_path, {"pyproject.toml": "[project\n", "Pipfile.lock": "{", "requirements.txt": "-r other.txt\n"}, "")
    assert pins.packages == {} and pins.cdktf_azurerm is None


def test_bridged_packages_map_to_azurerm_lines():
    six = parse_spec(">=6.0.0,<7.0.0", "r")
    assert (rules.azurerm_of(rules.PULUMI_AZURE, six, "s").low, rules.azurerm_of(rules.PULUMI_AZURE, six, "s").high) == ((4, 0, 0), (5, 0, 0))
    assert rules.azurerm_of(rules.CDKTF_AZURERM, exactly((14, 23, 1), "r"), "s").low == (4, 55, 0)
    assert not rules.azurerm_of(rules.PULUMI_AZURE, parse_spec(">=9", "r"), "s").known  # no facts: every version plausible
    assert rules.azure_native_api(parse_spec(">=2,<3", "r")) == "2023-04-01"
    assert rules.azure_native_api(exactly((3, 29, 0), "r")) == "2025-09-01"
    assert rules.azure_native_api(VersionRange()) == "2023-04-01"


def _scan(tmp_path: Path, files: dict[str, str], **options):
    for relpath, text in files.items():
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text(text)
    return run(tmp_path, Options(**options), verify=True)


@pytest.mark.parametrize("program", [
    "import pulumi_azure_native.containerservice as cs\ncs.ManagedCluster('a', network_profile={'network_plugin': 'azure', 'network_policy': 'none'})\n",
    "from pulumi_azure_native.containerservice import ManagedCluster as Aks\nAks('a', network_profile={'network_plugin': 'azure', 'network_policy': 'none'})\n",
    "import pulumi_azure_native as an\nclusters = [an.containerservice.ManagedCluster(n, network_profile={'network_plugin': 'azure', 'network_policy': 'none'}) for n in 'ab']\n",
])
def test_every_import_style_is_resolved(tmp_path, program):
    result = _scan(tmp_path, {"requirements.txt": NATIVE3, "__main__.py": program})
    assert [r.status.value for r in result.clusters] == ["none"]
    assert result.clusters[0].cluster.format == "pulumi"


def test_classes_with_the_same_name_from_elsewhere_are_not_clusters(tmp_path):
    result = _scan(tmp_path, {"__main__.py": (
        "from mylib import ManagedCluster\nimport pulumi_digitalocean as do\n"
        "ManagedCluster('x', network_profile={'network_policy': 'none'})\ndo.KubernetesCluster('y')\n")})
    assert result.clusters == () and result.problems == ()


def test_a_windows_pool_in_another_file_of_the_program_rules_out_cilium(tmp_path):
    result = _scan(tmp_path, {
        "requirements.txt": NATIVE3,
        "infra/cluster.py": "from pulumi_azure_native import containerservice as cs\n"
                            "c = cs.ManagedCluster('a', network_profile=cs.ContainerServiceNetworkProfileArgs(network_plugin='azure', network_policy='none'))\n",
        "infra/pools.py": "from pulumi_azure_native import containerservice as cs\nimport cluster\n"
                          "cs.AgentPool('win', resource_name_=cluster.c.name, os_type='Windows')\n",
    })
    (report,) = result.clusters
    assert report.fix.risk.value == "manual" and "Windows" in report.fix.summary
    assert report.cluster.windows_pools == ("AgentPool.win (infra/pools.py)",)


def test_a_variable_used_for_other_things_is_not_rewritten(tmp_path):
    result = _scan(tmp_path, {"requirements.txt": NATIVE3, "__main__.py": (
        "from pulumi_azure_native import containerservice as cs\nP = 'none'\n"
        "cs.ManagedCluster('a', tags={'policy': P}, network_profile=cs.ContainerServiceNetworkProfileArgs(network_plugin='azure', network_plugin_mode='overlay', network_policy=P))\n")})
    assert not result.changes
    assert any("also used for other things" in p.message for p in result.problems)


def test_a_result_that_fails_verification_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(transform, "rewrite", lambda parsed, plans, phases=None: ("def broken(:\n", {}))
    result = _scan(tmp_path, {"requirements.txt": NATIVE3, "__main__.py": (
        "from pulumi_azure_native import containerservice as cs\n"
        "cs.ManagedCluster('a', network_profile={'network_plugin': 'azure', 'network_plugin_mode': 'overlay'})\n")})
    assert not result.changes
    assert [p.message for p in result.problems] == ["not written, verification failed: the result does not parse (invalid syntax (__main__.py, line 1))"]
    assert [r.outcome.value for r in result.clusters] == ["failed"]


def test_utf16_and_binary_python_files_are_reported_not_edited(tmp_path):
    (tmp_path / "a.py").write_bytes("import pulumi_azure_native\nManagedCluster('x')\n".encode("utf-16"))
    (tmp_path / "b.py").write_bytes(b"import pulumi_azure_native\x00ManagedCluster")
    result = run(tmp_path, Options(), verify=True)
    assert sorted(p.file for p in result.problems) == ["a.py", "b.py"] and not result.changes


# --- properties of the edits --------------------------------------------------------------------


@st.composite
def programs(draw):
    """A program with one azure-native cluster in random import style, profile form and layout."""
    style = draw(st.sampled_from(["module", "import-as", "from", "star"]))
    head, prefix = {
        "module": ("from pulumi_azure_native import containerservice  # sdk\n", "containerservice."),
        "import-as": ("import pulumi_azure_native as azure_native\n", "azure_native.containerservice."),
        "from": ("from pulumi_azure_native.containerservice import ManagedCluster, ContainerServiceNetworkProfileArgs, NetworkPolicy\n", ""),
        "star": ("from pulumi_azure_native.containerservice import *\n", ""),
    }[style]
    form = draw(st.sampled_from(["args", "dict", "camel", "variable"]))
    policy = draw(st.sampled_from([None, '"none"', "''", "enum"] if style in ("from", "star") and form == "args" else [None, '"none"', "''"]))
    if policy == "enum":
        policy = "NetworkPolicy.NONE"
    fields = [("network_plugin", '"azure"'), ("network_plugin_mode", '"overlay"')]
    if policy is not None:
        fields.insert(draw(st.integers(0, len(fields))), ("network_policy", policy))
    if draw(st.booleans()):
        fields.append(("pod_cidr", '"10.244.0.0/16"'))
    multiline, trailing = draw(st.booleans()), draw(st.booleans())
    comment = draw(st.sampled_from(["", "  # note"]))
    indent = "    " * draw(st.integers(1, 2))

    def render(pairs, camel_keys: bool, dict_form: bool, depth: str) -> str:
        def key(name):
            return "".join(p if i == 0 else p.title() for i, p in enumerate(name.split("_"))) if camel_keys else name
        items = [f'"{key(k)}": {v}' if dict_form else f"{k}={v}" for k, v in pairs]
        if not multiline:
            return ", ".join(items)
        inner = depth + indent
        body = "".join(f"{inner}{item},{comment if i == 0 else ''}\n" for i, item in enumerate(items))
        if not trailing:
            body = body[: body.rstrip().rfind(",")] + body[body.rstrip().rfind(",") + 1:]
        return "\n" + body + depth

    dict_form = form in ("dict", "camel")
    inner = render(fields, form == "camel", dict_form, indent)
    value = "{" + inner + "}" if dict_form else f"{prefix}ContainerServiceNetworkProfileArgs({inner})"
    lines = [head, "", "# the cluster"]
    profile_ref = value
    if form == "variable":
        lines.append(f"profile = {value}")
        profile_ref = "profile"
    lines += [f"cluster = {prefix}ManagedCluster(", f'{indent}"aks",', f'{indent}resource_group_name="rg",  # rg',
              f"{indent}network_profile={profile_ref},", ")", "", "print(cluster)  # after"]
    text = "\n".join(lines) + "\n"
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.replace("\n", newline).encode()


def _comments(source: bytes) -> list[str]:
    text = source.decode("utf-8-sig")
    return sorted(t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT)


@given(program=programs(), engine=st.sampled_from(["cilium", "calico", "azure"]))
def test_python_edit_invariants(program, engine):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "requirements.txt").write_text(NATIVE3)
        (root / "__main__.py").write_bytes(program)
        result = run(root, Options(engine=engine), verify=True)
        assert not result.problems, result.problems
        (change,) = result.changes
        after = change.after
        assert after.startswith(b"\xef\xbb\xbf") == program.startswith(b"\xef\xbb\xbf")
        body = after.decode("utf-8-sig")
        ast.parse(body)  # Python's own parser accepts the result
        if b"\r\n" in program:
            assert body.count("\n") == body.count("\r\n")
        else:
            assert "\r" not in body
        assert _comments(program) == _comments(after)  # every comment survives, once
        old_lines, new_lines = program.decode("utf-8-sig").splitlines(), body.splitlines()
        # Only the profile's lines change: what precedes it (bar an added import) and the tail stay.
        assert new_lines[-3:] == old_lines[-3:]
        (root / "__main__.py").write_bytes(after)
        again = run(root, Options(engine=engine), verify=True)
        assert not again.changes and not again.problems
        assert [r.policy for r in again.clusters] == [engine]


def test_a_cdktf_windows_node_pool_rules_out_cilium_but_not_calico(tmp_path):
    program = (
        "from cdktf_cdktf_provider_azurerm.kubernetes_cluster import KubernetesCluster, KubernetesClusterNetworkProfile\n"
        "from cdktf_cdktf_provider_azurerm.kubernetes_cluster_node_pool import KubernetesClusterNodePool\n"
        "aks = KubernetesCluster(None, 'aks', network_profile=KubernetesClusterNetworkProfile(network_plugin='azure'))\n"
        "KubernetesClusterNodePool(None, 'win', kubernetes_cluster_id=aks.id, os_type='Windows')\n"
        "KubernetesClusterNodePool(None, 'lin', kubernetes_cluster_id=aks.id, os_type='Linux')\n"
    )
    cilium = _scan(tmp_path, {"main.py": program}, azurerm_version=exactly((4, 60, 0), "test"))
    assert [(r.cluster.windows_pools, r.fix.risk.value) for r in cilium.clusters] == [(("KubernetesClusterNodePool.win",), "manual")]
    calico = run(tmp_path, Options(engine="calico", azurerm_version=exactly((4, 60, 0), "test")), verify=True)
    assert [r.outcome.value for r in calico.clusters] == ["fixed"]
    assert b"network_policy='calico'" in calico.changes[0].after


def test_verification_refuses_an_edit_a_cluster_not_fixed_would_read():
    """Defence in depth behind the transform's shared-name guard (which refuses to rewrite a name two
    calls read): a write that changes what another cluster of the file reads is refused."""
    from fixer.formats.python import locate
    from fixer.formats.python.adapter import _bystander_changed

    source = '''import pulumi
from pulumi_azure_native import containerservice

POLICY = "{policy}"

a = containerservice.ManagedCluster("a", network_profile=containerservice.ContainerServiceNetworkProfileArgs(network_plugin="azure", network_policy=POLICY))
b = containerservice.ManagedCluster("b", network_profile=containerservice.ContainerServiceNetworkProfileArgs(
    network_plugin="azure", network_policy=POLICY))
'''
    before = locate.parse("__main__.py", source.replace("{policy}", "none").encode())
    after = locate.parse("__main__.py", source.replace("{policy}", "cilium").encode())
    found, again = locate.find(before).clusters, locate.find(after).clusters
    assert "ManagedCluster.b" in _bystander_changed(before, found, after, again, {0})
    assert _bystander_changed(before, found, after, again, {0, 1}) is None  # both fixed: nobody is a bystander
    same = locate.parse("__main__.py", source.replace("{policy}", "none").encode())
    assert _bystander_changed(before, found, same, locate.find(same).clusters, {0}) is None
