"""Walking the named folders and giving every document of a batch its own id."""

from __future__ import annotations

from pathlib import Path

from pipeline.inputs import find_inputs, unique_ids


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folders_are_walked_recursively_skipping_other_types_and_hidden_files(tmp_path):
    a = _touch(tmp_path / "2021" / "局A" / "report.txt")
    b = _touch(tmp_path / "2022" / "scan.PDF")
    _touch(tmp_path / "2022" / "gold.json")
    _touch(tmp_path / ".git" / "HEAD.txt")
    (tmp_path / "empty").mkdir()
    inputs = find_inputs([tmp_path, tmp_path / "empty", a])  # a named twice is read once
    assert inputs.documents == [a, b]
    assert [p.name for p in inputs.skipped] == ["gold.json"]
    assert inputs.empty_folders == [tmp_path / "empty"]
    assert inputs.summary() == "found 2 document(s), skipped 1 other file(s) (.json)"


def test_ids_are_stems_unless_two_documents_share_one(tmp_path):
    one = tmp_path / "a" / "x.txt"
    two = tmp_path / "b" / "x.txt"
    deep_one = tmp_path / "p" / "same" / "y.txt"
    deep_two = tmp_path / "q" / "same" / "y.txt"
    pdf = tmp_path / "a" / "z.pdf"
    txt = tmp_path / "a" / "z.txt"
    other = tmp_path / "a" / "solo.txt"
    ids = unique_ids([one, two, deep_one, deep_two, pdf, txt, other])
    assert ids == {
        one: "a_x", two: "b_x",
        deep_one: "p_same_y", deep_two: "q_same_y",
        pdf: "z_pdf", txt: "z_txt",
        other: "solo",
    }


def test_a_folder_link_loop_ends_and_each_folder_is_walked_once(tmp_path):
    report = _touch(tmp_path / "in" / "局B" / "report.txt")
    (tmp_path / "in" / "局B" / "back").symlink_to(tmp_path / "in", target_is_directory=True)
    (tmp_path / "in" / "again").symlink_to(tmp_path / "in" / "局B", target_is_directory=True)
    assert find_inputs([tmp_path / "in"]).documents == [report]
