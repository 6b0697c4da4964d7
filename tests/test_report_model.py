"""The report model against the reference document (shared/seed/README.md),
and the Jinja macro that renders it."""
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import jinja2

from forms.catalog import Activity, Catalog, Office, Part, WorkType, load_catalog
from reports.model import HEADERS, Cell, build_report
from domain.periods import Period
from tests.seed import seed_rows
from domain.rows import Row

ROOT = Path(__file__).parents[1]
CATALOG = load_catalog(ROOT / "forms")
WEEK = Period.iso_week(2026, 48)  # Monday 23 - Sunday 29 November 2026, no holidays
FRIDAY = date(2026, 11, 27)
READ_AT = datetime(2026, 11, 27, 14, 42, tzinfo=timezone.utc)  # 16:42 in Bucharest

# The document's tables, office by office: (work type, [(activity text, Nr. lucrări,
# Nr. documente produse), ...]). Wording as in the catalog (the document's obvious
# typos mended). One deliberate difference: the document's monitoring row reads
# "Zilnic | zilnic"; the report writes the same word, "Zilnic", in both columns.
DOCUMENT = {
    "presa": [
        ("Rezolvarea solicitărilor formulate în baza Legii 544/2001", [
            ("Studiere solicitare", "12", ""),
            ("Studiere + verificare documente atașate", "12", ""),
            ("Adresa de înștiințare către solicitant cu nr. de înregistrare aferent cererii", "", "12"),
            ((
                "Adresă de înaintare către direcțiile de specialitate din cadrul "
                "instituției și direcțiilor subordonate Consiliului Local"
            ), "", "14"),
            ((
                "Adresa de înștiințare către petent cu privire la prelungirea termenului "
                "de răspuns până la 30 de zile conform H.G. nr. 478/2016 pentru "
                "modificarea și completarea Normelor metodologice de aplicare a Legii nr."
                " 544/2001 privind liberul acces la informațiile de interes public"
            ), "", "7"),
            ((
                "Adresă de înaintare privind prelungirea termenului de răspuns către "
                "direcțiile de specialitate din cadrul instituției/direcțiile subordonate"
                " CLS 3"
            ), "", "7"),
            ("Răspunsuri către petent", "", "4"),
        ]),
        ("Solicitări de presă verbale sau scrise", [
            ((
                "Discuții telefonice cu reprezentanții mass-media cu privire la "
                "activitatea instituției în vederea realizării de materiale"
            ), "- 73 discuții telefonice\n- 1 scrisă", ""),
        ]),
        ("Comunicate de presă", [
            ((
                "Solicitarea de informații de la direcțiile de specialitate în vederea "
                "redactării unor comunicate de presă"
            ), "5", "5"),
            ("Transmise către mass-media", "5", "5"),
            ("Postate pe site", "5", "5"),
            ("Transmise prin aplicația City Care", "5", "5"),
        ]),
        ("Conferință de presă", [
            ("Stabilirea temei pentru conferința de presă și redactarea invitației", "1", "1"),
            ("Transmise invitația către mass-media", "1", "1"),
        ]),
        ("Monitorizare presă", [
            ((
                "Monitorizarea zilnică a presei scrise, online și tv cu privire la "
                "activitatea primăriei Sectorului 3"
            ), "Zilnic", "Zilnic"),
        ]),
        ("Fișe de post", [
            ("Întocmire fișe de post", "", "2"),
            ("Întocmire anexe la fișele de post", "", "2"),
        ]),
        ("Adrese de e-mail", [
            ("Gestionare adrese de e-mail", "7", ""),
        ]),
        ("Actualizare site", [
            ("Gestionare adrese primite de la alte direcții în vederea postării pe site;", "4", ""),
            ((
                "Editarea informațiilor primite și transmiterea acestora către Serviciul "
                "Informatică pentru a fi postate"
            ), "4", "4"),
        ]),
        ("Ședințe de consiliu", [
            ("Participarea la ședințele de consiliu", "1", ""),
        ]),
        ("Poșta electronică", [
            ((
                "Emailurile sosite pe adresa de e-mail relatiipublice@primarie3.ro, sunt "
                "înregistrate parcurgând mai multe etape. Astfel, petițiile sunt "
                "analizate, se stabilesc structurile competente, se verifică în sistemul "
                "Infocet dacă petiția a mai fost înregistrată pentru a se crea conexe, se"
                " efectuează înregistrarea efectivă, atașează în sistemul Infocet petiția"
                " după ce a fost salvată pe calculator în format word sau pdf și, "
                "eventual, diferite fișiere conexe transmise de către petent, se trimite "
                "petiția prin sistemul Infocet către structura competentă, se comunică "
                "petentului numărul de înregistrare pe e-mail."
            ), "277", "277"),
        ]),
        ("Aplicație I love S3", [
            ((
                "Petițiile transmise de cetățeni prin intermediul aplicației City Care "
                "sunt făcute vizibile pe Harta de Sesizări după ce sunt citite și "
                "moderate (datele cu caracter personal sunt blurate conform GDPR). Pentru"
                " rezolvarea sesizărilor din categoria „Altele” sunt necesari următorii "
                "pași: în cazul în care petiția intră în aria de competență a Primăriei "
                "Sectorului 3, aceasta este transmisă prin Infocet către structura "
                "competentă; dacă petiția nu vizează Primăria Sectorului 3 atunci aceasta"
                " este redirecționată către instituția competentă iar petentul este "
                "înștiințat în această privință prin intermediul aplicației."
            ), "107", "107"),
        ]),
    ],
    "consiliere": [
        ("Biroul de relații cu publicul", [
            ((
                "Numărul petenților sosiți în biroul de relații cu publicul diferă de "
                "numărul de petiții înregistrate întrucât cel puțin jumătate dintre "
                "aceștia vin pentru obținerea unor informații pentru o depunere "
                "ulterioară."
            ), "3030", "1510"),
            ((
                "Activitatea de înregistrare a petițiilor presupune mai multe operații, "
                "respectiv, discuția purtată cu petenții, analiza petiției scrise, "
                "încadrarea acesteia în atribuțiile structurilor de specialitate, "
                "înregistrarea efectivă cu atașarea numărului de înregistrare, pregătirea"
                " pentru scanare (eliminarea capselor, așezarea paginilor)."
            ), "1510", "1510"),
            ((
                "Activitatea de eliberare a documentelor înglobează mai multe activități "
                "de evidență a documentelor ce urmează a fi predate petenților, respectiv"
                " care au fost predate. Astfel, documentele care urmează a fi predate se "
                "primesc pe bază de borderou care este semnat și arhivat, documentele "
                "sunt transcrise în evidența electronică, fiecare petent este înștiințat "
                "pe e-mail sau telefonic pentru a ridica documentele și ulterior "
                "documentele sunt eliberate urmând procedura de eliberare a acestora."
            ), "78", "78"),
            ((
                "Audiențele sunt înregistrate urmând procedura operațională standard, "
                "astfel, se verifică dacă cetățeanul care solicită o înscriere în "
                "audiență s-a adresat anterior instituției, se atașează formularului de "
                "înscriere în audiență dovada adresei precedente/răspuns, se stabilește "
                "structura competentă/vizată din cadrul instituției, se verifică agenda "
                "respectiv disponibilitatea datei solicitate pentru înscriere în "
                "audiență, se efectuează înscrierea în audiență și se listează borderoul."
            ), "3", "3"),
        ]),
        ("1. Poșta tradițională", [
            ((
                "Corespondența adresată instituției este preluată zilnic, la prima oră de"
                " la oficiile poștale arondate. Aceasta este ulterior prelucrată "
                "implicând mai multe acțiuni specifice: desfacerea plicurilor, decapsare,"
                " aranjare, analiza conținutului acestora respectiv stabilirea structurii"
                " competente pentru soluționarea acestora, respectiv, consultarea "
                "structurilor de specialitate înainte de distribuire în situația "
                "corespondenței complexe, înregistrarea efectivă a acestora, printarea "
                "bonului de înregistrare, pregătire și aranjarea corespondenței pentru "
                "scanare prin delimitarea acesteia cu separatoare cod de bare. Ulterior "
                "scanării, documentele sunt verificate și aranjate conform borderoului, "
                "pe structuri de specialitate și sunt pregătite pentru predarea din ziua "
                "următoare."
            ), "1304", "1304"),
            ((
                "Corespondența care urmează a fi expediată, este preluată pe bază de "
                "borderou, zilnic, de la structurile de specialitate, sunt verificate "
                "pentru a cuprinde toate elementele de identificare care sunt introduse "
                "într-un tabel centralizator. Zilnic, în baza borderoului centralizator, "
                "corespondența este predată către oficiile poștale arondate."
            ), "412", "412"),
            ("Confirmări predate către structuri", "200", "200"),
            ((
                "Faxurile primite pe adresa instituției sunt înregistrate și lucrate de "
                "personalul Serviciul Consiliere și Îndrumare"
            ), "23", "23"),
        ]),
        ("Centrala telefonică", [
            ((
                "Cetățenii care sună pe numărul de centrala telefonică a instituției, "
                "solicită informații generale care sunt oferite de către operatorul "
                "telefonic sau specifice de la structurile de specialitate când se face "
                "legătura către birourile acestora"
            ), "540", ""),
        ]),
        ("1. Petiții", [
            ((
                "Petițiile cetățenilor care vizează mai multe structuri de specialitate "
                "sunt centralizate la nivelul Serviciului Consiliere și Îndrumare, unde "
                "acestea sunt urmărite în vederea alcătuirii la timp a răspunsurilor de "
                "către structurile de specialitate, răspunsuri care sunt analizate, se "
                "alcătuiește un răspuns unitar, care este ulterior expediat cetățenilor "
                "pe calea de corespondență aleasă."
            ), "22", "22"),
            ((
                "Petițiile care sunt greșit îndreptate, primesc număr de înregistrare "
                "pentru ca ulterior să se alcătuiască adrese de redirecționare către "
                "instituțiile competente, respectiv adrese de informare către petenți."
            ), "5", "5"),
        ]),
    ],
}


