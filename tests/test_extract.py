"""Extraction: each construction on sentences written for the test, then the real seeds."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotetrace.extract import extract_quotes
from quotetrace.extract.marks import find_quotations
from quotetrace.extract.segment import paragraphs, sentences
from quotetrace.ingest import article_from_text, read_articles
from quotetrace.model import Article, Quote

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def quotes_of(text: str, **meta: str) -> list[Quote]:
    art = article_from_text(text, id="t.txt", metadata=meta or None)
    return list(extract_quotes(art).quotes)


def one(text: str, kind: str | None = None) -> Quote:
    """The one speech quote (of ``kind``) in ``text``; attitude attributions are left aside."""
    found = [q for q in quotes_of(text) if (kind is None or q.kind == kind) and q.speech]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- quotation marks


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("“We are ready,” she said.", "We are ready,"),
        ('"We are ready," she said.', "We are ready,"),
        ("«We are ready», she said.", "We are ready"),
        ("„We are ready“, she said.", "We are ready"),
        ("‘We are ready,’ she said.", "We are ready,"),
    ],
)
def test_every_style_of_quotation_mark(text: str, inner: str) -> None:
    (q,) = find_quotations(text, 0, len(text))
    assert text[q.start : q.end] == inner


def test_apostrophes_are_not_quotation_marks() -> None:
    text = "Kim Jong Un’s soldiers joined the Workers’ Party and don’t talk."
    assert find_quotations(text, 0, len(text)) == []


def test_nested_single_quotes_stay_inside_the_double_quotation() -> None:
    text = "“He told me ‘never again’ twice,” she said."
    (q,) = find_quotations(text, 0, len(text))
    assert text[q.start : q.end] == "He told me ‘never again’ twice,"


def test_missing_opening_mark_at_paragraph_start() -> None:
    q = one("Ukraine is ready to talk to anyone about it,” Mr Zelensky said on Sunday.")
    assert q.text == "Ukraine is ready to talk to anyone about it,"
    assert q.kind == "direct"
    assert q.speaker == "Zelensky"


def test_unbalanced_marks_never_raise_and_stay_in_bounds() -> None:
    text = "“a “b ” c” d “ e"
    for q in find_quotations(text, 0, len(text)):
        assert 0 <= q.start <= q.end <= len(text)


def test_sentences_never_split_inside_a_quotation() -> None:
    text = "“It is over. We won,” he said. Then he left."
    qs = find_quotations(text, 0, len(text))
    sents = sentences(text, 0, len(text), [(q.outer_start, q.outer_end) for q in qs])
    assert [text[s:e] for s, e in sents] == ["“It is over. We won,” he said.", "Then he left."]


def test_a_sentence_ends_with_the_quotation_that_closes_it() -> None:
    text = "He said the talks had “no future.” She added that “nothing is settled.” Then he left."
    qs = find_quotations(text, 0, len(text))
    sents = sentences(text, 0, len(text), [(q.outer_start, q.outer_end) for q in qs])
    assert [text[s:e] for s, e in sents] == [
        "He said the talks had “no future.”",
        "She added that “nothing is settled.”",
        "Then he left.",
    ]


def test_a_sentence_that_opens_with_a_quotation_keeps_its_attribution() -> None:
    text = "“Is it over?” Trump asked. “Loved it!” Bush said. Then he left."
    qs = find_quotations(text, 0, len(text))
    sents = sentences(text, 0, len(text), [(q.outer_start, q.outer_end) for q in qs])
    assert [text[s:e] for s, e in sents] == ["“Is it over?” Trump asked.", "“Loved it!” Bush said.", "Then he left."]
    quotes = extract_quotes(article_from_text(text, id="a"), tagger=False).quotes
    assert [(q.text, q.speaker) for q in quotes] == [("Is it over?", "Trump"), ("Loved it!", "Bush")]


def test_reported_speech_stops_at_the_end_of_a_quoted_sentence() -> None:
    art = article_from_text("Ms Kim said that the plan had “no substance.” She added that it would fail.", id="a")
    clauses = [q.text for q in extract_quotes(art, tagger=False).quotes if q.kind == "indirect"]
    assert clauses == ["that the plan had “no substance.”", "that it would fail"]


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Mr. Lee met Gen. Kim in the U.S. on Jan. 9. They talked."
    assert len(sentences(text, 0, len(text))) == 2


# ---------------------------------------------------------------- direct and partial quotes


def test_direct_quote_with_postposed_pronoun_resolves_to_the_last_speaker() -> None:
    text = "Maria Lopez said the vote was fair.\n“We counted every ballot,” she said."
    q = one(text, "direct")
    assert q.speaker == "Maria Lopez"
    assert q.speaker_mention is not None and q.speaker_mention.text == "she"
    assert q.cue is not None and q.cue.text == "said"


def test_inverted_attribution_with_a_description() -> None:
    text = (
        "Ukrainian President Volodymyr Zelensky spoke on Sunday.\n"
        "“There may be other options,” said the Ukrainian leder."
    )
    q = one(text, "direct")
    assert q.speaker == "Volodymyr Zelensky"
    assert q.speaker_mention is not None and q.speaker_mention.text == "the Ukrainian leder"


def test_partial_quote_inside_reported_speech() -> None:
    text = "Zelensky said that Putin could not “manage without military support from Pyongyang.”"
    partial = one(text, "partial")
    assert partial.text == "manage without military support from Pyongyang."
    assert partial.speaker == "Zelensky"
    # the reported clause is kept beside the quotation, unless it is almost all quotation
    assert one(text, "indirect").text.startswith("that Putin could not")
    card = "He carried an ID card that Mr Zelensky claimed was “issued in the name of another person”."
    assert [q.kind for q in quotes_of(card) if q.speech] == ["partial"]


def test_quote_that_opens_with_a_reporting_verb_keeps_the_outer_speaker() -> None:
    text = "One man said his commanders “told him it was just training.”"
    q = one(text, "partial")
    assert q.speaker == "One man"


def test_split_quotation_continues_the_speaker() -> None:
    text = "“We will win,” he stated. “There is no doubt about it.”"
    found = quotes_of("Mark Rutte spoke.\n" + text)
    assert [q.kind for q in found] == ["direct", "direct"]
    assert {q.speaker for q in found} == {"Mark Rutte"}


def test_floating_quote_paragraph_continues_the_previous_speaker() -> None:
    text = "“We are ready,” Mr Lee said on Sunday.\n\n“We have always been ready and we will stay ready.”"
    found = quotes_of(text)
    assert [q.speaker for q in found] == ["Lee", "Lee"]
    assert found[1].cue is None


def test_block_quote_introduced_by_a_colon() -> None:
    text = "Zelensky said the offer was serious. He said on X:\n\n“Ukraine is ready to hand over the soldiers.”"
    found = quotes_of(text)
    q = next(q for q in found if q.kind == "direct")
    assert q.speaker == "Zelensky"
    assert q.channel == "X"
    assert q.cue is not None and q.cue.text == "said"
    assert [q.kind for q in found] == ["indirect", "direct"]


def test_quotation_over_two_paragraphs() -> None:
    text = "“The first part of it goes on and on\n\n“and the second part ends it,” said Anna Berg."
    found = quotes_of(text)
    assert [q.speaker for q in found] == ["Anna Berg", "Anna Berg"]


def test_scare_quotes_and_titles_are_not_speech() -> None:
    text = "The so-called “special operation” went on. The film “Dune” opened in March."
    assert quotes_of(text) == []


def test_a_title_in_quotation_marks_with_no_cue_is_not_speech() -> None:
    """A quotation with no cue of its own takes the sentence's subject as its speaker ("Rubio bemoaned a
    climate in which people “literally hate each other”"); words written as a title are a title."""
    assert quotes_of("Clinton lingered on her memoir, “Hard Choices,” for most of the hour.") == []
    shouted = quotes_of("Marco Rubio lingered on a crowd that was “SICK OF ALL THIS” by then.")
    assert [(q.text, q.speaker) for q in shouted if q.kind == "partial"] == [("SICK OF ALL THIS", "Marco Rubio")]


