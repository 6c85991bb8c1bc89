"""The Block Kit layer: every view renders to payloads Slack accepts, within its limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.blocks import (
    ACTION_PATTERN,
    action_of,
    check_message,
    check_modal,
    contribution_modal,
    decode_action,
    escape,
    message,
    modals,
    read_metadata,
    read_start,
    read_submission,
    start,
    start_modal,
)
from bot.slack.blocks.fit import Lines, fit, section
from bot.slack.blocks.image_modals import image_modal
from bot.slack.blocks.text import chunk_text, mention, truncate
from flows.engine.image import picture_choices
from flows.engine.plan import parse_plan
from flows.i18n import mention_marker
from flows.views import (
    Choice,
    ContributionForm,
    ContributionView,
    Coverage,
    DraftSection,
    ImageForm,
    Notice,
    PromptView,
    RoundView,
    SituationCard,
    SituationItem,
    SituationList,
    StepInfo,
    SummaryView,
)

ZONE = ZoneInfo("Europe/Amsterdam")
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
LANGUAGES = ("nl", "en")
LONG = ("Ik herinner me een overleg met drie ministeries waarin niemand de knoop doorhakte. " * 40)[:3000]
NASTY = "Hallo <!channel> en <!here>, kijk eens <@U123> & <https://evil.example|hier> > dat."
PEOPLE = [f"Deelnemer {i:02d} van de afdeling Beleid" for i in range(12)]
TOPICS = [("kop", "Kop: eigen ervaringen"), ("handelingen", "Handelingen"), ("kennis", "Kennis"),
          ("waarden", "Waarden en deugden"), ("vrijheid", "Vrijheid"), ("identiteit", "Identiteit"),
          ("staart", "Staart (ons beeld van goed werk)")]


# helpers -------------------------------------------------------------------------------

def texts_of(value) -> list[str]:
    """Every ``text`` string anywhere in a payload."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found += texts_of(item)
    elif isinstance(value, list):
        for item in value:
            found += texts_of(item)
    return found


def assert_valid_message(fallback: str, blocks: list[dict]) -> None:
    assert fallback
    assert len(fallback) <= 300
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        assert block.to_dict() == raw
        json.dumps(raw)
        for text in texts_of(raw):
            assert len(text) <= 3000
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= 150
        if raw["type"] == "actions":
            ids = [element["action_id"] for element in raw["elements"]]
            assert len(ids) == len(set(ids))
            assert len(ids) <= 25
            assert all(ACTION_PATTERN.match(i) for i in ids)


def assert_valid_modal(modal: dict) -> None:
    View(**modal).validate_json()
    assert len(modal["blocks"]) <= 100
    assert len(modal["title"]["text"]) <= 24
    assert len(modal["private_metadata"]) <= 3000
    for raw in modal["blocks"]:
        Block.parse(raw).validate_json()
        for text in texts_of(raw):
            assert len(text) <= 3000


def all_text(blocks: list[dict]) -> str:
    return "\n".join(texts_of(blocks))


# views -----------------------------------------------------------------------------------

def round_view(lang: str, summary_ready: bool = False, facilitator: str = "U0FACIL") -> RoundView:
    steps = []
    for i, (topic, label) in enumerate(TOPICS[:5]):
        state = "done" if i < 2 else "current" if i == 2 else "upcoming"
        steps.append(StepInfo(topic, label, START + timedelta(days=i), START + timedelta(days=i + 1), state))
    counts = [12, 4, 0, 3, 0, 0, 0]
    coverage = tuple(Coverage(topic, label, count) for (topic, label), count in zip(TOPICS, counts, strict=True))
    return RoundView(lang, 12, "active", 4, "De vreemde eend in de bijt", "Een nieuwe collega uit een ander "
                     "domein schuift aan bij het project. " * 20, "Hoe zorg je dat iedereen mee kan doen?",
                     tuple(steps), coverage, 12, START + timedelta(days=7), facilitator, "Kennis",
                     summary_ready, (Choice("Status", "status", "12"),))


def prompt_view(lang: str) -> PromptView:
    return PromptView(lang, 12, "kennis", "Kennis", "handelingen+kennis", "body",
                      "Kijk naar de situatie vanuit dit perspectief.",
                      ("Welke kennis mist er?", "Wie weet wat de ander niet weet?", "Hoe deel je dat?"),
                      "Denk aan de <b>impliciete</b> kennis & gewoontes. " * 30, START + timedelta(days=2),
                      "De vreemde eend", (Choice("Bijdragen", "contribute", "12:kennis", True),
                                          Choice("Niets toe te voegen", "pass", "12:kennis")))


