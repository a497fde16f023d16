"""Button wording of consent banners in English, French, German, Spanish, Italian, Dutch,
Portuguese and Polish, as regular expressions over a normalised label.

A label is normalised before matching: lower case, accents kept, quotes folded to ``'``,
punctuation and symbols at both ends removed, runs of spaces collapsed ("  Tout accepter ✓ "
-> "tout accepter"). Each pattern must match the whole label, so "Accept" never matches
"Do not accept". Kinds are tried in the order of ``KINDS``: a label that is both a reject and
an accept ("Accept only necessary cookies") is a reject.

Example::

    >>> classify("Tout refuser"), classify("Alle akzeptieren"), classify("Einstellungen")
    ('reject', 'accept', 'settings')
    >>> classify("Accepter uniquement les cookies nécessaires")
    'reject'
"""

from __future__ import annotations

import re

#: Words that make a block of text a cookie or consent notice, in every language we read.
BANNER_WORDS = (
    r"cookie|consent|gdpr|privacy|tracking|tracker|"
    r"traceur|consentement|vie priv|rgpd|"
    r"datenschutz|einwillig|zustimmung|dsgvo|"
    r"galleta|privacidad|consentimiento|"
    r"riservatezza|consenso|"
    r"toestemming|privacyverklaring|"
    r"consentimento|privacidade|"
    r"ciasteczk|prywatno|zgod[ay]"
)

_ALL = r"(?: (?:all|everything|all cookies|cookies|optional cookies|non-essential cookies))?"

