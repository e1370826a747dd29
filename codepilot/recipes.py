"""Eval suites from a recipe: real fixes in released packages, rebuilt locally from the package
registries, so the repository holds no other project's code — only where each case comes from.

A recipe (TOML) lists cases: a package on PyPI (`registry = "pypi"`, its source archive) or npm
(`registry = "npm"`, its tarball), the release with the bug and the release with the fix, the files
the fix touched (paths inside the archive, its top folder left out), the license and where the fix
is told (changelog, advisory, commit). `kind = "bug"` reverses the fix (the change under review puts
the bug back: the lines it adds are the answer key); `kind = "clean"` applies the fix forwards (a
correct change: any finding is a false positive). Every case is its own small git repository with
fixed authors and dates, so a rebuild gives the same commits."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codepilot.evaluate import Range, added_ranges, case_toml
from codepilot.runtime.errors import EnvironmentProblem, UsageError
from codepilot.source.git import run as git_run

# registry, package, version, download folder -> archive
Fetch = Callable[[str, str, str, Path], Path]
_ENV = {
    "GIT_AUTHOR_NAME": "codepilot eval",
    "GIT_AUTHOR_EMAIL": "eval@codepilot.invalid",
    "GIT_COMMITTER_NAME": "codepilot eval",
    "GIT_COMMITTER_EMAIL": "eval@codepilot.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
}


@dataclass(frozen=True)
class Recipe:
    name: str
    registry: str
    package: str
    before: str
    after: str
    files: list[str]
    kind: str
    license: str
    fix: str


@dataclass
class BuiltRecipe:
    suite: Path
    bugs: int
    clean: int
    languages: dict[str, int]


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a case's folder: one plain path component
_PACKAGE = re.compile(r"(?:@[a-z0-9][a-z0-9._~-]*/)?[A-Za-z0-9][A-Za-z0-9._~-]{0,213}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}")


def load(path: Path) -> tuple[int, list[Recipe]]:
    """The recipe's cases, checked as the untrusted input a recipe is (issue 28, item 9): a case's
    name is one plain folder name, its files relative paths that stay inside the case, its package
    and versions registry names — nothing it says can reach a path outside `--out`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"recipe {path}: {e}") from None
    cases = []
    for i, raw in enumerate(data.get("case", []), 1):
        missing = [
            k
            for k in (
                "name",
                "registry",
                "package",
                "before",
                "after",
                "files",
                "kind",
                "license",
                "fix",
            )
            if k not in raw
        ]
        if missing:
            raise UsageError(f"recipe {path}: case {i} lacks {', '.join(missing)}")
        if raw["registry"] not in ("pypi", "npm") or raw["kind"] not in ("bug", "clean"):
            raise UsageError(
                f"recipe {path}: case {raw['name']}: registry pypi|npm, kind bug|clean"
            )
        case = Recipe(**{k: raw[k] for k in Recipe.__dataclass_fields__})
        _check(path, i, case)
        cases.append(case)
    return int(data.get("tolerance", 3)), cases


def _check(path: Path, number: int, case: Recipe) -> None:
    def bad(what: str) -> UsageError:
        return UsageError(f"recipe {path}: case {number}: {what}")

    if not isinstance(case.name, str) or not _NAME.fullmatch(case.name) or case.name in (".", ".."):
        raise bad(f"name {case.name!r} must be a plain folder name (letters, digits, . _ -)")
    if (
        not isinstance(case.package, str)
        or not _PACKAGE.fullmatch(case.package)
        or ".." in case.package
    ):
        raise bad(f"package {case.package!r} is not a registry package name")
    for version in (case.before, case.after):
        if not isinstance(version, str) or not _VERSION.fullmatch(version) or ".." in version:
            raise bad(f"version {version!r} is not a release version")
    if not isinstance(case.files, list) or not case.files:
        raise bad("files must be a list of paths inside the release archive")
    for name in case.files:
        if not isinstance(name, str) or not _relative(name):
            raise bad(
                f"file {name!r} must be a relative path inside the archive (no .., no "
                "absolute path)"
            )


def _relative(name: str) -> bool:
    parts = name.split("/")
    return (
        bool(name)
        and "\\" not in name
        and "\0" not in name
        and not name.startswith("/")
        and ":" not in parts[0]
        and all(p not in ("", ".", "..", ".git") for p in parts)
    )


