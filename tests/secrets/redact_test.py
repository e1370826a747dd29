"""Redaction rules as a table of cases (issue 28, item 12): each text reaches no request with its
secret, and public test vectors or code that merely names a secret stay as they are."""

from __future__ import annotations

import pytest

from codepilot.secrets.redact import Redactor

SECRETS = [  # (file name, text, the secret in it)
    ("app.config", "<Password>Xm1Pa55w0rd!</Password>", "Xm1Pa55w0rd!"),
    ("app.config", "<SECRET>Zq9Secr3tValue</SECRET>", "Zq9Secr3tValue"),
    ("settings.xml", "<DB_PASSWORD>Db-Pa55-2024</DB_PASSWORD>", "Db-Pa55-2024"),
    ("settings.xml", "<stripeApiKey>abcXYZ123secretval</stripeApiKey>", "abcXYZ123secretval"),
    ("client.py", 'requests.get(url, auth=("admin", "Adm1n-S3cret"))', "Adm1n-S3cret"),
    ("client.py", 'session.auth = HTTPBasicAuth("bob", "B0bsPassw0rd")', "B0bsPassw0rd"),
    ("deploy.yml", "aws_credentials: AKIAXYZ/Sup3rSecretKeyValue", "Sup3rSecretKeyValue"),
    (
        "alerts.py",
        "HOOK = "
        '"https://discord.com/api/webhooks/123456789012345678/AbCdEf-GhIjKlMnOpQrStUvWxYz_0123456789abcdefghijklmnopqrs"',
        "AbCdEf-GhIjKlMnOpQrStUvWxYz_0123456789",
    ),
    (
        "alerts.py",
        "TEAMS = "
        '"https://acme.webhook.office.com/webhookb2/1a2b3c4d-1111-2222-3333-444455556666@abcd/IncomingWebhook/0123456789abcdef0123456789abcdef/9f8e7d6c"',
        "0123456789abcdef0123456789abcdef",
    ),
    (
        "db.py",
        'DSN = "host=db.internal port=5432 dbname=app user=app password=Pg-S3cret-77"',
        "Pg-S3cret-77",
    ),
    ("init.sql", "CREATE USER app WITH PASSWORD 'Sql-Passw0rd-1';", "Sql-Passw0rd-1"),
    ("init.sql", "CREATE USER 'app'@'%' IDENTIFIED BY 'My5ql-Secret';", "My5ql-Secret"),
    (
        "okta.py",
        'headers = {"Authorization": "SSWS 00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abc"}',
        "00aBcDeFgHiJkLmNoPqRsTuVwXyZ",
    ),
    (
        "sentry.py",
        'sentry_sdk.init("https://0123456789abcdef0123456789abcdef@o12345.ingest.sentry.io/678")',
        "0123456789abcdef0123456789abcdef",
    ),
    (
        "push.py",
        "FCM = "
        '"AAAAabcdefg:APA91bHPRgkFLJu6ZaKLkRnZNdIqAJrqjS2EE3Hu8gFPZ7nLp0N3_X_nP4AL0gBXhD6nbKf3ydMZkA4AA'
        'zwfe-1s7nDPvnDjHFaFgr9sdNPE6Jw8uJLhb6UVHzBIBN4QyVwnIT3fnpl"',
        "APA91bHPRgkFLJu6ZaKLkRnZNdIqAJrqjS2EE3Hu8g",
    ),
    (
        "pay.py",
        'BT = "access_token$production$abcd1234efgh5678$0123456789abcdef0123456789abcdef"',
        "0123456789abcdef0123456789abcdef",
    ),
    ("oss.py", 'ACCESS_KEY_ID = "LTAI5tAbCdEfGhIjKlMnOp"', "LTAI5tAbCdEfGhIjKlMnOp"),
    (
        "deploy.sh",
        "gh-cli login --token Tk_9f8e7d6c5b4a39281706 --host x",
        "Tk_9f8e7d6c5b4a39281706",
    ),
    (
        "kubeconfig",
        "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVB",
        "LS0tLS1CRUdJTiBSU0Eg",
    ),
    ("NuGet.Config", '<add key="ClearTextPassword" value="NuG3t-Passw0rd" />', "NuG3t-Passw0rd"),
    (
        "Web.config",
        '<add key="PaymentApiSecret" value="Pay-S3cret-Value-9" />',
        "Pay-S3cret-Value-9",
    ),
    ("Dockerfile", "ENV DB_PASS=D0cker-Pa55", "D0cker-Pa55"),
    ("Dockerfile", "ENV API_TOKEN Tok3n-Value-9z", "Tok3n-Value-9z"),
    (
        "keys.py",
        'KEY = "'
        + "".join(f"\\x{ord(c):02x}" for c in "ghp_abcdefghijklmnopqrstuvwxyz0123456789")
        + '"',
        "\\x67\\x68\\x70\\x5f\\x61\\x62",
    ),
    ("config.py", 'contrasena = "Clave-Secreta-9"', "Clave-Secreta-9"),
    ("config.py", 'passwort = "Geheim-Passw0rt"', "Geheim-Passw0rt"),
    ("config.py", 'mot_de_passe = "Secr3t-Francais"', "Secr3t-Francais"),
    ("settings.yaml", "senha: Senh4-Secreta", "Senh4-Secreta"),
]


