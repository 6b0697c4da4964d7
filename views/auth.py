"""Sign-in, sign-out and the administrators' user management."""
from __future__ import annotations

from urllib.parse import urlsplit

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from domain.romanian import duration_phrase
from views.access import catalog, require_admin, single_fields, state, users
from forms.base import PlainText, TextForm
from state.throttle import Attempt, LoginThrottle, wait_phrase
from state.users import ALL_OFFICES, MAX_FULL_NAME, MIN_PASSWORD, ROLE_LABELS, UserError

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


OFFICES_LABEL = ("Servicii (funcționar: cel puțin unul; șef de serviciu: cele pe care le vede și le corectează, "
                 "niciunul bifat = toate; administrator: toate)")


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
    offices = MultiCheckbox(OFFICES_LABEL, choices=[], validate_choice=False)
    full_name = StringField("Nume complet (opțional)", validators=[
        Length(max=MAX_FULL_NAME, message=f"Cel mult {MAX_FULL_NAME} de caractere."), PlainText()])
    password = PasswordField("Parolă", validators=_PASSWORD_RULES)
    confirm = PasswordField("Confirmați parola", validators=[EqualTo("password", "Parolele nu coincid.")])


class EditUserForm(TextForm):
    full_name = StringField("Nume complet", validators=[
        Length(max=MAX_FULL_NAME, message=f"Cel mult {MAX_FULL_NAME} de caractere."), PlainText()])
    role = SelectField("Rol", choices=[(k, v) for k, v in ROLE_LABELS.items()], validate_choice=False)
    offices = MultiCheckbox(OFFICES_LABEL, choices=[], validate_choice=False)


class PasswordForm(TextForm):
    password = PasswordField("Parolă nouă", validators=_PASSWORD_RULES)


class ChangePasswordForm(TextForm):
    current = PasswordField("Parola actuală", validators=[DataRequired("Introduceți parola actuală.")])
    password = PasswordField("Parola nouă", validators=_PASSWORD_RULES)
    confirm = PasswordField("Confirmați parola nouă", validators=[EqualTo("password", "Parolele nu coincid.")])


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, scheme or '//' trick."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("entry.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("entry.home")
    return target


def throttle() -> LoginThrottle:
    return LoginThrottle(state(), current_app.config)


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@bp.before_app_request
def password_first():
    """A password someone else chose (the first start's, an admin's) is
    replaced before anything else: every page leads to /password."""
    if (current_user.is_authenticated and current_user.must_change
            and request.endpoint not in ("auth.change_password", "auth.logout", "static")):
        return redirect(url_for("auth.change_password", next=request.full_path.rstrip("?")))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        name = form.username.data
        attempt = throttle().reserve(name, request.remote_addr or "-")
        if not isinstance(attempt, Attempt):
            form.form_errors.append(
                f"Prea multe încercări eșuate. Contul este blocat temporar: reîncercați peste "
                f"{wait_phrase(attempt.seconds)} sau cereți unui administrator să îl deblocheze.")
            status, headers = 429, {"Retry-After": str(max(1, round(attempt.seconds)))}
        else:
            throttle().pause(attempt)
            user = users().authenticate(name, form.password.data)
            if user is None:
                form.form_errors.append("Utilizator sau parolă greșită.")
                status = 401
            else:
                throttle().succeeded(name, attempt)
                remember = bool(form.remember.data)
                cfg = current_app.config
                lifetime = _seconds(cfg["REMEMBER_COOKIE_DURATION"] if remember else cfg["SESSION_MAX_AGE"])
                login_user(users().start_session(user, lifetime, remember), remember=remember)
                if user.must_change:
                    return redirect(url_for("auth.change_password", next=safe_next(request.args.get("next"))))
                return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", form=form, first_run=users().count() == 0), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends the session on the server too: copies of its cookies are refused."""
    if current_user.is_authenticated:
        users().end_session(current_user.get_id())
    logout_user()
    flash("V-ați deconectat.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose a new password: required after signing in with one someone else chose."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        me = current_user.username
        if not users().check_password(me, form.current.data):
            form.current.errors = ["Parola actuală nu este corectă."]
            status = 400
        elif form.password.data == form.current.data:
            form.password.errors = ["Parola nouă trebuie să fie diferită de cea actuală."]
            status = 400
        else:
            remember = users().remembered(current_user.get_id())
            users().set_password(me, form.password.data, must_change=False)  # ends every session, this one too
            cfg = current_app.config
            lifetime = _seconds(cfg["REMEMBER_COOKIE_DURATION"] if remember else cfg["SESSION_MAX_AGE"])
            login_user(users().start_session(users().get(me), lifetime, remember), remember=remember)
            flash("Parola a fost schimbată. Celelalte sesiuni ale contului au fost închise.", "success")
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("password.html", form=form, forced=current_user.must_change), status


def _offices_phrase(user, titles: dict) -> str:
    if user.all_offices:
        return ALL_OFFICES
    return ", ".join(titles.get(s, s) for s in user.offices) or "—"


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users_page():
    require_admin()
    if request.method == "POST":
        single_fields("offices")
    form = NewUserForm()
    form.offices.choices = [(o.slug, o.title) for o in catalog().offices]
    if form.validate_on_submit():
        try:
            users().add(form.username.data, form.password.data, form.role.data, form.offices.data,
                        catalog().slugs, full_name=form.full_name.data or "", must_change=True)
        except UserError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"Utilizatorul „{form.username.data.strip()}” a fost creat. La prima autentificare "
                  "își va alege o parolă nouă.", "success")
            return redirect(url_for("auth.users_page"))
    everyone = users().all()
    titles = {o.slug: o.title for o in catalog().offices}
    return render_template("users.html", form=form, users=everyone, roles=ROLE_LABELS,
                           offices_of={u.username: _offices_phrase(u, titles) for u in everyone},
                           locks=throttle().states([u.username for u in everyone]),
                           sessions=users().session_counts(), wait_phrase=wait_phrase,
                           password_form=PasswordForm(), action_form=LogoutForm())


