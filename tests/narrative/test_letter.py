"""The phrase contract of newsletter.md, on findings built by hand."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from indagine.analysis.findings import Base, Finding, Findings, Ranking
from indagine.narrative import write_letter
from narrative.factories import (
    EVERYONE,
    bpo_contrast,
    club_findings,
    club_items,
    mean,
    percent,
    scale_item,
    share,
)

SIGNING = {
    "club": "Club dei Contact Center",
    "promoter": "il Club dei Contact Center",
    "link": "https://indagine.example.org/s/remote-2020",
    "place": "Milano",
    "date": dt.date(2020, 3, 25),
    "signature": "Il Presidente del Club",
}
ANY_NUMBER = re.compile(
    r"\d|%|\b(circa|oltre|quasi|poco più|poco meno|grande maggioranza|about|over|nearly|just "
    r"over|just under|great majority|under)\b",
    re.I,
)


def letter(lang="it", stage="interim", findings=None, **signing):
    return write_letter(findings or club_findings(), lang, stage, **{**SIGNING, **signing})


def final_findings(**changes):
    closing = {"response_rate": 0.62, "margin_of_error": 0.041, "contrasts": (bpo_contrast(),)}
    return club_findings(**{**closing, **changes})


def paragraph_with(text: str, markdown: str) -> str:
    return next(p for p in markdown.split("\n\n") if text in p)


def test_a_consolidated_share_is_stated_with_its_quantity_words():
    italian, english = letter("it").markdown, letter("en").markdown
    assert (
        "Circa due terzi del campione ritiene che l'emergenza cambi in modo sostanziale i "
        "modelli organizzativi dei contact center." in italian
    )
    assert (
        "About two thirds of the sample think that the emergency substantially changes how "
        "contact centers are organised." in english
    )
    assert "Oltre l'80% dei partecipanti ritiene che l'uso dei canali digitali" in italian
    assert "Over 80% of respondents think that customers' use of digital channels" in english
    assert "consolidati" in paragraph_with("Circa due terzi", italian)


def test_a_claim_that_carries_its_verb_is_not_put_after_ritiene_che():
    italian, english = letter("it").markdown, letter("en").markdown
    assert (
        "Circa tre quarti di chi ha risposto ha messo in remote working almeno una parte" in italian
    )
    assert "About three quarters of those who answered have moved at least part" in english


def test_a_share_whose_sequence_covers_one_half_is_not_yet_clear():
    italian, english = letter("it").markdown, letter("en").markdown
    assert (
        "Non è ancora evidente se i clienti si stiano accorgendo che alcune situazioni" in italian
    )
    assert "It is not yet clear whether customers are realising" in english
    assert "non è ancora evidente" not in paragraph_with("Circa due terzi", italian).lower()


def test_a_mean_of_3_4_reads_moderately_agree():
    italian, english = letter("it").markdown, letter("en").markdown
    assert (
        "Il campione è moderatamente d'accordo sul fatto che i clienti stiano dedicando tempo"
        in italian
    )
    assert "(media 3,4 su una scala da 1 a 5)" in italian
    assert "Respondents moderately agree that customers are spending time" in english
    assert "(mean 3.4 on a scale from 1 to 5)" in english


def test_a_conditional_mean_names_its_base_and_what_cannot_be_estimated():
    italian, english = letter("it").markdown, letter("en").markdown
    assert (
        "Tra chi ha messo in remote working il personale del contact center, in media ben "
        "oltre i tre quarti del personale del contact center lavora ora da remoto." in italian
    )
    assert "per il resto del campione il dato non si può stimare" in italian
    assert (
        "Among those who moved contact-center staff to remote work, on average, well over "
        "three quarters of contact-center staff now work remotely." in english
    )
    assert "cannot be estimated for the rest of the sample" in english


def test_a_conditional_base_without_words_is_still_named():
    items = tuple(
        replace(f, base=replace(f.base, description={})) if f.key == "remote_share" else f
        for f in club_items()
    )
    result = letter("it", findings=club_findings(items=items))
    assert "Tra i rispondenti a cui la domanda era rivolta, in media" in result.markdown
    assert any("remote_share: the base has no description" in w for w in result.warnings)


def test_the_two_top_effects_are_named_when_clearly_ahead_of_the_third():
    italian = letter("it", findings=club_findings(separated=2)).markdown
    english = letter("en", findings=club_findings(separated=2)).markdown
    assert (
        "due spiccano chiaramente sugli altri: l'equilibrio tra vita e lavoro delle persone e "
        "la continuità del servizio" in italian
    )
    assert "«Significativo» o «Molto significativo»" in italian
    assert (
        "two stand clearly ahead of the rest: staff's work-life balance and continuity" in english
    )


def test_only_the_first_effect_is_named_when_only_it_is_separated():
    italian = letter("it", findings=club_findings(separated=1)).markdown
    english = letter("en", findings=club_findings(separated=1)).markdown
    assert "uno spicca chiaramente sugli altri: l'equilibrio tra vita e lavoro" in italian
    assert "la continuità del servizio" not in italian
    assert "one stands clearly ahead of the rest: staff's work-life balance" in english
    assert "continuity of service" not in english


def test_no_effect_is_named_when_the_data_do_not_separate_them():
    italian = letter("it", findings=club_findings(separated=0)).markdown
    english = letter("en", findings=club_findings(separated=0)).markdown
    assert "i dati non permettono ancora di dire quali pesino di più" in italian
    assert "equilibrio" not in italian and "continuità" not in italian
    assert "the data do not yet show which weigh most" in english
    assert "work-life" not in english


def test_a_ranking_of_opinions_is_not_read_as_effects():
    italian = letter("it").markdown
    assert italian.count("spicca") == 1  # the effects; the agreement items are stated one by one


def test_the_html_escapes_claims_and_links_every_number():
    items = tuple(
        replace(f, claim={"it": "x <script>alert(1)</script>", "en": "x <script>"})
        if f.key == "agree_change"
        else f
        for f in club_items()
    )
    result = letter("it", findings=club_findings(items=items))
    assert "<script" not in result.html and "<script" not in result.markdown
    assert "x &lt;script&gt;alert(1)&lt;/script&gt;" in result.html
    assert (
        '<span data-finding="agree_change"><a href="#finding-agree_change" title="66,0% '
        in result.html
    )
    assert '<a href="#finding-digital_use"' in result.html
    assert '<a href="#finding-remote_share"' in result.html


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("stage", ["interim", "final"])
def test_no_number_is_stated_without_a_link_to_its_estimate(lang, stage):
    html = letter(lang, stage, findings=final_findings()).html
    paragraphs = re.findall(r"<p>(.*?)</p>", html)
    body = [p for p in paragraphs[:-3] if "2020" not in p]  # not the dates and the signature
    for paragraph in body:
        unlinked = re.sub(r"<a href=\"#[^\"]+\"[^>]*>.*?</a>", "", paragraph)
        unlinked = re.sub(r"<a href=\"https?://[^\"]+\">.*?</a>", "", unlinked)
        unlinked = re.sub(r"<[^>]+>", "", unlinked)
        assert not ANY_NUMBER.search(unlinked), unlinked


def test_each_finding_sentence_carries_its_key():
    html = letter("en").html
    keys = set(re.findall(r'data-finding="([^"]+)"', html))
    assert {
        "agree_change",
        "digital_use",
        "agree_digital_better",
        "agree_digital_training",
        "remote",
        "remote_share",
        "effect_balance effect_continuity",
    } <= keys


def test_the_final_letter_has_the_response_rate_the_margin_and_no_hedges():
    italian = letter("it", "final", findings=final_findings()).markdown
    english = letter("en", "final", findings=final_findings()).markdown
    assert "che si è chiusa con 124 risposte, ovvero il 62% degli invitati" in italian
    assert "±4,1 punti percentuali" in italian
    assert "which has closed with 124 responses, 62% of those invited" in english
    assert "±4.1 percentage points" in english
    for text in (italian, english):
        assert not re.search(r"ancora evidente|non .* ancora|not yet|yet clear", text), text
    assert "Il campione si divide sul fatto che i clienti si stiano accorgendo" in italian
    assert "Respondents are divided on whether customers are realising" in english


def test_the_final_letter_states_the_significant_contrasts():
    italian = letter("it", "final", findings=final_findings()).markdown
    english = letter("en", "final", findings=final_findings()).markdown
    assert (
        "Nel gruppo «Outsourcer (BPO)» la quota di chi ritiene che l'emergenza cambi in modo "
        "sostanziale i modelli organizzativi dei contact center sale all'81%, contro il 66% del "
        "campione nel suo insieme." in italian
    )
    assert "In the “Outsourcers (BPO)” group, the share who think that" in english
    assert "rises to 81%, against 66% of the sample as a whole." in english
    not_significant = replace(bpo_contrast(), p_value=0.2)
    quiet = letter("it", "final", findings=final_findings(contrasts=(not_significant,)))
    assert "Outsourcer" not in quiet.markdown


def test_the_interim_letter_opens_and_closes_like_a_club_letter():
    italian = letter("it").markdown
    assert italian.startswith("Cari Amici del Club dei Contact Center, buongiorno.\n\n")
    assert "promossa dal Club dei Contact Center, che è ancora in corso" in italian
    assert "finora abbiamo ricevuto 124 risposte" in italian
    assert "La raccolta delle risposte si chiuderà l'8 aprile 2020." in italian
    assert "<https://indagine.example.org/s/remote-2020>" in italian
    assert italian.endswith("Un caro saluto,\n\nIl Presidente del Club\n\nMilano, 25 marzo 2020\n")
    english = letter("en", closes_on=dt.date(2020, 4, 3)).markdown
    assert english.startswith("Dear members of the Club dei Contact Center,\n\n")
    assert "The survey closes on 3 April 2020." in english
    assert english.endswith("Il Presidente del Club\n\nMilano, 25 March 2020\n")


def test_an_unsafe_link_is_not_made_a_link():
    result = letter("it", link="javascript:alert(1)")
    assert 'href="javascript' not in result.html
    assert "<javascript" not in result.markdown


def test_nothing_consolidated_says_so():
    items = tuple(
        replace(f, share=share(0.55, 0.42, 0.68), mean=None)
        for f in club_items()
        if f.share is not None and f.key in ("agree_change", "digital_use")
    )
    italian = letter("it", findings=club_findings(items=items, rankings=())).markdown
    assert "Per ora nessun risultato si può dire consolidato" in italian
    assert "Non è ancora evidente se l'emergenza cambi" in italian
    assert "Resta ancora da capire se l'uso dei canali digitali" in italian


def gym_findings() -> Findings:
    """A sports club's small survey: a 1-4 agreement scale, a habit, a ranking of services."""
    on_1_to_4 = (1, 4)
    services = ("svc_courses", "svc_hours", "svc_price")
    items = (
        scale_item(
            "gym_adequate",
            "la nuova palestra sia adeguata alle esigenze dei soci",
            "the new gym meets the members' needs",
            share(0.58, 0.46, 0.70, n=60),
            mean(3.0, 2.7, 3.3, on_1_to_4, n=60),
            group="agree4",
        ),
        Finding(
            "weekly",
            "weekly",
            {"it": "Quante volte va in palestra?", "en": "How often?"},
            {
                "it": "usa la palestra almeno una volta a settimana",
                "en": "use the gym at least once a week",
            },
            "choice",
            EVERYONE,
            share(0.31, 0.20, 0.43, n=60),
            positive=("weekly", "daily"),
        ),
        Finding(
            "minutes",
            "minutes",
            {"it": "Quanti minuti dura l'allenamento?", "en": "Minutes?"},
            {"it": "Quanti minuti dura l'allenamento?", "en": "Minutes?"},
            "number",
            EVERYONE,
            mean=replace(mean(55.0, 40.0, 70.0, (0, 240)), kind="mean"),
        ),
        Finding(
            "fee_share",
            "fee_share",
            {"it": "Che quota della retta è coperta dal rimborso?", "en": "What share?"},
            {"it": "Che quota della retta è coperta dal rimborso?", "en": "What share?"},
            "number",
            Base(40, 40, "selected(${refund}, 'yes')", {"it": "tra chi riceve un rimborso"}),
            mean=percent(41.0, 30.0, 52.0, n=40),
        ),
        *(
            replace(
                scale_item(
                    key, name, name, share(p, p - 0.1, p + 0.1), mean(2.6, 2.4, 2.8, (1, 4))
                ),
                group="importance4",
            )
            for key, name, p in zip(
                services, ("i corsi", "gli orari", "il prezzo"), (0.8, 0.6, 0.5), strict=True
            )
        ),
    )
    return Findings(
        "gym_2024",
        {"it": "La nuova palestra", "en": "The new gym"},
        60,
        None,
        None,
        None,
        False,
        "unweighted",
        0.05,
        items,
        rankings=(Ranking("importance4", services, 1),),
    )


