"""Sign-in, sign-out and the administrators' user management."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from domain.romanian import duration_phrase
from views.access import catalog, require_admin, state, users
from forms.base import TextForm
from state.users import MIN_PASSWORD, ROLE_LABELS, UserError

bp = Blueprint("auth", __name__)


class LoginForm(TextForm):
    username = StringField("Utilizator", validators=[DataRequired("Introduceți numele de utilizator.")])
    password = PasswordField("Parolă", validators=[DataRequired("Introduceți parola.")])
    remember = BooleanField("Ține-mă minte pe acest calculator")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lasts = duration_phrase(current_app.config["REMEMBER_COOKIE_DURATION"])
        self.remember.label.text = f"Ține-mă minte pe acest calculator ({lasts})"


class LogoutForm(TextForm):
    pass


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_PASSWORD_RULES = [DataRequired("Introduceți parola."),
                   Length(min=MIN_PASSWORD, message=f"Parola trebuie să aibă cel puțin {MIN_PASSWORD} caractere.")]


class NewUserForm(TextForm):
    username = StringField("Utilizator", validators=[DataRequired("Introduceți numele de utilizator."),
                                                      Length(max=64, message="Cel mult 64 de caractere.")])
    # Choices are checked by UserStore.add, with Romanian messages.
    role = SelectField("Rol", choices=[(k, v) for k, v in ROLE_LABELS.items()], validate_choice=False)
    offices = MultiCheckbox("Servicii (pentru funcționari)", choices=[], validate_choice=False)
    password = PasswordField("Parolă", validators=_PASSWORD_RULES)
    confirm = PasswordField("Confirmați parola", validators=[EqualTo("password", "Parolele nu coincid.")])


class PasswordForm(TextForm):
    password = PasswordField("Parolă nouă", validators=_PASSWORD_RULES)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, scheme or '//' trick."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("entry.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("entry.home")
    return target


def _throttle_keys(username: str) -> list[str]:
    return [f"user:{username.strip().lower()}", f"addr:{request.remote_addr or '-'}"]


def _reserve_attempt(keys: list[str]) -> list[int] | None:
    """Count this sign-in attempt before the password is checked: None when a
    key already has LOGIN_MAX_ATTEMPTS failures in the window, else the ids of
    the attempt rows just recorded (a success removes them again).

    Check and record happen in one ``BEGIN IMMEDIATE`` transaction, so
    guesses sent at the same moment to several workers (processes sharing
    the instance folder) see each other: at most LOGIN_MAX_ATTEMPTS passwords
    are ever checked per window, however parallel the guessing."""
    cfg = current_app.config
    now = time.time()
    since = now - cfg["LOGIN_WINDOW_SECONDS"]
    with state().transaction() as con:
        for key in keys:
            n = con.execute("SELECT COUNT(*) FROM login_attempts WHERE key=? AND at>?", (key, since)).fetchone()[0]
            if n >= cfg["LOGIN_MAX_ATTEMPTS"]:
                return None
        con.execute("DELETE FROM login_attempts WHERE at<?", (now - 86400,))
        return [con.execute("INSERT INTO login_attempts (key, at) VALUES (?, ?)", (k, now)).lastrowid for k in keys]


def _release_attempt(ids: list[int]) -> None:
    with state().transaction() as con:
        con.executemany("DELETE FROM login_attempts WHERE rowid=?", [(i,) for i in ids])


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        attempt = _reserve_attempt(_throttle_keys(form.username.data))
        if attempt is None:
            wait = duration_phrase(current_app.config["LOGIN_WINDOW_SECONDS"])
            form.form_errors.append(f"Prea multe încercări eșuate. Reîncercați peste {wait}.")
            status = 429
        else:
            user = users().authenticate(form.username.data, form.password.data)
            if user is None:
                form.form_errors.append("Utilizator sau parolă greșită.")
                status = 401
            else:
                _release_attempt(attempt)
                login_user(user, remember=form.remember.data)
                return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", form=form, first_run=users().count() == 0), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("V-ați deconectat.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users_page():
    require_admin()
    form = NewUserForm()
    form.offices.choices = [(o.slug, o.title) for o in catalog().offices]
    if form.validate_on_submit():
        try:
            users().add(form.username.data, form.password.data, form.role.data,
                        form.offices.data if form.role.data == "clerk" else (), catalog().slugs)
        except UserError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"Utilizatorul „{form.username.data.strip()}” a fost creat.", "success")
            return redirect(url_for("auth.users_page"))
    return render_template("users.html", form=form, users=users().all(), roles=ROLE_LABELS,
                           offices={o.slug: o.title for o in catalog().offices}, password_form=PasswordForm(),
                           action_form=LogoutForm())


@bp.route("/users/<username>/password", methods=["POST"])
@login_required
def set_password(username):
    require_admin()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users().set_password(username, form.password.data)
            flash(f"Parola utilizatorului „{username}” a fost schimbată.", "success")
        except UserError as exc:
            flash(str(exc), "error")
    else:
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("auth.users_page"))


@bp.route("/users/<username>/disable", methods=["POST"])
@login_required
def disable(username):
    require_admin()
    if LogoutForm().validate_on_submit():
        try:
            enable = request.form.get("enable") == "1"
            users().set_disabled(username, not enable)
            flash(f"Utilizatorul „{username}” a fost {'reactivat' if enable else 'dezactivat'}.", "success")
        except UserError as exc:
            flash(str(exc), "error")
    return redirect(url_for("auth.users_page"))