@pytest.mark.parametrize(
    ("name", "text", "secret"), SECRETS, ids=[f"{n}:{t[:30]}" for n, t, _ in SECRETS]
)
def test_each_secret_is_redacted(name: str, text: str, secret: str) -> None:
    out = Redactor().text(text, name)
    assert secret not in out and "[REDACTED:" in out, out
    assert out.count("\n") == text.count("\n")


CLEAN = [  # (file name, text): nothing here is a credential
    ("test_jwt.py", 'secret = "secret"'),
    ("test_jwt.py", 'key = "your-256-bit-secret"'),
    ("auth.py", "def check_password(password, encoded):"),
    ("auth.py", "password = form.cleaned_data['password']"),
    ("auth.py", "user.set_password(raw_password)"),
    ("models.py", "password: str = Field(min_length=8)"),
    ("docs.md", "Set the `password` option to your database password."),
]


@pytest.mark.parametrize(("name", "text"), CLEAN, ids=[t[:30] for _, t in CLEAN])
def test_code_that_names_a_secret_stays(name: str, text: str) -> None:
    assert Redactor().text(text, name) == text


def test_a_value_found_once_is_redacted_everywhere_in_the_text() -> None:
    text = (
        'def connect(password="S3cr3t-Pa55w0rd-9f8e7d"):\n    """The default is '
        'S3cr3t-Pa55w0rd-9f8e7d."""\n'
    )
    assert "S3cr3t-Pa55w0rd" not in Redactor().text(text, "db.py")


def test_placeholders_are_not_secrets() -> None:
    for text in ('api_key = "your_api_key_here"', 'token = "<token>"', 'password = "********"'):
        assert Redactor().text(text, "settings.py") == text


def test_a_token_as_a_file_name_is_skipped_and_named_redacted(
    tmp_path, capsys, monkeypatch
) -> None:
    import json

    from tests.support.repos import GitRepo, run_cli

    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    name = "keys/ghp_abcdefghijklmnopqrstuvwxyz0123456789AB.json"
    repo.write(name, '{"x": 1}\n')
    repo.write("a.py", "A = 2\n")
    code, out, err = run_cli(
        ["review", "--dry-run", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert code == 0, err
    assert "ghp_abcdefghijklmnopqrstuvwxyz" not in out
    doc = json.loads(out)
    assert {
        "path": "keys/[REDACTED:credential].json",
        "reason": "its name holds a credential; never read nor sent",
    } in doc["skipped"]
