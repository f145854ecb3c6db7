"""A Bicep template called twice: the caller's text counts as Windows evidence for a call's view only
where it is that call's (template.other_calls_blanked); calls that may deploy the same cluster stay."""

from pathlib import Path

from fixer.formats.bicep.template import locate_bicep, other_calls_blanked
from fixer.formats.windows_evidence import windows_evidence

CASE = Path(__file__).parent / "fixtures" / "bicep" / "module-calls-windows-pool-of-one-call" / "input"


def _views(caller: bytes):
    return locate_bicep((CASE / "aks.bicep").read_bytes(), "aks.bicep", [("main.bicep", caller)])


def test_the_other_calls_windows_pool_is_not_this_calls():
    caller = (CASE / "main.bicep").read_bytes()
    views = _views(caller)
    by_module = {v.environment: v for v in views}
    linux, mixed = by_module["main.bicep (module linux)"], by_module["main.bicep (module mixed)"]
    for_linux = other_calls_blanked(caller, "main.bicep", "aks.bicep", linux, views)
    assert windows_evidence({"main.bicep": for_linux}) == ()
    assert for_linux.count(b"\n") == caller.count(b"\n")  # lines still count
    for_mixed = other_calls_blanked(caller, "main.bicep", "aks.bicep", mixed, views)
    assert [place.split(" ")[0] for place in windows_evidence({"main.bicep": for_mixed})] == ["main.bicep:34"]


def test_calls_that_may_deploy_the_same_cluster_keep_each_others_pools():
    caller = (CASE / "main.bicep").read_bytes().replace(b"'aks-mixed'", b"'aks-linux'")
    views = _views(caller)
    linux = next(v for v in views if v.environment == "main.bicep (module linux)")
    assert other_calls_blanked(caller, "main.bicep", "aks.bicep", linux, views) == caller
