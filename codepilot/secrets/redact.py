"""Secrets never leave the machine: credentials in the text about to be sent are replaced by
placeholders on the same line (line numbers stay intact).

Detection is three rule sets: our own (token formats, keyed values that look like secrets,
credentials in URLs and in command lines, tokens hidden in escapes), detect-secrets' plugins (cloud
keys, tokens, API keys, passwords in URLs and assignments, private keys, high-entropy strings) and,
where its wheel exists, Betterleaks' gitleaks-style rules. A cheap prefilter over the whole text
picks the lines worth giving to the slower rules; a private key's whole block (BEGIN .. END) is
replaced, line by line. What was found clean is remembered by `memory.CleanTexts`."""

from __future__ import annotations

import functools
import hashlib
import re
from bisect import bisect_right
from collections import Counter
from typing import Any

from codepilot.syntax.languages import suffix

# Lines that can hold something a plugin finds: a long token with a digit in it (every key format
# and every high-entropy string is one), a hex string, a keyword before an assignment, credentials
# in a URL, a key block. Only those lines go through the (slower) plugins.
_TOKENISH = re.compile(r"""[A-Za-z0-9+/=_\-~]{20,}""")
_SHAPED = re.compile(r"""["'][0-9a-fA-F]{8,}["']|://[^\s/@:]*:[^\s/@]+@""")
_KEYWORDISH = re.compile(
    r"(?:pass|pwd|secret|token|api.?key|credential|auth.?key|contrase|senha|wachtwoord|has(?:l|ł)o|senord|salasana"
    r"|kennwort)[\w\-.]*[\"'\]]?\s*(?:=|:|=>|>)"
)
_KEY_BLOCK = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----.*?(?:-----END[A-Z0-9 ]*-----|\Z)", re.S
)
# numbered code or diff marker, indentation
_LINE_PREFIX = re.compile(r"(?:\s*\d+[+ ]\| |[+\- ])?\s*")
_URL_CREDENTIALS = re.compile(r"://([^\s/@:'\"]*):([^\s/@'\"]+)@")  # redis://:pw@ has no user
# Formats detect-secrets has no detector for (bearer tokens, newer API key prefixes, connection
# strings); the group is the secret.
_EXTRA_TOKENS = re.compile(
    r"(?i:\bbearer\s+)([A-Za-z0-9\-._~+/]{16,}=*)"
    r"|\b(sk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z\-_]{35}|hf_[A-Za-z0-9]{30,}"
    r"|glpat-[A-Za-z0-9\-_]{20,}|npm_[A-Za-z0-9]{36}|SG\.[\w\-]{16,}\.[\w\-]{16,})"
    r"|AccountKey=([A-Za-z0-9+/=]{20,})"
)
# Formats found by their shape wherever they stand (no digit needed, so never behind the token
# prefilter): vendor prefixes, and credentials in headers, URLs, markup and command lines. Each rule
# names the literal pieces (lower case) that any text it matches contains: the prefilter looks for
# those with str.find in the lowered text, so the (slow) alternation runs only on the few lines that
# hold one — and the prefilter is derived from the rules, never kept in step by hand. The group is
# the secret.
_FORMAT_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("akia", "asia", "abia", "acca"), r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b"),
    (("shp",), r"\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})"),
    (("_v1_",), r"\b(do[opr]_v1_[a-f0-9]{64})"),
    (("dapi",), r"\b(dapi[a-f0-9]{32}(?:-\d+)?)"),
    (("hvs.", "hvb.", "hvr."), r"\b(hv[sbr]\.[A-Za-z0-9_\-]{24,})"),
    (("key-",), r"\b(key-[a-f0-9]{32})\b"),
    (("gocspx-",), r"\b(GOCSPX-[A-Za-z0-9_\-]{24,})"),
    (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})",
    ),
    (("xox",), r"\b(xox[abprs]-[A-Za-z0-9\-]{10,})"),
    (("_live_",), r"\b((?:sk|rk)_live_[A-Za-z0-9]{20,})"),
    (("sig=",), r"[?&]sig=([A-Za-z0-9%+/=]{16,})"),
    (("authorization",), r"(?i:authorization[\"']?\s*[:=]\s*[\"']?basic\s+)([A-Za-z0-9+/=]{8,})"),
    (("_auth", "_password"), r"\b_(?:auth|authToken|password)\s*=\s*[\"']?([^\s\"']{6,})"),
    (('"auth"',), r"\"auth\"\s*:\s*\"([A-Za-z0-9+/=]{8,})\""),
    (("curl",), r"\bcurl\b[^\n]*?\s(?:-u|--user)\s*[\"']?[^\s:\"']*:([^\s\"']+)"),
    (("sshpass",), r"\bsshpass\s+-p\s*[\"']?([^\s\"']+)"),
    (("mysql",), r"\bmysql(?:dump|admin)?\b[^\n]*?\s-p[\"']?([^\s\"'-][^\s\"']*)"),
    (("pgpassword",), r"\bPGPASSWORD=[\"']?([^\s\"']+)"),
    (("discord",), r"discord(?:app)?\.com/api/webhooks/\d+/([\w\-]{20,})"),
    (
        ("webhook.office",),
        r"\.webhook\.office\.com/webhookb2/[^\s\"']*?/IncomingWebhook/([0-9a-fA-F]{32})",
    ),
    (("hooks.slack",), r"hooks\.slack\.com/services/[A-Z0-9]+/[A-Z0-9]+/([A-Za-z0-9]{16,})"),
    (("ssws",), r"\bSSWS\s+([A-Za-z0-9_\-]{20,})"),
    (("sentry",), r"://([0-9a-f]{32})(?::[0-9a-f]{32})?@[^\s\"'/]*sentry"),
    (("aaaa",), r"\b(AAAA[A-Za-z0-9_\-]{7}:[A-Za-z0-9_\-]{100,})"),
    (("access_token$",), r"access_token\$production\$[0-9a-z]{16}\$([0-9a-f]{32})"),
    (("ltai",), r"\b(LTAI[A-Za-z0-9]{12,20})\b"),
    (("key-data",), r"(?i:\bclient[-_]key[-_]data\b)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9+/=]{16,})"),
)
_FORMATS = re.compile("|".join(pattern for _, pattern in _FORMAT_RULES))
# Credentials by the name they stand under, in shapes the keyword rules do not see (markup of any
# case, an auth tuple's second item, a connection string, SQL, a command line option, .NET settings,
# a Dockerfile, other languages' words for password). A value must also look like a secret
# (`_secretish`).
_SECRET_WORDS = (
    r"passw(?:or)?d|passwd|pwd|secret|token|api_?key|apikey|passphrase|credentials?|"
    r"contrase(?:n|ñ)a|passwort|kennwort|mot_?de_?passe|senha|wachtwoord|has(?:l|ł)o|l(?:o|ö)senord|salasana"
)
_KEYED_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("key>",),  # and every other name by the keyword prefilter (`password>`: _KEYWORDISH)
        r"(?i:<[\w.:\-]*(?:password|passwd|pwd|secret|token|[\w.\-]key|passphrase)>)([^<\s][^<]{2,})</",
    ),
    (
        ("auth=", "auth ="),
        r"(?i:\bauth\s*=\s*\(\s*[\"'][^\"'\n]*[\"']\s*,\s*)[\"']([^\"'\n]+)[\"']",
    ),
    (("basicauth",), r"(?i:basicauth\(\s*[\"'][^\"'\n]*[\"']\s*,\s*)[\"']([^\"'\n]+)[\"']"),
    ((), r"(?i:(?<![\w\-])password\s*=\s*)([^\s'\"`;,)]+)"),
    (("password '", "identified"), r"(?i:\b(?:password|identified\s+by)\s+)'([^'\n]{3,})'"),
    (
        (
            "--token",
            "--password",
            "--passwd",
            "--api-key",
            "--apikey",
            "--secret",
            "--auth-token",
            "--access-token",
        ),
        r"(?i:--(?:token|password|passwd|api-key|apikey|secret|auth-token|access-token)(?:=|\s+))[\"']?([^\s\"']{6,})",
    ),
    (
        ("<add",),
        r"(?i:<add\s+key\s*=\s*\"[^\"]*(?:password|passwd|pwd|secret|token|apikey|api_key|credential)[^\"]*\""
        r"\s+value\s*=\s*\")([^\"]+)\"",
    ),
    (  # found by the keyword prefilter (_KEYWORDISH), not by triggers
        (),
        r"(?i:[\w.\-]*(?:contrase(?:n|ñ)a|passwort|kennwort|mot_?de_?passe|senha|wachtwoord|has(?:l|ł)o|"
        r"l(?:o|ö)senord|salasana)[\w.\-]*[\"']?\s*(?::|=|=>)\s*)[\"']?([^\s\"'#,]+)",
    ),
)
_KEYED = re.compile("|".join(pattern for _, pattern in _KEYED_RULES), re.MULTILINE)
_HEX_ESCAPED = re.compile(r"(?:\\x[0-9a-fA-F]{2}){16,}")  # a token written as \x67\x68\x70...
# in a Dockerfile (only there: `env ` and `arg ` are everywhere in code), ENV and ARG under a
# secret's name
_DOCKER = re.compile(
    r"(?i:^\s*(?:ENV|ARG)\s+[\w.]*(?:pass|pwd|secret|token|key|credential)[\w.]*(?:=|\s+))[\"']?([^\s\"']+)",
    re.MULTILINE,
)