def flat(groups):
    return [(wt, text, l, d) for wt, lines in groups for text, l, d in lines]


def table(office):
    """(work type, activity text, lucrări cell, documente cell) per line."""
    return [(g.title, line.text, *(c.text for c in line.cells)) for g in office.groups for line in g.lines]


def seed_report(**kw):
    rows = seed_rows(CATALOG, WEEK.working_days)
    kw.setdefault("today", FRIDAY)
    return build_report(CATALOG, rows, WEEK, read_at=READ_AT, **kw)


def row(day, activity, clerk="Ana Popescu", office="presa", **kw):
    return Row(office=office, day=day, activity=activity, clerk=clerk, **kw)


def cells(report, office, activity_id):
    office = next(o for o in report.offices if o.slug == office)
    line = next(line for line in office.lines if line.activity_id == activity_id)
    return tuple(c.text for c in line.cells)


# -- the document's tables ---------------------------------------------------------


def test_seed_rows_are_spread_over_days_and_clerks():
    rows = seed_rows(CATALOG, WEEK.working_days)
    studiere = [r for r in rows if r.activity == "l544-studiere"]
    assert [(r.day.day, r.clerk, r.lucrari) for r in studiere] == [
        (23, "Ana Popescu", 3), (24, "Mihai Ionescu", 3),
        (25, "Ana Popescu", 2), (26, "Mihai Ionescu", 2), (27, "Ana Popescu", 2),
    ]
    assert {r.clerk for r in rows if r.office == "consiliere"} == {"Elena Dumitrescu", "Ștefan Rădulescu"}


