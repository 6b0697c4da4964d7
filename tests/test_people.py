"""Completeness per person: a member clerk who entered nothing is named, an
office is not complete while one of its clerks is missing, and a clerk a
supervisor marked absent is not counted missing."""
from __future__ import annotations

import io
import re
from datetime import date

import openpyxl

from domain.rows import Row

W48 = [date(2026, 11, d) for d in range(23, 28)]  # Mon–Fri, the suite's week
W49 = [date(2026, 12, d) for d in (2, 3, 4)]  # 30 Nov and 1 Dec are holidays


def enter(app, clerk, days, office="presa"):
    store = app.extensions["store"]
    for d in days:
        store.save_day(office, d, clerk, [Row(office, d, "adrese-email", clerk, lucrari=1)])


def people(html: str, slug: str = "presa") -> list[str]:
    """The report's list of an office's clerks, one text per clerk."""
    block = html.split(f'aria-label="Funcționarii serviciului, ', 1)
    assert len(block) == 2, "no list of clerks"
    items = re.findall(r"<li[^>]*>(.*?)</li>", block[1].split("</ul>", 1)[0], re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", i).split()) for i in items]


def test_a_silent_clerk_is_listed_as_missing(app, as_user):
    enter(app, "clerk", W48)  # clerk2 enters nothing all week
    sup = as_user("supervisor")
    html = sup.get("/report?week=2026-W48&service=presa").get_data(as_text=True)
    assert "Toate zilele lucrătoare de până azi au înregistrări." not in html
    assert "Toate zilele lucrătoare de până azi au înregistrări, dar nu de la toți funcționarii." in html
    # "disabled" is a disabled account of Presă: not a member any more.
    assert people(html) == [
        "clerk: toate zilele lucrătoare completate",
        "clerk2: fără înregistrări în 5 zile (lun. 23 nov., mar. 24 nov., mie. 25 nov., joi 26 nov., vin. 27 nov.)",
    ]
    ws = openpyxl.load_workbook(io.BytesIO(sup.get("/report.xlsx?week=2026-W48&service=presa").data))["Raport"]
    status = [c.value for c in ws["A"] if c.value and "Funcționari cu zile necompletate" in str(c.value)]
    assert status and status[0].endswith(
        "Toate zilele lucrătoare de până azi au înregistrări, dar nu de la toți funcționarii. "
        "Funcționari cu zile necompletate: clerk2 — 5 zile (lun. 23 nov., mar. 24 nov., mie. 25 nov., "
        "joi 26 nov., vin. 27 nov.).")
    home = sup.get("/").get_data(as_text=True)
    listed = re.findall(r'<li class="person-missing">(.*?)</li>', home.split("Cine nu a completat", 1)[1], re.S)
    assert [" ".join(re.sub(r"<[^>]+>", "", x).split()) for x in listed] == [
        "clerk2 (SERVICIUL PRESĂ): fără înregistrări în 5 zile (lun. 23 nov., mar. 24 nov., mie. 25 nov., "
        "joi 26 nov., vin. 27 nov.)",
        "other (SERVICIUL CONSILIERE ȘI ÎNDRUMARE): fără înregistrări în 5 zile (lun. 23 nov., mar. 24 nov., "
        "mie. 25 nov., joi 26 nov., vin. 27 nov.)"]
    index = sup.get("/data/?week=2026-W48").get_data(as_text=True)
    assert "<strong>clerk2</strong>:\n      fără înregistrări în 5 zile" in index
    assert "<strong>other</strong>:\n      fără înregistrări în 5 zile" in index  # Consiliere's clerk


def test_holiday_week_and_absence_marked_by_a_supervisor(app, as_user):
    """The week of 30 Nov 2026: Monday and Tuesday are public holidays, so
    three working days. clerk2 works Wednesday, then is on leave."""
    app.extensions["clock"].set("2026-12-04T16:00")
    enter(app, "clerk", W49)
    enter(app, "clerk2", W49[:1])
    sup = as_user("supervisor")
    url = "/report?week=2026-W49&service=presa"
    assert people(sup.get(url).get_data(as_text=True)) == [
        "clerk: toate zilele lucrătoare completate",
        "clerk2: fără înregistrări în 2 zile (joi 3 dec., vin. 4 dec.)",
    ]
    r = sup.post("/data/presa/absence?week=2026-W49",
                 data={"clerk": "CLERK2", "start": "03.12.2026", "end": "06.12.2026", "action": "absent"})
    assert r.status_code == 302 and r.headers["Location"] == "/data/presa?week=2026-W49"
    page = sup.get("/data/presa?week=2026-W49").get_data(as_text=True)
    assert "clerk2 este marcat absent: 2 zile lucrătoare (3 decembrie 2026 – 6 decembrie 2026)." in page
    assert "supervisor</strong>: marcat absent, 04.12.2026 — clerk2</li>" in page
    html = sup.get(url).get_data(as_text=True)
    assert "Toate zilele lucrătoare de până azi au înregistrări." in html
    assert people(html) == [
        "clerk: toate zilele lucrătoare completate",
        "clerk2: toate zilele lucrătoare completate; absent 2 zile (joi 3 dec., vin. 4 dec.)",
    ]
    trail = app.extensions["state"].trail("presa", "2026-W49")
    assert [(t["kind"], t["day"], t["clerk"], t["by"]) for t in trail] == [
        ("absent", "2026-12-04", "clerk2", "supervisor"), ("absent", "2026-12-03", "clerk2", "supervisor")]
    # Cancelled for Friday: missing again that day.
    sup.post("/data/presa/absence?week=2026-W49",
             data={"clerk": "clerk2", "start": "2026-12-04", "end": "2026-12-04", "action": "present"})
    assert people(sup.get(url).get_data(as_text=True))[1] == (
        "clerk2: fără înregistrări în 1 zi (vin. 4 dec.); absent 1 zi (joi 3 dec.)")


def test_absence_refusals(app, as_user):
    sup = as_user("supervisor")
    cases = [
        ({"clerk": "other", "start": "23.11.2026", "end": "23.11.2026", "action": "absent"}, 400,
         "„other” nu este funcționar al serviciului SERVICIUL PRESĂ."),
        ({"clerk": "clerk2", "start": "23/11/2026", "end": "23.11.2026", "action": "absent"}, 400,
         "Data de început „23/11/2026” nu este scrisă corect. Folosiți forma ZZ.LL.AAAA, de ex. 23.11.2026."),
        ({"clerk": "clerk2", "start": "28.11.2026", "end": "29.11.2026", "action": "absent"}, 400,
         "Perioada aleasă nu are zile lucrătoare."),
        ({"clerk": "clerk2", "start": "27.11.2026", "end": "23.11.2026", "action": "absent"}, 400,
         "Data de început (27 noiembrie 2026) este după data de sfârșit (23 noiembrie 2026)."),
    ]
    for data, status, message in cases:
        r = sup.post("/data/presa/absence", data=data)
        assert (r.status_code, message in r.get_data(as_text=True)) == (status, True), data
    app.extensions["state"].set_week("presa", "2026-W48", True, "supervisor")
    r = sup.post("/data/presa/absence", data={"clerk": "clerk2", "start": "23.11.2026", "end": "23.11.2026",
                                             "action": "absent"})
    assert r.status_code == 409
    assert "Săptămâna 2026-W48 este închisă" in r.get_data(as_text=True)
    assert app.extensions["state"].absences(["presa"], date(2026, 1, 1), date(2026, 12, 31)) == {}
    assert as_user("clerk").post("/data/presa/absence", data=cases[1][0]).status_code == 403


def test_a_clerk_added_mid_week_is_not_missing_the_days_before(app, as_user):
    """An account added on Wednesday 25 Nov (Bucharest) answers for that day
    and after, not for Monday and Tuesday; the same on the XLSX."""
    app.extensions["users"].add("nou", "parola-noua-1", "clerk", ("presa",),
                                created_at="2026-11-24T22:30:00+00:00")  # 25 Nov, 00:30 in Bucharest
    enter(app, "clerk", W48)
    enter(app, "clerk2", W48)
    enter(app, "nou", [date(2026, 11, 26)])
    sup = as_user("supervisor")
    html = sup.get("/report?week=2026-W48&service=presa").get_data(as_text=True)
    assert people(html) == [
        "clerk: toate zilele lucrătoare completate",
        "clerk2: toate zilele lucrătoare completate",
        "nou: fără înregistrări în 2 zile (mie. 25 nov., vin. 27 nov.)",
    ]
    ws = openpyxl.load_workbook(io.BytesIO(sup.get("/report.xlsx?week=2026-W48&service=presa").data))["Raport"]
    status = [c.value for c in ws["A"] if c.value and "Funcționari cu zile necompletate" in str(c.value)]
    assert status and status[0].endswith(
        "Funcționari cu zile necompletate: nou — 2 zile (mie. 25 nov., vin. 27 nov.).")


def test_the_clerks_home_lists_their_missing_days_from_their_account_on(app, as_user):
    """Friday 27 Nov: the clerk who entered nothing has all ten working days
    of this week and the last one missing; a clerk added on Wednesday 25 Nov
    only Wednesday to Friday — as links to the day's form."""
    def missing(client) -> list[str]:
        html = client.get("/").get_data(as_text=True)
        block = html.split('<p class="missing-days">', 1)[1].split("</p>", 1)[0]
        return re.findall(r'href="/entry/presa\?date=([0-9-]+)"', block)

    app.extensions["users"].add("nou", "parola-noua-1", "clerk", ("presa",),
                                created_at="2026-11-24T22:30:00+00:00")  # 25 Nov, 00:30 in Bucharest
    enter(app, "nou", [date(2026, 11, 26)])
    assert missing(as_user("clerk")) == [f"2026-11-{d}" for d in (16, 17, 18, 19, 20, 23, 24, 25, 26, 27)]
    new = app.test_client()
    assert new.post("/login", data={"username": "nou", "password": "parola-noua-1"}).status_code == 302
    assert missing(new) == ["2026-11-25", "2026-11-27"]
