"""Rule codes that moved, as in ruff: an old code (or name) still works wherever a selector is accepted
(``--select``, ``--ignore``, ``select``/``ignore``/``per-file-ignores``, ``[tool.debtscan.rules.<CODE>]``,
``# debtscan: ignore[...]``) and names the rule it became, with a notice that says so; a baseline written
before the move still matches the moved findings (:func:`legacy_fingerprints`)."""
from __future__ import annotations

import hashlib
from typing import Dict, Iterable, List, Optional, Tuple

#: old selector (code or rule name, as written upper-case for codes) -> the code it became
REDIRECTS: Dict[str, str] = {
    "DS207": "DS406",            # unproduced-read -> unstable-data-dependency (issue 17)
    "UNPRODUCED-READ": "DS406",
}


def redirect(selector: str) -> Optional[str]:
    """The code an old selector now names, or None."""
    return REDIRECTS.get(selector.strip().upper())


def redirect_notes(selectors: Iterable[Tuple[str, str]], rules) -> List[str]:
    """One note per (selector, where it was written) that uses an old code, ruff's wording."""
    notes = []
    for selector, where in selectors:
        new = redirect(selector)
        if new is None:
            continue
        name = getattr(rules.get(new), "name", "")
        notes.append(f"{where}: `{selector.strip()}` has been remapped to `{new}`" + (f" ({name})" if name else "")
                     + f"; write `{new}` instead")
    return notes


def legacy_fingerprints(finding) -> List[str]:
    """Fingerprints the finding had under its old code: the moved rule's subject is unchanged, and one finding
    of the new rule may stand for several of the old one (DS207 reported each reading module, DS406 the
    input once, with the other reads as related places)."""
    olds = sorted(old for old, new in REDIRECTS.items() if new == finding.code and old[:1].isalpha()
                  and old[-1:].isdigit())
    if not olds:
        return []
    paths = [finding.path] + sorted({r.path for r in finding.related if r.path != finding.path})
    subject = finding.subject or finding.message
    return [hashlib.sha256("\x1f".join((old, path, subject, "0")).encode("utf-8")).hexdigest()[:20]
            for old in olds for path in paths]
