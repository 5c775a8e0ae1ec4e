"""The departments' client validates a whole file before sending anything."""

import json
from pathlib import Path

import pytest

from services.ledger.client import InvalidEventsError, main, read_items, validate
from tests.support.factories import installed, shipped


def test_every_broken_rule_is_listed_with_its_item() -> None:
    bad = shipped("C1", "K1", "U2", "2026-02-30")
    with pytest.raises(InvalidEventsError) as caught:
        validate([installed("C1", "U1", "2026-03-01"), bad, {"type": "visit_due"}])
    assert [(e["item"], e["field"]) for e in caught.value.errors] == [
        (1, "payload.ship_date"),
        (2, "type"),
    ]


def test_json_lines_and_arrays_are_read_alike(tmp_path: Path) -> None:
    events = [installed("C1", "U1", "2026-03-01"), installed("C1", "U2", "2026-03-02")]
    array, lines = tmp_path / "a.json", tmp_path / "b.jsonl"
    array.write_text(json.dumps(events))
    lines.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    assert read_items(array) == read_items(lines) == events


def test_check_mode_sends_nothing_and_a_bad_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps([installed("C1", "U1", "2026-03-01")]))
    bad.write_text(json.dumps([installed("C1", "U1", "2026-03-41")]))
    assert main(["--check", str(good)]) == 0
    assert main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "item 0: payload.installed_date:" in err
    assert "nothing sent" in err


def test_a_csv_is_checked_as_the_import_checks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.ledger.sheets import template_csv

    header = template_csv("installed").lstrip("\ufeff")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(header + "C1,U1,2026-03-01\nC1,U2,2026-03-02\n", encoding="utf-8")
    bad.write_text(header + "C1,U1,2026-03-01\nC1,U2,2026-03-41\n", encoding="utf-8")
    assert main(["--check", "--fact", "installed", str(good)]) == 0
    assert "2 valid event(s)" in capsys.readouterr().out
    assert main(["--check", "--fact", "installed", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "item installed row 3: 安装调试完成日期 (installed_date):" in err
    assert main(["--check", str(good)]) == 1  # a CSV names its facts
    assert "--fact" in capsys.readouterr().err
