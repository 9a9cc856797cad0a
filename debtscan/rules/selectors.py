"""Rule selectors: what ``--select``, ``--ignore``, ``per-file-ignores`` and suppression comments accept.

A selector is ``ALL``, a rule code (``DS201``), a code prefix (``DS2``, ``DS20``), a category
(``pipeline-jungle``) or a rule name (``jungle-chain``); codes and prefixes are matched case-insensitively,
categories and names too. The valid selectors come from the loaded rules (plugins' rules count), and a
selector that matches no rule is an error naming the closest valid one, as ruff does.
"""
from __future__ import annotations

import difflib
import re
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Type

from debtscan.errors import SelectorError
from debtscan.rules.base import Rule
from debtscan.rules.redirects import redirect

ALL = "ALL"
_CODE_LIKE = re.compile(r"[A-Za-z]+[0-9]*")


def specificity(selector: str, rule: Type[Rule]) -> int:
    """How specifically ``selector`` names ``rule``: -1 not at all, 0 ``ALL``, 1 its category, else the
    length of the code prefix (a full code or the rule's name: the code's length)."""
    text = selector.strip()
    if text.upper() == ALL:
        return 0
    moved = redirect(text)  # an old code names the rule it became (ruff's redirects)
    if moved is not None:
        return len(moved) if moved == rule.code else -1
    lowered = text.lower()
    if lowered == rule.category.lower():
        return 1
    if lowered == rule.name.lower():
        return len(rule.code)
    if rule.code.upper().startswith(text.upper()) and _CODE_LIKE.fullmatch(text):
        return len(text)
    return -1


def matches(selector: str, rule: Type[Rule]) -> bool:
    return specificity(selector, rule) >= 0


def rules_matching(selector: str, rules: Mapping[str, Type[Rule]]) -> List[str]:
    """The codes ``selector`` names, sorted."""
    return sorted(code for code, rule in rules.items() if matches(selector, rule))


def canonical(selector: str, rules: Mapping[str, Type[Rule]]) -> str:
    """The selector as the rules spell it (``PIPELINE-JUNGLE`` -> ``pipeline-jungle``, ``ds2`` -> ``DS2``)."""
    text = selector.strip()
    lowered = text.lower()
    for rule in rules.values():
        if lowered in (rule.category.lower(), rule.name.lower()):
            return rule.category if lowered == rule.category.lower() else rule.name
    return text.upper()


def closest(selector: str, rules: Mapping[str, Type[Rule]]) -> List[str]:
    """The valid selectors nearest to ``selector`` (by difflib's similarity), best first, at most three.

    Something shaped like a code (letters then digits) is compared with the codes and code prefixes of its
    length, anything else with the categories and rule names."""
    text = selector.strip()
    if _looks_like_code(text):
        candidates = sorted({code[:len(text)] for code in rules if len(code) >= len(text)}
                            | {code for code in rules})
        same_length = [c for c in candidates if len(c) == len(text)]
        pool = same_length or candidates
        found = difflib.get_close_matches(text.upper(), pool, n=3, cutoff=0.0)
    else:
        pool = sorted({r.category for r in rules.values()} | {r.name for r in rules.values()})
        found = difflib.get_close_matches(text.lower(), pool, n=3, cutoff=0.0)
    return found


def _looks_like_code(text: str) -> bool:
    """Letters then a digit (``DS999``, ``DS2O1``, ``XY1``): a code or prefix, perhaps mistyped."""
    return bool(re.fullmatch(r"[A-Za-z]+[0-9][A-Za-z0-9]*", text))


def suggestion(selector: str, rules: Mapping[str, Type[Rule]]) -> str:
    """``did you mean 'DS201'?`` (the clear winner) or ``closest: 'DS1', 'DS2', 'DS3'``."""
    found = closest(selector, rules)
    if not found:
        return "`debtscan rules` lists the rules"
    text = selector.strip()
    scores = [difflib.SequenceMatcher(None, text.upper(), f.upper()).ratio() for f in found]
    if scores[0] >= 0.6 and (len(found) == 1 or scores[0] > scores[1] or scores[0] >= 0.75):
        return f"did you mean {found[0]!r}?"
    if _looks_like_code(text):  # nothing close: the families there are
        prefixes = sorted({re.match(r"[A-Z]+[0-9]", code).group(0) for code in rules if re.match(r"[A-Z]+[0-9]", code)})
        return "the code families are " + ", ".join(prefixes)
    return "closest: " + ", ".join(repr(f) for f in found)


def unknown(selectors: Iterable[str], rules: Mapping[str, Type[Rule]]) -> List[str]:
    """The selectors that name no rule, in order."""
    return [s for s in selectors if s.strip() and not any(matches(s, rule) for rule in rules.values())]


def check_selectors(selectors: Sequence[str], rules: Mapping[str, Type[Rule]], where: str) -> None:
    """Raise :class:`SelectorError` for the first selector that names no rule (``where``: ``--select``,
    ``pyproject.toml:3: [tool.debtscan] select``...)."""
    for selector in unknown(selectors, rules):
        raise SelectorError(f"{where}: unknown rule selector {selector.strip()!r}; "
                            f"{suggestion(selector, rules)} (a selector is a code, a code prefix, a category, a rule "
                            f"name or ALL; `debtscan rules` lists them)")


def selected(codes: Sequence[str], rules: Dict[str, Type[Rule]], select: Sequence[str],
             ignore: Sequence[str]) -> List[str]:
    """Codes enabled by ``select`` (default: all) minus ``ignore``; the more specific selector wins."""

    def hit(code: str, patterns: Sequence[str]) -> int:
        return max((specificity(p, rules[code]) for p in patterns), default=-1)

    out = []
    for code in codes:
        chosen = hit(code, select) if select else 0
        if chosen < 0:
            continue
        dropped = hit(code, ignore)
        if dropped >= 0 and dropped >= chosen:
            continue
        out.append(code)
    return out


def first_match(selectors: Sequence[str], rule: Optional[Type[Rule]], code: str) -> bool:
    """Whether any of ``selectors`` names the rule of ``code`` (a code prefix when the rule is unknown)."""
    if rule is None:
        return any(code.upper().startswith(s.strip().upper()) for s in selectors)
    return any(matches(s, rule) for s in selectors)
