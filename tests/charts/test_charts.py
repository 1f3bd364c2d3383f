"""Charts render to accessible SVG with the data in them."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

from indagine.charts.likert import LikertRow, _diverging_bars, agreement, diverging_bars
from indagine.charts.shares import ShareBar, responses_over_time, share_bars

SCALE = ["per nulla", "poco", "né né", "abbastanza", "del tutto"]


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_agreement_counts_half_of_the_neutral_middle():
    assert agreement(LikertRow("x", [0.1, 0.1, 0.2, 0.3, 0.3], 10)) == 0.7


def test_diverging_bars_sort_items_and_show_n():
    rows = [
        LikertRow("less", [0.4, 0.3, 0.1, 0.1, 0.1], 50),
        LikertRow("more", [0.05, 0.05, 0.1, 0.4, 0.4], 60),
    ]
    svg = diverging_bars(rows, SCALE, title="Accordo <test>")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Accordo &lt;test&gt;"' in svg
    texts = _texts(svg)
    assert "n=50" in texts and "n=60" in texts and "del tutto" in texts
    # a quote in a label from a form stays inside the attribute (it could add an onload)
    forged = diverging_bars(rows, SCALE, title='Q " onload="alert(1)"')
    assert 'aria-label="Q &quot; onload=&quot;alert(1)&quot;"' in forged
    assert ET.fromstring(forged).get("onload") is None
    # the most agreed item is drawn last, so it sits at the top of the chart
    assert texts.index("less") < texts.index("more")


def test_the_same_data_give_the_same_svg():
    rows = [LikertRow("a", [0.2, 0.2, 0.2, 0.2, 0.2], 5)]
    assert diverging_bars(rows, SCALE) == diverging_bars(rows, SCALE)


def test_share_bars_and_trend():
    svg = share_bars([ShareBar("Chat", 0.62, 0.55, 0.69), ShareBar("Email", 0.3, 0.24, 0.37)])
    assert "62%" in _texts(svg) and "Chat" in _texts(svg)
    days = [dt.date(2020, 3, d) for d in (18, 19, 20)]
    assert responses_over_time(days, [10, 30, 5], title="Risposte").startswith("<svg")


def test_a_chart_is_drawn_once_for_the_same_data():
    rows = [LikertRow("remembered", [0.1, 0.2, 0.3, 0.2, 0.2], 7)]
    first = diverging_bars(rows, SCALE, title="once")
    assert diverging_bars(list(rows), list(SCALE), title="once") is first
    other = diverging_bars([LikertRow("remembered", [0.2, 0.2, 0.2, 0.2, 0.2], 7)], SCALE)
    assert other is not first and other != first


def test_charts_on_one_page_share_no_id_and_each_reference_resolves():
    svgs = [
        share_bars([ShareBar("Chat", 0.62, 0.55, 0.69)]),
        share_bars([ShareBar("Email", 0.3, 0.24, 0.37)]),
        diverging_bars([LikertRow("a", [0.2, 0.2, 0.2, 0.2, 0.2], 5)], SCALE),
    ]
    seen: set[str] = set()
    for svg in svgs:
        ids = re.findall(r'\bid="([^"]+)"', svg)
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert refs and refs <= set(ids)  # markers and clip paths point inside their chart
        assert not seen & set(ids)
        seen |= set(ids)


def test_charts_drawn_by_several_threads_are_the_charts_drawn_by_one():
    """A server worker draws charts from 4 threads; figures must not cross between them."""
    jobs = [
        [LikertRow(f"item {i}", [0.1, 0.1, 0.2, 0.3, 0.3][i % 5 :] + [0.0] * (i % 5), 10 + i)]
        for i in range(12)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda rows: diverging_bars(rows, SCALE, n_label="N"), jobs))
    for rows, svg in zip(jobs, together, strict=True):
        assert f"N={rows[0].n}" in _texts(svg) and rows[0].label in _texts(svg)
        assert _diverging_bars.__wrapped__(rows, SCALE, n_label="N") == svg


def test_a_trend_across_editions_escapes_its_texts_and_keeps_its_points_on_the_axis():
    from indagine.charts.trend import EditionPoint, trend_chart

    points = [
        EditionPoint("<b>2019</b>", 0.2, 0.1, 0.3),
        EditionPoint("2020", 0.5, 0.4, 0.6),
        EditionPoint("2021", 0.9, 0.8, 1.2),  # an interval past 100%: held at the axis
    ]
    svg = trend_chart(points, share=True, title='Quota "alta" <x>')
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Quota &quot;alta&quot; &lt;x&gt;"' in svg
    assert "&lt;b&gt;2019&lt;/b&gt;" in svg and "<b>" not in svg
    assert ">20%<" in svg and ">90%<" in svg
    import re

    ys = [float(v) for v in re.findall(r' y[12]="([-\d.]+)"', svg)]
    assert min(ys) >= 0 and max(ys) <= 170
    means = trend_chart(
        [EditionPoint("a", 3.2, 3.0, 3.4), EditionPoint("b", 3.6, 3.4, 3.8)], share=False
    )
    assert ">3.20<" in means and ">3.60<" in means


def test_answers_that_do_not_change_what_a_chart_shows_do_not_draw_it_again():
    """At a million responses a thousand more move a share by a tenth of a point at most:
    the chart is drawn to half a point, so the drawing already made is given again."""
    from indagine.charts.canvas import running_drawn, share_drawn

    before = [LikertRow("item", [0.1002, 0.2001, 0.3, 0.2497, 0.15], 1_000_000)]
    after = [LikertRow("item", [0.1003, 0.2003, 0.2998, 0.2496, 0.15], 1_001_000)]
    assert diverging_bars(after, SCALE) is diverging_bars(before, SCALE)
    assert "n=" not in _texts(diverging_bars(before, SCALE))  # said by the table beside it
    bars = share_bars([ShareBar("Chat", 0.6201, 0.61, 0.63)])
    assert share_bars([ShareBar("Chat", 0.6208, 0.6104, 0.6302)]) is bars
    assert share_bars([ShareBar("Chat", 0.63, 0.61, 0.65)]) is not bars
    assert share_drawn(0.6201) == 0.62 and share_drawn(0.6226) == 0.625
    assert running_drawn([10, 20]) == [10, 20]  # small counts: exact
    assert sum(running_drawn([333_333, 333_333, 333_334])) == 1_000_000
