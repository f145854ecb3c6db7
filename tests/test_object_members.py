"""Members of object values in Terraform (formats/terraform/values.py): `var.x.key`, `var.x["key"]`,
`local.x.key`, followed into whatever sets the object -- a caller's argument, a tfvars file, the
default -- and into the type's `optional(type, default)` where the value leaves the key out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.formats.terraform import hcl
from fixer.formats.terraform.values import CallerRef, ModuleScope
from fixer.model import ValueKind

VARIABLE = b'''variable "net" {
  type = object({
    plugin = optional(string, "azure")
    policy = optional(string)
    nested = optional(object({ engine = optional(string, "calico") }), {})
  })
  default = {
    policy = "azure"
    nested = { engine = "cilium" }
  }
}

locals {
  settings = { network = { "policy" = "calico" } }
  alias    = local.settings.network
}
'''


def _evaluate(expression: str, files: dict[str, bytes] | None = None, callers=()):
    files = {"mod/variables.tf": VARIABLE, **(files or {}), "mod/probe.tf": f"probe = {expression}\n".encode()}
    scope = ModuleScope.build("mod", files)
    scope.callers.extend(callers)
    probe = hcl.attribute(hcl.body_of(scope.sources["mod/probe.tf"].root), "probe")
    return scope.evaluate(hcl.expression_of(probe), "mod/probe.tf")


def _only(candidates):
    [candidate] = candidates
    return candidate.value


def test_a_member_of_the_default_is_the_literal_there_with_its_span():
    value = _only(_evaluate("var.net.policy"))
    assert (value.kind, value.text, value.file, value.line) == (ValueKind.LITERAL, "azure", "mod/variables.tf", 8)
    assert VARIABLE[value.origin.start:value.origin.end] == b'"azure"'


def test_index_with_a_string_key_and_nested_members():
    assert _only(_evaluate('var.net["policy"]')).text == "azure"
    assert _only(_evaluate("var.net.nested.engine")).text == "cilium"
    assert _only(_evaluate('local.settings["network"].policy')).text == "calico"
    assert _only(_evaluate("local.alias.policy")).text == "calico"  # a local that is itself a member


def test_a_key_the_value_leaves_out_takes_the_type_default_which_is_the_origin():
    value = _only(_evaluate("var.net.plugin"))
    assert (value.kind, value.text) == (ValueKind.LITERAL, "azure")
    assert VARIABLE[value.origin.start:value.origin.end] == b'"azure"' and value.line == 3
    assert value.via.endswith("var.net type default")


def test_a_left_out_optional_without_default_is_null_and_added_to_the_literal_that_leaves_it_out():
    body = b'net = {\n  plugin = "azure"\n}\n'
    value = _only(_evaluate("var.net.policy", {"mod/terraform.tfvars": body}))
    assert value.kind is ValueKind.MISSING and value.origin.kind == "entry:policy"
    assert (value.origin.file, body[value.origin.start:value.origin.end]) == ("mod/terraform.tfvars", body[6:-1])  # the object
    assert "policy left out" in value.via


def test_a_left_out_key_no_type_declares_is_never_guessed():
    assert _only(_evaluate("var.net.policy", {"mod/terraform.tfvars": b'net = { nested = {} }\n'})).origin.kind == "entry:policy"
    assert _only(_evaluate("var.net.nested.missing")).kind is ValueKind.EXPRESSION


def test_each_tfvars_file_gives_its_own_object_and_objects_are_not_merged():
    files = {
        "mod/terraform.tfvars": b'net = {\n  policy = null\n}\n',
        "mod/prod.tfvars": b'net = {\n  plugin = "kubenet"\n}\n',  # replaces the whole object: policy falls to its type default
    }
    by_environment = {c.environment: c.value for c in _evaluate("var.net.policy", files)}
    assert by_environment[None].kind is ValueKind.MISSING and by_environment[None].origin.kind == "null"
    assert by_environment["mod/prod.tfvars"].origin.kind == "entry:policy"  # optional(string): null, added to prod's object
    assert {c.environment: c.value.text for c in _evaluate("var.net.plugin", files)} == {"mod/prod.tfvars": "kubenet", None: "azure"}


def test_a_caller_argument_object_decides_per_caller_and_falls_back_to_the_default():
    caller_files = {
        "live/main.tf": b'module "a" {\n  source = "../mod"\n  net = { policy = "calico" }\n}\n'
                        b'module "b" {\n  source = "../mod"\n}\n'
    }
    caller_scope = ModuleScope.build("live", caller_files)
    blocks = list(hcl.blocks(hcl.body_of(caller_scope.sources["live/main.tf"].root)))
    callers = [CallerRef(f"live: module.{b.labels[0]}", caller_scope, "live/main.tf", b.node) for b in blocks]
    found = {c.environment: c.value for c in _evaluate("var.net.policy", callers=callers)}
    assert found["live: module.a"].text == "calico" and found["live: module.a"].file == "live/main.tf"
    assert found["live: module.b"].text == "azure" and found["live: module.b"].file == "mod/variables.tf"


def test_a_condition_on_a_member_is_decided():
    files = {"mod/flags.tf": b'variable "flags" {\n  default = { cilium = true }\n}\n'}
    assert _only(_evaluate('var.flags.cilium ? "cilium" : "azure"', files)).text == "cilium"
    assert _only(_evaluate('var.net.policy == "azure" ? "cilium" : "none"', files)).text == "cilium"


def test_a_left_out_optional_compares_as_null_and_decides_the_condition():
    """`var.x.key == null ? "azure" : var.x.key` over an `optional(string)` the value leaves out
    (Terraform fills it with null): the condition is decided per environment, while the member on
    its own stays unresolved (no literal holds it for a fix to rewrite)."""
    files = {"mod/prod.tfvars": b'net = {\n  policy = "calico"\n}\n', "mod/terraform.tfvars": b'net = {\n  plugin = "azure"\n}\n'}
    expression = 'var.net.policy == null ? "azure" : var.net.policy'
    by_environment = {c.environment: c.value.text for c in _evaluate(expression, files)}
    assert by_environment == {"mod/prod.tfvars": "calico", None: "azure"}
    assert _only(_evaluate('var.net.policy != null ? var.net.policy : "none"', {"mod/terraform.tfvars": files["mod/terraform.tfvars"]})).text == "none"
    alone = _only(_evaluate("var.net.policy", {"mod/terraform.tfvars": files["mod/terraform.tfvars"]}))
    assert alone.kind is ValueKind.MISSING and alone.origin.kind == "entry:policy"  # a fix adds it to the object


MAP_VARIABLE = b'variable "m" {\n  type    = map(string)\n  default = { policy = "azure" }\n}\n'


def test_lookup_reads_whatever_sets_the_map_not_only_its_default():
    """lookup(var.m, key, default) follows tfvars files and callers like `var.m.key`, and gives its
    default only where that value leaves the key out (before, it read the variable's default alone)."""
    tfvars = {"mod/m.tf": MAP_VARIABLE, "mod/terraform.tfvars": b'm = {\n  policy = "calico"\n}\n'}
    assert _only(_evaluate('lookup(var.m, "policy", "none")', tfvars)).text == "calico"
    assert _only(_evaluate('lookup(var.m, "other", "cilium")', tfvars)).text == "cilium"
    assert _only(_evaluate('lookup(var.m, "other")', tfvars)).kind is ValueKind.EXPRESSION  # Terraform fails there
    caller_files = {"live/main.tf": b'module "a" {\n  m = { policy = "calico" }\n}\nmodule "b" {\n  m = {}\n}\nmodule "c" {\n}\n'}
    caller_scope = ModuleScope.build("live", caller_files)
    blocks = list(hcl.blocks(hcl.body_of(caller_scope.sources["live/main.tf"].root)))
    callers = [CallerRef(f"live: module.{b.labels[0]}", caller_scope, "live/main.tf", b.node) for b in blocks]
    found = {c.environment: c.value for c in _evaluate('lookup(var.m, "policy", "none")', {"mod/m.tf": MAP_VARIABLE}, callers=callers)}
    assert {k: v.text for k, v in found.items()} == {"live: module.a": "calico", "live: module.b": "none", "live: module.c": "azure"}
    assert found["live: module.b"].file == "mod/probe.tf" and "lookup default" in found["live: module.b"].via


def test_a_value_passed_through_a_callers_variable_falls_back_to_the_receiving_type_or_default():
    """The root passes its own map (`m = var.root_m`, default {}): a key it leaves out takes the
    lookup's default, or the module variable's `optional(..., default)` -- the types convert on the
    module's side -- not "undeclared" in the root's map type."""
    module = {"mod/m.tf": MAP_VARIABLE + b'variable "o" {\n  type = object({ policy = optional(string, "calico") })\n}\n'}
    caller_files = {"live/main.tf": b'variable "root_m" {\n  type    = map(string)\n  default = {}\n}\n'
                                    b'module "a" {\n  m = var.root_m\n  o = var.root_m\n}\n'}
    caller_scope = ModuleScope.build("live", caller_files)
    blocks = [b for b in hcl.blocks(hcl.body_of(caller_scope.sources["live/main.tf"].root)) if b.type == "module"]
    callers = [CallerRef("live: module.a", caller_scope, "live/main.tf", blocks[0].node)]
    assert _only(_evaluate('lookup(var.m, "policy", "none")', module, callers=callers)).text == "none"
    assert _only(_evaluate("var.o.policy", module, callers=callers)).text == "calico"


def test_lookup_on_an_object_type_takes_the_type_default_not_its_own():
    """An object type that declares the key fills it in (null or its optional default): lookup then
    finds it, so its own default never applies."""
    assert _only(_evaluate('lookup(var.net, "plugin", "kubenet")')).text == "azure"  # optional(string, "azure")
    assert _only(_evaluate('lookup(local.settings.network, "policy", "none")')).text == "calico"


def test_an_index_computed_from_a_variable_picks_the_element_per_environment():
    """`local.by_env[var.env].policy` (an environment-keyed map): the index is evaluated like any
    value, per tfvars file, and each environment reads the element its own index names."""
    files = {
        "mod/env.tf": b'variable "env" {\n  default = "dev"\n}\n\nlocals {\n  by_env = {\n    dev  = { policy = "calico" }\n'
                      b'    prod = { policy = "cilium" }\n  }\n}\n',
    }
    assert _only(_evaluate("local.by_env[var.env].policy", files)).text == "calico"
    files["mod/prod.tfvars"] = b'env = "prod"\n'
    by_environment = {c.environment: c.value.text for c in _evaluate("local.by_env[var.env].policy", files)}
    assert by_environment == {"mod/prod.tfvars": "cilium", None: "calico"}
    files["mod/test.tfvars"] = b'env = "test"\n'  # no such key: that environment's element is unknown
    assert any(c.value.kind is ValueKind.EXPRESSION for c in _evaluate("local.by_env[var.env].policy", files))
    assert _only(_evaluate("local.by_env[var.free].policy", files)).kind is ValueKind.EXPRESSION


def test_what_cannot_be_read_stays_unresolved_with_a_reason():
    for expression, reason in (
        ("var.net.missing", "does not declare missing"),
        ("var.net[0]", ""),  # a number index: not a member akfix reads
        ("local.nothing.policy", "not declared"),
        ("var.undeclared.policy", "not declared"),
    ):
        value = _only(_evaluate(expression))
        assert value.kind is ValueKind.EXPRESSION, expression
        assert reason in (value.note or ""), (expression, value.note)


KEYS = st.sampled_from(["policy", "plugin", "nested", "engine", "x"])


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(KEYS, min_size=1, max_size=4), root=st.sampled_from(["var.net", "local.settings", "local.alias"]),
       style=st.lists(st.sampled_from(["attribute", "string index", "computed index"]), min_size=4, max_size=4))