def _is_docker(filename: str) -> bool:
    base = filename.rsplit("/", 1)[-1].lower()
    return base.startswith(("dockerfile", "containerfile")) or base.endswith(
        (".dockerfile", ".containerfile")
    )


# `KEY: value` / `KEY=value` lines of configuration whose key names a credential (including the
# short forms detect-secrets' keyword list lacks: `_pw`, `passphrase`, `credentials`)
_CONFIG_LINE = re.compile(
    r"^(?:\s*\d+[+\- ]?\| |[+\- ])?\s*(?:export\s+|-\s+)?[\"']?[\w.\-]*"
    r"(?:passw(?:or)?d|passphrase|pass|_pw|pwd|secret|token|credentials?|api_?key|private_?key|auth)[\w.\-]*[\"']?\s*[:=]\s*[\"']?([^\s\"'#][^\"'#]*?)[\"']?\s*(?:#.*)?$",
    re.IGNORECASE,
)
# a string literal that goes on in the next line's literal (a key split over two lines)
_SPLIT_HEAD = re.compile(r"""(["'])([A-Za-z0-9_\-+/=.]{6,})\1\s*(?:\+|\\)?\s*$""")
_SPLIT_ANY = re.compile(r"""["'][ \t]*[+\\]?[ \t]*\n[^\n]*?["'][A-Za-z0-9_\-+/=.]{6,}["']""")
_SPLIT_TAIL = re.compile(
    r"""^(?:\s*\d+[+\- ]?\| |[+\- ])?\s*(?:\+\s*)?(["'])([A-Za-z0-9_\-+/=.]{6,})\1"""
)
# the literal pieces (lower case) the rules' texts hold, and the markers of escaped tokens
_TRIGGERS = tuple(
    sorted({p for rules in (_FORMAT_RULES, _KEYED_RULES) for pieces, _ in rules for p in pieces})
)


