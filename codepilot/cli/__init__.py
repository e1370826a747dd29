"""The command line: a thin shell over the library. `main.py` holds the group and the one error
handler; each command lives in its own module, parses its options, calls one library function and
prints."""
