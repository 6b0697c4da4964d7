"""The raw rows download: CSV streamed a month at a time, read back whole."""
from __future__ import annotations

import csv
import io
from datetime import date

from domain.rows import Row
from reports.rows_csv import HEADERS


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_rows_of_the_period_sorted_with_hostile_text_defused(app, as_user):
    store = app.extensions["store"]
    store.save_day("presa", date(2026, 11, 24), "clerk", [
        Row("presa", date(2026, 11, 24), "solicitari-presa", "clerk", lucrari=15, part="telefonice",
            entered_at="2026-11-24T08:05:00+00:00"),
        Row("presa", date(2026, 11, 24), "l544-studiere", "clerk", lucrari=3, note="=HYPERLINK(\"x\")",
            entered_at="2026-11-24T08:05:00+00:00"),
    ])
    store.save_day("presa", date(2026, 10, 30), "clerk2", [
        Row("presa", date(2026, 10, 30), "adrese-email", "clerk2", lucrari=2, note="-2 la arhivă",
            entered_at="2026-10-30T15:00:00+00:00")])
    store.save_day("consiliere", date(2026, 11, 2), "other", [
        Row("consiliere", date(2026, 11, 2), "centrala-telefonica", "other", lucrari=40,
            entered_at="2026-11-02T09:00:00+00:00")])
    store.save_day("presa", date(2026, 12, 1), "clerk", [
        Row("presa", date(2026, 12, 1), "adrese-email", "clerk", lucrari=9)])  # after the period
    r = as_user("supervisor").get("/report-rows.csv?from=15.10.2026&to=30.11.2026")
    assert r.status_code == 200 and r.is_streamed
    assert r.headers["Content-Disposition"] == 'attachment; filename="randuri-2026-10-15-2026-11-30.csv"'
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"  # once: not "; charset=utf-8; charset=utf-8"
    assert read_csv(r.data) == [
        list(HEADERS),
        ["30.10.2026", "SERVICIUL PRESĂ", "Adrese de e-mail", "Gestionare adrese de e-mail", "", "clerk2", "2", "",
         "'-2 la arhivă", "30.10.2026 17:00", "", ""],
        ["02.11.2026", "SERVICIUL CONSILIERE ȘI ÎNDRUMARE", "Centrala telefonică", "Apeluri la centrala telefonică", "", "other",
         "40", "", "", "02.11.2026 11:00", "", ""],
        ["24.11.2026", "SERVICIUL PRESĂ", "Rezolvarea solicitărilor formulate în baza Legii 544/2001",
         "Studiere solicitare", "", "clerk", "3", "", "'=HYPERLINK(\"x\")", "24.11.2026 10:05", "", ""],
        ["24.11.2026", "SERVICIUL PRESĂ", "Solicitări de presă verbale sau scrise", "Solicitări de presă",
         "Discuții telefonice", "clerk", "15", "", "", "24.11.2026 10:05", "", ""],
    ]
    # A clerk gets their own offices only.
    mine = read_csv(as_user("clerk").get("/report-rows.csv?from=15.10.2026&to=30.11.2026").data)
    assert {row[1] for row in mine[1:]} == {"SERVICIUL PRESĂ"}
