"""Whether an HR question is about someone else: "how many vacation days does Nora Bianchi have left?",
"show me my team's pending requests".

The HR assistant shows only the asking employee's own records. Answering such a question with
the asker's own balance, as if it were the colleague's, misleads: the reply must say whose records
it can show instead. A colleague is recognised by name from the staff list (the full name in any
case, or the first name written with a capital, not as a sentence's first word), or by words for
other people ("my team", "a colleague's").
"""

from __future__ import annotations

import re

from backoffice.hr_domain import Employee

OTHER_PEOPLE_RE = re.compile(
    r"(?i)\b(?:my|our)\s+(?:team|team members?|reports|direct reports|staff|people|colleagues?|co-?workers?)\b"
    r"|\bteam'?s\b|\b(?:a|my)\s+(?:colleague|co-?worker)'?s\b|\bsomeone else'?s\b"
)
# Where a capitalised word may just start a sentence.
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)$")


def named_colleague(text: str, employees: list[Employee], self_id: int) -> str | None:
    """Another employee's name as `text` writes it, or None. Only the words the person typed are said back:
    the reply must not complete a first name into a full one."""
    own_first = next((e.name.split()[0] for e in employees if e.id == self_id and e.name), None)
    for employee in employees:
        if employee.id == self_id or not employee.name.strip():
            continue
        full = re.search(rf"(?i)\b({re.escape(employee.name)})(?:['’]?s)?\b", text)  # "daniel harpers" too
        if full:
            return full.group(1)
        first = employee.name.split()[0]
        if first == own_first:
            continue
        for match in re.finditer(rf"\b{re.escape(first)}\b", text):
            if not _SENTENCE_START.search(text[: match.start()]):
                return match.group(0)
    return None


def asks_about_others(text: str) -> bool:
    """Words for other people's records ("my team's requests", "a colleague's balance")."""
    return bool(OTHER_PEOPLE_RE.search(text))
