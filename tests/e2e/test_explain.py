"""The application queries use their indexes: `onewindow-admin explain-queries` prints one
JSON line per query, {"query": name, "plan": EXPLAIN FORMAT=JSON document}; every table read
must use a key, never a full scan (type ALL) or a full index scan (type index), and never sort
by filesort. Run with `pytest -s` to see the plans.

The plans are taken after `generate-applications --year` loaded 20 000 applications (~60 000
events, ~6 000 ratings, ~900 rectification cases), so that the optimizer sees tables of some size: on a handful of rows it may rightly
prefer a scan. That load would crowd the queues other tests read, so these tests run last
(marked disruptive)."""
import datetime
import json

import pytest

from helpers import sql
from orgs import take_service
from people import shanghai_today



def value(row, name):
    """A column of an EXPLAIN row, whatever the case of its name."""
    for k, v in row.items():
        if k.lower() == name:
            return v
    return None


def table_nodes(node):
    """The table accesses of an EXPLAIN FORMAT=JSON document: (name, access_type, key)."""
    found = []
    if isinstance(node, dict):
        t = node.get("table")
        if isinstance(t, dict) and "access_type" in t:
            found.append((t.get("table_name"), t.get("access_type"), t.get("key")))
        for v in node.values():
            found += table_nodes(v)
    elif isinstance(node, list):
        for v in node:
            found += table_nodes(v)
    return found


def has_filesort(node):
    if isinstance(node, dict):
        if "filesort" in node or node.get("using_filesort") is True:
            return True
        return any(has_filesort(v) for v in node.values())
    if isinstance(node, list):
        return any(has_filesort(v) for v in node)
    return False


def problems(query, plan):
    """What is wrong with one plan, in either form."""
    bad, tables = [], []
    if isinstance(plan, list):
        for row in plan:
            table = value(row, "table")
            if "Using filesort" in str(value(row, "extra") or ""):
                bad.append((query, "filesort", row))
            if table in (None, "", "NULL"):
                continue  # no table read (e.g. a constant row)
            tables.append(table)
            if value(row, "type") in ("ALL", "index"):
                bad.append((query, f"type {value(row, 'type')}", row))
            if value(row, "key") in (None, "", "NULL"):
                bad.append((query, "no key", row))
    else:
        if has_filesort(plan):
            bad.append((query, "filesort", plan))
        for name, access, key in table_nodes(plan):
            tables.append(name)
            if access in ("ALL", "index"):
                bad.append((query, f"type {access}", name))
            if not key:
                bad.append((query, "no key", name))
    return bad, tables


def fields(out):
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


@pytest.fixture(scope="module")
def generated(stack):
    """The benchmark's loaders on this stack: `generate-orgs`' output (its fields)."""
    # --year: ratings and rectification cases too (the staff case lists' plans)
    gen = stack.admin("generate-applications", "--count", "20000", "--year", check=False)
    assert gen.returncode == 0, (gen.stdout, gen.stderr)
    assert "applications: 20000" in gen.stdout or "applications: 1999" in gen.stdout, gen.stdout
    # the organizations' tables with rows too (API.md §7): delegations, feeds
    orgs = stack.admin("generate-orgs", "--count", "20", check=False)
    assert orgs.returncode == 0, (orgs.stdout, orgs.stderr)
    out = fields(orgs.stdout)
    # before any test delegates to them: how many of theirs are in force today or to come
    out["in_force"] = sql(stack, f"SELECT COUNT(*) FROM delegations WHERE org_id BETWEEN "
                                 f"{out['first_org']} AND {out['last_org']} "
                                 f"AND valid_to >= '{shanghai_today()}'")[0][0]
    return out