def test_report_reproduces_the_document():
    report = seed_report()
    assert report.headers == ("Lucrări specifice", "Activități", "Nr. lucrări", "Nr. documente produse")
    assert [(o.slug, o.title) for o in report.offices] == [
        ("presa", "SERVICIUL PRESĂ"),
        ("consiliere", "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"),
    ]
    assert table(report.offices[0]) == flat(DOCUMENT["presa"])
    assert table(report.offices[1]) == flat(DOCUMENT["consiliere"])
    assert report.orphans == 0 and report.notices == ()


def test_groups_know_their_row_span():
    report = seed_report()
    assert [(g.title, g.span) for g in report.offices[0].groups] == [
        (wt, len(lines)) for wt, lines in DOCUMENT["presa"]
    ]
    assert [g.span for g in report.offices[1].groups] == [4, 4, 1, 2]


def test_cells_carry_text_and_number():
    report = seed_report()
    studiere = report.offices[0].lines[0]
    assert studiere.cells == (Cell("12", 12, True), Cell("", None, False))
    presa = {line.activity_id: line for line in report.offices[0].lines}
    assert presa["solicitari-presa"].cells[0] == Cell("- 73 discuții telefonice\n- 1 scrisă", None, True)
    assert presa["solicitari-presa"].cells[0].lines == ["- 73 discuții telefonice", "- 1 scrisă"]
    assert presa["monitorizare-presa"].cells == (Cell("Zilnic", None, True),) * 2
    assert presa["monitorizare-presa"].cell_by_counter["documente"].text == "Zilnic"
    assert report.offices[1].lines[0].cells == (Cell("3030", 3030, True), Cell("1510", 1510, True))


