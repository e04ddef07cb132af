import base64
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from psycopg2.errors import RestrictViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import AppointmentClinicalCase

# The dates of every clinical entry, moved back together when a test ages a record.
AGED_COLUMNS = {
    'dental_treatment': ('date_done', 'create_date'),
    'dental_tooth_condition': ('date', 'create_date'),
    'dental_treatment_plan': ('date', 'date_accepted', 'create_date'),
    'dental_clinical_note': ('date', 'signed_date', 'create_date'),
    'dental_clinical_note_addendum': ('date', 'create_date'),
    'dental_consent': ('date', 'create_date'),
}


@tagged('post_install', '-at_install')
class TestLgpdAnonymize(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.guardian = cls.env['res.partner'].create({'name': 'Mãe Responsável', 'email': 'mae@example.com'})
        cls.patient.write(
            {
                'guardian_id': cls.guardian.id,
                'guardian_relation': 'Mãe',
                'street': 'Rua A, 1',
                'city': 'São Paulo',
                'zip': '01000-000',
                'phone': '(11) 3333-4444',
                'email': 'paciente@example.com',
                'notes': '<p>Prefere manhã.</p>',
            }
        )
        # A past visit (Monday 2024-01-08, 9:00 in São Paulo) with its clinical record.
        cls.visit = cls._book(start=datetime(2024, 1, 8, 12), notes='<p>Chega de táxi.</p>')
        cls.treatment = cls._create_treatment(appointment_id=cls.visit.id, state='done', date_done='2024-01-08')
        cls.note = (
            cls.env['dental.clinical.note']
            .with_user(cls.user_dentist)
            .create({'patient_id': cls.patient.id, 'appointment_id': cls.visit.id, 'body': '<p>Restauração 16 O.</p>'})
        )
        cls.note.action_sign()
        cls.finding = cls.env['dental.tooth.condition'].create(
            {'patient_id': cls.patient.id, 'tooth': '26', 'condition': 'caries', 'surface_ids': cls._surface_ids('O')}
        )
        cls.patient.message_post(body='Paciente ligou: (11) 98765-4321')
        cls.visit.message_post(body='Confirmou por telefone')
        Attachment = cls.env['ir.attachment']
        cls.attachments = Attachment.create(
            [
                {
                    'name': 'rg.pdf',
                    'datas': base64.b64encode(b'RG'),
                    'res_model': 'dental.patient',
                    'res_id': cls.patient.id,
                },
                {
                    'name': 'guia.pdf',
                    'datas': base64.b64encode(b'G'),
                    'res_model': 'dental.appointment',
                    'res_id': cls.visit.id,
                },
            ]
        )

    def _anonymize(self, patient=None, user=None):
        wizard = (
            self.env['dental.patient.anonymize']
            .with_user(user or self.user_manager)
            .create({'patient_id': (patient or self.patient).id, 'confirm': True})
        )
        return wizard.action_anonymize()

    def test_anonymize_clears_identity_keeps_record(self):
        partner = self.patient.partner_id
        self.env.cr.precommit.run()  # records created in this transaction are not tracked before it ends
        self.patient.with_user(self.user_dentist).write({'allergies': 'Penicilina'})
        self.env.cr.precommit.run()  # the tracking message, to be cleared too
        clinical_before = {
            model: self.env[model].search_count([('patient_id', '=', self.patient.id)])
            for model in ('dental.treatment', 'dental.clinical.note', 'dental.tooth.condition', 'dental.appointment')
        }
        self._anonymize()
        self.env.cr.precommit.run()  # what tracking would write at commit
        patient = self.patient
        patient.invalidate_recordset()
        self.assertEqual(patient.name, f'Anonymised patient {patient.file_number}')
        self.assertTrue(patient.is_anonymized)
        for fname in (
            'cpf',
            'cpf_digits',
            'phone',
            'mobile',
            'phone_digits',
            'phone_national',
            'mobile_national',
            'email',
            'search_email',
            'street',
            'city',
            'zip',
            'guardian_id',
            'guardian_relation',
            'notes',
        ):
            self.assertFalse(patient[fname], fname)
        self.assertEqual(patient.birth_date, date(1985, 1, 1), 'only the year of birth stays')
        self.assertEqual(patient.partner_id, partner, 'a contact used nowhere else is anonymised in place')
        self.assertEqual(partner.name, patient.name)
        self.assertFalse(partner.email or partner.mobile or partner.street)
        self.assertEqual(self.guardian.name, 'Mãe Responsável', 'the guardian is another person: only the link goes')
        # Chatter and attachments of the patient and its appointments are gone.
        Message = self.env['mail.message']
        self.assertFalse(Message.search([('model', '=', 'dental.patient'), ('res_id', '=', patient.id)]))
        self.assertFalse(Message.search([('model', '=', 'dental.appointment'), ('res_id', '=', self.visit.id)]))
        self.assertFalse(
            Message.search([('model', '=', 'res.partner'), ('res_id', '=', partner.id)]),
            'no tracking of the old name, e-mail or phone on the contact either',
        )
        self.assertFalse(self.attachments.exists())
        self.assertFalse(self.visit.notes)
        self.assertEqual(self.visit.with_context(active_test=False).calendar_event_id.name, patient.name)
        # The clinical record is intact and linked.
        self.assertEqual(patient.allergies, 'Penicilina')
        for model, count in clinical_before.items():
            self.assertEqual(self.env[model].search_count([('patient_id', '=', patient.id)]), count, model)
        self.assertEqual(self.note.appointment_id, self.visit)
        self.assertEqual(self.treatment.state, 'done')
        self.assertEqual(self.env['dental.integrity.chain']._verify(patient_ids=patient.ids), [])
        log = self.env['dental.lgpd.log'].sudo().search([('patient_id', '=', patient.id)])
        self.assertEqual((log.event, log.user_id), ('anonymize', self.user_manager))

    def test_contact_used_elsewhere_only_loses_the_link(self):
        other = self._create_patient(name='Filho', birth_date='2015-05-05', guardian_id=self.patient.partner_id.id)
        partner = self.patient.partner_id
        self._anonymize()
        self.assertNotEqual(self.patient.partner_id, partner)
        self.assertEqual(partner.name, 'Paciente Padrão', 'the contact of another record is untouched')
        self.assertEqual(other.guardian_id, partner)
        self.assertEqual(self.patient.name, f'Anonymised patient {self.patient.file_number}')
        self.assertFalse(self.patient.email or self.patient.mobile or self.patient.cpf)

    def test_refused_with_future_appointments(self):
        self._book()  # 2031
        with self.assertRaisesRegex(UserError, 'future appointments'):
            self._anonymize()
        self.assertEqual(self.patient.name, 'Paciente Padrão')

    def test_managers_only(self):
        for user in (self.user_receptionist, self.user_dentist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._anonymize(user=user)
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_dentist)._dental_anonymize()
        with self.assertRaises(UserError):
            self.env['dental.patient.anonymize'].with_user(self.user_manager).create(
                {'patient_id': self.patient.id}
            ).action_anonymize()


@tagged('post_install', '-at_install')
class TestLgpdRetention(AppointmentClinicalCase):
    # The purge's lock is checked by PostgreSQL against its own CURRENT_DATE, which no Python clock moves.
    freeze_time = None

    def _age_record(self, patient, years):
        """Move the patient's clinical entries ``years`` back, as a record kept that long would be."""
        self.env.flush_all()
        shift = SQL("interval '%s years'", SQL(str(int(years))))
        for table, columns in AGED_COLUMNS.items():
            self.env.cr.execute(SQL("ALTER TABLE %s DISABLE TRIGGER USER", SQL.identifier(table)))
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s WHERE patient_id = %s",
                    SQL.identifier(table),
                    SQL(', ').join(
                        SQL("%s = %s - %s", SQL.identifier(column), SQL.identifier(column), shift) for column in columns
                    ),
                    patient.id,
                )
            )
            self.env.cr.execute(SQL("ALTER TABLE %s ENABLE TRIGGER USER", SQL.identifier(table)))
        self.env.cr.execute(
            SQL("UPDATE dental_patient SET create_date = create_date - %s WHERE id = %s", shift, patient.id)
        )
        self.env.invalidate_all()
        self.env.add_to_compute(patient._fields['retention_date'], patient)
        patient.flush_recordset()

    def _patient_with_record(self):
        patient = self._create_patient(name='Paciente Antigo')
        self._create_treatment(patient_id=patient.id, state='done')
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create({'patient_id': patient.id, 'body': '<p>Extração.</p>'})
        )
        note.action_sign()
        self.env['dental.clinical.note.addendum'].with_user(self.user_dentist).create(
            {'note_id': note.id, 'body': 'Sem intercorrências.'}
        )
        return patient

    def test_retention_date(self):
        patient = self._patient_with_record()
        today = fields.Date.context_today(patient)
        self.assertEqual(patient.retention_date, today + relativedelta(years=20))
        self.assertFalse(patient.retention_over)
        self.assertFalse(self._create_patient(name='Sem registro').retention_date)

    def test_delete_refused_before_retention_for_everyone(self):
        patient = self._patient_with_record()
        for env in (
            patient.with_user(self.user_manager),
            patient.with_user(self.env.ref('base.user_admin')),
            patient.sudo(),
        ):
            with self.subTest(uid=env.env.uid, su=env.env.su), self.assertRaisesRegex(UserError, 'must be kept'):
                env.unlink()
        with self.assertRaisesRegex(UserError, 'must be kept'):
            self.env['dental.patient.purge'].with_user(self.user_manager).create(
                {'patient_id': patient.id, 'confirm': True}
            ).action_purge()
        self.assertTrue(patient.exists())

    def test_purge_after_retention_through_the_wizard(self):
        patient = self._patient_with_record()
        self._book(patient_id=patient.id, start=datetime(2004, 1, 5, 12), state='cancelled')
        self._age_record(patient, 21)
        self.assertLess(patient.retention_date, fields.Date.context_today(patient))
        self.assertTrue(patient.retention_over)
        file_number = patient.file_number
        # Still not without the wizard, nor by another role.
        with self.assertRaises(UserError):
            patient.sudo().unlink()
        with self.assertRaises(AccessError):
            self.env['dental.patient.purge'].with_user(self.user_dentist).create({'patient_id': patient.id})
        self.env['dental.patient.purge'].with_user(self.user_manager).create(
            {'patient_id': patient.id, 'confirm': True}
        ).action_purge()
        self.assertFalse(patient.exists())
        for model in (
            'dental.treatment',
            'dental.clinical.note',
            'dental.clinical.note.addendum',
            'dental.appointment',
        ):
            self.assertFalse(self.env[model].with_context(active_test=False).search([('patient_id', '=', patient.id)]))
        log = self.env['dental.lgpd.log'].sudo().search([('file_number', '=', file_number)])
        self.assertEqual((log.event, log.user_id, log.patient_id.id), ('delete', self.user_manager, False))
        # The lock is back for everybody else.
        self.env.cr.execute(SQL("SELECT current_setting('dental_clinic.purge_patient_ids', true)"))
        self.assertFalse(self.env.cr.fetchone()[0])

    def _patient_with_undated_record(self):
        """Findings, a plan with a planned treatment and a draft note: entries with no date of their own."""
        patient = self._create_patient(name='Paciente em Planejamento')
        Finding = self.env['dental.tooth.condition'].with_user(self.user_dentist)
        Finding.create({'patient_id': patient.id, 'tooth': '26', 'condition': 'caries', 'date': '2001-03-01'})
        plan = self.env['dental.treatment.plan'].with_user(self.user_dentist).create({'patient_id': patient.id})
        self._create_treatment(patient_id=patient.id, plan_id=plan.id)
        self.env['dental.clinical.note'].with_user(self.user_dentist).create(
            {'patient_id': patient.id, 'body': '<p>Rascunho.</p>'}
        )
        return patient

    def test_purge_refused_for_a_record_without_dated_entries(self):
        patient = self._patient_with_undated_record()
        today = fields.Date.context_today(patient)
        # The undated entries count from their creation (today), the back-dated finding too.
        self.assertEqual(patient.retention_date, today + relativedelta(years=20))
        entries = {
            model: self.env[model].with_context(active_test=False).search([('patient_id', '=', patient.id)])
            for model in ('dental.tooth.condition', 'dental.treatment.plan', 'dental.treatment', 'dental.clinical.note')
        }
        self.assertTrue(all(entries.values()))
        with self.assertRaisesRegex(UserError, 'must be kept'):
            self.env['dental.patient.purge'].with_user(self.user_manager).create(
                {'patient_id': patient.id, 'confirm': True}
            ).action_purge()
        with self.assertRaisesRegex(UserError, 'must be kept'):
            patient.with_user(self.user_manager).unlink()
        self.assertTrue(patient.exists())
        self.assertTrue(all(records.exists() for records in entries.values()))
        self.assertFalse(self.env['dental.lgpd.log'].sudo().search([('patient_id', '=', patient.id)]))

    def test_consent_and_anamnesis_are_entries_of_the_record(self):
        with_consent = self._create_patient(name='Só Consentimento')
        self.env['dental.consent'].with_user(self.user_receptionist).create(
            {'patient_id': with_consent.id, 'consent_type': 'treatment'}
        )
        with_anamnesis = self._create_patient(name='Só Anamnese')
        with_anamnesis.with_user(self.user_dentist).write({'allergies': 'Penicilina'})
        for patient in with_consent | with_anamnesis:
            with self.subTest(patient=patient.name):
                self.assertTrue(patient.retention_date)
                with self.assertRaisesRegex(UserError, 'must be kept'):
                    patient.with_user(self.user_manager).unlink()
                self.assertTrue(patient.exists())
        # A patient with nothing in the record can still be deleted (a duplicate typed by mistake).
        empty = self._create_patient(name='Cadastro Duplicado')
        self.assertFalse(empty.retention_date)
        empty.with_user(self.user_manager).unlink()
        self.assertFalse(empty.exists())

    def test_purge_of_an_undated_record_after_retention(self):
        patient = self._patient_with_undated_record()
        self._age_record(patient, 21)
        self.assertTrue(patient.retention_over)
        self.env['dental.patient.purge'].with_user(self.user_manager).create(
            {'patient_id': patient.id, 'confirm': True}
        ).action_purge()
        self.assertFalse(patient.exists())
        for model in ('dental.tooth.condition', 'dental.treatment.plan', 'dental.treatment', 'dental.clinical.note'):
            self.assertFalse(self.env[model].with_context(active_test=False).search([('patient_id', '=', patient.id)]))

    def test_retention_not_shortened_by_hand(self):
        patient = self._patient_with_record()
        with self.assertRaises(UserError):
            patient.with_user(self.user_manager).write({'retention_date': '2000-01-01'})
        # Even a stored date changed behind Odoo's back does not open the lock: it is computed again.
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE dental_patient SET retention_date = '2000-01-01' WHERE id = %s", patient.id))
        patient.invalidate_recordset()
        with self.assertRaisesRegex(UserError, 'must be kept'):
            self.env['dental.patient.purge'].with_user(self.user_manager).create(
                {'patient_id': patient.id, 'confirm': True}
            ).action_purge()
        self.env.cr.execute(SQL("SELECT set_config('dental_clinic.purge_patient_ids', %s, true)", f',{patient.id},'))
        with self.assertRaisesRegex(UserError, 'must be kept'):
            patient.sudo().unlink()
        note = self.env['dental.clinical.note'].search([('patient_id', '=', patient.id)])
        with mute_logger('odoo.sql_db'), self.assertRaises(RestrictViolation), self.env.cr.savepoint():
            self.env.cr.execute(SQL("DELETE FROM dental_clinical_note WHERE id = %s", note.id))
        self.env.cr.execute(SQL("SELECT set_config('dental_clinic.purge_patient_ids', '', true)"))