def test_headline_case_verbs_are_not_cues() -> None:
    assert quotes_of("Zelenskyy Proposes Prisoner Exchange: Soldiers for POWs Held in Russia") == []


# ---------------------------------------------------------------- reported speech


@pytest.mark.parametrize(
    ("text", "speaker", "content"),
    [
        ("The Pentagon estimated that 10,000 troops were deployed.", "Pentagon", "that 10,000 troops were deployed"),
        ("The soldier said he would prefer to stay.", "The soldier", "he would prefer to stay"),
        ("Zelensky said Sunday he was ready to talk.", "Zelensky", "he was ready to talk"),
        ("The troops were exhausted, the officer said.", "the officer", "The troops were exhausted"),
        ("The troops were exhausted, said the officer.", "the officer", "The troops were exhausted"),
        ("According to the Kremlin, the report is false.", "Kremlin", "the report is false"),
        ("The report is false, according to the Kremlin.", "Kremlin", "The report is false"),
        ("The soldier claimed to have hid in a shelter.", "The soldier", "to have hid in a shelter"),
        ("Over the weekend Zelensky announced that two men were captured.", "Zelensky", "that two men were captured"),
    ],
)
def test_indirect_speech_frames(text: str, speaker: str, content: str) -> None:
    q = one(text, "indirect")
    assert q.speaker == speaker
    assert q.text == content


def test_told_audience_that() -> None:
    text = "South Korea’s National Intelligence Service (NIS) told lawmakers on Monday that 300 soldiers died."
    q = one(text, "indirect")
    assert q.speaker == "National Intelligence Service"
    assert q.text == "that 300 soldiers died"
    assert q.channel == "told lawmakers"
    assert q.via == ("lawmakers",)


def test_participle_takes_the_clause_subject() -> None:
    q = one("The Kremlin declined to comment, stating the information could not be verified.", "indirect")
    assert q.speaker == "Kremlin"
    assert q.text == "the information could not be verified"


def test_relay_chain_lawmakers_then_agency() -> None:
    text = (
        "South Korea’s National Intelligence Service (NIS) told lawmakers on Monday that 300 soldiers died, "
        "Yonhap News Agency reported."
    )
    q = one(text, "indirect")
    assert q.speaker == "National Intelligence Service"
    assert q.via == ("lawmakers", "Yonhap News Agency")


def test_agency_reporting_citing_a_source_relays_it() -> None:
    text = "The NIS briefed parliament.\nThe soldiers had not asked to defect, Yonhap news agency reported, citing NIS."
    q = next(q for q in quotes_of(text) if q.kind == "indirect" and "defect" in q.text)
    assert q.speaker == "NIS"
    assert q.via == ("Yonhap news agency",)


