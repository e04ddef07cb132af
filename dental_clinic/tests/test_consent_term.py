import socket

from psycopg2.errors import RestrictViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from ..models.dental_consent_term_template import fill_placeholders
from .common import DentalClinicalCase

# A 1×1 PNG, as the signature widget sends it (base64, without the data URL prefix).
SIGNATURE = b'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
OTHER_SIGNATURE = b'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='


class SignedDocumentCase(DentalClinicalCase):
    """Dentists with their CRO (a signature needs it), and the SQL someone with database access could run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_dentist.write({'dental_cro': '12345', 'dental_cro_uf': 'SP'})
        cls.user_manager.write({'dental_cro': '67890', 'dental_cro_uf': 'RJ'})
        cls.Chain = cls.env['dental.integrity.chain']
        # The PDFs rendered here are not served: wkhtmltopdf must not ask the test server for the styles (under
        # Odoo's runner, the server waits for the registry this test holds), a closed port fails at once.
        with socket.socket() as free:
            free.bind(('127.0.0.1', 0))
            closed_port = free.getsockname()[1]
        cls.env['ir.config_parameter'].sudo().set_param('report.url', f'http://127.0.0.1:{closed_port}')

    def _sql_behind_odoo(self, tables, query):
        """Disable the locks of ``tables``, run ``query``, enable them back."""
        self.env.flush_all()
        for table in tables:
            self.env.cr.execute(SQL("ALTER TABLE %s DISABLE TRIGGER USER", SQL.identifier(table)))
        self.env.cr.execute(query)
        for table in tables:
            self.env.cr.execute(SQL("ALTER TABLE %s ENABLE TRIGGER USER", SQL.identifier(table)))
        self.env.invalidate_all()

    def _problems(self, record):
        return [
            (problem['id'], problem['problem'])
            for problem in self.Chain._verify(company_ids=[self.company.id])
            if problem['kind'] == record._table
        ]

    def _render_html(self, report_ref, records, user):
        html, _format = self.env['ir.actions.report'].with_user(user)._render_qweb_html(report_ref, records.ids)
        return html.decode()


@tagged('post_install', '-at_install')
class TestConsentTerm(SignedDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env['dental.consent.term.template'].create(
            {
                'name': 'TCLE – Exodontia',
                'procedure_ids': [(6, 0, cls.procedure_extraction.ids)],
                'body': 'Eu, {patient}, autorizo {dentist} a realizar {procedure} no(s) dente(s) {teeth} em {date}.',
                'risks': 'Dor, edema e sangramento.',
                'alternatives': 'Tratamento endodôntico.',
            }
        )
        cls.treatment = cls.env['dental.treatment'].create(
            {'patient_id': cls.patient.id, 'procedure_id': cls.procedure_extraction.id, 'tooth': '38'}
        )
        cls.Term = cls.env['dental.consent.term']

    def _term(self, user=None):
        action = self.treatment.with_user(user or self.user_dentist).action_consent_term()
        return self.Term.browse(action['res_id'])

    def _signed_term(self, user=None):
        user = user or self.user_dentist
        term = self._term(user).with_user(user)
        term.write({'patient_signature': SIGNATURE})
        term.action_sign()
        return term

    # ------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------

    def test_generated_from_treatment_with_placeholders_filled(self):
        term = self._term()
        self.assertEqual(term.template_id, self.template)
        self.assertEqual(term.treatment_id, self.treatment)
        self.assertEqual(term.name, 'TCLE – Exodontia')
        self.assertEqual((term.procedure_names, term.teeth), ('Test extraction', '38'))
        self.assertIn('Eu, Paciente Padrão, autorizo Dra. Denise Dentista a realizar Test extraction', term.body)
        self.assertIn('dente(s) 38 em ', term.body)
        self.assertNotIn('{', term.body)
        self.assertEqual((term.risks, term.alternatives), ('Dor, edema e sangramento.', 'Tratamento endodôntico.'))
        self.assertEqual(term.state, 'draft')

    def test_generated_from_plan_lists_its_treatments(self):
        plan = self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        for tooth in ('48', '18'):
            self.env['dental.treatment'].create(
                {
                    'patient_id': self.patient.id,
                    'procedure_id': self.procedure_extraction.id,
                    'tooth': tooth,
                    'plan_id': plan.id,
                }
            )
        action = plan.with_user(self.user_dentist).action_consent_term()
        term = self.Term.browse(action['res_id'])
        self.assertEqual((term.plan_id, term.teeth), (plan, '18, 48'))

    def test_without_template_a_new_term_is_opened(self):
        self.template.active = False
        action = self.treatment.with_user(self.user_dentist).action_consent_term()
        self.assertFalse(action.get('res_id'))
        self.assertEqual(action['context']['default_treatment_id'], self.treatment.id)

    def test_new_term_from_the_form(self):
        with Form(self.Term.with_user(self.user_dentist)) as form:
            form.patient_id = self.patient
            form.treatment_id = self.treatment
            form.template_id = self.template
            self.assertIn('Eu, Paciente Padrão, autorizo', form.body)
            self.assertEqual(form.teeth, '38')
            form.body = form.body + ' Texto adaptado.'
        term = form.record
        self.assertEqual(term.state, 'draft')
        self.assertTrue(term.body.endswith('Texto adaptado.'))

    def test_term_of_one_patient_for_another_patients_treatment_refused(self):
        other = self._create_patient(name='Outro Paciente')
        with self.assertRaises(ValidationError):
            self.Term.with_user(self.user_dentist).create(
                {'patient_id': other.id, 'template_id': self.template.id, 'treatment_id': self.treatment.id}
            )

    def test_placeholders_are_substituted_not_evaluated(self):
        self.assertEqual(
            fill_placeholders('{patient} {unknown} {{patient}}', {'patient': 'Ana'}), 'Ana {unknown} {Ana}'
        )
        # A value holding a placeholder is not substituted again.
        self.assertEqual(fill_placeholders('{patient} {teeth}', {'patient': '{teeth}', 'teeth': '11'}), '{teeth} 11')

    def test_template_code_and_markup_are_printed_as_text(self):
        hostile = self._create_patient(name='Ana <img src=x onerror=alert(1)>')
        self.template.write(
            {
                'body': '<script>alert("x")</script> ${object.env.cr} {{ 7 * 7 }} <t t-out="1+1"/> {patient}',
                'risks': '<b>negrito</b> % for x in y %',
            }
        )
        treatment = self.env['dental.treatment'].create(
            {'patient_id': hostile.id, 'procedure_id': self.procedure_extraction.id, 'tooth': '38'}
        )
        term = self.Term.browse(treatment.with_user(self.user_dentist).action_consent_term()['res_id'])
        self.assertIn('{{ 7 * 7 }}', term.body)
        term = term.with_user(self.user_dentist)
        term.write({'patient_signature': SIGNATURE})
        term.action_sign()
        html = self._render_html('dental_clinic.action_report_consent_term', term, self.user_dentist)
        self.assertNotIn('<script>alert', html)
        self.assertIn('&lt;script&gt;alert', html)
        self.assertIn('${object.env.cr}', html)
        self.assertIn('{{ 7 * 7 }}', html)
        self.assertIn('&lt;t t-out=', html)
        self.assertNotIn('<img src=x', html)
        self.assertIn('Ana &lt;img src=x onerror=alert(1)&gt;', html)
        self.assertIn('&lt;b&gt;negrito&lt;/b&gt;', html)

    # ------------------------------------------------------------------
    # Signing and sealing
    # ------------------------------------------------------------------

    def test_patient_signs_before_the_dentist(self):
        term = self._term().with_user(self.user_dentist)
        with self.assertRaises(UserError):
            term.action_sign()
        term.write({'patient_signature': SIGNATURE})
        self.assertTrue(term.patient_signed_date)
        term.action_sign()
        self.assertEqual(term.state, 'signed')
        self.assertEqual((term.author_id, term.dentist_cro, term.dentist_cro_uf), (self.user_dentist, '12345', 'SP'))
        self.assertTrue(term.integrity_seq)
        self.assertIn('Dor, edema e sangramento.', term.sealed_content)

    def test_text_fixed_once_the_patient_signed(self):
        term = self._term().with_user(self.user_dentist)
        term.write({'body': 'Texto adaptado pelo dentista.'})
        term.write({'patient_signature': SIGNATURE})
        with self.assertRaises(UserError):
            term.write({'body': 'Outro texto, depois da assinatura do paciente.'})
        with self.assertRaises(UserError):
            term.write({'date': '2030-01-01'})
        # Cleared signature: the text may change, and the patient signs again.
        term.write({'patient_signature': False, 'body': 'Texto corrigido.'})
        self.assertFalse(term.patient_signed_date)

    def test_empty_term_cannot_be_signed(self):
        term = self._term().with_user(self.user_dentist)
        term.write({'body': '   '})
        term.write({'patient_signature': SIGNATURE})
        with self.assertRaises(ValidationError):
            term.action_sign()

    def test_signed_term_refuses_changes(self):
        term = self._signed_term()
        with self.assertRaises(UserError):
            term.write({'body': 'Reescrito.'})
        with self.assertRaises(UserError):
            term.write({'patient_signature': OTHER_SIGNATURE})
        with self.assertRaises(UserError):
            term.unlink()
        with self.assertRaises(UserError):
            term.sudo().write({'risks': 'Nenhum.'})
        self.env.flush_all()
        with mute_logger('odoo.sql_db'), self.assertRaises(RestrictViolation), self.cr.savepoint():
            self.env.cr.execute(SQL("UPDATE dental_consent_term SET body = 'x' WHERE id = %s", term.id))
        self.assertEqual(self._problems(term), [])
        action = self.patient.with_user(self.user_manager).action_verify_integrity()
        self.assertEqual(action['params']['type'], 'success')

    def test_forged_signature_image_is_reported(self):
        term = self._signed_term()
        other = self._signed_term()
        self._sql_behind_odoo(
            ['dental_consent_term'],
            SQL("UPDATE dental_consent_term SET patient_signature = %s WHERE id = %s", OTHER_SIGNATURE, term.id),
        )
        self.assertEqual(self._problems(term), [(term.id, 'hash_mismatch')])
        self.assertNotIn(other.id, [rec_id for rec_id, _problem in self._problems(term)])
        action = self.patient.with_user(self.user_manager).action_verify_integrity()
        self.assertEqual(action['params']['type'], 'danger')
        self.assertIn(f'#{term.id}', action['params']['message'])

    def test_edited_text_is_reported(self):
        term = self._signed_term()
        self._sql_behind_odoo(
            ['dental_consent_term'],
            SQL("UPDATE dental_consent_term SET body = 'Texto trocado.' WHERE id = %s", term.id),
        )
        self.assertIn((term.id, 'content_changed'), self._problems(term))
        # The PDF still prints what was signed.
        html = self._render_html('dental_clinic.action_report_consent_term', term, self.user_manager)
        self.assertNotIn('Texto trocado.', html)
        self.assertIn('Eu, Paciente Padrão, autorizo', html)

    # ------------------------------------------------------------------
    # Printing, history, export, access log
    # ------------------------------------------------------------------

    def test_pdf_shows_text_signature_and_cro(self):
        term = self._signed_term()
        html = self._render_html('dental_clinic.action_report_consent_term', term, self.user_dentist)
        self.assertIn('Eu, Paciente Padrão, autorizo', html)
        self.assertIn('Dor, edema e sangramento.', html)
        self.assertIn('data:image/png;base64,' + SIGNATURE.decode(), html)
        self.assertIn('CRO-<span>SP</span> <span>12345</span>', html)
        pdf, _format = (
            self.env['ir.actions.report']
            .with_user(self.user_dentist)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf('dental_clinic.action_report_consent_term', term.ids)
        )
        self.assertTrue(pdf.startswith(b'%PDF'))
        action = term.action_print()
        self.assertEqual(action['report_name'], 'dental_clinic.report_consent_term')

    def test_in_history_prontuario_export_and_access_log(self):
        term = self._signed_term()
        history = self.patient._dental_clinical_history()
        self.assertIn(term, [entry['record'] for entry in history])
        entry = next(entry for entry in history if entry['record'] == term)
        self.assertIn('TCLE – Exodontia', entry['summary'])
        html = self._render_html('dental_clinic.action_report_patient_record', self.patient, self.user_dentist)
        self.assertIn('TCLE – Exodontia', html)
        data = self.patient.with_user(self.user_manager)._dental_export_data()
        rows = data['records']['dental.consent.term']
        self.assertEqual([row['id'] for row in rows], term.ids)
        self.assertIn('Eu, Paciente Padrão', rows[0]['body'])
        self.env['dental.access.log'].sudo().search([('patient_id', '=', self.patient.id)])
        term.with_user(self.user_manager).web_read({'body': {}})
        log = (
            self.env['dental.access.log']
            .sudo()
            .search([('patient_id', '=', self.patient.id), ('user_id', '=', self.user_manager.id)])
        )
        self.assertTrue(log.read_documents)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_dentists_and_managers_create_sign_read_print(self):
        for user in (self.user_dentist, self.user_manager):
            with self.subTest(user=user.login):
                term = self._signed_term(user)
                self.assertEqual(term.with_user(user).read(['state'])[0]['state'], 'signed')
                self.assertTrue(self._render_html('dental_clinic.action_report_consent_term', term, user))

    def test_front_desk_has_no_access(self):
        term = self._signed_term()
        draft = self._term()
        for user in (self.user_receptionist, self.user_employee):
            with self.subTest(user=user.login):
                Term = self.Term.with_user(user)
                with self.assertRaises(AccessError):
                    Term.create({'patient_id': self.patient.id, 'template_id': self.template.id})
                with self.assertRaises(AccessError):
                    term.with_user(user).read(['body'])
                with self.assertRaises(AccessError):
                    Term.search([])
                with self.assertRaises(AccessError):
                    draft.with_user(user).write({'patient_signature': SIGNATURE})
                with self.assertRaises(AccessError):
                    draft.with_user(user).action_sign()
                with self.assertRaises(AccessError):
                    self.treatment.with_user(user).action_consent_term()
                with self.assertRaises(AccessError):
                    Term._dental_action_new_term(self.patient, self.treatment)
                with self.assertRaises(AccessError):
                    self._render_html('dental_clinic.action_report_consent_term', term, user)
                with self.assertRaises(AccessError):
                    self.template.with_user(user).read(['body'])

    def test_templates_are_the_managers(self):
        Template = self.env['dental.consent.term.template']
        self.assertTrue(self.template.with_user(self.user_dentist).read(['body']))
        with self.assertRaises(AccessError):
            Template.with_user(self.user_dentist).create({'name': 'X', 'body': 'Y'})
        with self.assertRaises(AccessError):
            self.template.with_user(self.user_dentist).write({'body': 'Z'})
        template = Template.with_user(self.user_manager).create({'name': 'Termo de implante', 'body': '{patient}'})
        self.assertEqual(template.company_id, self.company)
        with self.assertRaises(ValidationError):
            template.with_user(self.user_manager).write({'body': ' '})

    def test_system_fields_are_not_writable(self):
        term = self._term().with_user(self.user_dentist)
        for values in (
            {'state': 'signed'},
            {'sealed_content': '{}'},
            {'integrity_hash': 'x'},
            {'dentist_cro': '999'},
            {'patient_signed_date': '2030-01-01 10:00:00'},
            {'author_id': self.user_manager.id},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                term.write(values)
        with self.assertRaises(AccessError):
            self.Term.with_user(self.user_dentist).create(
                {'patient_id': self.patient.id, 'name': 'X', 'body': 'Y', 'state': 'signed'}
            )
        with self.assertRaises(AccessError):
            term.write({'template_id': False})

    def test_company_isolation(self):
        term = self._signed_term()
        other_patient = self._create_patient(name='Paciente Filial', company_id=self.company_other.id)
        outsider = self.user_dentist.copy(
            {
                'login': 'dentist_filial',
                'company_id': self.company_other.id,
                'company_ids': [(6, 0, self.company_other.ids)],
            }
        )
        with self.assertRaises(AccessError):
            term.with_user(outsider).read(['body'])
        self.assertFalse(self.Term.with_user(outsider).search([]))
        with self.assertRaises(UserError):
            self.Term.with_user(self.user_dentist).create({'patient_id': other_patient.id, 'name': 'X', 'body': 'Y'})
        # A template of the other company is not used for this clinic's patient.
        foreign = self.template.copy({'company_id': self.company_other.id, 'procedure_ids': [(6, 0, [])]})
        with self.assertRaises(UserError):
            self.Term.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'template_id': foreign.id})
