"""``scripts/vendor_krds.py`` on a small fake ``krds-uiux`` tarball (no network, no npm)."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor_krds.py"


@pytest.fixture(scope="module")
def vendor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_krds", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_tarball(vendor: ModuleType, path: Path) -> Path:
    icon_url = "url(../../img/img/component/icon/ico_go.svg)"
    sections = "".join(
        f"/* {name} */\r\n.x{i} {{ a: {icon_url}; }}\r\n" for i, name in enumerate(vendor.SECTIONS)
    )
    files = {
        vendor.TOKENS_CSS: ":root { --krds-typo-font-type: Pretendard GOV; }\r\n",
        vendor.COMMON_CSS: '@import "../../css/token/krds_tokens.css";\r\nbody { color: red; }\r\n',
        vendor.COMPONENT_CSS: sections + "/* 달력 */\r\n.calendar { b: 1; }\r\n",
        vendor.ICON_DIR + "ico_go.svg": "<svg/>",
        "package/package.json": json.dumps({"name": "krds-uiux", "license": "ISC"}),
        "package/README.md": "# KRDS\n\n## 저작권 및 라이선스\n\nKRDS 이용약관\n",
    }
    files |= {vendor.FONT_DIR + name: "woff2" for name in vendor.FONTS.values()}
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_build_writes_only_what_the_pages_use(vendor: ModuleType, tmp_path: Path) -> None:
    dest = tmp_path / "vendor" / "krds"
    sizes = vendor.build(dest, _fake_tarball(vendor, tmp_path / "krds.tgz"))
    css = (dest / "krds.css").read_text(encoding="utf-8")
    assert "@font-face" in css
    assert "fonts/PretendardGOV-Regular.subset.woff2" in css
    assert "url(img/ico_go.svg)" in css
    assert "../../img" not in css
    assert ".calendar" not in css  # an unused component section is left out
    assert "@import" not in css
    assert "\r" not in css
    assert (dest / "img" / "ico_go.svg").is_file()
    assert "ISC" in (dest / "NOTICE.md").read_text(encoding="utf-8")
    assert set(sizes) == set(json.loads((dest / "VERSION.json").read_text())["files"]) | {
        "VERSION.json"
    }
    assert vendor.is_current(dest)


def test_second_run_is_a_no_op(
    vendor: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "krds"
    vendor.build(dest, _fake_tarball(vendor, tmp_path / "krds.tgz"))

    def no_network(_workdir: Path) -> Path:
        raise AssertionError("npm pack must not run when the vendored files are current")

    monkeypatch.setattr(vendor, "fetch_tarball", no_network)
    assert vendor.main(["--dest", str(dest)]) == 0
    (dest / "krds.css").unlink()
    assert not vendor.is_current(dest)


def test_missing_section_fails_loudly(vendor: ModuleType) -> None:
    with pytest.raises(SystemExit, match="not found"):
        vendor.select_sections("/* 표 */\n.t{}\n", ("표", "헤더"))


def test_doctests(vendor: ModuleType) -> None:
    import doctest

    result = doctest.testmod(vendor)
    assert result.attempted >= 2
    assert result.failed == 0
