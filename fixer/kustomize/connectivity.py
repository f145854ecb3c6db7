"""Connectivity tests: Kubernetes Jobs that prove the bases on a running cluster (the seed's
"run the validation steps", made repeatable), rendered from templates/connectivity/*.j2.

    <bases>/connectivity/target/           akfix-connectivity: a web pod behind a headless Service,
                                           and the control Job (the same probes must succeed there)
    <bases>/connectivity/base/             the check Job, namespace-agnostic
    <bases>/connectivity/namespaces/<ns>/  namespace: <ns> + ../../base
    <bases>/connectivity/kustomization.yaml  target + every namespace's check

Each check fails its Job (backoffLimit 0) unless: a cluster name resolves through kube-dns, the
ready target pod in another namespace is refused or times out, and an outside address is
refused or times out. Bounded, non-root, read-only, no service-account token, pinned image.

Imports: kustomize.render (filters, header) and kustomize.names.
"""

from __future__ import annotations

from functools import lru_cache

from fixer.kustomize.names import PROBE_NAMESPACE
from fixer.kustomize.render import comment_text, templates_dir, with_header, yaml_scalar

CONNECTIVITY_DIR = "connectivity"
# Pinned by tag (never `latest`); pin by digest in your own kustomization with `images:`.
PROBE_IMAGE = "busybox:1.36.1"
TARGET_NAME = "akfix-connectivity-target"
TARGET_PORT = 8080
# An address outside every cluster, by IP so that no DNS answer is needed: Cloudflare's resolver, HTTPS.
OUTSIDE_ADDRESS, OUTSIDE_PORT = "1.1.1.1", 443
DEADLINE_SECONDS = 180  # the wait for a target (90 s) plus three 5 s probes, with room


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(loader=FileSystemLoader(str(templates_dir().parent / "connectivity")),
                              undefined=StrictUndefined, keep_trailing_newline=True)
    environment.filters["yaml_scalar"] = yaml_scalar
    environment.filters["comment"] = comment_text
    return environment


def _render(template: str, **values) -> bytes:
    common = {
        "probe_namespace": PROBE_NAMESPACE, "image": PROBE_IMAGE, "target_name": TARGET_NAME, "target_port": TARGET_PORT,
        "target_host": f"{TARGET_NAME}.{PROBE_NAMESPACE}.svc.cluster.local", "outside_address": OUTSIDE_ADDRESS,
        "outside_port": OUTSIDE_PORT, "deadline": DEADLINE_SECONDS,
    }
    script = _environment().get_template("probe.sh.j2").render().strip("\n")
    body = _environment().get_template(template).render(**(common | {"script": script} | values)).rstrip("\n") + "\n"
    return with_header(body.encode())


def connectivity_files(names: list[str], bases_dir: str) -> dict[str, bytes]:
    """Relative path under the bases dir -> content, for the covered namespaces `names`."""
    files = {
        "target/target.yaml": _render("target.yaml.j2"),
        "target/control-job.yaml": _render("probe-job.yaml.j2", job_name="akfix-connectivity-control", expect="open", namespace=PROBE_NAMESPACE),
        "target/kustomization.yaml": _render("target-kustomization.yaml.j2"),
        "base/check-job.yaml": _render("probe-job.yaml.j2", job_name="akfix-connectivity-check", expect="denied", namespace=""),
        "base/kustomization.yaml": _render("base-kustomization.yaml.j2"),
    }
    for name in names:
        files[f"namespaces/{name}/kustomization.yaml"] = _render("namespace-kustomization.yaml.j2", namespace=name)
    files["kustomization.yaml"] = _render("kustomization.yaml.j2", namespaces=names, connectivity_dir=f"{bases_dir}/{CONNECTIVITY_DIR}")
    return {f"{CONNECTIVITY_DIR}/{relative}": content for relative, content in files.items()}
