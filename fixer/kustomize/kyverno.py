"""A Kyverno ClusterPolicy that gives every namespace created from now on the same policies as the
bases, so a team that starts next month starts with default-deny + DNS too.

    <bases>/kyverno/clusterpolicy.yaml   generate rules, one per policy of the base
    <bases>/kyverno/rbac.yaml            lets Kyverno's background controller create them
    <bases>/kyverno/kustomization.yaml   `kubectl apply -k <bases>/kyverno` (Kyverno must be installed)

The policies come from the very templates the bases are rendered from (templates/bases/*.j2):
each is rendered once, read back, and its labels and spec become the rule's `data`. The two can
therefore never disagree, and a namespace that later also gets an overlay from `akfix bases`
receives identical objects from both.

Namespaces that already exist are left alone (`generateExisting: false`, and the rules match only
CREATE of a Namespace): a default-deny dropped into every running namespace at once is an outage,
while the existing namespaces are exactly what the reviewed per-namespace bases roll out one by
one. The rule-level `generate.generateExisting` is Kyverno >= 1.13; the policy-level
`spec.generateExisting` (1.10-1.12) and `generateExistingOnPolicyUpdate` (<= 1.9) default to false
and are not written, since both are deprecated.

Imports: kustomize.render (the bases' templates, the header) and kustomize.names. The options are
generate.BasesOptions, read by attribute: importing generate here would make a cycle.
"""

from __future__ import annotations

import io

from fixer.kustomize.names import PROBE_NAMESPACE
from fixer.kustomize.render import comment_text, environment, with_header

KYVERNO_DIR = "kyverno"
POLICY_NAME = "akfix-network-policy-bases"
# Kyverno itself: its admission webhook is called by the API server; a default-deny there turns
# every admission into a timeout. Excluded even when a person takes it off the system list.
KYVERNO_NAMESPACE = "kyverno"


def base_policies(options) -> list[tuple[str, dict]]:
    """(template, the object it renders) for every policy a namespace overlay gets."""
    import yaml

    chosen = [("default-deny-all.yaml.j2", {}), ("allow-dns-egress.yaml.j2", {})]
    if options.localdns:
        chosen.append(("allow-localdns-egress.yaml.j2", {"engine": options.engine}))
    if options.same_namespace:
        chosen.append(("allow-same-namespace.yaml.j2", {}))
    return [(name, yaml.safe_load(environment().get_template(name).render(**values))) for name, values in chosen]


def generate_rule(policy: dict, excluded: list[str]) -> dict:
    """A generate rule that creates `policy` in each namespace created, outside `excluded`."""
    metadata = policy["metadata"]
    data = {"metadata": {"labels": dict(metadata.get("labels") or {})}, "spec": policy["spec"]}
    return {
        "name": f"generate-{metadata['name']}",
        "match": {"any": [{"resources": {"kinds": ["Namespace"], "operations": ["CREATE"]}}]},
        "exclude": {"any": [{"resources": {"kinds": ["Namespace"], "names": list(excluded)}}]},  # a copy: no YAML alias
        "generate": {
            "generateExisting": False,
            "synchronize": True,
            "apiVersion": policy["apiVersion"],
            "kind": policy["kind"],
            "name": metadata["name"],
            "namespace": "{{request.object.metadata.name}}",
            "data": data,
        },
    }


def cluster_policy(options, system: frozenset[str]) -> dict:
    """The ClusterPolicy as data (pure)."""
    excluded = sorted(system | {PROBE_NAMESPACE, KYVERNO_NAMESPACE})
    policies = base_policies(options)
    kinds = ", ".join(sorted({f"{p['kind']}" for _, p in policies}))
    return {
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {
            "name": POLICY_NAME,
            "labels": {"app.kubernetes.io/managed-by": "akfix"},
            "annotations": {
                "policies.kyverno.io/title": "Default-deny and DNS-allow network policies for new namespaces",
                "policies.kyverno.io/category": "Multi-Tenancy",
                "policies.kyverno.io/subject": kinds,
                "policies.kyverno.io/minversion": "1.10.0",
                "policies.kyverno.io/description": (
                    "Every namespace created outside the system namespaces gets akfix's network-policy base: "
                    "ingress and egress denied, egress to kube-dns on UDP and TCP 53 allowed. "
                    "Generated objects are synchronized; existing namespaces are not touched."
                ),
            },
        },
        "spec": {"rules": [generate_rule(policy, excluded) for _, policy in policies]},
    }


def background_rbac(options) -> list[dict]:
    """A ClusterRole aggregated into Kyverno's background controller (and admission controller,
    which checks the permission when the policy is admitted): Kyverno's Helm chart grants
    networkpolicies by default, but not CiliumNetworkPolicies, and a trimmed chart may grant
    neither."""
    rules = [{"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"],
              "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]}]
    if options.localdns and options.engine == "cilium":
        rules.append({"apiGroups": ["cilium.io"], "resources": ["ciliumnetworkpolicies"],
                      "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]})
    return [{
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": "akfix:kyverno:generate-network-policies",
            "labels": {
                "app.kubernetes.io/managed-by": "akfix",
                "rbac.kyverno.io/aggregate-to-background-controller": "true",
                "rbac.kyverno.io/aggregate-to-admission-controller": "true",
            },
        },
        "rules": rules,
    }]


def dump_yaml(documents: list[dict]) -> str:
    """Documents in the bases' style (two-space indents, lists indented under their key)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.sort_base_mapping_type_on_output = False  # keep the order the objects are built in
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


_POLICY_COMMENT = """\
# Kyverno (kyverno.io/v1): every namespace created from now on, except the system namespaces
# listed under `exclude`, gets the same policies as {bases_dir}/base (rendered from the same
# templates), kept in sync (`synchronize: true`: a generated policy that is edited or deleted is
# put back). Existing namespaces are not touched (`generateExisting: false`, CREATE only): roll
# the per-namespace overlays out to them instead. Needs Kyverno >= 1.10 (1.13 reads the
# rule-level generateExisting; older versions default to the same).
"""


def kyverno_files(options, system: frozenset[str], bases_dir: str) -> dict[str, bytes]:
    """Relative path under the bases dir -> content, header included."""
    shown = comment_text(bases_dir)
    comment = _POLICY_COMMENT.format(bases_dir=shown)
    rbac = "# Lets Kyverno's background controller create the generated policies (aggregated ClusterRole).\n"
    kustomization = (
        f"# Apply after Kyverno is installed: `kubectl apply -k {shown}/{KYVERNO_DIR}`. Not part of the namespace overlays.\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - rbac.yaml\n  - clusterpolicy.yaml\n"
    )
    return {
        f"{KYVERNO_DIR}/clusterpolicy.yaml": with_header((comment + dump_yaml([cluster_policy(options, system)])).encode()),
        f"{KYVERNO_DIR}/rbac.yaml": with_header((rbac + dump_yaml(background_rbac(options))).encode()),
        f"{KYVERNO_DIR}/kustomization.yaml": with_header(kustomization.encode()),
    }