def test_completeness_and_freshness():
    report = seed_report()
    assert report.title == "Săptămâna 23–27 noiembrie 2026"
    assert report.as_of_text == "Date la zi: 27 noiembrie 2026, 16:42"
    assert report.is_over is False
    presa = report.offices[0].completeness
    assert [(d.day, d.clerks, d.working) for d in presa.days] == [
        (date(2026, 11, d), ("Ana Popescu", "Mihai Ionescu"), True) for d in range(23, 28)
    ]
    assert presa.missing == () and presa.is_complete
    assert (presa.elapsed, presa.upcoming) == (5, 0)
    assert presa.summary == "Toate zilele lucrătoare de până azi au înregistrări."
    assert presa.days[0].label == "luni, 23 noiembrie"
    assert presa.days[0].short_label == "lun. 23 nov."


def test_rows_outside_the_period_or_of_other_offices_are_ignored():
    rows = seed_rows(CATALOG, WEEK.working_days) + [
        row(date(2026, 11, 22), "l544-studiere", lucrari=100),  # Sunday before
        row(date(2026, 11, 30), "l544-studiere", lucrari=100),  # Monday after
        row(date(2026, 11, 24), "l544-studiere", office="alt-serviciu", lucrari=100),
    ]
    report = build_report(CATALOG, rows, WEEK, today=FRIDAY)
    assert table(report.offices[0]) == flat(DOCUMENT["presa"])
    assert report.orphans == 0


def test_only_requested_offices_in_catalog_order():
    rows = seed_rows(CATALOG, WEEK.working_days)
    report = build_report(CATALOG, rows, WEEK, offices=["consiliere", "nu-exista"], today=FRIDAY)
    assert [o.slug for o in report.offices] == ["consiliere"]
    assert table(report.offices[0]) == flat(DOCUMENT["consiliere"])
    both = build_report(CATALOG, rows, WEEK, offices=["consiliere", "presa"], today=FRIDAY)
    assert [o.slug for o in both.offices] == ["presa", "consiliere"]


def test_empty_period_gives_zeros_and_blanks():
    report = build_report(CATALOG, [], WEEK, today=FRIDAY)

    def empty(groups):
        out = []
        for wt, text, lucrari, documente in flat(groups):
            if lucrari == "Zilnic":  # daily activity
                lucrari = documente = "0 zile"
            elif lucrari.startswith("- 73"):  # breakdown
                lucrari = "- 0 discuții telefonice\n- 0 scrise"
            else:
                lucrari, documente = ("0" if lucrari else ""), ("0" if documente else "")
            out.append((wt, text, lucrari, documente))
        return out

    assert table(report.offices[0]) == empty(DOCUMENT["presa"])
    assert table(report.offices[1]) == empty(DOCUMENT["consiliere"])
    assert report.offices[0].lines[0].cells[0] == Cell("0", 0, True)
    presa = report.offices[0].completeness
    assert [d.day.day for d in presa.missing] == [23, 24, 25, 26, 27]
    assert presa.summary == (
        "Zile lucrătoare fără înregistrări (5 din 5): "
        "lun. 23 nov., mar. 24 nov., mie. 25 nov., joi 26 nov., vin. 27 nov."
    )
    assert report.as_of_text == ""


def test_period_not_begun_yet():
    report = build_report(CATALOG, [], WEEK, today=date(2026, 11, 20))
    c = report.offices[0].completeness
    assert (c.days, c.elapsed, c.upcoming) == ((), 0, 5)
    assert c.summary == "Perioada nu a început încă."
    assert cells(report, "presa", "monitorizare-presa") == ("0 zile", "0 zile")


