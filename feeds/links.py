"""Subscription links for the coordinator: a CSV and a printable page with QR codes.

Only hashes of tokens are kept in the database, so the plain links exist in one place:
the links folder (``links.csv`` and ``links.html``), written when tokens are created or
rotated. The folder is cumulative: each write merges the new links into the rows already
there and drops every row whose token is no longer active (rotated or revoked), checked
against the database. Treat the folder like a password file (it is written 0600).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.constants

from feeds.store import KINDS, FeedStore, Issued

LINKS_CSV = "links.csv"
LINKS_HTML = "links.html"
LINKS_SETTINGS = "links.json"
"""The base URL, page language and QR form the folder was last written with, so that
``feeds rotate`` and ``feeds revoke`` rewrite it the same way when they are not told."""
DEFAULT_SETTINGS = {"base_url": "http://127.0.0.1:8080", "lang": "nb", "qr_form": "webcal"}
LINK_COLUMNS = ["kind", "id", "name", "status", "https_url", "webcal_url", "created_at"]
TOKEN_IN_URL = re.compile(r"/feeds/([A-Za-z0-9_-]+)\.ics$")

_TEXTS = {
    "nb": {
        "title": "Kalenderlenker – Menn i helse",
        "intro": ("Skann koden med kameraet på telefonen for å abonnere på kalenderen "
                  "(iPhone: «Abonner»). På Android: legg til https-lenken i Google Kalender "
                  "under «Fra URL». Lenken er personlig: ikke del den."),
        "kinds": {"recruit": "Rekrutter", "supervisor": "Veiledere", "teacher": "Lærere",
                  "class": "Klasser", "site": "Praksissteder"},
        "no_link": "Ingen lenke på fil – lag en ny med «python cli.py feeds rotate {kind} {id}».",
        "revoked": "Lenken er trukket tilbake.",
    },
    "en": {
        "title": "Calendar links – Menn i helse",
        "intro": ("Scan the code with the phone's camera to subscribe to the calendar "
                  "(iPhone: \"Subscribe\"). On Android, add the https link in Google Calendar "
                  "under \"From URL\". The link is personal: do not share it."),
        "kinds": {"recruit": "Recruits", "supervisor": "Supervisors", "teacher": "Teachers",
                  "class": "Classes", "site": "Sites"},
        "no_link": "No link on file – make a new one with \"python cli.py feeds rotate {kind} {id}\".",
        "revoked": "The link has been revoked.",
    },
}


@dataclass(frozen=True)
class Link:
    kind: str
    person_id: str
    name: str
    status: str  # "active" | "revoked" | "no link on file"
    https_url: str
    webcal_url: str
    created_at: str


def feed_urls(base_url: str, token: str) -> tuple[str, str]:
    """(https form, webcal form) of a token's feed address under ``base_url``."""
    base = base_url.rstrip("/")
    https = f"{base}/feeds/{token}.ics"
    webcal = "webcal://" + https.split("://", 1)[1] if "://" in https else https
    return https, webcal


def qr_svg(data: str) -> str:
    """A QR code of ``data`` as an inline SVG element (one path of row runs, no Pillow)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'width="40mm" height="40mm" shape-rendering="crispEdges" role="img">'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(parts)}"/></svg>')


def _read_tokens(folder: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, id) -> (token, created_at) from an existing links.csv."""
    path = folder / LINKS_CSV
    if not path.exists():
        return {}
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            m = TOKEN_IN_URL.search(row.get("https_url") or "")
            if m and row.get("kind") and row.get("id") is not None:
                out[row["kind"], row["id"]] = (m.group(1), row.get("created_at") or "")
    return out


def current_links(store: FeedStore, base_url: str, folder: Path | None,
                  extra: Iterable[Issued] = ()) -> list[Link]:
    """Every published person with their link if it is known and still active.

    Links come from ``extra`` (just issued) and from ``folder``'s links.csv; a token
    from the file counts only if the database says it is that person's active token.
    """
    known = _read_tokens(folder) if folder is not None else {}
    for i in extra:
        known[i.kind, i.person_id] = (i.token, i.created_at)
    out = []
    for p in store.people():
        token, created = known.get((p.kind, p.person_id), ("", ""))
        if p.status == "active" and token and store.is_active(token, p.kind, p.person_id):
            https, webcal = feed_urls(base_url, token)
            out.append(Link(p.kind, p.person_id, p.name, "active", https, webcal, created))
        else:
            status = "revoked" if p.status != "active" else "no link on file"
            out.append(Link(p.kind, p.person_id, p.name, status, "", "", ""))
    return out


