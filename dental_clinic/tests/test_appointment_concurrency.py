# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import threading
import time

from odoo.exceptions import ValidationError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from .concurrency import RACE_TIMEOUT, ConcurrencyCase, backend_pid


@tagged('post_install', '-at_install')
class TestAppointmentConcurrency(ConcurrencyCase):
    """Two front desks book the same slot at the same moment: exactly one wins.

    Each booking runs in its own database connection, as two HTTP requests
    would. The data they share is committed in a third one first (a
    TransactionCase's records are invisible to other connections), and
    removed at the end.
    """

    CONTEXT = {'tracking_disable': True, 'dental_allow_outside_hours': True}

    def _setup_data(self):
        with self.committed_env() as env:
            chair = env['dental.chair'].create({'name': 'Cadeira Concorrência'})
            patients = env['dental.patient'].create([{'name': 'Paciente Corrida 1'}, {'name': 'Paciente Corrida 2'}])
            dentist = env.ref('base.user_admin')
            return chair.id, patients.ids, dentist.id

    def _cleanup(self, chair_id, patient_ids):
        with self.committed_env() as env:
            appointments = env['dental.appointment'].search([('chair_id', '=', chair_id)])
            appointments.unlink()
            patients = env['dental.patient'].browse(patient_ids)
            partners = patients.partner_id
            patients.unlink()
            partners.unlink()
            env['dental.chair'].browse(chair_id).unlink()

    def test_two_cursors_one_wins(self):
        chair_id, patient_ids, dentist_id = self._setup_data()
        self.addCleanup(self._cleanup, chair_id, patient_ids)
        first_inserted = threading.Event()
        cursors = self.open_cursors('first', 'second')
        envs = {name: self.env_for(cr) for name, cr in cursors.items()}
        times = {}

        def book(name, patient_id):
            cr, env = cursors[name], envs[name]
            try:
                if name == 'second':
                    # Book only while the first booking is written but not committed.
                    self.assertTrue(first_inserted.wait(RACE_TIMEOUT))
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
                    # Commit only once the second booking waits for this transaction.
                    self.wait_until_blocking(backend_pid(cr))
                    times['first_commit_at'] = time.monotonic()
                cr.commit()
                return 'committed'
            except ValidationError as exc:
                cr.rollback()
                times[f'{name}_refused_at'] = time.monotonic()
                return exc
            except BaseException:
                cr.rollback()
                first_inserted.set()
                raise

        with mute_logger('odoo.sql_db'):
            outcome = self.run_concurrently(
                {'first': lambda: book('first', patient_ids[0]), 'second': lambda: book('second', patient_ids[1])}
            )
        self.assertEqual(outcome['first'], 'committed', outcome)
        self.assertIsInstance(outcome['second'], ValidationError, outcome)
        self.assertGreaterEqual(
            times['second_refused_at'],
            times['first_commit_at'],
            'the second insert waited for the first transaction, then failed',
        )
        self.assertIn('acabou de ser reservado', outcome['second'].args[0])
        with db_connect(self.dbname).cursor() as cr:
            count = self.env_for(cr)['dental.appointment'].search_count([('chair_id', '=', chair_id)])
        self.assertEqual(count, 1)