def test_any_member_chain_gives_candidates_never_a_traceback(keys, root, style):
    written = {"attribute": ".{}", "string index": '["{}"]', "computed index": "[var.net.{}]"}  # var.net.x names a key, or not
    expression = root + "".join(written[how].format(k) for k, how in zip(keys, style))
    candidates = _evaluate(expression)
    assert candidates and all(c.value.kind in ValueKind for c in candidates)
    for candidate in candidates:
        origin = candidate.value.origin
        if origin is not None:  # a literal's span is always a string or null in the file it names
            assert origin.file.startswith("mod/")


def test_a_string_that_is_one_interpolation_is_the_value_inside():
    """Terraform 0.11 wrote every reference as "${...}": `"${var.net.policy}"` is var.net.policy,
    with the span of the literal it comes from (where a fix would write)."""
    value = _only(_evaluate('"${var.net.policy}"'))
    assert (value.kind, value.text, value.file) == (ValueKind.LITERAL, "azure", "mod/variables.tf")
    assert VARIABLE[value.origin.start:value.origin.end] == b'"azure"'
    assert _only(_evaluate('"${local.alias.policy}"')).text == "calico"


def test_a_string_with_more_than_one_interpolation_stays_an_expression():
    assert _only(_evaluate('"${var.net.policy}-x"')).kind is ValueKind.EXPRESSION
    assert _only(_evaluate('"${var.net.policy}${var.net.plugin}"')).kind is ValueKind.EXPRESSION
