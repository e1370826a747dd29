"""`--verify`: each candidate finding re-checked in a focused second request — the finding as
reported and its code (the enclosing definition, numbered) — asking the model to confirm or refute
it. Refuted findings are dropped and listed with their reason; a finding with no verdict is kept.
Requests go through the same call path as the review (cache, redaction, re-asks, usage and cost),
one per file."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from codepilot.check.findings import Finding
from codepilot.model.answers import answer_schema
from codepilot.model.calls import Caller
from codepilot.model.models import Usage
from codepilot.prompt.prepared import Prepared
from codepilot.prompt.views import numbered
from codepilot.secrets.redact import Redactor

SYSTEM, USER = "verify-system.md", "verify-user.md"
AROUND = 12  # lines of code either side of a finding when its definition is unknown or long
MAX_PER_REQUEST = 12


class Verdict(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(description="the finding's title, exactly as shown")
    confirmed: bool
    reason: str = ""


class VerifyAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    verdicts: list[Verdict]


VERIFY_SCHEMA = answer_schema(VerifyAnswer, "verify")


@dataclass
class Refuted:
    id: str
    path: str
    line: int
    title: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "title": self.title,
            "reason": self.reason,
        }


@dataclass
class Checked:
    kept: list[Finding]
    refuted: list[Refuted] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    requests: int = 0
    cached: int = 0
    sent: int = 0  # attempts that went to the model (re-asks included)
    errors: list[str] = field(default_factory=list)


def _code(prepared: Prepared, f: Finding) -> str:
    rf = prepared.changeset.file(f.path)
    if rf is None:
        return ""
    lines = rf.new_lines
    lo, hi = max(1, f.line - AROUND), min(len(lines), f.end_line + AROUND)
    return numbered(lines, lo, hi, set())


def messages_for(
    prepared: Prepared, findings: list[Finding], redactor: Redactor
) -> list[dict[str, str]]:
    parts = []
    for f in findings:
        parts.append(
            f"### {f.title}\n{f.path}:{f.line}-{f.end_line} ({f.severity}, "
            f"{f.category})\n{f.body}\n"
            f"```\n{redactor.text(_code(prepared, f), f.path)}\n```"
        )
    user = prepared.templates.render(USER, findings="\n\n".join(parts))
    return [
        {"role": "system", "content": prepared.templates.render(SYSTEM)},
        {"role": "user", "content": user},
    ]


def verify(prepared: Prepared, caller: Caller, findings: list[Finding]) -> Checked:
    """The findings the second reading confirms (or gives no verdict on), and the refuted ones."""
    out = Checked(kept=[])
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    redactor = Redactor()
    for group in by_file.values():
        for i in range(0, len(group), MAX_PER_REQUEST):
            batch = group[i : i + MAX_PER_REQUEST]
            outcome = caller.call(
                messages_for(prepared, batch, redactor), VerifyAnswer, VERIFY_SCHEMA
            )
            out.requests += 1
            out.cached += outcome.cached
            out.sent += 0 if outcome.cached else outcome.attempts
            out.usage += outcome.usage
            if not isinstance(outcome.answer, VerifyAnswer):
                out.errors.append(outcome.error or "no answer")
                out.kept += batch  # not double-checked: kept, and the run says so
                continue
            said = {" ".join(v.title.split()).lower(): v for v in outcome.answer.verdicts}
            for f in batch:
                v = said.get(" ".join(f.title.split()).lower())
                if v is not None and not v.confirmed:
                    out.refuted.append(
                        Refuted(f.id, f.path, f.line, f.title, " ".join(v.reason.split())[:400])
                    )
                else:
                    out.kept.append(f)
    return out
