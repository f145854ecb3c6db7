"""Package floors for Pulumi and CDKTF programs: a fix that the stated package range holds back is
written with the range's lower bound raised in every project file that states the package. The
rules: only versions below the floor go; an upper bound is never raised, removed or crossed; an
exact pin or a lock file is never moved (the user upgrades it); nothing is written half."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version as Pep440Version

from fixer.deliver import pr_text
from fixer.formats.python import floors
from fixer.formats.python.floors import FloorEdits, SpecEdit, check_floor, floor_edits
from fixer.formats.python.packages import parse_spec
from fixer.formats.python.spec_floor import POETRY, raise_requirement, raise_spec
from fixer.formats.python.spec_sites import statements
from fixer.pipeline import Options, run
from fixer.plan.rules import python_packages as rules
from fixer.report.text import json_document
from fixer.versions import VersionRange

PROGRAM = (
    "from pulumi_azure_native import containerservice as cs\n"
    "cs.ManagedCluster('aks', resource_group_name='rg', network_profile=cs.ContainerServiceNetworkProfileArgs(\n"
    "    network_plugin='azure', network_plugin_mode='overlay'))\n"
)
CLASSIC = (
    "import pulumi_azure as azure\n"
    "azure.containerservice.KubernetesCluster('aks', network_profile=azure.containerservice.KubernetesClusterNetworkProfileArgs(\n"
    "    network_plugin='azure', network_plugin_mode='overlay'))\n"
)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)
    return root


def _run(root: Path, files: dict[str, str], **options):
    return run(_tree(root, files), Options(**options), verify=True)


def _written(result) -> dict[str, str]:
    return {c.relpath: c.after.decode() for c in result.changes}


# --- the requirement-line edit ----------------------------------------------------------------

VERSIONS = st.tuples(st.integers(0, 4), st.integers(0, 12), st.integers(0, 3))


def _written_version(version, parts: int) -> str:
    return ".".join(str(p) for p in version[:parts])


CLAUSES = st.one_of(
    st.tuples(st.sampled_from([">=", ">", "<", "<=", "!=", "=="]), VERSIONS, st.integers(1, 3)).map(lambda t: f"{t[0]}{_written_version(t[1], t[2])}"),
    st.tuples(VERSIONS, st.integers(2, 3)).map(lambda t: f"~={_written_version(t[0], t[1])}"),
    st.tuples(st.sampled_from(["==", "!="]), VERSIONS, st.integers(1, 2)).map(lambda t: f"{t[0]}{_written_version(t[1], t[2])}.*"),
)


@st.composite
def requirement_lines(draw):
    name = draw(st.sampled_from(["pulumi-azure-native", "pulumi_azure_native", "Pulumi.Azure-Native"]))
    extras = draw(st.sampled_from(["", "[grpc]", "[a,b]"]))
    clauses = draw(st.lists(CLAUSES, min_size=0, max_size=3))
    separator = draw(st.sampled_from([",", ", ", " , "]))
    gap = draw(st.sampled_from(["", " "]))
    spec = separator.join(c.replace("=", "= ", 1) if draw(st.booleans()) and c[:2] in (">=", "<=", "==", "~=", "!=") else c for c in clauses)
    marker = draw(st.sampled_from(["", ' ; python_version >= "3.9"', ";sys_platform != 'win32'"]))
    comment = draw(st.sampled_from(["", "  # why", "\t# pinned"]))
    return f"{name}{extras}{gap}{spec}{marker}{comment}"


FLOORS = st.tuples(st.integers(0, 4), st.integers(0, 12), st.sampled_from([0, 0, 1, 3]))
SAMPLES = [Pep440Version(f"{a}.{b}.{c}") for a in range(6) for b in range(14) for c in range(5)]


def _parsed(line: str) -> Requirement | None:
    try:
        return Requirement(re.split(r"\s#", line, maxsplit=1)[0].strip())
    except InvalidRequirement:
        return None


@given(requirement_lines(), FLOORS)
def test_a_raised_requirement_line_admits_exactly_the_old_set_from_the_floor_on(line, floor):
    old = _parsed(line)
    assume(old is not None)
    edit = raise_requirement(line, floor)
    floor_version = Pep440Version(".".join(map(str, floor)))
    if edit.raised.refused:  # refused only where akfix cannot read the spec, or nothing at or above the floor is left
        assert parse_spec(line[edit.start:edit.end], "r") is None or not any(
            old.specifier.contains(v) and v >= floor_version for v in SAMPLES), (line, edit.raised.refused)
        return
    if edit.raised.text is None:  # nothing to raise: the set starts at or above the floor already
        assert all(v >= floor_version for v in SAMPLES if old.specifier.contains(v))
        return
    new_line = line[: edit.start] + edit.raised.text + line[edit.end:]
    new = _parsed(new_line)
    assert new is not None, new_line
    assert (new.name, new.extras, str(new.marker)) == (old.name, old.extras, str(old.marker))
    assert new_line[edit.end + len(edit.raised.text) - (edit.end - edit.start):] == line[edit.end:]  # markers and comment byte for byte
    for version in SAMPLES:
        assert new.specifier.contains(version) == (old.specifier.contains(version) and version >= floor_version), (line, new_line, version)
    again = raise_requirement(new_line, floor)
    assert again.raised.text is None and again.raised.refused is None  # a second run changes nothing


@pytest.mark.parametrize("spec, floor, dialect, expected", [
    (">=1.0,<3", (2, 0, 0), "pep440", ">=2.0.0,<3"),
    (">= 1.0, < 3", (2, 0, 0), "pep440", ">= 2.0.0, < 3"),  # spacing kept
    ("<3", (2, 0, 0), "pep440", ">=2.0.0,<3"),
    ("~=1.2", (1, 5, 0), "pep440", "~=1.5"),  # compatible release keeps its form where it says the same
    ("~=1.2", (1, 5, 3), "pep440", ">=1.5.3,~=1.2"),  # ~=1.5.3 would end at 1.6: never narrower at the top either
    ("", (2, 0, 0), "pep440", ">=2.0.0"),
    ("*", (3, 0, 0), "pep440", ">=3.0.0"),
    ("^6.10", (6, 32, 0), POETRY, "^6.32"),  # ^6.10 already means <7
    ("^2.1", (2, 5, 3), POETRY, "^2.5.3"),
    ("~2.1", (2, 1, 5), POETRY, "~2.1.5"),
    (">=1.2 <3", (2, 0, 0), POETRY, ">=2.0.0 <3"),
    (">=2.5", (2, 0, 0), "pep440", None),  # at or above the floor: nothing to write
])
def test_raise_spec_examples(spec, floor, dialect, expected):
    raised = raise_spec(spec, floor, dialect)
    assert raised.refused is None and raised.text == expected


@pytest.mark.parametrize("spec, floor, dialect, why", [
    ("==1.2.3", (2, 0, 0), "pep440", "pins one version"),
    ("2.1.0", (2, 5, 0), POETRY, "pins one version"),  # a bare Poetry version is ==
    ("===1.0", (2, 0, 0), "pep440", "pins one version"),
    (">=1.0,<2", (2, 0, 0), "pep440", "excludes 2.0.0"),  # never across the upper bound
    ("^5.1", (6, 32, 0), POETRY, "excludes 6.32.0"),  # ^5.1 means <6
    ("^1 || ^2", (2, 0, 0), POETRY, "union"),
])
def test_raise_spec_refusals(spec, floor, dialect, why):
    assert why in (raise_spec(spec, floor, dialect).refused or "")


# --- rules: the versions a floor may take ---------------------------------------------------------


def test_sourced_points_tighten_the_bundled_azurerm_range():
    assert rules.azurerm_of(rules.PULUMI_AZURE, parse_spec(">=6.32,<7", "r"), "s").low == (4, 58, 0)
    assert rules.azurerm_of(rules.PULUMI_AZURE, parse_spec(">=6.31,<7", "r"), "s").low == (4, 0, 0)  # 6.31 bundles 4.57
    assert rules.azurerm_of(rules.PULUMI_AZURE, parse_spec(">=5.52,<6", "r"), "s").low == (3, 75, 0)
    assert rules.azurerm_of(rules.CDKTF_AZURERM, parse_spec("~=12.21", "r"), "s").low == (3, 108, 0)
    assert rules.azurerm_of(rules.CDKTF_AZURERM, parse_spec("~=10.0", "r"), "s").high == (4, 0, 0)  # majors 7-11 bridge 3.x
    assert (6, 32, 0) in rules.floor_candidates(rules.PULUMI_AZURE) and (2, 0, 0) in rules.floor_candidates(rules.AZURE_NATIVE)
    # no CDKTF azurerm binding bundles >= 4.58: no candidate can lift a 14.x range to it
    assert all(rules.azurerm_of(rules.CDKTF_AZURERM, VersionRange(c, (15, 0, 0), "r"), "s").low < (4, 58, 0)
               for c in rules.floor_candidates(rules.CDKTF_AZURERM))


# --- where the statements are, and the edits ---------------------------------------------------------


def test_every_project_file_that_states_the_package_is_raised(tmp_path):
    result = _run(tmp_path, {
        "requirements.txt": "pulumi>=3\npulumi-azure-native >=1.0, <3  # v1 pages\n",
        "pyproject.toml": ('[project]\nname = "x"\ndependencies = [\n  "pulumi>=3",\n  "pulumi_azure_native[grpc]>=1.5,<3; python_version>\'3.9\'",\n]\n'
                           '# keep\n[tool.poetry.group.dev.dependencies]\npulumi-azure-native = { version = "~1.5 || ^2", optional = true }\n'),
        "__main__.py": PROGRAM,
    })
    fix = result.clusters[0].fix
    assert not result.changes and fix.floor is None  # a union of ranges is not edited: the floor is refused for every file
    assert any("[tool.poetry.group.dev.dependencies]" in r and "union of ranges" in r for r in fix.reasons)
    (tmp_path / "pyproject.toml").write_text((tmp_path / "pyproject.toml").read_text().replace("~1.5 || ^2", ">=1.5,<3"))
    result = run(tmp_path, Options(), verify=True)
    written = _written(result)
    assert written["requirements.txt"] == "pulumi>=3\npulumi-azure-native >=2.0.0, <3  # v1 pages\n"
    assert written["pyproject.toml"] == (
        '[project]\nname = "x"\ndependencies = [\n  "pulumi>=3",\n  "pulumi_azure_native[grpc]>=2.0.0,<3; python_version>\'3.9\'",\n]\n'
        '# keep\n[tool.poetry.group.dev.dependencies]\npulumi-azure-native = { version = ">=2.0.0,<3", optional = true }\n')
    assert result.clusters[0].fix.floor == (2, 0, 0) and result.clusters[0].outcome.value == "fixed"


def test_a_statement_that_excludes_the_floor_refuses_it_for_every_file(tmp_path):
    result = _run(tmp_path, {
        "requirements.txt": "pulumi-azure-native>=1.0,<3\n",
        "pyproject.toml": '[tool.poetry.dependencies]\npulumi-azure-native = "^1.5"\n',
        "__main__.py": PROGRAM,
    })
    fix = result.clusters[0].fix
    assert not result.changes and fix.risk.value == "manual" and fix.floor is None
    assert any("pyproject.toml [tool.poetry.dependencies]" in r and "excludes 2.0.0" in r for r in fix.reasons)


def test_floor_edits_and_their_verification(tmp_path):
    files = {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\npulumi-azure = {version = "^6.10", extras = ["x"]}  # 4.x\n'}
    read, listing = files.get, lambda folder: list(files) if folder == "" else []
    edits = floor_edits("pulumi-azure", (6, 32, 0), statements("pulumi-azure", "", read, listing), read)
    assert edits.refused is None and [(e.spec, e.line) for e in edits.edits] == [("^6.32", 3)]
    after = {"pyproject.toml": files["pyproject.toml"].replace("^6.10", "^6.32")}
    assert check_floor(edits, (7, 0, 0), "", read, after.get, listing) is None
    # a result that means something else is refused: the upper bound moved, or another value changed
    wider = {"pyproject.toml": files["pyproject.toml"].replace('"^6.10"', '">=6.32"')}
    wide_edit = FloorEdits("pulumi-azure", (6, 32, 0), (SpecEdit("pyproject.toml", 0, 0, b"", ">=6.32", 3, edits.edits[0].path, ">=6.32"),))
    assert "upper bound" in check_floor(wide_edit, (7, 0, 0), "", read, wider.get, listing)
    other = {"pyproject.toml": after["pyproject.toml"].replace('"^3.11"', '"^3.12"')}
    assert "changed more than" in check_floor(edits, (7, 0, 0), "", read, other.get, listing)


def test_a_lock_file_means_no_floor(tmp_path):
    files = {"requirements.txt": "pulumi-azure>=6.0,<7\n",
             "uv.lock": 'version = 1\n[[package]]\nname = "pulumi-azure"\nversion = "6.20.0"\n'}
    read, listing = files.get, lambda folder: list(files) if folder == "" else []
    edits = floor_edits("pulumi-azure", (6, 32, 0), statements("pulumi-azure", "", read, listing), read)
    assert "uv.lock pins pulumi-azure" in edits.refused


# --- end to end ---------------------------------------------------------------------------------------


def test_the_floor_is_a_change_of_the_fix_and_a_line_of_the_pr(tmp_path):
    result = _run(tmp_path, {"requirements.txt": "pulumi-azure-native>=1.0,<3\n", "__main__.py": PROGRAM})
    report = result.clusters[0]
    assert report.outcome.value == "fixed" and report.fix.floor == (2, 0, 0) and report.fix.floor_of == "pulumi-azure-native"
    document = json_document("cilium", [("", report)], [], written=True)
    entry = document["clusters"][0]["fix"]
    assert {"attribute": "dependencies.pulumi-azure-native.version", "value": ">=2.0.0,<3"} in entry["changes"]
    assert {"file": "requirements.txt", "line": 1} in entry["edits"]
    body = pr_text.body(pr_text.describe("cilium", [report], [], [], "k8s/network-policies"))
    assert '**pulumi-azure-native >= 2.0.0 required**' in body and 'pip install -U "pulumi-azure-native>=2.0.0"' in body
    assert "terraform init" not in body
    assert any("2.x is a new major beside the stated 1.x" in reason for reason in report.fix.reasons)  # what the floor moves
    for change in result.changes:
        change.path.write_bytes(change.after)
    again = run(tmp_path, Options(), verify=True)
    assert not again.changes and again.clusters[0].fix is None  # the second run changes nothing


def test_bridged_bindings_without_a_sourced_release_stay_as_they_were(tmp_path):
    program = ("from cdktf_cdktf_provider_azurerm.kubernetes_cluster import KubernetesCluster, KubernetesClusterNetworkProfile\n"
               "KubernetesCluster(None, 'aks', network_profile=KubernetesClusterNetworkProfile(network_plugin='azure', network_plugin_mode='overlay'))\n")
    result = _run(tmp_path, {"requirements.txt": "cdktf-cdktf-provider-azurerm>=14.0,<15\n", "main.py": program})
    fix = result.clusters[0].fix
    assert not result.changes and fix.risk.value == "replacement" and fix.floor is None
    assert not any("floor" in r for r in fix.reasons)  # no bindings release bundles azurerm >= 4.58: nothing to say


def test_exact_pins_are_never_moved(tmp_path):
    result = _run(tmp_path, {"requirements.txt": "pulumi-azure==6.20.0\n", "__main__.py": CLASSIC})
    fix = result.clusters[0].fix
    assert not result.changes and fix.floor is None
    assert any("pin in requirements.txt is exact" in r and "pulumi-azure >= 6.32.0" in r for r in fix.reasons)


def test_programs_that_raise_a_shared_file_differently_write_nothing(tmp_path):
    calico_to_cilium = CLASSIC.replace("network_plugin_mode='overlay'", "network_plugin_mode='overlay', network_policy='calico'")
    # a: none -> cilium needs azurerm 4.58 (pulumi-azure 6.32.0); b: calico -> cilium needs 4.59 (6.33.0, bundling 4.61)
    result = _run(tmp_path / "one", {"requirements.txt": "pulumi-azure>=6.0,<7\n", "a/__main__.py": CLASSIC, "b/__main__.py": calico_to_cilium},
                  switch_engines=True)
    assert {r.cluster.file: r.fix.floor for r in result.clusters} == {"a/__main__.py": (6, 32, 0), "b/__main__.py": (6, 33, 0)}
    assert not result.changes and [r.outcome.value for r in result.clusters] == ["failed", "failed"]
    assert [p.message for p in result.problems][0].startswith("not written: programs in different folders raise this project file's")
    alike = _run(tmp_path / "two", {"requirements.txt": "pulumi-azure>=6.0,<7\n", "a/__main__.py": CLASSIC, "b/__main__.py": CLASSIC})
    assert [r.outcome.value for r in alike.clusters] == ["fixed", "fixed"]
    assert sorted(c.relpath for c in alike.changes) == ["a/__main__.py", "b/__main__.py", "requirements.txt"]  # raised alike: once
    assert _written(alike)["requirements.txt"] == "pulumi-azure>=6.32.0,<7\n"


def test_a_floor_that_fails_verification_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(floors, "check_floor", lambda *args: "the pin does not read back")
    result = _run(tmp_path, {"requirements.txt": "pulumi-azure-native>=1.0,<3\n", "__main__.py": PROGRAM})
    assert not result.changes and [r.outcome.value for r in result.clusters] == ["failed"]
    assert [p.message for p in result.problems] == ["not written, verification failed: the pin does not read back"]


def test_no_floor_for_a_range_already_past_it(tmp_path):
    result = _run(tmp_path, {"requirements.txt": "pulumi-azure-native>=2.1,<3\n", "__main__.py": PROGRAM})
    assert result.clusters[0].fix.floor is None and list(_written(result)) == ["__main__.py"]
