# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import threading
from datetime import timedelta

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import always_open_calendar
from .concurrency import RACE_TIMEOUT, ConcurrencyCase, backend_pid


@tagged('post_install', '-at_install')
class TestReminderConcurrency(ConcurrencyCase):
    """Two cron workers claim the same batch at the same moment: the reminder is queued once.

    Each worker has its own database connection; the shared data is
    committed first (a TransactionCase's records are invisible to other
    connections) and removed at the end.
    """

    def _setup_data(self):
        with self.committed_env() as env:
            # The rows are committed, so their create dates are the database's real clock, which no frozen Python
            # clock moves: the visit is in the future of the day the test runs, at 15:00 UTC, and days after every
            # appointment of the database (the demo's), which the workers must not claim.
            env.cr.execute(SQL("SELECT max(start) FROM dental_appointment"))
            latest = max(env.cr.fetchone()[0] or fields.Datetime.now(), fields.Datetime.now())
            self.start = latest.replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=5)
            # 47 hours before: the 48-hour rule is due; the chair's clock is UTC, 16:00 is outside quiet hours.
            self.now = self.start - timedelta(hours=47)
            calendar = always_open_calendar(env, 'Always open (reminder race)', tz='UTC')
            chair = env['dental.chair'].create(
                {'name': 'Cadeira Corrida Lembrete', 'resource_calendar_id': calendar.id}
            )
            patient = env['dental.patient'].create(
                {'name': 'Paciente Lembrete Corrida', 'email': 'corrida@example.com'}
            )
            rule = env['dental.reminder.rule'].create(
                {
                    'hours_before': 48,
                    'channel': 'email',
                    'mail_template_id': env.ref('dental_clinic.mail_template_appointment_reminder').id,
                }
            )
            appointment = env['dental.appointment'].create(
                {
                    'patient_id': patient.id,
                    'dentist_id': env.ref('base.user_admin').id,
                    'chair_id': chair.id,
                    'start': self.start,
                    'duration': 1.0,
                }
            )
            return {
                'calendar': calendar.id,
                'chair': chair.id,
                'patient': patient.id,
                'rule': rule.id,
                'appointment': appointment.id,
            }

    def _cleanup(self, ids):
        with self.committed_env() as env:
            reminders = env['dental.reminder'].search([('appointment_id', '=', ids['appointment'])])
            env['mail.mail'].search([('model', '=', 'dental.reminder'), ('res_id', 'in', reminders.ids)]).unlink()
            reminders.unlink()
            env['dental.appointment'].browse(ids['appointment']).unlink()
            env['dental.reminder.rule'].browse(ids['rule']).unlink()
            self.delete_with_partners(env['dental.patient'].browse(ids['patient']))
            self.delete_chair(env, ids['chair'], ids['calendar'])

    def test_two_workers_claim_the_same_batch(self):
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        first_claimed = threading.Event()
        cursors = self.open_cursors('first', 'second')
        envs = {name: self.env_for(cr) for name, cr in cursors.items()}

        def work(name):
            cr, env = cursors[name], envs[name]
            try:
                if name == 'second':
                    # Claim only while the first worker holds its claim, uncommitted.
                    self.assertTrue(first_claimed.wait(RACE_TIMEOUT))
                Reminder = env['dental.reminder']
                claimed, _selected, _last = Reminder._claim_due(self.now, 50)
                claimed = claimed.filtered(lambda r: r.appointment_id.id == ids['appointment'])
                claimed._process_claimed(self.now)
                env.flush_all()
                if name == 'first':
                    first_claimed.set()
                    # Commit only once the second worker's claim waits for this one: the two overlapped.
                    self.wait_until_blocking(backend_pid(cr))
                cr.commit()
                return len(claimed.filtered(lambda r: r.rule_id.id == ids['rule']))
            except BaseException:
                cr.rollback()
                first_claimed.set()
                raise

        with mute_logger('odoo.sql_db', 'odoo.addons.dental_clinic.models.dental_reminder'):
            outcome = self.run_concurrently({'first': lambda: work('first'), 'second': lambda: work('second')})
        self.assertEqual((outcome.get('first'), outcome.get('second')), (1, 0), outcome)
        with db_connect(self.dbname).cursor() as cr:
            env = self.env_for(cr)
            reminders = env['dental.reminder'].search(
                [('appointment_id', '=', ids['appointment']), ('rule_id', '=', ids['rule'])]
            )
            self.assertEqual(len(reminders), 1)
            self.assertEqual(reminders.state, 'queued')
            self.assertEqual(
                env['mail.mail'].search_count([('model', '=', 'dental.reminder'), ('res_id', '=', reminders.id)]), 1
            )
            # A third run, later, finds nothing left to claim for it.
            claimed, _selected, _last = env['dental.reminder']._claim_due(self.now, 50)
            self.assertFalse(claimed.filtered(lambda r: r.appointment_id.id == ids['appointment']))
            cr.rollback()
