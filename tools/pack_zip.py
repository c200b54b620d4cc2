"""Pack a built function folder into a deployment zip whose bytes depend on the files' paths and
contents alone: `pack_zip.py FOLDER ZIP`.

The CDK construct ships its functions' code as zips (Code.from_asset uploads a .zip file as it
is), and the asset's hash is the zip's: so that two builds of the same code give the same hash,
and a redeploy that changes no code uploads and updates nothing, nothing of the build's moment
may reach the bytes. Entries are the folder's files in sorted order (no directory entries: Lambda
makes the folders a path names), each dated 1980-01-01 00:00 as sam's zip dates them (Lambda's
Python then uses the hash-based bytecode they ship), with mode 644 (readable by the runtime's
user, whoever built it) and deflated at one fixed level. A symbolic link is refused: the build
must have copied what it points to.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

DATE = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date
MODE = 0o100644  # a regular file, read-write for its owner, readable by all
UNIX = 3  # the system a zip entry's external attributes are for (they hold the mode)
LEVEL = 6  # zlib's default


def entries(folder: Path) -> list[tuple[str, Path]]:
    """The folder's files, every level, each with its name in the zip (its path from the folder,
    `/`-separated), sorted by that name; ValueError on a symbolic link."""
    links = sorted(str(path) for path in folder.rglob("*") if path.is_symlink())
    if links:
        raise ValueError(f"symbolic links in {folder}, copy what they point to: {links}")
    return sorted(
        (path.relative_to(folder).as_posix(), path) for path in folder.rglob("*") if path.is_file()
    )


def pack(folder: Path, target: Path) -> int:
    """Write the zip of `folder`'s files at `target`; return how many it holds."""
    files = entries(folder)
    with zipfile.ZipFile(target, "w") as archive:
        for name, path in files:
            entry = zipfile.ZipInfo(name, date_time=DATE)
            entry.create_system = UNIX
            entry.external_attr = MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=LEVEL)
    return len(files)


def main() -> int:
    """Pack argv's folder into argv's zip and print what it holds."""
    folder, target = Path(sys.argv[1]), Path(sys.argv[2])
    count = pack(folder, target)
    print(f"{target}: {count} files, {target.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