def contribution(lang: str, author: str | None, text: str = LONG, **extra) -> ContributionView:
    return ContributionView(lang, 40, 12, "waarden", "Waarden en deugden", author, text, False, **extra)


def summary_view(lang: str, quotes_per_topic: int = 12) -> SummaryView:
    sections = tuple(DraftSection(topic, label, tuple((LONG, None if i % 3 == 0 else PEOPLE[i])
                                                      for i in range(quotes_per_topic)))
                     for topic, label in TOPICS[:6])
    sections += (DraftSection("staart", TOPICS[6][1], ()),)
    return SummaryView(lang, 12, "De vreemde eend in de bijt", ("Moed en geduld, ook als het spannend wordt",
                       "“Iedereen doet mee”", "Goed werk als: " + "x" * 200), LONG, None, sections,
                       (("Moed", 7), ("Geduld", 5), ("Openheid", 2)), 12, 60, 4, (TOPICS[6][1],))


def situation_list(lang: str, count: int = 10) -> SituationList:
    items = tuple(SituationItem(n, f"Situatie {n} over samenwerken", "Een korte samenvatting " * 5, n % 3)
                  for n in range(1, count + 1))
    choices = tuple(Choice(f"{i.number}. {i.title}", "start", str(i.number)) for i in items)
    return SituationList(lang, items, choices + (Choice("Willekeurige situatie", "start", "random", True),))


def form(lang: str, virtues: int = 0, **extra) -> ContributionForm:
    names = tuple(f"Deugd {i:03d} " + "heel lange naam " * (6 if i == 1 else 0) for i in range(virtues))
    return ContributionForm(lang, 12, "waarden", "Waarden en deugden", ("Wat vind je belangrijk?", "Welke deugd?"),
                            virtue_options=names, **extra)


# messages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_view_renders_valid_messages(lang):
    views = [Notice(lang, "Bijdrage 7 is gewijzigd."), Notice(lang, "Dat mag niet.", error=True), round_view(lang),
             round_view(lang, summary_ready=True), prompt_view(lang), contribution(lang, "Anna de Vries"),
             contribution(lang, None), situation_list(lang), summary_view(lang),
             SituationCard(lang, 4, "De vreemde eend", LONG, "Hoe?", (("Voorbeeld", "team", "kort"),) * 40,
                           (Choice("Start een ronde", "start", "4", True),))]
    for view in views:
        assert_valid_message(*message(view, ZONE))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_kickoff_shows_dates_marks_gaps_and_the_facilitator(lang):
    fallback, blocks = message(round_view(lang, summary_ready=True), ZONE)
    text = all_text(blocks)
    assert blocks[0]["type"] == "header"
    assert "De vreemde eend in de bijt" in blocks[0]["text"]["text"]
    tokens = re.findall(r"<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|([^>]+)>", text)
    assert len(tokens) == 6  # five step starts and the deadline
    assert int(tokens[0][0]) == int(START.timestamp())
    assert "▶ *Kennis*" in text
    assert "✓ Kop" in text
    assert ":warning: 0" in text
    assert "Kop: eigen ervaringen 12" in text
    assert "<@U0FACIL>" in text
    assert ":point_down:" in text
    assert "De vreemde eend" in fallback


