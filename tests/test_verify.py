"""The checks that stand between an edit and a write."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.edit.edits import OverlappingEdits, apply_edits, newline_consistent
from fixer.formats.terraform.adapter import fmt_regressions
from fixer.model import Edit, FileChange

CLEAN = b'resource "x" "y" {\n  a  = 1\n  bb = 2\n}\n'


def test_fmt_regression_is_caught(terraform_bin):
    broken = b'resource "x" "y" {\n  a  = 1\n  bb = 2\n  ccc = 3\n}\n'
    changes = [FileChange(Path("/x/a.tf"), "a.tf", CLEAN, broken)]
    assert fmt_regressions(changes) == {"a.tf": 2}  # fmt would realign line 2


def test_unclean_original_promises_nothing(terraform_bin):
    messy = b'resource "x" "y" {\n  a = 1\n  bb = 2\n}\n'
    changes = [FileChange(Path("/x/a.tf"), "a.tf", messy, messy + b"\n\n")]
    assert fmt_regressions(changes) == {}


def test_clean_edit_passes(terraform_bin):
    good = b'resource "x" "y" {\n  a   = 1\n  bb  = 2\n  ccc = 3\n}\n'
    assert fmt_regressions([FileChange(Path("/x/a.tf"), "a.tf", CLEAN, good)]) == {}


def test_apply_edits_after_bom_and_refuses_overlap():
    data = b"\xef\xbb\xbfabcdef"
    assert apply_edits(data, [Edit(0, 1, b"X"), Edit(3, 3, b"-")], offset=3) == b"\xef\xbb\xbfXbc-def"
    with pytest.raises(OverlappingEdits):
        apply_edits(data, [Edit(0, 3, b""), Edit(2, 4, b"")], offset=3)


def test_newline_consistency():
    assert newline_consistent(b"a\r\nb\r\n", b"a\r\nx\r\nb\r\n", b"\r\n")
    assert not newline_consistent(b"a\r\nb\r\n", b"a\r\nx\nb\r\n", b"\r\n")
    assert not newline_consistent(b"a\nb\n", b"a\r\nb\n", b"\n")