def test_according_to_a_source_who_cited_another() -> None:
    text = (
        "The National Intelligence Service briefed the committee.\n"
        "Troops were told to “self destruct”, according to Lee Seong-kweun, a lawmaker, who cited the "
        "National Intelligence Service."
    )
    q = next(q for q in quotes_of(text) if q.kind == "partial")
    assert q.speaker == "Lee Seong-kweun"
    assert q.via == ("National Intelligence Service",)


def test_wire_byline_puts_the_agency_on_every_path() -> None:
    found = quotes_of("By AFP\n\n“We are ready,” Mr Lee said.")
    assert found and all(q.via[-1] == "AFP" for q in found)


# ---------------------------------------------------------------- speakers


def test_acronym_and_the_agency_resolve_to_the_named_organisation() -> None:
    text = (
        "South Korea’s National Intelligence Service (NIS) said 300 soldiers died.\n"
        "The NIS observed that they lacked training.\n"
        "The agency also alleged that they were ordered to die."
    )
    assert {q.speaker for q in quotes_of(text)} == {"National Intelligence Service"}


def test_family_name_first_names_and_honorifics() -> None:
    text = "Lee Seong-kweun said the memos were real.\n“It was also found in the memos,” Mr Lee said."
    assert {q.speaker for q in quotes_of(text)} == {"Lee Seong-kweun"}


def test_possessive_descriptions_are_new_people() -> None:
    text = "Zelensky spoke.\nThe soldier said his commanders told him that he was sent for training."
    speakers = {q.speaker for q in quotes_of(text)}
    assert "Zelensky" not in speakers
    assert "his commanders" in speakers


@pytest.mark.parametrize(
    ("mention", "name"),
    [
        ("A spokeswoman for Fiorina", "A spokeswoman for Fiorina"),  # not "for Fiorina"
        ("Democrat of Tennessee", "Democrat of Tennessee"),  # not "of Tennessee"
        ("Mayor Bill de Blasio", "Bill de Blasio"),
        ("the Bank of America", "Bank of America"),
        ("who", None),  # a relative pronoun whose antecedent was not found names no one
        # the head of a subject with commas, not what modifies it
        ("The Future45 group, funded by major GOP donors", "The Future45 group"),
        ("a strategist, speaking on the condition of anonymity", "a strategist"),
        ("Across the Atlantic, international climate negotiators", "international climate negotiators"),
        ("Facing mounting criticism from Democrats, Mr. Trump", "Trump"),
        ("Jeb Bush and his older brother, meanwhile", "Jeb Bush and his older brother"),
        ("which", None),
    ],
)
def test_a_speakers_name_is_the_head_of_its_mention(mention: str, name: str | None) -> None:
    from quotetrace.extract.speakers import SpeakerResolver

    assert SpeakerResolver().resolve(mention) == name


def test_attitude_attributions_are_kept_but_are_not_speech() -> None:
    found = quotes_of("Jeb Bush criticized the merger as a terrible deal.")
    (q,) = found
    assert q.kind == "indirect" and not q.speech
    assert q.speaker == "Jeb Bush" and q.cue is not None and q.cue.text == "criticized"


def test_coordinated_subjects_stay_whole() -> None:
    q = one("Ukraine, South Korea and the US claim that Pyongyang sent 11,000 soldiers.", "indirect")
    assert q.speaker == "Ukraine, South Korea and the US"


# ---------------------------------------------------------------- embeds and furniture


EMBED = (
    "Story text here.\n"
    "In addition to the first captured soldiers, there will be more. There should be no doubt left in the "
    "world that the army depends on North… pic.twitter.com/4RyCfUoHoC\n"
    "— Volodymyr Zelenskyy / Володимир Зеленський (@ZelenskyyUa) January 12, 2025\n"
)


def test_embedded_post() -> None:
    q = one(EMBED, "embed")
    assert q.speaker == "Volodymyr Zelenskyy"
    assert q.channel == "X"
    assert q.truncated
    assert q.date is not None and q.date.isoformat() == "2025-01-12"
    assert q.text.endswith("depends on North")
    assert "pic.twitter" not in q.text


@pytest.mark.parametrize(
    ("text", "speaker", "words"),
    [
        # readers' voices: the signature ends the quotation's own paragraph
        (
            "Readers wrote in.\n“The debate scared me. He never answered.” ― Krystal Correa\n",
            "Krystal Correa",
            "The debate scared me. He never answered.",
        ),
        ("Readers wrote in.\n“Stop the insults.”― Carla Sanchez.\n", "Carla Sanchez", "Stop the insults."),
        (
            "“No sympathy, no integrity.” — Oscar P. Quintero, 52, of Phoenix\n",
            "Oscar P Quintero",
            "No sympathy, no integrity.",
        ),
        # a fact-check: the quotation, then a paragraph that names its speaker
        (
            'The claims, checked.\n\n"Boeing and GE pay zero taxes."\n\n- Bernie Sanders.\n\nThat is wrong.',
            "Bernie Sanders",
            "Boeing and GE pay zero taxes.",
        ),
    ],
)
def test_a_signed_quotation_is_its_signatures_speakers(text: str, speaker: str, words: str) -> None:
    q = one(text)
    assert (q.kind, q.speaker, q.text) == ("direct", speaker, words)
    assert q.speaker_mention is not None and q.speaker_mention.text.replace(".", "") == speaker
    assert q.cue is not None and q.cue.text in "―—-"


