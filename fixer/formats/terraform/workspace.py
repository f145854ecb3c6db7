"""What akfix has read of a Terraform tree, and the module scopes built from it.

Files are read once and kept as TextFiles; a module's value files (.tf, .tfvars, .tfvars.json) are
read only when one of its clusters has an expression to follow, and callers of local modules are
indexed only then too.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from fixer.discover import Listing, read_safely
from fixer.formats.terraform import hcl, terragrunt
from fixer.formats.terraform.decls import ClusterLookup, FileDecls, is_override_file
from fixer.formats.terraform.links import Links
from fixer.formats.terraform.values import CallerRef, Each, ModuleScope, is_auto_tfvars
from fixer.model import Problem
from fixer.textfile import TextFile, UnreadableText, load_text

VALUE_FILES = (".tf", ".tfvars", ".tfvars.json")


@dataclass
class Located:
    """Everything read from the tree, kept so that verification can re-plan edited files."""

    listing: Listing
    texts: dict[str, TextFile]  # every file read: cluster files and the value files of their modules
    decls: dict[str, FileDecls]
    planned: list = field(default_factory=list)  # adapter.Planned, in file order
    module_files: dict[str, list[str]] = field(default_factory=dict)  # module dir -> value files read
    callers: dict[str, list[tuple[tuple[str, ...], str]]] | None = None  # module dir -> (caller file + its overrides, module name)
    callees: dict[str, list[str]] | None = None  # caller folder -> the local modules it calls (local_callees)
    caller_files: frozenset[str] | None = None  # files known to call a local module (None: unknown)
    _value_files_by_dir: dict[str, list[str]] | None = None
    edit_cache: dict = field(default_factory=dict)  # (planned key, fix id) -> edits, see adapter._edits
    links: Links = field(default_factory=lambda: Links({}))  # in-tree symlinks: edits go to their targets
    json_declarations: dict = field(default_factory=dict)  # module dir -> names its .tf.json files declare
    floor_sites: dict = field(default_factory=dict)  # module dir -> constraints.ConstraintSite of a provider floor
    floor_private: dict = field(default_factory=dict)  # module dir -> its floor reaches no folder reading it through a link
    # (module dir, cluster address) -> every input the views of that cluster give the module (Change.exposes):
    # each view's edit of the shared block and declarations names them all, so the views' edits agree
    exposed_inputs: dict = field(default_factory=dict)
    declared_variables: dict = field(default_factory=dict)  # module dir -> {variable: file}, parsed once (inputs.py)
    _terragrunt: dict | None = None  # module dir -> [terragrunt.Configuration], read on first need
    _pools: dict | None = None  # folder -> its node-pool declarations (pools_in)
    states: dict = field(default_factory=dict)  # root folder -> its state files (state.py), read on first need
    _loose_tfvars: dict | None = None  # tfvars file outside any module -> the names it sets, read on first need
    _looked_up: tuple | None = None  # node pools attached through a cluster data source (looked_up_pools)
    _dependents: dict | None = None  # Terragrunt unit folder -> module folders of the units that depend on it

    def pools_in(self, folder: str) -> tuple:
        """(file, declaration) of the node pools of one folder (indexed once per run)."""
        if self._pools is None:
            self._pools = {}
            for relpath, found in self.decls.items():
                for pool in found.node_pools:
                    self._pools.setdefault(posixpath.dirname(relpath), []).append((relpath, pool))
        return tuple(self._pools.get(folder, ()))

    def looked_up_pools(self) -> tuple:
        """(file, pool, lookup) of the tree's node pools that may be Windows (a Windows literal, or an
        os_type read from inputs) attached to a cluster found by a `data "azurerm_kubernetes_cluster"`
        block: the lookup of the pool's folder (decls.ClusterLookup), None where none is found."""
        if self._looked_up is None:
            lookups: dict[tuple[str, str], object] = {}
            for relpath, found in self.decls.items():
                for lookup in found.cluster_lookups:
                    lookups.setdefault((posixpath.dirname(relpath), lookup.label), lookup)
            self._looked_up = tuple((relpath, pool, lookups.get((posixpath.dirname(relpath), pool.cluster_data))
                                     if pool.cluster_data is not None else self._id_lookup(relpath, pool.cluster_id))
                                    for relpath, found in sorted(self.decls.items()) for pool in found.node_pools
                                    if (pool.cluster_data is not None or pool.cluster_id is not None)
                                    and (pool.windows or pool.os_inputs is not None))
        return self._looked_up

    def _id_lookup(self, relpath: str, reference: str):
        """The cluster a pool's `kubernetes_cluster_id` names, where one ID is read: the literal, or the
        one value its folder's tfvars files and the variable's default give `var.x`. None: any cluster."""
        if reference.startswith("local."):
            return None
        if reference.startswith("var."):
            name = reference[4:].split(".")[0].split("[")[0]
            setting = re.compile(rb'(?m)^\s*' + re.escape(name.encode()) + rb'\s*=\s*"([^"]*)"')
            folder = posixpath.dirname(relpath)
            found = {m.group(1).decode("utf-8", "replace") for f in self.value_files(folder) if _load(self, f, None)
                     for m in setting.finditer(self.texts[f].body)}
            if len(found) != 1:
                return None
            reference = found.pop()
        match = _CLUSTER_ID.search(reference)
        return ClusterLookup(reference, match.group(2), match.group(1)) if match else None

    def terragrunt(self, module_dir: str) -> list:
        """The Terragrunt configurations of the tree that run this module (terragrunt.py)."""
        return self.terragrunt_runs().get(module_dir, [])

    def terragrunt_dependents(self, module_dir: str) -> list[str]:
        """The module folders that Terragrunt units depending on a unit of this module run (a
        node-pool unit whose `dependency "aks"` names the cluster's unit): one deployment."""
        if self._dependents is None:
            self._dependents = {}
            for folder, configurations in sorted(self.terragrunt_runs().items()):
                for configuration in configurations:
                    for unit in configuration.depends_on:
                        self._dependents.setdefault(unit, []).append(folder)
        units = [posixpath.dirname(c.relpath) for c in self.terragrunt(module_dir)]
        return list(dict.fromkeys(folder for unit in units for folder in self._dependents.get(unit, ())))

    def remote_terragrunt_runs(self) -> list:
        """The tree's Terragrunt configurations that run an AKS-looking module from outside it."""
        runs = []
        for relpath in self.listing.files:
            if posixpath.basename(relpath) == terragrunt.NAME and _load(self, relpath, None) and b"source" in self.texts[relpath].body:
                found = terragrunt.remote_run(relpath, self.texts[relpath].body)
                if found is not None:
                    runs.append(found)
        return sorted(runs, key=lambda r: r.file)

    def terragrunt_runs(self) -> dict:
        """Module dir -> the Terragrunt configurations that run it, read once."""
        if self._terragrunt is None:
            bodies = {relpath: self.texts[relpath].body for relpath in self.listing.files
                      if posixpath.basename(relpath) == terragrunt.NAME and _load(self, relpath, None)}

            def read(relpath: str) -> bytes | None:  # a file an include looks for (root.hcl)
                listed = relpath in self.listing.by_folder.get(posixpath.dirname(relpath), ())
                return self.texts[relpath].body if listed and _load(self, relpath, None) else None

            self._terragrunt = terragrunt.configurations(bodies, read)
        return self._terragrunt

    def loose_tfvars(self) -> dict[str, frozenset[str]]:
        """tfvars files in folders with no .tf file and no terragrunt.hcl (`tfvars/prod/prod.tfvars`,
        `environments/dev/terraform.tfvars`): passed to some root with `-var-file`; each -> the
        variables it sets (tfvars_names)."""
        if self._loose_tfvars is None:
            self._loose_tfvars = {}
            for relpath in self.listing.files:
                if not relpath.endswith((".tfvars", ".tfvars.json")):
                    continue
                siblings = self.listing.by_folder.get(posixpath.dirname(relpath), ())
                if any(s.endswith(".tf") or posixpath.basename(s) == terragrunt.NAME for s in siblings):
                    continue
                if _load(self, relpath, None):
                    names = tfvars_names(relpath, self.texts[relpath].body)
                    if names:
                        self._loose_tfvars[relpath] = names
        return self._loose_tfvars

    def loose_tfvars_for(self, module_dir: str, variables) -> list[str]:
        """The loose tfvars files that may be environments of the module: it declares every variable
        one sets, and the file sits in no other module's folder. `app1/environments/dev.tfvars` is
        app1's (the nearest folder above it with .tf files), never app2's, which declares the same
        variables; a file above or beside every module (`tfvars/prod.tfvars`) may be any one's."""
        return [relpath for relpath, names in sorted(self.loose_tfvars().items())
                if names <= variables and self._within_owner(relpath, module_dir)]

    def _within_owner(self, relpath: str, module_dir: str) -> bool:
        folder = posixpath.dirname(posixpath.dirname(relpath)) if "/" in relpath else None
        while folder is not None:
            if any(s.endswith(".tf") for s in self.listing.by_folder.get(folder, ())):
                return module_dir == folder or module_dir.startswith(folder + "/") or folder == ""
            folder = posixpath.dirname(folder) if folder else None
        return True

    def value_files(self, module_dir: str) -> list[str]:
        """The .tf / .tfvars / .tfvars.json files directly in a directory (indexed once)."""
        if self._value_files_by_dir is None:
            self._value_files_by_dir = {}
            for relpath in self.listing.files:
                if relpath.endswith(VALUE_FILES):
                    self._value_files_by_dir.setdefault(posixpath.dirname(relpath), []).append(relpath)
        return self._value_files_by_dir.get(module_dir, [])


