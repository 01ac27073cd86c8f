"""Coverage-guided fuzzing of parse -> validate with atheris (libFuzzer), run by hand.

    python -m venv /tmp/atheris-venv && /tmp/atheris-venv/bin/pip install atheris
    PYTHONPATH=src:.venv/lib/python3.11/site-packages \
        /tmp/atheris-venv/bin/python tests/fuzz/atheris_validate.py -max_total_time=60 examples/plans

The first byte picks the file extension; the rest is the file. The only allowed outcomes are a
report or an InputError naming the file; anything else is a crash libFuzzer reports.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from drugpolicy_kg.errors import InputError
    from drugpolicy_kg.validation.engine import validate_file

EXTENSIONS = (".ttl", ".jsonld", ".rdf", ".nt", ".trig", ".nq", ".trix", ".txt")
WORKDIR = tempfile.mkdtemp(prefix="atheris-validate-")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    path = os.path.join(WORKDIR, "plan" + EXTENSIONS[data[0] % len(EXTENSIONS)])
    with open(path, "wb") as fh:
        fh.write(data[1:])
    try:
        validate_file(path)
    except InputError as exc:
        if path not in str(exc):
            raise AssertionError(f"error does not name the file: {exc}") from exc


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
