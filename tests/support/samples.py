"""Small code samples the tests share: an average that divides by the length of a possibly empty
list, and the fix a model would offer."""

OLD = "def average(values):\n    return 0\n"
SRC = "def average(values):\n    return sum(values) / len(values)\n"
FIX = {
    "find": "    return sum(values) / len(values)",
    "replace": "    return sum(values) / len(values) if values else 0",
}


# a pull request's change for the platforms' tests: f2 divides by zero, f9 multiplies
PR_BASE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(12))
PR_HEAD = PR_BASE.replace("    return x + 2\n", "    return x / 0\n").replace(
    "    return x + 9\n", "    return x * 9\n"
)
