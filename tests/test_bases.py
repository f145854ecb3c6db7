"""Per-namespace Kustomize bases: discovery sources, safety, idempotence, real kustomize builds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixer.discover import list_files
from fixer.edit.write import write_changes
from fixer.kustomize import BasesOptions, plan_bases
from fixer.kustomize.generate import edited_by_person

FIXTURES = Path(__file__).parent / "fixtures" / "bases"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def plan(root: Path, **options):
    return plan_bases(list_files(root), BasesOptions(**options))


SOURCES = {
    "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
    "apps/multi.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: billing\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  namespace: kube-system\n",
    "overlays/kustomization.yaml": "namespace: payments\nresources: []\n",
    "argo/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argocd\nspec:\n  destination:\n    namespace: shop\n",
    "flux/ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: search\n  namespace: flux-system\nspec:\n  targetNamespace: search\n",
    "flux/hr.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cache\n  namespace: flux-system\nspec:\n  targetNamespace: cache\n",
    "tf/ns.tf": 'resource "kubernetes_namespace_v1" "orders" {\n  metadata {\n    name = "orders"\n  }\n}\n\nresource "kubernetes_namespace" "legacy" {\n  metadata {\n    name = "legacy"\n  }\n}\n\nresource "kubernetes_namespace" "dyn" {\n  metadata {\n    name = var.team\n  }\n}\n',
    "bad/name.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Team_A\n",
    "bad/templated.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: "{{ .Values.ns }}"\n',
    "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    "chart/templates/deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: {{ .Release.Namespace }}\n",
}


def test_every_discovery_source(tmp_path):
    result = plan(write(tmp_path, SOURCES), namespaces=("extra",))
    by_name = {(n.name, n.source) for n in result.namespaces}
    assert by_name == {
        ("web", "Namespace"),
        ("billing", "metadata.namespace"),
        ("payments", "kustomization"),
        ("shop", "argocd"),
        ("search", "flux"),
        ("cache", "flux"),
        ("orders", "terraform"),
        ("legacy", "terraform"),
        ("extra", "cli"),
    }
    web = next(n for n in result.namespaces if n.name == "web")
    assert (web.file, web.line) == ("apps/ns.yaml", 4)
    skipped = {(s.name, s.reason) for s in result.skipped}
    assert ("kube-system", "system namespace") in skipped
    assert "flux-system" not in {n.name for n in result.namespaces}  # a controller's namespace
    assert ("Team_A", "not a valid RFC 1123 label") in skipped
    assert ("{{ .Values.ns }}", "templated value, not a name") in skipped
    assert ("${var.team}", "templated value, not a name") in skipped
    assert not result.problems  # the Helm template is skipped, not reported as bad YAML
    files = sorted(c.relpath for c in result.changes)
    assert "k8s/network-policies/namespaces/web/kustomization.yaml" in files
    assert not any("kube-system" in f or "Team_A" in f for f in files)


def test_system_list_is_overridable(tmp_path):
    write(tmp_path, SOURCES)
    write(tmp_path, {"system.yaml": "metadata:\n  namespace: flux-system\n", "tools.yaml": "metadata:\n  namespace: tools\n"})
    result = plan(tmp_path, exclude=("tools",), allow=("flux-system",))
    names = {n.name for n in result.namespaces}
    assert "tools" not in names and "flux-system" in names


def test_bad_yaml_is_reported_with_line_and_the_rest_goes_on(tmp_path):
    write(tmp_path, {"a.yaml": "metadata:\n  namespace: ok-ns\n", "b.yaml": "metadata:\n  namespace: [unclosed\n"})
    result = plan(tmp_path)
    assert [n.name for n in result.namespaces] == ["ok-ns"]
    (problem,) = result.problems
    assert problem.file == "b.yaml" and problem.line >= 2 and "YAML" in problem.message


@pytest.mark.parametrize("bases_dir", ["../outside", "/tmp/akfix-elsewhere", "a/../../b"])
def test_bases_dir_must_stay_inside(tmp_path, bases_dir):
    repo = write(tmp_path / "repo", {"ns.yaml": "metadata:\n  namespace: web\n"})
    result = plan(repo, bases_dir=bases_dir)
    assert not result.changes
    assert result.problems and ("outside" in result.problems[0].message or "'..'" in result.problems[0].message)


def test_symlinked_bases_dir_escaping_is_refused(tmp_path):
    repo = write(tmp_path / "repo", {"ns.yaml": "metadata:\n  namespace: web\n"})
    (tmp_path / "elsewhere").mkdir()
    (repo / "k8s").symlink_to(tmp_path / "elsewhere")
    result = plan(repo)
    assert not result.changes and "outside the repository" in result.problems[0].message


def test_rerun_is_a_fixed_point_and_edits_are_kept(tmp_path):
    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})
    first = plan(repo)
    assert not write_changes(list(first.changes))
    assert not plan(repo).changes  # nothing to do the second time
    overlay = repo / "k8s/network-policies/namespaces/web/kustomization.yaml"
    assert edited_by_person(overlay.read_bytes()) is False
    overlay.write_text(overlay.read_text() + "commonLabels:\n  team: web\n")
    again = plan(repo)
    assert not again.changes and again.kept == ("k8s/network-policies/namespaces/web/kustomization.yaml",)
    forced = plan(repo, force=True)
    assert [c.relpath for c in forced.changes] == ["k8s/network-policies/namespaces/web/kustomization.yaml"]


def test_a_persons_aggregate_kustomization_is_extended_round_trip(tmp_path):
    repo = write(tmp_path, {
        "ns.yaml": "metadata:\n  namespace: web\n",
        "k8s/network-policies/kustomization.yaml": "# owned by the platform team\nresources:\n  - ../shared   # keep first\n",
    })
    result = plan(repo)
    aggregate = next(c for c in result.changes if c.relpath.endswith("network-policies/kustomization.yaml"))
    assert aggregate.after.decode() == "# owned by the platform team\nresources:\n  - ../shared   # keep first\n  - namespaces/web\n"


def _build(path: Path) -> list[dict]:
    from ruamel.yaml import YAML

    out = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in YAML(typ="safe").load_all(out.stdout) if d]


@pytest.mark.parametrize("engine, localdns, same", [("cilium", True, True), ("calico", True, False), ("azure", False, False)])
def test_kubectl_kustomize_builds_and_objects_validate(tmp_path, engine, localdns, same):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl binary absent: kustomize builds not run")
    import kubernetes_validate

    repo = write(tmp_path, {"a.yaml": "metadata:\n  namespace: web\n", "b.yaml": "metadata:\n  namespace: shop\n"})
    write_changes(list(plan(repo, engine=engine, localdns=localdns, same_namespace=same).changes))
    bases = repo / "k8s/network-policies"
    for namespace in ("web", "shop"):
        objects = _build(bases / "namespaces" / namespace)
        names = sorted(o["metadata"]["name"] for o in objects)
        expected = ["allow-dns-egress", "default-deny-all"] + (["allow-localdns-egress"] if localdns else []) + (["allow-same-namespace"] if same else [])
        assert names == sorted(expected)
        for obj in objects:
            assert obj["metadata"]["namespace"] == namespace
            if obj["kind"] == "NetworkPolicy":
                kubernetes_validate.validate(obj, "1.30", strict=True)
            else:  # the LocalDNS form for Cilium: a CRD, checked by shape
                assert obj["apiVersion"] == "cilium.io/v2" and obj["spec"]["egress"][1]["toEntities"] == ["host"]
    everything = _build(bases)
    assert len(everything) == 2 * len(expected)
    dns = next(o for o in everything if o["metadata"]["name"] == "allow-dns-egress")
    rule = dns["spec"]["egress"][0]
    assert rule["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert rule["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert sorted(p["protocol"] for p in rule["ports"]) == ["TCP", "UDP"]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir()) if FIXTURES.is_dir() else [])
def test_golden_bases(case, tmp_path):
    """fixtures/bases/<case>/input -> expected: the whole tree after `akfix bases <args>`."""
    work = tmp_path / "repo"
    shutil.copytree(FIXTURES / case / "input", work)
    args = (FIXTURES / case / "args").read_text().split()
    result = subprocess.run([sys.executable, "-m", "fixer", "bases", str(work), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert _tree(work) == _tree(FIXTURES / case / "expected")


def test_cli_bases_dry_run_and_json(tmp_path):
    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})
    dry = subprocess.run([sys.executable, "-m", "fixer", "bases", str(repo), "--dry-run"], capture_output=True, text=True)
    assert dry.returncode == 1 and "+++ b/k8s/network-policies/namespaces/web/kustomization.yaml" in dry.stdout
    assert not (repo / "k8s").exists()
    done = subprocess.run([sys.executable, "-m", "fixer", "bases", str(repo), "--format", "json"], capture_output=True, text=True)
    document = json.loads(done.stdout)
    assert done.returncode == 0 and document["bases"][0]["namespaces"][0]["name"] == "web"
    again = subprocess.run([sys.executable, "-m", "fixer", "bases", str(repo)], capture_output=True, text=True)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_apply_generates_bases_unless_told_not_to(tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "terraform" / "block-without-policy-4x" / "input"
    repo = tmp_path / "repo"
    shutil.copytree(fixture, repo)
    write(repo, {"k8s-apps/ns.yaml": "metadata:\n  namespace: web\n"})
    dry = subprocess.run([sys.executable, "-m", "fixer", "apply", str(repo), "--dry-run"], capture_output=True, text=True)
    assert "+++ b/main.tf" in dry.stdout and "+++ b/k8s/network-policies/namespaces/web/kustomization.yaml" in dry.stdout
    none = subprocess.run([sys.executable, "-m", "fixer", "apply", str(repo), "--dry-run", "--no-bases"], capture_output=True, text=True)
    assert "network-policies" not in none.stdout


@pytest.mark.parametrize("name", ["123", "on", "null", "yes", "1e3", "0x1f"])
def test_names_yaml_would_misread_are_quoted(tmp_path, name):
    from ruamel.yaml import YAML

    repo = write(tmp_path, {"ns.yaml": f'metadata:\n  namespace: "{name}"\n'})
    result = plan(repo)
    overlay = next(c for c in result.changes if c.relpath.endswith(f"namespaces/{name}/kustomization.yaml"))
    assert YAML(typ="safe").load(overlay.after)["namespace"] == name
    if shutil.which("kubectl"):
        write_changes(list(result.changes))
        objects = _build(repo / "k8s/network-policies" / "namespaces" / name)
        assert {o["metadata"]["namespace"] for o in objects} == {name}


def test_file_names_cannot_inject_yaml_through_comments(tmp_path):
    from ruamel.yaml import YAML

    evil = "apps/x\nkind: Secret\n.yaml"
    repo = write(tmp_path, {evil: "metadata:\n  namespace: web\n"})
    overlay = next(c for c in plan(repo).changes if c.relpath.endswith("namespaces/web/kustomization.yaml"))
    document = YAML(typ="safe").load(overlay.after)
    assert document["kind"] == "Kustomization" and document["namespace"] == "web"
    assert "\nkind: Secret" not in overlay.after.decode()
