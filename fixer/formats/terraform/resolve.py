"""Give a cluster the values its expressions evaluate to, one view per tfvars environment."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from tree_sitter import Node

from fixer.formats.terraform import azapi, hcl
from fixer.formats.terraform.editor import block_key, dynamic_profile
from fixer.formats.terraform.expressions import decide_setting
from fixer.formats.terraform.values import Candidate, Each, ModuleScope, required_unset
from fixer.model import MISSING, Cluster, Spot, Value, ValueKind, settle_data_plane

# Profile field -> the attribute names it is read from (provider names; ARM names for azapi).
_FIELDS = {
    "policy": ("network_policy", "networkPolicy"),
    "plugin": ("network_plugin", "networkPlugin"),
    "plugin_mode": ("network_plugin_mode", "networkPluginMode"),
    "data_plane": ("network_data_plane", "ebpf_data_plane", "networkDataplane", "network_dataplane"),  # the last: AVM's object
    "data_plane_alternate": ("network_data_plane",),  # only beside ebpf_data_plane (model.settle_data_plane)
}
API_EXPRESSION = "expression: "


def needs_values(cluster: Cluster) -> bool:
    profile = cluster.profile
    fields = (profile.policy, profile.plugin, profile.plugin_mode, profile.data_plane, profile.data_plane_alternate)
    return (any(v.kind is ValueKind.EXPRESSION for v in fields) or (cluster.api_version or "").startswith(API_EXPRESSION)
            or profile.block_dynamic or profile.kubernetes_version.kind is ValueKind.EXPRESSION)


def _version_expression(cluster: Cluster, resource: hcl.Block) -> Node | None:
    """The expression that sets the cluster's Kubernetes version (read, never written: AKS refuses
    NPM and Calico below 1.30, so a variable's default or tfvars value decides whether they fit)."""
    kind, labels = block_key(cluster.address)
    if kind != "module" and labels[0] == azapi.AZAPI_TYPE:
        found = hcl.object_element(azapi.properties(resource), "kubernetesVersion")
        return found[1] if found else None
    attribute = hcl.attribute(resource.body, "kubernetes_version")
    return hcl.expression_of(attribute) if attribute is not None else None


def _entries(cluster: Cluster, resource: hcl.Block, scope: ModuleScope) -> tuple[str, dict[str, Node], bool]:
    """(file, name -> value expression, whole) of whatever holds the cluster's network settings;
    `whole`: the entries are the entire network profile, so a name they lack is not set at all."""
    kind, labels = block_key(cluster.address)
    if kind == "module":
        argument = hcl.attribute(resource.body, "network_profile")
        expression = hcl.expression_of(argument) if argument is not None else None
        obj = hcl.object_node(expression) if expression is not None else None
        if obj is not None:  # AVM: a network_profile object
            return cluster.profile_file, {key: value for key, _, value in hcl.object_elements(obj)}, False
        # ... or one a local holds: `network_profile = local.network_profile`
        held = scope.local_object(expression, cluster.profile_file) if expression is not None else None
        if held is not None:
            return held[0], held[1], True
        return cluster.profile_file, {name: hcl.expression_of(node) for name, node in hcl.attributes(resource.body)}, False
    if labels[0] == azapi.AZAPI_TYPE:
        return cluster.profile_file, {key: value for key, _, value in hcl.object_elements(azapi.network_profile(resource))}, False
    block = next((b for b in hcl.blocks(resource.body) if b.type == "network_profile"), None)
    dynamic = dynamic_profile(resource) if block is None else None
    block = dynamic[1] if dynamic is not None else block  # its content plays the block's part
    return cluster.profile_file, {name: hcl.expression_of(node) for name, node in hcl.attributes(block.body if block else None)}, False


def _object_variable(cluster: Cluster, resource: hcl.Block, scope: ModuleScope) -> str | None:
    """`network_profile = var.network_profile` in a module call, the variable typed as an object:
    its name. Each setting is then read as that variable's member, wherever its value comes from
    (a tfvars file, a caller, the default, the type's `optional(..., default)`)."""
    kind, _ = block_key(cluster.address)
    argument = hcl.attribute(resource.body, "network_profile") if kind == "module" else None
    return scope.object_variable(hcl.expression_of(argument)) if argument is not None else None