@pytest.mark.parametrize(
    "text",
    [
        "The senator answered every question.\n\n— White House Correspondent Julie Pace.",  # a live blog's byline
        "“It was fine,” she said, and left. ― Jane Doe",  # the reporter's words stand between
        "“Disgrace” — Jane Doe’s word for it — spread through the town.",  # the name does not end it
    ],
)
def test_a_dash_and_a_name_after_prose_sign_nothing(text: str) -> None:
    assert all(q.speaker != "Jane Doe" and q.speaker != "Julie Pace" for q in quotes_of(text))


def test_a_closing_mark_typed_at_a_paragraphs_start_opens_the_quotation() -> None:
    text = "”Fear. I am truly afraid that he will win.” ― Edwin G. Monroy"
    (q,) = find_quotations(text, 0, len(text))
    assert text[q.start : q.end] == "Fear. I am truly afraid that he will win."
    assert one(text).speaker == "Edwin G Monroy"


def test_quotes_in_related_blocks_are_marked_related() -> None:
    text = "“We are ready,” Mr Lee said.\n\nLatest Stories\n\n“Vote for me,” said Jane Doe in another story."
    found = quotes_of(text)
    assert [q.section for q in found] == ["body", "related"]


# ---------------------------------------------------------------- the seed story


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    return {a.id: a for a in read_articles([SEEDS])}


def _by_text(quotes: list[Quote], start: str) -> Quote:
    return next(q for q in quotes if q.text.startswith(start))


def test_seed_000_first_quote_is_zelenskyy_through_he(seeds: dict[str, Article]) -> None:
    found = list(extract_quotes(seeds["000_508fbe3004b92db1.txt"]).quotes)
    q = _by_text(found, "In addition to the first captured soldiers")
    assert q.kind == "direct"
    assert q.speaker == "Volodymyr Zelenskyy"
    assert q.speaker_mention is not None and q.speaker_mention.text == "he"
    nis = _by_text(found, "that at least 300 North Korean soldiers")
    assert nis.speaker == "National Intelligence Service"
    assert nis.via == ("lawmakers", "Yonhap News Agency")


def test_seed_004_missing_opening_mark_and_organise(seeds: dict[str, Article]) -> None:
    found = list(extract_quotes(seeds["004_acdc65f3d0f33f33.txt"]).quotes)
    q = _by_text(found, "Ukraine is ready to hand over")
    assert "organise" in q.text
    assert q.kind == "direct"
    assert q.speaker == "Volodymyr Zelensky"
    assert all(
        q.section == "related" for q in found if q.start > seeds["004_acdc65f3d0f33f33.txt"].text.index("Latest")
    )


def test_seed_embeds_in_002_and_003(seeds: dict[str, Article]) -> None:
    for name in ("002_e14b13b26ce68424.txt", "003_44ab8f14aca57252.txt"):
        embeds = [q for q in extract_quotes(seeds[name]).quotes if q.kind == "embed"]
        assert len(embeds) == 1
        assert embeds[0].truncated and embeds[0].channel == "X"


def test_offsets_are_exact_on_every_seed(seeds: dict[str, Article]) -> None:
    for art in seeds.values():
        for q in extract_quotes(art).quotes:
            assert art.text[q.start : q.end] == q.text
            for span in (q.speaker_mention, q.cue):
                if span is not None:
                    assert art.text[span.start : span.end] == span.text


def test_paragraphs_strip_whitespace() -> None:
    text = "  a  \n\n b\n"
    assert [text[s:e] for s, e in paragraphs(text)] == ["a", "b"]


# ---------------------------------------------------------------- regressions found on PolNeAR train


def test_a_one_letter_platform_ends_a_sentence() -> None:
    text = "He had said it on X. Neither Moscow nor Kyiv commented."
    assert len(sentences(text, 0, len(text))) == 2
    assert len(sentences("George W. Bush spoke.", 0, 21)) == 1


def test_told_is_never_inverted() -> None:
    q = one("“We will look at the data,” Google's executive, Laszlo Bock, told The New York Times.", "direct")
    assert q.speaker_mention is not None and "Laszlo Bock" in q.speaker_mention.text
    assert q.speaker == "Laszlo Bock"


def test_relative_pronoun_is_the_mention_and_its_antecedent_the_speaker() -> None:
    q = one("Bob Mulholland, a superdelegate who argued that the race was over, left early.", "indirect")
    assert q.speaker_mention is not None and q.speaker_mention.text == "who"
    assert q.speaker is not None and "Mulholland" in q.speaker


def test_a_named_subject_speaks_a_quotation_with_no_cue() -> None:
    q = one("Marco Rubio lingered on a climate in which people “literally hate each other” now.", "partial")
    assert q.speaker == "Marco Rubio" and q.cue is None


def test_a_quotation_inside_the_subjects_relative_clause_is_not_the_subjects() -> None:
    text = "“We are ready,” said Jane Roe.\n\nNorth Koreans who want “to bring peace closer will be given that chance.”"
    assert [q.speaker for q in quotes_of(text)] == ["Jane Roe", "Jane Roe"]


def test_a_name_and_a_colon_introduce_speech() -> None:
    q = one("Political insiders agree.\nInsiders: Trump will rebound in New Hampshire.", "indirect")
    assert q.speaker == "Insiders" and q.cue is not None and q.cue.text == ":"
    assert quotes_of("Related: the full list of candidates is here.") == []