def _keyed(line: str) -> bool:
    """A keyed rule finds a value that looks like a secret on this line (`password=password` does
    not)."""
    return any(_secretish(m.group(m.lastindex or 0)) for m in _KEYED.finditer(line))


def in_name(path: str) -> str | None:
    """`path` with the credential its name holds redacted, or None when it holds none (a token
    pasted as a file name: that file is never read nor sent, and is listed under this name; see
    issue 28)."""
    found = [
        m.group(m.lastindex or 0) for rx in (_FORMATS, _EXTRA_TOKENS) for m in rx.finditer(path)
    ]
    if not found:
        return None
    for value in sorted(found, key=len, reverse=True):
        path = path.replace(value, "[REDACTED:credential]")
    return path


# keeps every offset
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _triggers(text: str) -> list[int]:
    """Where a rule's literal pieces stand in `text`, ignoring ASCII case: one position per line and
    piece is enough (the rules then run on the whole line)."""
    lowered = text.lower()
    # a few non-ASCII letters grow when lowered: ASCII only, same offsets
    if len(lowered) != len(text):
        lowered = text.translate(_ASCII_LOWER)
    hits = []
    for piece in _TRIGGERS:
        pos = lowered.find(piece)
        while pos >= 0:
            hits.append(pos)
            end = lowered.find("\n", pos)
            pos = lowered.find(piece, end + 1) if end >= 0 else -1
    if "\\x" in text:
        hits += [m.start() for m in _HEX_ESCAPED.finditer(text)]
    return hits


