"""The suite's own layout: test-data builders live in tests/builders/, and no module imports a conftest.

Fixtures live in conftest files (or in plugin modules such as tests/fixtures/points.py, listed in
``pytest_plugins`` of tests/conftest.py) and call the builders; helpers that are not builders live in plain
modules (e.g. tests/api/client.py). The builder check is deliberately simple: a module-level function named
make_…, add_… or create_… that is not a fixture is a builder, and must be defined in tests/builders/.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BUILDERS = TESTS / "builders"
BUILDER_PREFIXES = ("make_", "add_", "create_")


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def conftest_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, statement) of every import, anywhere in the module, that reads from a module named conftest."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            # `from tests.acd_points import conftest` names the conftest module as an imported name.
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        if any("conftest" in name.split(".") for name in names):
            found.append((node.lineno, ast.unparse(node)))
    return found


def is_fixture(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated with @pytest.fixture, @pytest.fixture(...), @fixture or @fixture(...)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "fixture":
            return True
    return False


def module_level_builders(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, name) of module-level functions named like a builder that are not fixtures."""
    return [
        (node.lineno, node.name)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith(BUILDER_PREFIXES)
        and not is_fixture(node)
    ]


def test_the_checks_see_the_whole_suite():
    files = {path.relative_to(TESTS).as_posix() for path in python_files()}
    assert {"conftest.py", "test_suite_layout.py", "builders/__init__.py", "api/conftest.py"} <= files


def test_no_module_imports_from_a_conftest():
    offenders = [
        f"{path.relative_to(TESTS)}:{line}: {statement}"
        for path in python_files()
        for line, statement in conftest_imports(parsed(path))
    ]
    assert offenders == [], "import builders from tests.builders, shared fixtures via pytest_plugins"


def test_builders_are_defined_only_in_tests_builders():
    offenders = [
        f"{path.relative_to(TESTS)}:{line}: def {name}"
        for path in python_files()
        if BUILDERS not in path.parents
        for line, name in module_level_builders(parsed(path))
    ]
    assert offenders == [], "move these builders to tests/builders/ (fixtures may call them)"


def test_the_import_check_catches_every_spelling_of_a_conftest_import():
    source = """
from tests.acd_points.conftest import add_mail
from tests.acd_points import conftest as workspace
import tests.api.conftest
from .conftest import call
from . import conftest

def later():
    from tests.acd_points.conftest import add_mail

from tests.builders import add_mail
from tests.fixtures import points
"""
    assert [line for line, _ in conftest_imports(ast.parse(source))] == [2, 3, 4, 5, 6, 9]


def test_the_builder_check_allows_fixtures_and_nested_functions_only():
    source = """
import pytest

def make_world(): ...
async def add_mail(): ...
def create_point(): ...
def poll(): ...

@pytest.fixture
def make_point():
    def make_one(): ...
    return make_one

@pytest.fixture(autouse=True)
def add_defaults(): ...

class Server:
    def add_user(self): ...
"""
    assert [name for _, name in module_level_builders(ast.parse(source))] == [
        "make_world",
        "add_mail",
        "create_point",
    ]
