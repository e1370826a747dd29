"""`codepilot init`: a commented configuration chosen from what this machine has (an OpenAI key, a
local Ollama server and its coder models, else a placeholder that says what to do), the patch folder
ignored by git, and on request the hook, a GitHub workflow or a GitLab CI job. Nothing existing is
overwritten without `force`; every step says what it did."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from codepilot import INSTALL
from codepilot.runtime.errors import UsageError
from codepilot.source.git import Repo

OLLAMA_TAGS = "http://localhost:11434/api/tags"
CODER_HINTS = ("coder", "code", "deepseek", "starcoder", "qwen", "devstral", "codestral")

GITHUB_WORKFLOW = """\
# Written by `codepilot init --github`: review every pull request, inline comments and a summary.
name: codepilot
on:
  pull_request:
permissions:
  contents: read
  pull-requests: write
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install "{INSTALL}"
      - run: codepilot review --publish github --fail-on error
        env:
          OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}
          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
""".replace("{INSTALL}", INSTALL)

GITLAB_JOB = """\
# Written by `codepilot init --gitlab`: review every merge request (set OPENAI_API_KEY and
# GITLAB_TOKEN, a project access token with api scope, as masked CI/CD variables).
codepilot-review:
  image: python:3.12
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  variables:
    GIT_DEPTH: 0
  script:
    - pip install "{INSTALL}"
    - codepilot review --publish gitlab --fail-on error
    - >-
      codepilot review --base "$CI_MERGE_REQUEST_DIFF_BASE_SHA" --fail-on never
      --format gitlab --output gl-code-quality.json
  artifacts:
    when: always
    reports:
      codequality: gl-code-quality.json
""".replace("{INSTALL}", INSTALL)


BITBUCKET_PIPELINE = """\
# Written by `codepilot init --bitbucket`: review every pull request.
# Set OPENAI_API_KEY and BITBUCKET_TOKEN (a repository access token with pull request write) as
# secured repository variables.
image: python:3.12
clone:
  depth: full   # the pull request's destination commit must be in the history
pipelines:
  pull-requests:
    "**":
      - step:
          name: codepilot review
          script:
            - pip install "{INSTALL}"
            - codepilot review --publish bitbucket --fail-on error
""".replace("{INSTALL}", INSTALL)


AZURE_PIPELINE = """\
# Written by `codepilot init --azure`: review every pull request.
# Set OPENAI_API_KEY as a secret pipeline variable; give the project's build service "Contribute to
# pull requests" on the repository (Project settings > Repositories > Security), and add this
# pipeline as a build validation branch policy.
trigger: none
pr:
  branches:
    include: ["*"]
pool:
  vmImage: ubuntu-latest
steps:
  - checkout: self
    fetchDepth: "0"   # the pull request's source and target commits must be in the history
  - task: UsePythonVersion@0
    inputs:
      versionSpec: "3.12"
  - script: pip install "{INSTALL}"
    displayName: install codepilot
  - script: codepilot review --publish azure --fail-on error
    displayName: codepilot review
    env:
      OPENAI_API_KEY: $(OPENAI_API_KEY)
      SYSTEM_ACCESSTOKEN: $(System.AccessToken)