_REFERENCES = ("$", "%(", "%{", "{{", "<%", "${", "ENV[", "process.env", "os.environ")
_HAS_DIGIT = re.compile(r"\d")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_\-.~]")


_MIN_ENGINE_SECRET = 6  # shorter values the engine reports are not taken (too many are words)
_QUOTE_OR_DIGIT = re.compile(r"[\"'`\d]")
# Redactor.line's memory: the answer, what it counted, and the values it replaced (in memory only)
_LINES: dict[tuple[object, ...], tuple[str, set[tuple[str, str]], dict[str, str]]] = {}


class Redactor:
    """Redacts texts; detect-secrets is imported only when some line needs its plugins."""

    def __init__(self) -> None:
        self._plugins: list[Any] | None = None
        self._keyword: list[Any] = []
        # distinct secrets replaced, by kind (never the values)
        self.found: Counter[str] = Counter()
        # (kind, digest of the value): distinct across files
        self.seen: set[tuple[str, str]] = set()
        self._capture: set[tuple[str, str]] | None = (
            None  # what line() counts, remembered with its answer
        )
        self._values: dict[str, str] = {}  # the secret values line() replaced, by value: kind

    def _count(self, kind: str, value: str) -> None:
        self._values[value] = kind
        item = (kind, hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:16])
        if self._capture is not None:
            self._capture.add(item)
        self.merge({item})

    def merge(self, seen: set[tuple[str, str]]) -> None:
        """What another redactor (a worker's) found, counted once."""
        for item in seen - self.seen:
            self.seen.add(item)
            self.found[item[0]] += 1

    def _load(self) -> None:
        plugins = _detectors()
        self._keyword = [p for p in plugins if type(p).__name__ == "KeywordDetector"]
        self._plugins = [
            p for p in plugins if type(p).__name__ not in ("KeywordDetector", "IPPublicDetector")
        ]

    def text(
        self, text: str, filename: str = "file", engine: bool = True, code: bool | None = None
    ) -> str:
        """`text` with every secret found replaced; same number of lines. In source code
        (`filename`'s language is one we parse, or `code`), an identifier or attribute chain outside
        a string literal is code, never a secret: it is never replaced. `engine=False`: our rules
        and detect-secrets' only (no Betterleaks start-up: for the index's short texts, stored in
        bulk)."""
        starts = [0] + [m.end() for m in re.finditer("\n", text)]

        def line_of(pos: int) -> int:
            return bisect_right(starts, pos) - 1

        lines = text.split("\n")
        in_keys: set[int] = set()
        for m in _KEY_BLOCK.finditer(text):
            first, last = line_of(m.start()), line_of(max(m.end() - 1, m.start()))
            in_keys.update(range(first, last + 1))
            for i in range(first, last + 1):
                lines[i] = _key_line(lines[i], i == first, i == last)
            self._count("private-key", m.group(0))
        token_hits = {
            line_of(m.start()) for m in _TOKENISH.finditer(text) if _HAS_DIGIT.search(m.group())
        }
        token_hits |= {line_of(m.start()) for m in _SHAPED.finditer(text)}
        if _is_docker(filename):
            token_hits |= {line_of(m.start()) for m in _DOCKER.finditer(text)}
        token_hits |= {
            i
            for i in {line_of(pos) for pos in _triggers(text)}
            if _FORMATS.search(lines[i]) or _keyed(lines[i]) or _HEX_ESCAPED.search(lines[i])
        }
        keyword_hits = {line_of(m.start()) for m in _keywordish(text)}
        code = _is_code(filename) if code is None else code
        known = self._engine(text) if engine else {}
        if known:
            token_hits |= {i for i, ln in enumerate(lines) if any(v in ln for v in known)}
        # first: a part redacted alone would hide the whole from the check
        self._split_keys(lines, code)
        self._values = {}
        hits = sorted((token_hits | keyword_hits) - in_keys)
        for i in hits:
            lines[i] = self.line(
                lines[i], filename, i in keyword_hits, i in token_hits, code, known
            )
        # a value found once (after `password=`) is a secret wherever else it stands in the same
        # text
        again = {
            v: k for v, k in self._values.items() if len(v) >= 8 and not v.startswith("[REDACTED")
        }
        if again:
            for i, ln in enumerate(lines):
                for value in sorted((v for v in again if v in ln), key=len, reverse=True):
                    lines[i] = ln = _replace(ln, value, again[value])
        return "\n".join(lines)

    def _engine(self, text: str) -> dict[str, str]:
        """Secrets found by the maintained gitleaks-style rule set (Betterleaks), where it is
        installed: value -> rule id. Our own rules and detect-secrets run as well."""
        if len(text.strip()) < _MIN_ENGINE_SECRET or _betterleaks() is None:
            return {}  # nothing it would report fits: its start-up (~0.1 s a process) is not paid
        from codepilot.runtime.parallel import forbid_forking

        forbid_forking()  # its Go runtime's threads would not survive a later fork of this process
        try:
            found = _betterleaks().scan_string(text)
        except Exception:  # noqa: BLE001 - a failing optional engine leaves our own rules in charge
            return {}
        return {
            f.secret: f.rule_id
            for f in found
            if f.secret and len(f.secret) >= _MIN_ENGINE_SECRET and "\n" not in f.secret
        }

    def _split_keys(self, lines: list[str], code: bool) -> None:
        """A key split over two string literals (`'sk-proj-abc'` then `'def...'` on the next
        line)."""
        text = "\n".join(lines)
        if not _SPLIT_ANY.search(text):
            return
        for i in range(len(lines) - 1):
            head, tail = _SPLIT_HEAD.search(lines[i]), _SPLIT_TAIL.match(lines[i + 1])
            if head is None or tail is None:
                continue
            joined = head.group(2) + tail.group(2)
            probe = self.line(f'x = "{joined}"', "joined.py", True, True, code)
            if "[REDACTED:" in probe:
                kind = probe.split("[REDACTED:", 1)[1].split("]", 1)[0]
                lines[i] = (
                    lines[i][: head.start(2)] + f"[REDACTED:{kind}]" + lines[i][head.end(2) :]
                )
                lines[i + 1] = (
                    lines[i + 1][: tail.start(2)]
                    + f"[REDACTED:{kind}]"
                    + lines[i + 1][tail.end(2) :]
                )

    def line(
        self,
        line: str,
        filename: str = "file",
        keyword: bool = True,
        token: bool = True,
        code: bool = False,
        known: dict[str, str] | None = None,
    ) -> str:
        """`line` with its secrets replaced. The same line in the same kind of file is checked once
        per process (the answer, and the secrets to count, remembered): the rules are slow, lines
        repeat."""
        if code and keyword and not token and not known and not _QUOTE_OR_DIGIT.search(line):
            # only names after a secret-ish word (`check_password(raw_password)`): code, no value
            return line
        key = (line, suffix(filename), keyword, token, code, tuple(sorted((known or {}).items())))
        hit = _LINES.get(key)
        if hit is None:
            self._capture, outer = set(), self._values
            self._values = {}
            try:
                result = self._line(line, filename, keyword, token, code, known)
                found, values = self._capture, self._values
            finally:
                self._capture, self._values = None, outer
            if len(_LINES) > 20_000:
                _LINES.clear()
            hit = _LINES[key] = (result, found, values)
        self.merge(hit[1])
        self._values.update(hit[2])
        return hit[0]

    def _line(
        self,
        line: str,
        filename: str,
        keyword: bool,
        token: bool,
        code: bool,
        known: dict[str, str] | None,
    ) -> str:
        values, by_keyword = self._detected(line, filename, keyword, token)
        if token or keyword:
            _matched(line, filename, token, code, values)
        for value, rule in (known or {}).items():
            if value in line:
                values.setdefault(value, rule)
                if rule.startswith("generic"):
                    by_keyword.add(value)
        config = _CONFIG_LINE.match(line) if keyword or not code else None
        if (
            config is not None
            and _secretish(config.group(1))
            and not (code and _code_name(line, config.group(1)))
        ):
            values.setdefault(config.group(1).strip(), "secret-keyword")
        for value, kind in sorted(values.items(), key=lambda kv: -len(kv[0])):
            # `$PASSWORD`, `${TOKEN}`, `{{ secret }}`: a name, not a value
            if value.startswith(_REFERENCES):
                continue
            # `secret = "secret"`: no secret
            if value.lower() in _NOT_SECRETS or _PLACEHOLDER.match(value):
                continue
            if value in line and not (code and value in by_keyword and _code_name(line, value)):
                line = _replace(line, value, kind)
                self._count(kind, value)
        return self._url_passwords(line) if token else line

    def _detected(
        self, line: str, filename: str, keyword: bool, token: bool
    ) -> tuple[dict[str, str], set[str]]:
        """What detect-secrets' plugins find in `line` (value -> kind), and which of those were
        found only after a secret-ish name (they may be code, not a secret)."""
        if self._plugins is None:
            self._load()
        assert self._plugins is not None
        values: dict[str, str] = {}
        by_keyword: set[str] = set()
        for plugin in self._plugins if token else []:
            for secret in plugin.analyze_line(
                filename=filename, line=line, line_number=1, context=None
            ):
                if secret.secret_value:
                    values.setdefault(secret.secret_value, _kind(secret.type))
        for plugin in self._keyword if keyword else []:
            # code rules (quoted values), then config rules (unquoted `KEY=value`, `key: value`),
            # whose values must look like a secret rather than code (`password: str`,
            # `get_password()`)
            for name in ("code.py", "config.yaml"):
                for secret in plugin.analyze_line(
                    filename=name, line=line, line_number=1, context=None
                ):
                    value = secret.secret_value
                    if value and (name == "code.py" or _secretish(value)):
                        values.setdefault(value, _kind(secret.type))
                        by_keyword.add(value)
        return values, by_keyword

    def _url_passwords(self, line: str) -> str:
        """Passwords in URLs that detect-secrets' BasicAuthDetector leaves alone (it skips any with
        RFC 3986 sub-delimiters such as `!` or `$`, which real URLs do contain)."""

        def sub(m: re.Match[str]) -> str:
            if m.group(2).startswith("[REDACTED:"):
                return m.group(0)
            self._count("basic-auth-credentials", m.group(2))
            return f"://{m.group(1)}:[REDACTED:basic-auth-credentials]@"

        return _URL_CREDENTIALS.sub(sub, line)


