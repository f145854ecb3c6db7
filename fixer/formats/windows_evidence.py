"""Windows node pools the locators cannot tie to one cluster, found in the deployment's text.

Cilium is Linux-only and NPM on Windows is unsupported (facts §4, rule 2), so a Windows pool anywhere
in a cluster's deployment rules those engines out. The locators read the pools they can tie to a
cluster: a node-pool resource or an agent pool profile whose OS is a literal. A pool can also come
from elsewhere: a variable or `var` holding the pool list, a caller passing `os_type = "Windows"` to
the cluster's module or to a node-pool module beside it (AKS-Construction's windows sample), a
tfvars or parameters file. Those are found here by their text: an OS key (`os_type`, `osType`,
`os_sku`, ...) set to a Windows literal outside any resource block (resource blocks are the
locators' job, and a Windows VM or App Service plan is no node pool), in a module call only when the
module is local or an AKS one; in Python, a string inside a VM's, disk's or App Service's call is left
out by the call's name. A hit is attributed to every cluster of the deployment: cautious by design (a
cluster that gets calico or a person instead of cilium is safe; cilium beside Windows is not).

Pure: file bodies in, the places that name Windows out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

from fixer.formats import jsonspan
from fixer.formats.pool_inputs import arm_pool_os, bicep_pool_os
from fixer.model import Cluster
from fixer.textfile import line_of

# An OS key set to a Windows literal: HCL `os_type = "Windows"`, objects `os_type: "Windows"`,
# Bicep `osType: 'Windows'`, .bicepparam `param osType = 'Windows'`, `os_sku = "Windows2022"`.
_HCL = re.compile(r"""\b(?i:\w*os_?(?:type|sku)\w*)"?\s*[=:]\s*"(?i:windows)""")
_BICEP = re.compile(r"""\b(?i:\w*os_?(?:type|sku)\w*)(?:\s+string)?\s*[=:]\s*'(?i:windows)""")
# A string that is Windows and nothing else, whatever key holds it: a pool's OS often comes through
# an input named otherwise (`variable "apps_os" { default = "Windows" }`, `os = "Windows"` in a map
# a node pool's for_each reads, a Bicep param or .bicepparam value). Descriptions never are the whole
# string; a list that also names Linux is a list of allowed values, not a pool (_allowed_list).
_WHOLE_HCL = re.compile(r'"(?i:windows(?:20\d\d|annual)?)"')
_WHOLE_BICEP = re.compile(r"'(?i:windows(?:20\d\d|annual)?)'")
_LINUX = re.compile(r"""["'](?i:linux|ubuntu|azurelinux|cblmariner|mariner)["']""")

# Pulumi stack config (`Pulumi.<stack>.yaml`): a pool list a program reads with require_object, `osType: Windows`.
_YAML = re.compile(r"""\b(?i:\w*os_?(?:type|sku)\w*)["']?\s*:\s*["']?(?i:windows)""")

# .tfvars.json: `"os_type": "Windows"` (ARM JSON is walked as JSON: _json_evidence).
_JSON_VALUE = re.compile(r""""(?i:\w*os_?(?:type|sku)\w*)"\s*:\s*"(?i:windows)""")

# Pulumi / CDKTF in Python: `os_type="Windows"`, `"os_type": "Windows"`, and the containerservice enums
# `OSType.WINDOWS` / `OSSKU.WINDOWS2022` wherever they stand (only agent pools have them; compute's
# OperatingSystemTypes is a VM disk's).
_PYTHON = re.compile(r"""\b(?i:\w*os_?(?:type|sku)\w*)["']?\s*[=:]\s*["'](?i:windows)|\b(?:OSType|OSSKU)\.WINDOWS""")

# Python calls whose `os_type` is no node pool's: VMs, their disks and images, App Service plans.
_NOT_A_POOL = re.compile(r"VirtualMachine|ScaleSet|Disk|Image|ServicePlan|AppService|WebApp|FunctionApp", re.IGNORECASE)
_CALLEE = re.compile(r"([\w.]+)\s*$")

