"""Package floors in the words of Python project files: raise the lower bound of one version
specifier so that it admits exactly what it admitted at or above the floor (the Python twin of
formats/terraform/constraints.py raise_floor).

Only versions below the floor go: an upper bound is never raised, removed or crossed, and an exact
or arbitrary-equality pin is never rewritten (`==2.1.0`, `===2.1`, a Poetry `2.1.0`): changing it
would be an upgrade decided for the user, not a floor. A compatible-release or caret constraint
keeps its form where the same form says exactly the raised range (`~=2.1` -> `~=2.5`, `^2.1` ->
`^2.5`); elsewhere `>=floor` joins it (`~=2.1.3` -> `>=2.1.7,~=2.1.3`).

Pure: text in, text out. Every result is read back with packages.parse_spec (akfix's own reader)
and refused unless it means the old range from the floor on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.formats.python.packages import parse_spec
from fixer.versions import Version, format_version, parse_version

PEP440 = "pep440"  # requirements lines, PEP 621 dependency strings, Pipfile values
POETRY = "poetry"  # Poetry's dependency tables: also ^, ~ and a bare version meaning ==


@dataclass(frozen=True)
class Raised:
    """The outcome for one specifier: `text` the new specifier (None: already at or above the
    floor, nothing to write), or `refused` saying why akfix may not write the floor here."""

    text: str | None = None
    refused: str | None = None


# One clause: operator and version with the spaces around them, between commas.
_CLAUSE = re.compile(r"(?P<lead>\s*)(?P<op>===|==|~=|!=|<=|>=|<|>|\^|~)?(?P<gap>\s*)(?P<version>v?[0-9][0-9A-Za-z.*+!-]*)(?P<trail>\s*)$")


def raise_spec(spec: str, floor: Version, dialect: str = PEP440) -> Raised:
    """`spec` (">=1.0,<3", "^2.1", "", "*") with its lower bound raised to `floor`."""
    wanted = f">={format_version(floor)}"
    if not spec.strip() or spec.strip() == "*":  # any version: the floor alone (none needed below every version)
        return Raised() if not any(floor) else Raised(wanted if not spec.strip() else spec.replace("*", wanted))
    if "||" in spec or "|" in spec:
        return Raised(refused=f"`{spec.strip()}` is a union of ranges")
    old = parse_spec(spec, "spec")
    if old is None:
        return Raised(refused=f"akfix cannot read the specifier `{spec.strip()}`")
    if old.low >= floor:
        return Raised()
    pieces = _clauses(spec, dialect)
    if pieces is None:
        return Raised(refused=f"akfix cannot read the specifier `{spec.strip()}`")
    if any(p.op == "===" or (p.op == "==" and not p.version.endswith(".*")) for p in pieces):
        return Raised(refused=f"`{spec.strip()}` pins one version, below {format_version(floor)}")
    if floor >= old.high:
        return Raised(refused=f"`{spec.strip()}` excludes {format_version(floor)} (its upper bound lies at or below it)")
    out, placed = [], False
    for piece in pieces:
        op, version = piece.op, piece.version
        if op in (">=", ">"):
            if not placed:  # the floor takes the place of the first lower bound, in its spacing
                out.append(piece.with_clause(">=", format_version(floor)))
                placed = True
            continue  # every lower bound lies below the floor (old.low < floor): the floor implies it
        if op in ("~=", "^", "~") and not placed:
            rewritten = _same_form(op, version, floor, old.high)
            if rewritten is not None:
                out.append(piece.with_clause(op, rewritten))
                placed = True
                continue
        out.append(piece)
    if not placed:
        separator = "," + (" " if ", " in spec else "")
        out.insert(0, _Piece(pieces[0].lead, ">=", "", format_version(floor), "", separator))
        out[1] = out[1].without_lead()
    text = "".join(p.text for p in _joined(out))
    new = parse_spec(text, "spec")
    if new is None or (new.low, new.high) != (floor, old.high):
        return Raised(refused=f"akfix cannot write a floor into `{spec.strip()}` that keeps its meaning")
    return Raised(text)


# A PEP 508 requirement as packages.py reads it: name, extras, then the specifier up to the
# markers (`;`), a comment (` #`) or a direct reference (`@`).
_REQUIREMENT = re.compile(r"^(?P<head>\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?)(?P<spec>[^;#@]*)(?P<tail>.*)$", re.DOTALL)


@dataclass(frozen=True)
class LineEdit:
    """Replace characters [start, end) of a requirement with `raised.text` (when there is one)."""

    raised: Raised
    start: int = 0
    end: int = 0


def requirement_name(text: str) -> str | None:
    """The distribution name a requirement line or string starts with, as written."""
    match = _REQUIREMENT.match(text)
    return match.group("name") if match else None


def raise_requirement(text: str, floor: Version) -> LineEdit:
    """A requirement (`pkg[extra] >=1.0,<3 ; python_version < "3.13"  # why`) with its specifier's
    floor raised; name, extras, markers, comments and spacing stay as they are. A bare `pkg` gets
    `>=floor` right after its name (and extras)."""
    match = _REQUIREMENT.match(text)
    if match is None:
        return LineEdit(Raised(refused="akfix cannot read this requirement"))
    tail = match.group("tail")
    if tail.startswith("@") or "@" in match.group("spec"):
        return LineEdit(Raised(refused="a direct reference (`@ url`) names no version range"))
    if text.rstrip().endswith("\\"):
        return LineEdit(Raised(refused="the requirement continues on the next line"))
    spec = match.group("spec")
    if "(" in spec or " --" in f" {spec}" or "--" in tail.split("#", 1)[0]:
        return LineEdit(Raised(refused="akfix cannot read this requirement's specifier (parentheses or per-requirement options)"))
    start = match.end("head") + (len(spec) - len(spec.lstrip()))
    end = match.end("head") + len(spec.rstrip())
    if not spec.strip():  # a bare name: the floor goes right after it (and its extras), before any space
        start = end = len(match.group("head").rstrip())
    return LineEdit(raise_spec(text[start:end], floor, PEP440), start, end)


@dataclass(frozen=True)
class _Piece:
    lead: str
    op: str
    gap: str
    version: str
    trail: str
    separator: str  # the comma (with its spaces) after this clause, "" for the last

    @property
    def text(self) -> str:
        return f"{self.lead}{self.op}{self.gap}{self.version}{self.trail}{self.separator}"

    def with_clause(self, op: str, version: str) -> "_Piece":
        return _Piece(self.lead, op, self.gap, version, self.trail, self.separator)

    def without_lead(self) -> "_Piece":
        return _Piece("", self.op, self.gap, self.version, self.trail, self.separator)


def _clauses(spec: str, dialect: str) -> list[_Piece] | None:
    """The clauses of a specifier with their exact spacing; None for text akfix does not read.
    Poetry also separates clauses by spaces alone (">=1.2 <1.5") and writes `2.1.0` for `==2.1.0`
    (kept as operator "==" so that raise_spec refuses it) and `2.1.*` for a range (operator "")."""
    splitter = r"(,\s*)" if dialect == PEP440 else r"(,\s*|\s+(?=[<>=~^!]))"
    parts = re.split(splitter, spec)
    pieces = []
    for index in range(0, len(parts), 2):
        match = _CLAUSE.match(parts[index])
        if match is None:
            return None
        op, version = match.group("op") or "", match.group("version")
        if not op and dialect == PEP440:
            return None  # PEP 440 has no bare version
        if not op and not version.endswith(".*"):
            op = "=="
        separator = parts[index + 1] if index + 1 < len(parts) else ""
        pieces.append(_Piece(match.group("lead"), op, match.group("gap"), version, match.group("trail"), separator))
    return pieces


def _joined(pieces: list[_Piece]) -> list[_Piece]:
    """A dropped last clause took the separator before it along: the clause now last ends the text."""
    if pieces and pieces[-1].separator:
        last = pieces[-1]
        pieces = pieces[:-1] + [_Piece(last.lead, last.op, last.gap, last.version, last.trail, "")]
    return pieces


def _same_form(op: str, version: str, floor: Version, high: Version) -> str | None:
    """The floor written in the clause's own form (`~=2.5` for `~=2.1`, `^2.5.3` for `^2.1`), when
    that form says the same upper bound; None when none does (then `>=floor` joins the clause).
    At least as many parts as the clause had, since the parts decide the upper bound."""
    parts = len(version.lstrip("v").split("."))
    if parse_version(version) is None or parts > 3:
        return None
    for count in range(max(parts, 2 if op == "~=" else 1), 4):  # PEP 440: ~= needs two parts
        if any(floor[count:]):
            continue
        written = ".".join(str(p) for p in floor[:count])
        again = parse_spec(f"{op}{written}", "spec")
        if again is not None and (again.low, again.high) == (floor, high):
            return written
    return None