def _existing(username):
    user = users().get(username)
    if user is None:
        abort(404, description=f"Utilizatorul „{username}” nu există.")
    return user


@bp.route("/users/<username>", methods=["GET", "POST"])
@login_required
def edit_user(username):
    """Role, offices and full name of an account."""
    require_admin()
    if request.method == "POST":
        single_fields("offices")
    user = _existing(username)
    form = EditUserForm(data={"full_name": user.full_name, "role": user.role, "offices": list(user.offices)})
    form.offices.choices = [(o.slug, o.title) for o in catalog().offices]
    status = 200
    if form.validate_on_submit():
        try:
            users().update(user.username, form.role.data, form.offices.data, form.full_name.data or "",
                           actor=current_user.username, known_offices=catalog().slugs)
        except UserError as exc:
            form.form_errors.append(str(exc))
            status = 400
        else:
            flash(f"Utilizatorul „{user.username}” a fost modificat.", "success")
            return redirect(url_for("auth.users_page"))
    elif request.method == "POST":
        status = 400
    return render_template("user_edit.html", form=form, user=user), status


@bp.route("/users/<username>/password", methods=["POST"])
@login_required
def set_password(username):
    require_admin()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            someone_else = users().get(username) is not None and \
                users().get(username).username.casefold() != current_user.username.casefold()
            users().set_password(username, form.password.data, must_change=someone_else)
            flash(f"Parola utilizatorului „{username}” a fost schimbată; sesiunile lui au fost închise"
                  + (" și la autentificare își va alege una nouă." if someone_else else "."), "success")
        except UserError as exc:
            flash(str(exc), "error")
    else:
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("auth.users_page"))


@bp.route("/users/<username>/disable", methods=["POST"])
@login_required
def disable(username):
    """Enable at once; disable only once confirmed (a page asks first)."""
    require_admin()
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    user = _existing(username)
    enable = request.form.get("enable") == "1"
    if not enable and request.form.get("confirm") != "da":
        return render_template("user_disable.html", user=user, form=form)
    try:
        users().set_disabled(user.username, not enable, actor=current_user.username)
        flash(f"Utilizatorul „{user.username}” a fost "
              + ("reactivat." if enable else "dezactivat; sesiunile lui au fost închise."), "success")
    except UserError as exc:
        flash(str(exc), "error")
    return redirect(url_for("auth.users_page"))


@bp.route("/users/<username>/sessions", methods=["POST"])
@login_required
def end_sessions(username):
    """„Închide sesiunile”: every session of the account ends (an admin's own: all but this one)."""
    require_admin()
    if not LogoutForm().validate_on_submit():
        abort(400)
    user = _existing(username)
    n = users().end_sessions(user.username, keep=current_user.get_id())
    flash(f"Sesiunile utilizatorului „{user.username}” au fost închise ({n}).", "success")
    return redirect(url_for("auth.users_page"))


@bp.route("/users/<username>/unlock", methods=["POST"])
@login_required
def unlock(username):
    """„Deblochează”: the account's failed sign-ins are forgotten."""
    require_admin()
    if not LogoutForm().validate_on_submit():
        abort(400)
    user = _existing(username)
    throttle().unlock(user.username)
    flash(f"Contul „{user.username}” a fost deblocat.", "success")
    return redirect(url_for("auth.users_page"))