# ---------------------------------------------------------------- speakers across the corpus


def _merged(*groups: tuple[str, ...]) -> dict[str, str]:
    from quotetrace.extract import merge_speakers
    from quotetrace.model import Speaker

    return merge_speakers([[Speaker(n, (), "person") for n in g] for g in groups])[1]


def test_a_bare_surname_joins_the_one_full_name_it_can_mean() -> None:
    merged = _merged(("Zelensky",), ("Volodymyr Zelenskyy", "Zelensky"), ("Volodymyr Zelensky",))
    assert set(merged.values()) == {"Volodymyr Zelensky"}


def test_an_ambiguous_surname_stays_alone_whatever_the_order() -> None:
    orders = [
        (("Biden",), ("Joe Biden",), ("Hunter Biden",)),
        (("Joe Biden",), ("Hunter Biden",), ("Biden",)),
        (("Hunter Biden", "Biden"), ("Joe Biden",)),
    ]
    results = [_merged(*o) for o in orders]
    assert all(r == results[0] for r in results)
    assert results[0] == {"Biden": "Biden", "Joe Biden": "Joe Biden", "Hunter Biden": "Hunter Biden"}


_FIRST = ("Joe", "Jo", "Joseph", "joe", "Hunter", "Volodymyr", "Volodimir", "Lee", "Kim")
_LAST = ("Biden", "Bidden", "Bien", "Zelensky", "Zelenskyy", "Zelenskiy", "Seong-kweun", "Seong-kwon", "Jong Un")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_FIRST), st.sampled_from(("", "R.", "A.")), st.sampled_from(_LAST)),
        min_size=2,
        max_size=12,
    )
)
def test_full_names_are_joined_as_same_person_joins_them(parts: list[tuple[str, str, str]]) -> None:
    """Merging a story's full names scores each distinct surname and first name once, at C speed
    (``_same_full_names``): the groups its pairs make are those every pair ``_same_person`` joins makes."""
    from quotetrace.extract.speakers import _same_full_names, _same_person, _surname

    names = sorted({" ".join(w for w in p if w) for p in parts})

    def groups(pairs: Iterable[tuple[int, int]]) -> set[frozenset[str]]:
        graph = nx.Graph()
        graph.add_nodes_from(range(len(names)))
        graph.add_edges_from(pairs)
        return {frozenset(names[i] for i in c) for c in nx.connected_components(graph)}

    blocks: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        blocks.setdefault(_surname(n)[:1].lower(), []).append(i)
    found = [(block[i], block[j]) for block in blocks.values() for i, j in _same_full_names([names[k] for k in block])]
    expected = [
        (i, j) for block in blocks.values() for i in block for j in block if i < j and _same_person(names[i], names[j])
    ]
    assert groups(found) == groups(expected)


def _orgs(*speakers: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    from quotetrace.extract import merge_speakers
    from quotetrace.model import Speaker

    return merge_speakers([[Speaker(n, aliases, "organization")] for n, aliases in speakers])[1]


def test_a_description_joins_the_one_organisation_it_can_mean() -> None:
    nis = ("National Intelligence Service", ("South Korea’s National Intelligence Service", "NIS"))
    sbu = ("Security Service", ("Ukraine’s Security Service",))
    merged = _orgs(("South Korean intelligence", ()), nis, sbu)
    assert merged["South Korean intelligence"] == "National Intelligence Service"
    assert _orgs(("Ukrainian intelligence", ()), nis)["Ukrainian intelligence"] == "Ukrainian intelligence"
    # two organisations it could mean: it stays alone
    kcia = ("Korea Intelligence Agency", ("South Korea’s old Korea Intelligence Agency",))
    assert (
        _orgs(("South Korean intelligence", ()), nis, kcia)["South Korean intelligence"] == "South Korean intelligence"
    )


# ---------------------------------------------------------------- a cue after a quotation, whatever follows it


def test_a_lower_case_title_before_a_name_is_part_of_the_subject() -> None:
    q = one("“Cruz and Rubio are moving up,” former presidential candidate Herman Cain said.", "direct")
    assert q.speaker == "Herman Cain" and q.speaker_mention is not None
    assert q.speaker_mention.text == "former presidential candidate Herman Cain"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“I cannot believe how civil it is,” Trump said 30 minutes into the debate.", "Trump"),
        ("“The campaign goes on,” Kasich told a crowd in Berea, Ohio Tuesday night.", "Kasich"),
        ("“It was shameful,” said Lena Field, a plaintiff who waited for hours at a church.", "Lena Field"),
        ("“Go back to your country,” the candidate barked and a guard escorted the reporter out.", "the candidate"),
    ],
)
def test_what_follows_a_cue_after_a_quotation_is_not_reported_speech(text: str, speaker: str) -> None:
    found = quotes_of(text)
    assert [q.kind for q in found] == ["direct"], found
    assert found[0].speaker_mention is not None and found[0].speaker_mention.text.startswith(speaker)


def test_a_manner_verb_frames_only_a_quotation() -> None:
    q = one("In the song, the singer sings, “Don’t go changing to try and please me.”", "direct")
    assert q.cue is not None and q.cue.text == "sings"
    assert quotes_of("The crowd yelled at the senator for an hour and then went home.") == []


