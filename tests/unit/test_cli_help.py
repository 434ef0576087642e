"""Help text reflow: prose joined for the terminal to wrap, examples and lists kept."""

from __future__ import annotations

from phalanx.cli.common import reflow


def test_prose_is_joined_and_layout_kept() -> None:
    text = """First line.

    A paragraph wrapped
    in the source.

    Examples:

      phalanx signins scan a.evtx
      phalanx signins scan b.evtx

    - one item
    - another
    """
    assert reflow(text).split("\n\n") == [
        "First line.",
        "A paragraph wrapped in the source.",
        "Examples:",
        "  phalanx signins scan a.evtx\n  phalanx signins scan b.evtx",
        "- one item\n- another",
    ]
