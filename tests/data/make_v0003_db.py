"""Build tests/data/studykb-v0003.db with the release before the log only grew
(schema 0003, commit 94dd8d1): a deck imported, answers over three study days with
same-day drills, an undo (which that release deleted from the log), a suspended
card, a buried card and a paper marked as being read. Kept in the repository so
that the upgrade test runs against a file that release really wrote.

Rebuild (only when needed) with that release's code first on the path, e.g.

    git worktree add --detach /tmp/release 94dd8d1
    STUDYKB_RELEASE=/tmp/release .venv/bin/python tests/data/make_v0003_db.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).with_name("studykb-v0003.db")
DECK = """
[deck]
id = "toy"
title = "Toy deck"

[paper]
title = "A Toy Paper"
url = "https://arxiv.org/abs/2001.00001"
worth_reading = 2

[[cards]]
id = "one"
front = "Question one?"
back = "Answer one."
source = "§1"

[[cards]]
id = "two"
front = "Question two?"
back = "Answer two."
source = "§2"

[[cards]]
id = "eq"
text = "The marginal is {{c1::$\\\\mathcal{N}(\\\\sqrt{\\\\bar\\\\alpha_t}x_0, (1-\\\\bar\\\\alpha_t)I)$}}."
source = "Eq. (4)"
"""
# Run the release's CLI, not this checkout's: the editable install's finder goes first.
RUNNER = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv.pop(1))
from studykb.cli import main
main(sys.argv[1:])
"""


def run(release: str, now: str, *args: str) -> None:
    env = {
        **os.environ,
        "STUDYKB_DB": str(OUT),
        "STUDYKB_NOW": now,
        "STUDYKB_NO_BUNDLED": "1",
    }
    subprocess.run([sys.executable, "-c", RUNNER, release, *args], env=env, check=True)


def main() -> None:
    release = os.environ.get("STUDYKB_RELEASE")
    if not release:
        sys.exit("set STUDYKB_RELEASE to a checkout of the 0003 release (see the docstring)")
    OUT.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STUDYKB_HOME"] = tmp
        deck = Path(tmp) / "toy.toml"
        deck.write_text(DECK, encoding="utf-8")
        day1, day2, day3 = (
            "2026-01-05T10:00:00+01:00",
            "2026-01-06T09:00:00+01:00",
            "2026-01-12T21:00:00+01:00",
        )
        run(release, day1, "import", str(deck))
        run(release, day1, "answer", "toy/one", "5")
        run(release, day1, "answer", "toy/two", "2")
        run(release, day1, "answer", "toy/two", "4")  # a same-day drill (rule 7)
        run(release, day1, "answer", "toy/eq:c1", "3")
        run(release, day2, "answer", "toy/one", "4")
        run(release, day2, "answer", "toy/two", "1")
        run(release, day2, "undo")  # that release deleted the row
        run(release, day2, "answer", "toy/two", "3")
        run(release, day2, "papers", "set", "toy", "reading")
        run(release, day3, "answer", "toy/one", "5")
        run(release, day3, "suspend", "toy/eq:c1")
    shutil.rmtree(OUT.with_name("backups"), ignore_errors=True)  # the daily copies it kept
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
