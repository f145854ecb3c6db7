"""Allow what already flows: Hubble flows -> allow-observed.yaml, proven by the built-in replay and
by `kubectl kustomize` output fed to the evaluator. The fixture application (tests/fixtures/flows)
has an ingress controller, a shop and an orders namespace, a Prometheus in another namespace,
replies, drops, host probes and traffic to and from the outside world."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.discover import list_files
from fixer.edit.write import write_changes
from fixer.kustomize import BasesOptions, plan_bases
from fixer.kustomize.flows.aggregate import Aggregator, is_reply, time_key
from fixer.kustomize.flows.allows import describe, plan_allows
from fixer.kustomize.flows.read import ReadStats, read_flows
from fixer.kustomize.flows.replay import pod
from fixer.kustomize.flows.summary import summary_lines
from fixer.kustomize.flows.workloads import identify
from fixer.kustomize.netpol import Connection, Pod, evaluate, parse_policy

FIXTURES = Path(__file__).parent / "fixtures" / "flows"
FLOWS = (str(FIXTURES / "day1.jsonl"), str(FIXTURES / "day2.jsonl"))
COVERED = ("orders", "shop")  # ingress-nginx is a system namespace (names.py): no policies there


def repo(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repo", target)
    return target


def plan(root: Path, **options):
    return plan_bases(list_files(root), BasesOptions(**{"flows": FLOWS, **options}))


def workload(namespace: str, **labels) -> Pod:
    return Pod(namespace, labels)


CONTROLLER = workload("ingress-nginx", **{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx",
                                          "app.kubernetes.io/component": "controller", "pod-template-hash": "abc"})
STOREFRONT = workload("shop", app="storefront", **{"pod-template-hash": "new"})  # a later rollout: another hash
PRODUCT = workload("shop", **{"app.kubernetes.io/name": "product", "app.kubernetes.io/instance": "shop"})
LOADGEN = workload("shop", app="loadgen")
ORDER = workload("orders", app="order")
RABBITMQ = workload("orders", **{"app.kubernetes.io/name": "rabbitmq", "statefulset.kubernetes.io/pod-name": "rabbitmq-1"})
MONGODB = workload("orders", app="mongodb")
PROMETHEUS = workload("monitoring", **{"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "kube-prometheus"})
COREDNS = workload("kube-system", **{"k8s-app": "kube-dns"})

OBSERVED = [
    (CONTROLLER, STOREFRONT, "TCP", 8080), (STOREFRONT, PRODUCT, "TCP", 3030), (STOREFRONT, ORDER, "TCP", 3000),
    (ORDER, RABBITMQ, "TCP", 5672), (ORDER, MONGODB, "TCP", 27017), (PRODUCT, MONGODB, "TCP", 27017),
    (LOADGEN, CONTROLLER, "TCP", 80), (PROMETHEUS, STOREFRONT, "TCP", 9090), (PROMETHEUS, ORDER, "TCP", 9090),
    (PROMETHEUS, RABBITMQ, "TCP", 15692),
] + [(source, COREDNS, protocol, 53) for source in (CONTROLLER, STOREFRONT, PRODUCT, LOADGEN, ORDER) for protocol in ("UDP", "TCP")]

UNOBSERVED = [  # pairs that never talked (or were dropped): each must stay denied
    (LOADGEN, MONGODB, "TCP", 27017),  # seen DROPPED
    (LOADGEN, STOREFRONT, "TCP", 8080),  # around the ingress controller
    (PRODUCT, ORDER, "TCP", 3000),
    (CONTROLLER, MONGODB, "TCP", 27017),
    (PROMETHEUS, MONGODB, "TCP", 27017),
    (PROMETHEUS, PRODUCT, "TCP", 3030),
    (RABBITMQ, ORDER, "TCP", 3000),
    (STOREFRONT, RABBITMQ, "TCP", 5672),
    (MONGODB, STOREFRONT, "TCP", 8080),
    (STOREFRONT, PRODUCT, "TCP", 9999),  # an observed pair on a port never used
    (STOREFRONT, PRODUCT, "UDP", 3030),  # ... or another protocol
    (ORDER, COREDNS, "TCP", 8080),  # the DNS allow is for port 53 only
]


def test_fixture_replay_allows_every_observed_request_and_denies_unobserved_pairs(tmp_path):
    result = plan(repo(tmp_path))
    learned = result.flows
    assert not result.problems
    assert sorted(learned.namespaces) == list(COVERED)
    assert learned.replay.ok and learned.replay.observed_flows > 0 and learned.replay.unobserved > 20
    assert learned.replay.unobserved_allowed == ()
    assert learned.replay.headline() == f"{learned.replay.observed_flows} observed flows: all allowed; {learned.replay.unobserved} unobserved pairs: denied"
    # the base alone denies every one of the observed application flows (the reason for the issue)
    base = [parse_policy(d, n) for n in COVERED for d in yaml.safe_load_all(
        b"\n---\n".join(c.after for c in result.changes if c.relpath.endswith(("default-deny-all.yaml", "allow-dns-egress.yaml")))) if d]
    denied = [o for o in OBSERVED[:10] if not evaluate(base, Connection(o[0], o[1], o[3], o[2])).allowed]
    assert len(denied) == 10


def test_kubectl_kustomize_output_allows_observed_and_denies_unobserved(tmp_path):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl binary absent: kustomize builds not run")
    root = repo(tmp_path)
    assert write_changes(list(plan(root).changes)) == []
    built = subprocess.run(["kubectl", "kustomize", str(root / "k8s/network-policies")], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    documents = [d for d in yaml.safe_load_all(built.stdout) if d]
    policies = [parse_policy(d) for d in documents if d["kind"] == "NetworkPolicy"]
    assert {p.namespace for p in policies} == set(COVERED)
    assert {d["kind"] for d in documents} == {"NetworkPolicy", "CiliumNetworkPolicy"}
    for source, destination, protocol, port in OBSERVED:
        verdict = evaluate(policies, Connection(source, destination, port, protocol))
        assert verdict.allowed, (source, destination, port, verdict.reason())
    for source, destination, protocol, port in UNOBSERVED:
        verdict = evaluate(policies, Connection(source, destination, port, protocol))
        assert not verdict.allowed, (source, destination, port, verdict.reason())
    import kubernetes_validate

    for document in documents:
        if document["kind"] == "NetworkPolicy":
            kubernetes_validate.validate(document, "1.30", strict=True)
    cilium = next(d for d in documents if d["kind"] == "CiliumNetworkPolicy")
    assert cilium["metadata"]["namespace"] == "orders"
    assert cilium["spec"]["egress"][1]["toFQDNs"] == [{"matchName": "api.stripe.com"}]
    assert "0.0.0.0" not in built.stdout


@pytest.mark.parametrize("namespace", COVERED)
def test_golden_allow_observed(namespace, tmp_path):
    result = plan(repo(tmp_path))
    change = next(c for c in result.changes if c.relpath.endswith(f"namespaces/{namespace}/allow-observed.yaml"))
    assert change.after.decode() == (FIXTURES / "expected" / f"{namespace}-allow-observed.yaml").read_text()


def test_never_selects_unstable_or_cilium_labels(tmp_path):
    result = plan(repo(tmp_path))
    text = b"".join(c.after for c in result.changes if c.relpath.endswith("allow-observed.yaml")).decode()
    for forbidden in ("pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io", "io.cilium.k8s", "k8s:io.kubernetes.pod.namespace=",
                      "0.0.0.0", "ipBlock", "52.1.2.3", "203.0.113.9"):
        assert forbidden not in text
    summary = "\n".join(summary_lines(result.flows))
    assert "shop/product -> world (52.1.2.3) TCP/443" in summary  # listed for a person instead
    assert "203.0.113.9" not in summary  # to the ingress controller: a system namespace, not akfix's to police
    assert "shop/loadgen -> orders/mongodb TCP/27017: 6 flows" in summary and "POLICY_DENIED" in summary
    assert "seen in flows, no base: monitoring" in summary


def test_rerun_changes_nothing_and_a_persons_edit_is_kept_and_replayed(tmp_path):
    root = repo(tmp_path)
    assert write_changes(list(plan(root).changes)) == []
    again = plan(root)
    assert again.changes == () and again.flows.replay.ok
    shop = root / "k8s/network-policies/namespaces/shop/allow-observed.yaml"
    edited = shop.read_text().replace("port: 3030  #", "port: 3031  #")  # a person's (wrong) edit
    shop.write_text(edited)
    third = plan(root)
    assert "k8s/network-policies/namespaces/shop/allow-observed.yaml" in third.kept
    assert shop.read_text() == edited
    assert not third.flows.replay.ok
    messages = [p.message for p in third.problems]
    assert any("shop/storefront -> shop/product TCP/3030" in m and "would be dropped" in m for m in messages)


def test_replay_checks_the_cilium_fqdn_rules_it_wrote(tmp_path):
    root = repo(tmp_path)
    first = plan(root)
    assert first.flows.replay.observed_pairs == len([o for o in first.flows.observed.requests if o.source.kind == o.destination.kind == "pod"
                                                      and {o.source.namespace, o.destination.namespace} & set(COVERED)]) + 1  # + order -> api.stripe.com
    assert write_changes(list(first.changes)) == []
    orders = root / "k8s/network-policies/namespaces/orders/allow-observed.yaml"
    orders.write_text(orders.read_text().replace('matchName: "api.stripe.com"', 'matchName: "api.example.com"'))
    messages = [p.message for p in plan(root).problems]
    assert any("orders/order -> world api.stripe.com TCP/443" in m and "no CiliumNetworkPolicy egress rule" in m for m in messages)


def test_a_run_without_flows_keeps_the_allows_in_the_overlay(tmp_path):
    root = repo(tmp_path)
    assert write_changes(list(plan(root).changes)) == []
    without = plan_bases(list_files(root), BasesOptions())
    assert without.changes == () and without.flows is None
    assert "allow-observed.yaml" in (root / "k8s/network-policies/namespaces/shop/kustomization.yaml").read_text()


def test_output_does_not_depend_on_flow_order(tmp_path):
    lines = []
    for name in FLOWS:
        lines += Path(name).read_text().splitlines()
    random.Random(7).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("\n".join(lines) + "\n")
    first = {c.relpath: c.after for c in plan(repo(tmp_path / "a")).changes}
    second = {c.relpath: c.after for c in plan(repo(tmp_path / "b"), flows=(str(shuffled),)).changes}
    assert first == second


def test_min_flows_leaves_rare_pairs_denied(tmp_path):
    result = plan(repo(tmp_path), min_flows=11)  # prometheus scrapes: 10 flows a pair
    learned = result.flows
    below = {(describe(o.source), describe(o.destination)) for o in learned.allows.below_threshold}
    assert ("monitoring/prometheus", "shop/storefront") in below
    text = b"".join(c.after for c in result.changes if c.relpath.endswith("allow-observed.yaml")).decode()
    assert "prometheus" not in text and learned.replay.ok


def test_other_engines_get_no_cilium_policy_and_list_fqdn_traffic(tmp_path):
    result = plan(repo(tmp_path), engine="calico")
    text = b"".join(c.after for c in result.changes if c.relpath.endswith("allow-observed.yaml")).decode()
    assert "CiliumNetworkPolicy" not in text and "toFQDNs" not in text
    assert any("api.stripe.com" in line and "calico cannot allow DNS names" in line for line in result.flows.allows.for_person)


def test_large_files_read_in_parallel_give_the_same_result_and_line_numbers(tmp_path, monkeypatch):
    from fixer.kustomize.flows import observe as flows_observe

    lines = Path(FLOWS[0]).read_text().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines[:100] + ["{broken"] + lines[100:300] + ["[1, 2]"] + lines[300:]) + "\n")
    sequential = plan(repo(tmp_path / "a"), flows=(str(mixed),))
    flows_observe._observe.cache_clear()
    monkeypatch.setattr(flows_observe, "PARALLEL_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    spans = []
    split = flows_observe._spans
    monkeypatch.setattr(flows_observe, "_spans", lambda *a: spans.extend(split(*a)) or spans)
    parallel = plan(repo(tmp_path / "b"), flows=(str(mixed),))
    assert len(spans) == 3 and spans[0][0] == 0 and spans[-1][1] == mixed.stat().st_size
    flows_observe._observe.cache_clear()
    assert {c.relpath: c.after for c in sequential.changes} == {c.relpath: c.after for c in parallel.changes}
    assert [(p.line, p.message) for p in parallel.problems] == [(p.line, p.message) for p in sequential.problems]
    assert [p.line for p in parallel.problems] == [101, 302]
    assert parallel.flows.stats.lines == sequential.flows.stats.lines == len(lines) + 2
    assert parallel.flows.stats.flows == sequential.flows.stats.flows


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    packed = tmp_path / "flows.export"  # no .gz suffix
    packed.write_bytes(gzip.compress(Path(FLOWS[0]).read_bytes()))
    plain = plan(repo(tmp_path / "a"), flows=(FLOWS[0],))
    zipped = plan(repo(tmp_path / "b"), flows=(str(packed),))
    assert not zipped.problems
    assert {c.relpath: c.after for c in plain.changes} == {c.relpath: c.after for c in zipped.changes}


def test_concatenated_gzip_members_are_all_read(tmp_path):
    joined = tmp_path / "both.gz"
    joined.write_bytes(gzip.compress(Path(FLOWS[0]).read_bytes()) + gzip.compress(Path(FLOWS[1]).read_bytes()))
    _, problems, stats = read_all(joined)
    expected = sum(len(Path(f).read_text().splitlines()) for f in FLOWS) - 1  # less day 1's node_status event
    assert not problems and stats.flows == expected and stats.other_events == 1


def read_all(path: Path):
    problems, stats = [], ReadStats()
    flows = list(read_flows(path, path.name, problems, stats))
    return flows, problems, stats


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_is_used(tmp_path):
    good = Path(FLOWS[0]).read_text().splitlines()
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([good[1], "{not json", good[2], '{"hello": "world"}', "", good[3], '{"flow": {"verdict": "FORWARDED"']) + "\n")
    flows, problems, stats = read_all(path)
    assert stats.flows == 3 and stats.replies == 1 and len(flows) == 2 and stats.bad_lines == 3  # good[2] is a reply: not parsed
    assert [(p.file, p.line) for p in problems] == [("mixed.jsonl", 2), ("mixed.jsonl", 4), ("mixed.jsonl", 7)]
    assert problems[0].message.startswith("not valid JSON") and "not a Hubble flow" in problems[1].message


def test_empty_and_foreign_files_say_what_was_expected(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    _, problems, _ = read_all(empty)
    assert len(problems) == 1 and problems[0].message.startswith("is empty: expected Hubble flows as JSON lines")
    foreign = tmp_path / "flows.csv"
    foreign.write_text("time,source,destination\n" + "2026-11-30,10.0.0.1,10.0.0.2\n" * 5000)
    _, problems, stats = read_all(foreign)
    assert stats.lines < 100  # gave up early instead of reporting 5,000 lines
    assert problems[-1].message.startswith("is not a flow export") and "hubble observe -o jsonpb" in problems[-1].message
    missing = tmp_path / "missing.jsonl"
    _, problems, _ = read_all(missing)
    assert problems[0].message.startswith("cannot be read")


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = gzip.compress(Path(FLOWS[0]).read_bytes())
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[: len(data) // 2])
    flows, problems, _ = read_all(cut)
    assert flows and any("stops being readable" in p.message for p in problems)


def test_is_reply_absent_is_a_request_unless_the_tcp_flags_say_reply():
    assert not is_reply({"l4": {"TCP": {"flags": {"SYN": True}}}})
    assert is_reply({"l4": {"TCP": {"flags": {"SYN": True, "ACK": True}}}})
    assert is_reply({"is_reply": True}) and not is_reply({"is_reply": False, "reply": True})
    assert is_reply({"reply": True})


def test_time_key_normalises_to_utc_seconds():
    assert time_key("2026-11-30T10:00:00.123456789Z") == "2026-11-30T10:00:00Z"
    assert time_key("2026-11-30T10:00:00Z") == "2026-11-30T10:00:00Z"
    assert time_key("2026-11-30T12:00:00+02:00") == "2026-11-30T10:00:00Z"
    assert time_key("yesterday") == "" and time_key(None) == ""


@pytest.mark.parametrize(
    "endpoint, kind, selector",
    [
        ({"namespace": "a", "labels": ["k8s:app=web", "k8s:pod-template-hash=1", "k8s:io.kubernetes.pod.namespace=a"]}, "pod", (("app", "web"),)),
        ({"namespace": "a", "labels": ["k8s:app.kubernetes.io/name=db", "k8s:app.kubernetes.io/instance=one", "k8s:app=x"]}, "pod",
         (("app.kubernetes.io/name", "db"), ("app.kubernetes.io/instance", "one"))),
        ({"namespace": "a", "labels": ["k8s:team=x", "k8s:tier=y", "k8s:controller-revision-hash=z"]}, "pod", (("team", "x"), ("tier", "y"))),
        ({"namespace": "a", "labels": ["k8s:pod-template-hash=1", "k8s:io.cilium.k8s.policy.cluster=default"]}, "unknown", ()),
        ({"namespace": "Bad_NS", "labels": ["k8s:app=web"]}, "unknown", ()),
        ({"namespace": "a", "labels": ["k8s:app=web\nkind: Secret", "k8s:app.kubernetes.io/name=ok"]}, "pod", (("app.kubernetes.io/name", "ok"),)),
        ({"identity": 1, "labels": ["reserved:host"]}, "host", ()),
        ({"identity": 2, "labels": ["reserved:world"]}, "world", ()),
        ({"identity": 16777217, "labels": ["cidr:52.0.0.0/8", "reserved:world"]}, "world", ()),
        ({"identity": 4}, "health", ()),
        ({"identity": 7, "labels": ["reserved:kube-apiserver"]}, "kube-apiserver", ()),
        ({}, "unknown", ()),
    ],
)
def test_workload_identity(endpoint, kind, selector):
    party = identify(endpoint)
    assert party.kind == kind
    assert (party.workload.selector if party.workload else ()) == selector


def test_traffic_from_outside_to_a_covered_pod_is_listed_never_allowed():
    aggregator = Aggregator()
    aggregator.add({"verdict": "FORWARDED", "l4": {"TCP": {"destination_port": 8443}}, "IP": {"source": "198.51.100.7"},
                    "source": {"identity": 2, "labels": ["reserved:world"]},
                    "destination": {"namespace": "a", "labels": ["k8s:app=web"]}})
    aggregator.add({"verdict": "FORWARDED", "l4": {"TCP": {"destination_port": 443}}, "IP": {"destination": "10.0.0.1"},
                    "source": {"namespace": "a", "labels": ["k8s:app=web"]},
                    "destination": {"identity": 7, "labels": ["reserved:kube-apiserver"]}})
    allows = plan_allows(aggregator.result(), frozenset({"a"}), frozenset(), "calico")
    assert allows.namespaces == ()
    assert [line.split(" (")[0] for line in allows.for_person] == ["a/web -> kube-apiserver TCP/443: 1 flow", "world"]
    assert "198.51.100.7" in allows.for_person[1] and "from outside the cluster" in allows.for_person[1]
    cilium = plan_allows(aggregator.result(), frozenset({"a"}), frozenset(), "cilium")
    assert cilium.namespaces[0].policies[0].apiserver and len(cilium.for_person) == 1


def test_label_values_yaml_would_misread_are_quoted():
    aggregator = Aggregator()
    for value in ("on", "123", "null"):
        aggregator.add({"verdict": "FORWARDED", "l4": {"TCP": {"destination_port": 80}},
                        "source": {"namespace": "a", "labels": [f"k8s:app={value}"]},
                        "destination": {"namespace": "a", "labels": ["k8s:app=web"]}})
    from fixer.kustomize.generate import render

    allows = plan_allows(aggregator.result(), frozenset({"a"}), frozenset(), "cilium")
    (namespace,) = allows.namespaces
    text = render("allow-observed.yaml.j2", namespace="a", policies=namespace.policies, flows=3, first="", last="").decode()
    documents = [d for d in yaml.safe_load_all(text) if d]
    peers = [r["from"][0]["podSelector"]["matchLabels"]["app"] for d in documents for r in d["spec"].get("ingress", [])]
    assert sorted(peers) == ["123", "null", "on"]
    names = [d["metadata"]["name"] for d in documents]
    assert len(set(names)) == len(names) == 4


WORKLOADS = [("a", "web"), ("a", "api"), ("b", "db"), ("c", "cache"), ("kube-system", "agent")]


@settings(max_examples=40)  # each example plans and renders bases: keep the suite quick
@given(
    requests=st.lists(st.tuples(st.sampled_from(WORKLOADS), st.sampled_from(WORKLOADS), st.sampled_from(["TCP", "UDP", "SCTP"]),
                                st.integers(1, 65535)), min_size=1, max_size=25),
    covered=st.sets(st.sampled_from(["a", "b", "c"])),
)
def test_property_every_observed_request_is_allowed(requests, covered, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("p")
    lines = []
    for n, ((sns, sapp), (dns, dapp), protocol, port) in enumerate(requests):
        lines.append(json.dumps({"flow": {"verdict": "FORWARDED", "time": f"2026-11-30T10:00:{n % 60:02d}Z", "is_reply": False,
                                          "l4": {protocol: {"source_port": 40000, "destination_port": port}},
                                          "source": {"namespace": sns, "labels": [f"k8s:app={sapp}"]},
                                          "destination": {"namespace": dns, "labels": [f"k8s:app={dapp}"]}}}))
    flows = tmp / "flows.jsonl"
    flows.write_text("\n".join(lines) + "\n")
    root = tmp / "repo"
    root.mkdir()
    result = plan_bases(list_files(root), BasesOptions(namespaces=tuple(sorted(covered)), flows=(str(flows),)))
    assert not result.problems
    assert result.flows.replay.ok
    for (sns, sapp), (dns, dapp), protocol, port in requests:  # independent of the replay's own bookkeeping
        policies = []
        for change in result.changes:
            if change.relpath.endswith(".yaml") and "/namespaces/" in change.relpath and "kustomization" not in change.relpath:
                namespace = change.relpath.split("/")[-2]
                policies += [parse_policy(d, namespace) for d in yaml.safe_load_all(change.after) if d and d["kind"] == "NetworkPolicy"]
        policies += [parse_policy(d, n) for n in covered for c in result.changes if c.relpath.endswith("base/default-deny-all.yaml")
                     for d in yaml.safe_load_all(c.after) if d]
        verdict = evaluate(policies, Connection(Pod(sns, {"app": sapp}), Pod(dns, {"app": dapp}), port, protocol))
        assert verdict.allowed, verdict.reason()


def akfix(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fixer", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_bases_with_flows_prints_the_replay_and_is_a_fixed_point(tmp_path):
    root = repo(tmp_path)
    done = akfix("bases", str(root), "--flows", FLOWS[0], "--flows", FLOWS[1])
    assert done.returncode == 0, done.stderr
    assert "observed flows: all allowed;" in done.stdout and "unobserved pairs: denied" in done.stdout
    assert "DROPPED flows seen: 1 pair (would these need an allow?)" in done.stdout
    again = akfix("bases", str(root), "--flows", FLOWS[0], "--flows", FLOWS[1], "--format", "json")
    document = json.loads(again.stdout)
    assert again.returncode == 0 and document["bases"][0]["files"] == []
    flows = document["bases"][0]["flows"]
    assert flows["replay"]["ok"] and flows["replay"]["denied"] == [] and [n["name"] for n in flows["namespaces"]] == list(COVERED)


def test_cli_bad_flow_lines_exit_2_and_the_rest_is_written(tmp_path):
    root = repo(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(Path(FLOWS[0]).read_text() + "{broken\n")
    result = akfix("bases", str(root), "--flows", str(bad))
    assert result.returncode == 2
    assert f"{bad}:{len(Path(FLOWS[0]).read_text().splitlines()) + 1}: not valid JSON" in result.stderr
    assert (root / "k8s/network-policies/namespaces/shop/allow-observed.yaml").is_file()


def test_cli_config_keys_and_min_flows_validation(tmp_path):
    root = repo(tmp_path)
    shutil.copy(FLOWS[0], root / "day1.jsonl")
    (root / ".akfix.toml").write_text('flows = ["day1.jsonl"]\nmin-flows = 2\n')
    result = akfix("bases", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bases"][0]["flows"]["files"] == [str((root / "day1.jsonl").resolve())]
    (root / ".akfix.toml").write_text("min-flows = 0\n")
    wrong = akfix("bases", str(root))
    assert wrong.returncode == 2 and "min-flows: expected a whole number of at least 1" in wrong.stderr
    assert akfix("bases", str(root), "--no-config", "--min-flows", "x").returncode == 2


def test_apply_writes_the_allows_beside_the_fix(tmp_path):
    root = repo(tmp_path)
    shutil.copytree(Path(__file__).parent / "fixtures" / "terraform" / "block-without-policy-4x" / "input", root / "infra")
    result = akfix("apply", str(root), "--flows", FLOWS[0], "--flows", FLOWS[1])
    assert result.returncode == 0, result.stderr
    assert "observed flows: all allowed" in result.stderr
    assert (root / "k8s/network-policies/namespaces/orders/allow-observed.yaml").read_text() == (FIXTURES / "expected" / "orders-allow-observed.yaml").read_text()
    assert 'network_policy' in (root / "infra" / "main.tf").read_text()


def test_bot_and_apply_accept_the_flow_options():
    from fixer.cli import build_parser

    parser = build_parser()
    for command in (["bot", "https://example.invalid/r.git"], ["apply"]):
        args = parser.parse_args([*command, "--flows", "a.jsonl", "--flows", "b.jsonl.gz", "--min-flows", "3"])
        assert args.flows == ["a.jsonl", "b.jsonl.gz"] and args.min_flows == 3


def test_pr_body_has_the_flows_section(tmp_path):
    from fixer.deliver import pr_text
    from fixer.kustomize.flows.summary import pr_section

    result = plan(repo(tmp_path))
    remediation = pr_text.describe("cilium", [], list(result.changes), list(COVERED), "k8s/network-policies", (), (pr_section(result.flows),))
    body = pr_text.body(remediation)
    assert "## Allowed from observed traffic" in body
    assert "| `orders` | 9 (with CiliumNetworkPolicy `toFQDNs`: needs ACNS on AKS) | 98 | 2026-11-29T00:43:47Z .. 2026-11-30T01:47:08Z |" in body
    assert "- shop/loadgen -> orders/mongodb TCP/27017: 6 flows" in body
    assert "| `k8s/network-policies/namespaces/shop/allow-observed.yaml` | allows what Hubble saw flowing in shop" in body
    assert "observed flows: all allowed" in body
    assert "## Allowed from observed traffic" not in pr_text.body(pr_text.describe("cilium", [], [], [], "k8s"))


def test_replay_pod_uses_every_real_label():
    party = identify({"namespace": "a", "labels": ["k8s:app=web", "k8s:pod-template-hash=1", "k8s:io.cilium.k8s.policy.cluster=x"]})
    assert dict(pod(party.workload).labels) == {"app": "web", "pod-template-hash": "1"}


def test_the_bot_learns_from_flows_and_says_so_in_the_pull_request(tmp_path, monkeypatch, capsys):
    from fake_forges import GitHub
    from gitrepos import seed_remote

    from fixer.cli import main

    forge = GitHub(projects={}).start()
    try:
        forge.projects["acme/infra"] = seed_remote(tmp_path / "remotes", "acme/infra", ("platform-aks",))[0]
        monkeypatch.setenv("GITHUB_TOKEN", forge.token)
        monkeypatch.delenv("GH_TOKEN", raising=False)
        code = main(["bot", str(forge.projects["acme/infra"]), "--forge", "github", "--api-url", f"http://127.0.0.1:{forge.port}",
                     "--state", str(tmp_path / "state.json"), "--workers", "1", "--workdir", str(tmp_path),
                     "--namespace", "shop", "--namespace", "orders", "--flows", FLOWS[0], "--flows", FLOWS[1]])
        assert code == 0, capsys.readouterr()
        (pull,) = forge.pulls
        body = pull["body"] + "".join(pull.get("comments", []))
        assert "## Allowed from observed traffic" in body and "observed flows: all allowed" in body
        assert "- shop/loadgen -> orders/mongodb TCP/27017: 6 flows" in body
    finally:
        forge.stop()
