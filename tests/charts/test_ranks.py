"""The ranking chart: items top down as given, mean ranks on 1..k, first-choice shares beside."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from indagine.charts.ranks import RankPoint, rank_chart

POINTS = [
    RankPoint("Chat", 1.6, 1.4, 1.8, 0.55, 0.47, 0.63),
    RankPoint("Video", 2.4, 2.2, 2.6, 0.2, 0.14, 0.27),
    RankPoint("Posta <e-mail>", 2.9, 2.7, 3.1, 0.15, 0.1, 0.22),
]


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_ranking_chart_labels_its_items_axes_and_shares_in_the_page_language():
    svg = rank_chart(
        POINTS,
        places=3,
        title="Strumenti «in ordine»",
        mean_label="Posizione media (1 = prima)",
        first_label="Messo al primo posto",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Strumenti «in ordine»"' in svg
    texts = _texts(svg)
    assert {"Chat", "Video", "Posta <e-mail>", "55%", "15%"} <= set(texts)
    assert "Posizione media (1 = prima)" in texts and "Messo al primo posto" in texts
    assert {"1", "2", "3"} <= set(texts)
    assert (
        rank_chart(
            list(POINTS),
            places=3,
            title="Strumenti «in ordine»",
            mean_label="Posizione media (1 = prima)",
            first_label="Messo al primo posto",
        )
        is svg
    )