_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*)*")
_STRING = re.compile(r"""(["'`])(?:\\.|(?!\1).)*\1""")


@functools.cache
def _betterleaks() -> Any:
    """The Betterleaks engine, or None where its wheel is not installed (it is optional per
    platform)."""
    try:
        import betterleaks
    except (ImportError, OSError):
        return None
    return betterleaks


def _is_code(filename: str) -> bool:
    from codepilot.syntax import detect

    return detect(filename).parsed


def _code_name(line: str, value: str) -> bool:
    """`value` is an identifier or attribute chain standing outside every string literal of the
    line: code (`password2`, `self.sensitive_password`, a class name), not a secret."""
    value = value.strip().strip("'\"`,;:()")
    if not _NAME.fullmatch(value):
        return False
    strings = [m.span() for m in _STRING.finditer(line)]
    return not any(
        a < m.start() < b for m in re.finditer(re.escape(value), line) for a, b in strings
    )


@functools.cache
def _detectors() -> tuple[Any, ...]:
    """detect-secrets' detectors with their default settings, made once per process (they keep no
    state between lines; making them costs milliseconds, and a run makes a redactor per file)."""
    from detect_secrets.settings import default_settings, get_plugins

    with default_settings():
        return tuple(get_plugins())


def load() -> None:
    """Make the rules ready in this process (detect-secrets' detectors, the Betterleaks module but
    not its engine, which would make the process unable to fork): forked workers then inherit
    them."""
    _detectors()
    _betterleaks()


