"""Every bundled rule cites words that occur in its protocol text.

The texts live outside the package, in ``../shared/protocols`` beside the
checkout (or where ``MISSING_PROTOCOL_TEXTS`` points). Without them the test is
skipped on a developer's machine and fails in CI, where they must be present.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from missing_protocol import bundled_protocol_ids, load_protocol
from missing_protocol.verify import check_citations

ROOT = Path(__file__).parent.parent
TEXTS = Path(os.environ.get("MISSING_PROTOCOL_TEXTS", ROOT.parent / "shared" / "protocols"))


@pytest.mark.parametrize("protocol_id", bundled_protocol_ids())
def test_every_quote_occurs_in_the_protocol_text(protocol_id: str) -> None:
    protocol = load_protocol(protocol_id)
    source = TEXTS / protocol.source_text
    if not source.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"protocol text {source} is missing in CI")
        pytest.skip(f"protocol text {source} not available")
    findings = check_citations(protocol, source.read_text(encoding="utf-8"))
    assert not findings, "\n".join(str(f) for f in findings)


def test_a_made_up_quote_is_found() -> None:
    protocol = load_protocol("camden")
    findings = check_citations(protocol, "nothing the protocol says")
    assert len(findings) > 30
    assert findings[0].code == "verify.quote_not_found"
    assert str(findings[0]).startswith("rules/camden.yaml:")
