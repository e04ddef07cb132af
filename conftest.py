"""Repository-level pytest hooks: a skipped test is a failure of the suite.

Odoo's HttpCase skips every browser tour when Chromium or the Python package
``websocket-client`` is missing; counting those as passes would hide that the
tours never ran.
"""


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    if reporter is None:
        return
    skipped = reporter.stats.get('skipped', [])
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1
        reporter.write_line(
            f"FAILED: {len(skipped)} test(s) were skipped; a skipped test is not a passing one:", red=True
        )
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            reporter.write_line(f"  {report.nodeid}: {reason}", red=True)