def _keywordish(text: str) -> list[re.Match[str]]:
    lowered = text.lower()  # 10x faster than (?i), when lowering keeps every offset
    if len(lowered) == len(text):
        return list(_KEYWORDISH.finditer(lowered))
    return list(re.compile(_KEYWORDISH.pattern, re.I).finditer(text))


def _secretish(value: str) -> bool:
    """A value after a secret-ish key that looks like a secret, not like code or a type."""
    v = value.strip().strip("'\"`,;")
    if len(v) < 6 or any(c in v for c in "()[]{} ") or v.lower() in _NOT_SECRETS:
        return False
    return bool(re.search(r"\d", v) or re.search(r"[^\w.]", v) or len(v) >= 16)


_NOT_SECRETS = {
    "required",
    "optional",
    "string",
    "password",
    "secret",
    "token",
    "none",
    "null",
    "true",
    "false",
}
# documentation placeholders and public test vectors' stand-ins ("your-256-bit-secret", "<token>",
# "****")
_PLACEHOLDER = re.compile(
    r"(?i)your[-_ ]|<[\w\-]+>$|\*{3,}$|x{4,}$|[\w\-]*[-_]here$|placeholder|changeme$"
)


def _key_line(line: str, first: bool, last: bool) -> str:
    """A line of a private key block, its key material replaced (code around the block kept)."""
    placeholder = "[REDACTED:private-key]"
    begin = line.find("-----BEGIN") if first else -1
    end = line.find("-----", line.find("-----END") + 8) + 5 if last and "-----END" in line else -1
    if begin >= 0:
        return line[:begin] + placeholder + (line[end:] if end > begin else "")
    if end > 0:
        return placeholder + line[end:]
    keep = _LINE_PREFIX.match(line)
    prefix = keep.group(0) if keep else ""
    return prefix + placeholder if line[len(prefix) :].strip() else line


