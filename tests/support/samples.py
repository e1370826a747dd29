"""Small code samples the tests share: an average that divides by the length of a possibly empty list,
and the fix a model would offer."""

OLD = "def average(values):\n    return 0\n"
SRC = "def average(values):\n    return sum(values) / len(values)\n"
FIX = {
    "find": "    return sum(values) / len(values)",
    "replace": "    return sum(values) / len(values) if values else 0",
}
