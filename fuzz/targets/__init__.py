"""The fuzz targets by name: name -> (module, function, format). Each function takes the fuzzed
bytes and raises on a crash or a broken invariant; bad input must come out as the documented
errors or as Problems, never as anything else. The format picks the mutator's snippets."""

from __future__ import annotations

import importlib

TARGETS = {
    "terraform-locate": ("fuzz.targets.terraform_locate", "check", "hcl"),
    "bicep-locate": ("fuzz.targets.bicep_locate", "check", "bicep"),
    "arm-jsonspan": ("fuzz.targets.arm_jsonspan", "check", "json"),
    "edit": ("fuzz.targets.edit", "check", "any"),
    "pipeline-terraform": ("fuzz.targets.pipeline", "check_terraform", "hcl"),
    "pipeline-bicep": ("fuzz.targets.pipeline", "check_bicep", "bicep"),
    "pipeline-arm": ("fuzz.targets.pipeline", "check_arm", "json"),
    "pipeline-python": ("fuzz.targets.pipeline", "check_python", "python"),
}


def load(name: str):
    """The target's check function."""
    module_name, function, _ = TARGETS[name]
    return getattr(importlib.import_module(module_name), function)


def snippets(name: str) -> list[bytes]:
    from fuzz import snippets as known

    fmt = TARGETS[name][2]
    return known.ALL if fmt == "any" else getattr(known, fmt.upper())
