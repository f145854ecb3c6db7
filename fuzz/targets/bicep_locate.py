"""Bicep tokenizer, locator and editor: bytes -> tokens -> clusters -> edits.

Bad input may only come out as UnreadableText or BicepSyntaxError with a line of the file. Every
token's span holds exactly its text; every reported line and span is in the file; the API version
span holds the API version; the editor refuses with ValueError or returns edits inside the file
that never overlap."""

from __future__ import annotations

from fuzz.harness import instrumented
from fuzz.invariants import check_edits, check_line, check_put_cluster, check_span, text_of

with instrumented():
    from fixer.formats.bicep import template as bicep
    from fixer.formats.bicep.syntax import BicepSyntaxError, Token, string_value, tokenize
    from fixer.model import Change
    import fixer.textfile  # noqa: F401  (instrumented before fuzz.invariants imports it)

CHANGES = [
    [Change("networkPolicy", "cilium"), Change("networkDataplane", "cilium")],
    [Change("networkPlugin", "azure"), Change("networkPluginMode", "overlay"), Change("networkPolicy", "calico")],
]


def check(data: bytes) -> None:
    text = text_of(data)
    if text is None:
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
        check_put_cluster(cluster, body, "main.bicep", lambda raw: string_value(Token("string", 0, 0, "'" + raw.decode("utf-8") + "'")))
    for cluster in clusters:
        for changes in CHANGES:
            try:
                edits = bicep.edits_for(body, cluster.anchor, changes, text.newline)
            except ValueError:
                continue  # formats/put.py reports these as "not edited: ..." with the cluster's line
            check_edits(edits, body, cluster.address)
