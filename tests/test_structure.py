"""The tree keeps its organising rule: every page module is registered from its domain's list,
and no page under /admin escapes the authorisation (see exhibition/accounts/access.py)."""

import ast
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


# --- imports ------------------------------------------------------------------------------------

DOMAINS_IMPORTED_BY_NONE_OF = ("accounts", "mail")  # the foundation and the infrastructure
DOMAIN_PACKAGES = set(exhibition.DOMAINS) - {"mail"}  # every package with pages but mail


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(module: str, path: Path, node, modules) -> set[str]:
    """The modules of exhibition/ an import statement of `module` names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1] if node.level else []
    target = ".".join(base + ([node.module] if node.module else []))
    names = {f"{target}.{alias.name}" for alias in node.names}
    return {name if name in modules else target for name in names} & modules.keys()


def _imports() -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """Each module's imports at module level, and every import inside a function (module, line,
    the line's text with the comment above it)."""
    modules = _modules()
    graph, local = {}, []
    for module, path in modules.items():
        source = path.read_text()
        tree = ast.parse(source)
        graph[module] = set()
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[module] |= _imported(module, path, node, modules)
        lines = source.splitlines()
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        text = lines[node.lineno - 2] + "\n" + lines[node.lineno - 1]
                        local.append((module, node.lineno, text))
    return graph, local


def test_no_module_imports_itself_back():
    graph, _local = _imports()
    seen, done, cycles = [], set(), []

    def visit(module):
        seen.append(module)
        for imported in sorted(graph[module]):
            if imported in seen:
                cycles.append(seen[seen.index(imported) :] + [imported])
            elif imported not in done:
                visit(imported)
        seen.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    assert cycles == []


@pytest.mark.parametrize("package", DOMAINS_IMPORTED_BY_NONE_OF)
def test_foundation_and_infrastructure_import_no_domain(package):
    graph, local = _imports()
    prefix = f"exhibition.{package}"
    imported = {
        target
        for module, targets in graph.items()
        if module == prefix or module.startswith(prefix + ".")
        for target in targets
    }
    imported |= {
        text.split("from ")[-1].split(" import")[0]
        for module, _line, text in local
        if module.startswith(prefix)
    }
    domains = {name.split(".")[1] for name in imported if name.startswith("exhibition.")}
    relative = {name.lstrip(".").split(".")[0] for name in imported if name.startswith("..")}
    assert (domains | relative) & DOMAIN_PACKAGES == set()


def test_imports_inside_functions_say_why():
    """The few imports inside a function break a real dependency (of create_app, or the
    command line's optional parts): each says why in a comment on it or above it."""
    _graph, local = _imports()
    unexplained = [f"{module}:{line}" for module, line, text in local if "#" not in text]
    assert unexplained == []
