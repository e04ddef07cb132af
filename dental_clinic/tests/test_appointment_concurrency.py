# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

CONTEXT = {'tracking_disable': True, 'dental_allow_outside_hours': True}


@tagged('post_install', '-at_install')
class TestAppointmentConcurrency(BaseCase):
    """Two front desks book the same slot at the same moment: exactly one wins.

    Each booking runs in its own database connection, as two HTTP requests
    would. The data they share is committed in a third one first (a
    TransactionCase's records are invisible to other connections), and
    removed at the end.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dbname = get_db_name()

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, CONTEXT)

    def _setup_data(self):
        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr)
            chair = env['dental.chair'].create({'name': 'Cadeira Concorrência'})
            patients = env['dental.patient'].create([{'name': 'Paciente Corrida 1'}, {'name': 'Paciente Corrida 2'}])
            dentist = env.ref('base.user_admin')
            cr.commit()
            return chair.id, patients.ids, dentist.id

    def _cleanup(self, chair_id, patient_ids):
        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr)
            appointments = env['dental.appointment'].search([('chair_id', '=', chair_id)])
            appointments.unlink()
            patients = env['dental.patient'].browse(patient_ids)
            partners = patients.partner_id
            patients.unlink()
            partners.unlink()
            env['dental.chair'].browse(chair_id).unlink()
            cr.commit()

    def test_two_cursors_one_wins(self):
        chair_id, patient_ids, dentist_id = self._setup_data()
        self.addCleanup(self._cleanup, chair_id, patient_ids)
        first_inserted = threading.Event()
        outcome = {}

        # Cursors and environments are made here: building an Environment looks the registry up under a
        # lock that Odoo's test runner holds in the main thread while tests run.
        cursors = {name: db_connect(self.dbname).cursor() for name in ('first', 'second')}
        envs = {name: self._env(cr) for name, cr in cursors.items()}

        def book(name, patient_id, wait_for=None, hold=0):
            cr, env = cursors[name], envs[name]
            try:
                if wait_for:
                    wait_for.wait(10)
                # The loser hears it in their language, not in the constraint's English.
                env['dental.appointment'].with_context(lang='pt_BR').create(
                    {
                        'patient_id': patient_id,
                        'dentist_id': dentist_id,
                        'chair_id': chair_id,
                        'start': '2031-02-03 12:00:00',
                        'stop': '2031-02-03 13:00:00',
                    }
                )
                env.flush_all()
                if name == 'first':
                    first_inserted.set()
                    # Let the second one reach its INSERT, which must wait for this transaction.
                    time.sleep(hold)
                    outcome['first_commit_at'] = time.monotonic()
                cr.commit()
                outcome[name] = 'committed'
            except ValidationError as exc:
                cr.rollback()
                outcome[name] = 'refused'
                outcome[f'{name}_message'] = exc.args[0]
                outcome[f'{name}_refused_at'] = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                cr.rollback()
                outcome[name] = repr(exc)
                first_inserted.set()

        try:
            with mute_logger('odoo.sql_db'):
                first = threading.Thread(target=book, args=('first', patient_ids[0]), kwargs={'hold': 1.0})
                second = threading.Thread(
                    target=book, args=('second', patient_ids[1]), kwargs={'wait_for': first_inserted}
                )
                first.start()
                second.start()
                first.join(30)
                second.join(30)
        finally:
            for cr in cursors.values():
                cr.close()
        self.assertEqual((outcome.get('first'), outcome.get('second')), ('committed', 'refused'), outcome)
        self.assertGreaterEqual(
            outcome['second_refused_at'],
            outcome['first_commit_at'],
            'the second insert waited for the first transaction, then failed',
        )
        self.assertIn('acabou de ser reservado', outcome['second_message'])
        with db_connect(self.dbname).cursor() as cr:
            count = self._env(cr)['dental.appointment'].search_count([('chair_id', '=', chair_id)])
        self.assertEqual(count, 1)
