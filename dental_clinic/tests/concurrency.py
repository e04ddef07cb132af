# Concurrency needs committed rows seen by two cursors: these helpers commit on purpose (tests clean up).
# pylint: disable=invalid-commit
"""Shared set-up of the tests that race two real database connections.

A TransactionCase's records are invisible to other connections: the data a
race needs is committed first (``committed_env``) and removed at the end.
Each racer has its own connection; the racers run in threads
(``run_concurrently``) and meet at barriers or locks, never at a sleep:
``wait_until_blocking`` returns once another backend waits for a lock held
by the given connection, which is what proves that the two transactions
overlapped.
"""

import contextlib
import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.sql_db import db_connect
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name
from odoo.tools import SQL

# Seconds a racer may wait for the other one before the test fails (not a synchronisation: a safety net).
RACE_TIMEOUT = 30


def backend_pid(cr):
    """PostgreSQL backend of an Odoo cursor, to see which connection waits for which."""
    return cr._cnx.get_backend_pid()


class ConcurrencyCase(BaseCase):
    """Two (or more) real connections to the test database, and the committed data they share."""

    CONTEXT = {'tracking_disable': True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dbname = get_db_name()

    def setUp(self):
        super().setUp()
        # Odoo's own test runner holds the registries' lock in the main thread while the tests run; a
        # racer or an HTTP request that looks its registry up would wait for it until the end. Lifted for
        # the test as HttpCase does (Registry.enter_test_mode): no registry is built meanwhile.
        self.startPatcher(patch.object(Registry, '_lock', DummyRLock()))

    def env_for(self, cr, uid=SUPERUSER_ID, context=None):
        return api.Environment(cr, uid, dict(self.CONTEXT, **(context or {})))

    @contextlib.contextmanager
    def committed_env(self, uid=SUPERUSER_ID, context=None):
        """An environment on a new connection, committed when the block ends without error."""
        with db_connect(self.dbname).cursor() as cr:
            yield self.env_for(cr, uid, context)
            cr.commit()

    def open_cursors(self, *names):
        """One connection per racer, closed at the end of the test."""
        cursors = {name: db_connect(self.dbname).cursor() for name in names}
        for cr in cursors.values():
            self.addCleanup(cr.close)
        return cursors

    def run_concurrently(self, workers):
        """Run ``{name: callable}`` each in its own thread; return ``{name: result or raised exception}``."""
        outcome = {}

        def run(name, func):
            try:
                outcome[name] = func()
            except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
                outcome[name] = exc

        threads = [threading.Thread(target=run, args=item, name=f'race-{item[0]}') for item in workers.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(RACE_TIMEOUT)
        self.assertFalse([thread.name for thread in threads if thread.is_alive()], 'a racer is stuck')
        return outcome

    def wait_until_blocking(self, pid, timeout=RACE_TIMEOUT):
        """Return once another backend waits for a lock held by backend ``pid``; fail after ``timeout``.

        Polls PostgreSQL's lock graph from a connection of its own (each poll
        in a new transaction, so that the activity statistics are fresh).
        """
        deadline = time.monotonic() + timeout
        with db_connect(self.dbname).cursor() as cr:
            while True:
                cr.execute(SQL('SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))', pid))
                blocked = cr.fetchone()[0]
                cr.rollback()
                if blocked:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f'no connection waited for backend {pid}: the transactions did not overlap')
                time.sleep(0.01)  # polling interval of the lock graph, not a synchronisation

    @staticmethod
    def delete_with_partners(records):
        """Committed patients or users go with the contacts created for them."""
        partners = records.partner_id
        records.unlink()
        partners.unlink()

    @staticmethod
    def delete_chair(env, chair_id, calendar_id):
        env['dental.chair'].browse(chair_id).unlink()
        env['resource.calendar'].browse(calendar_id).unlink()