def _kind(plugin_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plugin_type.lower()).strip("-")


def _replace(line: str, value: str, kind: str) -> str:
    """Replace `value`, widened to the whole token around it (a JWT's signature, a key's tail)."""
    start = line.find(value)
    while start >= 0:
        end = start + len(value)
        while (
            start > 0
            and _TOKEN_CHARS.match(line[start - 1])
            and line[start - 1] != "="
            and value[0] not in ":@"
        ):
            start -= 1
        while end < len(line) and _TOKEN_CHARS.match(line[end]):
            end += 1
        placeholder = f"[REDACTED:{kind}]"
        line = line[:start] + placeholder + line[end:]
        start = line.find(value, start + len(placeholder))
    return line


def _matched(line: str, filename: str, token: bool, code: bool, values: dict[str, str]) -> None:
    """Add to `values` what our own patterns find in `line`: token formats (with `token`), keyed
    values that look like secrets, and tokens hidden in `\\x..` escapes."""
    if token:
        for m in _EXTRA_TOKENS.finditer(line):
            values.setdefault(m.group(m.lastindex or 0), "token")
        for m in _FORMATS.finditer(line):
            values.setdefault(m.group(m.lastindex or 0), "credential")
    docker = _DOCKER.finditer(line) if _is_docker(filename) else ()
    for m in (*_KEYED.finditer(line), *docker):
        value = m.group(m.lastindex or 0)
        if _secretish(value) and not (code and _code_name(line, value)):
            values.setdefault(value, "credential")
    for m in _HEX_ESCAPED.finditer(line):
        decoded = bytes.fromhex(m.group().replace("\\x", "")).decode("latin-1")
        if (
            _FORMATS.search(decoded)
            or _EXTRA_TOKENS.search(decoded)
            or _TOKENISH.fullmatch(decoded)
        ):
            values.setdefault(m.group(), "escaped-token")