def resolve_cluster(cluster: Cluster, scope: ModuleScope, named: Callable | None = None, expand: bool = False) -> list[Cluster]:
    """The cluster's views with their values followed. `named(cluster, views, scope)` (live facts
    given): names the views of each for_each instance in that instance's scope -- and a cluster whose
    name reads `each.` is split into its instances for that alone, so each is matched on its own.
    `expand` (a plan given): every for_each cluster is split into its instances, which the plan
    records one by one (`type.name["key"]`)."""
    source = scope.sources.get(cluster.profile_file)
    if source is None or source.root is None:
        return [cluster]
    kind, labels = block_key(cluster.address)
    resource = hcl.top_block(source.root, kind, labels)
    if resource is None:
        return [cluster]
    for_each = hcl.attribute(resource.body, "for_each") if kind == "resource" else None
    collection = hcl.expression_of(for_each) if for_each is not None else None
    count = hcl.attribute(resource.body, "count") if kind in ("resource", "module") and for_each is None else None
    if count is not None and _reads(cluster, resource, _COUNT):
        return _count_views(cluster, resource, scope, hcl.expression_of(count))
    if collection is None or not (expand or _reads_each(cluster, resource) or (named is not None and _named_by_each(cluster, resource))):
        return _views(cluster, resource, scope)
    return _instance_views(cluster, resource, scope, collection, named)


def _named_by_each(cluster: Cluster, resource: hcl.Block) -> bool:
    """The Azure name (or resource group) is written with `each.`: every instance has its own."""
    texts = [hcl.text(node) for name in ("name", "resource_group_name") if (node := hcl.attribute(resource.body, name)) is not None]
    return any(_EACH.search(t) for t in texts)


def _reads_each(cluster: Cluster, resource: hcl.Block) -> bool:
    """Some network setting (or the azapi type, or whether a dynamic profile renders) is written
    with `each.`: one view per instance."""
    return _reads(cluster, resource, _EACH)


def _reads(cluster: Cluster, resource: hcl.Block, pattern: re.Pattern) -> bool:
    profile = cluster.profile
    texts = [v.text for v in (profile.policy, profile.plugin, profile.plugin_mode, profile.data_plane, profile.data_plane_alternate)
             if v.kind is ValueKind.EXPRESSION] + [cluster.api_version or ""]
    dynamic = dynamic_profile(resource) if profile.block_dynamic else None
    if dynamic is not None and (for_each := hcl.attribute(dynamic[0].body, "for_each")) is not None:
        texts.append(hcl.text(for_each))
    return any(pattern.search(t or "") for t in texts)


_EACH = re.compile(r"\beach\.")
_COUNT = re.compile(r"\bcount\.index\b")


def _noted(profile, why: str):
    """The profile with `why` on every setting that reads count.index and stayed unresolved."""
    def noted(value: Value) -> Value:
        return replace(value, note=why) if value.kind is ValueKind.EXPRESSION and _COUNT.search(value.text or "") else value
    return replace(profile, **{field: noted(getattr(profile, field)) for field in _FIELDS})


def _count_views(cluster: Cluster, resource: hcl.Block, scope: ModuleScope, expression) -> list[Cluster]:
    """The views of every instance of a `count` cluster whose settings read `count.index`
    (`var.clusters[count.index].network_policy`): count.index bound to each index, per environment
    as the list is set. Where akfix cannot count the instances, count.index stays unread."""
    listed = scope.count_indexes(expression, cluster.profile_file) if expression is not None else "count is empty"
    if isinstance(listed, str):
        return [replace(v, profile=_noted(v.profile, f"count.index: {listed}")) for v in _views(cluster, resource, scope)]
    own = {instances.environment for instances in listed if instances.environment is not None}
    out: list[Cluster] = []
    for instances in listed:
        for index in instances.keys:
            mine = _listed_in(_views(cluster, resource, replace(scope, count_index=index)), instances.environment, own)
            out += [replace(v, instance=index, instance_is_index=True,
                            environment=instance_label(v.environment or instances.file, index, counted=True)) for v in mine]
    return out


def _listed_in(views: list[Cluster], environment: str | None, own: set[str]) -> list[Cluster]:
    """The views of an instance that `environment` lists: that environment's own (or the shared ones,
    named after it); for an instance every run lists (None), the views of the environments that do
    not list their own instances."""
    if environment is None:
        return [v for v in views if v.environment not in own]
    return [v for v in views if v.environment == environment] or [
        replace(v, environment=environment) for v in views if v.environment is None]


