"""Vendor the Korea Design System (KRDS) CSS, icons and Pretendard GOV font from npm.

The web door never loads anything from a CDN. This script runs ``npm pack krds-uiux@<pinned>`` in a
temporary folder, checks the tarball against a pinned SHA-512, and writes only what the pages use
into ``src/ilteo/web/static/vendor/krds/`` (git-ignored; rebuilt at build time):

- ``krds.css``: the design tokens, the common base styles and the component sections ilteo uses
  (buttons, tables, lists, skip link, header, footer, breadcrumb, badges, forms), with
  ``@font-face`` rules for the Pretendard GOV subset fonts the package ships (its own CSS names
  the family but declares no ``@font-face``) and image URLs rewritten to the local ``img/``
  folder;
- ``img/*.svg``: only the icons that CSS refers to;
- ``fonts/PretendardGOV-{Regular,Bold}.subset.woff2``: the two weights KRDS uses;
- ``NOTICE.md``: origin, version, licence terms; ``VERSION.json``: the stamp that makes a second run
  a no-op.

Usage: ``uv run python scripts/vendor_krds.py [--force] [--dest DIR]``. Needs ``npm`` on PATH.
The web pages still render (with ilteo's own fallback CSS) when this folder is missing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "krds-uiux"
VERSION = "1.1.0"
#: ``npm view krds-uiux@1.1.0 dist.integrity``; a different tarball is refused.
INTEGRITY = "sha512-4cjL3cpnlTaDrkivVceDpWhHxUYgV2AhiRRbO74I8ZKlnM17BcutEjPOlMOz9RQGAmdEubTsSYoyKFhvD1/g+A=="  # noqa: E501 - one token

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEST = ROOT / "src" / "ilteo" / "web" / "static" / "vendor" / "krds"

TOKENS_CSS = "package/resources/css/token/krds_tokens.css"
COMMON_CSS = "package/resources/css/common/common.css"
COMPONENT_CSS = "package/resources/css/component/component.css"
ICON_DIR = "package/resources/img/component/icon/"
FONT_DIR = "package/resources/fonts/"
#: Weight -> file; KRDS styles use only regular (400) and bold (700).
FONTS = {400: "PretendardGOV-Regular.subset.woff2", 700: "PretendardGOV-Bold.subset.woff2"}

#: Section headings of ``component.css`` (one ``/* ... */`` line at column 0 each) to keep. The
#: others (modals, carousels, calendars, main menus, ...) are not used and would triple the size.
SECTIONS = (
    "버튼 / 링크",
    "icon 버튼 사이즈",
    "**** button area ****",
    "표",
    "텍스트 목록",
    "건너뛰기 링크",
    "헤더",
    "푸터",
    "브레드크럼",
    "배지",
    "form 레이아웃",
    "검색 폼",
    "입력 필드 / 텍스트 영역",
    "셀렉트",
)

_SECTION_RE = re.compile(r"^/\* (.+?) \*/$", re.MULTILINE)
_ICON_URL_RE = re.compile(
    r"url\(\s*['\"]?(?:\.\./)+img/(?:img/)?component/icon/([\w.-]+\.svg)['\"]?\s*\)"
)


def select_sections(css: str, wanted: tuple[str, ...]) -> str:
    """Keep only the named top-level sections of a compiled KRDS component stylesheet.

    Args:
        css: The stylesheet, sections introduced by a ``/* name */`` line at column 0.
        wanted: Section names to keep, in any order.

    Returns:
        The kept sections in their original order.

    Raises:
        SystemExit: A wanted section is missing or a kept section has unbalanced braces (the
            package layout changed: fix ``SECTIONS`` rather than ship broken CSS).

    >>> select_sections("/* a */\\n.a{}\\n/* b */\\n.b{}\\n", ("b",))
    '/* b */\\n.b{}\\n'
    """
    marks = list(_SECTION_RE.finditer(css))
    found: dict[str, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(css)
        found[mark.group(1)] = css[mark.start() : end]
    missing = [name for name in wanted if name not in found]
    if missing:
        raise SystemExit(f"{PACKAGE} {VERSION}: component sections not found: {missing}")
    kept = [text for name, text in found.items() if name in wanted]
    for text in kept:
        if text.count("{") != text.count("}"):
            raise SystemExit(f"{PACKAGE}: section {text.splitlines()[0]!r} is not self-contained")
    return "".join(kept)


def rewrite_icon_urls(css: str) -> tuple[str, set[str]]:
    """Point icon URLs at the flat local ``img/`` folder and list the icons used.

    The package's compiled CSS refers to ``../../img/img/component/icon/`` (a broken path) and
    ``../../img/component/icon/``; both become ``img/<name>``.

    >>> rewrite_icon_urls("a{b:url(../../img/img/component/icon/ico_go.svg)}")
    ('a{b:url(img/ico_go.svg)}', {'ico_go.svg'})
    """
    used: set[str] = set()

    def _local(match: re.Match[str]) -> str:
        used.add(match.group(1))
        return f"url(img/{match.group(1)})"

    return _ICON_URL_RE.sub(_local, css), used


def _font_faces() -> str:
    rules = [
        '@font-face {\n  font-family: "Pretendard GOV";\n  font-style: normal;\n'
        f"  font-weight: {weight};\n  font-display: swap;\n"
        f'  src: url(fonts/{name}) format("woff2");\n}}\n'
        for weight, name in FONTS.items()
    ]
    return "".join(rules)


def _read(tar: tarfile.TarFile, member: str) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise SystemExit(f"{PACKAGE} {VERSION}: {member} is missing from the package")
    return handle.read()


def _read_text(tar: tarfile.TarFile, member: str) -> str:
    # The package's CSS has CRLF line ends; section matching works on LF.
    return _read(tar, member).decode("utf-8").replace("\r\n", "\n")


def fetch_tarball(
    workdir: Path, package: str = PACKAGE, version: str = VERSION, integrity: str = INTEGRITY
) -> Path:
    """``npm pack`` one pinned package into ``workdir`` and check its SHA-512 integrity."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not on PATH: install Node.js (apt-get install -y npm) and rerun")
    result = subprocess.run(
        [npm, "pack", f"{package}@{version}", "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != integrity:
        raise SystemExit(f"{tarball.name}: integrity {digest} is not the pinned {integrity}")
    return tarball


def _notice(package_json: dict[str, object], readme: str) -> str:
    terms = (
        readme.split("## 저작권 및 라이선스", 1)[-1].strip()
        if "## 저작권 및 라이선스" in readme
        else ""
    )
    return (
        f"# Vendored: {PACKAGE} {VERSION}\n\n"
        f"Generated by `scripts/vendor_krds.py` from the npm package `{PACKAGE}@{VERSION}` "
        f"({INTEGRITY}). Do not edit; rerun the script.\n\n"
        "## KRDS — Korea Design System (대한민국 디지털 정부 디자인 시스템)\n\n"
        f"npm licence field: `{package_json.get('license', 'unknown')}`. "
        "The package README says:\n\n"
        f"> {terms or 'see https://www.krds.go.kr'}\n\n"
        "ilteo uses the KRDS design tokens and component styles only; it does not use the KRDS or "
        "government logos, and it is not an official government site.\n\n"
        "## Pretendard GOV (fonts/)\n\n"
        "Pretendard GOV, copyright (c) 2021 Kil Hyung-jin, with Reserved Font Name Pretendard; "
        "licensed under the SIL Open Font License, Version 1.1 (https://openfontlicense.org). "
        "The subset WOFF2 files are redistributed unmodified as shipped in the KRDS package.\n"
    )


def build(dest: Path, tarball: Path) -> dict[str, int]:
    """Write the vendored files from a ``krds-uiux`` tarball into ``dest`` (replaced atomically).

    Returns:
        Bytes written per file, relative to ``dest``.
    """
    with tarfile.open(tarball, "r:gz") as tar:
        tokens = _read_text(tar, TOKENS_CSS)
        common = _read_text(tar, COMMON_CSS)
        components = select_sections(_read_text(tar, COMPONENT_CSS), SECTIONS)
        common = re.sub(r'^@import\s+"[^"]*krds_tokens\.css";\s*$', "", common, flags=re.MULTILINE)
        body = "\n".join(
            part.replace('@charset "UTF-8";', "") for part in (tokens, common, components)
        )
        body = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", body)
        body, icons = rewrite_icon_urls(body)
        header = (
            f'@charset "UTF-8";\n/* {PACKAGE} {VERSION} (KRDS) subset, '
            "vendored by scripts/vendor_krds.py; "
            "see NOTICE.md */\n"
        )
        files: dict[str, bytes] = {"krds.css": (header + _font_faces() + body).encode("utf-8")}
        for icon in sorted(icons):
            files[f"img/{icon}"] = _read(tar, ICON_DIR + icon)
        for name in FONTS.values():
            files[f"fonts/{name}"] = _read(tar, FONT_DIR + name)
        package_json = json.loads(_read(tar, "package/package.json"))
        readme = _read_text(tar, "package/README.md")
    files["NOTICE.md"] = _notice(package_json, readme).encode("utf-8")
    stamp = {"package": PACKAGE, "version": VERSION, "integrity": INTEGRITY, "files": sorted(files)}
    files["VERSION.json"] = (json.dumps(stamp, indent=2) + "\n").encode("utf-8")

    staging = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for relative, data in files.items():
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return {relative: len(data) for relative, data in files.items()}


def is_current(dest: Path) -> bool:
    """Whether ``dest`` already holds this pinned version with every file present."""
    try:
        stamp = json.loads((dest / "VERSION.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("integrity") == INTEGRITY and all((dest / f).is_file() for f in stamp["files"])


def main(argv: list[str] | None = None) -> int:
    """Vendor KRDS unless the pinned version is already in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="target folder")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    dest: Path = args.dest
    if not args.force and is_current(dest):
        print(f"{PACKAGE} {VERSION} already vendored in {dest}")
        return 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ilteo-krds-") as tmp:
        sizes = build(dest, fetch_tarball(Path(tmp)))
    total = sum(sizes.values())
    print(f"{PACKAGE} {VERSION} vendored in {dest}: {len(sizes)} files, {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
