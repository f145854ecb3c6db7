"""Allow what already flows: NetworkPolicies learned from Hubble flow exports, proven by replay.

    read       streamed Hubble JSON lines (plain or gzip) -> flow objects, `file:line: reason`
    workloads  an endpoint of a flow -> a stable workload identity (selector labels) or a kind
    aggregate  flows -> observed requests per workload pair, port and protocol; drops; counts
    allows     observations -> `allow-observed.yaml` per covered namespace (NetworkPolicy, and
               CiliumNetworkPolicy toFQDNs for cilium)
    observe    every file once per run; large plain files read by one process per core
    replay     generated policies + the base, evaluated by fixer.kustomize.netpol
    plan       the hook kustomize.generate calls: learn (files to write), prove (the replay)
    summary    the words for people: text under `akfix bases`, JSON, the pull request's section

May import: the standard library, fixer.model, fixer.kustomize.names, paths and netpol, PyYAML
(lazily) and orjson (json when it is missing). Rendering is passed in by kustomize.generate.
"""
