from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import instruments.checks


def minimal_instrument(**overrides: object) -> dict:
    data = {
        "key": "demo",
        "version": 1,
        "status": "draft",
        "title": {"vi": "Khảo sát thử", "en": "Trial survey"},
        "intro": {"vi": "Xin cảm ơn.", "en": "Thank you."},
        "elements": [
            {"key": "access", "title": {"vi": "Tiếp cận dịch vụ", "en": "Access"}},
            {"key": "results", "weight": 3, "title": {"vi": "Kết quả giải quyết", "en": "Result"}},
        ],
        "items": [
            {"code": "access_sat", "type": "scale5", "element": "access", "text": {"vi": "Nơi làm thủ tục"}},
            {"code": "results_sat", "type": "scale5", "element": "results", "text": {"vi": "Kết quả"}},
            {"code": "overall_sat", "type": "scale5", "required": True, "text": {"vi": "Nhìn chung"}},
            {"code": "visited_before", "type": "yesno", "text": {"vi": "Đã từng đến chưa?"}},
            {
                "code": "gender",
                "type": "choice",
                "quasi_identifier": True,
                "text": {"vi": "Giới tính"},
                "options": [{"code": 1, "label": {"vi": "Nam"}}, {"code": 2, "label": {"vi": "Nữ"}}],
            },
            {"code": "comment", "type": "text", "max_length": 20, "text": {"vi": "Góp ý"}},
            {"code": "procedure", "type": "procedure", "text": {"vi": "Thủ tục"}},
        ],
        "index": {"elements": {"access": ["access_sat"], "results": ["results_sat"]}, "overall": "overall_sat"},
    }
    data.update(overrides)
    return data


def write_definition(root: Path, data: object, name: str | None = None) -> Path:
    if name is None:
        name = f"{data['key']}/{data['version']}.yaml"  # type: ignore[index]
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    root = tmp_path / "definitions"
    shutil.copytree(instruments.checks.DEFAULT_DEFINITIONS, root)
    return root
