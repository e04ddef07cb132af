import json
import xmlrpc.client
from datetime import date, datetime, timedelta
from urllib.parse import quote

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import AppointmentCase, always_open_calendar

INVISIBLE_NAMES = ('\u200b', ' \u200b\u200c\u200d\ufeff ', '\u2060\u00ad', '\u3164', '\u202e\u202c')


@tagged('post_install', '-at_install')
class TestRulesEdges(AppointmentCase):
    """Small holes a client could use: event attendees, restricted reports, invisible names, long periods."""

    def test_receptionist_cannot_change_an_appointment_event_s_attendees(self):
        appointment = self._book(hour=9)
        event = appointment.sudo().calendar_event_id
        attendees = event.attendee_ids
        self.assertEqual(attendees.partner_id, self.user_dentist.partner_id)
        outsider = self.env['res.partner'].create({'name': 'Curioso', 'email': 'curioso@example.com'})
        Attendee = self.env['calendar.attendee'].with_user(self.user_receptionist)
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            Attendee.create({'event_id': event.id, 'partner_id': outsider.id})
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            attendees.with_user(self.user_receptionist).write({'partner_id': outsider.id})
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            attendees.with_user(self.user_receptionist).unlink()
        other_event = self.env['calendar.event'].create(
            {'name': 'Reunião', 'start': self.at(3, 9), 'stop': self.at(3, 10)}
        )
        other_attendee = Attendee.create({'event_id': other_event.id, 'partner_id': outsider.id})
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            other_attendee.write({'event_id': event.id})
        event.invalidate_recordset()
        self.assertEqual(event.attendee_ids, attendees)
        self.assertEqual(attendees.partner_id, self.user_dentist.partner_id)
        self.assertEqual(other_attendee.event_id, other_event)
        # The dentist still answers the invitation.
        attendees.with_user(self.user_dentist).do_decline()
        self.assertEqual(attendees.state, 'declined')

    def test_restricted_report_refused_to_other_roles(self):
        Report = self.env['ir.actions.report']
        logs = self.env['dental.access.log'].sudo().search_count([])
        forged = {'sections': [{'title': 'Forjado', 'rows': [[('Nome', 'Falso')]]}], 'exported_at': 'hoje'}
        for user in (self.user_receptionist, self.user_dentist):
            for render in (Report.with_user(user)._render_qweb_html, Report.with_user(user)._render_qweb_pdf):
                with self.subTest(user=user.login, render=render.__name__):
                    with self.assertRaisesRegex(AccessError, 'not allowed to print this report'):
                        render('dental_clinic.action_report_dental_patient_export', self.patient.ids, data=forged)
        self.assertEqual(self.env['dental.access.log'].sudo().search_count([]), logs)
        html, _kind = Report.with_user(self.user_manager)._render_qweb_html(
            'dental_clinic.action_report_dental_patient_export', self.patient.ids, data=forged
        )
        self.assertIn(b'Paciente', html)

    def test_invisible_names_are_blank(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        count = Patient.search_count([])
        for name in INVISIBLE_NAMES:
            with self.subTest(name=repr(name)):
                with self.assertRaisesRegex(ValidationError, "patient's name"):
                    Patient.create({'name': name})
                with self.assertRaisesRegex(ValidationError, "patient's name"):
                    self.patient.with_user(self.user_receptionist).write({'name': name})
        self.assertEqual(Patient.search_count([]), count)
        self.patient.invalidate_recordset()
        self.assertEqual(self.patient.name, 'Paciente Padrão')
        self.assertEqual(Patient.create({'name': '\u200bJoão'}).name, '\u200bJoão')
        appointment = self._book(hour=9)
        with self.assertRaisesRegex(ValidationError, 'reason'):
            appointment.with_user(self.user_receptionist).cancel('patient', '\u200b\u200b')
        self.assertEqual(appointment.state, 'scheduled')

    def test_statistics_period_is_capped(self):
        Wizard = self.env['dental.statistics.wizard'].with_user(self.user_manager)
        count = Wizard.sudo().search_count([])
        for date_from, date_to in (('1900-01-01', '2099-12-31'), ('2020-01-01', '2025-01-01')):
            with self.subTest(date_from=date_from), self.assertRaisesRegex(UserError, 'at most 5 years'):
                # An RPC call rolls its whole transaction back; here, the savepoint does.
                with self.env.cr.savepoint():
                    Wizard.create({'date_from': date_from, 'date_to': date_to})
        self.assertEqual(Wizard.sudo().search_count([]), count)
        wizard = Wizard.create({'date_from': '2020-01-01', 'date_to': '2024-12-31'})
        with self.assertRaisesRegex(UserError, 'at most 5 years'), self.env.cr.savepoint():
            wizard.write({'date_from': '1800-01-01'})
        wizard.invalidate_recordset()
        self.assertEqual(wizard.date_from, date(2020, 1, 1))
        wizard.action_compute_occupancy()


@tagged('post_install', '-at_install')
class TestRulesEdgesHttp(HttpCase):
    """The same holes through the routes and XML-RPC, as an anonymous visitor or a logged-in user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='edge_receptionist',
            password='edge_receptionist_pw',
            name='Rita Borda',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        cls.dentist = mail_new_test_user(
            cls.env, login='edge_dentist', name='Dra. Borda', groups='dental_clinic.group_dental_dentist'
        )
        chair = cls.env['dental.chair'].create(
            {
                'name': 'Cadeira Borda',
                'dentist_id': cls.dentist.id,
                'resource_calendar_id': always_open_calendar(cls.env, 'Always open (edges)').id,
            }
        )
        cls.patient = cls.env['dental.patient'].create({'name': 'Paciente Borda', 'mobile': '+5511987651111'})
        cls.appointment = cls.env['dental.appointment'].create(
            {
                'patient_id': cls.patient.id,
                'dentist_id': cls.dentist.id,
                'chair_id': chair.id,
                'start': (datetime.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0),
                'duration': 1.0,
            }
        )
        procedures = cls.env['dental.procedure'].create(
            [{'name': f'Profilaxia Borda {n}', 'recall_months': 6} for n in range(3)]
        )
        cls.recalls = cls.env['dental.recall'].create(
            [
                {'patient_id': cls.patient.id, 'procedure_id': procedure.id, 'due_date': '2031-01-01'}
                for procedure in procedures
            ]
        )
        cls.consent = cls.env['dental.consent'].create({'patient_id': cls.patient.id, 'consent_type': 'email'})

    def _page_url(self, token=None):
        return f'/dental/c/{self.appointment.id}/{token or self.appointment.dental_confirm_token}'

    def test_non_ascii_token_is_an_invalid_link(self):
        for token in ('çãõ€', 'ção' * 8, '\U0001f600', '%FF%FE', None):
            with self.subTest(token=token):
                # None: bytes that are not UTF-8 at all.
                path = quote(token) if token else '%FF%FEabc'
                response = self.url_open(f'/dental/c/{self.appointment.id}/{path}')
                self.assertEqual(response.status_code, 200)
                self.assertIn('This link is not valid', response.text)
                self.assertNotIn(self.dentist.name, response.text)
        self.appointment.invalidate_recordset()
        self.assertEqual(self.appointment.state, 'scheduled')

    def test_page_cannot_be_framed(self):
        for url in (self._page_url(), self._page_url('x' * 22)):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.headers.get('X-Frame-Options'), 'DENY')
                policy = response.headers.get('Content-Security-Policy', '')
                self.assertIn("frame-ancestors 'none'", policy)
                self.assertIn("default-src 'none'", policy)

    def test_used_link_opened_again_logs_once(self):
        self.appointment.sudo().write({'patient_response': 'confirmed'})
        before = len(self.appointment.message_ids)
        for _i in range(4):
            self.assertIn('already been recorded', self.url_open(self._page_url()).text)
        self.appointment.invalidate_recordset()
        self.assertEqual(len(self.appointment.message_ids), before + 1)

    def test_export_report_route_refused_to_the_front_desk(self):
        self.authenticate('edge_receptionist', 'edge_receptionist_pw')
        logs = self.env['dental.access.log'].sudo().search_count([])
        options = json.dumps({'sections': [{'title': 'Forjado', 'rows': [[['Nome', 'Injetado']]]}], 'exported_at': 'x'})
        with mute_logger('odoo.http', 'odoo.addons.web.controllers.report'):
            response = self.url_open(
                f'/report/html/dental_clinic.report_dental_patient_export/{self.patient.id}?options={quote(options)}'
            )
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn('Injetado', response.text)
        self.assertNotIn('Paciente Borda', response.text)
        self.assertEqual(self.env['dental.access.log'].sudo().search_count([]), logs)

    def test_buttons_answer_over_xml_rpc(self):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, 'edge_receptionist', 'edge_receptionist_pw', {})
        self.assertTrue(uid)

        def call(model, method, *args):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, uid, 'edge_receptionist_pw', model, method, list(args)
            )

        contacted, not_interested, snoozed = self.recalls
        self.assertIs(call('dental.recall', 'action_contacted', contacted.ids), True)
        self.assertIs(call('dental.recall', 'action_not_interested', not_interested.ids), True)
        self.assertIs(call('dental.recall', 'snooze', snoozed.ids, '2099-01-01'), True)
        self.assertIs(call('dental.consent', 'action_withdraw', self.consent.ids), True)
        self.recalls.invalidate_recordset()
        self.assertEqual(self.recalls.mapped('state'), ['contacted', 'not_interested', 'snoozed'])
        self.assertEqual(self.patient.consent_ids.mapped('state'), ['withdrawn', 'given'])
        # A closed recall still refuses, with its message.
        with self.assertRaisesRegex(xmlrpc.client.Fault, 'already closed'):
            call('dental.recall', 'action_contacted', not_interested.ids)
