"""SQL text never carries data: every value goes to the database as a bound parameter.

Piccolo's query builder binds values itself. Hand-written SQL (``.raw(...)``, and statements sent on a
driver connection) is read here from the source: ``%`` or ``.format`` on SQL is refused outright, and each
piece an f-string splices into SQL must be one of the reviewed structural pieces below (placeholders,
column lists, joins built from constants). Data spliced into SQL, or a new splice nobody reviewed, fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

SURVEY = Path(__file__).resolve().parents[2] / "survey"
SQL_CALLS = {"raw", "fetch", "fetchrow", "fetchval", "execute", "executemany", "execute_fetchall", "cursor", "matrices"}
SQL_WORDS = ("select ", "insert ", "update ", "delete ", "pragma ", " where ", " from ", "create ", "drop ")


def looks_like_sql(node: ast.AST) -> bool:
    text = " ".join(c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str))
    return any(word in f" {text.lower()} " for word in SQL_WORDS)


class SqlSplices(ast.NodeVisitor):
    """Collects, per SQL-executing call, the expressions spliced into its SQL text."""

    def __init__(self, module: ast.Module) -> None:
        self.module_assignments = self._assignments(module)
        self.function_assignments: dict[str, list[ast.AST]] = {}
        self.parameters: set[str] = set()
        self.splices: list[tuple[int, str]] = []
        self.refused: list[tuple[int, str]] = []

    @staticmethod
    def _assignments(scope: ast.AST) -> dict[str, list[ast.AST]]:
        found: dict[str, list[ast.AST]] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                found.setdefault(node.target.id, []).append(node.value)
        return found

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = (self.function_assignments, self.parameters)
        self.function_assignments = self._assignments(node)
        self.parameters = {arg.arg for arg in (*node.args.args, *node.args.kwonlyargs)}
        self.generic_visit(node)
        self.function_assignments, self.parameters = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS and node.args:
            self._sql(node.args[0], seen=set())
        self.generic_visit(node)

    def _sql(self, node: ast.AST, seen: set[str], whole: bool = True) -> None:
        """``whole``: ``node`` is the entire SQL text, not a piece of it."""
        if isinstance(node, ast.Constant):
            return
        if isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    self.splices.append((node.lineno, ast.unparse(value.value)))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            self._sql(node.left, seen, whole=False)
            self._sql(node.right, seen, whole=False)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and looks_like_sql(node.left):
            self.refused.append((node.lineno, "% formatting of SQL"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            if not self._placeholder_rewrite(node):
                self.refused.append((node.lineno, ".format() of SQL"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sub":
            # A rewrite of placeholders (``?`` to ``$n``) of SQL that arrived as a parameter.
            self._sql(node.args[-1], seen)
        elif isinstance(node, ast.Name) and node.id not in seen:
            values = self.function_assignments.get(node.id) or self.module_assignments.get(node.id)
            if values:
                for value in values:
                    self._sql(value, seen | {node.id}, whole)
            elif not (whole and node.id in self.parameters):
                self.splices.append((node.lineno, node.id))
            # A whole SQL text received as a parameter is checked where the caller writes it (wrappers'
            # calls are scanned too).
        elif not isinstance(node, ast.Name):
            self.splices.append((getattr(node, "lineno", 0), ast.unparse(node)))

    def _placeholder_rewrite(self, node: ast.Call) -> bool:
        """``sql.format(*["?"] * n)``: a caller's whole SQL text getting the driver's placeholder marks."""
        subject = node.func.value  # type: ignore[attr-defined]
        marks = [c.value for arg in node.args for c in ast.walk(arg) if isinstance(c, ast.Constant)
                 and isinstance(c.value, str)]
        strings = [c for arg in node.args for c in ast.walk(arg) if isinstance(c, ast.JoinedStr)]
        marks += ["".join(v.value for v in s.values if isinstance(v, ast.Constant)) for s in strings]
        return (isinstance(subject, ast.Name) and subject.id in self.parameters and bool(marks)
                and all(mark in ("?", "$") for mark in marks))


def scan() -> tuple[dict[str, set[str]], list[str]]:
    splices: dict[str, set[str]] = {}
    refused: list[str] = []
    for path in sorted(SURVEY.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ast.parse(path.read_text(), filename=str(path))
        visitor = SqlSplices(module)
        visitor.visit(module)
        name = str(path.relative_to(SURVEY.parent))
        if visitor.splices:
            splices[name] = {expression for _, expression in visitor.splices}
        refused += [f"{name}:{line}: {what}" for line, what in visitor.refused]
    return splices, refused


# Each splice read and judged structural: what it puts in the SQL text, and where that comes from.
REVIEWED: dict[str, dict[str, str]] = {
    "survey/db/backup.py": {
        "statement": "survey.rollup.maintain.rebuild_statements: fixed SQL over the rollup's column constants; "
                     "the only value, a month, is checked against YYYY-MM first",
    },
    "survey/rollup/statements.py": {
        "sql.replace('?', '{}')": "the upserts of statements(): table and column names from module constants, "
                                  "'?' placeholders turned into piccolo's",
    },
    "survey/rollup/versions.py": {
        "ancestor_marks": "'{}, {}, ...': placeholders only (or NULL)",
        "month_marks": "'{}, {}, ...': placeholders only",
    },
    "survey/citizen/bulk.py": {
        "table": "a table name, a literal at every call site",
        "','.join(columns)": "column names, literal tuples at every call site",
        "','.join([row] * len(rows))": "one '(?,?,...)' group per row: placeholders only",
        "*statement": "the INSERT pieces above, joined",
    },
    "survey/exports/source.py": {
        "cases": "'WHEN {} THEN n' per known channel: placeholders and the channel's position",
        "items": "COALESCE(r.e1, MISSING) ... over module constants (column names and an integer)",
        "known": "'{}, {}, ...': placeholders only, one per known channel",
        "placeholders": "'{}, {}, ...': placeholders only",
        "where": "Selection.where(): conditions with {} placeholders, values returned beside it",
        "self._sql(sql, len(args))": "the driver's placeholder marks ('?' or '$n') put into a caller's SQL, "
                                     "whose own splices are checked where the caller writes it",
    },
    "survey/db/sqlite_reader.py": {
        "request['query']": "the SQL text the export sent to its reading process, parameters beside it; its "
                            "splices are checked where it is written (survey/exports/source.py)",
    },
    "survey/jobs/outbox.py": {
        "marks": "'{}, {}, ...': placeholders only, one per job kind",
        "lock": "' FOR UPDATE SKIP LOCKED' on PostgreSQL, nothing on SQLite: a constant",
        "_claim_sql(isinstance(current_engine(), PostgresEngine), len(kinds))": "the claim statement, whose own "
        "splices (marks, lock) are checked where it is written",
    },
    "survey/reports/totals_query.py": {
        "MONTH_NUMBER_SQL": "a module constant (month arithmetic on the period column)",
        "_codes('index_fingerprint', known)": "CASE with {} placeholders and integer positions",
        "_codes('status', STATUSES)": "CASE with {} placeholders and integer positions",
        "_digits(items)": "integer arithmetic on the pattern column: items only pick powers of 3 through "
                          "RATING_COLUMNS.index, which raises for anything else",
        "sums": "SUM(a<int>) AS a<int>: positions from RATING_COLUMNS.index",
        "', '.join(aggregates)": "COUNT/SUM over e1..e5 columns chosen from the instrument definition",
        "_in_list(strata)": "'{}, {}, ...': placeholders only",
        "_in_list(months)": "'{}, {}, ...': placeholders only",
        "marks": "'{}, {}, ...': placeholders only",
        "pattern": "CASE expressions over e1..e5 columns chosen from the instrument definition, values as {}",
        "where": "filters built by _filters from placeholders only, values returned beside it",
        "day": "a fixed date expression per engine with the zone or offset as a {} placeholder",
    },
}


def test_sql_is_never_built_with_percent_or_format():
    assert scan()[1] == []


def test_every_splice_into_sql_was_reviewed_as_structure():
    unreviewed = {file: found - REVIEWED.get(file, {}).keys() for file, found in scan()[0].items()}
    assert {file: found for file, found in unreviewed.items() if found} == {}


def test_the_scanner_sees_data_spliced_into_sql():
    planted = ast.parse(
        "async def find(code):\n"
        "    a = await Unit.raw(f\"SELECT * FROM unit WHERE code = '{code}'\")\n"
        "    sql = 'SELECT * FROM unit WHERE code = ' + code\n"
        "    b = await Unit.raw(sql)\n"
        "    c = await connection.execute('DELETE FROM unit WHERE code = %s' % code)\n"
        "    d = await Unit.raw('SELECT * FROM unit WHERE code = {}'.format(code))\n"
        "    e = await Unit.raw('SELECT * FROM unit WHERE code = {}', code)\n"
    )
    visitor = SqlSplices(planted)
    visitor.visit(planted)
    assert [expression for _, expression in visitor.splices] == ["code", "code"]
    assert [what for _, what in visitor.refused] == ["% formatting of SQL", ".format() of SQL"]
