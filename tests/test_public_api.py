"""The public front stays small, sorted and complete (as httpx's test_exported_members)."""

from __future__ import annotations

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
