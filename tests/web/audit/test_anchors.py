"""The anchors file: appended with mode 0600, read back line by line, a damaged line named."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from licensedesk.web.audit.anchors import Anchor, append_anchors, read_anchors
from licensedesk.web.audit.errors import AnchorFileError

HASH = "a" * 64


def _anchor(seq: int) -> Anchor:
    return Anchor(
        agency_id=7, seq=seq, hash=HASH, key_id="0123abcd", anchored_at="2026-12-01T00:00:00.000000Z"
    )


def test_anchors_are_appended_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "anchors.jsonl"
    append_anchors(path, [_anchor(1), _anchor(2)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    append_anchors(path, [_anchor(3)])
    append_anchors(path, [])  # nothing to anchor: the file is left as it is
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        '{"agency_id":7,"anchored_at":"2026-12-01T00:00:00.000000Z","hash":"'
        + HASH
        + '","key_id":"0123abcd",'
        '"seq":1}'
    )
    assert read_anchors(path) == [
        Anchor(7, 1, HASH, "0123abcd", "2026-12-01T00:00:00.000000Z", line=1),
        Anchor(7, 2, HASH, "0123abcd", "2026-12-01T00:00:00.000000Z", line=2),
        Anchor(7, 3, HASH, "0123abcd", "2026-12-01T00:00:00.000000Z", line=3),
    ]


def test_an_existing_file_keeps_its_lines_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "anchors.jsonl"
    path.write_text(_anchor(1).to_json() + "\n\n", encoding="utf-8")
    path.chmod(0o640)
    append_anchors(path, [_anchor(2)])
    assert [a.seq for a in read_anchors(path)] == [1, 2]  # the blank line is skipped
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON (Expecting value)"),
        ("[1]", "an anchor is a JSON object"),
        ('{"agency_id": "7", "seq": 1, "hash": "' + HASH + '"}', "agency_id must be a positive integer"),
        ('{"agency_id": 7, "seq": 0, "hash": "' + HASH + '"}', "seq must be a positive integer"),
        ('{"agency_id": 7, "seq": true, "hash": "' + HASH + '"}', "seq must be a positive integer"),
        (
            '{"agency_id": 7, "seq": 1, "hash": "' + HASH.upper() + '"}',
            "hash must be 64 lowercase hex digits",
        ),
        (
            '{"agency_id": 7, "seq": 1, "hash": "' + HASH + '", "key_id": 5}',
            "key_id and anchored_at must be text",
        ),
    ],
)
def test_a_damaged_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "anchors.jsonl"
    path.write_text(_anchor(1).to_json() + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(AnchorFileError) as caught:
        read_anchors(path)
    assert str(caught.value) == f"{path}:2: {message}"


def test_a_missing_file_is_an_error_not_an_empty_list(tmp_path: Path) -> None:
    with pytest.raises(AnchorFileError) as caught:
        read_anchors(tmp_path / "none.jsonl")
    assert str(caught.value) == f"no anchors file at {tmp_path / 'none.jsonl'}"
