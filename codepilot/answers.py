"""The answers the model is asked for (the contract's shapes): JSON schemas sent with the request,
pydantic models that validate what comes back, and the re-ask loop for answers that fail validation."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from codepilot.models import Model, Reply, Usage

Severity = Literal["error", "warning", "info"]
Category = Literal["bug", "security", "performance", "maintainability", "style", "test"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
CATEGORIES: tuple[str, ...] = ("bug", "security", "performance", "maintainability", "style", "test")


class Fix(BaseModel):
    model_config = ConfigDict(extra="ignore")
    find: str
    replace: str


_SEVERITY_WORDS = {"critical": "error", "blocker": "error", "high": "error", "major": "error", "medium": "warning",
                   "moderate": "warning", "low": "info", "minor": "info", "note": "info", "nit": "info",
                   "suggestion": "info", "information": "info"}
_CATEGORY_WORDS = {"correctness": "bug", "logic": "bug", "reliability": "bug", "error-handling": "bug",
                   "error handling": "bug", "concurrency": "bug", "perf": "performance",
                   "readability": "maintainability", "design": "maintainability", "complexity": "maintainability",
                   "documentation": "maintainability", "formatting": "style", "nitpick": "style",
                   "tests": "test", "testing": "test", "vulnerability": "security"}


class AnswerFinding(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str = Field(min_length=1)
    line: int
    end_line: int | None = None
    severity: Severity
    category: Category
    title: str = Field(min_length=1)
    body: str = ""
    fix: Fix | None = None

    @field_validator("severity", "category", mode="before")
    @classmethod
    def _words(cls, value: object, info: ValidationInfo) -> object:
        """Common synonyms are understood rather than re-asked (each re-ask costs the user tokens)."""
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        table = _SEVERITY_WORDS if info.field_name == "severity" else _CATEGORY_WORDS
        return table.get(word, word)


class ReviewAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    findings: list[AnswerFinding]


class Edit(BaseModel):
    model_config = ConfigDict(extra="ignore")
    path: str = Field(min_length=1)
    find: str
    replace: str


class GenerateAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    summary: str
    edits: list[Edit]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_FIX = {"type": "object", "additionalProperties": False, "required": ["find", "replace"],
        "properties": {"find": {"type": "string", "description": "exact existing lines of the new file"},
                       "replace": {"type": "string", "description": "the lines that replace them"}}}

REVIEW_SCHEMA: dict[str, Any] = {
    "title": "review", "description": "Findings about the change under review.",
    "type": "object", "additionalProperties": False, "required": ["findings"],
    "properties": {"findings": {"type": "array", "items": {
        "type": "object", "additionalProperties": False,
        "required": ["path", "line", "end_line", "severity", "category", "title", "body", "fix"],
        "properties": {
            "path": {"type": "string", "description": "the file's path exactly as shown in its header"},
            "line": {"type": "integer", "description": "first line of the problem, new-file numbering"},
            "end_line": _nullable({"type": "integer"}),
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "title": {"type": "string", "description": "one short line"},
            "body": {"type": "string", "description": "what is wrong, why it matters, how to fix it"},
            "fix": _nullable(_FIX),
        }}}},
}

GENERATE_SCHEMA: dict[str, Any] = {
    "title": "generate", "description": "Edits that implement the instruction.",
    "type": "object", "additionalProperties": False, "required": ["summary", "edits"],
    "properties": {
        "summary": {"type": "string"},
        "edits": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["path", "find", "replace"],
            "properties": {"path": {"type": "string"},
                           "find": {"type": "string", "description": "exact existing lines; empty creates a file"},
                           "replace": {"type": "string"}}}},
    },
}


class AnswerInvalid(Exception):
    """Still invalid after the re-asks."""


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
        return shape.model_validate(data), None
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return None, f"{where}: {err['msg']}" + (f" ({len(e.errors())} problems)" if len(e.errors()) > 1 else "")


def ask(model: Model, messages: list[dict[str, str]], shape: type[BaseModel], schema: dict[str, Any],
        retries: int) -> tuple[BaseModel, Usage, int]:
    """A validated answer, re-asking with the validation error up to `retries` times.
    Returns (answer, usage of every attempt, attempts)."""
    usage = Usage()
    convo = list(messages)
    problem = "no answer"
    for attempt in range(1, retries + 2):
        reply = model.execute(convo, schema)
        usage += reply.usage
        answer, problem_or_none = _problem(reply, shape)
        if answer is not None:
            return answer, usage, attempt
        problem = problem_or_none or "invalid"
        convo = [*messages, {"role": "assistant", "content": reply.text[:4000] or "(empty)"},
                 {"role": "user", "content": f"That answer was invalid: {problem}. Answer again with JSON only, "
                                             "exactly matching the schema."}]
    raise AnswerInvalid(f"invalid answer after {retries + 1} attempt(s): {problem}")