def test_a_quotation_resuming_after_an_inverted_cue_is_direct() -> None:
    found = quotes_of("“A good day,” Smith said, “for all of us.”")
    assert [(q.kind, q.text, q.speaker) for q in found] == [
        ("direct", "A good day,", "Smith"),
        ("direct", "for all of us.", "Smith"),
    ]


@pytest.mark.parametrize(
    ("text", "mention", "speaker"),
    [
        (
            "“It is not enough,” Amy Pope, a deputy adviser, said on a call with reporters.",
            "Amy Pope, a deputy adviser",
            "Amy Pope",
        ),
        ("“We did not discuss that,” warm-and-fuzzy Trump said.", "warm-and-fuzzy Trump", "Trump"),
    ],
)
def test_the_subject_after_a_quotation_may_carry_appositives_and_adjectives(
    text: str, mention: str, speaker: str
) -> None:
    q = one(text, "direct")
    assert q.speaker_mention is not None and q.speaker_mention.text == mention
    assert q.speaker == speaker


def test_a_comma_after_a_mid_clause_quotation_does_not_make_it_the_subjects() -> None:
    found = quotes_of("There will “undoubtedly be more” soldiers captured by Kyiv, he added.")
    assert [(q.kind, q.text) for q in found] == [
        ("indirect", "There will “undoubtedly be more” soldiers captured by Kyiv"),
        ("partial", "undoubtedly be more"),
    ]


def test_an_adjunct_between_subject_and_cue_is_not_the_speaker() -> None:
    q = one("Vance, on Fox News Sunday, said the process would mean pardons.", "indirect")
    assert q.speaker == "Vance" and q.speaker_mention is not None and q.speaker_mention.text == "Vance"


def test_a_name_may_start_with_a_lower_case_particle() -> None:
    found = quotes_of("De Blasio spoke first. Later de Blasio said, “I have not heard that concern.”")
    assert {q.speaker for q in found} == {"De Blasio"}


def test_states_in_a_subject_are_not_a_cue() -> None:
    # "state" is no cue word: it would cut "Mexico's ambassador to the United States" in two
    q = one("Arturo Sarukhan, Mexico's ambassador to the United States from 2007 to 2013, said the claims were false.")
    assert q.speaker == "Arturo Sarukhan"
    q = one("Marlon Marshall, Clinton's director of state campaigns, said the campaign takes nothing for granted.")
    assert q.speaker == "Marlon Marshall"


@pytest.mark.parametrize(
    ("text", "kind", "speaker"),
    [
        (
            "“It is plagiarism,” David Axel, the chief strategist of Barack Obama’s 2008 campaign, said on CNN.",
            "direct",
            "David Axel",
        ),
        (
            "“There were 24 arrests,” Republican National Committee spokesman Sean Spicer told me.",
            "direct",
            "Sean Spicer",
        ),
        (
            "“The harm is incalculable,” federal prosecutors wrote in seeking a maximum penalty.",
            "direct",
            "federal prosecutors",
        ),
        # the reporter's words after the quotation make it part of a reported clause
        (
            "“We’re extremely happy” about the decision, said Rose Demar, director of the union.",
            "partial",
            "Rose Demar",
        ),
        ("“It is unusual,“ said Larry Noble, an attorney.", "direct", "Larry Noble"),
    ],
)
def test_long_and_plain_subjects_after_a_quotation(text: str, kind: str, speaker: str) -> None:
    q = one(text, kind)
    assert q.speaker == speaker


def test_a_coordinated_cue_takes_the_clauses_subject_past_an_opening_adjunct() -> None:
    q = one("In an interview with The Wall Street Journal, Trump doubled down and said the judge had a conflict.")
    assert (q.speaker, q.text) == ("Trump", "the judge had a conflict")
    assert quotes_of("The lies and claims of the campaign were many.") == []


def test_a_participle_after_a_quotation_takes_the_speaker_not_a_quoted_word() -> None:
    found = quotes_of("“He stands for us,” Anderson said, adding that Sanders is the most trustworthy.")
    assert [(q.kind, q.speaker) for q in found] == [("direct", "Anderson"), ("indirect", "Anderson")]


def test_three_apostrophes_close_a_single_inside_a_double_quotation() -> None:
    q = one("''I sat at my desk when it appeared on 'Fox and Friends,''' said Tommy Vietor, a former spokesman.")
    assert q.kind == "direct" and q.text == "I sat at my desk when it appeared on 'Fox and Friends,'"
    assert q.speaker == "Tommy Vietor"


def test_a_role_before_a_name_is_part_of_the_mention() -> None:
    q = one("Her campaign manager, Robby Mook, said the data was stolen.")
    assert q.speaker == "Robby Mook" and q.speaker_mention is not None
    assert q.speaker_mention.text == "Her campaign manager, Robby Mook"


# ---------------------------------------------------------------- many speakers


def _brute_force_match(self: object, core: str, kind: str, acronym: str | None) -> object:
    """``SpeakerResolver._match_proper`` as a scan of every entity, newest first (the reference)."""
    from quotetrace.extract.speakers import _names

    return next((e for e in reversed(self.entities) if _names(e, core, kind, acronym)), None)  # type: ignore[attr-defined]


