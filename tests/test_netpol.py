"""The NetworkPolicy evaluator against the semantics of the Kubernetes documentation
(concepts/services-networking/network-policies). Cases written from the docs' text and examples."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fixer.kustomize.netpol import Connection, External, NamedPort, Pod, PolicyError, evaluate, parse_policy


def policies(text: str, namespace: str = "default"):
    return [parse_policy(d, namespace) for d in yaml.safe_load_all(text) if d]


# The docs' "test-network-policy" example, word for word in meaning.
DOCS_EXAMPLE = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: test-network-policy, namespace: default}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
        - namespaceSelector: {matchLabels: {project: myproject}}
        - podSelector: {matchLabels: {role: frontend}}
      ports:
        - {protocol: TCP, port: 6379}
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/24}
      ports:
        - {protocol: TCP, port: 5978}
"""

DB = Pod("default", {"role": "db"}, "10.1.0.5")
FRONTEND = Pod("default", {"role": "frontend"}, "10.1.0.6")
OTHER = Pod("default", {"role": "cache"}, "10.1.0.7")
IN_PROJECT = Pod("team", {"any": "thing"}, "10.1.0.8")
NAMESPACES = {"team": {"project": "myproject"}, "elsewhere": {}}


@pytest.mark.parametrize(
    "source, port, protocol, allowed",
    [
        (FRONTEND, 6379, "TCP", True),  # podSelector peer: same namespace
        (IN_PROJECT, 6379, "TCP", True),  # namespaceSelector peer: any pod there
        (External("172.17.0.9"), 6379, "TCP", True),  # in the cidr
        (External("172.17.1.9"), 6379, "TCP", False),  # in the except
        (OTHER, 6379, "TCP", False),  # selected by no peer
        (FRONTEND, 6380, "TCP", False),  # another port
        (FRONTEND, 6379, "UDP", False),  # another protocol
        (Pod("elsewhere", {"role": "frontend"}), 6379, "TCP", False),  # podSelector alone: own namespace only
    ],
)
def test_docs_example_ingress(source, port, protocol, allowed):
    verdict = evaluate(policies(DOCS_EXAMPLE), Connection(source, DB, port, protocol), NAMESPACES)
    assert verdict.ingress.isolated
    assert verdict.allowed is allowed


def test_docs_example_egress_and_unselected_pods():
    rules = policies(DOCS_EXAMPLE)
    assert evaluate(rules, Connection(DB, External("10.0.0.7"), 5978)).allowed
    assert not evaluate(rules, Connection(DB, External("10.0.1.7"), 5978)).allowed
    assert not evaluate(rules, Connection(DB, FRONTEND, 5978)).allowed  # ipBlock does not select pods (Cilium)
    assert evaluate(rules, Connection(DB, FRONTEND, 5978), ipblock_selects_pods=False).egress.isolated
    # a pod no policy selects is not isolated in either direction
    verdict = evaluate(rules, Connection(FRONTEND, OTHER, 1))
    assert verdict.allowed and not verdict.egress.isolated and not verdict.ingress.isolated


def test_ipblock_may_select_pod_addresses_where_the_implementation_allows():
    rules = policies(DOCS_EXAMPLE)
    pod = Pod("x", {}, "10.0.0.9")
    assert evaluate(rules, Connection(DB, pod, 5978), ipblock_selects_pods=True).egress.allowed


DEFAULTS = {
    "deny-ingress": ("spec: {podSelector: {}, policyTypes: [Ingress]}", False, True),
    "allow-ingress": ("spec: {podSelector: {}, ingress: [{}], policyTypes: [Ingress]}", True, True),
    "deny-egress": ("spec: {podSelector: {}, policyTypes: [Egress]}", True, False),
    "allow-egress": ("spec: {podSelector: {}, egress: [{}], policyTypes: [Egress]}", True, True),
    "deny-all": ("spec: {podSelector: {}, policyTypes: [Ingress, Egress]}", False, False),
}


@pytest.mark.parametrize("case", sorted(DEFAULTS))
def test_docs_default_policies(case):
    spec, ingress_ok, egress_ok = DEFAULTS[case]
    rules = policies(f"kind: NetworkPolicy\nmetadata: {{name: {case}}}\n{spec}\n", "ns")
    a, b = Pod("ns", {"app": "a"}), Pod("ns", {"app": "b"})
    verdict = evaluate(rules, Connection(a, b, 80))
    assert verdict.ingress.allowed is ingress_ok
    assert verdict.egress.allowed is egress_ok


def test_policy_types_default_to_ingress_plus_egress_when_egress_rules_exist():
    only_ingress = policies("kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n")[0]
    assert only_ingress.types == {"Ingress"}
    with_egress = policies("kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, egress: [{ports: [{port: 53}]}]}\n")[0]
    assert with_egress.types == {"Ingress", "Egress"}


