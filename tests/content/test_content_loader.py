"""Loading and checking packs: valid packs load, broken ones report every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.content import ContentError, ContentPack, Problem, check_dir, load_pack


def problems_of(**kwargs) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_pack(**kwargs)
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return [str(problem) for problem in caught.value.problems]


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def test_problem_and_error_format():
    with_line = Problem("content/x.yaml", 12, "notes: unknown perspective 'moed'")
    without = Problem("content/x.yaml", None, "file is empty")
    assert str(with_line) == "content/x.yaml:12: notes: unknown perspective 'moed'"
    assert str(without) == "content/x.yaml: file is empty"
    error = ContentError([with_line, without])
    assert error.problems == [with_line, without]
    assert str(error).splitlines() == [str(with_line), str(without)]


def test_fixture_pack_loads(pack_dir):
    pack = load_pack(base_dir=pack_dir)
    assert isinstance(pack, ContentPack)
    assert sorted(pack.situations) == [1, 2]
    assert pack.situation(2).title.en == "Test situation 2"
    assert check_dir(pack_dir) == []


def test_missing_nested_field_points_at_its_parent(pack_dir, line_of):
    text = edit(pack_dir / "situations/01-test.yaml", '  en: "Test situation 1"\n', "")
    assert problems_of(base_dir=pack_dir) == [
        f"pack/situations/01-test.yaml:{line_of(text, 'title:')}: title: missing field 'en'"]


def test_missing_top_level_field_has_no_line(pack_dir):
    edit(pack_dir / "situations/02-test.yaml",
         "question:\n  nl: Hoe ga je hier goed mee om?\n  en: How do you deal with this well?\n", "")
    assert problems_of(base_dir=pack_dir) == [
        "pack/situations/02-test.yaml: missing field 'question'"]


def test_wrong_type_and_unknown_field(pack_dir, line_of):
    text = edit(pack_dir / "situations/01-test.yaml", "number: 1", "number: een\nauthor: x")
    problems = problems_of(base_dir=pack_dir)
    assert len(problems) == 2
    assert problems[0].startswith(f"pack/situations/01-test.yaml:{line_of(text, 'number:')}: number: ")
    assert "valid integer" in problems[0]
    assert problems[1] == f"pack/situations/01-test.yaml:{line_of(text, 'author:')}: unknown field 'author'"


def test_unknown_and_missing_perspective_in_notes(pack_dir, line_of):
    text = edit(pack_dir / "situations/01-test.yaml", "  vrijheid:", "  moed:")
    problems = problems_of(base_dir=pack_dir)
    file = "pack/situations/01-test.yaml"
    assert problems[0].startswith(f"{file}:{line_of(text, '  moed:')}: notes: unknown perspective 'moed'")
    assert problems[1] == f"{file}:{line_of(text, 'notes:')}: notes: missing perspective 'vrijheid'"
    assert len(problems) == 2


def test_duplicate_number_reports_both_files(pack_dir):
    edit(pack_dir / "situations/02-test.yaml", "number: 2", "number: 1")
    assert problems_of(base_dir=pack_dir) == [
        "pack/situations/01-test.yaml:1: number: situation 1 is also defined in pack/situations/02-test.yaml",
        "pack/situations/02-test.yaml:1: number: situation 1 is also defined in pack/situations/01-test.yaml",
    ]


def test_bad_yaml_reports_syntax_error_with_line(pack_dir):
    edit(pack_dir / "situations/02-test.yaml", "gist:\n", "gist: [\n")
    problems = problems_of(base_dir=pack_dir)
    assert len(problems) == 1
    file, line, message = problems[0].split(":", 2)
    assert file == "pack/situations/02-test.yaml"
    assert int(line) > 1
    assert message.startswith(" YAML syntax error")


def test_duplicate_yaml_key_is_reported(pack_dir, line_of):
    text = edit(pack_dir / "situations/01-test.yaml", "number: 1\n", "number: 1\nnumber: 1\n")
    assert problems_of(base_dir=pack_dir) == [
        f"pack/situations/01-test.yaml:{line_of(text, 'number:') + 1}: duplicate key 'number'"]


def test_every_problem_is_reported_at_once(pack_dir):
    edit(pack_dir / "situations/01-test.yaml", "  kennis:", "  moed:")
    edit(pack_dir / "situations/02-test.yaml", "title:", "title: [")
    edit(pack_dir / "perspectives.yaml", "[identiteit]", "[identiteit, moed]")
    edit(pack_dir / "process.yaml", "key: picture", "key: photo")
    (pack_dir / "pack.yaml").write_text("", encoding="utf-8")
    (pack_dir / "virtues.yaml").unlink()
    problems = problems_of(base_dir=pack_dir)
    files = {problem.split(":")[0] for problem in problems}
    assert files == {f"pack/{name}" for name in (
        "pack.yaml", "perspectives.yaml", "process.yaml", "virtues.yaml",
        "situations/01-test.yaml", "situations/02-test.yaml")}
    assert "pack/pack.yaml: file is empty" in problems
    assert "pack/virtues.yaml: file is missing" in problems


def test_perspectives_must_be_exactly_the_five(pack_dir, line_of):
    edit(pack_dir / "perspectives.yaml", "key: vrijheid", "key: moed")
    text = edit(pack_dir / "perspectives.yaml", "[waarden, vrijheid]", "[waarden]")
    problems = problems_of(base_dir=pack_dir)
    file = "pack/perspectives.yaml"
    assert problems[0].startswith(f"{file}:{line_of(text, 'key: moed')}: perspectives[4].key: unknown perspective "
                                  f"'moed'")
    assert f"{file}:{line_of(text, 'perspectives:')}: perspectives: missing perspective 'vrijheid'" in problems
    assert f"{file}:{line_of(text, 'suggested_order:')}: suggested_order: leaves out perspective 'vrijheid'" in problems
    assert len(problems) == 3


def test_suggested_order_with_unknown_key(pack_dir, line_of):
    text = edit(pack_dir / "perspectives.yaml", "[identiteit]", "[identiteit, moed]")
    problems = problems_of(base_dir=pack_dir)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"pack/perspectives.yaml:{line_of(text, '[identiteit, moed]')}: suggested_order[2][1]: unknown perspective "
        f"'moed'")


def test_empty_situations_folder(pack_dir):
    for path in (pack_dir / "situations").iterdir():
        path.unlink()
    assert problems_of(base_dir=pack_dir) == ["pack/situations: no situation files (*.yaml) found"]


def test_virtue_too_long_or_twice(pack_dir):
    edit(pack_dir / "virtues.yaml", "en: Order}", "en: Orderliness}")
    edit(pack_dir / "virtues.yaml", "nl: Trouw,", "nl: " + "Trouw " * 20 + ",")
    problems = problems_of(base_dir=pack_dir)
    assert len(problems) == 2
    assert "'Orderliness' appears more than once" in problems[0]
    assert "longer than 75 characters" in problems[1]


@pytest.mark.parametrize("layout", ["situations", "flat"])
def test_extra_folder_with_situation_11_loads(pack_dir, tmp_path, situation_text, layout):
    extra = tmp_path / "org"
    folder = extra / "situations" if layout == "situations" else extra
    folder.mkdir(parents=True)
    (folder / "11-eigen.yaml").write_text(situation_text(11), encoding="utf-8")
    pack = load_pack(extra_dir=extra, base_dir=pack_dir)
    assert sorted(pack.situations) == [1, 2, 11]
    assert pack.situation(11).title.nl == "Testsituatie 11"


def test_extra_folder_clashing_with_base_number(pack_dir, tmp_path, situation_text):
    extra = tmp_path / "org"
    (extra / "situations").mkdir(parents=True)
    (extra / "situations" / "02-eigen.yaml").write_text(situation_text(2), encoding="utf-8")
    assert problems_of(extra_dir=extra, base_dir=pack_dir) == [
        "pack/situations/02-test.yaml:1: number: situation 2 is also defined in org/situations/02-eigen.yaml",
        "org/situations/02-eigen.yaml:1: number: situation 2 is also defined in pack/situations/02-test.yaml",
    ]


def test_empty_or_missing_extra_folder(pack_dir, tmp_path):
    (tmp_path / "org").mkdir()
    assert problems_of(extra_dir=tmp_path / "org", base_dir=pack_dir) == [
        "org: no situation files (*.yaml) found"]
    problems = problems_of(extra_dir=tmp_path / "nothing", base_dir=pack_dir)
    assert problems == [f"{(tmp_path / 'nothing').as_posix()}: folder does not exist"]


def test_check_dir_full_pack_and_extra_folder(make_pack, tmp_path, situation_text):
    broken = make_pack("broken")
    edit(broken / "situations/01-test.yaml", "  kennis:", "  moed:")
    assert [p.message for p in check_dir(broken)][:1] == [
        "notes: unknown perspective 'moed' (expected one of handelingen, kennis, identiteit, waarden, vrijheid)"]

    extra = tmp_path / "org"
    extra.mkdir()
    (extra / "9001-eigen.yaml").write_text(situation_text(9001), encoding="utf-8")
    assert check_dir(extra) == []  # checked together with the built-in pack
    (extra / "0001-eigen.yaml").write_text(situation_text(1), encoding="utf-8")
    clash = check_dir(extra)
    assert [p.file for p in clash][-1] == "org/0001-eigen.yaml"
    assert all("situation 1 is also defined" in p.message for p in clash)
    assert check_dir(tmp_path / "nothing")[0].message == "folder does not exist"


def test_default_pack_dir_prefers_packaged_content(tmp_path, monkeypatch):
    import flows
    from flows.content import default_pack_dir

    (tmp_path / "flows" / "_content").mkdir(parents=True)
    monkeypatch.setattr(flows, "__file__", str(tmp_path / "flows" / "__init__.py"))
    assert default_pack_dir() == tmp_path / "flows" / "_content"


def test_perspective_number_must_match_its_key(pack_dir, line_of):
    text = edit(pack_dir / "perspectives.yaml", "number: 2", "number: 3")
    assert problems_of(base_dir=pack_dir) == [
        f"pack/perspectives.yaml:{line_of(text, 'number: 3')}: perspectives[1].number: "
        "perspective 'kennis' must have number 2"]