# A managed cluster's resource ID: /subscriptions/.../resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/NAME
_CLUSTER_ID = re.compile(r"/resourceGroups/([^/]+)/providers/Microsoft\.ContainerService/managedClusters/([^/\s\"]+)", re.I)

MAX_CALLER_DEPTH = 3
LOCAL_SOURCE = re.compile(rb'\bsource\s*=\s*"\.{1,2}/')


def module_scope(located: Located, module_dir: str, problems: list[Problem] | None, bodies: dict[str, bytes] | None = None, depth: int = 0) -> ModuleScope:
    """The module's variables, locals and tfvars (reading the files not read yet), and the scopes
    of the modules that call it. `bodies` overrides file contents (verification of edits)."""
    bodies = bodies or {}
    files = {p: bodies.get(p, located.texts[p].body) for p in _module_files(located, module_dir, problems)}
    scope = ModuleScope.build(module_dir, files)
    scope.json_declared = _json_declarations(located, module_dir)
    for relpath in located.loose_tfvars_for(module_dir, scope.variables.keys()):
        # a tfvars file of no module, setting only variables this module declares: an environment
        # of it (`-var-file=../tfvars/prod/prod.tfvars`), loaded by name on no run
        scope.add_var_file(relpath, bodies.get(relpath, located.texts[relpath].body))
    for configuration in located.terragrunt(module_dir):
        scope.callers.append(_terragrunt_caller(located, configuration, bodies, scope.auto_tfvars))
    own_tfvars = [f for f in scope.auto_tfvars if posixpath.dirname(f) == module_dir]
    if depth < MAX_CALLER_DEPTH:
        for files, name in local_callers(located).get(module_dir, []):
            caller = module_scope(located, posixpath.dirname(files[0]), problems, bodies, depth + 1)
            blocks = [(relpath, node) for relpath in files if (node := _module_block(caller, relpath, name)) is not None]
            if blocks and blocks[0][0] == files[0]:
                label = f"{posixpath.dirname(files[0]) or '.'}: module.{name}"
                for instance, bound in _caller_instances(caller, files[0], blocks[0][1]):
                    scope.callers.append(CallerRef(label + instance, bound, files[0], blocks[0][1], tuple(blocks[1:])))
    if len(own_tfvars) == 1 and any(c.unread is None and not c.own_run for c in scope.callers):
        # a module folder with a terraform.tfvars of its own is applied on its own too (module blocks
        # never load that file): one more deployment, whose values it sets and whose defaults it shares
        tfvars = own_tfvars[0]
        source = scope.sources.get(tfvars)
        if source is not None and source.root is not None:
            scope.callers.append(CallerRef(f"{module_dir or '.'} (its own run)", scope, tfvars, hcl.body_of(source.root), own_run=True))
    return scope


