"""The public front stays small, sorted and complete (as httpx's test_exported_members)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import missing_protocol


def test_all_is_unique_and_exported() -> None:
    # the order is ruff's RUF022 (isort-style), checked by the linter
    names = missing_protocol.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(missing_protocol, name), name


def test_every_public_name_is_in_all() -> None:
    public = {
        name
        for name, value in vars(missing_protocol).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("missing_protocol")
    }
    assert public <= set(missing_protocol.__all__)


def test_every_lazy_name_comes_from_its_module() -> None:
    where = missing_protocol._WHERE
    assert set(where) | {"__version__"} == set(missing_protocol.__all__)
    for name, module in where.items():
        defined = getattr(importlib.import_module(f"missing_protocol.{module}"), name)
        assert getattr(missing_protocol, name) is defined, name


def test_importing_a_submodule_keeps_the_function_of_the_same_name() -> None:
    import missing_protocol.compare  # noqa: PLC0415
    import missing_protocol.evaluate  # noqa: PLC0415

    assert callable(missing_protocol.evaluate)
    assert missing_protocol.compare.__module__ == "missing_protocol.compare.matrix"
    assert missing_protocol.compare.__name__ == "compare"


def test_import_is_lazy() -> None:
    code = (
        "import sys, missing_protocol; "
        "print(sorted(m for m in sys.modules if m.startswith('missing_protocol')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "['missing_protocol']\n"
