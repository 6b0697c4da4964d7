"""What the Google store knows of the spreadsheet's worksheets: their
properties by sheet id and title (the metadata), each office's worksheet
(remembered by sheet id in the outbox database, so a renamed worksheet is
still found), each worksheet's header (where our columns are), and the
worksheets created here.

``Directory`` owns that state and the lock guarding it; the records it hands
out (``SheetInfo``, ``Meta``, ``HeaderRecord``) are never changed in place.
"""
from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, NamedTuple, Sequence

from .cells import parse_count, parse_day, strip_cell
from .client import SheetsClient
from .layout import HEADER, KEYS, HeaderMap, ParsedSheet, column_letters, normalise, parse_sheet, quote_title
from .outbox import Outbox
from .tuning import Tuning

log = logging.getLogger(__name__)

NEW_SHEET_ROWS = 2  # the header (frozen) and one empty row; appends insert rows


@dataclass(frozen=True)
class SheetInfo:
    sheet_id: int
    title: str
    rows: int
    cols: int
    frozen: int


@dataclass(frozen=True)
class Meta:
    locale: str
    sheets: Mapping[int, SheetInfo]  # sheetId -> SheetInfo
    fetched_at: float

    def by_title(self, title: str) -> SheetInfo | None:
        wanted = normalise(title)
        return next((s for s in self.sheets.values() if normalise(s.title) == wanted), None)


class HeaderRecord(NamedTuple):
    """A worksheet's header as last seen."""

    sheet_id: int
    header: HeaderMap
    seen_at: float  # clock()


