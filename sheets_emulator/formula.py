"""A very small formula evaluator: what a person typically types in a report sheet.

Supported: number literals (in the spreadsheet's locale: ``1.5`` in en_US,
``1,5`` in ro_RO), string literals, ``+ - * / ^``, unary minus, parentheses
and ``SUM(...)`` whose arguments are ranges (``G2:G5``, ``'Other sheet'!B:B``,
a single cell), numbers or expressions; arguments are separated by ``,``
(en_US) or ``;`` (ro_RO).  In ranges SUM adds numbers (and the numeric results
of formulas) and ignores text, booleans and empty cells, like Google.

Anything else is an error value, rendered as Google shows it: unknown
functions and names -- including bare cell references outside SUM, which the
emulator does not evaluate -- are ``#NAME?``; a formula that does not parse is
``#ERROR!``; division by zero ``#DIV/0!``; text in arithmetic ``#VALUE!``; a
circular reference or a reference to a missing sheet ``#REF!``.
"""

from __future__ import annotations

import math
import re
from typing import Any, List, Optional, Set, Tuple

from . import a1 as A1

ERROR_TYPES = {
    "#NAME?": "NAME",
    "#ERROR!": "ERROR",
    "#DIV/0!": "DIV_ZERO",
    "#VALUE!": "VALUE",
    "#REF!": "REF",
    "#NUM!": "NUM",
}