def test_daily_done_on_some_days_of_a_finished_week():
    days = [date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 27)]
    rows = [row(d, "monitorizare-presa", lucrari=1) for d in days]
    rows += [row(date(2026, 11, 25), "monitorizare-presa", clerk="Mihai Ionescu", lucrari=1)]  # same day twice
    rows += [row(date(2026, 11, 24), "monitorizare-presa", lucrari=0)]  # saved as not done
    report = build_report(CATALOG, rows, WEEK, today=date(2026, 12, 3))
    assert report.is_over
    assert cells(report, "presa", "monitorizare-presa") == ("3 zile", "3 zile")
    c = report.offices[0].completeness
    assert [(d.day.day, d.clerks) for d in c.days] == [
        (23, ("Ana Popescu",)), (24, ("Ana Popescu",)), (25, ("Ana Popescu", "Mihai Ionescu")),
        (26, ()), (27, ("Ana Popescu",)),
    ]
    assert c.summary == "Zile lucrătoare fără înregistrări (1 din 5): joi 26 nov."


def test_daily_in_a_week_in_progress_counts_days_up_to_today():
    wednesday = date(2026, 11, 25)
    done = [row(date(2026, 11, d), "monitorizare-presa", lucrari=1) for d in (23, 24, 25)]
    report = build_report(CATALOG, done, WEEK, today=wednesday)
    assert cells(report, "presa", "monitorizare-presa") == ("Zilnic", "Zilnic")
    assert (report.offices[0].completeness.elapsed, report.offices[0].completeness.upcoming) == (3, 2)
    report = build_report(CATALOG, done[:2], WEEK, today=wednesday)
    assert cells(report, "presa", "monitorizare-presa") == ("2 zile", "2 zile")
    assert report.offices[0].completeness.summary == "Zile lucrătoare fără înregistrări (1 din 3): mie. 25 nov."
    report = build_report(CATALOG, done[:1], WEEK, today=wednesday)
    assert cells(report, "presa", "monitorizare-presa") == ("1 zi", "1 zi")


def test_daily_in_a_week_with_holidays():
    week49 = Period.iso_week(2026, 49)  # 30 November and 1 December are holidays
    done = [row(date(2026, 12, d), "monitorizare-presa", lucrari=1) for d in (2, 3, 4)]
    report = build_report(CATALOG, done, week49, today=date(2026, 12, 4))
    assert report.working_days == (date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4))
    assert cells(report, "presa", "monitorizare-presa") == ("Zilnic", "Zilnic")
    assert [d.day.day for d in report.offices[0].completeness.days] == [2, 3, 4]


def test_daily_over_a_month_uses_de():
    month = Period.between(date(2026, 11, 1), date(2026, 11, 30))
    days = month.working_days  # 20 days; all but the last done
    rows = [row(d, "monitorizare-presa", lucrari=1) for d in days[:-1]]
    rows.append(row(date(2026, 11, 28), "monitorizare-presa", lucrari=1))  # and on a Saturday
    report = build_report(CATALOG, rows, month, today=date(2026, 12, 10))
    assert cells(report, "presa", "monitorizare-presa") == ("20 de zile", "20 de zile")
    c = report.offices[0].completeness
    saturday = next(d for d in c.days if d.day == date(2026, 11, 28))
    assert saturday.working is False and saturday.clerks == ("Ana Popescu",)
    assert [d.day for d in c.missing] == [date(2026, 11, 27)]


def test_weekend_counts_are_included():
    rows = [
        row(date(2026, 11, 27), "adrese-email", lucrari=3),
        row(date(2026, 11, 28), "adrese-email", clerk="mihai", lucrari=4),  # Saturday
        row(date(2026, 11, 28), "adrese-email", clerk="Bogdan", lucrari=None, documente=9),  # not applicable
    ]
    report = build_report(CATALOG, rows, WEEK, today=date(2026, 11, 30))
    assert cells(report, "presa", "adrese-email") == ("7", "")
    saturday = report.offices[0].completeness.days[-1]
    assert (saturday.day, saturday.clerks, saturday.working) == (date(2026, 11, 28), ("Bogdan", "mihai"), False)


def test_breakdown_sums_parts_in_catalog_order():
    rows = [
        row(date(2026, 11, 23), "solicitari-presa", part="scrise", lucrari=2),
        row(date(2026, 11, 24), "solicitari-presa", part="telefonice", lucrari=1),
        row(date(2026, 11, 24), "solicitari-presa", clerk="Mihai", part="telefonice", lucrari=20),
    ]
    report = build_report(CATALOG, rows, WEEK, today=FRIDAY)
    assert cells(report, "presa", "solicitari-presa") == ("- 21 discuții telefonice\n- 2 scrise", "")


