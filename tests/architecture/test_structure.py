"""The shape of the code, checked on every run: the import graph, the tenant net, the size of things.

Read as text with `ast` (nothing is imported), so a circle or a wrong-way import fails here even when
Python would happen to import the modules in a working order.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("intake", "mailboxes", "acd_points")
RANK = {"intake": 0, "mailboxes": 1, "acd_points": 2}  # an app may import only apps of lower rank
# Protocol libraries are touched only at the edge (ARCHITECTURE.md).
EDGE_ONLY = {
    "imapclient": "mailboxes.protocols",
    "smtplib": "mailboxes.protocols",
    "msal": "mailboxes.protocols",
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Where request-path code may read across tenants, and why (a count per module: a new use fails).
ALL_TENANTS_ALLOWED = {
    "intake/middleware.py": (1, "a login's memberships span tenants; this finds the request's tenant"),
    "acd_points/api/tokens.py": (3, "a token is found before its tenant is known, or revoked by id"),
}


def product_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imported_names(path: Path, name: str):
    """Every module name an import statement of `path` names, deferred imports inside functions too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    modules = product_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for target in imported_names(path, name):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a circle of imports."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_product_has_no_import_circles():
    assert circles(import_graph()) == []


def test_circles_are_found_when_there_are_some():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_point_one_way_acd_points_mailboxes_intake():
    wrong = [
        f"{name} imports {target}"
        for name, targets in import_graph().items()
        for target in targets
        if RANK[target.split(".")[0]] > RANK[name.split(".")[0]]
    ]
    assert wrong == []


def test_protocol_libraries_are_used_only_at_the_edge():
    wrong = []
    for name, path in product_modules().items():
        for target in imported_names(path, name):
            library = target.split(".")[0]
            if library in EDGE_ONLY and not name.startswith(EDGE_ONLY[library]):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def request_path_modules() -> list[Path]:
    """Views, API, access rules, admin, forms, middleware and context processors."""
    chosen = []
    for path in product_modules().values():
        relative = path.relative_to(ROOT)
        if (
            "api" in relative.parts
            or "admin" in relative.parts
            or path.stem in {"views", "admin", "access", "forms", "middleware", "context_processors"}
        ):
            chosen.append(path)
    return chosen


def test_request_path_code_reads_through_the_tenant_scoped_manager():
    found = {}
    for path in request_path_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        count = sum(isinstance(node, ast.Attribute) and node.attr == "all_tenants" for node in ast.walk(tree))
        if count:
            found[str(path.relative_to(ROOT))] = count
    allowed = {module: count for module, (count, _reason) in ALL_TENANTS_ALLOWED.items()}
    assert found == allowed, "request-path code must use Model.objects (scoped by the middleware)"


def test_the_request_path_list_covers_the_known_entry_points():
    names = {str(path.relative_to(ROOT)) for path in request_path_modules()}
    assert {
        "acd_points/access.py",
        "acd_points/views.py",
        "acd_points/api/views.py",
        "intake/admin.py",
    } <= names


def python_files():
    for folder in (*APPS, "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long_functions = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long_functions == []


def test_every_read_across_tenants_says_why():
    """`Model.all_tenants` only where code crosses tenants on purpose, with a comment on the line or the
    line above saying why; everything else reads through the scoped manager."""
    unexplained = []
    for path in product_modules().values():
        if path.name == "tenancy.py":  # where the managers are defined
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Attribute) and node.attr == "all_tenants":
                nearby = lines[max(node.lineno - 2, 0) : node.lineno]
                if not any("#" in line for line in nearby):
                    unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unexplained == []
