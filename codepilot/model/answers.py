"""The answers the model is asked for (docs/reference.md): JSON schemas sent with the request,
pydantic models that validate what comes back, and the re-ask loop for answers that fail
validation."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema

from codepilot.model.models import Model, Reply, RequestFailed, Usage

Severity = Literal["error", "warning", "info"]
Category = Literal["bug", "security", "performance", "maintainability", "style", "test"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
CATEGORIES: tuple[str, ...] = ("bug", "security", "performance", "maintainability", "style", "test")


class Fix(BaseModel):
    model_config = ConfigDict(extra="ignore")
    find: str = Field(description="exact existing lines of the new file")
    replace: str = Field(description="the lines that replace them")


_SEVERITY_WORDS = {
    "critical": "error",
    "blocker": "error",
    "high": "error",
    "major": "error",
    "medium": "warning",
    "moderate": "warning",
    "low": "info",
    "minor": "info",
    "note": "info",
    "nit": "info",
    "suggestion": "info",
    "information": "info",
}
_CATEGORY_WORDS = {
    "correctness": "bug",
    "logic": "bug",
    "reliability": "bug",
    "error-handling": "bug",
    "error handling": "bug",
    "concurrency": "bug",
    "perf": "performance",
    "readability": "maintainability",
    "design": "maintainability",
    "complexity": "maintainability",
    "documentation": "maintainability",
    "formatting": "style",
    "nitpick": "style",
    "tests": "test",
    "testing": "test",
    "vulnerability": "security",
    "docs": "maintainability",
    "doc": "maintainability",
    "docstring": "maintainability",
    "naming": "style",
    "typo": "style",
    "type": "bug",
    "typing": "bug",
    "types": "bug",
    "safety": "security",
    "efficiency": "performance",
    "robustness": "bug",
    "validation": "bug",
}
FALLBACK = {"severity": "warning", "category": "maintainability"}  # for words no table knows


class AnswerFinding(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str = Field(min_length=1, description="the file's path exactly as shown in its header")
    line: int = Field(description="first line of the problem, new-file numbering")
    end_line: int | None = None
    severity: Severity
    category: Category
    title: str = Field(min_length=1, description="one short line")
    body: str = Field("", description="what is wrong, why it matters, how to fix it")
    fix: Fix | None = None
    # what was normalised in this finding (said to the user, never asked of the model)
    note: SkipJsonSchema[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        """Common synonyms are understood rather than re-asked (each re-ask costs the user tokens);
        a word no table knows becomes a listed value, and the finding says so."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        notes = []
        for name, table, listed in (
            ("severity", _SEVERITY_WORDS, SEVERITIES),
            ("category", _CATEGORY_WORDS, CATEGORIES),
        ):
            value = data.get(name)
            said = value.strip().lower() if isinstance(value, str) else None
            word = table.get(said, said) if said else None
            if word not in listed:
                word = FALLBACK[name]
            if word != said:
                notes.append(
                    f"the model's {name} {str(value)[:40]!r} is not one of "
                    f"{', '.join(listed)}: shown as {word}"
                )
            data[name] = word
        if not (isinstance(data.get("title"), str) and data["title"].strip()) and isinstance(
            data.get("body"), str
        ):
            data["title"] = data["body"].strip().split("\n", 1)[0]
        if notes:
            data["note"] = "; ".join(notes)
        return data