def test_orphan_rows_are_counted_not_shown():
    rows = seed_rows(CATALOG, WEEK.working_days) + [
        row(date(2026, 11, 24), "activitate-stearsa", lucrari=5),
        row(date(2026, 11, 24), "solicitari-presa", part="fax", lucrari=2),
        row(date(2026, 11, 24), "solicitari-presa", part="", lucrari=2),
        row(date(2026, 11, 25), "l544-studiere", part="telefonice", lucrari=9),
        row(date(2026, 11, 25), "activitate-stearsa", office="consiliere", clerk="Elena Dumitrescu", lucrari=1),
    ]
    report = build_report(CATALOG, rows, WEEK, today=FRIDAY, read_at=READ_AT)
    assert table(report.offices[0]) == flat(DOCUMENT["presa"])
    assert table(report.offices[1]) == flat(DOCUMENT["consiliere"])
    assert (report.orphans, report.offices[0].orphans, report.offices[1].orphans) == (5, 4, 1)
    assert report.orphan_keys == (
        "consiliere/activitate-stearsa",
        "presa/activitate-stearsa",
        "presa/l544-studiere/telefonice",
        "presa/solicitari-presa",
        "presa/solicitari-presa/fax",
    )
    assert report.notices == (
        "5 înregistrări se referă la activități care nu mai sunt în catalog și nu apar în tabel.",
    )


def test_notices_for_stale_pending_problems():
    read_at = datetime(2026, 11, 27, 14, 42, tzinfo=timezone.utc)
    report = build_report(CATALOG, [], WEEK, today=FRIDAY, read_at=read_at, stale=True, pending=1, problems=21)
    assert report.notices == (
        "Foaia de calcul nu a răspuns la timp; se afișează ultima citire reușită "
        "(date din 27 noiembrie 2026, 16:42).",
        "O înregistrare salvată local nu a ajuns încă în foaia de calcul și poate lipsi din raport.",
        "21 de celule din foile de calcul nu au putut fi citite și nu sunt incluse în raport.",
    )
    report = build_report(CATALOG, [], WEEK, today=FRIDAY, pending=3, problems=1)
    assert report.notices == (
        "3 înregistrări salvate local nu au ajuns încă în foaia de calcul și pot lipsi din raport.",
        "O celulă din foile de calcul nu a putut fi citită și nu este inclusă în raport.",
    )


# -- the Jinja macro ------------------------------------------------------------------


def render(report):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    template = env.from_string(
        '{% from "report_table.html" import render_report, render_notices %}'
        "{{ render_notices(report) }}{{ render_report(report) }}"
    )
    return template.render(report=report)


class TableReader(HTMLParser):
    """Collects, per <table>: caption, header cells and the body rows with
    rowspans resolved, so the HTML can be compared with the document."""

    def __init__(self):
        super().__init__()
        self.tables, self.h2, self.stack, self.text = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag in ("caption", "th", "td", "h2"):
            self.text, self.attrs = [], attrs
        elif tag == "br" and self.text is not None:
            self.text.append("\n")
        elif tag == "tr" and "thead" not in self.stack:
            self.tables[-1]["rows"].append([])
        self.stack.append(tag)

    def handle_endtag(self, tag):
        self.stack.pop()
        if tag in ("caption", "th", "td", "h2") and self.text is not None:
            text = " ".join("".join(self.text).split(" ")).strip()
            if tag == "h2":
                self.h2.append(text)
            elif tag == "caption":
                self.tables[-1]["caption"] = text
            elif "thead" in self.stack:
                self.tables[-1]["head"].append((text, self.attrs.get("scope")))
            else:
                self.tables[-1]["rows"][-1].append((tag, text, self.attrs))
            self.text = None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(" ".join(data.split()) if data.strip() else "")


def html_table(table):
    """(work type, activity, lucrări, documente) per body row, rowspans resolved."""
    out, current, left = [], None, 0
    for cells_ in table["rows"]:
        if cells_[0][0] == "th":
            tag, current, attrs = cells_[0]
            assert attrs["scope"] == "rowgroup"
            left = int(attrs["rowspan"])
            cells_ = cells_[1:]
        assert left > 0
        left -= 1
        out.append((current, *(text for _, text, _ in cells_)))
    return out


