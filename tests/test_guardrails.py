"""Guardrails beside the bases: the Kyverno ClusterPolicy for namespaces created later, and the
connectivity Jobs that prove the bases on a cluster. Schema checks, kustomize builds, the probe
script run against stub tools, idempotence, and the existing-policy report."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_bases import plan, write

from fixer.edit.write import write_changes
from fixer.kustomize import SYSTEM_NAMESPACES, BasesOptions
from fixer.kustomize.connectivity import PROBE_IMAGE
from fixer.kustomize.kyverno import cluster_policy
from fixer.kustomize.names import PROBE_NAMESPACE

SCHEMAS = Path(__file__).parent / "schemas"
BASES = "k8s/network-policies"
REPO = Path(__file__).resolve().parents[1]


def generated(result) -> dict[str, bytes]:
    return {c.relpath.removeprefix(BASES + "/"): c.after for c in result.changes}


def documents(data: bytes) -> list[dict]:
    return [d for d in yaml.safe_load_all(data) if d]


def kyverno_schema() -> dict:
    return json.loads((SCHEMAS / "kyverno-clusterpolicy-v1.json").read_text())


def pruned_fields(value, schema: dict, path: str = "") -> list[str]:
    """Fields the API server would drop: not declared where the schema neither preserves unknown
    fields nor allows additional properties. jsonschema alone accepts them silently. The root's
    metadata is ObjectMeta, which the API server checks itself."""
    if path == ".metadata":
        return []
    if isinstance(value, dict):
        if schema.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in schema and "properties" not in schema:
            extra = schema.get("additionalProperties")
            return [p for k, v in value.items() for p in (pruned_fields(v, extra, f"{path}.{k}") if isinstance(extra, dict) else [])]
        declared = schema.get("properties", {})
        found = [f"{path}.{k}" for k in value if k not in declared]
        return found + [p for k, v in value.items() if k in declared for p in pruned_fields(v, declared[k], f"{path}.{k}")]
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [p for i, v in enumerate(value) for p in pruned_fields(v, schema["items"], f"{path}[{i}]")]
    return []


# ---- Kyverno ----

def test_kyverno_schema_copy_is_the_recorded_one():
    digest = hashlib.sha256((SCHEMAS / "kyverno-clusterpolicy-v1.json").read_bytes()).hexdigest()
    assert digest == "5cdaef6e2ce536c56e86990d5870ba504eef368f52360cbc97af516cdceaf3c3"


@pytest.mark.parametrize("engine, localdns, same", [("cilium", False, False), ("cilium", True, True), ("calico", True, False), ("azure", False, True)])
def test_cluster_policy_validates_against_the_crd_and_nothing_is_pruned(engine, localdns, same):
    import jsonschema

    policy = cluster_policy(BasesOptions(engine=engine, localdns=localdns, same_namespace=same), SYSTEM_NAMESPACES)
    schema = kyverno_schema()
    jsonschema.Draft7Validator(schema).validate(policy)
    assert pruned_fields(policy, schema) == []


def test_the_pruning_check_catches_a_misspelt_field():
    """The check above can fail: a field the CRD does not know is reported."""
    policy = cluster_policy(BasesOptions(), SYSTEM_NAMESPACES)
    policy["spec"]["rules"][0]["generate"]["synchronise"] = True
    assert pruned_fields(policy, kyverno_schema()) == [".spec.rules[0].generate.synchronise"]


def test_kyverno_policy_generates_the_base_for_new_namespaces(tmp_path):
    """Done when: deny (ingress+egress, empty selector) and DNS (UDP+TCP 53 to kube-dns),
    synchronize on, kube-system excluded, existing namespaces left alone."""
    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})
    files = generated(plan(repo, kyverno=True))
    (policy,) = documents(files["kyverno/clusterpolicy.yaml"])
    assert policy["apiVersion"] == "kyverno.io/v1" and policy["kind"] == "ClusterPolicy"
    rules = {r["generate"]["name"]: r for r in policy["spec"]["rules"]}
    assert set(rules) == {"default-deny-all", "allow-dns-egress"}
    deny = rules["default-deny-all"]["generate"]
    assert deny["data"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = rules["allow-dns-egress"]["generate"]["data"]["spec"]["egress"][0]
    assert dns["to"][0] == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
    assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]
    for rule in rules.values():
        assert rule["generate"]["synchronize"] is True and rule["generate"]["generateExisting"] is False
        assert rule["generate"]["namespace"] == "{{request.object.metadata.name}}"
        assert rule["match"]["any"][0]["resources"] == {"kinds": ["Namespace"], "operations": ["CREATE"]}
        excluded = rule["exclude"]["any"][0]["resources"]["names"]
        assert {"kube-system", "kyverno", "istio-system", PROBE_NAMESPACE} <= set(excluded)
    assert "kyverno" not in files["kustomization.yaml"].decode() and not any(p.startswith("namespaces/") and "kyverno" in p for p in files)


@given(engine=st.sampled_from(["cilium", "calico", "azure"]), localdns=st.booleans(), same=st.booleans())
def test_kyverno_data_is_exactly_what_an_overlay_applies(tmp_path_factory, engine, localdns, same):
    """Rendered from the same templates: each generated object equals the overlay's file."""
    repo = write(tmp_path_factory.mktemp("repo"), {"ns.yaml": "metadata:\n  namespace: web\n"})
    files = generated(plan(repo, kyverno=True, engine=engine, localdns=localdns, same_namespace=same))
    overlay = {}
    for path in ("base/default-deny-all.yaml", "base/allow-dns-egress.yaml", "base/allow-localdns-egress.yaml", "namespaces/web/allow-same-namespace.yaml"):
        if path in files:
            (obj,) = documents(files[path])
            overlay[obj["metadata"]["name"]] = obj
    (policy,) = documents(files["kyverno/clusterpolicy.yaml"])
    made = {r["generate"]["name"]: r["generate"] for r in policy["spec"]["rules"]}
    assert set(made) == set(overlay)
    for name, obj in overlay.items():
        assert (made[name]["apiVersion"], made[name]["kind"]) == (obj["apiVersion"], obj["kind"])
        assert made[name]["data"] == {"metadata": {"labels": obj["metadata"]["labels"]}, "spec": obj["spec"]}