_HCL_BLOCK = re.compile(r'^(resource|data|module)\s+"([^"]*)"[^\n{]*\{', re.MULTILINE)
_BICEP_BLOCK = re.compile(r"^(resource|module)\s+\w+\s+'([^']*)'[^\n]*", re.MULTILINE)
_CLOSE = re.compile(r"^\}", re.MULTILINE)
_AZAPI_POOL = re.compile(r"managedClusters/agentPools@", re.IGNORECASE)
_POOL_TYPE = re.compile(r"managedClusters/agentPools@|azurerm_kubernetes_cluster_node_pool", re.IGNORECASE)
_HCL_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]*)"', re.MULTILINE)
# A module that may build AKS clusters or node pools, by its source: a registry name that says so,
# or any local path (the cluster's own module is usually one: `source = "../.."`).
_AKS_MODULE = re.compile(r"^\.{1,2}/|aks|kubernetes|agent.?pool|node.?pool|container.?service|managed.?cluster", re.IGNORECASE)


def windows_evidence(files: Mapping[str, bytes], foreign: frozenset[str] = frozenset(),
                     standalone: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """`file:line` of every place in `files` that sets a node pool's OS to Windows outside the
    resource blocks the locators read. In `foreign` files (modules the cluster's template calls, where
    no locator ties a pool to it) an agent-pool resource's own OS counts too. In `standalone` ones
    (pool-only templates deployed on their own: no caller passes their inputs) an OS input that may
    be Windows counts as well (pool_inputs.py)."""
    return tuple(place for relpath in sorted(files)
                 for place in _file_evidence(relpath, files[relpath], relpath in foreign, relpath in standalone))


@lru_cache(maxsize=1024)
def _file_evidence(relpath: str, body: bytes, pools: bool = False, standalone: bool = False) -> tuple[str, ...]:
    """One file's places (a template is read once for all the views that share it)."""
    if relpath.endswith(".json") and not relpath.endswith(".tfvars.json"):
        return tuple(_json_evidence(relpath, body, standalone))
    inputs = tuple(f"{relpath}:{line_of(body, at)} (osType {why})" for at, why in bicep_pool_os(body)) \
        if standalone and relpath.endswith(".bicep") else ()
    if b"indows" not in body and b"INDOWS" not in body:
        return inputs  # the common case, without a regex pass
    text = body.decode("utf-8", "replace")
    pattern, excluded = _format_of(relpath, text, pools)
    found, lines = [], set()
    whole = {_HCL: _WHOLE_HCL, _BICEP: _WHOLE_BICEP}.get(pattern)
    matches = [*(pattern.finditer(text) if pattern is not None else ()), *(whole.finditer(text) if whole is not None else ())]
    for match in sorted(matches, key=lambda m: m.start()):
        if pattern is _PYTHON and "WINDOWS" not in match.group(0) and _NOT_A_POOL.search(_enclosing_call(text, match.start())):
            continue  # a VM disk's or an App Service plan's OS, written as a string
        if match.re is whole and (_allowed_list(text, match.start()) or _union_member(text, match.start(), match.end())):
            continue  # `@allowed(['Linux', 'Windows'])`, `contains(["Linux", "Windows"], var.os)`, `osSKU: ('Ubuntu' | 'Windows2022')?`
        line = text.count("\n", 0, match.start()) + 1
        if line not in lines and not any(start <= match.start() < end for start, end in excluded):
            lines.add(line)
            found.append(f"{relpath}:{line} ({text.splitlines()[line - 1].strip()[:60]})")
    return inputs + tuple(found)


def _union_member(text: str, start: int, end: int) -> bool:
    """A member of a Bicep union type (`| 'Windows2022'`): the values a type allows, not a pool's OS."""
    before, after = text[max(0, start - 200):start].rstrip(), text[end:end + 200].lstrip()
    return before.endswith("|") or after.startswith("|")


def _allowed_list(text: str, at: int) -> bool:
    """The string at `at` is an element of a list literal that also names a Linux OS: the values an
    input allows, not a pool's OS."""
    depth, start = 0, None
    for index in range(at - 1, max(-1, at - 2000), -1):
        char = text[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                start = index if char == "[" else None
                break
            depth -= 1
    if start is None:
        return False
    end = text.find("]", at)
    return end != -1 and _LINUX.search(text, start, end) is not None


def _commented_out(text: str, line_markers: str, blocks: bool = True) -> list[tuple[int, int]]:
    """Spans of code commented out: lines that start with a line-comment marker, and block comments
    that start a line (`/* ... */`, where the format has them). Only whole lines: a marker after code,
    or `/*` inside a string (`"Microsoft.Storage/*"`), must never hide a real setting -- counting a
    comment as a pool is the cautious error, missing a pool is not."""
    spans = [m.span() for m in re.finditer(rf"^[ \t]*(?:{line_markers}).*$", text, re.MULTILINE)]
    if blocks:
        spans += [m.span() for m in re.finditer(r"^[ \t]*/\*.*?\*/", text, re.MULTILINE | re.DOTALL)]
    return spans


def _enclosing_call(text: str, at: int) -> str:
    """The name of the innermost call whose parentheses hold `at` ("" at the top level): the
    bracket depth is counted backwards, strings aside only roughly (good enough for a name)."""
    depth = 0
    for index in range(at - 1, -1, -1):
        char = text[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                if char == "(":
                    callee = _CALLEE.search(text, 0, index)
                    return callee.group(1) if callee else ""
                continue  # a dict or list literal: its call is further out
            depth -= 1
    return ""


def with_evidence(cluster: Cluster, files: Mapping[str, bytes], foreign: frozenset[str] = frozenset(),
                  standalone: frozenset[str] = frozenset()) -> Cluster:
    """The cluster with the Windows pools its deployment's text names, where its locator found none,
    and the Windows Server versions the deployment names (calico's limit)."""
    if not cluster.windows_pools:
        found = windows_evidence(files, foreign, standalone)
        if not found:
            return cluster
        cluster = replace(cluster, windows_pools=tuple(f"a node pool set to Windows at {place}" for place in found))
    skus = tuple(sorted({sku for relpath in sorted(files) for sku in _file_skus(files[relpath])}))
    return replace(cluster, windows_skus=skus) if skus else cluster


# A Windows Server version as an OS SKU value: "Windows2022", 'Windows2025', WINDOWS2025 (a Python enum).
_SKU = re.compile(r"""(?<![\w-])["']?(?i:windows)(20\d\d|annual)\b""")


@lru_cache(maxsize=1024)
def _file_skus(body: bytes) -> tuple[str, ...]:
    """The Windows OS SKUs a file names: every place, cautiously (a SKU in a list that also names
    Linux, or in a type union, is a list of allowed values and left out)."""
    if b"indows" not in body and b"INDOWS" not in body:
        return ()
    text = body.decode("utf-8", "replace")
    found = set()
    for match in _SKU.finditer(text):
        if _allowed_list(text, match.start()) or _union_member(text, match.start(), match.end()):
            continue
        found.add("Windows" + match.group(1).capitalize())
    return tuple(sorted(found))


_OS_KEY = re.compile(r"\w*os_?(?:type|sku)\w*", re.IGNORECASE)
_CLUSTER_TYPES = ("microsoft.containerservice/managedclusters", "microsoft.resources/deployments")


def _json_evidence(relpath: str, body: bytes, standalone: bool = False) -> list[str]:
    """ARM templates and parameters files: an OS key whose value (or `value` / `defaultValue`) is a
    Windows literal, anywhere but inside a resource of another type (a VM's osDisk.osType). In a
    `standalone` pool-only template an agent pool's osType expression counts when the input it reads
    may be Windows (pool_inputs.py)."""
    if b"indows" not in body and b"INDOWS" not in body and not (standalone and b"gentPools" in body):
        return []
    try:
        root = jsonspan.parse(body, lazy=False)  # read whole here: a lazy node would fail later, inside the walk
    except jsonspan.JsonSpanError:
        return []
    found = []

    def walk(node, key: str = "") -> None:
        if node.kind == "object":
            kind = node.get_ci("type")
            if kind is not None and kind.kind == "string" and node.get_ci("apiVersion") is not None and \
                    not str(kind.value).lower().startswith(_CLUSTER_TYPES):
                return  # a resource of another type
            if standalone and kind is not None and str(kind.value).lower().endswith("/agentpools"):
                unread = arm_pool_os(root, node.get("properties"))
                if unread:
                    found.append(f"{relpath}:{line_of(body, node.start)} (osType {unread})")
            if _OS_KEY.fullmatch(key):
                inner = node.get("value") or node.get("defaultValue")
                if inner is not None and inner.kind == "string" and str(inner.value).lower().startswith("windows"):
                    found.append(f"{relpath}:{line_of(body, node.start)} ({key}: {inner.value})")
            for name, _, value in node.members:
                walk(value, name)
        elif node.kind == "array":
            for item in node.items:
                walk(item, key)
        elif node.kind == "string" and _OS_KEY.fullmatch(key) and str(node.value).lower().startswith("windows"):
            found.append(f"{relpath}:{line_of(body, node.start)} ({key}: {node.value})")

    walk(root)
    return found


def _format_of(relpath: str, text: str, pools: bool = False):
    if relpath.endswith((".tf", ".tfvars", ".hcl")):
        return _HCL, _blocks(text, _HCL_BLOCK, _hcl_module_source) + _commented_out(text, "#|//")
    if relpath.endswith((".bicep", ".bicepparam")):
        return _BICEP, _blocks(text, _BICEP_BLOCK, _bicep_module_source, pools) + _commented_out(text, "//")
    if relpath.endswith(".py"):  # no blocks: a string inside a VM's or App Service's call is left out by its callee
        return _PYTHON, _commented_out(text, "#", blocks=False)
    if relpath.endswith((".yaml", ".yml")):  # Pulumi stack config: no blocks, comments aside
        return _YAML, _commented_out(text, "#", blocks=False)
    if relpath.endswith(".json"):  # .tfvars.json: no resource blocks to leave out
        return _JSON_VALUE, []
    return None, []


def _hcl_module_source(block: str, header: re.Match) -> str:
    source = _HCL_SOURCE.search(block)
    return source.group(1) if source else ""


def _bicep_module_source(block: str, header: re.Match) -> str:
    """A Bicep module's path; a local one (no registry or template-spec scheme) as `./path`, so that
    a call of a module of the repository counts like a local Terraform module's."""
    source = header.group(2)
    return source if ":" in source or source.startswith(("br/", "ts/")) else "./" + source.removeprefix("./")


def _blocks(text: str, header_pattern: re.Pattern, source_of, pools: bool = False) -> list[tuple[int, int]]:
    """Spans of the top-level blocks whose OS keys are not node-pool evidence: every resource (and
    data) block, and module calls of modules that are not AKS ones. A block ends at the first `}` in
    column 0 after its header (the layout `terraform fmt` and the Bicep formatter keep). `pools`: an
    agent-pool resource's block is evidence too (a module's, which no locator ties to the cluster)."""
    spans = []
    for header in header_pattern.finditer(text):
        close = _CLOSE.search(text, header.end())
        end = close.end() if close else len(text)
        block = text[header.start():end]
        if header.group(1) == "module" and _AKS_MODULE.search(source_of(block, header) or ""):
            continue
        if header.group(1) == "resource" and header.group(2) == "azapi_resource" and _AZAPI_POOL.search(block):
            continue  # an agent pool PUT by azapi: no locator ties it to a cluster
        if pools and header.group(1) == "resource" and _POOL_TYPE.search(header.group(2)):
            continue  # an agent pool in a module the cluster's template calls
        spans.append((header.start(), end))
    return spans