class ReviewAnswer(BaseModel):
    """The findings that could be used; each unusable one is dropped alone, with its reason."""

    model_config = ConfigDict(extra="ignore")
    findings: list[AnswerFinding]
    # why each dropped finding could not be used (ours, never asked of the model)
    unusable: SkipJsonSchema[list[str]] = []

    @model_validator(mode="before")
    @classmethod
    def _one_by_one(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
            return data  # the answer as a whole is unusable: re-asked
        kept, unusable = [], list(data.get("unusable") or [])
        for item in data["findings"]:
            try:
                kept.append(AnswerFinding.model_validate(item))
            except ValidationError as e:
                err = e.errors()[0]
                where = ".".join(str(p) for p in err["loc"]) or "finding"
                unusable.append(f"{where}: {err['msg']}")
        return {**data, "findings": kept, "unusable": unusable}


class Edit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str = Field(min_length=1)
    find: str = Field(description="exact existing lines; empty creates a file")
    replace: str


class GenerateAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    summary: str
    edits: list[Edit]


# what OpenAI's strict structured outputs refuse or we never ask: pydantic's titles and defaults,
# the length limits (checked when the answer is read)
_NOT_ASKED = ("title", "default", "minLength", "maxLength")


def answer_schema(shape: type[BaseModel], title: str, description: str = "") -> dict[str, Any]:
    """The JSON schema the model answers against, derived from the pydantic model that reads the
    answer, so the two cannot drift: strict mode's form (every object closed, every property
    required — an optional one as `anyOf [..., null]` —, no `$ref`), descriptions from the fields,
    and nothing of what reading adds (`SkipJsonSchema` fields)."""
    raw = shape.model_json_schema()
    defs = raw.pop("$defs", {})

    def strict(node: Any) -> Any:
        if isinstance(node, list):
            return [strict(x) for x in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return strict(defs[node["$ref"].rsplit("/", 1)[-1]])
        out = {k: strict(v) for k, v in node.items() if k not in _NOT_ASKED and k != "properties"}
        if "properties" in node:
            out.pop("description", None)  # a class's docstring is ours, not the model's
            out["additionalProperties"] = False
            out["required"] = list(node["properties"])
            out["properties"] = {k: strict(v) for k, v in node["properties"].items()}
        return out

    return {"title": title, **({"description": description} if description else {}), **strict(raw)}


REVIEW_SCHEMA = answer_schema(ReviewAnswer, "review", "Findings about the change under review.")
GENERATE_SCHEMA = answer_schema(GenerateAnswer, "generate", "Edits that implement the instruction.")


class AnswerInvalid(Exception):
    """Still invalid after the re-asks; carries the usage of every attempt (each was billed)."""

    def __init__(self, message: str, usage: Usage | None = None, attempts: int = 0) -> None:
        super().__init__(message)
        self.usage, self.attempts = usage or Usage(), attempts


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# terminal control (C0 but tab and newline, DEL, C1) and bidirectional overrides: never shown as
# they are
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# kept as given (but lone surrogates): checked later
CODE_KEYS = frozenset({"find", "replace", "path"})


def clean(value: Any, key: str = "") -> Any:
    """The model's text made safe at the boundary: lone surrogates (which no file, terminal or
    database takes) replaced, and outside code, terminal escapes and bidirectional controls
    removed."""
    if isinstance(value, str):
        value = _SURROGATE.sub("\ufffd", value)
        return value if key in CODE_KEYS else CONTROL.sub("", value.replace("\r\n", "\n"))
    if isinstance(value, list):
        return [clean(v, key) for v in value]
    if isinstance(value, dict):
        return {k: clean(v, str(k)) for k, v in value.items()}
    return value


def _problem(reply: Reply, shape: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    if reply.data is None:
        return None, reply.problem or "the answer is not JSON"
    data = reply.data
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None, "the answer is not JSON"
    try:
        answer = shape.model_validate(clean(data))
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return None, f"{where}: {err['msg']}" + (
            f" ({len(e.errors())} problems)" if len(e.errors()) > 1 else ""
        )
    if isinstance(answer, ReviewAnswer) and answer.unusable and not answer.findings:
        # the answer as a whole is unusable
        return (
            None,
            f"no finding could be used: {answer.unusable[0]}",
        )
    return answer, None


def ask(
    model: Model,
    messages: list[dict[str, str]],
    shape: type[BaseModel],
    schema: dict[str, Any],
    retries: int,
) -> tuple[BaseModel, Usage, int]:
    """A validated answer, re-asking with the validation error up to `retries` times.
    Returns (answer, usage of every attempt, attempts)."""
    usage = Usage()
    convo = list(messages)
    problem = "no answer"
    for attempt in range(1, retries + 2):
        try:
            reply = model.execute(convo, schema)
        except RequestFailed as e:
            e.usage, e.attempts = usage, attempt - 1  # the answers before this one were billed
            raise
        usage += reply.usage
        answer, problem_or_none = _problem(reply, shape)
        if answer is not None:
            return answer, usage, attempt
        problem = problem_or_none or "invalid"
        convo = [
            *messages,
            {"role": "assistant", "content": reply.text[:4000] or "(empty)"},
            {
                "role": "user",
                "content": f"That answer was invalid: {problem}. Answer again with JSON only, "
                "exactly matching the schema.",
            },
        ]
    raise AnswerInvalid(
        f"invalid answer after {retries + 1} attempt(s): {problem}", usage, retries + 1
    )
