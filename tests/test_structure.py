"""The tree keeps its organising rule: every page module is registered from its domain's list,
and no page under /admin escapes the authorisation (see exhibition/accounts/access.py)."""

import importlib
from pathlib import Path

import pytest
from flask import Blueprint, Flask

import exhibition
from exhibition.accounts.access import allow, check_declarations, staff_blueprint
from exhibition.accounts.models import Role

PACKAGE = Path(exhibition.__file__).parent


def test_every_page_module_is_listed_in_its_domain_views():
    found = {
        (path.parent.name, path.stem)
        for path in PACKAGE.glob("*/*.py")
        if path.stem == "views" or path.stem.endswith("_views")
    }
    listed = {
        (domain, name)
        for domain in exhibition.DOMAINS
        for name in importlib.import_module(f"exhibition.{domain}").VIEWS
    }
    assert found == listed


def test_every_listed_page_module_has_its_blueprint_registered(app):
    for domain in exhibition.DOMAINS:
        for name in importlib.import_module(f"exhibition.{domain}").VIEWS:
            module = importlib.import_module(f"exhibition.{domain}.{name}")
            assert app.blueprints[module.bp.name] is module.bp, module.__name__


def _app_with(blueprint: Blueprint) -> Flask:
    app = Flask(__name__)
    app.register_blueprint(blueprint)
    return app


def test_a_page_under_admin_not_made_by_staff_blueprint_stops_the_app():
    plain = Blueprint("plain", __name__, url_prefix="/admin/events/<slug>/plain")
    plain.add_url_rule("/", "index", allow(Role.ORGANISER)(lambda slug: "open"))
    with pytest.raises(RuntimeError, match="not made by staff_blueprint: plain.index"):
        check_declarations(_app_with(plain))


def test_a_staff_page_that_declares_no_roles_stops_the_app():
    staff = staff_blueprint("undeclared", __name__, url_prefix="/admin/undeclared")
    staff.add_url_rule("/", "index", lambda: "open")
    with pytest.raises(RuntimeError, match="without @allow.*undeclared.index"):
        check_declarations(_app_with(staff))


def test_a_staff_blueprint_outside_admin_is_refused():
    with pytest.raises(ValueError, match="under /admin"):
        staff_blueprint("elsewhere", __name__, url_prefix="/events/<slug>/staff")


def test_declared_staff_pages_pass():
    staff = staff_blueprint("declared", __name__, url_prefix="/admin/declared")
    staff.add_url_rule("/", "index", allow(Role.ORGANISER)(lambda: "ok"))
    check_declarations(_app_with(staff))
