"""``scripts/system-packages.sh``: on a machine where it cannot install (not root, or no apt-get) it
stops at once naming the missing packages, instead of the browser tests failing later."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages.sh"


def _fake_bin(tmp_path: Path, *, missing: str, uid: int) -> Path:
    """A PATH holding a fake ``dpkg`` that reports every package installed but ``missing``, a fake
    ``id`` answering ``uid``, and no ``apt-get``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg").write_text(
        "#!/bin/sh\n"
        f'[ "$2" = "{missing}" ] && exit 1\n'
        'echo "Package: $2"; echo "Status: install ok installed"\n'
    )
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for tool in ("dpkg", "id"):
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "sed").symlink_to("/usr/bin/sed")  # the only real tool the script needs; no apt-get
    return bin_dir


def _run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_not_root_with_a_package_missing_stops_naming_it(tmp_path: Path) -> None:
    result = _run(_fake_bin(tmp_path, missing="fonts-wqy-zenhei", uid=1000))
    assert result.returncode == 1
    assert "not installed: fonts-wqy-zenhei" in result.stderr
    assert "sudo apt-get install --no-install-recommends fonts-wqy-zenhei" in result.stderr


def test_root_without_apt_get_stops_naming_it(tmp_path: Path) -> None:
    result = _run(_fake_bin(tmp_path, missing="chromium", uid=0))
    assert result.returncode == 1
    assert "尚未安装：chromium" in result.stderr


def test_nothing_missing_passes_without_installing(tmp_path: Path) -> None:
    result = _run(_fake_bin(tmp_path, missing="none-of-them", uid=1000))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
