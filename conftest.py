"""Repository-level pytest hooks: a skipped test, or a suite that damaged the installation, fails it.

Odoo's HttpCase skips every browser tour when Chromium or the Python package
``websocket-client`` is missing; counting those as passes would hide that the
tours never ran.
"""

import os
import subprocess
import sys


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    if reporter is None:
        return
    if _check_install(session, reporter) and session.exitstatus == 0:
        session.exitstatus = 1
    skipped = reporter.stats.get('skipped', [])
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1
        reporter.write_line(
            f"FAILED: {len(skipped)} test(s) were skipped; a skipped test is not a passing one:", red=True
        )
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            reporter.write_line(f"  {report.nodeid}: {reason}", red=True)


# The repository's own installation (`make odoo`'s .venv and unpacked source): no test may touch it, and
# after the suite the next `make test` or `make run` must still find Odoo 18.0 where it was.
ROOT = os.path.dirname(os.path.abspath(__file__))
INSTALL_PATHS = ('.venv', '.venv/bin/python', '.venv/pyvenv.cfg', '.odoo-src', '.odoo-src/tree')


def _install_state():
    state = {}
    for rel in INSTALL_PATHS:
        path = os.path.join(ROOT, rel)
        if os.path.lexists(path):
            stat = os.lstat(path)
            names = sorted(n for n in os.listdir(path) if n != '__pycache__') if os.path.isdir(path) else None
            state[rel] = (stat.st_ino, stat.st_mtime_ns if names is None else None, names)
    return state


def pytest_sessionstart(session):
    session.config._dental_install_state = _install_state()


def _check_install(session, reporter):
    problems = []
    before = getattr(session.config, '_dental_install_state', None)
    if before is not None and _install_state() != before:
        problems.append("the suite changed the repository's .venv or .odoo-src (a test must use its own folders)")
    probe = subprocess.run(
        [sys.executable, '-c', 'import odoo.release as r, odoo.tools; assert r.version_info[0] == 18'],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if probe.returncode:
        problems.append(f'Odoo 18.0 is no longer importable by {sys.executable} after the suite')
    for problem in problems:
        reporter.write_line(f'FAILED: {problem}', red=True)
    return bool(problems)