def test_kickoff_facilitator_who_is_not_a_slack_id_is_not_a_mention():
    text = all_text(message(round_view("en", facilitator="<!channel>"), ZONE)[1])
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_prompt_has_questions_inspiration_deadline_and_buttons(lang):
    _, blocks = message(prompt_view(lang), ZONE)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Kennis", "emoji": True}}
    text = all_text(blocks)
    assert "• Welke kennis mist er?" in text
    assert "<!date^" in text
    assert "&lt;b&gt;impliciete&lt;/b&gt; kennis &amp; gewoontes" in text
    assert any(b["type"] == "context" and ":bulb:" in all_text([b]) for b in blocks)
    actions = [b for b in blocks if b["type"] == "actions"][0]["elements"]
    assert [(a["action_id"], a["value"], a.get("style")) for a in actions] == [
        ("goedwerk:contribute", "12:kennis", "primary"), ("goedwerk:pass", "12:kennis", None)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_contribution_with_author_and_menu(lang):
    fallback, blocks = message(contribution(lang, "Anna de Vries", virtues=("Moed", "Geduld"), edited=True), ZONE)
    assert blocks[0]["text"]["text"].startswith("*Anna de Vries*")
    menu = blocks[0]["accessory"]
    assert menu["type"] == "overflow"
    assert menu["action_id"] == "goedwerk:contribution"
    assert [o["value"] for o in menu["options"]] == ["edit:40", "delete:40"]
    assert decode_action({"action_id": "goedwerk:contribution", "selected_option": menu["options"][1]}) == \
        ("delete", "40")
    text = all_text(blocks)
    assert "Moed, Geduld" in text
    assert "#40" in text
    assert "Anna de Vries" in fallback


@pytest.mark.parametrize("lang", LANGUAGES)
def test_anonymous_contribution_shows_nothing_identifying(lang):
    fallback, blocks = message(contribution(lang, None, "Mijn verhaal."), ZONE)
    payload = json.dumps(blocks) + fallback
    assert "Anna" not in payload
    assert "<@" not in payload
    assert blocks[0]["text"]["text"].startswith("_")
    assert "Mijn verhaal." in blocks[0]["text"]["text"]


def test_contribution_text_cannot_ping_or_mention():
    fallback, blocks = message(contribution("nl", "Bob", NASTY), ZONE)
    payload = json.dumps(blocks) + fallback
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://"):
        assert raw not in payload
    assert "&lt;!channel&gt;" in payload
    assert "&lt;@U123&gt;" in payload
    assert "&amp;" in payload


def test_long_contribution_is_split_over_sections():
    fallback, blocks = message(contribution("nl", "Bob", "<&> " * 750), ZONE)
    assert_valid_message(fallback, blocks)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) == 4  # 3000 characters grow to 9750 when escaped
    assert "".join(sections).count("&lt;&amp;&gt;") == 750


def test_notice_escapes_but_shows_mention_markers_as_mentions():
    notice = Notice("en", f"{mention_marker('U0ABC')} is now the facilitator. <!here> <@U999> <step>", error=True)
    fallback, blocks = message(notice, ZONE)
    text = all_text(blocks)
    assert text.startswith(":warning:"), text
    assert "<@U0ABC> is now" in text, text
    assert "&lt;@U999&gt;" in text, "a mention typed as Slack markup is not the engine's: it stays inert"
    assert "⟪" not in fallback, fallback
    assert "U0ABC" in fallback, fallback
    assert "&lt;!here&gt;" in text
    assert "&lt;step&gt;" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_summary_is_split_and_trimmed_within_limits(lang):
    fallback, blocks = message(summary_view(lang), ZONE)
    assert_valid_message(fallback, blocks)
    text = all_text(blocks)
    assert re.search(r"…\D*\d+", text)  # "… and N more"
    assert "Deelnemer 01" in text
    assert "Moed (7)" in text
    assert ":warning:" in text
    assert "12" in all_text([blocks[-1]])


def test_summary_anonymous_quotes_and_experience_show_no_author():
    view = summary_view("en", quotes_per_topic=1)  # every first quote is anonymous
    text = all_text(message(view, ZONE)[1])
    assert "Deelnemer" not in text
    assert text.count("_anonymous_") >= 7


def test_small_summary_is_not_trimmed():
    view = summary_view("en", quotes_per_topic=2)
    short_quotes = tuple(DraftSection(s.topic, s.label, tuple(("Kort citaat.", a) for _, a in s.quotes))
                         for s in view.sections)
    view = SummaryView(**{**view.__dict__, "experience": "Kort verhaal.", "sections": short_quotes})
    text = all_text(message(view, ZONE)[1])
    assert "more" not in text
    assert text.count("Kort citaat.") == 12


@pytest.mark.parametrize("lang", LANGUAGES)
def test_situation_list_is_numbered_with_unique_button_ids(lang):
    _, blocks = message(situation_list(lang), ZONE)
    text = all_text(blocks)
    assert "*1. Situatie 1" in text
    assert "*10. Situatie 10" in text
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids[0] == "goedwerk:start"
    assert ids[1] == "goedwerk:start#2"
    assert {action_of(i) for i in ids} == {"start"}
    assert decode_action({"action_id": ids[-1], "value": "random"}) == ("start", "random")