def _instance_views(cluster: Cluster, resource: hcl.Block, scope: ModuleScope, collection: Node, named: Callable | None = None) -> list[Cluster]:
    """The views of every instance of a `for_each` cluster: each.key and each.value bound to the
    instance, per environment as the collection lists them. An environment that lists its own
    instances (a -var-file, a caller) takes only those; the others take what every run lists."""
    listed = scope.instances(collection, cluster.profile_file)
    if isinstance(listed, str):
        return _views(cluster, resource, replace(scope, each=Each.unlisted(collection, listed)))
    own = {instances.environment for instances, _ in listed if instances.environment is not None}
    out: list[Cluster] = []
    for instances, each in listed:
        bound = replace(scope, each=each)
        views = _views(cluster, resource, bound)
        if named is not None:
            views = named(cluster, views, bound)
        mine = _listed_in(views, instances.environment, own)
        out += [replace(v, instance=each.key, environment=instance_label(v.environment or instances.file, each.key)) for v in mine]
    return out


def instance_label(environment: str, key: str, counted: bool = False) -> str:
    """How a view of one instance is named: where its values come from, and its key (its
    count.index for a `count` instance)."""
    binding = f"count.index = {key}" if counted else f'each.key = "{key}"'
    return f'{environment}{", " if ": " in environment else ": "}{binding}'


def instance_base(label: str) -> str:
    """instance_label's `environment`: the label without the key."""
    for separator in (", each.key = ", ": each.key = ", ", count.index = ", ": count.index = "):
        if separator in label:
            return label.rsplit(separator, 1)[0]
    return label


def _views(cluster: Cluster, resource: hcl.Block, scope: ModuleScope) -> list[Cluster]:
    if cluster.profile.block_dynamic:
        return _dynamic_views(cluster, resource, scope)
    return _field_views(cluster, resource, scope)


def _dynamic_views(cluster: Cluster, resource: hcl.Block, scope: ModuleScope) -> list[Cluster]:
    """A `dynamic "network_profile"` block read run by run: where it renders exactly one block, that
    block -- its content's settings read with the iterator bound to the element (and written there,
    or in the element's literal); where it renders none (`x != null ? [x] : []`, x null in that
    run), a cluster without a network profile, which a person gives one. Where akfix cannot tell, or
    it renders several, it stays a dynamic block, which a person edits."""
    several = sum(1 for b in hcl.blocks(resource.body) if b.type == "network_profile" or (b.type == "dynamic" and b.labels[:1] == ("network_profile",)))
    if several > 1:
        why = (f"the cluster has {several} network_profile blocks (dynamic ones among them), of which Terraform renders at most "
               "one: akfix does not tell which, so a person edits the one that renders")
        return [replace(cluster, profile=replace(cluster.profile, dynamic_why=why))]
    dynamic = dynamic_profile(resource)
    for_each = hcl.attribute(dynamic[0].body, "for_each") if dynamic is not None and dynamic[1] is not None else None
    if for_each is None:
        return [cluster]
    collection = hcl.expression_of(for_each)
    rendered = scope.rendered(collection, cluster.profile_file)
    if isinstance(rendered, str):
        return [replace(cluster, profile=replace(cluster.profile, dynamic_why=rendered))]
    views: list[Cluster] = []
    for environment, element in rendered.items():
        if element is None:
            why = f"for_each = {hcl.text(collection).strip()} renders no network_profile block in this run"
            views.append(replace(cluster, environment=environment, profile=replace(cluster.profile, dynamic_why=why, dynamic_none=True)))
            continue
        read = _field_views(cluster, resource, replace(scope, iterator=(dynamic[2], element)))
        if environment is None:  # the runs no environment of the condition names
            mine = [v for v in read if v.environment not in rendered or v.environment is None]
        else:
            mine = [v for v in read if v.environment == environment] or [
                replace(v, environment=environment) for v in read if v.environment is None]
        views += [replace(v, profile=replace(v.profile, block_dynamic=False, block_present=True)) for v in mine]
    return views