def _caller_instances(caller: ModuleScope, relpath: str, block: Node) -> list[tuple[str, ModuleScope]]:
    """A module block with `for_each` calls the module once per key: ('["key"]', the caller's scope
    with each bound to that instance) for each, as Terraform addresses them (`module.aks["dev"]`).
    Without for_each, the block once; with one whose instances differ per environment or cannot be
    listed, once, each left unbound (the arguments that read it stay unresolved, with the reason)."""
    attribute = hcl.attribute(hcl._block(block).body, "for_each")
    collection = hcl.expression_of(attribute) if attribute is not None else None
    if collection is None:
        return [("", caller)]
    listed = caller.instances(collection, relpath)
    if isinstance(listed, str) or any(instances.environment is not None for instances, _ in listed):
        why = listed if isinstance(listed, str) else "they differ per environment"
        return [("", replace(caller, each=Each.unlisted(collection, why)))]
    return [(f'["{each.key}"]', replace(caller, each=each)) for _, each in listed]


def tfvars_names(relpath: str, body: bytes) -> frozenset[str]:
    """The variables a tfvars file sets (its top-level attributes, or keys in JSON)."""
    if relpath.endswith(".json"):
        try:
            document = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            return frozenset()
        return frozenset(document) if isinstance(document, dict) else frozenset()
    return frozenset(name for name, _ in hcl.attributes(hcl.body_of(hcl.parse(body).root_node)))


