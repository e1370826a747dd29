"""Credentials of every common format stay home (issue 11): each line below reaches no request,
through review and generate, while code that merely names a secret stays as it is."""

from __future__ import annotations

import json

import pytest

from codepilot.secrets.redact import Redactor
from tests.support.fake_openai import FakeOpenAI
from tests.support.repos import GitRepo, run_cli

CONFIG_LINES = {  # line of a configuration file or script -> the secret in it
    "url = "
    "https://a.blob.core.windows.net/c?sv=2022&sp=r&sig=Zq8Lm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5KlQw%2Bxyz%3D": (
        "Zq8Lm3Nx7Rt2Vw9Yb4Dc6Fg1Hj5KlQw"
    ),
    "_auth=dXNlcm5hbWU6cGFzc3dvcmQxMjM0NTY=": "dXNlcm5hbWU6cGFzc3dvcmQxMjM0NTY",
    "REDIS_URL=redis://:Sup3rS3cretPw@redis.example.com:6379/0": "Sup3rS3cretPw",
    "passphrase: correct-horse-battery-staple": "correct-horse-battery-staple",
    "mysql_root_pw: Tr0ub4dor&3": "Tr0ub4dor&3",
    "smtp_credentials: mailuser:MailP4ssw0rd": "MailP4ssw0rd",
    "DATABASE_PASSWORD=hunter2hunter2": "hunter2hunter2",
    "ADMIN_PW=letmein2024": "letmein2024",
    "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l": "YWxhZGRpbjpvcGVuc2VzYW1l",
    "<password>Xm1Pa55w0rd!</password>": "Xm1Pa55w0rd!",
    '{"auths": {"ghcr.io": {"auth": '
    '"dXNlcjpnaHBfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="}}}': (
        "dXNlcjpnaHBfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY"
    ),
    "curl -u admin:Adm1nPassw0rd https://api.example.com": "Adm1nPassw0rd",
    "sshpass -p 'Sshp4ssw0rd' ssh user@host": "Sshp4ssw0rd",
    "mysql -u root -pR00tPassw0rd db": "R00tPassw0rd",
    "token: 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": "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",
    "do: dop_v1_1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef": (
        "dop_v1_1234567890abcdef"
    ),
    "host_token: dapi1234567890abcdef1234567890abcdef": "dapi1234567890abcdef1234567890abcdef",
    "VAULT: hvs.CAESIJ1234567890abcdefghijklmnopqrstuvwxyzABCDEFG": "hvs.CAESIJ1234567890abcdef",
    "MAILGUN: key-1234567890abcdef1234567890abcdef": "key-1234567890abcdef1234567890abcdef",
    "client_secret: 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": "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",
    "aws_access_key_id: AKIAABCDEFGHIJKLMNOP": "AKIAABCDEFGHIJKLMNOP",
}
SPLIT_KEY = 'KEY = (\n    "sk-proj-abcdefghijklmnop"\n    "qrstuvwxyz0123456789ABCD"\n)\n'


@pytest.mark.parametrize("line", sorted(CONFIG_LINES))
def test_each_format_is_redacted(line: str) -> None:
    out = Redactor().text(line, "deploy/settings.conf")
    assert CONFIG_LINES[line] not in out and "[REDACTED:" in out


def test_a_key_split_over_two_lines() -> None:
    out = Redactor().text(SPLIT_KEY, "keys.py")
    assert (
        "abcdefghijklmnop" not in out
        and "qrstuvwxyz0123456789ABCD" not in out
        and out.count("\n") == 4
    )


def test_distinct_secrets_are_counted_once() -> None:
    r = Redactor()
    r.text("DATABASE_PASSWORD=hunter2hunter2\nDATABASE_PASSWORD=hunter2hunter2\n", "a.env.conf")
    r.text("DATABASE_PASSWORD=hunter2hunter2\n", "b.conf")
    assert sum(r.found.values()) == 1


@pytest.mark.parametrize(
    "name",
    [
        ".env",
        ".envrc",
        ".env-prod",
        ".env_local",
        ".ENV",
        "prod.env",
        ".netrc",
        ".pgpass",
        ".git-credentials",
        ".aws/credentials",
        "keys/id_ed25519",
        "putty.ppk",
        "infra/terraform.tfstate",
    ],
)
def test_credential_files_are_denied_by_name(repo: GitRepo, capsys, monkeypatch, name: str) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    repo.write(name, "password=Sup3rS3cret\n")
    code, out, _ = run_cli(
        ["review", "--dry-run", "--format", "json"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert "Sup3rS3cret" not in json.dumps(doc["requests"])
    assert any(s["path"] == name and s["reason"].startswith("denied") for s in doc["skipped"])


def test_none_reach_the_model_through_review_or_generate(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("deploy/app.conf", "# settings\n")
    repo.commit("base")
    repo.write("deploy/app.conf", "\n".join(CONFIG_LINES) + "\n")
    repo.write("keys.py", SPLIT_KEY)
    llm.default = {"findings": []}
    run_cli(["review"], repo.root, capsys, monkeypatch)
    llm.default = {"summary": "ok", "edits": []}
    run_cli(
        ["generate", "document the settings", "--path", "deploy/app.conf"],
        repo.root,
        capsys,
        monkeypatch,
    )
    wire = json.dumps(llm.history)
    assert len(llm.history) == 2
    for secret in [*CONFIG_LINES.values(), "abcdefghijklmnop"]:
        assert secret not in wire, secret


def test_a_rerun_scans_only_new_text_and_still_redacts(repo: GitRepo, capsys, monkeypatch) -> None:
    """Texts found clean are remembered by digest (never their text); a text with a secret is
    scanned, redacted and counted again on every run."""
    import os
    import sqlite3
    from pathlib import Path

    from tests.support.repos import dry_json

    repo.write("app.py", "def a():\n    return 1\n")
    repo.commit("base")
    repo.write(
        "app.py",
        'def a():\n    return 2\n\n\ndef b():\n    key = "AKIAABCDEFGHIJKLMNOP"\n    return key\n',
    )
    first = dry_json([], repo.root, capsys, monkeypatch)
    memory = Path(os.environ["XDG_CACHE_HOME"]) / "codepilot" / "scanned.sqlite"
    rows = sqlite3.connect(memory).execute("SELECT digest FROM clean").fetchall()
    assert rows and all(len(r[0]) == 16 for r in rows)
    assert b"return" not in memory.read_bytes()
    second = dry_json([], repo.root, capsys, monkeypatch)
    assert (
        second["requests"] == first["requests"]
        and second["stats"]["redacted"] == first["stats"]["redacted"]
    )
    assert "AKIAABCDEFGHIJKLMNOP" not in json.dumps(second) and first["stats"]["redacted"]
