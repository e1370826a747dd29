"""The language registry: extensions, shebangs, grammar wheels and the rules each grammar needs.

Grammars come from the official per-language wheels (`tree-sitter-python`, ...), which ship compiled
code: nothing is downloaded at run time."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any


@dataclass(frozen=True)
class Language:
    name: str
    module: str | None = None  # grammar wheel; None = reviewed at file level only
    function: str = "language"
    query: str | None = None  # file in syntax/queries/
    wrappers: frozenset[str] = frozenset()  # parents whose lines belong to the definition they wrap
    leading: frozenset[str] = frozenset()  # preceding siblings that belong to the next definition
    imports: frozenset[str] = frozenset()  # top-level nodes that import or include other code

    @property
    def parsed(self) -> bool:
        return self.module is not None


_JS_WRAPPERS = frozenset({"export_statement"})
_JS_LEADING = frozenset({"decorator"})
_JS_IMPORTS = frozenset({"import_statement"})

LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in [
        Language(
            "python",
            "tree_sitter_python",
            query="python.scm",
            wrappers=frozenset({"decorated_definition"}),
            imports=frozenset(
                {"import_statement", "import_from_statement", "future_import_statement"}
            ),
        ),
        Language(
            "javascript",
            "tree_sitter_javascript",
            query="javascript.scm",
            wrappers=_JS_WRAPPERS,
            leading=_JS_LEADING,
            imports=_JS_IMPORTS,
        ),
        Language(
            "typescript",
            "tree_sitter_typescript",
            "language_typescript",
            "typescript.scm",
            _JS_WRAPPERS,
            _JS_LEADING,
            _JS_IMPORTS,
        ),
        Language(
            "tsx",
            "tree_sitter_typescript",
            "language_tsx",
            "typescript.scm",
            _JS_WRAPPERS,
            _JS_LEADING,
            _JS_IMPORTS,
        ),
        Language(
            "go",
            "tree_sitter_go",
            query="go.scm",
            imports=frozenset({"package_clause", "import_declaration"}),
        ),
        Language(
            "rust",
            "tree_sitter_rust",
            query="rust.scm",
            leading=frozenset({"attribute_item"}),
            imports=frozenset({"use_declaration", "extern_crate_declaration"}),
        ),
        Language(
            "java",
            "tree_sitter_java",
            query="java.scm",
            imports=frozenset({"package_declaration", "import_declaration"}),
        ),
        Language("c", "tree_sitter_c", query="c.scm", imports=frozenset({"preproc_include"})),
        Language(
            "cpp",
            "tree_sitter_cpp",
            query="cpp.scm",
            wrappers=frozenset({"template_declaration"}),
            imports=frozenset({"preproc_include", "using_declaration"}),
        ),
        Language("ruby", "tree_sitter_ruby", query="ruby.scm"),
        Language(
            "php",
            "tree_sitter_php",
            "language_php",
            "php.scm",
            imports=frozenset({"namespace_definition", "namespace_use_declaration"}),
        ),
        Language(
            "csharp",
            "tree_sitter_c_sharp",
            query="csharp.scm",
            imports=frozenset({"using_directive"}),
        ),
    ]
}

_BY_EXTENSION = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".ipp": "cpp",
    ".inl": "cpp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
    ".ru": "ruby",
    ".php": "php",
    ".phtml": "php",
    ".cs": "csharp",
}
_BY_NAME = {"Rakefile": "ruby", "Gemfile": "ruby", "Guardfile": "ruby", "Vagrantfile": "ruby"}
_SHEBANG = {
    "python": "python",
    "node": "javascript",
    "ruby": "ruby",
    "php": "php",
    "deno": "typescript",
    "ts-node": "typescript",
    "bun": "javascript",
}
# Languages we only name (reviewed at file level).
_OTHER = {
    ".md": "markdown",
    ".rst": "rst",
    ".txt": "text",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".scss": "scss",
    ".sql": "sql",
    ".kt": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".lua": "lua",
    ".pl": "perl",
    ".r": "r",
    ".dart": "dart",
    ".vue": "vue",
    ".svelte": "svelte",
    ".xml": "xml",
    ".proto": "protobuf",
    ".tf": "terraform",
    ".ex": "elixir",
    ".exs": "elixir",
    ".erl": "erlang",
    ".hs": "haskell",
    ".ml": "ocaml",
    ".zig": "zig",
}
_OTHER_SHEBANG = {"sh": "shell", "bash": "shell", "zsh": "shell", "perl": "perl"}


def _from_shebang(first_line: bytes) -> str | None:
    if not first_line.startswith(b"#!"):
        return None
    words = first_line[2:].decode("utf-8", "replace").split()
    if not words:
        return None
    prog = words[1] if words[0].endswith("/env") and len(words) > 1 else words[0].rsplit("/", 1)[-1]
    if prog == "-S" and len(words) > 2:
        prog = words[2]
    prog = prog.rstrip("0123456789.")
    return _SHEBANG.get(prog) or _OTHER_SHEBANG.get(prog)


def detect(path: str, head: bytes = b"") -> Language:
    """The language of `path`, from its extension, its name, or else its shebang line."""
    known, fallback = _by_path(path)
    if known is not None:
        return known
    name = _from_shebang(head.split(b"\n", 1)[0]) if head else None
    return fallback if name is None else LANGUAGES.get(name) or Language(name)


def suffix(path: str) -> str:
    """The extension of `path`'s last part, lower case: what `PurePosixPath(path).suffix` gives, at
    a fraction of the cost (runs ask for thousands)."""
    base = path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if 0 < dot < len(base) - 1 else ""


@lru_cache(maxsize=65536)
def _by_path(path: str) -> tuple[Language | None, Language]:
    """By extension or name (None when neither says), and the fallback when no shebang says
    either."""
    base = path.rsplit("/", 1)[-1]
    ext = suffix(base)
    name = _BY_EXTENSION.get(ext) or _BY_NAME.get(base)
    other = _OTHER.get(ext, "text")
    return (None if name is None else LANGUAGES.get(name) or Language(name)), LANGUAGES.get(
        other
    ) or Language(other)


@cache
def grammar(lang: Language) -> Any:
    import tree_sitter

    assert lang.module is not None
    module = importlib.import_module(lang.module)
    return tree_sitter.Language(getattr(module, lang.function)())
