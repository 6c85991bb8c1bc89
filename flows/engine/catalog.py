"""Read-only answers about the content: help, the list of situations, one situation."""

from __future__ import annotations

from flows.content.schema import ContentPack
from flows.engine.presenters import description_of
from flows.engine.scope import Refusal, Scope
from flows.i18n import N_, t
from flows.store import queries
from flows.views import Choice, Notice, SituationCard, SituationItem, SituationList

HELP = N_("""goedwerk helps this channel talk, over about a week, about a critical collaboration situation and turn that into a shared image of good work.

Commands (after /goedwerk):
• start [number | random] [plan=...] — start a round (without a number: choose one)
• status — where the round stands
• contribute <step> [anonymous] [[virtue, virtue]] <text> — add your contribution
• pass <step> — nothing to add this time (that counts as taking part)
• edit <number> <text> / delete <number> — change or remove your own contribution
• next / close / stop — for the facilitator: next step, close with a summary, or cancel
• facilitator @person — hand the facilitator role over
• summary — the draft image of good work so far
• experience <number> — for the facilitator: use this head story as the characteristic experience
• image [title | experience | narrative | picture <text>] — after the close: show or edit the image of good work
• vote <number | own title> — vote for the title
• publish — for the facilitator: ask quoted people for consent, then publish the A4 and card
• collection [search term | number] — the channel's published images of good work; a number opens one (admins: collection share on | off)
• checkback <answer> | on | off — answer the check-back weeks after publication, or switch it on or off
• situations / show <number> — the situations to choose from
• language nl | en — the language of this channel
• reminders on | off — private reminders when a step is about to end
• weekly [on [day] [HH:MM] | off] — a random situation to talk about in this channel every week (default Monday 09:00)
• my-data [export | delete] — get everything stored about you here, or delete it
• retention [days] — how many days after a round closes its contributions are deleted (default 90)
• help — this text

Steps: kop (head: own experiences), the perspectives handelingen, kennis, waarden, vrijheid and identiteit, and staart (tail: our image of good work).
Source: "Beelden van goed werk in samenwerking" (Rijksoverheid, Grenzeloos Samenwerken, 2022).""")  # noqa: E501 (the message's own lines)


def help_view(scope: Scope) -> Notice:
    return Notice(scope.language, scope.t(HELP))


def situation_list(scope: Scope, content: ContentPack, for_start: bool) -> SituationList:
    """All situations with a one-line gist; with start choices when ``for_start``."""
    lang = scope.language
    usage = queries.situation_usage(scope.session, scope.channel)
    items = tuple(SituationItem(s.number, s.title.get(lang), s.gist.get(lang), usage.get(s.number, 0))
                  for s in sorted(content.situations.values(), key=lambda s: s.number))
    choices: tuple[Choice, ...] = ()
    if for_start:
        choices = tuple(Choice(f"{item.number}. {item.title}", "start", str(item.number)) for item in items)
        choices += (Choice(scope.t(N_("Random situation")), "start", "random", primary=True),)
    return SituationList(lang, items, choices)


def situation_card(scope: Scope, content: ContentPack, number: int) -> SituationCard:
    return card_in(scope.language, content, number)


def card_in(lang: str, content: ContentPack, number: int) -> SituationCard:
    """Situation ``number``'s card in ``lang``, with its start button."""
    situation = content.situation(number)
    if situation is None:
        raise Refusal(N_("There is no situation {number}. See '/goedwerk situations'."), number=number)
    examples = tuple((e.title.get(lang), e.who.get(lang), e.gist.get(lang)) for e in situation.examples)
    return SituationCard(lang, situation.number, situation.title.get(lang), description_of(situation, lang),
                         situation.question.get(lang), examples,
                         (Choice(t(lang, N_("Start a round on this situation")), "start", str(number), True),))