def fetch(registry: str, package: str, version: str, into: Path) -> Path:
    """The release's source archive, downloaded once into `into` straight from the registry's index
    and checked against the hash the index gives — never built: `pip download` of an sdist runs its
    build backend, i.e. the package's own code (issue 28, item 10)."""
    import httpx

    into.mkdir(parents=True, exist_ok=True)
    key = f"{registry}-{package.replace('/', '_').replace('@', '')}-{version}"
    done = into / key
    if done.is_dir() and any(done.iterdir()):
        return next(done.iterdir())
    done.mkdir(exist_ok=True)
    try:
        with httpx.Client(timeout=60, follow_redirects=True) as http:
            url, algorithm, digest = (_pypi if registry == "pypi" else _npm)(http, package, version)
            data = http.get(url).raise_for_status().content
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
        raise EnvironmentProblem(
            f"cannot download {package} {version} from {registry}: {e}"
        ) from None
    if hashlib.new(algorithm, data).hexdigest() != digest:
        raise EnvironmentProblem(
            f"{package} {version} from {registry}: the archive does not match its {algorithm}"
        )
    name = url.rsplit("/", 1)[-1].split("?")[0].split("#")[0]
    if not _NAME.fullmatch(name):
        name = f"{key}.tar.gz"
    target = done / name
    target.write_bytes(data)
    return target


