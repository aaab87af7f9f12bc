from __future__ import annotations

from datetime import date, timedelta

from studykb.core.reading import PaperView, next_paper
from studykb.core.stats import classify, streak
from studykb.core.urls import is_web_url, paper_key


def test_arxiv_forms_share_a_key() -> None:
    forms = [
        "https://arxiv.org/abs/2010.02502",
        "http://arxiv.org/abs/2010.02502v4",
        "https://arxiv.org/pdf/2010.02502.pdf",
        "https://arxiv.org/pdf/2010.02502v2",
        "https://www.arxiv.org/abs/2010.02502/",
        "arxiv.org/abs/2010.02502",
        "https://export.arxiv.org/abs/2010.02502?context=cs",
    ]
    assert {paper_key(u) for u in forms} == {"arxiv:2010.02502"}
    assert paper_key("https://arxiv.org/abs/2006.11239") != paper_key(forms[0])


def test_other_urls_normalise() -> None:
    assert paper_key("https://Yang-Song.net/blog/2021/score/") == "yang-song.net/blog/2021/score"
    assert paper_key("http://www.sohldickstein.com") == "sohldickstein.com"


def view(
    i: int,
    wr: int | None,
    status: str = "unread",
    deck: str | None = None,
    after: tuple[str, ...] = (),
) -> PaperView:
    return PaperView(i, f"p{i}", status, wr, i, deck or f"d{i}", after)  # type: ignore[arg-type]


def test_next_paper_is_highest_worth_reading_in_list_order() -> None:
    papers = [view(1, 2), view(2, 3), view(3, 3), view(4, None)]
    assert next_paper(papers).paper_id == 2  # type: ignore[union-attr]


def test_next_paper_respects_after() -> None:
    papers = [
        view(1, 3, deck="cfg", after=("ddim",)),
        view(2, 3, deck="ddim", after=("ddpm",)),
        view(3, 3, deck="ddpm"),
    ]
    assert next_paper(papers).paper_id == 3  # type: ignore[union-attr]
    papers[2] = view(3, 3, "read", deck="ddpm")
    assert next_paper(papers).paper_id == 2  # type: ignore[union-attr]


def test_next_paper_none_when_all_read_and_survives_cycles() -> None:
    assert next_paper([view(1, 3, "read")]) is None
    cyc = [view(1, 3, deck="a", after=("b",)), view(2, 3, deck="b", after=("a",))]
    assert next_paper(cyc) is not None


def test_streak_counts_back_from_today_or_yesterday() -> None:
    today = date(2026, 1, 10)
    days = {today - timedelta(days=i) for i in (1, 2, 3, 5)}
    assert streak(days, today) == 3
    assert streak(days | {today}, today) == 4
    assert streak({today - timedelta(days=2)}, today) == 0


def test_classify() -> None:
    kw = {"suspended": False, "retired": False}
    assert classify(reviewed=False, repetitions=0, interval=0, **kw) == "new"
    assert classify(reviewed=True, repetitions=0, interval=1, **kw) == "learning"
    assert classify(reviewed=True, repetitions=3, interval=20, **kw) == "young"
    assert classify(reviewed=True, repetitions=4, interval=21, **kw) == "mature"


def test_a_url_urllib_cannot_read_is_its_own_key_and_no_web_url() -> None:
    # Found by the hostile deck-file property test: an unclosed IPv6 bracket made
    # urllib raise, and the import crashed instead of going on.
    assert paper_key("https://[arxiv.org/abs/2001.00001") == "https://[arxiv.org/abs/2001.00001"
    assert not is_web_url("https://[arxiv.org/abs/2001.00001")
