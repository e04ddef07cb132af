import base64
import json

from psycopg2.errors import RestrictViolation

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import AppointmentClinicalCase

# A 1×1 PNG: what the signature widget stores, base64-encoded.
SIGNATURE_PNG = base64.b64encode(
    bytes.fromhex(
        '89504e470d0a1a0a0000000d4948445200000001000000010806000000'
        '1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082'
    )
)
OTHER_PNG = base64.b64encode(b'\x89PNG forged image')


class SignedDocumentCase(AppointmentClinicalCase):
    """A dentist with a CRO in each company, and the catalogue's amoxicillin."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_dentist.write({'dental_cro': '12345', 'dental_cro_uf': 'SP', 'dental_specialty': 'endodontics'})
        cls.user_manager.write({'dental_cro': '54321', 'dental_cro_uf': 'RJ'})
        cls.user_dentist_other = mail_new_test_user(
            cls.env,
            login='dental_dentist_other',
            name='Dr. Otto Filial',
            groups='dental_clinic.group_dental_dentist',
            company_id=cls.company_other.id,
            company_ids=[Command.set(cls.company_other.ids)],
            tz='America/Sao_Paulo',
        )
        cls.user_dentist_other.write({'dental_cro': '999', 'dental_cro_uf': 'MG'})
        cls.Chain = cls.env['dental.integrity.chain']
        cls.medicine = cls.env['dental.medicine'].create(
            {
                'name': 'Amoxicilina',
                'concentration': '500 mg',
                'pharmaceutical_form': 'cápsula',
                'quantity': '21 cápsulas',
                'posology': 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.',
            }
        )

    def _prescription(self, user=None, **values):
        values.setdefault('patient_id', self.patient.id)
        values.setdefault(
            'line_ids',
            [
                Command.create(
                    {
                        'name': 'Amoxicilina',
                        'concentration': '500 mg',
                        'pharmaceutical_form': 'cápsula',
                        'quantity': '21 cápsulas',
                        'posology': 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.',
                    }
                ),
                Command.create(
                    {
                        'name': 'Clorexidina',
                        'concentration': '0,12%',
                        'quantity': '1 frasco',
                        'posology': 'Bochechar 15 ml de 12 em 12 horas.',
                        'use': 'external',
                    }
                ),
            ],
        )
        return self.env['dental.prescription'].with_user(user or self.user_dentist).create(values)

    def _sql_behind_odoo(self, tables, query):
        """What someone with database access could do: disable the locks, change rows, enable them back."""
        self.env.flush_all()
        for table in tables:
            self.env.cr.execute(SQL("ALTER TABLE %s DISABLE TRIGGER USER", SQL.identifier(table)))
        self.env.cr.execute(query)
        for table in tables:
            self.env.cr.execute(SQL("ALTER TABLE %s ENABLE TRIGGER USER", SQL.identifier(table)))
        self.env.invalidate_all()

    def _problems(self, document):
        problems = self.Chain._verify(patient_ids=document.patient_id.ids)
        return {(p['kind'], p['id'], p['problem']) for p in problems}


@tagged('post_install', '-at_install')
class TestSignedDocumentCore(SignedDocumentCase):
    """What every signed document gets from ``dental.signed.document``, checked on prescriptions."""

    def test_sign_freezes_identity_and_content_and_seals(self):
        prescription = self._prescription()
        self.assertEqual(prescription.state, 'draft')
        self.assertFalse(prescription.integrity_hash)
        prescription.action_sign()
        self.assertEqual(prescription.state, 'signed')
        self.assertEqual(prescription.author_id, self.user_dentist)
        self.assertEqual(
            (prescription.dentist_name, prescription.dentist_cro, prescription.dentist_cro_uf),
            ('Dra. Denise Dentista', '12345', 'SP'),
        )
        self.assertEqual(prescription.dentist_specialty, 'Endodontics')
        self.assertEqual(prescription.patient_name, self.patient.name)
        self.assertTrue(prescription.integrity_seq and prescription.integrity_hash)
        sealed = json.loads(prescription.sealed_content)
        self.assertEqual([line['name'] for line in sealed['content']['lines']], ['Amoxicilina', 'Clorexidina'])
        self.assertEqual(sealed['dentist']['cro'], '12345')
        head = self.Chain.sudo().search([('company_id', '=', self.company.id)])
        self.assertEqual((head.last_seq, head.last_hash), (prescription.integrity_seq, prescription.integrity_hash))
        self.assertEqual(self.Chain._verify(company_ids=[self.company.id]), [])
        self.assertEqual(self.Chain._verify(patient_ids=self.patient.ids), [])
        # A later change of the dentist's registration does not change what was signed.
        self.user_dentist.dental_cro = '777'
        self.assertEqual(prescription._dental_print_values()['dentist']['cro'], '12345')
        self.assertEqual(self.Chain._verify(patient_ids=self.patient.ids), [])

    def test_documents_share_the_chain_with_notes(self):
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create({'patient_id': self.patient.id, 'body': '<p>Exodontia do 38.</p>'})
        )
        note.action_sign()
        prescription = self._prescription()
        prescription.action_sign()
        certificate = (
            self.env['dental.certificate']
            .with_user(self.user_dentist)
            .create({'patient_id': self.patient.id, 'leave_days': 2})
        )
        certificate.action_sign()
        seqs = [note.integrity_seq, prescription.integrity_seq, certificate.integrity_seq]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 3)))
        self.assertEqual(self.Chain._verify(company_ids=[self.company.id]), [])
        self.assertIn('dental_prescription', self.Chain._chain_query().code)
        self.assertEqual(self.Chain._count_entries(patient_ids=self.patient.ids), 3)

    def test_signing_needs_a_dentist_with_a_cro(self):
        self.user_dentist.write({'dental_cro': False})
        prescription = self._prescription()
        with self.assertRaisesRegex(UserError, 'preferences'):
            prescription.action_sign()
        self.user_dentist.write({'dental_cro': '12345', 'dental_cro_uf': False})
        with self.assertRaisesRegex(UserError, 'preferences'):
            prescription.action_sign()
        # Each dentist fills in their own registration (their preferences), not another's.
        self.user_dentist.with_user(self.user_dentist).write({'dental_cro': '12345', 'dental_cro_uf': 'SP'})
        receptionist_writes = self.user_dentist.with_user(self.user_receptionist)
        with self.assertRaises(AccessError):
            receptionist_writes.write({'dental_cro': '1'})
        # The clinic's manager may set it for the users of their companies (their Dentists' Registration list).
        self.user_dentist.with_user(self.user_manager).write({'dental_specialty': 'periodontics'})
        with self.assertRaises(AccessError):
            self.user_dentist.with_user(self.user_manager).write({'dental_specialty': 'general', 'login': 'x'})
        self.assertEqual(self.user_dentist.dental_specialty, 'periodontics')
        with self.assertRaises(AccessError):
            self.user_dentist_other.with_user(self.user_manager).write({'dental_cro': '1'})
        prescription.action_sign()
        self.assertEqual(prescription.state, 'signed')
        with self.assertRaisesRegex(UserError, 'signed already'):
            prescription._dental_sign()

    def test_who_signs(self):
        prescription = self._prescription()
        for user, error in (
            (self.user_receptionist, AccessError),
            (self.user_employee, AccessError),
            (self.user_dentist_other, AccessError),
        ):
            with self.subTest(user=user.login), self.assertRaises(error):
                prescription.with_user(user).action_sign()
        self.assertEqual(prescription.state, 'draft')
        prescription.with_user(self.user_manager).action_sign()
        self.assertEqual(prescription.author_id, self.user_manager)
        self.assertEqual(prescription.dentist_cro_uf, 'RJ')

    def test_system_fields_are_refused(self):
        for fname, value in (
            ('state', 'signed'),
            ('sealed_content', '{}'),
            ('integrity_hash', 'x'),
            ('integrity_seq', 1),
            ('dentist_name', 'Dr. Falso'),
            ('dentist_cro', '1'),
            ('author_id', self.user_manager.id),
            ('signed_date', '2030-01-01 10:00:00'),
            ('patient_signed_date', '2030-01-01 10:00:00'),
        ):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    self._prescription(**{fname: value})
                draft = self._prescription()
                with self.assertRaises(AccessError):
                    draft.write({fname: value})

    def test_signed_documents_refuse_every_change(self):
        prescription = self._prescription(patient_signature=SIGNATURE_PNG)
        self.assertTrue(prescription.patient_signed_date)
        prescription.action_sign()
        line = prescription.line_ids[0]
        for env_prescription in (prescription, prescription.with_user(self.user_manager), prescription.sudo()):
            with self.subTest(su=env_prescription.env.su, uid=env_prescription.env.uid):
                with self.assertRaisesRegex(UserError, 'cannot be changed'):
                    env_prescription.write({'notes': 'Mudado'})
                with self.assertRaisesRegex(UserError, 'cannot be changed'):
                    env_prescription.unlink()
                with self.assertRaisesRegex(UserError, 'cannot be changed'):
                    line.with_env(env_prescription.env).write({'posology': 'Outra coisa'})
                with self.assertRaisesRegex(UserError, 'cannot be changed'):
                    line.with_env(env_prescription.env).unlink()
                with self.assertRaisesRegex(UserError, 'cannot be changed'):
                    self.env['dental.prescription.line'].with_env(env_prescription.env).create(
                        {'prescription_id': prescription.id, 'name': 'X', 'posology': 'Y'}
                    )
        self.env.flush_all()
        for query in (
            SQL("UPDATE dental_prescription SET notes = 'x' WHERE id = %s", prescription.id),
            SQL("UPDATE dental_prescription SET patient_signature = NULL WHERE id = %s", prescription.id),
            SQL("DELETE FROM dental_prescription WHERE id = %s", prescription.id),
            SQL("UPDATE dental_prescription_line SET posology = 'x' WHERE id = %s", line.id),
            SQL("DELETE FROM dental_prescription_line WHERE id = %s", line.id),
            SQL(
                "INSERT INTO dental_prescription_line (prescription_id, name, posology, use) "
                "VALUES (%s, 'X', 'Y', 'internal')",
                prescription.id,
            ),
        ):
            with (
                self.subTest(query=query.code),
                mute_logger('odoo.sql_db'),
                self.assertRaises(RestrictViolation),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(query)
        # Drafts stay free.
        draft = self._prescription()
        draft.line_ids[0].posology = 'Tomar 1 cápsula de 12 em 12 horas.'
        draft.line_ids[1].unlink()
        draft.unlink()

    def test_forgery_behind_odoo_is_reported(self):
        prescription = self._prescription(patient_signature=SIGNATURE_PNG)
        prescription.action_sign()
        other = self._prescription()
        other.action_sign()
        tables = ('dental_prescription', 'dental_prescription_line')
        # Another signature image: the hash covers its SHA-256.
        self._sql_behind_odoo(
            tables,
            SQL("UPDATE dental_prescription SET patient_signature = %s WHERE id = %s", OTHER_PNG, prescription.id),
        )
        self.assertIn(('dental_prescription', prescription.id, 'hash_mismatch'), self._problems(prescription))
        # A line's text: the live content no longer matches what was sealed.
        self._sql_behind_odoo(
            tables,
            SQL(
                "UPDATE dental_prescription_line SET posology = 'Tomar 3 cápsulas' WHERE prescription_id = %s",
                other.id,
            ),
        )
        self.assertIn(('dental_prescription', other.id, 'content_changed'), self._problems(other))
        # The sealed text itself.
        self._sql_behind_odoo(
            tables,
            SQL("UPDATE dental_prescription SET sealed_content = sealed_content || ' ' WHERE id = %s", other.id),
        )
        self.assertIn(('dental_prescription', other.id, 'hash_mismatch'), self._problems(other))
        whole = {(p['kind'], p['id'], p['problem']) for p in self.Chain._verify(company_ids=[self.company.id])}
        self.assertIn(('dental_prescription', prescription.id, 'hash_mismatch'), whole)
        # The manager's Verify Integrity says so.
        action = self.patient.with_user(self.user_manager).with_context(lang='en_US').action_verify_integrity()
        self.assertEqual(action['params']['type'], 'danger')
        self.assertIn(f'Prescription #{other.id}: content changed after signing', action['params']['message'])

    def test_signing_query_count(self):
        """Signing adds at most 3 queries to what a write of the draft costs."""
        first = self._prescription()
        first.action_sign()  # the chain's head exists
        prescription = self._prescription()
        prescription.invalidate_recordset()
        prescription.line_ids.mapped('name')
        prescription.patient_id.mapped('name')
        self.env.flush_all()
        with self.assertQueryCount(__system__=2, dental_dentist=2):
            prescription.with_user(self.user_dentist).write({'notes': 'Retornar em 7 dias.'})
            prescription.flush_recordset()
        self.env.invalidate_all()
        prescription.line_ids.mapped('name')
        prescription.patient_id.mapped('name')
        prescription.patient_id.company_id.partner_id.mapped('name')
        prescription.patient_id.partner_id.mapped('name')
        self.user_dentist.mapped('dental_cro')
        self.user_dentist.sudo().mapped('name')
        prescription.mapped('patient_signature')
        with self.assertQueryCount(__system__=5, dental_dentist=5):
            prescription.with_user(self.user_dentist).action_sign()
        self.assertEqual(self.Chain._verify(patient_ids=self.patient.ids), [])

    def test_company_isolation(self):
        prescription = self._prescription()
        with self.assertRaises(AccessError):
            prescription.with_user(self.user_dentist_other).read(['state'])
        with self.assertRaises(AccessError):
            prescription.with_user(self.user_dentist_other).action_print()
        patient_other = self._create_patient(name='Paciente Filial', company_id=self.company_other.id)
        with self.assertRaises(AccessError):
            self._prescription(patient_id=patient_other.id)
        own = self._prescription(user=self.user_dentist_other, patient_id=patient_other.id)
        own.with_user(self.user_dentist_other).action_sign()
        heads = self.Chain.sudo().search([('company_id', 'in', (self.company | self.company_other).ids)])
        self.assertEqual(heads.filtered(lambda h: h.company_id == self.company_other).last_hash, own.integrity_hash)

    def test_front_desk_sees_no_prescription(self):
        prescription = self._prescription()
        for call in (
            lambda: prescription.with_user(self.user_receptionist).read(['line_ids']),
            lambda: self.env['dental.prescription'].with_user(self.user_receptionist).search([]),
            lambda: self._prescription(user=self.user_receptionist),
            lambda: prescription.line_ids.with_user(self.user_receptionist).read(['posology']),
            lambda: prescription.with_user(self.user_receptionist).action_print(),
        ):
            with self.assertRaises(AccessError):
                call()

    def test_history_prontuario_export_access_log_retention(self):
        self._create_treatment(state='done')
        prescription = self._prescription(patient_signature=SIGNATURE_PNG)
        prescription.action_sign()
        self.assertTrue(self.patient.retention_date)
        history = self.patient._dental_clinical_history()
        kinds = [entry['record']._name for entry in history]
        self.assertIn('dental.prescription', kinds)
        self.assertIn('dental.treatment', kinds)
        self.assertEqual([entry['date'] for entry in history], sorted(entry['date'] for entry in history))
        entry = next(entry for entry in history if entry['record'] == prescription)
        self.assertIn('Amoxicilina 500 mg', entry['summary'])
        self.assertIn('CRO-SP 12345', entry['author'])
        # The patient's form shows it in the clinical history; reading it is logged.
        patient = self.patient.with_user(self.user_dentist)
        patient.web_read({'clinical_history_html': {}})
        self.assertIn('Amoxicilina 500 mg', str(patient.clinical_history_html))
        log = (
            self.env['dental.access.log']
            .sudo()
            .search([('patient_id', '=', self.patient.id), ('user_id', '=', self.user_dentist.id)])
        )
        self.assertTrue(log.read_documents and log.read_notes and log.read_treatments)
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_receptionist).read(['clinical_history_html'])
        # The prontuário prints it.
        html = (
            self.env['ir.actions.report']
            .with_user(self.user_dentist)
            ._render_qweb_html('dental_clinic.action_report_patient_record', self.patient.ids)[0]
            .decode()
        )
        self.assertIn('Amoxicilina 500 mg', html)
        # The LGPD export has the document, its lines and the signature image.
        data, files = self.patient.with_user(self.user_manager)._dental_export_content()
        self.assertEqual([row['id'] for row in data['records']['dental.prescription']], prescription.ids)
        self.assertEqual(len(data['records']['dental.prescription.line']), 2)
        self.assertTrue(
            any(
                entry['model'] == 'dental.prescription' and entry['field'] == 'patient_signature' and entry['file']
                for entry in data['files']
            )
        )
        self.assertTrue(files)
        # And its PDF has a section for each document model and its lines.
        titles = [section['title'] for section in self.patient.with_context(lang='en_US')._dental_export_sections(data)]
        self.assertIn('Prescription', titles)
        self.assertIn('Prescription Line', titles)
        # Opening it is logged like a note.
        self.env['dental.access.log'].sudo().search([]).invalidate_recordset()
        prescription.with_user(self.user_dentist).web_read({'state': {}})
        log = (
            self.env['dental.access.log']
            .sudo()
            .search([('patient_id', '=', self.patient.id), ('user_id', '=', self.user_dentist.id)])
        )
        self.assertTrue(log.read_documents)
        # Retention counts the documents, and the purge deletes them.
        self.assertIn('dental.prescription', self.env['dental.patient']._dental_retention_models())
        self.assertEqual(list(self.env['dental.patient']._dental_retention_models())[-1], 'dental.consent')

    def test_anonymisation_keeps_the_signed_documents(self):
        patient = self._create_patient(name='Paciente Anônimo', is_foreigner=True)
        prescription = self._prescription(patient_id=patient.id, patient_signature=SIGNATURE_PNG)
        prescription.action_sign()
        sealed = prescription.sealed_content
        self.env['dental.patient.anonymize'].with_user(self.user_manager).create(
            {'patient_id': patient.id, 'confirm': True}
        ).action_anonymize()
        self.assertNotEqual(patient.name, 'Paciente Anônimo')
        self.assertEqual(prescription.sealed_content, sealed)
        self.assertEqual(self.Chain._verify(patient_ids=patient.ids), [])


@tagged('post_install', '-at_install')
class TestSignedDocumentRetention(SignedDocumentCase):
    # The purge's lock is checked by PostgreSQL against its own CURRENT_DATE, which no Python clock moves.
    freeze_time = None

    def _age(self, patient, years):
        """Move the patient's documents (and their lines' creation) ``years`` back."""
        shift = SQL("interval '%s years'", SQL(str(int(years))))
        aged = {
            'dental_prescription': ('date', 'signed_date', 'create_date'),
            'dental_prescription_line': ('create_date',),
            'dental_certificate': ('date', 'signed_date', 'create_date'),
        }
        for table, columns in aged.items():
            self._sql_behind_odoo(
                (table,),
                SQL(
                    "UPDATE %s SET %s WHERE patient_id = %s",
                    SQL.identifier(table),
                    SQL(', ').join(SQL("%s = %s - %s", SQL.identifier(c), SQL.identifier(c), shift) for c in columns),
                    patient.id,
                ),
            )
        self.env.cr.execute(
            SQL("UPDATE dental_patient SET create_date = create_date - %s WHERE id = %s", shift, patient.id)
        )
        self.env.invalidate_all()
        self.env.add_to_compute(patient._fields['retention_date'], patient)
        patient.flush_recordset()

    def test_documents_keep_the_record_then_go_with_the_purge(self):
        patient = self._create_patient(name='Paciente Antigo')
        prescription = self._prescription(patient_id=patient.id)
        prescription.action_sign()
        certificate = self.env['dental.certificate'].with_user(self.user_dentist).create({'patient_id': patient.id})
        certificate.action_sign()
        today = fields.Date.context_today(patient)
        self.assertEqual(patient.retention_date, today.replace(year=today.year + 20))
        with self.assertRaisesRegex(UserError, 'must be kept'):
            patient.sudo().unlink()
        self._age(patient, 21)
        self.assertTrue(patient.retention_over)
        self.env['dental.patient.purge'].with_user(self.user_manager).create(
            {'patient_id': patient.id, 'confirm': True}
        ).action_purge()
        self.assertFalse(patient.exists())
        for model in ('dental.prescription', 'dental.prescription.line', 'dental.certificate'):
            self.assertFalse(self.env[model].sudo().search([('patient_id', '=', patient.id)]))