def test_exclusions_follow_the_options(tmp_path):
    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})
    (policy,) = documents(generated(plan(repo, kyverno=True, exclude=("sandbox",), allow=("flux-system",)))["kyverno/clusterpolicy.yaml"])
    excluded = set(policy["spec"]["rules"][0]["exclude"]["any"][0]["resources"]["names"])
    assert "sandbox" in excluded and "flux-system" not in excluded and "web" not in excluded


def test_rbac_grants_cilium_policies_only_when_generated(tmp_path):
    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})

    def resources(**options):
        (role,) = documents(generated(plan(repo, kyverno=True, **options))["kyverno/rbac.yaml"])
        assert role["metadata"]["labels"]["rbac.kyverno.io/aggregate-to-background-controller"] == "true"
        return {r for rule in role["rules"] for r in rule["resources"]}

    assert resources() == {"networkpolicies"}
    assert resources(localdns=True, engine="cilium") == {"networkpolicies", "ciliumnetworkpolicies"}
    assert resources(localdns=True, engine="calico") == {"networkpolicies"}


def test_guardrail_files_are_idempotent_and_a_persons_edit_is_kept(tmp_path):
    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})
    assert not write_changes(list(plan(repo, kyverno=True, connectivity_test=True).changes))
    assert not plan(repo, kyverno=True, connectivity_test=True).changes
    policy = repo / BASES / "kyverno/clusterpolicy.yaml"
    policy.write_text(policy.read_text().replace("Multi-Tenancy", "Platform"))
    again = plan(repo, kyverno=True, connectivity_test=True, localdns=True)
    assert f"{BASES}/kyverno/clusterpolicy.yaml" in again.kept
    assert f"{BASES}/kyverno/clusterpolicy.yaml" not in {c.relpath for c in again.changes}


# ---- kustomize builds and Kubernetes schema ----

def _build(path: Path) -> list[dict]:
    out = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@pytest.fixture
def kubectl():
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl binary absent: kustomize builds not run")


def test_kyverno_folder_builds(tmp_path, kubectl):
    import kubernetes_validate

    repo = write(tmp_path, {"ns.yaml": "metadata:\n  namespace: web\n"})
    write_changes(list(plan(repo, kyverno=True, localdns=True).changes))
    objects = _build(repo / BASES / "kyverno")
    assert sorted(o["kind"] for o in objects) == ["ClusterPolicy", "ClusterRole"]
    kubernetes_validate.validate(next(o for o in objects if o["kind"] == "ClusterRole"), "1.30", strict=True)