def test_very_long_situation_list_and_many_buttons_fit():
    fallback, blocks = message(situation_list("en", count=300), ZONE)
    assert_valid_message(fallback, blocks)
    assert [b["type"] for b in blocks].count("actions") == 13


def test_contribution_form_is_not_a_message():
    with pytest.raises(TypeError):
        message(form("en"), ZONE)


# limits and helpers --------------------------------------------------------------------------

def test_fit_trims_lists_with_a_count_of_what_was_left_out():
    lines = Lines([f"item {i}: " + "x" * 2900 for i in range(80)], keep=0)
    blocks = fit([section("head"), lines, section("tail")], "en")
    assert len(blocks) == 50
    assert blocks[0]["text"]["text"] == "head"
    assert blocks[-1]["text"]["text"] == "tail"
    assert blocks[-2]["text"]["text"].endswith("\n… and 32 more")  # 48 items kept, one block each


def test_fit_refuses_what_cannot_be_trimmed():
    with pytest.raises(ValueError):
        fit([section("x")] * 51, "en")
    with pytest.raises(ValueError):
        fit([Lines(["x" * 2999] * 60, trimmable=False)], "en")


def test_check_message_and_check_modal():
    check_message([{}] * 50)
    check_modal([{}] * 100)
    with pytest.raises(ValueError):
        check_message([{}] * 51)
    with pytest.raises(ValueError):
        check_modal([{}] * 101)


def test_text_helpers():
    assert escape("a & <b> <!channel>") == "a &amp; &lt;b&gt; &lt;!channel&gt;"
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"
    assert mention("U12345") == "<@U12345>"
    assert mention("anna") == "anna"
    pieces = chunk_text("woord &amp; " * 1000, 3000)
    assert all(len(p) <= 3000 and not p.endswith("&") and not p.endswith("&am") for p in pieces)
    token = "<!date^1^{date_short_pretty} {time}|ma 3 mrt 09:00>"
    assert all(p.count("<") == p.count(">") for p in chunk_text((token + " ") * 200, 3000))


# modals --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_contribution_modal_for_the_values_topic(lang):
    modal = contribution_modal(form(lang, virtues=99), "C0CHAN")
    assert_valid_modal(modal)
    assert modal["callback_id"] == "goedwerk:contribute"
    assert modal["type"] == "modal"
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    text = blocks[modals.BLOCK_TEXT]["element"]
    assert text["multiline"]
    assert text["max_length"] == 3000
    assert blocks[modals.BLOCK_TEXT]["optional"]
    select = blocks[modals.BLOCK_VIRTUES]["element"]
    assert select["type"] == "multi_static_select"
    assert len(select["options"]) == 99
    assert all(len(o["text"]["text"]) <= 75 for o in select["options"])
    assert [o["value"] for o in blocks[modals.BLOCK_OPTIONS]["element"]["options"]] == ["anonymous", "pass"]
    assert "Welke deugd?" in all_text(modal["blocks"])
    assert read_metadata(modal["private_metadata"]) == {"round_id": 12, "topic": "waarden", "channel": "C0CHAN"}


def test_contribution_modal_with_150_virtues_uses_option_groups():
    modal = contribution_modal(form("nl", virtues=150, chosen_virtues=("Deugd 005 ", "Deugd 140 ")), "C0CHAN")
    assert_valid_modal(modal)
    select = [b for b in modal["blocks"] if b.get("block_id") == modals.BLOCK_VIRTUES][0]["element"]
    groups = select["option_groups"]
    assert len(groups) == 2
    assert all(len(g["options"]) <= 100 for g in groups)
    assert sum(len(g["options"]) for g in groups) == 150
    assert [o["value"] for o in select["initial_options"]] == ["Deugd 005 ", "Deugd 140 "]


def test_contribution_modal_for_editing():
    modal = contribution_modal(form("en", max_length=500, contribution_id=40, text="Old text", anonymous=True),
                               "C0CHAN")
    assert_valid_modal(modal)
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks[modals.BLOCK_TEXT]["element"]["initial_value"] == "Old text"
    assert blocks[modals.BLOCK_TEXT]["element"]["max_length"] == 500
    options = blocks[modals.BLOCK_OPTIONS]["element"]
    assert [o["value"] for o in options["options"]] == ["anonymous"]
    assert [o["value"] for o in options["initial_options"]] == ["anonymous"]
    assert modals.BLOCK_VIRTUES not in blocks
    assert read_metadata(modal["private_metadata"])["contribution_id"] == 40


