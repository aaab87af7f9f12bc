"""Issue 16 item 8: the import dialog, the palette and `import --help` name every
format of the registry; a tree of the importable files beside typing a path."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DirectoryTree, Input
from textual.widgets._tree import TreeNode

from studykb.app.formats import IMPORT_FORMATS
from studykb.app.store import Store
from studykb.tui.commands import StudyCommands
from studykb.tui.screens.modals import ImportModal
from tests.conftest import SMALL_DECK, run_cli, write
from tests.tui.screen_text import screen_text

SUFFIXES = [s for f in IMPORT_FORMATS for s in f.suffixes]


def test_import_help_names_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "import", "--help")
    assert code == 0
    first = " ".join(out.split("\n\n")[1].split())  # the help's first paragraph
    for f in IMPORT_FORMATS:
        assert f.name in first
    assert all(s in out for s in SUFFIXES)


async def test_palette_and_dialog_name_every_format(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(toy_store)
    async with app.run_test(size=(120, 40)) as pilot:
        provider = StudyCommands(app.screen)
        [(_, _, import_help)] = [
            c for c in provider.commands() if c[0].startswith("Import a file or folder")
        ]
        assert all(s in import_help for s in SUFFIXES), import_help
        app.open_import()
        await pilot.pause()
        shown = " ".join(screen_text(app).split())
        assert all(s in shown for s in SUFFIXES), shown


def _child(node: TreeNode[object], name: str) -> TreeNode[object]:
    [found] = [c for c in node.children if str(c.label) == name]
    return found


async def test_a_file_picked_in_the_tree_is_imported(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    picker = tmp_path / "picker"
    write(picker / "more" / "other.toml", SMALL_DECK.replace('id = "toy"', 'id = "other"'))
    write(picker / "more" / "cards.csv", "front,back\n")
    write(picker / "notes.pdf", "not a deck")
    write(picker / ".hidden.toml", "")
    monkeypatch.chdir(picker)
    app = make_app(toy_store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_import()
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ImportModal)
        await pilot.click("#import-browse")
        await pilot.pause(0.2)
        tree = modal.query_one("#import-tree", DirectoryTree)
        assert tree.has_focus
        # Folders and importable files only; hidden entries are left out.
        assert sorted(str(c.label) for c in tree.root.children) == ["more"]
        more = _child(tree.root, "more")
        tree.select_node(more)
        await pilot.pause(0.2)
        assert sorted(str(c.label) for c in more.children) == ["cards.csv", "other.toml"]
        tree.select_node(_child(more, "other.toml"))
        await pilot.pause()
        path_input = modal.query_one("#import-path", Input)
        assert path_input.value == str(picker / "more" / "other.toml")
        await pilot.press("enter")
        # The tree keeps a worker of its own (never complete): wait for the report instead.
        for _ in range(100):
            await pilot.pause(0.05)
            if "imported deck other" in screen_text(app):
                break
        assert "imported deck other" in screen_text(app)
    assert toy_store.repo.deck_exists("other")
