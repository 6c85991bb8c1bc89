"""The App Home tab: a person's active rounds, their own contributions, the team's images."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
)
from slack_sdk.models.views import View

from flows.i18n import t
from flows.views import HomeView

from .fit import context, section, sections
from .limits import MAX_MODAL_BLOCKS
from .text import date_token, escape, truncate

HOME_EDIT = "goedwerk:home_edit"
HOME_DELETE = "goedwerk:home_delete"
EXCERPT = 280


def _header(text: str) -> dict:
    return HeaderBlock(text=PlainTextObject(text=text, emoji=True)).to_dict()


def home_tab(home: HomeView, zone: ZoneInfo) -> dict:
    """The Home view for ``views.publish`` (at most 100 blocks)."""
    lang = home.language
    blocks: list[dict] = [_header(t(lang, "Your rounds"))]
    if not home.rounds:
        blocks.append(section(escape(t(lang, "You are not taking part in a running round. Type /goedwerk start in a "
                                             "team channel to begin one."))))
    for item in home.rounds:
        line = t(lang, "*{title}* in <#{channel}> — now: {step}, until {until}; closes {deadline}",
                 title=escape(item.situation_title), channel=item.channel, step=escape(item.current_step or "-"),
                 until=date_token(lang, item.step_ends_at, zone) if item.step_ends_at else "-",
                 deadline=date_token(lang, item.deadline, zone))
        blocks.append(section(line))
    blocks += [DividerBlock().to_dict(), _header(t(lang, "Your contributions"))]
    if not home.contributions:
        blocks.append(section(escape(t(lang, "Nothing yet in a running round."))))
    for mine in home.contributions:
        if len(blocks) > MAX_MODAL_BLOCKS - 12:
            break
        what = t(lang, "nothing to add") if mine.passed else truncate(mine.text, EXCERPT)
        anonymous = " · " + t(lang, "anonymous") if mine.anonymous else ""
        blocks.append(section(f"*{escape(mine.label)}* · <#{mine.channel}>{escape(anonymous)}\n{escape(what)}"))
        value = f"{mine.channel}:{mine.contribution_id}"
        elements = [ButtonElement(text=PlainTextObject(text=t(lang, "Delete")), action_id=HOME_DELETE, value=value,
                                  style="danger")]
        if not mine.passed:
            elements.insert(0, ButtonElement(text=PlainTextObject(text=t(lang, "Edit")), action_id=HOME_EDIT,
                                             value=value))
        blocks.append(ActionsBlock(elements=elements).to_dict())
    blocks += [DividerBlock().to_dict(), _header(t(lang, "Images of good work"))]
    if not home.images:
        blocks.append(section(escape(t(lang, "No published images of good work yet."))))
    for image in home.images[:10]:
        published = date_token(lang, image.published_at, zone)
        blocks.append(section(f"*{escape(image.title)}* · <#{image.channel}> · {published}"))
    blocks += [DividerBlock().to_dict(), _header(t(lang, "Help")), *sections(escape(home.help))[:3],
               context(escape(t(lang, "Source: Beelden van goed werk in samenwerking (Rijksoverheid, 2022).")))]
    return View(type="home", blocks=blocks[:MAX_MODAL_BLOCKS]).to_dict()
