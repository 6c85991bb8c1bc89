"""Cards to render: a typical one (fits a page), a very long one and one in many scripts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from flows.summary.card import ImageCard

EXPERIENCE = (
    "Op dinsdagochtend zat ik met de gemeente, de woningcorporatie en twee wijkagenten aan tafel. "
    "De regels van ieder van ons wezen een andere kant op, en de bewoner om wie het ging zat er "
    "zichtbaar zenuwachtig bij. Niemand wilde als eerste toegeven dat we vastzaten. Toen vroeg de "
    "jongste collega wat de bewoner zelf eigenlijk nodig had. Het werd stil. Daarna begonnen we "
    "opnieuw, dit keer met haar verhaal in plaats van onze procedures, en binnen een uur lag er een "
    "plan waar iedereen achter kon staan, zij ook. Op weg naar huis besefte ik dat niet de regels "
    "ons hadden geholpen, maar die ene eenvoudige vraag."
)
NARRATIVE = (
    "Goed werk is hier dat we de spanning niet wegmoffelen maar hardop benoemen. We beginnen bij "
    "de mens om wie het gaat en laten ieder vanuit de eigen organisatie zeggen wat wel en niet kan. "
    "Niemand verschuilt zich achter een regel; als iets niet mag, leggen we uit waarom en zoeken we "
    "samen naar wat wel mogelijk is.\n\n"
    "Dat vraagt lef van de voorzitter, die ruimte geeft aan stiltes en aan twijfel, en geduld van de "
    "anderen, die hun eigen agenda even laten liggen. Het levert iets op dat we vooraf niet hadden "
    "kunnen bedenken: een plan dat klopt voor de bewoner en dat we elk in onze eigen organisatie "
    "kunnen verantwoorden. We gaan met energie de deur uit, omdat we weten dat we elkaar volgende "
    "keer weer kunnen bellen.\n\n"
    "Wat we meenemen: een vast moment na elk lastig overleg om kort terug te kijken, met de vraag "
    "wat ieder anders zou doen. Nieuwe collega's lopen eerst een keer mee voordat ze zelf aan tafel "
    "schuiven, zodat ze zien hoe we het gesprek openen. En we schrijven niet alleen de afspraken op, "
    "maar ook de twijfels die we hadden, want daar leren we het meest van. Zo bouwen we aan vertrouwen dat verder "
    "reikt dan dit ene overleg, en "
    "leren we van elkaars vakmanschap en grenzen slotwoordnarratief."
)
PERSPECTIVES = (
    ("Handelingen", "Doorvragen, stiltes laten vallen en samenvatten wat ieder zegt. De voorzitter "
     "maakt zichtbaar waar de regels botsen en vraagt om voorbeelden in plaats van standpunten, zodat "
     "het gesprek concreet blijft en niemand zich hoeft te verdedigen voor de eigen organisatie. Aan "
     "het eind herhaalt ze de afspraken hardop."),
    ("Kennis", "Kennis van elkaars wettelijke kaders en mandaat, maar vooral kennis van de situatie "
     "van de bewoner. Ervaringskennis van de wijkagent bleek net zo belangrijk als de dossierkennis "
     "van de corporatie; samen gaven ze een beeld dat niemand alleen had kunnen schetsen. Wie iets "
     "niet wist, zei dat gewoon, en dat hielp."),
    ("Waarden en deugden", "Moed om als eerste te zeggen dat het vastzit, en bescheidenheid om niet "
     "meteen met de oplossing te komen. Rechtvaardigheid voor de bewoner staat voorop, zonder de "
     "belangen van de betrokken organisaties uit het oog te verliezen. Zorgvuldigheid en openheid "
     "hielden elkaar daarbij in evenwicht."),
    ("Vrijheid", "We namen de ruimte om van de gebruikelijke agenda af te wijken. Ieder bleef "
     "verantwoording afleggen aan de eigen organisatie, maar binnen die grenzen zochten we bewust "
     "de speelruimte op en spraken we af wie wat terugkoppelt aan wie, en wanneer. Dat gaf rust aan "
     "alle kanten van de tafel."),
    ("Identiteit", "Ik wil een grenswerker zijn die verbindt zonder de eigen rol los te laten: "
     "herkenbaar als medewerker van mijn organisatie, maar met oog voor het geheel. Dat betekent "
     "soms zeggen dat ik het niet weet, en toch blijven zoeken naar een weg die werkt, ook samen "
     "met de bewoner zelf."),
)


@pytest.fixture
def typical_card() -> ImageCard:
    return ImageCard(
        language="nl",
        title="Eerst het verhaal, dan de procedures",
        experience=EXPERIENCE,
        experience_author="Fatima el Amrani",
        narrative=NARRATIVE,
        perspectives=PERSPECTIVES,
        virtues=("Moed", "Geduld", "Bescheidenheid", "Rechtvaardigheid"),
        picture="builtin:bridge",
        situation_title="Als regels elkaar tegenspreken",
        published_on=date(2025, 3, 14),
        participants=("Fatima el Amrani", "Joost de Vries", "Anouk Jansen", "Sem Bakker"),
    )


def _long_text(member: int, words: int = 450) -> str:
    text = " ".join(f"woord{member}x{index}" for index in range(words))
    return text[:2990] + f" einde{member}"


@pytest.fixture
def long_card(typical_card: ImageCard) -> ImageCard:
    """Twelve members writing about 3000 characters each."""
    perspectives = tuple((f"Lid {member}", _long_text(member)) for member in range(1, 13))
    return replace(typical_card, experience=_long_text(0), narrative=_long_text(99),
                   perspectives=perspectives, participants=tuple(f"Deelnemer {i}" for i in range(1, 13)))


@pytest.fixture
def scripts_card(typical_card: ImageCard) -> ImageCard:
    return replace(
        typical_card,
        language="en",
        title="Καλή δουλειά — Хорошая работа",
        experience="Η ομάδα μίλησε ανοιχτά. Команда говорила открыто. الفريق تحدث بصراحة. 团队坦诚地交谈。",
        experience_author="Νίκος Παπαδόπουλος",
        narrative="Εμπιστοσύνη και θάρρος. Доверие и смелость. الثقة والشجاعة. 信任与勇气。",
        perspectives=(("Знание", "Знание контекста помогает. 知识"),),
        virtues=("Θάρρος", "Смелость", "شجاعة", "勇气"),
        picture="emoji:🤝",
        participants=("Νίκος", "Ольга", "سارة", "李伟"),
    )
