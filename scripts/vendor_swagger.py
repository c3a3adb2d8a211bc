"""Vendor Swagger UI from npm so ``/v1/docs`` loads nothing from a CDN.

Runs ``npm pack swagger-ui-dist@<pinned>``, checks its SHA-512 integrity and writes the bundle,
the stylesheet, the favicon and the licence into ``src/ilteo/web/static/vendor/swagger-ui/``
(git-ignored; rebuilt at build time). A second run with the same pin does nothing.

Usage: ``uv run python scripts/vendor_swagger.py [--force]``. Needs ``npm`` on PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from vendor_krds import fetch_tarball

PACKAGE = "swagger-ui-dist"
VERSION = "5.34.1"
#: ``npm view swagger-ui-dist@5.34.1 dist.integrity``; a different tarball is refused.
INTEGRITY = "sha512-VSr8fXfI93obYaQicLJbLUKGRxDojj/SfRJDDLCioGTUBj4BK/Nj4eE9jCeCAnJxVLi7iS+08PbiZLyrQKBkJQ=="  # noqa: E501 - one token
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE")
DEST = Path(__file__).resolve().parents[1] / "src/ilteo/web/static/vendor/swagger-ui"


def main(argv: list[str] | None = None) -> int:
    """Vendor Swagger UI unless the pinned version is already in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    stamp_file = DEST / "VERSION.json"
    if not args.force and stamp_file.is_file():
        stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        if stamp.get("integrity") == INTEGRITY and all((DEST / f).is_file() for f in FILES):
            print(f"{PACKAGE} {VERSION} already vendored in {DEST}")
            return 0
    staging = DEST.with_name(DEST.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="ilteo-swagger-") as tmp:
        tarball = fetch_tarball(Path(tmp), PACKAGE, VERSION, INTEGRITY)
        with tarfile.open(tarball, "r:gz") as tar:
            for name in FILES:
                handle = tar.extractfile(f"package/{name}")
                if handle is None:
                    raise SystemExit(f"{PACKAGE}: package/{name} missing from the tarball")
                (staging / name).write_bytes(handle.read())
    stamp = {"package": PACKAGE, "version": VERSION, "integrity": INTEGRITY, "files": list(FILES)}
    (staging / "VERSION.json").write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(DEST, ignore_errors=True)
    staging.rename(DEST)
    print(f"{PACKAGE} {VERSION} vendored in {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