def _terragrunt_caller(located: Located, configuration, bodies: dict[str, bytes], module_tfvars: list[str]) -> CallerRef:
    """A Terragrunt configuration as a caller: its inputs object plays the module block's part.
    Terragrunt passes inputs as TF_VAR_ variables, which every var file beats (its docs, "Inputs"):
    the module folder's terraform.tfvars / *.auto.tfvars, the unit folder's (Terragrunt copies that
    folder into its working copy), and the files `extra_arguments` pass (`required_var_files`). A
    variable one of those may set is undecided for the unit, never the inputs' value."""
    relpath = configuration.relpath
    folder = posixpath.dirname(relpath)
    body = bodies.get(relpath, located.texts[relpath].body)
    scope = ModuleScope.build(folder, {relpath: body})
    root = hcl.body_of(scope.sources[relpath].root)
    node = hcl.attribute(root, "inputs")
    inputs = hcl.object_node(hcl.expression_of(node)) if node is not None else None
    unit_tfvars = [f for f in located.listing.by_folder.get(folder, ()) if is_auto_tfvars(f) and _load(located, f, None)]
    setters = {name: f for f in (*module_tfvars, *unit_tfvars) for name in tfvars_names(f, bodies.get(f, located.texts[f].body))}
    passes_var_files = b"required_var_files" in body or b"optional_var_files" in body

    def unread(name: str) -> str | None:
        if name in setters:
            return f"{setters[name]} sets it, and a var file wins over Terragrunt's inputs (TF_VAR_)"
        if passes_var_files:
            return f"a var file that {relpath}'s extra_arguments pass may set it (Terragrunt)"
        return configuration.unread(name)

    return CallerRef(f"{folder or '.'}: terragrunt", scope, relpath, inputs if inputs is not None else root, unread=unread,
                     beaten=frozenset(setters))


def _module_block(scope: ModuleScope, relpath: str, name: str):
    source = scope.sources.get(relpath)
    if source is None or source.root is None:
        return None
    return next((b.node for b in hcl.blocks(hcl.body_of(source.root)) if b.type == "module" and b.labels == (name,)), None)


def _json_declarations(located: Located, module_dir: str) -> dict[str, str]:
    """`var.x` / `local.x` -> the folder's .tf.json file that declares it (names only: akfix does not
    evaluate JSON-syntax declarations). Read once per folder."""
    if module_dir not in located.json_declarations:
        found: dict[str, str] = {}
        for relpath in located.listing.by_folder.get(module_dir, ()):
            if not relpath.endswith(".tf.json"):
                continue
            data, _ = read_safely(located.listing.root, located.listing.root / relpath, relpath)  # its own reader reports problems
            try:
                document = json.loads(data.decode("utf-8-sig")) if data else None
            except (ValueError, UnicodeDecodeError, RecursionError):
                continue
            for key, kind in (("variable", "var"), ("locals", "local")):
                blocks = document.get(key) if isinstance(document, dict) else None
                for block in blocks if isinstance(blocks, list) else [blocks]:
                    for name in block if isinstance(block, dict) else ():
                        found.setdefault(f"{kind}.{name}", relpath)
        located.json_declarations[module_dir] = found
    return located.json_declarations[module_dir]


def read_module_files(located: Located, module_dir: str, problems: list[Problem] | None) -> list[str]:
    """The module's .tf / .tfvars files, read into `located.texts` once."""
    return _module_files(located, module_dir, problems)


