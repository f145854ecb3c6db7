"""The kubenet migration's phase-1 mark in a Python program (plan/migration.py): a comment line
`# akfix:phase-1 ...` as the first line inside the network_profile dict or args call.

libcst keeps comments as nodes of the whitespace around brackets (the lines after an opening
bracket are the `empty_lines` of its ParenthesizedWhitespace), so the mark is read, added and
removed as such a node, and every other byte of the profile stays as it was.
"""

from __future__ import annotations

import libcst as cst

from fixer.plan.migration import MIGRATION_MARKER

MARK_TEXT = ("# " + MIGRATION_MARKER.decode() + " kubenet -> Azure CNI Overlay. Delete this line once the deployment has run; "
             "akfix then writes the engine.")


def is_marked(node: cst.CSTNode | None) -> bool:
    """Whether an akfix:phase-1 comment is anywhere inside the profile node."""
    if node is None:
        return False
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comment) and MIGRATION_MARKER.decode() in current.value:
            return True
        stack.extend(current.children)
    return False


def _opening(node: cst.CSTNode):
    """The whitespace after the profile's opening bracket."""
    if isinstance(node, cst.Dict):
        return node.lbrace.whitespace_after
    if isinstance(node, cst.Call):
        return node.whitespace_before_args
    return None


def is_multiline(node: cst.CSTNode | None) -> bool:
    """The profile opens a line of its own after its bracket: a comment line fits there."""
    return isinstance(_opening(node), cst.ParenthesizedWhitespace)


def with_mark(node: cst.Dict | cst.Call):
    """The profile with the mark as its first inner line, indented like the line that follows it."""
    opening = _opening(node)
    if not isinstance(opening, cst.ParenthesizedWhitespace):
        raise ValueError("the network_profile is written on one line, where no comment line fits")
    line = cst.EmptyLine(indent=opening.indent, whitespace=opening.last_line, comment=cst.Comment(MARK_TEXT))
    opening = opening.with_changes(empty_lines=[line, *opening.empty_lines])
    if isinstance(node, cst.Dict):
        return node.with_changes(lbrace=node.lbrace.with_changes(whitespace_after=opening))
    return node.with_changes(whitespace_before_args=opening)


class _Unmark(cst.CSTTransformer):
    """Drops every comment line holding the mark; a trailing mark comment goes, its code stays."""

    def leave_EmptyLine(self, original, updated):
        if updated.comment is not None and MIGRATION_MARKER.decode() in updated.comment.value:
            return cst.RemoveFromParent()
        return updated

    def leave_TrailingWhitespace(self, original, updated):
        if updated.comment is not None and MIGRATION_MARKER.decode() in updated.comment.value:
            return updated.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        return updated


def without_mark(node: cst.CSTNode):
    return node.visit(_Unmark())
