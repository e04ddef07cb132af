from datetime import datetime, time, timedelta

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestWaitlistTour(HttpCase):
    """The receptionist cancels tomorrow's visit and fills it from the short-notice list, in the browser."""

    def test_fill_a_cancelled_slot(self):
        receptionist = mail_new_test_user(
            self.env,
            login='waitlist_receptionist',
            name='Recepção Encaixe',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        dentist = mail_new_test_user(
            self.env, login='waitlist_dentist', name='Dra. Encaixe', groups='dental_clinic.group_dental_dentist'
        )
        chair = self.env['dental.chair'].create(
            {'name': 'Cadeira Encaixe', 'resource_calendar_id': always_open_calendar(self.env).id}
        )
        Patient = self.env['dental.patient']
        appointment = (
            self.env['dental.appointment']
            .with_user(receptionist)
            .create(
                {
                    'patient_id': Patient.create({'name': 'Paciente Cancela Tour'}).id,
                    'dentist_id': dentist.id,
                    'chair_id': chair.id,
                    'start': datetime.combine(fields.Date.today() + timedelta(days=1), time(15, 0)),
                    'duration': 1.0,
                }
            )
        )
        waiting = Patient.create({'name': 'Paciente Encaixe Tour'})
        entry = self.env['dental.waitlist'].create({'patient_id': waiting.id, 'sunday': True})
        self.start_tour(
            f'/odoo/action-dental_clinic.dental_appointment_action/{appointment.id}',
            'dental_waitlist_tour',
            login='waitlist_receptionist',
        )
        self.assertEqual(appointment.state, 'cancelled')
        self.assertEqual(entry.state, 'booked')
        self.assertEqual((entry.appointment_id.start, entry.appointment_id.chair_id), (appointment.start, chair))

    def test_offer_a_cancelled_slot_by_email(self):
        receptionist = mail_new_test_user(
            self.env,
            login='offer_tour_receptionist',
            name='Recepção Oferta',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        dentist = mail_new_test_user(
            self.env, login='offer_tour_dentist', name='Dra. Oferta', groups='dental_clinic.group_dental_dentist'
        )
        chair = self.env['dental.chair'].create(
            {'name': 'Cadeira Oferta Tour', 'resource_calendar_id': always_open_calendar(self.env).id}
        )
        Patient = self.env['dental.patient']
        appointment = (
            self.env['dental.appointment']
            .with_user(receptionist)
            .create(
                {
                    'patient_id': Patient.create({'name': 'Paciente Cancela Oferta'}).id,
                    'dentist_id': dentist.id,
                    'chair_id': chair.id,
                    'start': datetime.combine(fields.Date.today() + timedelta(days=1), time(15, 0)),
                    'duration': 1.0,
                }
            )
        )
        waiting = Patient.create({'name': 'Paciente Oferta Tour', 'email': 'oferta.tour@example.com'})
        entry = self.env['dental.waitlist'].create({'patient_id': waiting.id, 'sunday': True})
        self.start_tour(
            f'/odoo/action-dental_clinic.dental_appointment_action/{appointment.id}',
            'dental_waitlist_offer_tour',
            login='offer_tour_receptionist',
        )
        offer = self.env['dental.waitlist.offer'].search([('waitlist_id', '=', entry.id)])
        self.assertRecordValues(
            offer,
            [
                {
                    'channel': 'email',
                    'state': 'sent',
                    'sent_by_id': receptionist.id,
                    'freed_appointment_id': appointment.id,
                }
            ],
        )
        self.assertEqual(entry.state, 'waiting', 'on the list until the patient accepts')