def _module_files(located: Located, module_dir: str, problems: list[Problem] | None) -> list[str]:
    if module_dir not in located.module_files:
        located.module_files[module_dir] = [p for p in located.value_files(module_dir) if _load(located, p, problems)]
    return located.module_files[module_dir]


def _load(located: Located, relpath: str, problems: list[Problem] | None) -> bool:
    if relpath in located.texts:
        return True
    data, problem = read_safely(located.listing.root, located.listing.root / relpath, relpath)
    if problem and problems is not None:
        problems.append(problem)
    if data is None:
        return False
    try:
        located.texts[relpath] = load_text(data)
    except UnreadableText as exc:
        if problems is not None:
            problems.append(Problem(relpath, exc.line, f"{exc}; left untouched"))
        return False
    return True


def local_callers(located: Located) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """module dir -> the module blocks that call it with a local source: (files, name), files being
    the block's own file then the override files that merge into it (`*_override.tf`, lexically).
    An override's `source` replaces the original's, so `v4_example/main.tf -> ../example/main.tf`
    beside a `main_override.tf` setting `source = "../../v4"` calls v4, not the root."""
    if located.callers is None:
        located.callers = {}
        for folder, found in sorted(_module_calls(located).items()):
            for name, blocks in sorted(found.items()):
                base = [b for b in blocks if not is_override_file(b[0])]
                overrides = sorted((b for b in blocks if is_override_file(b[0])), key=lambda b: posixpath.basename(b[0]))
                # No base block: an override of nothing. Two: a duplicate module call. Terraform refuses
                # both; the duplicates are still each a caller, so that no module loses one (its version
                # bounds, its values) to a name clash.
                for first in base:
                    target = next((source for _, source in reversed([first, *overrides]) if source is not None), None)
                    if not target or not target.startswith(("./", "../")):
                        continue
                    resolved = posixpath.normpath(posixpath.join(folder, target))
                    if not resolved.startswith(".."):
                        files = (first[0], *(relpath for relpath, _ in overrides))
                        located.callers.setdefault("" if resolved == "." else resolved, []).append((files, name))
    return located.callers


def local_callees(located: Located) -> dict[str, list[str]]:
    """caller folder -> the local modules it calls: local_callers turned around, built once per run."""
    if located.callees is None:
        located.callees = {}
        for callee, found in local_callers(located).items():
            for files, _name in found:
                located.callees.setdefault(posixpath.dirname(files[0]), []).append(callee)
    return located.callees


def version_callers(located: Located) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """local_callers, and the Terragrunt configurations that run each module: a unit's folder holds
    the lock file Terragrunt copies back beside terragrunt.hcl, which pins the provider for that
    deployment as a calling root's lock does (versions.VersionResolver)."""
    calls = {module_dir: list(found) for module_dir, found in local_callers(located).items()}
    for module_dir, configurations in sorted(located.terragrunt_runs().items()):
        calls.setdefault(module_dir, []).extend(((c.relpath,), terragrunt.NAME) for c in configurations)
    return calls


def _module_calls(located: Located) -> dict[str, dict[str, list[tuple[str, str | None]]]]:
    """folder -> module name -> (file, source or None) of each `module` block, in the files that
    call a local module and the override files beside them."""
    files = set(located.caller_files if located.caller_files is not None else located.listing.files)
    files = {f for f in files if f.endswith(".tf")}
    for folder in {posixpath.dirname(f) for f in files}:
        files.update(f for f in located.listing.by_folder.get(folder, ()) if f.endswith(".tf") and is_override_file(f))
    calls: dict[str, dict[str, list[tuple[str, str | None]]]] = {}
    for relpath in sorted(files):
        data, _ = read_safely(located.listing.root, located.listing.root / relpath, relpath)
        if not data or b"module" not in data or not (is_override_file(relpath) or LOCAL_SOURCE.search(data)):
            continue
        root = hcl.parse(data.removeprefix(b"\xef\xbb\xbf")).root_node
        for block in hcl.blocks(hcl.body_of(root)):
            if block.type != "module" or len(block.labels) != 1:
                continue
            source = hcl.attribute(block.body, "source")
            target = hcl.string_content(hcl.expression_of(source)) if source is not None and hcl.expression_of(source) else None
            calls.setdefault(posixpath.dirname(relpath), {}).setdefault(block.labels[0], []).append((relpath, target))
    return calls