@pytest.fixture(scope="module")
def plans(stack, generated):
    org = generated["first_org"]
    today = datetime.date.today()
    d = stack.admin("delegate", "--service", take_service()[0], "--org", org, "--from",
                    str(today), "--to", str(today + datetime.timedelta(days=1)), check=False)
    assert d.returncode == 0, (d.stdout, d.stderr)
    delegation = d.stdout.split("id: ")[1].split()[0]
    sql(stack, f"INSERT INTO webhook_attempts (org_id, delivery_id, event_type, attempt, result) "
               f"VALUES ({org}, UUID(), 'application.submitted', 1, 'delivered')")
    p = stack.admin("explain-queries", check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    assert lines, "explain-queries printed nothing"
    names = [line["query"] for line in lines]
    assert len(names) == len(set(names)), names
    yield lines
    stack.admin("revoke-delegation", delegation)


@pytest.mark.disruptive
def test_application_queries_use_indexes(plans):
    bad, all_tables = [], []
    print()
    for line in plans:
        assert set(line) == {"query", "plan"}, line
        print(f"--- {line['query']}")
        rows = line["plan"] if isinstance(line["plan"], list) else [line["plan"]]
        for row in rows:
            print("   ", json.dumps(row, ensure_ascii=False))
        wrong, tables = problems(line["query"], line["plan"])
        assert tables, ("no table read", line)
        bad += wrong
        all_tables += tables
    assert not bad, "\n".join(map(str, bad))
    assert "applications" in all_tables or "a" in all_tables, all_tables


@pytest.mark.disruptive
def test_generated_applications_are_handled_under_delegations(stack, generated):
    """generate-orgs leaves data a real history could have left (API.md §7): every
    application it hands to an organization was submitted during a delegation of its service
    to that organization, which it names (handled_by, delegation_id); no two delegations of a
    service share a day; none is in force today, so a department may delegate now."""
    first, last = int(generated["first_org"]), int(generated["last_org"])
    assert int(generated["delegations"]) > 0 and int(generated["applications"]) >= 19000, generated
    handed = sql(stack, f"SELECT COUNT(*), SUM(g.id IS NOT NULL AND g.org_id = a.org_id "
                        f"AND g.service_id = a.service_id AND DATE(a.submitted_at) BETWEEN "
                        f"g.valid_from AND g.valid_to AND a.handler_type = 'organization' "
                        f"AND a.handler_name = o.name) FROM applications a "
                        f"LEFT JOIN delegations g ON g.id = a.delegation_id "
                        f"JOIN organizations o ON o.id = a.org_id "
                        f"WHERE a.org_id BETWEEN {first} AND {last}")[0]
    assert int(handed[0]) == int(generated["applications"]) and handed[0] == handed[1], handed
    # every organization got some, and each a line of its feed per application
    per_org = sql(stack, f"SELECT COUNT(DISTINCT org_id), COUNT(*) FROM org_feed_entries "
                         f"WHERE org_id BETWEEN {first} AND {last}")[0]
    assert per_org == [str(last - first + 1), generated["applications"]], per_org
    overlaps = sql(stack, "SELECT COUNT(*) FROM delegations x JOIN delegations y "
                          "ON y.service_id = x.service_id AND y.id > x.id "
                          "AND y.valid_from <= x.valid_to AND y.valid_to >= x.valid_from "
                          "WHERE x.revoked_at IS NULL AND y.revoked_at IS NULL")[0][0]
    assert overlaps == "0", overlaps
    assert generated["in_force"] == "0", generated


@pytest.mark.disruptive
def test_explain_output_is_a_plan_per_query(plans):
    """Each line: the query's name and MariaDB's EXPLAIN FORMAT=JSON document."""
    names = [line["query"] for line in plans]
    for expected in ("application by number", "citizen list",
                     "queue: open, oldest first", "queue: by status, by due date",
                     "organization feed", "organization feed by status",
                     "delegations of a department", "services delegated to an organization",
                     "delegation in force for a submission",
                     "webhook deliveries of an organization", "webhook deliveries of an event"):
        assert expected in names, names
    wrong = [line["query"] for line in plans
             if not (isinstance(line["plan"], dict) and "query_block" in line["plan"])]
    assert not wrong, f"plan is not an EXPLAIN FORMAT=JSON document for: {wrong}"