def test_namespace_and_pod_selector_in_one_peer_is_and_in_two_peers_is_or():
    both = """kind: NetworkPolicy
metadata: {name: and}
spec:
  podSelector: {}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {user: alice}}
          podSelector: {matchLabels: {role: client}}
"""
    either = both.replace("          podSelector", "        - podSelector")
    alice_client = Pod("a", {"role": "client"})
    alice_other = Pod("a", {"role": "other"})
    local_client = Pod("default", {"role": "client"})
    namespaces = {"a": {"user": "alice"}}
    target = Pod("default", {})
    assert evaluate(policies(both), Connection(alice_client, target, 1), namespaces).allowed
    assert not evaluate(policies(both), Connection(alice_other, target, 1), namespaces).allowed
    assert not evaluate(policies(both), Connection(local_client, target, 1), namespaces).allowed
    assert evaluate(policies(either), Connection(alice_other, target, 1), namespaces).allowed
    assert evaluate(policies(either), Connection(local_client, target, 1), namespaces).allowed


def test_end_port_range_from_the_docs():
    text = """kind: NetworkPolicy
metadata: {name: multi-port-egress}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.0.0.0/24}}]
      ports: [{protocol: TCP, port: 32000, endPort: 32768}]
"""
    rules = policies(text)
    for port, ok in ((31999, False), (32000, True), (32500, True), (32768, True), (32769, False)):
        assert evaluate(rules, Connection(DB, External("10.0.0.1"), port)).allowed is ok


def test_named_port_resolves_on_the_destination_pod():
    text = """kind: NetworkPolicy
metadata: {name: named}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: http}]}]
"""
    web = Pod("default", {"app": "web"}, ports=(NamedPort("http", 8080),))
    client = Pod("default", {"app": "client"})
    assert evaluate(policies(text), Connection(client, web, 8080)).allowed
    assert not evaluate(policies(text), Connection(client, web, 80)).allowed
    assert not evaluate(policies(text), Connection(client, Pod("default", {"app": "web"}), 8080)).allowed


def test_port_without_number_means_every_port_of_the_protocol():
    rules = policies("kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{ports: [{protocol: UDP}]}]}\n")
    a, b = Pod("default", {}), Pod("default", {"x": "y"})
    assert evaluate(rules, Connection(a, b, 5353, "UDP")).allowed
    assert not evaluate(rules, Connection(a, b, 5353, "TCP")).allowed


@pytest.mark.parametrize(
    "expression, labels, matches",
    [
        ("{key: tier, operator: In, values: [web, api]}", {"tier": "api"}, True),
        ("{key: tier, operator: In, values: [web, api]}", {"tier": "db"}, False),
        ("{key: tier, operator: In, values: [web]}", {}, False),
        ("{key: tier, operator: NotIn, values: [db]}", {"tier": "web"}, True),
        ("{key: tier, operator: NotIn, values: [db]}", {}, True),
        ("{key: tier, operator: NotIn, values: [db]}", {"tier": "db"}, False),
        ("{key: tier, operator: Exists}", {"tier": ""}, True),
        ("{key: tier, operator: Exists}", {}, False),
        ("{key: tier, operator: DoesNotExist}", {}, True),
        ("{key: tier, operator: DoesNotExist}", {"tier": "x"}, False),
    ],
)
def test_match_expressions(expression, labels, matches):
    text = f"kind: NetworkPolicy\nmetadata: {{name: p}}\nspec:\n  podSelector: {{matchExpressions: [{expression}]}}\n  policyTypes: [Ingress]\n"
    target = Pod("default", labels)
    verdict = evaluate(policies(text), Connection(Pod("other", {}), target, 1))
    assert verdict.ingress.isolated is matches


def test_policies_of_another_namespace_do_not_select():
    rules = policies("kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n", "shop")
    assert evaluate(rules, Connection(Pod("a", {}), Pod("b", {}), 1)).allowed


@pytest.mark.parametrize(
    "spec",
    [
        "{}",
        "{podSelector: {}, policyTypes: [Sideways]}",
        "{podSelector: {}, ingress: [{from: [{}]}]}",
        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: nope}}]}]}",
        "{podSelector: {}, ingress: [{ports: [{protocol: ICMP}]}]}",
        "{podSelector: {}, ingress: [{ports: [{port: 10, endPort: 5}]}]}",
        "{podSelector: {matchExpressions: [{key: a, operator: In}]}}",
    ],
)
def test_invalid_policies_are_refused(spec):
    with pytest.raises(PolicyError):
        policies(f"kind: NetworkPolicy\nmetadata: {{name: bad}}\nspec: {spec}\n")


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=3), st.integers(1, 65535))
def test_additive_adding_a_policy_never_denies_what_was_allowed(apps, port):
    base = policies("kind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n", "n")
    extra = [
        parse_policy({"kind": "NetworkPolicy", "metadata": {"name": f"allow-{a}"},
                      "spec": {"podSelector": {"matchLabels": {"app": a}}, "ingress": [{}], "egress": [{}], "policyTypes": ["Ingress", "Egress"]}}, "n")
        for a in apps
    ]
    source, target = Pod("n", {"app": "a"}), Pod("n", {"app": "b"})
    before = evaluate(base + extra[:1], Connection(source, target, port)).allowed
    after = evaluate(base + extra, Connection(source, target, port)).allowed
    assert after or not before
    assert after == ({"a", "b"} <= set(apps))