class FormulaError(Exception):
    """An error value ("#NAME?", "#ERROR!", ...) with Google's kind of message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def type(self) -> str:
        return ERROR_TYPES.get(self.code, "ERROR")


def _parse_error(formula: str) -> FormulaError:
    return FormulaError("#ERROR!", "Formula parse error.")


_REF_RE = re.compile(
    r"^(?:(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!)?(?:\$?[A-Za-z]{1,3}\$?[0-9]+(?::\$?[A-Za-z]{1,3}\$?[0-9]+)?"
    r"|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?[0-9]+:\$?[0-9]+|\$?[A-Za-z]{1,3}\$?[0-9]+:\$?[A-Za-z]{1,3})$"
)


def _tokenize(body: str, decimal: str, argsep: str) -> List[Tuple[str, str]]:
    number = r"[0-9]+(?:\%s[0-9]*)?(?:[eE][+-]?[0-9]+)?|\%s[0-9]+(?:[eE][+-]?[0-9]+)?" % (decimal, decimal)
    spec = [
        ("ws", r"\s+"),
        ("str", r'"(?:[^"]|"")*"'),
        ("ref", r"(?:'(?:[^']|'')+'|[^\W\d][\w.]*)![$A-Za-z0-9:]+"),
        ("num", number),
        ("name", r"[$A-Za-z_][$\w.]*(?::[$A-Za-z0-9]+)?"),
        ("op", r"[-+*/^()]"),
        ("sep", re.escape(argsep)),
    ]
    rx = re.compile("|".join("(?P<%s>%s)" % pair for pair in spec))
    out: List[Tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        m = rx.match(body, pos)
        if not m or m.end() == pos:
            raise _parse_error(body)
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


class _Range:
    def __init__(self, text: str):
        self.text = text


class Evaluator:
    """Evaluate formulas of cells in one spreadsheet (``sheet.spreadsheet`` gives the others)."""

    def __init__(self, locale: str = "en_US"):
        self.locale = locale
        self.decimal, self.argsep = (",", ";") if locale == "ro_RO" else (".", ",")
        self._visiting: Set[Tuple[int, int, int]] = set()

    # ------------------------------------------------------------ public
    def cell(self, sheet: Any, r: int, c: int) -> Any:
        """Value of a formula cell: float / str / bool, or raises FormulaError."""
        key = (id(sheet), r, c)
        if key in self._visiting:
            raise FormulaError("#REF!", "Circular dependency detected. To resolve with iterative "
                                        "calculation, see File > Settings.")
        cell = sheet.get(r, c) or {}
        formula = (cell.get("userEnteredValue") or {}).get("formulaValue")
        if formula is None:
            raise FormulaError("#ERROR!", "Not a formula.")
        self._visiting.add(key)
        try:
            return self.evaluate(formula, sheet)
        finally:
            self._visiting.discard(key)

    def evaluate(self, formula: str, sheet: Any) -> Any:
        body = formula[1:] if formula.startswith("=") else formula
        tokens = _tokenize(body, self.decimal, self.argsep)
        if not tokens:
            raise _parse_error(formula)
        self._tokens, self._pos, self._sheet = tokens, 0, sheet
        value = self._expr()
        if self._pos != len(self._tokens):
            raise _parse_error(formula)
        if isinstance(value, _Range):
            raise FormulaError("#NAME?", "Cell references outside SUM are not evaluated by the emulator.")
        if isinstance(value, float) and not math.isfinite(value):
            raise FormulaError("#NUM!", "The result is too large.")
        return value

    # ------------------------------------------------------------ parser
    def _peek(self) -> Optional[Tuple[str, str]]:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else None

    def _take(self) -> Tuple[str, str]:
        tok = self._peek()
        if tok is None:
            raise _parse_error("")
        self._pos += 1
        return tok

    def _expect(self, kind: str, text: str) -> None:
        tok = self._take()
        if tok != (kind, text):
            raise _parse_error("")

    def _expr(self) -> Any:
        value = self._term()
        while self._peek() in (("op", "+"), ("op", "-")):
            op = self._take()[1]
            right = self._term()
            a, b = self._num(value), self._num(right)
            value = a + b if op == "+" else a - b
        return value

    def _term(self) -> Any:
        value = self._power()
        while self._peek() in (("op", "*"), ("op", "/")):
            op = self._take()[1]
            right = self._power()
            a, b = self._num(value), self._num(right)
            if op == "*":
                value = a * b
            else:
                if b == 0:
                    raise FormulaError("#DIV/0!", "Function DIVIDE parameter 2 cannot be zero.")
                value = a / b
        return value

    def _power(self) -> Any:
        value = self._unary()
        while self._peek() == ("op", "^"):
            self._take()
            right = self._unary()
            try:
                value = float(self._num(value) ** self._num(right))
            except (OverflowError, ZeroDivisionError, ValueError):
                raise FormulaError("#NUM!", "POW evaluates to an out of range value.")
            if isinstance(value, complex):
                raise FormulaError("#NUM!", "POW evaluates to an out of range value.")
        return value

    def _unary(self) -> Any:
        tok = self._peek()
        if tok in (("op", "-"), ("op", "+")):
            self._take()
            value = self._num(self._unary())
            return -value if tok[1] == "-" else value
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "num":
            return float(text.replace(self.decimal, "."))
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "op" and text == "(":
            value = self._expr()
            self._expect("op", ")")
            return value
        if kind == "ref":
            return _Range(text)
        if kind == "name":
            if self._peek() == ("op", "("):
                self._take()
                return self._call(text)
            upper = text.upper()
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            if _REF_RE.match(text):
                return _Range(text)
            raise FormulaError("#NAME?", "Unknown range name: '%s'." % upper)
        raise _parse_error("")

    def _call(self, name: str) -> Any:
        args: List[Any] = []
        if self._peek() != ("op", ")"):
            while True:
                args.append(self._expr())
                if self._peek() == ("sep", self.argsep):
                    self._take()
                    continue
                break
        self._expect("op", ")")
        if name.upper() != "SUM":
            raise FormulaError("#NAME?", "Unknown function: '%s'." % name.lower())
        total = 0.0
        for arg in args:
            if isinstance(arg, _Range):
                total += self._sum_range(arg.text)
            else:
                total += self._num(arg)
        return total

    # ------------------------------------------------------------ values
    def _num(self, value: Any) -> float:
        if isinstance(value, _Range):
            raise FormulaError("#NAME?", "Cell references outside SUM are not evaluated by the emulator.")
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            if value == "":
                return 0.0
            raise FormulaError("#VALUE!", "Function ADD parameter 1 expects number values. But '%s' is a "
                                          "text and cannot be coerced to a number." % value)
        raise FormulaError("#VALUE!", "Not a number.")

    def _sum_range(self, text: str) -> float:
        sheet = self._sheet
        if "!" in text:
            try:
                parsed = A1.parse_range(text)
            except A1.A1Error:
                raise FormulaError("#ERROR!", "Formula parse error.")
            ss = getattr(sheet, "spreadsheet", None)
            target = ss.find_title(parsed.sheet) if ss is not None else None
            if target is None:
                raise FormulaError("#REF!", "Unresolved sheet name '%s'." % parsed.sheet)
            sheet = target
            box = parsed.cells
        else:
            try:
                box = A1.parse_cells(text)
            except A1.A1Error:
                raise FormulaError("#NAME?", "Unknown range name: '%s'." % text.upper())
        r0, r1, c0, c1 = box.clip(sheet.rows, sheet.cols)
        total = 0.0
        for (r, c), cell in list(sheet.cells.items()):
            if not (r0 <= r < r1 and c0 <= c < c1):
                continue
            ev = (cell or {}).get("userEnteredValue") or {}
            if "numberValue" in ev:
                total += float(ev["numberValue"])
            elif "formulaValue" in ev:
                saved = (self._tokens, self._pos, self._sheet)
                try:
                    value = self.cell(sheet, r, c)
                finally:
                    self._tokens, self._pos, self._sheet = saved
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    total += float(value)
        return total


def evaluate_cell(sheet: Any, r: int, c: int, locale: str = "en_US") -> Any:
    """float / str / bool of a formula cell, or raise FormulaError."""
    return Evaluator(locale).cell(sheet, r, c)


def evaluate_formula(formula: str, sheet: Any = None, locale: str = "en_US") -> Any:
    return Evaluator(locale).evaluate(formula, sheet)
