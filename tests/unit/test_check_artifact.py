"""tools/check_artifact.py's bytecode check: a module counts only with unchecked-hash bytecode of
its current source, which Python uses from a read-only task root whose files a zip dated, without
reading the source: the build is where that hash is checked."""

from __future__ import annotations

from pathlib import Path
from py_compile import PycInvalidationMode, compile

import pytest

from tools.check_artifact import without_bytecode


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "__init__.py").write_text("")
    return tmp_path


def compiled(root: Path, mode: PycInvalidationMode) -> Path:
    for source in root.rglob("*.py"):
        compile(str(source), invalidation_mode=mode, doraise=True)
    return root


def test_unchecked_hash_bytecode_of_every_module_passes(artifact):
    assert without_bytecode(compiled(artifact, PycInvalidationMode.UNCHECKED_HASH)) == []


@pytest.mark.parametrize(
    "mode",
    # A timestamp is useless once the zip redates the sources; checked-hash has every start
    # read and hash each source.
    [PycInvalidationMode.TIMESTAMP, PycInvalidationMode.CHECKED_HASH],
)
def test_other_bytecode_does_not_count(artifact, mode):
    assert without_bytecode(compiled(artifact, mode)) == ["app.py", "package/__init__.py"]


def test_a_module_never_compiled_or_edited_since_lacks_it(artifact):
    compiled(artifact, PycInvalidationMode.UNCHECKED_HASH)
    (artifact / "app.py").write_text("x = 2\n")
    (artifact / "package" / "late.py").write_text("")
    assert without_bytecode(artifact) == ["app.py", "package/late.py"]