def test_read_submission_from_a_realistic_state():
    state = {"values": {
        "text": {"text": {"type": "plain_text_input", "value": "  Samen beslissen.  "}},
        "options": {"options": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": "Anoniem plaatsen"}, "value": "anonymous"}]}},
        "virtues": {"virtues": {"type": "multi_static_select", "selected_options": [
            {"text": {"type": "plain_text", "text": "Moed"}, "value": "Moed"},
            {"text": {"type": "plain_text", "text": "Geduld"}, "value": "Geduld"}]}},
    }}
    assert read_submission(state) == {"text": "Samen beslissen.", "anonymous": True, "passed": False,
                                      "virtues": ("Moed", "Geduld")}
    empty = {"text": {"text": {"type": "plain_text_input", "value": None}},
             "options": {"options": {"type": "checkboxes", "selected_options": [{"value": "pass"}]}}}
    assert read_submission(empty) == {"text": "", "anonymous": False, "passed": True, "virtues": ()}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_start_modal(lang):
    advice = ["Welke situatie trekt jullie het meest?", "Welke situatie komen jullie vaak tegen?"]
    modal = start_modal(situation_list(lang), "C0CHAN", advice, default_plan_days=7)
    assert_valid_modal(modal)
    assert modal["callback_id"] == "goedwerk:start"
    assert read_metadata(modal["private_metadata"]) == {"channel": "C0CHAN"}
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    situations = blocks[start.BLOCK_SITUATION]["element"]["options"]
    assert situations[0]["value"] == "random"
    assert len(situations) == 11
    assert all(len(o["text"]["text"]) <= 75 for o in situations)
    assert situations[1]["text"]["text"].endswith("…")
    plans = [o["value"] for o in blocks[start.BLOCK_PLAN]["element"]["options"]]
    assert plans[0] == "default"
    assert parse_plan(plans[1]).text == plans[1]
    assert "trekt jullie" in all_text(modal["blocks"])
    state = {"values": {"situation": {"situation": {"selected_option": {"value": "3"}}},
                        "plan": {"plan": {"selected_option": {"value": plans[1]}}}}}
    assert read_start(state) == {"situation": "3", "plan": plans[1]}
    state["values"]["plan"]["plan"]["selected_option"]["value"] = "default"
    assert read_start(state)["plan"] is None


def test_start_modal_with_many_situations():
    modal = start_modal(situation_list("nl", count=150), "C0CHAN", [], default_plan_days=5)
    assert_valid_modal(modal)
    select = [b for b in modal["blocks"] if b.get("block_id") == start.BLOCK_SITUATION][0]["element"]
    assert select["option_groups"][0]["options"][0]["value"] == "random"
    assert sum(len(g["options"]) for g in select["option_groups"]) == 151


def test_the_picture_choice_shows_names_in_the_forms_language_and_sends_the_stored_name() -> None:
    modal = image_modal(ImageForm("nl", 4, "picture", pictures=picture_choices("nl")), "C1")
    check_modal(modal)
    options = [option for block in modal["blocks"] for option in (block.get("element") or {}).get("options", [])]
    assert [(option["text"]["text"], option["value"]) for option in options][:2] == [("brug", "bridge"),
                                                                                    ("kompas", "compass")]


def test_a_situation_card_built_twice_gives_equal_blocks_no_caller_can_change_for_another():
    """Situation cards are remembered (the weekly fan-out posts one card into many channels)."""
    from bot.slack.blocks.messages import _build

    card = SituationCard("nl", 4, "De vreemde eend", "Een nieuwe collega past niet in het team.", "Hoe?",
                         (("Voorbeeld", "team", "kort"),), (Choice("Start een ronde", "start", "4", True),),
                         intro="De vraag van deze week.")
    first_text, first = message(card, ZONE)
    assert (first_text, first) == _build(card, ZONE)
    first[0]["text"]["text"] = "veranderd"
    first.append({"type": "divider"})
    second_text, second = message(card, ZONE)
    assert (second_text, second) == _build(card, ZONE)
    other_text, other = message(SituationCard("en", 5, "The odd one out", "A new colleague does not fit.", "How?"),
                                ZONE)
    assert other_text != second_text
    assert other != second