def test_a_letter_for_another_survey_with_a_four_point_scale():
    kw = {**SIGNING, "club": "Circolo Sportivo", "promoter": None, "link": None}
    italian = write_letter(gym_findings(), "it", "interim", **kw)
    english = write_letter(gym_findings(), "en", "interim", **kw)
    assert "dell'indagine «La nuova palestra», che è ancora in corso" in italian.markdown
    assert (
        "Circa il 30% del campione usa la palestra almeno una volta a settimana."
        in italian.markdown
    )
    assert (
        "Il campione è moderatamente d'accordo sul fatto che la nuova palestra sia adeguata alle "
        "esigenze dei soci (media 3,0 su una scala da 1 a 4)." in italian.markdown
    )
    assert "About 30% of the sample use the gym at least once a week." in english.markdown
    assert "Respondents moderately agree that the new gym meets" in english.markdown
    assert (
        "Tra chi riceve un rimborso, non è ancora evidente se in media più della metà"
        not in italian.markdown
    )
    assert (
        "Tra chi riceve un rimborso, alla domanda «Che quota della retta è coperta dal rimborso?» "
        "la risposta media è circa il 40%." in italian.markdown
    )
    assert "uno spicca chiaramente sugli altri: i corsi" in italian.markdown
    assert (
        "La raccolta delle risposte resterà aperta ancora per qualche giorno." in italian.markdown
    )
    assert "Chi non l'ha ancora fatto è ancora in tempo" in italian.markdown
    assert any(w.startswith("minutes: not stated") for w in italian.warnings)
    assert "If you have not answered yet, there is still time" in english.markdown


