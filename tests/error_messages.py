"""`raises`: pytest.raises whose message must contain each of several fragments, in any order,
literally (the op's name, the shapes, the dtypes, what to do instead)."""

from __future__ import annotations

import re

import pytest


def raises(kind: type[BaseException], *fragments: str):
    """`pytest.raises(kind)` whose message must contain every fragment, literally."""
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))
