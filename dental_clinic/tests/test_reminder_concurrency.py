# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import threading
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger

from .common import always_open_calendar

CONTEXT = {'tracking_disable': True}


@tagged('post_install', '-at_install')
class TestReminderConcurrency(BaseCase):
    """Two cron workers claim the same batch at the same moment: the reminder is queued once.

    Each worker has its own database connection; the shared data is
    committed first (a TransactionCase's records are invisible to other
    connections) and removed at the end.
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
            # The rows are committed, so their create dates are the database's real clock, which no frozen Python
            # clock moves: the visit is in the future of the day the test runs, at 15:00 UTC, and days after every
            # appointment of the database (the demo's), which the workers must not claim.
            cr.execute(SQL("SELECT max(start) FROM dental_appointment"))
            latest = max(cr.fetchone()[0] or fields.Datetime.now(), fields.Datetime.now())
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
            cr.commit()
            return {
                'calendar': calendar.id,
                'chair': chair.id,
                'patient': patient.id,
                'rule': rule.id,
                'appointment': appointment.id,
            }

    def _cleanup(self, ids):
        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr)
            reminders = env['dental.reminder'].search([('appointment_id', '=', ids['appointment'])])
            env['mail.mail'].search([('model', '=', 'dental.reminder'), ('res_id', 'in', reminders.ids)]).unlink()
            reminders.unlink()
            env['dental.appointment'].browse(ids['appointment']).unlink()
            env['dental.reminder.rule'].browse(ids['rule']).unlink()
            patient = env['dental.patient'].browse(ids['patient'])
            partner = patient.partner_id
            patient.unlink()
            partner.unlink()
            env['dental.chair'].browse(ids['chair']).unlink()
            env['resource.calendar'].browse(ids['calendar']).unlink()
            cr.commit()

    def test_two_workers_claim_the_same_batch(self):
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        first_claimed = threading.Event()
        outcome = {}
        cursors = {name: db_connect(self.dbname).cursor() for name in ('first', 'second')}
        envs = {name: self._env(cr) for name, cr in cursors.items()}

        def work(name, wait_for=None, hold=0.0):
            cr, env = cursors[name], envs[name]
            try:
                if wait_for:
                    wait_for.wait(10)
                Reminder = env['dental.reminder']
                claimed, _selected, _last = Reminder._claim_due(self.now, 50)
                claimed = claimed.filtered(lambda r: r.appointment_id.id == ids['appointment'])
                claimed._process_claimed(self.now)
                env.flush_all()
                outcome[name] = len(claimed.filtered(lambda r: r.rule_id.id == ids['rule']))
                if name == 'first':
                    first_claimed.set()
                    time.sleep(hold)  # the second worker reaches its claim, which must wait for this one
                cr.commit()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                cr.rollback()
                outcome[name] = repr(exc)
                first_claimed.set()

        try:
            with mute_logger('odoo.sql_db', 'odoo.addons.dental_clinic.models.dental_reminder'):
                first = threading.Thread(target=work, args=('first',), kwargs={'hold': 1.0})
                second = threading.Thread(target=work, args=('second',), kwargs={'wait_for': first_claimed})
                first.start()
                second.start()
                first.join(30)
                second.join(30)
        finally:
            for cr in cursors.values():
                cr.close()
        self.assertEqual((outcome.get('first'), outcome.get('second')), (1, 0), outcome)
        with db_connect(self.dbname).cursor() as cr:
            env = self._env(cr)
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
