"""Invariants shared by the fuzz targets. Each raises AssertionError with what broke."""

from __future__ import annotations


def lines_of(body: bytes) -> int:
    return body.count(b"\n") + 1


def check_line(line: int | None, body: bytes, what: str) -> None:
    """A reported line is a line of the file (1-based)."""
    assert line is None or 1 <= line <= lines_of(body), f"{what}: line {line} outside 1..{lines_of(body)}"


def check_span(start: int, end: int, body: bytes, what: str) -> None:
    assert 0 <= start <= end <= len(body), f"{what}: span {start}..{end} outside 0..{len(body)}"


def check_edits(edits, body: bytes, what: str) -> None:
    """Edits of one fix: inside the file and never overlapping (two edits of one fix at one place
    would be a logic error, not bad input)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for edit in ordered:
        check_span(edit.start, edit.end, body, what)
        assert isinstance(edit.text, bytes), f"{what}: edit text is {type(edit.text).__name__}"
    for first, second in zip(ordered, ordered[1:]):
        assert second.start >= first.end, f"{what}: edits overlap at byte {second.start}"


def check_value(value, body: bytes, relpath: str, what: str) -> None:
    """A Value's line is in its file; its origin span (when in this file) is inside it."""
    if value.file in (None, relpath):
        check_line(value.line, body, what)
    spot = value.origin
    if spot is not None and spot.file == relpath:
        check_span(spot.start, spot.end, body, f"{what} origin")
    for validation in value.validations:
        if validation.file == relpath:
            check_span(validation.insert_at, validation.insert_at, body, f"{what} validation")
            check_line(validation.line, body, f"{what} validation")


def check_profile(profile, body: bytes, relpath: str, what: str) -> None:
    for name in ("plugin", "plugin_mode", "policy", "data_plane", "pod_subnet", "outbound_type", "kubernetes_version"):
        check_value(getattr(profile, name), body, relpath, f"{what} {name}")


def check_put_cluster(cluster, body: bytes, relpath: str, unquote) -> None:
    """An ARM or Bicep cluster: its lines and spans are in the file, and its API version span holds
    the version (`unquote`: the format's reading of the bytes between the quotes)."""
    check_line(cluster.line, body, cluster.address)
    check_profile(cluster.profile, body, relpath, cluster.address)
    spot = cluster.api_origin
    if spot is not None:
        check_span(spot.start, spot.end, body, f"{cluster.address} api version")
        raw = body[spot.start:spot.end]
        version = cluster.api_version.removeprefix("expression: ")  # an ARM "[...]" string is reported so
        assert unquote(raw) == version, f"{cluster.address}: api span holds {raw!r}, version is {cluster.api_version!r}"


def text_of(data: bytes):
    """The TextFile of the fuzzed bytes, or None when they are not UTF-8 text (refused with a line
    of the file, which is all that is asked of such input)."""
    from fixer.textfile import UnreadableText, load_text  # imported here: the targets instrument it first

    try:
        return load_text(data)
    except UnreadableText as exc:
        check_line(exc.line, data, "UnreadableText")
        return None