class Directory:
    def __init__(self, client: SheetsClient, catalog, outbox: Outbox, tuning: Tuning):
        self.client = client
        self.catalog = catalog
        self.outbox = outbox
        self.tuning = tuning
        self._lock = threading.Lock()  # guards the four below
        self._meta: Meta | None = None
        self._remembered: dict[str, tuple[int, str]] = outbox.sheet_ids()  # office -> (sheetId, title)
        self._headers: dict[str, HeaderRecord] = {}  # office -> its worksheet's header
        self._created_here: set[int] = set()  # worksheets this process created and has not written yet
        self.on_metadata = None  # on_metadata(Meta) after each metadata read (the capacity page's cell count)

    def title(self, office: str) -> str:
        o = self.catalog.office(office)
        return o.title if o is not None else office

    # -- metadata -------------------------------------------------------------

    def metadata(self, refresh: bool = False) -> Meta:
        with self._lock:
            meta = self._meta
        if meta is not None and not refresh:
            return meta
        data = self.client.metadata()
        sheets = {}
        for s in data.get("sheets", []):
            p = s.get("properties", {})
            gp = p.get("gridProperties", {})
            sid = int(p.get("sheetId", 0))
            sheets[sid] = SheetInfo(sid, p.get("title", ""), gp.get("rowCount", 0), gp.get("columnCount", 0),
                                    gp.get("frozenRowCount", 0))
        meta = Meta(data.get("properties", {}).get("locale", ""), sheets, self.tuning.clock())
        with self._lock:
            self._meta = meta
        if self.on_metadata is not None:
            self.on_metadata(meta)
        return meta

    def forget(self) -> None:
        """Look the worksheets and their headers up again at the next need."""
        with self._lock:
            self._meta = None
            self._headers.clear()

    def _changed(self, old: SheetInfo, new: SheetInfo) -> None:
        """``old``, as known in the metadata, is now ``new``."""
        with self._lock:
            meta = self._meta
            if meta is not None and meta.sheets.get(old.sheet_id) is old:
                self._meta = replace(meta, sheets={**meta.sheets, new.sheet_id: new})
                meta = self._meta
        if meta is not None and self.on_metadata is not None:
            self.on_metadata(meta)

    def _remember(self, office: str, info: SheetInfo) -> None:
        self.outbox.remember_sheet(office, info.sheet_id, info.title)
        with self._lock:
            self._remembered[office] = (info.sheet_id, info.title)

    def remembered(self) -> dict[str, tuple[int, str]]:
        with self._lock:
            return dict(self._remembered)

    def former_titles(self, office: str) -> list[str]:
        """The office's earlier titles in the catalog's versions, newest first."""
        titles = getattr(self.catalog, "former_titles", None)
        return list(titles(office)) if titles else []

    def resolve(self, office: str, meta: Meta) -> SheetInfo | None:
        """The office's worksheet: the remembered sheetId (survives renames),
        else a worksheet titled like the office (or like one of its former
        titles). A worksheet still named after a former title of the office
        (an administrator renamed the office) is renamed to the current one;
        a name a person gave it by hand is left alone."""
        known = self._remembered.get(office)
        if known and known[0] in meta.sheets:
            info = meta.sheets[known[0]]
        else:
            info = meta.by_title(self.title(office))
            for former in self.former_titles(office) if info is None else ():
                info = meta.by_title(former)
                if info is not None:
                    break
            if info is None:
                return None
        info = self._follow_catalog_title(office, info, meta)
        if known != (info.sheet_id, info.title):
            self._remember(office, info)
        return info

    def _follow_catalog_title(self, office: str, info: SheetInfo, meta: Meta) -> SheetInfo:
        wanted = self.title(office)
        if normalise(info.title) == normalise(wanted) or info.title == wanted:
            return info
        if not any(info.title == t for t in self.former_titles(office)):
            return info  # renamed by a person: theirs to name
        clash = meta.by_title(wanted)
        if clash is not None and clash.sheet_id != info.sheet_id:
            log.warning("worksheet %r (sheetId %s) not renamed to %r: another worksheet has that name",
                        info.title, info.sheet_id, wanted)
            return info
        try:
            self.client.batch_update([{"updateSheetProperties": {
                "properties": {"sheetId": info.sheet_id, "title": wanted}, "fields": "title"}}])
        except Exception as exc:  # the next use tries again; the worksheet is still found by its id
            log.warning("worksheet %r (sheetId %s) not renamed to %r: %s", info.title, info.sheet_id, wanted, exc)
            return info
        renamed = replace(info, title=wanted)
        self._changed(info, renamed)
        self.forget_headers([office])
        return renamed

    def sheet_id(self, office: str) -> int | None:
        """The office's worksheet id, if known (no network call)."""
        known = self._remembered.get(office)
        if known:
            return known[0]
        with self._lock:
            meta = self._meta
        info = meta.by_title(self.title(office)) if meta else None
        return info.sheet_id if info else None

    def sheet(self, office: str, *, create: bool) -> SheetInfo | None:
        with self._lock:
            cached = self._meta is not None
        info = self.resolve(office, self.metadata())
        if info is not None or not create:
            return info
        if cached:  # made by another process since we looked? look again before creating
            info = self.resolve(office, self.metadata(refresh=True))
            if info is not None:
                return info
        created = self.create([office])
        with self._lock:
            self._created_here.update(i.sheet_id for i in created)  # empty: the first write may append
        return self.resolve(office, self.metadata())

    def sheets(self, offices: Sequence[str]) -> dict[str, SheetInfo]:
        """Each office's worksheet, the missing ones created together in ONE write
        (``sheet(create=True)`` for many offices), with those of the catalog's other
        offices still missing."""
        with self._lock:
            cached = self._meta is not None
        meta = self.metadata()
        found = {o: self.resolve(o, meta) for o in offices}
        missing = [o for o, info in found.items() if info is None]
        if missing and cached:  # made by another process since we looked? look again before creating
            meta = self.metadata(refresh=True)
            found.update({o: self.resolve(o, meta) for o in missing})
            missing = [o for o, info in found.items() if info is None]
        if missing:
            # with every other office of the catalog still without a worksheet: the first
            # saves of the others (minutes later, at 5 pm) then cost no write of their own
            others = [o.slug for o in self.catalog.offices if o.slug not in found and self.resolve(o.slug, meta) is None]
            created = self.create(missing + others)
            with self._lock:
                self._created_here.update(i.sheet_id for i in created)  # empty: the first write may append
            meta = self.metadata()
            found.update({o: self.resolve(o, meta) for o in missing})
        return {o: info for o, info in found.items() if info is not None}

    def fresh_header(self, office: str, info: SheetInfo) -> HeaderMap | None:
        """The header seen within ``header_max_age`` (what a blind append may trust), else None."""
        known = self._known_header(office, info)
        if known is not None and self.tuning.clock() - known.seen_at < self.tuning.header_max_age:
            return known.header
        return None

    def is_new(self, sheet_id: int) -> bool:
        """Created by this process and not written yet (so empty)."""
        with self._lock:
            return sheet_id in self._created_here

    def written(self, sheet_id: int) -> None:
        with self._lock:
            self._created_here.discard(sheet_id)

    def create(self, offices: Sequence[str]) -> list[SheetInfo]:
        """Add the offices' worksheets (bold frozen header, small grid) in ONE batchUpdate."""
        meta = self.metadata()
        used = set(meta.sheets)
        requests_, created = [], []
        for office in offices:
            sid = random.randrange(1, 2**31 - 1)
            while sid in used:
                sid = random.randrange(1, 2**31 - 1)
            used.add(sid)
            info = SheetInfo(sid, self.title(office), NEW_SHEET_ROWS, len(HEADER), 1)
            requests_.append({"addSheet": {"properties": {
                "sheetId": sid, "title": info.title,
                "gridProperties": {"rowCount": info.rows, "columnCount": info.cols, "frozenRowCount": 1}}}})
            requests_.append(header_cells(sid, 0, list(HEADER)))
            created.append((office, info))
        if not requests_:
            return []
        self.client.batch_update(requests_)
        with self._lock:
            if self._meta is not None:
                self._meta = replace(self._meta, sheets={**self._meta.sheets,
                                                          **{info.sheet_id: info for _, info in created}})
            meta = self._meta
        if meta is not None and self.on_metadata is not None:
            self.on_metadata(meta)
        with self._lock:
            for office, info in created:
                self._headers[office] = HeaderRecord(info.sheet_id, HeaderMap.standard(), self.tuning.clock())
        for office, info in created:
            self._remember(office, info)
        return [info for _, info in created]

    # -- headers --------------------------------------------------------------

    def _known_header(self, office: str, info: SheetInfo) -> HeaderRecord | None:
        with self._lock:
            known = self._headers.get(office)
        return known if known is not None and known.sheet_id == info.sheet_id else None

    def _keep_header(self, office: str, info: SheetInfo, header: HeaderMap) -> None:
        with self._lock:
            self._headers[office] = HeaderRecord(info.sheet_id, header, self.tuning.clock())

    def forget_headers(self, offices: Iterable[str]) -> None:
        with self._lock:
            for office in offices:
                self._headers.pop(office, None)

    def header(self, office: str, info: SheetInfo, fresh: bool = False) -> HeaderMap:
        """Column positions (from the last read if recent and not ``fresh``; else 1
        read of row 1), completed with any of our columns a person removed."""
        known = None if fresh else self._known_header(office, info)
        if known is not None and self.tuning.clock() - known.seen_at < self.tuning.header_max_age:
            header = known.header
        else:
            data = self.client.values_get(quote_title(info.title) + "!1:1")
            header = HeaderMap.from_row((data.get("values") or [[]])[0])
            self._keep_header(office, info, header)
        if header.missing():
            header = self.repair_header(office, info, header)
        return header

    def repair_header(self, office: str, info: SheetInfo, header: HeaderMap) -> HeaderMap:
        """Write our missing header names (1 write): a name whose cell of the
        standard layout was cleared (a blank A1) gets it back, so does the one
        cleared name of a moved column (its figures stay under it); the others
        go after the last header cell."""
        missing = header.missing()
        names_of = dict(zip(KEYS, HEADER))
        refill = {k: i for k, i in header.cleared().items()
                  if i == KEYS.index(k) or self._looks_like(info, i, k)}
        rest = [k for k in missing if k not in refill]
        start = header.width
        names = [names_of[k] for k in rest]
        requests_ = []
        if start + len(names) > info.cols:
            requests_.append({"appendDimension": {"sheetId": info.sheet_id, "dimension": "COLUMNS",
                                                  "length": start + len(names) - info.cols}})
        for key, index in refill.items():
            requests_.append(header_cells(info.sheet_id, index, [names_of[key]]))
        if names:
            requests_.append(header_cells(info.sheet_id, start, names))
        if not info.frozen:
            requests_.append({"updateSheetProperties": {
                "properties": {"sheetId": info.sheet_id, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount"}})
        self.client.batch_update(requests_)
        self._changed(info, replace(info, cols=max(info.cols, start + len(names)), frozen=max(info.frozen, 1)))
        positions = dict(header.positions)
        positions.update(refill)
        positions.update({k: start + i for i, k in enumerate(rest)})
        header = HeaderMap(positions, start + len(names), header.blank - set(refill.values()))
        self._keep_header(office, info, header)
        return header

    def _looks_like(self, info: SheetInfo, index: int, key: str) -> bool:
        """Whether the unnamed column ``index`` holds ``key``'s values (1 read):
        the count or date column whose name a person cleared after moving it,
        not a column of their own (notes, a deleted column's neighbour)."""
        parse = {"lucrari": parse_count, "documente": parse_count, "day": parse_day}.get(key)
        if parse is None:
            return False
        letter = column_letters(index)
        data = self.client.values_get(f"{quote_title(info.title)}!{letter}2:{letter}")
        cells = [strip_cell(r[0]) for r in data.get("values") or [] if r]
        cells = [c for c in cells if c]
        return bool(cells) and all(parse(c)[1] is None for c in cells)

    def parse(self, office: str, info: SheetInfo, values, meta: Meta, window: bool = False, *,
              some: dict | None = None, height: int = 0) -> ParsedSheet:
        """A worksheet's values read (its header remembered); ``some``: only these rows were read."""
        parsed = parse_sheet(values, office=office, title=info.title, sheet_id=info.sheet_id,
                             spreadsheet_id=self.client.spreadsheet_id, month_first=meta.locale == "en_US",
                             some=some, height=height)
        header = parsed.header
        if header is not None and header.positions:
            with self._lock:
                known = self._headers.get(office)
                if window and known is not None and known.sheet_id == info.sheet_id:
                    # a window shows the header up to our last column; cells after it are still there
                    header = HeaderMap(header.positions, max(header.width, known.header.width), header.blank)
                self._headers[office] = HeaderRecord(info.sheet_id, header, self.tuning.clock())
        return parsed

    def column_of(self, office: str, info: SheetInfo, key: str) -> int:
        """Where column ``key`` was in the worksheet's header last seen, else in a new worksheet's."""
        known = self._known_header(office, info)
        if known is not None and key in known.header.positions:
            return known.header.positions[key]
        return KEYS.index(key)

    def window(self, office: str, info: SheetInfo) -> str:
        """The columns to read: up to the last one of ours ("!A:L") when the
        worksheet's header is known and holds them all; else "" (whole)."""
        known = self._known_header(office, info)
        if known is None or known.header.missing():
            return ""
        return "!A:" + column_letters(max(known.header.positions.values()))

    # -- sheets init ------------------------------------------------------------

    def init(self) -> list[str]:
        """Create missing worksheets and complete headers; what was done, one line each."""
        meta = self.metadata(refresh=True)
        lines, missing, existing = [], [], []
        for office in self.catalog.offices:
            info = self.resolve(office.slug, meta)
            (existing if info else missing).append((office.slug, info))
        for info in self.create([slug for slug, _ in missing]):
            lines.append(f"created worksheet '{info.title}' (sheetId {info.sheet_id}) with its header")
        if existing:
            ranges = self.client.batch_get([quote_title(i.title) + "!1:1" for _, i in existing])
            for (slug, info), vr in zip(existing, ranges):
                header = HeaderMap.from_row((vr.get("values") or [[]])[0])
                if header.missing():
                    names = [dict(zip(KEYS, HEADER))[k] for k in header.missing()]  # wherever they go
                    self.repair_header(slug, info, header)
                    lines.append(f"worksheet '{info.title}' (sheetId {info.sheet_id}): added header columns "
                                 + ", ".join(names))
                else:
                    self._keep_header(slug, info, header)
                    lines.append(f"worksheet '{info.title}' (sheetId {info.sheet_id}) is ready")
        return lines


def header_cells(sheet_id: int, column: int, names: Sequence[str]) -> dict:
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": column},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": n},
                              "userEnteredFormat": {"textFormat": {"bold": True}}} for n in names]}],
        "fields": "userEnteredValue,userEnteredFormat.textFormat.bold"}}