def test_macro_renders_the_document_tables():
    report = seed_report()
    html = render(report)
    reader = TableReader()
    reader.feed(html)
    assert reader.h2 == ["SERVICIUL PRESĂ", "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"]
    assert [t["caption"] for t in reader.tables] == [
        "SERVICIUL PRESĂ – Săptămâna 23–27 noiembrie 2026",
        "SERVICIUL CONSILIERE ȘI ÎNDRUMARE – Săptămâna 23–27 noiembrie 2026",
    ]
    for t in reader.tables:
        assert t["head"] == [(h, "col") for h in HEADERS]
    assert html_table(reader.tables[0]) == flat(DOCUMENT["presa"])
    assert html_table(reader.tables[1]) == flat(DOCUMENT["consiliere"])
    assert '<th scope="rowgroup" rowspan="7" class="report-worktype">' in html
    assert '<td class="report-count report-number">12</td>' in html
    assert "- 73 discuții telefonice<br>- 1 scrisă" in html
    assert html.count("<tbody>") == len(DOCUMENT["presa"]) + len(DOCUMENT["consiliere"])
    assert html.count("Date la zi: 27 noiembrie 2026, 16:42") == 2
    assert "Toate zilele lucrătoare de până azi au înregistrări." in html
    assert "vineri, 27 noiembrie:</span>\n      Ana Popescu, Mihai Ionescu" in html
    assert "report-notices" not in html  # nothing to warn about
    assert "href" not in html


def test_macro_shows_missing_days_notices_and_orphans():
    rows = [
        row(date(2026, 11, 23), "adrese-email", lucrari=1),
        row(date(2026, 11, 24), "sters", lucrari=1),
    ]
    report = build_report(CATALOG, rows, WEEK, offices=["presa"], today=date(2026, 11, 25), pending=2)
    html = render(report)
    assert '<div class="report-notices" role="status">' in html
    assert "2 înregistrări salvate local nu au ajuns încă" in html
    assert "Zile lucrătoare fără înregistrări (1 din 3): mie. 25 nov." in html
    assert "miercuri, 25 noiembrie:</span>\n      <strong>fără înregistrări</strong>" in html
    assert "Înregistrări care nu apar în tabel (activități scoase din catalog): 1." in html
    assert "Date la zi" not in html  # no read_at given


def test_macro_escapes_hostile_catalog_and_clerk_text():
    evil = "<script>alert(1)</script>"
    catalog = Catalog((
        Office("rau", f"Serviciul {evil}", (
            WorkType('<img src=x onerror="alert(1)">', (
                Activity("a", "a", f"Text {evil} & co", ("lucrari", "documente")),
                Activity("b", "b", "Zilnic?", ("documente",), kind="breakdown",
                         parts=(Part("p", "P", "<b>unu</b>", "<b>multe</b>"),)),
            )),
        )),
    ))
    rows = [
        Row("rau", date(2026, 11, 23), "a", clerk=evil, lucrari=1),
        Row("rau", date(2026, 11, 23), "b", clerk="x", documente=2, part="p"),
    ]
    report = build_report(catalog, rows, WEEK, today=FRIDAY)
    html = render(report)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "Serviciul &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "Text &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "- 2 &lt;b&gt;multe&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.split('class="report-completeness"')[1]


# -- hygiene ----------------------------------------------------------------------------


def test_no_cedilla_letters_in_report_files():
    files = [*ROOT.joinpath("reports").glob("*.py"), ROOT / "templates" / "report_table.html",
             ROOT / "static" / "report.css", *ROOT.joinpath("tests").glob("test_report*.py"),
             ROOT / "tests" / "test_periods.py", ROOT / "tests" / "test_xlsx.py"]
    for path in files:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            assert not set(text) & set("\u015e\u015f\u0162\u0163"), path


def test_a_list_of_missing_days_ending_in_an_abbreviation_takes_one_full_stop():
    from reports.model import Completeness, PersonStatus

    many = tuple(date(2025, 12, d) for d in (1, 2, 3, 4, 5, 8, 31))  # more than listed one by one
    few = (date(2025, 5, 5),)
    c = Completeness(days=(), elapsed=20, people=(PersonStatus("ana", missing=many), PersonStatus("ion", absent=few)))
    assert c.people_summary == ("Funcționari cu zile necompletate: ana — 7 zile, între lun. 1 dec. și mie. 31 dec. "
                                "Absențe: ion — 1 zi (lun. 5 mai).")
