"""The JSON schemas the model is asked to answer against are derived from the pydantic models that
read the answers (issue 25, item 6): the same fields, all required and closed (OpenAI's strict
mode), none of the keywords strict mode refuses, and an answer the schema allows is one the model
reads."""

from __future__ import annotations

import typing
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from codepilot.check.verify import VERIFY_SCHEMA, VerifyAnswer
from codepilot.describe import DESCRIBE_SCHEMA, DescribeAnswer
from codepilot.handoff import SUMMARY_SCHEMA, SummaryAnswer
from codepilot.model.answers import GENERATE_SCHEMA, REVIEW_SCHEMA, GenerateAnswer, ReviewAnswer

CASES = [
    (REVIEW_SCHEMA, ReviewAnswer),
    (GENERATE_SCHEMA, GenerateAnswer),
    (VERIFY_SCHEMA, VerifyAnswer),
    (DESCRIBE_SCHEMA, DescribeAnswer),
    (SUMMARY_SCHEMA, SummaryAnswer),
]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds (itself, a list of it, or it or None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _model_of(arg)
        if inner is not None:
            return inner
    return None


def _object_of(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema a property describes (itself, an array's items, or one branch of a
    nullable)."""
    if schema.get("type") == "object" or "properties" in schema:
        return schema
    if schema.get("type") == "array":
        return _object_of(schema["items"])
    for branch in schema.get("anyOf", []):
        found = _object_of(branch)
        if found is not None:
            return found
    return None


# what reading an answer adds to it, never asked of the model
# why each dropped finding could not be used; what was normalised in one
OURS = {
    "unusable",
    "note",
}


def _agree(schema: dict[str, Any], model: type[BaseModel], where: str) -> None:
    props = schema["properties"]
    fields = set(model.model_fields) - OURS
    assert set(props) == fields, (
        f"{where}: schema {sorted(props)} vs {model.__name__} {sorted(fields)}"
    )
    assert set(schema["required"]) == set(props), (
        f"{where}: strict mode needs every property required"
    )
    assert schema.get("additionalProperties") is False, (
        f"{where}: strict mode needs a closed object"
    )
    for name, prop in props.items():
        inner_model = _model_of(model.model_fields[name].annotation)
        inner_schema = _object_of(prop)
        assert (inner_model is None) == (inner_schema is None), (
            f"{where}.{name}: object in one, not the other"
        )
        if inner_model is not None and inner_schema is not None:
            _agree(inner_schema, inner_model, f"{where}.{name}")


def _example(schema: dict[str, Any]) -> Any:
    """The smallest answer a schema allows, every field filled."""
    if "anyOf" in schema:
        return _example(next(b for b in schema["anyOf"] if b.get("type") != "null"))
    kind = schema.get("type")
    kind = next(k for k in kind if k != "null") if isinstance(kind, list) else kind
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {k: _example(v) for k, v in schema["properties"].items()}
    if kind == "array":
        return [_example(schema["items"])]
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": True}[kind]


@pytest.mark.parametrize(("schema", "model"), CASES, ids=[s["title"] for s, _ in CASES])
def test_schema_and_model_agree(schema: dict[str, Any], model: type[BaseModel]) -> None:
    _agree(schema, model, schema["title"])
    answer = _example(schema)
    jsonschema.validate(answer, schema)
    model.model_validate(answer)


def _nodes(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, list):
        return [n for x in schema for n in _nodes(x)]
    if not isinstance(schema, dict):
        return []
    inner = [v for k, v in schema.items() if k != "properties"]
    inner += list(schema.get("properties", {}).values())
    return [schema, *_nodes(inner)]


@pytest.mark.parametrize(("schema", "model"), CASES, ids=[s["title"] for s, _ in CASES])
def test_schema_is_strict_mode(schema: dict[str, Any], model: type[BaseModel]) -> None:
    for node in _nodes(schema)[1:]:
        assert not {"$ref", "$defs", "title", "default", "minLength"} & set(node), node
    assert "$defs" not in schema
    jsonschema.Draft202012Validator.check_schema(schema)


def test_what_reading_adds_is_never_asked() -> None:
    finding = REVIEW_SCHEMA["properties"]["findings"]["items"]
    assert "note" not in finding["properties"] and "unusable" not in REVIEW_SCHEMA["properties"]
    assert finding["properties"]["path"]["description"] == (
        "the file's path exactly as shown in its header"
    )
    assert finding["properties"]["fix"]["anyOf"][1] == {"type": "null"}