@pytest.mark.parametrize("names", [("web", "shop"), ("123", "on")])
def test_connectivity_builds_and_every_object_validates(tmp_path, kubectl, names):
    """Done when: a sound Job per covered namespace; kustomize builds; the Kubernetes schema accepts them."""
    import kubernetes_validate

    repo = write(tmp_path, {f"{n}.yaml": f'metadata:\n  namespace: "{n}"\n' for n in names})
    result = plan(repo, connectivity_test=True)
    assert not write_changes(list(result.changes))
    objects = _build(repo / BASES / "connectivity")
    jobs = [o for o in objects if o["kind"] == "Job"]
    assert sorted(j["metadata"]["namespace"] for j in jobs) == sorted([*names, PROBE_NAMESPACE])
    for obj in objects:
        kubernetes_validate.validate(obj, "1.30", strict=True)
    for job in jobs:
        spec, pod = job["spec"], job["spec"]["template"]["spec"]
        assert spec["backoffLimit"] == 0 and 0 < spec["activeDeadlineSeconds"] <= 600
        assert pod["automountServiceAccountToken"] is False and pod["restartPolicy"] == "Never"
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert set(container["resources"]["limits"]) == {"cpu", "memory"}
        image = container["image"]
        assert "@sha256:" in image or (":" in image and not image.endswith(":latest"))
    expect = {j["metadata"]["namespace"]: {e["name"]: e["value"] for e in j["spec"]["template"]["spec"]["containers"][0]["env"]}["EXPECT"] for j in jobs}
    assert expect == {**{n: "denied" for n in names}, PROBE_NAMESPACE: "open"}
    service = next(o for o in objects if o["kind"] == "Service")
    assert service["spec"]["clusterIP"] == "None"  # headless: the name resolves only for ready pods
    for name in names:
        (job,) = [o for o in _build(repo / BASES / "connectivity" / "namespaces" / name) if o["kind"] == "Job"]
        assert job["metadata"]["namespace"] == name


def test_image_is_pinned():
    assert PROBE_IMAGE.count(":") == 1 and not PROBE_IMAGE.endswith(":latest")


# ---- the probe script, run against stub tools ----

def _script(tmp_path: Path) -> tuple[str, dict]:
    repo = write(tmp_path / "repo", {"ns.yaml": "metadata:\n  namespace: web\n"})
    (job,) = documents(generated(plan(repo, connectivity_test=True))["connectivity/base/check-job.yaml"])
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:2] == ["/bin/sh", "-c"]
    return container["command"][2], {e["name"]: e["value"] for e in container["env"]}


STUB_NSLOOKUP = """#!/bin/sh
# busybox 1.36 output; $RESOLVES lists the names that resolve
for name in $RESOLVES; do
  if [ "$name" = "$1" ]; then
    printf 'Server:\\t\\t10.0.0.10\\nAddress:\\t10.0.0.10:53\\n\\nName:\\t%s\\nAddress: 10.244.1.7\\n\\n' "$1"
    exit 0
  fi
done
printf 'Server:\\t\\t10.0.0.10\\nAddress:\\t10.0.0.10:53\\n\\n** server can'"'"'t find %s: NXDOMAIN\\n' "$1"
exit 1
"""
STUB_NC = """#!/bin/sh
# nc -z -w T HOST PORT: succeeds when HOST is in $OPEN
for host in $OPEN; do [ "$host" = "$4" ] && exit 0; done
exit 1
"""


def _run_probe(tmp_path: Path, expect: str, resolves: list[str], open_hosts: list[str]) -> subprocess.CompletedProcess:
    script, env = _script(tmp_path)
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    for name, text in (("nslookup", STUB_NSLOOKUP), ("nc", STUB_NC), ("sleep", "#!/bin/sh\nexit 0\n")):
        (stubs / name).write_text(text)
        (stubs / name).chmod(0o755)
    env = env | {"EXPECT": expect, "WAIT_SECONDS": "6", "RESOLVES": " ".join(resolves), "OPEN": " ".join(open_hosts),
                 "PATH": f"{stubs}:/usr/bin:/bin"}
    return subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, timeout=30)


DNS, TARGET = "kubernetes.default.svc.cluster.local", "akfix-connectivity-target.akfix-connectivity.svc.cluster.local"


def test_probe_passes_when_dns_works_and_everything_else_is_refused(tmp_path):
    run = _run_probe(tmp_path, "denied", [DNS, TARGET], [])
    assert run.returncode == 0, run.stdout
    assert run.stdout.count("PASS") == 3 and "FAIL" not in run.stdout


