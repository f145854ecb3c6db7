"""ARM JSON as a PUT format: its parts for the shared loop in formats/put.py, and the check every
edited template passes (strict JSON stays strict JSON; JSON with comments is read whole)."""

from __future__ import annotations

import json

from fixer.edit.edits import newline_consistent
from fixer.formats import jsonspan
from fixer.formats.arm import linked
from fixer.formats.arm import template as arm
from fixer.formats.arm.built import bicep_source
from fixer.formats.put import PutFormat
from fixer.textfile import UnreadableText, load_text


def check_json_file(before, after: bytes, relpath: str = "") -> str | None:
    try:
        new = load_text(after)
    except UnreadableText as exc:
        return f"the result is not text ({exc})"
    if new.bom != before.bom or not newline_consistent(before.data, after, before.newline):
        return "newline style or byte-order mark would change"
    try:
        json.loads(before.body.decode("utf-8"))
        strict = True
    except (ValueError, RecursionError):  # RecursionError: nested too deeply for json's C reader
        strict = False
    try:
        if strict:  # a strict-JSON file stays strict JSON, read by an independent (and fast) parser
            json.loads(new.body.decode("utf-8"))
        else:  # JSON with comments: every byte read by the span parser
            jsonspan.parse(new.body, lazy=False)
    except (ValueError, RecursionError, jsonspan.JsonSpanError) as exc:
        where = f"line {exc.line}: " if isinstance(exc, jsonspan.JsonSpanError) else ""
        if not strict:
            try:
                jsonspan.parse(before.body, lazy=False)
            except jsonspan.JsonSpanError as original:
                # akfix reads only the parts it needs: say that the file was broken before the edit
                return f"the file does not parse as a whole (line {original.line}: {original})"
        return f"the result does not parse ({where}{exc})"
    return None


ARM = PutFormat(
    name="arm",
    suffixes=(".json",),
    markers=arm.MARKERS,
    # named as a parameters file of some template (deployment_parameters): never a template itself
    is_parameters_file=lambda relpath: relpath.endswith(".parameters.json") or ".parameters." in relpath.rsplit("/", 1)[-1]
    or relpath.rsplit("/", 1)[-1].lower().startswith("parameters"),
    parameter_files_for=arm.parameter_files_for,
    locate=arm.locate_arm,
    syntax_errors=(jsonspan.JsonSpanError,),
    worth_reporting=lambda data: b"deploymentTemplate" in data,
    in_block_edits=arm.edits_for,
    literal=lambda value, file: json.dumps(value).encode(),
    check_file=check_json_file,
    built_from=bicep_source,
    marker_edits=arm.migration_marker_edits,
    callers=linked.callers,
)