def test_the_speaker_index_finds_what_a_scan_of_every_speaker_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from quotetrace.extract.speakers import SpeakerResolver

    rng = random.Random(3)
    first = ["Anna", "Anne", "Boris", "Borys", "Lee", "Kim", "Olena", "Jong"]
    last = ["Zelensky", "Zelenskyy", "Selensky", "Lee", "Kim", "Peskov", "Peskow", "Sybiha", "NIS", "Un"]
    orgs = ["the National Intelligence Service (NIS)", "NIS", "the Kremlin", "Kremlin", "the agency"]
    mentions = [
        rng.choice(orgs) if rng.random() < 0.2 else " ".join([*rng.sample(first, rng.randint(0, 1)), rng.choice(last)])
        for _ in range(400)
    ]
    indexed = SpeakerResolver()
    got = [indexed.resolve(m) for m in mentions]
    monkeypatch.setattr(SpeakerResolver, "_match_proper", _brute_force_match)
    scanned = SpeakerResolver()
    assert got == [scanned.resolve(m) for m in mentions]


def test_thousands_of_speakers_keep_their_names_and_a_variant_finds_its_speaker() -> None:
    import random
    import string

    rng = random.Random(5)

    def word() -> str:
        return rng.choice("BCDFGHJKLMNPRSTVW") + "".join(rng.choice(string.ascii_lowercase) for _ in range(7))

    names = sorted({f"{word()} {word()}" for _ in range(3000)})
    paras = ["Volodymyr Zelensky said Kyiv was ready."] + [
        f"{n} said the plan {i} was fine." for i, n in enumerate(names)
    ]
    paras.append("Zelenskyy said the offer stood.")
    found = quotes_of("\n\n".join(paras))
    assert len({q.speaker for q in found}) == len(names) + 1
    assert found[-1].speaker == "Volodymyr Zelensky"


@pytest.mark.parametrize(
    ("text", "kind", "speaker"),
    [
        (
            "“We’re extremely happy” about the decision, said Rose Demar, director of the union, a group that "
            "has broken away from others and endorsed Sanders.",
            "partial",
            "Rose Demar",
        ),
        (
            "“Both scare me,” Harry Bond, 30, of Raleigh, N.C., who was among those polled, said.",
            "direct",
            "Harry Bond",
        ),
        (
            "One Club for Growth ad, which is currently airing, argues that the plan will fail.",
            "indirect",
            "One Club for Growth ad",
        ),
        (
            "In a wide-ranging, in-prison interview with a reporter last year, Lazar said he welcomed the move "
            "and added, “I’ll plead guilty, no problem.”",
            "partial",
            "Lazar",
        ),
    ],
)
def test_appositives_relative_clauses_ages_and_places_stay_in_the_subject(text: str, kind: str, speaker: str) -> None:
    q = one(text, kind)
    assert q.speaker == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("''It is long and tiring,'' Tina Tchen, Mrs. Obama's chief of staff, said in an interview.", "Tina Tchen"),
        (
            "''She was not truthful,'' Cecelia Purner, 67, a retired clerk in Allentown, Pa., said in an interview.",
            "Cecelia Purner",
        ),
        ("''Migration is a danger,'' Mr. Kosa told a plenary session on Monday.", "Kosa"),
    ],
)
def test_abbreviations_and_two_apostrophe_marks_before_a_cue(text: str, speaker: str) -> None:
    found = quotes_of(text)
    assert [(q.kind, q.speaker) for q in found] == [("direct", speaker)]


def test_a_cue_followed_only_by_an_adjunct_reports_nothing() -> None:
    art = article_from_text("Ross said in an interview. The minister spoke on Monday.", id="t.txt")
    assert extract_quotes(art, tagger=False).quotes == ()


def test_a_cue_followed_by_a_conjunction_reports_nothing() -> None:
    text = "He faces allegations that he assaulted her, which he has denied and which she recently backed away from."
    art = article_from_text(text, id="t.txt")
    assert [q.text for q in extract_quotes(art, tagger=False).quotes] == []
    q = one("Trump said — “We will win this state.”")
    assert (q.kind, q.speaker) == ("direct", "Trump")


@pytest.mark.parametrize(
    ("text", "speaker", "content"),
    [
        ("Vance, on Fox News Sunday, said the process works.", "Vance", "the process works"),
        ("Rubio, who spoke first, said the plan works.", "Rubio", "the plan works"),
        ("The economy is strong, said John Smith.", "John Smith", "The economy is strong"),
        ("She has since said that she attended because it was fun.", None, "that she attended because it was fun"),
        (
            "In the poll, three-quarters of the voters said they were worried.",
            "three-quarters of the voters",
            "they were worried",
        ),
    ],
)
def test_a_name_and_its_appositives_before_a_comma_are_the_subject(
    text: str, speaker: str | None, content: str
) -> None:
    q = one(text, "indirect")
    assert (q.speaker, q.text) == (speaker, content)


def test_a_title_after_a_place_leaves_the_name() -> None:
    q = one("United States president-elect Donald Trump said the tariffs would come soon.", "indirect")
    assert q.speaker == "Donald Trump"
    assert q.speaker_mention is not None and q.speaker_mention.text == "United States president-elect Donald Trump"


def test_a_relative_clause_after_the_speaker_is_not_a_frame_of_its_own() -> None:
    found = quotes_of("“He did try to intimidate me,” said O’Donnell, who wrote about the visit in the book.")
    assert [(q.kind, q.speaker) for q in found if q.speech and q.kind == "direct"] == [("direct", "O’Donnell")]
    assert not any(q.text.startswith("“He did") for q in found)


