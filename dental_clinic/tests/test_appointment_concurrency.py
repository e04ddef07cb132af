# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import re
import threading
import time
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo.exceptions import ValidationError
from odoo.modules.registry import Registry
from odoo.service import server as odoo_server
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tests.common import HOST
from odoo.tools import config, mute_logger

from .common import always_open_calendar
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


@tagged('post_install', '-at_install')
class TestConfirmConcurrency(ConcurrencyCase):
    """The patient answers the reminder link while the front desk clicks Confirm on the Today board.

    Both through Odoo's HTTP server, each request in its own connection and
    inside Odoo's retry of concurrency errors, as in production: the link's
    POST (the controller locks the appointment, then applies the answer) and
    the board button's call (``/web/dataset/call_button``, ``action_confirm``)
    as a logged-in receptionist. Hooks in the two code paths make the two
    transactions overlap in a given order: both meet at a barrier, and the
    one holding the appointment's row commits once the other waits for it.
    Whatever the order: one state change, one line of it in the chatter, the
    patient's answer logged once.
    """

    PASSWORD = 'race-receptionist-password'

    def setUp(self):
        super().setUp()
        if odoo_server.server is None:
            # Like an HttpCase: pytest without --odoo-http starts no HTTP server.
            self.skipTest("Odoo's HTTP server is not running")

    def _setup_data(self):
        with self.committed_env() as env:
            calendar = always_open_calendar(env, 'Always open (confirmation race)')
            chair = env['dental.chair'].create(
                {'name': 'Cadeira Corrida Confirmação', 'resource_calendar_id': calendar.id}
            )
            patient = env['dental.patient'].create({'name': 'Paciente Corrida Confirmação', 'lang': 'pt_BR'})
            receptionist = (
                env['res.users']
                .with_context(no_reset_password=True)
                .create(
                    {
                        'name': 'Rita Corrida',
                        'login': 'race_confirm_receptionist',
                        'password': self.PASSWORD,
                        'lang': 'pt_BR',
                        'tz': 'America/Sao_Paulo',
                        'groups_id': [(6, 0, [env.ref('dental_clinic.group_dental_receptionist').id])],
                    }
                )
            )
            # Far from the demo data's appointments of this week (same dentist), and still ahead: the link is valid.
            start = (datetime.now() + timedelta(days=1000)).replace(hour=12, minute=0, second=0, microsecond=0)
            appointment = env['dental.appointment'].create(
                {
                    'patient_id': patient.id,
                    'dentist_id': env.ref('base.user_admin').id,
                    'chair_id': chair.id,
                    'start': start,
                    'duration': 1.0,
                }
            )
            self.assertEqual(appointment.state, 'scheduled')
            return {
                'calendar': calendar.id,
                'chair': chair.id,
                'patient': patient.id,
                'receptionist': receptionist.id,
                'appointment': appointment.id,
                'token': appointment.sudo().dental_confirm_token,
            }

    def _cleanup(self, ids):
        with self.committed_env() as env:
            appointment = env['dental.appointment'].browse(ids['appointment'])
            env['mail.message'].search([('model', '=', 'dental.appointment'), ('res_id', '=', appointment.id)]).unlink()
            env['mail.activity'].search(
                [('res_model', '=', 'dental.appointment'), ('res_id', '=', appointment.id)]
            ).unlink()
            appointment.reminder_ids.unlink()
            appointment.unlink()
            self.delete_with_partners(env['dental.patient'].browse(ids['patient']))
            self.delete_chair(env, ids['chair'], ids['calendar'])
            self.delete_with_partners(env['res.users'].browse(ids['receptionist']))

    def _url(self, path):
        return f'http://{HOST}:{config["http_port"]}{path}'

    def _board_session(self):
        session = requests.Session()
        response = session.post(
            self._url('/web/session/authenticate'),
            json={
                'jsonrpc': '2.0',
                'params': {'db': self.dbname, 'login': 'race_confirm_receptionist', 'password': self.PASSWORD},
            },
            timeout=RACE_TIMEOUT,
        )
        self.assertTrue(response.json().get('result', {}).get('uid'), response.text)
        return session

    def _board_confirm(self, session, ids):
        """The Today board's Confirm button: ``action_confirm`` through ``call_button``."""
        response = session.post(
            self._url('/web/dataset/call_button/dental.appointment/action_confirm'),
            json={
                'jsonrpc': '2.0',
                'params': {
                    'model': 'dental.appointment',
                    'method': 'action_confirm',
                    'args': [[ids['appointment']]],
                    'kwargs': {'context': {'lang': 'pt_BR'}},
                },
            },
            timeout=RACE_TIMEOUT * 2,
        )
        return response.json()

    def _link_page(self, ids):
        """The patient opens the link: the page and its form's CSRF token, in the patient's own session."""
        session = requests.Session()
        url = self._url(f'/dental/c/{ids["appointment"]}/{ids["token"]}')
        page = session.get(url, timeout=RACE_TIMEOUT)
        self.assertEqual(page.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return session, url, csrf

    def _link_confirm(self, session, url, csrf):
        response = session.post(f'{url}/confirm', data={'csrf_token': csrf}, timeout=RACE_TIMEOUT * 2)
        return response.status_code

    def _race(self, ids, link_first):
        """Run the link's answer and the board's click at once; return their outcomes and the hooks' calls."""
        Appointment = Registry(self.dbname)['dental.appointment']
        board_session = self._board_session()
        link_session, url, csrf = self._link_page(ids)
        barrier = threading.Barrier(2, timeout=RACE_TIMEOUT)
        holds_row = threading.Event()
        calls = {'board': 0, 'link_token': 0, 'link_answer': 0}
        receptionist = ids['receptionist']
        original = {
            name: getattr(Appointment, name)
            for name in ('action_confirm', '_dental_from_token', '_dental_patient_answer')
        }

        def action_confirm(records):
            if records.env.uid != receptionist:  # the link confirms through it too
                return original['action_confirm'](records)
            calls['board'] += 1
            if calls['board'] == 1:
                barrier.wait()  # the patient's request is inside its transaction too
            result = original['action_confirm'](records)
            if calls['board'] == 1 and not link_first:
                records.env.flush_all()  # the appointment's row is written, hence locked, by the board
                holds_row.set()
                self.wait_until_blocking(backend_pid(records.env.cr))
            return result

        def from_token(model, appointment_id, token):
            result = original['_dental_from_token'](model, appointment_id, token)
            calls['link_token'] += 1
            if calls['link_token'] == 1 and not link_first:
                barrier.wait()
                # Lock the row (the controller's next step) only once the board holds it.
                self.assertTrue(holds_row.wait(RACE_TIMEOUT))
            return result

        def patient_answer(records, answer):
            calls['link_answer'] += 1
            if calls['link_answer'] == 1 and link_first:
                barrier.wait()  # the controller holds the appointment's row; the board is inside its request
            result = original['_dental_patient_answer'](records, answer)
            if calls['link_answer'] == 1 and link_first:
                records.env.flush_all()
                self.wait_until_blocking(backend_pid(records.env.cr))
            return result

        with (
            patch.object(Appointment, 'action_confirm', action_confirm),
            patch.object(Appointment, '_dental_from_token', from_token),
            patch.object(Appointment, '_dental_patient_answer', patient_answer),
            mute_logger('odoo.sql_db', 'odoo.service.model', 'odoo.http'),
        ):
            outcome = self.run_concurrently(
                {
                    'board': lambda: self._board_confirm(board_session, ids),
                    'link': lambda: self._link_confirm(link_session, url, csrf),
                }
            )
        return outcome, calls

    def _assert_one_confirmation(self, ids):
        with db_connect(self.dbname).cursor() as cr:
            env = self.env_for(cr)
            appointment = env['dental.appointment'].browse(ids['appointment'])
            self.assertEqual(appointment.state, 'confirmed')
            self.assertEqual(appointment.patient_response, 'confirmed')
            messages = env['mail.message'].search(
                [('model', '=', 'dental.appointment'), ('res_id', '=', appointment.id)]
            )
            state_changes = messages.tracking_value_ids.filtered(lambda value: value.field_id.name == 'state')
            self.assertEqual(len(state_changes), 1, 'one state change, one line of it in the chatter')
            answers = messages.filtered(lambda message: 'link' in (message.body or ''))
            self.assertEqual(len(answers), 1, "the patient's answer logged once")
            self.assertEqual(len(messages), 2, messages.mapped('body'))
            cr.rollback()

    def test_link_then_board(self):
        """The link holds the appointment first: the board's click, retried, is refused in Portuguese."""
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        outcome, calls = self._race(ids, link_first=True)
        self.assertEqual(outcome['link'], 200, outcome)
        error = outcome['board'].get('error', {}).get('data', {})
        self.assertEqual(error.get('name'), 'odoo.exceptions.UserError', outcome)
        self.assertIn('não pode passar de', error.get('message', ''), 'in the receptionist\'s language')
        self.assertEqual(calls['board'], 2, 'the board waited for the link, failed to write, and was retried')
        self._assert_one_confirmation(ids)

    def test_board_then_link(self):
        """The board holds the appointment first: the link, retried, records the answer without a second change."""
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        outcome, calls = self._race(ids, link_first=False)
        self.assertNotIn('error', outcome['board'], outcome)
        self.assertEqual(outcome['link'], 200, outcome)
        self.assertEqual(calls['link_token'], 2, 'the link waited for the board, failed to lock, and was retried')
        self.assertEqual(calls['link_answer'], 1)
        self._assert_one_confirmation(ids)