def links_csv(links: Iterable[Link]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LINK_COLUMNS)
    for link in links:
        w.writerow([link.kind, link.person_id, link.name, link.status, link.https_url,
                    link.webcal_url, link.created_at])
    return buf.getvalue()


def links_html(links: Iterable[Link], *, lang: str = "nb", qr_form: str = "webcal") -> str:
    """A printable page: per person a card with name, a QR code and both link forms."""
    t = _TEXTS[lang]
    links = list(links)
    cards = []
    for kind in KINDS:
        group = [link for link in links if link.kind == kind]
        if not group:
            continue
        cards.append(f"<h2>{html.escape(t['kinds'][kind])}</h2>")
        for link in group:
            head = (f"<h3>{html.escape(link.name)}</h3>"
                    f"<p class=id>{html.escape(kind)} {html.escape(link.person_id)}</p>")
            if link.status == "active":
                qr = qr_svg(link.webcal_url if qr_form == "webcal" else link.https_url)
                body = (f"{qr}<p class=url>{html.escape(link.webcal_url)}</p>"
                        f"<p class=url>{html.escape(link.https_url)}</p>")
            elif link.status == "revoked":
                body = f"<p>{html.escape(t['revoked'])}</p>"
            else:
                body = f"<p>{html.escape(t['no_link'].format(kind=kind, id=link.person_id))}</p>"
            cards.append(f"<section class=card>{head}{body}</section>")
    style = ("body{font-family:sans-serif;margin:1cm}"
             ".card{display:inline-block;vertical-align:top;width:8.5cm;margin:0 .3cm .5cm 0;"
             "padding:.3cm;border:1px solid #999;break-inside:avoid;page-break-inside:avoid}"
             ".card h3{margin:0}.id{color:#555;margin:.1cm 0}"
             ".url{font-family:monospace;font-size:7pt;word-break:break-all;margin:.1cm 0}"
             "h2{break-before:auto}@media print{.card{border-color:#ccc}}")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="robots" content="noindex">'
            f"<title>{html.escape(t['title'])}</title><style>{style}</style></head><body>"
            f"<h1>{html.escape(t['title'])}</h1><p>{html.escape(t['intro'])}</p>"
            + "\n".join(cards) + "</body></html>\n")


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


def link_settings(folder: str | Path, **given: str | None) -> dict[str, str]:
    """``base_url``, ``lang`` and ``qr_form`` for writing ``folder``: each as ``given`` where
    it is not None, else as the folder was last written (:data:`LINKS_SETTINGS`), else the
    default. A rotate or revoke without ``--base-url`` so keeps the published links' address
    (an audit found every link moved to the default address after a revoke)."""
    saved: dict = {}
    path = Path(folder) / LINKS_SETTINGS
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
    return {k: given.get(k) or (saved.get(k) if isinstance(saved.get(k), str) else None) or v
            for k, v in DEFAULT_SETTINGS.items()}


def write_links(store: FeedStore, folder: str | Path, base_url: str, issued: Iterable[Issued] = (),
                *, lang: str = "nb", qr_form: str = "webcal") -> list[Link]:
    """Merge ``issued`` into ``folder``/links.csv and rewrite links.csv and links.html (and
    the settings they were written with, :data:`LINKS_SETTINGS`).

    Returns the links written (one row per published person, with a status).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    links = current_links(store, base_url, folder, issued)
    _write_private(folder / LINKS_CSV, links_csv(links))
    _write_private(folder / LINKS_HTML, links_html(links, lang=lang, qr_form=qr_form))
    _write_private(folder / LINKS_SETTINGS,
                   json.dumps({"base_url": base_url, "lang": lang, "qr_form": qr_form}, indent=1) + "\n")
    return links