def test_a_participle_phrase_and_a_party_tag_are_not_the_speaker() -> None:
    q = one(
        "But Sen. Richard J. Durbin (D-Ill.), noting the size of his following, said, “He has a heck of a following.”",
        "direct",
    )
    assert q.speaker == "Richard J Durbin"
    assert one("Rep. Trey Gowdy (R-S.C.) said the panel made progress.", "indirect").speaker == "Trey Gowdy"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Chancellor Angela Merkel condemned “such a murderous attack” and said her country stood with America.",
            "Angela Merkel",
        ),
        (
            "Clinton celebrated, declaring it “another super Tuesday for our campaign” and said it was a step closer.",
            "Clinton",
        ),
        (
            "WASHINGTON, Dec. 8 (UPI) — In response, Clinton’s aide rallied supporters, saying: “We must fight.”",
            "Clinton’s aide",
        ),
    ],
)
def test_a_coordinated_cue_datelines_and_opening_clauses_do_not_make_speakers(text: str, speaker: str) -> None:
    found = [q for q in quotes_of(text) if q.kind in ("direct", "partial")]
    assert [q.speaker for q in found] == [speaker]


def test_relative_clauses_datelines_and_times_stay_out_of_the_subject() -> None:
    found = quotes_of("Barkley, who said he votes democratic, said one candidate he likes is John Kasich.")
    assert [(q.text, q.speaker) for q in found] == [
        ("he votes democratic", "Barkley"),
        ("one candidate he likes is John Kasich", "Barkley"),
    ]
    found = quotes_of("LA CROSSE, Wisc. — Gov. Mike Pence on Thursday blamed the media, saying they were nitpicking.")
    assert {q.speaker for q in found} == {"Mike Pence"}


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("The mayor said the budget was “a disaster,” Jones told reporters on Monday.", "the budget was “a disaster,”"),
        ('The senator said the system was "rigged," noting that the courts had failed.', 'the system was "rigged,"'),
        ("Lee said the plan was “a good start,” adding that more was needed.", "the plan was “a good start,”"),
    ],
)
def test_a_reported_clause_ends_at_a_comma_inside_a_closing_mark_before_a_new_clause(text: str, clause: str) -> None:
    art = article_from_text(text, id="a")
    clauses = [q.text for q in extract_quotes(art, tagger=False).quotes if q.kind == "indirect"]
    assert clauses[0] == clause


def test_a_reported_clause_goes_on_past_a_quoted_phrase_before_lower_case_words() -> None:
    art = article_from_text("Lee said the request was “futile,” because the records were gone.", id="a")
    clauses = [q.text for q in extract_quotes(art, tagger=False).quotes if q.kind == "indirect"]
    assert clauses == ["the request was “futile,” because the records were gone"]


@pytest.mark.parametrize(
    "lead",
    [
        "After the storm, Mayor Ana Lee issued the following statement:\n\n",
        "Mayor Ana Lee released a short statement on Friday:\n\n",
        "Mayor Ana Lee issued a statement: ",
        "Mayor Ana Lee continued:\n\n",
    ],
)
def test_a_statement_noun_or_a_continuing_verb_before_a_colon_introduces_a_block_quotation(lead: str) -> None:
    art = article_from_text(lead + "“We are ready for the storm. Everyone should stay home.”", id="a")
    found = [(q.kind, q.text, q.speaker) for q in extract_quotes(art, tagger=False).quotes]
    assert found == [("direct", "We are ready for the storm. Everyone should stay home.", "Ana Lee")]


def test_a_statement_noun_without_a_speaker_introduces_nothing() -> None:
    art = article_from_text("Here is the full statement:\n\n“We are ready for the storm.”", id="a")
    assert extract_quotes(art, tagger=False).quotes == ()


def test_a_quotation_continued_in_the_reporters_words_before_an_inverted_cue_is_part_of_the_clause() -> None:
    text = "“We are shocked and saddened” by the fire that destroyed the old market on Sunday, Ana Lee said."
    found = [(q.kind, q.text, q.speaker) for q in extract_quotes(article_from_text(text, id="a"), tagger=False).quotes]
    assert found == [
        ("indirect", "“We are shocked and saddened” by the fire that destroyed the old market on Sunday", "Ana Lee"),
        ("partial", "We are shocked and saddened", "Ana Lee"),
    ]
    found = [(q.kind, q.text) for q in quotes_of("“We are shocked and saddened,” Ana Lee said on Sunday.")]
    assert found == [("direct", "We are shocked and saddened,")]


def test_the_particle_of_a_phrasal_cue_belongs_to_the_cue() -> None:
    art = article_from_text("Maddow pointed out that the bridge had been closed for a year.", id="a")
    found = [(q.text, q.cue.text if q.cue else None) for q in extract_quotes(art, tagger=False).quotes]
    assert found == [("that the bridge had been closed for a year", "pointed out")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .,“”\"‘’'", max_size=60))
def test_the_quote_mask_marks_the_tokens_that_start_inside_a_quotation(text: str) -> None:
    """``_quote_mask`` finds each quotation's tokens by bisection: the same marks as asking every
    token whether it starts inside one."""
    from quotetrace.extract import _quote_mask
    from quotetrace.extract.segment import tokens

    toks = tokens(text)
    quotations = find_quotations(text, 0, len(text))
    expected = [any(q.outer_start <= t.start < q.outer_end for q in quotations) for t in toks]
    assert _quote_mask(toks, quotations) == expected