PATTERNS: dict[str, tuple[str, ...]] = {
    "reject": (
        # en
        r"(?:reject|decline|refuse|deny|disallow|block)" + _ALL,
        r"(?:use |accept |allow |continue with )?(?:only )?(?:strictly )?"
        r"(?:necessary|essential|required) (?:cookies )?only",
        r"(?:use |accept |allow |continue with )?only (?:strictly )?"
        r"(?:necessary|essential|required|functional)(?: cookies)?",
        r"continue without (?:accepting|agreeing|consent|cookies)",
        r"no,? thanks?|i (?:do not|don't) (?:accept|agree)",
        # fr
        r"(?:tout )?(?:refuser|rejeter|décliner)(?: tout| tous les cookies| les cookies)?",
        r"je refuse|non merci|continuer sans accepter|continuer sans (?:consentir|cookies)",
        r"(?:accepter |autoriser )?(?:uniquement|seulement) les cookies "
        r"(?:strictement )?(?:nécessaires|essentiels|indispensables)",
        r"cookies (?:strictement )?(?:nécessaires|essentiels) (?:uniquement|seulement)",
        # de
        r"(?:alle[ns]? )?(?:cookies )?(?:ablehnen|verweigern|zurückweisen)",
        r"nur (?:technisch )?(?:notwendige|erforderliche|essenzielle|essentielle|nötige)"
        r"(?: cookies)?(?: (?:akzeptieren|zulassen|erlauben|verwenden|speichern))?",
        r"weiter ohne (?:zustimmung|einwilligung|cookies|akzeptieren)",
        # es
        r"(?:rechazar|denegar|declinar)(?: todo| todas| todas las cookies| cookies)?",
        r"(?:aceptar |permitir )?(?:solo|sólo|solamente|únicamente) (?:las )?(?:cookies )?"
        r"(?:necesarias|esenciales|técnicas)",
        r"continuar sin aceptar",
        # it
        r"(?:rifiuta|rifiuto|nega|declina)(?: tutti| tutto| tutti i cookie)?",
        r"(?:accetta |consenti )?solo (?:i )?(?:cookie )?(?:necessari|essenziali|tecnici)",
        r"continua senza accettare",
        # nl
        r"(?:alle(?:s)? )?(?:cookies )?(?:weigeren|afwijzen|niet accepteren)",
        r"(?:alleen|enkel) (?:noodzakelijke|functionele|essentiële|strikt noodzakelijke)"
        r"(?: cookies)?(?: accepteren| toestaan)?",
        r"doorgaan zonder (?:te )?accepteren",
        # pt
        r"(?:rejeitar|recusar|negar)(?: todos| tudo| todos os cookies| cookies)?",
        r"(?:aceitar |permitir )?(?:apenas|somente|só) (?:os )?(?:cookies )?"
        r"(?:necessários|essenciais)",
        r"continuar sem aceitar",
        # pl
        r"(?:odrzuć|odrzucam|odmów|nie zgadzam się)(?: wszystkie| wszystko)?"
        r"(?: pliki cookie| cookies)?",
        r"(?:akceptuj |zezwól na )?tylko (?:niezbędne|wymagane|konieczne)(?: pliki cookie)?",
    ),
    "save": (
        r"(?:save|confirm|submit|accept|allow)(?: my| the)? (?:choices?|selection|settings|"
        r"preferences|current settings)",
        r"save(?: and (?:close|exit|continue))?|confirm(?: and close)?",
        r"(?:enregistrer|valider|confirmer|sauvegarder|accepter)(?: mes| ma| les)? "
        r"(?:choix|sélection|préférences|paramètres)",
        r"enregistrer|valider|confirmer",
        r"(?:auswahl|einstellungen|präferenzen) (?:speichern|bestätigen|übernehmen|akzeptieren|"
        r"erlauben|zulassen)",
        r"(?:speichern|bestätigen|übernehmen)(?: und schließen)?",
        r"(?:guardar|confirmar)(?: mis| la| las)? ?(?:selección|preferencias|configuración|"
        r"elección|ajustes)?",
        r"aceptar (?:la )?(?:selección|configuración)",
        r"(?:salva|salvare|conferma|accetta)(?: le)? (?:scelte|selezione|preferenze|impostazioni)",
        r"salva|conferma",
        r"(?:opslaan|bevestigen|(?:keuze|voorkeuren|instellingen) opslaan|selectie toestaan)",
        r"(?:guardar|salvar|confirmar)(?: as| a)? ?(?:escolhas|seleção|preferências|definições)?",
        r"(?:zapisz|potwierdź)(?: wybór| ustawienia| preferencje| moje wybory)?",
    ),
    "accept": (
        # en
        r"(?:yes,? )?(?:i )?(?:accept|allow|agree)(?: to)?"
        + _ALL
        + r"(?: and (?:close|continue))?",
        r"ok(?:ay)?|got it|i understand|understood|continue",
        # fr
        r"(?:tout )?(?:accepter|autoriser)(?: tout| tous les cookies| les cookies)?"
        r"(?: et (?:fermer|continuer))?",
        r"j'accepte(?: tout)?|d'accord|ok pour moi|j'ai compris",
        # de
        r"(?:alle[ns]? )?(?:cookies )?(?:akzeptieren|zulassen|erlauben|annehmen|zustimmen)"
        r"(?: und (?:schließen|weiter|fortfahren))?",
        r"(?:ich )?(?:stimme zu|bin einverstanden)|einverstanden|verstanden",
        # es
        r"(?:aceptar|permitir)(?: todo| todas| todas las cookies| cookies)?(?: y (?:cerrar|"
        r"continuar))?",
        r"acepto|de acuerdo|entendido",
        # it
        r"(?:accetta|accetto|consenti)(?: tutti| tutto| tutti i cookie)?(?: e (?:chiudi|"
        r"continua))?",
        r"acconsento|ho capito",
        # nl
        r"(?:alle(?:s)? )?(?:cookies )?(?:accepteren|toestaan|aanvaarden)",
        r"(?:ik ga )?akkoord|prima",
        # pt
        r"(?:aceitar|permitir)(?: todos| tudo| todos os cookies| cookies)?",
        r"aceito|concordo|entendi",
        # pl
        r"(?:zaakceptuj|akceptuj|akceptuję|zezwól na|zezwalam na)(?: wszystkie| wszystko)?"
        r"(?: pliki cookie| cookies)?",
        r"zgadzam się|zgoda|rozumiem",
    ),
    "settings": (
        r"(?:cookie )?(?:settings|preferences|options)",
        r"(?:manage|customi[sz]e|change|set|adjust|show|edit|view)(?: cookie| my)? "
        r"(?:settings|preferences|options|cookies|choices|purposes)",
        r"customi[sz]e|more options|learn more and customi[sz]e|let me choose",
        r"(?:paramétrer|personnaliser|gérer|préférences|paramètres)(?: les cookies| mes choix|"
        r" mes préférences| les préférences| les paramètres)?",
        r"(?:cookie-)?(?:einstellungen|präferenzen)(?: anpassen| verwalten| ändern)?",
        r"(?:individuell )?anpassen|mehr optionen|optionen|auswahl anpassen|details anzeigen",
        r"(?:configurar|personalizar|gestionar|ajustes|preferencias|configuración)"
        r"(?: cookies| las cookies| preferencias)?",
        r"(?:personalizza|gestisci|impostazioni|preferenze|scopri di più e personalizza)"
        r"(?: cookie| preferenze| le preferenze)?",
        r"(?:instellingen|voorkeuren|aanpassen|cookie-instellingen|beheren|instellen)"
        r"(?: aanpassen| beheren)?",
        r"(?:configurar|personalizar|gerir|gerenciar|definições|preferências|configurações)"
        r"(?: cookies| preferências)?",
        r"(?:ustawienia|dostosuj|zarządzaj|preferencje)(?: plików cookie| cookies| zgodami)?",
    ),
    "close": (r"[x×✕✖]|close|fermer|schließen|cerrar|chiudi|sluiten|fechar|zamknij",),
}

#: Kinds in the order they are tried.
KINDS = ("reject", "save", "accept", "settings", "close")

_COMPILED = {kind: re.compile("^(?:" + "|".join(p) + ")$") for kind, p in PATTERNS.items()}
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "\u00a0": " "})


def normalise(label: str) -> str:
    """Lower case, quotes folded, symbols trimmed at both ends, spaces collapsed."""
    text = " ".join(label.translate(_QUOTES).lower().split())
    return _EDGES.sub("", text) if len(text) > 1 else text


def classify(label: str) -> str | None:
    """The kind of a button (``reject``, ``save``, ``accept``, ``settings``, ``close``) or None."""
    text = normalise(label)
    if not text or len(text) > 60:
        return None
    for kind in KINDS:
        if _COMPILED[kind].match(text):
            return kind
    return None


def js_patterns() -> dict[str, str]:
    """The patterns as JavaScript regular expression sources (same syntax for these)."""
    return {kind: _COMPILED[kind].pattern for kind in KINDS}