@pytest.mark.parametrize("resolves, open_hosts, failing", [
    ([TARGET], [], "FAIL dns"),  # allow-dns-egress missing
    ([DNS], [], "FAIL cross-namespace: no ready pod"),  # no target: a refusal would prove nothing
    ([DNS, TARGET], ["10.244.1.7"], "FAIL cross-namespace"),  # the other namespace's pod answers
    ([DNS, TARGET], ["1.1.1.1"], "FAIL outside"),  # the internet answers
])
def test_probe_fails_its_job_when_any_check_fails(tmp_path, resolves, open_hosts, failing):
    run = _run_probe(tmp_path, "denied", resolves, open_hosts)
    assert run.returncode == 1 and failing in run.stdout, run.stdout


def test_control_expects_the_same_connections_to_succeed(tmp_path):
    assert _run_probe(tmp_path, "open", [DNS, TARGET], ["10.244.1.7", "1.1.1.1"]).returncode == 0
    closed = _run_probe(tmp_path, "open", [DNS, TARGET], ["10.244.1.7"])
    assert closed.returncode == 1 and "FAIL outside" in closed.stdout


# ---- existing policies, configuration, the example workflow ----

def test_existing_policies_of_covered_namespaces_are_reported(tmp_path):
    repo = write(tmp_path, {
        "web/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
        "web/np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-lb\n  namespace: web\nspec: {}\n",
        "shop/kustomization.yaml": "namespace: shop\nresources:\n  - cnp.yaml\n",
        "shop/cnp.yaml": "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: allow-api\nspec: {}\n",
        "loose/np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: nowhere\nspec: {}\n",
        "sys/np.yaml": "kind: NetworkPolicy\nmetadata:\n  name: x\n  namespace: kube-system\n",
    })
    result = plan(repo)
    assert {(p.namespace, p.kind, p.name, p.file, p.line) for p in result.existing_policies} == {
        ("web", "NetworkPolicy", "allow-lb", "web/np.yaml", 4),
        ("shop", "CiliumNetworkPolicy", "allow-api", "shop/cnp.yaml", 4),
    }
    cli = subprocess.run([sys.executable, "-m", "fixer", "bases", str(repo), "--dry-run"], capture_output=True, text=True)
    assert "web already has NetworkPolicy allow-lb (web/np.yaml:4)" in cli.stderr


def test_apply_includes_guardrails_when_the_configuration_asks(tmp_path):
    fixture = REPO / "tests" / "fixtures" / "terraform" / "block-without-policy-4x" / "input"
    repo = tmp_path / "repo"
    shutil.copytree(fixture, repo)
    write(repo, {"k8s-apps/ns.yaml": "metadata:\n  namespace: web\n", ".akfix.toml": "kyverno = true\nconnectivity-test = true\n"})
    dry = subprocess.run([sys.executable, "-m", "fixer", "apply", str(repo), "--dry-run"], capture_output=True, text=True)
    assert f"+++ b/{BASES}/kyverno/clusterpolicy.yaml" in dry.stdout
    assert f"+++ b/{BASES}/connectivity/namespaces/web/kustomization.yaml" in dry.stdout
    off = subprocess.run([sys.executable, "-m", "fixer", "apply", str(repo), "--dry-run", "--no-config"], capture_output=True, text=True)
    assert "kyverno" not in off.stdout and "connectivity" not in off.stdout
    bad = write(tmp_path / "bad", {".akfix.toml": "kyverno = \"yes\"\n"})
    wrong = subprocess.run([sys.executable, "-m", "fixer", "bases", str(bad)], capture_output=True, text=True)
    assert wrong.returncode == 2 and "kyverno" in wrong.stderr


def test_the_bot_takes_the_guardrail_flags():
    from fixer.cli import build_parser
    from fixer.cli.commands import _bases_options

    args = build_parser().parse_args(["bot", "https://example.invalid/r.git", "--kyverno", "--connectivity-test"])
    args.bases_dir, args.engine = BASES, ("cilium",)
    options = _bases_options(args)
    assert options.kyverno and options.connectivity_test


def test_example_workflow_runs_the_jobs_on_kind_with_a_policy_engine():
    workflow = yaml.safe_load((REPO / "examples" / "connectivity-test" / "workflow.yml").read_text())
    steps = [step.get("run", "") + step.get("uses", "") for job in workflow["jobs"].values() for step in job["steps"]]
    text = "\n".join(steps)
    assert "kind create cluster" in text and "disableDefaultCNI: true" in text and "cilium install" in text
    assert "akfix bases" in text and "--connectivity-test" in text and "akfix-connectivity-check" in text
    assert "KUBECONFIG" not in json.dumps(workflow) and "secrets." not in json.dumps(workflow)  # no long-lived credentials
    assert workflow["permissions"] == {"contents": "read"}