def _field_views(cluster: Cluster, resource: hcl.Block, scope: ModuleScope) -> list[Cluster]:
    file, entries, whole = _entries(cluster, resource, scope)
    held_by = _object_variable(cluster, resource, scope)
    whole = whole or held_by is not None
    inputs = dict(cluster.input_names)
    candidates: dict[str, list[Candidate]] = {}
    direct: dict[str, str] = {}  # field -> the variable it is as a whole (`var.NAME`)
    for field, attributes in _FIELDS.items():
        current: Value = getattr(cluster.profile, field)
        if current.kind is not ValueKind.EXPRESSION and not (whole and field != "data_plane_alternate"):
            continue
        if field == "data_plane" and cluster.profile.data_plane_attribute:
            attributes = (cluster.profile.data_plane_attribute, *attributes)  # the block may state two
        names = [inputs.get(a, a) for a in attributes]
        if held_by is not None:  # the variable's type lists the object's names: one it lacks is never set
            declared = next((n for n in names if scope.declares(held_by, (n,))), None)
            if declared is not None:
                candidates[field] = scope.variable_member(held_by, (declared,))
            elif current.kind is ValueKind.EXPRESSION:
                candidates[field] = [Candidate(MISSING)]
            continue
        expression = next((entries[n] for n in names if entries.get(n) is not None), None)
        if expression is not None:
            candidates[field] = decide_setting(scope, expression, file, field == "policy")
            if (name := _direct_variable(expression)) is not None:
                direct[field] = name
        elif whole and current.kind is ValueKind.EXPRESSION:
            candidates[field] = [Candidate(MISSING)]  # the object leaves it out
    version = _version_expression(cluster, resource) if cluster.profile.kubernetes_version.kind is ValueKind.EXPRESSION else None
    if version is not None:
        candidates["kubernetes_version"] = decide_setting(scope, version, cluster.profile_file, False)
    if (cluster.api_version or "").startswith(API_EXPRESSION):
        cluster = _resolve_api_version(cluster, resource, scope)
    environments = sorted({c.environment for found in candidates.values() for c in found if c.environment})
    views = []
    # Runs without a -var-file use the defaults and auto tfvars: a view of their own. (A called
    # module has no such run: every run goes through one of its callers.)
    tfvars_only = all(e.endswith((".tfvars", ".tfvars.json")) for e in environments)
    # ... unless a required variable only the -var-files set is read: Terraform refuses that run.
    plain_run = tfvars_only and not (environments and any(
        required_unset(c.value) for found in candidates.values() for c in found if c.environment is None))
    for environment in environments + ([None] if plain_run else []) or [None]:
        profile = cluster.profile
        for field, found in candidates.items():
            chosen = next((c for c in found if c.environment == environment), None) or next(
                (c for c in found if c.environment is None), found[0]
            )
            value = chosen.value
            if chosen.environment is None and field in direct and _var_file(environment, scope) and value.origin is not None \
                    and value.via == f"var.{direct[field]} default" and value.caller_origin is None:
                # This run's -var-file leaves the variable to its default, which the other runs read
                # too: its fix sets the variable in that file (views.at_caller), changing this run alone.
                value = replace(value, caller_origin=Spot(environment, 0, 0, f"argument:{direct[field]}"))
            profile = replace(profile, **{field: value})
        views.append(replace(cluster, profile=settle_data_plane(profile), environment=environment))
    return views


_VARIABLE = re.compile(r"^var\.([A-Za-z_][\w-]*)$")


def _direct_variable(expression) -> str | None:
    """`var.NAME` as a whole setting (not an element, not a function of it): the variable's name."""
    match = _VARIABLE.match(hcl.text(expression).strip())
    return match.group(1) if match else None


def _var_file(environment: str | None, scope: ModuleScope) -> bool:
    """An HCL -var-file of a root module (not an auto-loaded tfvars, not a caller's view)."""
    return environment is not None and environment.endswith(".tfvars") and environment in scope.env_tfvars and not scope.callers


def _resolve_api_version(cluster: Cluster, resource: hcl.Block, scope: ModuleScope) -> Cluster:
    """`type = "...managedClusters@${var.api}"` or a ternary of two literal types: the API version
    and the exact bytes that hold it (where a bump is written)."""
    expression = hcl.expression_of(hcl.attribute(resource.body, "type"))
    template = next(hcl.descend(expression, "quoted_template"), None) if expression is not None else None
    interpolation = next(hcl.descend(template, "template_interpolation"), None) if template is not None else None
    if interpolation is not None:
        inner = next((c for c in interpolation.children if c.type == "expression"), None)
        found = scope.evaluate(inner, cluster.profile_file) if inner is not None else []
        if len(found) == 1 and found[0].value.kind is ValueKind.LITERAL and found[0].value.origin:
            spot = found[0].value.origin
            raw = Spot(spot.file, spot.start + 1, spot.end - 1, "raw")  # inside the quotes
            return replace(cluster, api_version=found[0].value.text, api_origin=raw)
        return cluster
    found = scope.evaluate(expression, cluster.profile_file)
    if len(found) == 1 and found[0].value.kind is ValueKind.LITERAL and "@" in (found[0].value.text or ""):
        spot = found[0].value.origin
        api = found[0].value.text.split("@", 1)[1]
        raw = Spot(spot.file, spot.end - 1 - len(api.encode()), spot.end - 1, "raw") if spot else None
        return replace(cluster, api_version=api, api_origin=raw)
    return cluster
