"""Bicep tokenizer, locator and editor: bytes -> tokens -> clusters -> edits.

Bad input may only come out as UnreadableText or BicepSyntaxError with a line of the file. Every
token's span holds exactly its text; every reported line and span is in the file; the API version
span holds the API version; the editor refuses with ValueError or returns edits inside the file
that never overlap."""

from __future__ import annotations

from fuzz.harness import instrumented
from fuzz.invariants import check_edits, check_line, check_profile, check_span

with instrumented():
    from fixer.formats import bicep
    from fixer.formats.bicep_syntax import BicepSyntaxError, Token, string_value, tokenize
    from fixer.model import Change
    from fixer.textfile import UnreadableText, load_text

CHANGES = [
    [Change("networkPolicy", "cilium"), Change("networkDataplane", "cilium")],
    [Change("networkPlugin", "azure"), Change("networkPluginMode", "overlay"), Change("networkPolicy", "calico")],
]


def check(data: bytes) -> None:
    try:
        text = load_text(data)
    except UnreadableText as exc:
        check_line(exc.line, data, "UnreadableText")
        return
    body = text.body
    try:
        tokens = tokenize(body)
    except BicepSyntaxError as exc:
        check_line(exc.line, body, "BicepSyntaxError")
        return
    for token in tokens:
        check_span(token.start, token.end, body, f"token {token.text!r}")
        assert token.start < token.end, f"empty token {token!r}"
        assert body[token.start:token.end].decode("utf-8") == token.text, f"token {token!r} spans {body[token.start:token.end]!r}"
    try:
        clusters = bicep.locate_bicep(body, "main.bicep", [])
    except BicepSyntaxError as exc:  # an object entry akfix cannot read
        check_line(exc.line, body, "BicepSyntaxError")
        return
    for cluster in clusters:
        check_line(cluster.line, body, cluster.address)
        check_profile(cluster.profile, body, "main.bicep", cluster.address)
        spot = cluster.api_origin
        if spot is not None:
            check_span(spot.start, spot.end, body, f"{cluster.address} api version")
            raw = "'" + body[spot.start:spot.end].decode("utf-8") + "'"  # the bytes inside the quotes, escapes and all
            assert string_value(Token("string", 0, 0, raw)) == cluster.api_version, (
                f"{cluster.address}: api span holds {raw!r}, version is {cluster.api_version!r}")
    for cluster in clusters:
        for changes in CHANGES:
            try:
                edits = bicep.edits_for(body, cluster.anchor, changes, text.newline)
            except ValueError:
                continue  # put_adapter reports these as "not edited: ..." with the cluster's line
            check_edits(edits, body, cluster.address)