def test_each_linked_number_carries_its_estimate_and_anchor():
    html = letter("it").html
    assert 'data-estimate="0.66" data-anchor="0.6667">Circa due terzi</a>' in html
    assert 'data-estimate="0.84" data-anchor="0.8">Oltre l\'80%</a>' in html
    assert 'data-estimate="83" data-anchor="75">ben oltre i tre quarti</a>' in html


@pytest.mark.parametrize(
    ("promoter", "theme", "words"),
    [
        ("il Club", "la palestra", ", promossa dal Club e dedicata alla palestra,"),
        ("l'Osservatorio", None, ", promossa dall'Osservatorio,"),
        (None, "remote working", ", dedicata a remote working,"),
        ("gli Amici", "i contact center", ", promossa dagli Amici e dedicata ai contact center,"),
    ],
)
def test_the_promoter_and_the_theme_take_the_fused_preposition(promoter, theme, words):
    assert words in letter("it", promoter=promoter, theme=theme).markdown


def test_a_percentage_question_without_a_claim_is_quoted():
    english = write_letter(gym_findings(), "en", "interim", **SIGNING).markdown
    assert "the average answer to “What share?” is about 40%." in english


def test_at_the_close_a_share_far_from_half_but_unsettled_is_not_called_divided():
    """5 of 6 is not a divided sample: it is too few answers to tell (and 52% is divided)."""
    few = scale_item(
        "agree_no_return",
        "i contact center non torneranno ai modelli di prima",
        "contact centers will not go back to how they were",
        share(0.83, 0.31, 0.99),
        mean(4.0, 2.6, 4.8),
    )
    findings = final_findings(items=(*final_findings().items, few))
    italian = letter("it", "final", findings=findings).markdown
    english = letter("en", "final", findings=findings).markdown
    assert "Le risposte non bastano per dire se i contact center non torneranno" in italian
    assert "too few answers to tell whether contact centers will not go back" in english
    assert "divide sul fatto che i contact center" not in italian
    assert "Il campione si divide sul fatto che i clienti si stiano accorgendo" in italian


def test_open_findings_do_not_all_begin_alike():
    items = tuple(
        scale_item(f"q{k}", f"vale la cosa {k}", f"thing {k} holds", share(0.5, 0.3, 0.7), None)
        for k in range(4)
    )
    italian = letter("it", findings=club_findings(items=items)).markdown
    assert "Non è ancora evidente se vale la cosa 0." in italian
    assert "Resta ancora da capire se vale la cosa 1." in italian
    assert "Non è ancora chiaro neppure se vale la cosa 2." in italian
    assert "È presto anche per dire se vale la cosa 3." in italian
