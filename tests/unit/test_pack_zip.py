"""tools/pack_zip.py: a function folder's zip depends on its files' paths and contents alone, so
two builds of the same code give the construct's asset the same hash; and Lambda gets each file
readable, dated as sam's zip dates it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tools.pack_zip import pack


def folder_at(root: Path, mtime: int, mode: int) -> Path:
    """A small function folder, its files dated `mtime` and made `mode`, written in an order
    unlike the sorted one."""
    files = {"z.py": "z = 1\n", "a/b.py": "b = 2\n", "a.py": "", "a/__pycache__/b.pyc": "pyc"}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))
    return root


def test_the_zip_is_the_same_whatever_the_files_dates_and_modes(tmp_path):
    first = folder_at(tmp_path / "first", mtime=1_700_000_000, mode=0o600)
    second = folder_at(tmp_path / "second", mtime=1_800_000_000, mode=0o755)
    assert pack(first, tmp_path / "first.zip") == pack(second, tmp_path / "second.zip") == 4
    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "second.zip").read_bytes()


def test_entries_are_sorted_dated_1980_and_readable_by_all(tmp_path):
    pack(folder_at(tmp_path / "code", mtime=1_700_000_000, mode=0o600), tmp_path / "code.zip")
    with zipfile.ZipFile(tmp_path / "code.zip") as archive:
        entries = archive.infolist()
        assert [entry.filename for entry in entries] == [
            "a.py",
            "a/__pycache__/b.pyc",
            "a/b.py",
            "z.py",
        ]
        assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
        assert {entry.external_attr >> 16 for entry in entries} == {0o100644}
        assert archive.read("a/b.py") == b"b = 2\n"


def test_a_symbolic_link_is_refused(tmp_path):
    code = folder_at(tmp_path / "code", mtime=1_700_000_000, mode=0o644)
    (code / "rules").symlink_to(code / "a")
    with pytest.raises(ValueError, match="symbolic links"):
        pack(code, tmp_path / "code.zip")
