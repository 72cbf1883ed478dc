"""The attacker's checklist (issue 12): one pytest module per concern, run by `make security`
(part of `make test` and `make asan`) on a private stack of its own.

The modules use the e2e suite's fixtures (`stack`, `base`, `http`) and helpers (helpers.py,
people.py): tests/e2e is put on the import path and its conftest is loaded under another
name, whose fixtures and hooks are re-exported here, so `from conftest import assert_problem`
works in both folders."""
import importlib.util
import os
import sys

E2E = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e")
if E2E not in sys.path:
    sys.path.insert(0, E2E)

_spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(E2E, "conftest.py"))
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)

stack = _e2e.stack
base = _e2e.base
http = _e2e.http
assert_problem = _e2e.assert_problem
pytest_configure = _e2e.pytest_configure
pytest_collection_modifyitems = _e2e.pytest_collection_modifyitems