""".replace("{INSTALL}", INSTALL)


@dataclass
class Done:
    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


def ollama_models(url: str = OLLAMA_TAGS, timeout: float = 0.5) -> list[str]:
    """The models a local Ollama server has, coder models first (empty when none answers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            names = [m.get("name", "") for m in json.loads(resp.read()).get("models", [])]
    except (OSError, ValueError, AttributeError):
        return []
    names = [n for n in names if isinstance(n, str) and n]
    return sorted(names, key=lambda n: (not any(h in n.lower() for h in CODER_HINTS), n))


def choose_model(ollama_url: str = OLLAMA_TAGS) -> tuple[str | None, str]:
    """(model, why): OpenAI when a key is set, else a local Ollama coder model, else none."""
    if os.environ.get("OPENAI_API_KEY"):
        return "openai:gpt-4.1-mini", "OPENAI_API_KEY is set"
    local = ollama_models(ollama_url)
    if local:
        return f"ollama:{local[0]}", f"an Ollama server on localhost:11434 has {local[0]}"
    return None, "no OPENAI_API_KEY and no Ollama server on localhost:11434"


def config_text(model: str | None, why: str, table: bool = False) -> str:
    """The commented configuration (keys as `.codepilot.toml` has them, or under
    [tool.codepilot])."""
    head = "[tool.codepilot]\n" if table else ""
    if model:
        model_line = f'model = "{model}"   # chosen by codepilot init: {why}'
    else:
        model_line = (
            '# model = "openai:gpt-4.1-mini"   # set OPENAI_API_KEY, or run a local server:\n'
            '# model = "ollama:qwen2.5-coder:7b"   # `ollama pull qwen2.5-coder:7b`\n'
            f"# (codepilot init found {why}; --dry-run works without a model)"
        )
    return f"""{head}# codepilot configuration: every key is optional; command-line options win.
# Reference: docs/reference.md (codepilot's documentation).
{model_line}
# base_url = "http://localhost:8000/v1"   # an OpenAI-compatible server (vLLM, llama.cpp...)
fail_on = "error"                 # exit 1 on findings at or above: error | warning | info | never
max_request_tokens = 10000        # prompt budget per request (estimated offline)
concurrency = 4                   # model calls in flight at once
patch_dir = ".codepilot/patches"  # where fix patches are written (ignored by git)
untracked = true                  # review untracked files too (false: list them as skipped)
hook_timeout = 120                # seconds a commit may wait for the model
max_cost = 1.00                   # refuse a run whose estimated cost (USD) is higher
confirm_over = 0.50               # ask first (in a terminal) when a run is estimated above (USD)
# exclude = ["migrations/**"]     # never reviewed
# deny = [".env*", "*.pem", "secrets/**"]   # never read nor sent (defaults cover credential files)
# instructions = \"\"\"Project rules the model should know.\"\"\"
"""


# what `init --<name>` writes, and where
PIPELINES = {
    "github": (Path(".github") / "workflows" / "codepilot.yml", GITHUB_WORKFLOW),
    "gitlab": (Path(".gitlab-ci.yml"), GITLAB_JOB),
    "bitbucket": (Path("bitbucket-pipelines.yml"), BITBUCKET_PIPELINE),
    "azure": (Path("azure-pipelines.yml"), AZURE_PIPELINE),
}


def run(
    repo: Repo,
    *,
    pyproject: bool,
    hook: bool,
    force: bool,
    pipelines: Iterable[str] = (),
    ollama_url: str = OLLAMA_TAGS,
) -> Done:
    """The configuration, the patch folder ignored, the `pipelines` named (keys of PIPELINES) and
    the hook if asked."""
    done = Done()
    model, why = choose_model(ollama_url)
    if pyproject:
        _into_pyproject(
            repo.root / "pyproject.toml", config_text(model, why, table=True), force, done
        )
    else:
        _write(repo.root / ".codepilot.toml", config_text(model, why), force, done)
    _ignore_patches(repo.root, done)
    for name in pipelines:
        path, text = PIPELINES[name]
        _write(repo.root / path, text, force, done)
    if hook:
        from codepilot.git_hooks import install

        done.say(install(repo, "pre-commit", force))
    done.say(
        f"model: {model} ({why})"
        if model
        else f"model: none yet ({why}); see the comments in the config"
    )
    return done


def _write(path: Path, text: str, force: bool, done: Done) -> None:
    if path.exists() and not force:
        raise UsageError(f"{path.name} exists: left as it is (--force replaces it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    path.write_text(text, encoding="utf-8")
    done.say(f"{'replaced' if existed else 'wrote'} {path}")


def _into_pyproject(path: Path, table: str, force: bool, done: Done) -> None:
    import tomllib

    if not path.is_file():
        raise UsageError("no pyproject.toml here: run codepilot init without --pyproject")
    text = path.read_text(encoding="utf-8")
    try:
        has = "codepilot" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"pyproject.toml: {e}") from None
    if has and not force:
        raise UsageError(
            "pyproject.toml has [tool.codepilot] already: left as it is (--force replaces it)"
        )
    if has:
        raise UsageError(
            "pyproject.toml has [tool.codepilot]: edit it by hand (init does not rewrite tables)"
        )
    if (path.parent / ".codepilot.toml").exists():
        raise UsageError(".codepilot.toml exists and wins over pyproject.toml: remove it first")
    path.write_text(text.rstrip("\n") + "\n\n" + table, encoding="utf-8")
    done.say(f"added [tool.codepilot] to {path}")


def _ignore_patches(root: Path, done: Done) -> None:
    ignore = root / ".gitignore"
    text = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    if ".codepilot/patches/" in text.splitlines():
        return
    ignore.write_text(
        text + ("" if not text or text.endswith("\n") else "\n") + ".codepilot/patches/\n",
        encoding="utf-8",
    )
    done.say(f"added .codepilot/patches/ to {ignore}")
