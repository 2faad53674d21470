"""`digest eval`: scores every method by default; bad input is one line and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE

from digest.cli import main
from digest.summarise import METHODS


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def row(article: str) -> dict:
    title, _, body = article.partition("\n\n")
    paragraphs = body.split("\n\n")
    return {"title": title, "article": body, "reference": "\n".join(paragraphs[:2])}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return jsonl(tmp_path / "mine.jsonl", [row(HARBOUR_ARTICLE), row(LIBRARY_ARTICLE)])


def table_methods(out: str) -> list[str]:
    return [line.split("|")[2].strip() for line in out.splitlines()[2:]]


def test_without_methods_every_method_is_scored(data, capsys):
    assert main(["eval", str(data), "-c", "none.yaml"]) == 0
    out = capsys.readouterr().out
    assert table_methods(out) == list(METHODS)
    assert "| mine | lead | 3 | 2 |" in out


def test_methods_all_is_every_method_and_names_keep_their_order(data, capsys):
    assert main(["eval", str(data), "--methods", "all"]) == 0
    assert table_methods(capsys.readouterr().out) == list(METHODS)
    assert main(["eval", str(data), "--methods", "lead", "default", "lead"]) == 0
    assert table_methods(capsys.readouterr().out) == ["lead", "default"]


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    [line] = captured.err.splitlines()
    return line


def test_an_unknown_method_is_one_line(data, capsys):
    assert main(["eval", str(data), "--methods", "lead", "bert"]) == 1
    line = one_error_line(capsys)
    assert line.startswith("ERROR: unknown summary method 'bert' (choose from default, lead,")
    assert line.endswith(", or all)")


def test_a_row_without_a_reference_is_one_line_naming_it(tmp_path, capsys):
    bad = jsonl(tmp_path / "bad.jsonl", [row(HARBOUR_ARTICLE), {"article": "Some text."}])
    assert main(["eval", str(bad)]) == 1
    assert one_error_line(capsys) == (
        f"ERROR: {bad} line 2: no 'reference' field (each line needs 'article' (the text) and"
        " 'reference' (its summary, a sentence a line))"
    )


def test_a_line_that_is_not_json_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"article": "x", "reference": "y"}\nnot json\n', encoding="utf-8")
    assert main(["eval", str(bad)]) == 1
    assert one_error_line(capsys).startswith(f"ERROR: {bad} line 2: not JSON (")


def test_an_empty_file_and_a_missing_file_are_one_line(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert main(["eval", str(empty)]) == 1
    assert one_error_line(capsys).startswith(f"ERROR: {empty}: no rows to score")
    assert main(["eval", str(tmp_path / "nope.jsonl")]) == 1
    assert one_error_line(capsys) == f"ERROR: {tmp_path / 'nope.jsonl'}: no such file"
