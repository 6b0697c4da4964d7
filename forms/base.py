"""The base of every form of the app: fields are read from posted form
fields only.

Flask-WTF also feeds a form from uploaded files and from a JSON body; a file
or a JSON number in a text field then reaches code that expects text (and
ended in a 500). No page of the app uploads files or posts JSON, so such a
request is refused with a Romanian 400 before any field is read.
"""
from __future__ import annotations

from flask import abort, request
from flask_wtf import FlaskForm

NOT_A_FORM = ("Cererea nu vine din formularul aplicației (fișierele și datele JSON nu sunt primite). "
              "Reîncărcați pagina și trimiteți formularul din nou.")


class TextForm(FlaskForm):
    class Meta:
        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None or wrapped is formdata:
                return wrapped  # not submitted, or formdata given explicitly
            if request.files or (not request.form and request.is_json):
                abort(400, description=NOT_A_FORM)
            return request.form


#: Bidirectional embeddings, overrides and isolates (and the marks): text
#: that shows in another order than it is stored, e.g. in the spreadsheet.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def bad_character(text: str | None) -> str | None:
    """How a free text's first forbidden character is named (a control
    character other than tab and newline, or a bidi control), or None."""
    import unicodedata

    for i, c in enumerate(text or ""):
        if c in "\t\n" or (c == "\r" and text[i + 1:i + 2] == "\n"):
            continue
        if c in BIDI_CONTROLS:
            return f"control de direcție a textului U+{ord(c):04X}"
        if unicodedata.category(c) == "Cc":
            return f"caracter de control U+{ord(c):04X}"
    return None


class PlainText:
    """WTForms validator: free text without control characters (tab and
    newline allowed) or bidi controls, which would reach the spreadsheet."""

    def __call__(self, form, field):
        from wtforms.validators import ValidationError

        bad = bad_character(field.data if isinstance(field.data, str) else "")
        if bad:
            raise ValidationError(f"Textul conține un caracter nepermis ({bad}); ștergeți-l și trimiteți din nou.")
