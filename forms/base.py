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