def _pypi(http: object, package: str, version: str) -> tuple[str, str, str]:
    """The sdist of `package` `version` on the package index pip uses (PIP_INDEX_URL, else PyPI),
    through its JSON simple API (PEP 691): its URL and sha256."""
    import httpx

    assert isinstance(http, httpx.Client)
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    norm = re.sub(r"[-_.]+", "-", package).lower()
    page = http.get(f"{index}/{norm}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    files = page.raise_for_status().json()["files"]
    stems = {
        f"{n}-{version}" for n in (package, norm, norm.replace("-", "_"), package.replace("-", "_"))
    }
    for f in files:
        name = str(f["filename"]).lower()
        sdist = any(name == f"{s}{ext}".lower() for s in stems for ext in (".tar.gz", ".zip"))
        if sdist and f.get("hashes", {}).get("sha256"):
            return str(page.url.join(f["url"])), "sha256", f["hashes"]["sha256"]
    raise ValueError(f"no source archive of {version} with a sha256 on {index}")


def _npm(http: object, package: str, version: str) -> tuple[str, str, str]:
    """The tarball of `package` `version` on the npm registry (npm's own registry setting's
    default): its URL and the sha512 of its `integrity`."""
    import base64

    import httpx

    assert isinstance(http, httpx.Client)
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    dist = (
        http.get(f"{registry}/{package.replace('/', '%2F')}/{version}")
        .raise_for_status()
        .json()["dist"]
    )
    integrity = str(dist.get("integrity", ""))
    if integrity.startswith("sha512-"):
        return str(dist["tarball"]), "sha512", base64.b64decode(integrity[7:]).hex()
    return str(dist["tarball"]), "sha1", str(dist["shasum"])


def _read(archive: Path, files: list[str]) -> dict[str, bytes | None]:
    """The wanted files of an archive (its top folder left out); None for one it does not hold."""
    found: dict[str, bytes | None] = dict.fromkeys(files)
    if archive.suffix in (".zip", ".whl"):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                rest = name.split("/", 1)[1] if "/" in name else name
                if rest in found:
                    found[rest] = z.read(name)
        return found
    # members are only read into memory, by the names the recipe asked for: nothing is extracted
    with tarfile.open(archive) as t:
        for member in t.getmembers():
            rest = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if rest in found and member.isfile():
                handle = t.extractfile(member)
                found[rest] = handle.read() if handle is not None else None
    return found


def _git(repo: Path, *args: str, plain: bool = True) -> str:
    """git in a case's repository, through the project's one git runner: fixed authors and dates, no
    user or system configuration."""
    env = {**os.environ, **_ENV, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    return git_run(repo, env, *args, plain=plain).decode("utf-8", "surrogateescape")


def _commit(repo: Path, files: dict[str, bytes | None], message: str) -> None:
    from codepilot.runtime.paths import confined

    for path, data in files.items():
        target = confined(repo, path)
        if target is None:
            raise UsageError(f"{path}: outside the case's repository")
        if data is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", "-m", message)


def build(
    recipe: Path,
    out: Path,
    fetcher: Fetch = fetch,
    downloads: Path | None = None,
    say: Callable[[str], None] = lambda _line: None,
) -> BuiltRecipe:
    """Download every release the recipe names, make each case's repository (tags `base` and `head`)
    and write `out/suite.toml` — the same commits, and the same suite, on every build."""
    from codepilot.syntax import detect

    tolerance, cases = load(recipe)
    out = out.resolve()
    downloads = (downloads or out / "downloads").resolve()
    lines = [
        f"# built by `codepilot eval build --recipe {recipe.name}`; every case's origin is in "
        "its `about`",
        f"tolerance = {tolerance}\n",
    ]
    bugs = clean = 0
    languages: dict[str, int] = {}
    for number, case in enumerate(cases, 1):
        say(
            f"case {number}/{len(cases)}: {case.name} ({case.package} {case.before} -> "
            f"{case.after})"
        )
        old = _read(fetcher(case.registry, case.package, case.before, downloads), case.files)
        new = _read(fetcher(case.registry, case.package, case.after, downloads), case.files)
        if all(v is None for v in new.values()) or old == new:
            raise UsageError(
                f"recipe case {case.name}: {', '.join(case.files)} did not change between the "
                "releases"
            )
        first, second = (new, old) if case.kind == "bug" else (old, new)
        second = {path: _same_versions(first[path], data) for path, data in second.items()}
        repo = out / "repos" / case.name  # a plain folder name (load): always inside --out
        if repo.is_symlink():
            repo.unlink()
        elif repo.exists():
            import shutil

            shutil.rmtree(repo)
        repo.mkdir(parents=True)
        _git(repo, "init", "-q", "-b", "main")
        _commit(repo, first, f"{case.package} {case.after if case.kind == 'bug' else case.before}")
        _git(repo, "tag", "base")
        what = (
            f"reverts the fix of {case.after}" if case.kind == "bug" else f"the fix of {case.after}"
        )
        _commit(repo, second, f"{case.package}: {what}")
        _git(repo, "tag", "head")
        diff = (
            _git(repo, "diff", "--no-ext-diff", "-U0", "base", "head", plain=False)
            if case.kind == "bug"
            else ""
        )
        found = _key(diff, repo) if diff else []
        if case.kind == "bug" and not found:
            raise UsageError(f"recipe case {case.name}: reversing the fix adds no line to find")
        about = (
            f"{case.registry} {case.package} {case.before} -> {case.after} ({case.license}); "
            f"{'bug put back' if case.kind == 'bug' else 'clean: the fix itself'}; {case.fix}"
        )
        lines.append(
            case_toml(
                case.name, repo.relative_to(out), "base", "head", [found] if found else [], about
            )
        )
        bugs += case.kind == "bug"
        clean += case.kind == "clean"
        lang = detect(case.files[0]).name
        languages[lang] = languages.get(lang, 0) + 1
    suite = out / "suite.toml"
    suite.write_text("\n".join(lines), encoding="utf-8")
    return BuiltRecipe(suite, bugs, clean, languages)


_VERSION_LINE = re.compile(rb"^\s*(?:__version__|VERSION|version)\s*[:=]|^\s*\"version\"\s*:")


def _same_versions(base: bytes | None, head: bytes | None) -> bytes | None:
    """`head` with its version-number lines as in `base`: a release bump is not part of a fix."""
    if base is None or head is None:
        return head
    a, b = base.split(b"\n"), head.split(b"\n")
    out: list[bytes] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        versions = (
            op == "replace"
            and i2 - i1 == j2 - j1
            and all(_VERSION_LINE.match(x) for x in a[i1:i2] + b[j1:j2])
        )
        out.extend(a[i1:i2] if versions else b[j1:j2])
    return b"\n".join(out)


_IMPORT = re.compile(
    r"^\s*(?:import\s|from\s+\S+\s+import\s|#include\s|const\s+\w+\s*=\s*require\()"
)


def _key(diff: str, repo: Path) -> list[Range]:
    """The answer key: one bug (a released fix taken back out is one thing to catch, however many
    hunks it has), at the lines the change adds — and where it only removes lines (a check the fix
    added, taken away again), the line just before the gap — import lines left out."""
    out: list[Range] = []
    for path, a, b in added_ranges(diff, gaps=True):
        lines = (repo / path).read_text(encoding="utf-8", errors="replace").split("\n")
        if not all(_IMPORT.match(x) or not x.strip() for x in lines[a - 1 : b]):
            out.append((path, a, b))
    return out


def fingerprint(out: Path) -> str:
    """One hash of the suite file and every case's two commits: equal builds, equal fingerprints."""
    digest = hashlib.sha256((out / "suite.toml").read_bytes())
    for repo in sorted((out / "repos").iterdir()):
        digest.update(_git(repo, "rev-parse", "base", "head").encode())
    return digest.hexdigest()[:16]
