from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import AppointmentClinicalCase


@tagged('post_install', '-at_install')
class TestContextDefaultsGuarded(AppointmentClinicalCase):
    """``default_<field>`` keys of a client's context are values like the others: the create guard checks them."""

    def _count(self, model):
        return self.env[model].sudo().with_context(active_test=False).search_count([])

    def assertRefusedAndNothingWritten(self, model, exception, regex, env_model, vals):
        before = self._count(model)
        with self.assertRaisesRegex(exception, regex):
            env_model.create(vals)
        self.assertEqual(self._count(model), before, f'no {model} written')

    def test_receptionist_cannot_forge_anamnesis_or_anonymisation_by_default(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        vals = {'name': 'Paciente Forjado', 'birth_date': '1980-01-01'}
        for key, value in (
            ('default_allergies', 'Penicilina (falso)'),
            ('default_medications', 'Varfarina (falso)'),
        ):
            self.assertRefusedAndNothingWritten(
                'dental.patient', AccessError, '', Patient.with_context(**{key: value}), dict(vals)
            )
        self.assertRefusedAndNothingWritten(
            'dental.patient',
            AccessError,
            'set by the clinic\'s system',
            Patient.with_context(default_is_anonymized=True),
            dict(vals),
        )
        self.assertFalse(self.env['dental.patient'].search([('name', '=', 'Paciente Forjado')]))

    def test_receptionist_cannot_set_visit_facts_or_hijack_an_event_by_default(self):
        event = (
            self.env['calendar.event']
            .with_user(self.user_dentist)
            .create(
                {
                    'name': 'Reunião da Dra. Denise',
                    'start': self.at(4, 14),
                    'stop': self.at(4, 15),
                    'partner_ids': [(6, 0, self.user_dentist.partner_id.ids)],
                }
            )
        )
        Appointment = self.env['dental.appointment'].with_user(self.user_receptionist)
        vals = {
            'patient_id': self.patient.id,
            'dentist_id': self.user_dentist.id,
            'chair_id': self.chair_a.id,
            'start': self.at(2, 10),
            'duration': 1.0,
        }
        for key, value in (
            ('default_calendar_event_id', event.id),
            ('default_arrived_at', fields.Datetime.to_string(self.at(2, 10))),
            ('default_done_at', fields.Datetime.to_string(self.at(2, 11))),
            ('default_cancelled_by_id', self.user_dentist.id),
        ):
            self.assertRefusedAndNothingWritten(
                'dental.appointment',
                AccessError,
                'set by the clinic\'s system',
                Appointment.with_context(**{key: value}),
                dict(vals),
            )
        self.assertRecordValues(event, [{'name': 'Reunião da Dra. Denise', 'start': self.at(4, 14)}])
        self.assertFalse(self.env['dental.appointment'].search([('calendar_event_id', '=', event.id)]))
        # The front desk's own defaults (an action's default_patient_id, ...) still work.
        booked = Appointment.with_context(default_patient_id=self.patient_2.id).create(
            {k: v for k, v in vals.items() if k != 'patient_id'}
        )
        self.assertEqual(booked.patient_id, self.patient_2)

    def test_dentist_cannot_backdate_a_signature_or_date_a_treatment_ahead_by_default(self):
        Note = self.env['dental.clinical.note'].with_user(self.user_dentist)
        self.assertRefusedAndNothingWritten(
            'dental.clinical.note',
            AccessError,
            'set by the clinic\'s system',
            Note.with_context(default_state='signed', default_signed_date='2000-01-01 10:00:00'),
            {'patient_id': self.patient.id, 'body': '<p>Antiga</p>'},
        )
        # Signed through a default, it is signed now, by its author, like any note created signed.
        note = Note.with_context(default_state='signed').create({'patient_id': self.patient.id, 'body': '<p>Hoje</p>'})
        self.assertEqual(note.state, 'signed')
        self.assertGreater(note.signed_date, fields.Datetime.now() - timedelta(minutes=5))
        retention = self.patient.sudo()._dental_retention_dates()[self.patient.id]
        self.assertGreater(retention, fields.Date.today() + timedelta(days=365 * 19), 'kept 20 years from today')
        Treatment = self.env['dental.treatment'].with_user(self.user_dentist)
        self.assertRefusedAndNothingWritten(
            'dental.treatment',
            ValidationError,
            'cannot be done in the future',
            Treatment.with_context(default_state='done', default_date_done='2099-01-01'),
            {'patient_id': self.patient.id, 'procedure_id': self.procedure_cleaning.id},
        )
        tomorrow = self.env['dental.treatment']._dental_today() + timedelta(days=1)
        self.assertRefusedAndNothingWritten(
            'dental.treatment',
            ValidationError,
            'cannot be done in the future',
            Treatment.with_context(tz='Pacific/Kiritimati'),
            {
                'patient_id': self.patient.id,
                'procedure_id': self.procedure_cleaning.id,
                'state': 'done',
                'date_done': tomorrow,
            },
        )
        # The odontogram's defaults (patient, tooth, surfaces as a list of ids) still work.
        finding = (
            self.env['dental.tooth.condition']
            .with_user(self.user_dentist)
            .with_context(
                default_patient_id=self.patient.id,
                default_tooth='16',
                default_surface_ids=[self.surfaces['O'].id],
            )
            .create({'condition': 'caries'})
        )
        self.assertRecordValues(finding, [{'patient_id': self.patient.id, 'tooth': '16'}])
        self.assertEqual(finding.surface_ids, self.surfaces['O'])

    def test_consent_dated_ahead_by_default_refused(self):
        Consent = self.env['dental.consent'].with_user(self.user_receptionist)
        Consent.create({'patient_id': self.patient.id, 'consent_type': 'sms', 'state': 'withdrawn'})
        self.assertRefusedAndNothingWritten(
            'dental.consent',
            UserError,
            'cannot be dated in the future',
            Consent.with_context(default_date='2099-01-01 10:00:00'),
            {'patient_id': self.patient.id, 'consent_type': 'sms', 'state': 'given'},
        )
        self.assertFalse(self.patient.with_user(self.user_receptionist)._dental_has_consent('sms'))


@tagged('post_install', '-at_install')
class TestIntegrityFieldsAreSystem(AppointmentClinicalCase):
    def test_draft_note_takes_no_seal_from_a_client(self):
        Note = self.env['dental.clinical.note'].with_user(self.user_dentist)
        Chain = self.env['dental.integrity.chain']
        genuine = Note.create({'patient_id': self.patient.id, 'body': '<p>Genuína</p>'})
        genuine.action_sign()
        before = self.env['dental.clinical.note'].search_count([])
        forged = {'integrity_seq': genuine.integrity_seq, 'integrity_hash': genuine.integrity_hash}
        with self.assertRaisesRegex(AccessError, 'set by the clinic\'s system'):
            Note.create({'patient_id': self.patient.id, 'body': '<p>Falsa</p>', **forged})
        with self.assertRaisesRegex(AccessError, 'set by the clinic\'s system'):
            Note.with_context(default_integrity_seq=genuine.integrity_seq + 1).create(
                {'patient_id': self.patient.id, 'body': '<p>Falsa</p>'}
            )
        self.assertEqual(self.env['dental.clinical.note'].search_count([]), before)
        draft = Note.create({'patient_id': self.patient.id, 'body': '<p>Rascunho</p>'})
        with self.assertRaisesRegex(AccessError, 'set by the clinic\'s system'):
            draft.write({'integrity_hash': genuine.integrity_hash})
        with self.assertRaisesRegex(AccessError, 'set by the clinic\'s system'):
            draft.write({'integrity_seq': genuine.integrity_seq + 1})
        self.assertRecordValues(draft, [{'integrity_seq': 0, 'integrity_hash': False}])
        addendum_model = self.env['dental.clinical.note.addendum'].with_user(self.user_dentist)
        with self.assertRaisesRegex(AccessError, 'set by the clinic\'s system'):
            addendum_model.create({'note_id': genuine.id, 'body': 'Complemento', 'integrity_seq': 1})
        self.assertFalse(genuine.addendum_ids)
        draft.action_sign()
        self.assertEqual(draft.integrity_seq, genuine.integrity_seq + 1)
        self.assertEqual(Chain._verify(company_ids=[self.company.id]), [])
        self.assertEqual(Chain._verify(patient_ids=self.patient.ids), [])
