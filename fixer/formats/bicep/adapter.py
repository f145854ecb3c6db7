"""Bicep as a PUT format: its parts for the shared loop in formats/put.py, the check every edited
file passes (it still tokenises -- a JSON parameters file stays JSON --, newlines and BOM kept) and
which parameters files feed a template (parameters.py: .bicepparam and JSON)."""

from __future__ import annotations

import json

from fixer.edit.edits import newline_consistent
from fixer.formats.arm.adapter import check_json_file
from fixer.formats.bicep import modules as bicep_modules
from fixer.formats.bicep import parameters as bicep_parameters
from fixer.formats.bicep import readback as bicep_readback
from fixer.formats.bicep import syntax as bicep_syntax
from fixer.formats.bicep import template as bicep
from fixer.formats.put import PutFormat
from fixer.textfile import UnreadableText, load_text


def check_bicep_file(before, after: bytes, relpath: str = "") -> str | None:
    if relpath.endswith(".json"):  # a JSON parameters file the fix rewrote a value of (parameters.py)
        return check_json_file(before, after)
    try:
        new = load_text(after)
        bicep_syntax.tokenize(new.body)
    except (UnreadableText, bicep_syntax.BicepSyntaxError) as exc:
        return f"the result does not tokenise ({exc})"
    if new.bom != before.bom or not newline_consistent(before.data, after, before.newline):
        return "newline style or byte-order mark would change"
    return None


BICEP = PutFormat(
    name="bicep",
    suffixes=(".bicep",),
    markers=bicep.MARKERS,
    is_parameters_file=lambda relpath: relpath.endswith((".bicepparam", ".json")),
    parameter_files_for=bicep_parameters.parameter_files_for,
    locate=bicep.locate_bicep,
    syntax_errors=(bicep_syntax.BicepSyntaxError, UnicodeDecodeError),
    worth_reporting=lambda data: True,
    in_block_edits=bicep.edits_for,
    literal=lambda value, file: json.dumps(value).encode() if file.endswith(".json") else bicep_syntax.quote(value).encode(),
    check_file=check_bicep_file,
    parameters_apply=bicep_parameters.feeds,
    parameter_index=bicep_parameters.parameter_index,
    readback=bicep_readback.readback,
    callers=bicep_modules.callers,
    called=bicep_modules.called,
    remember=(bicep_modules.MODULE,),
    marker_edits=bicep.migration_marker_edits,
    argument_edits=bicep.argument_edits,
    member_edits=bicep.object_entry_edits,
    caller_evidence=bicep.other_calls_blanked,
    argument_anchor=lambda body, file, at: None if file.endswith(".bicepparam") else bicep_modules.module_at(body, at),
)
