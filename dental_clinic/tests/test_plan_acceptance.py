from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .test_consent_term import OTHER_SIGNATURE, SIGNATURE, SignedDocumentCase


@tagged('post_install', '-at_install')
class TestPlanAcceptance(SignedDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.env['dental.treatment.plan'].create(
            {'name': 'Plano reabilitador', 'patient_id': cls.patient.id, 'notes': 'Sem custo informado aqui.'}
        )
        for procedure, tooth in ((cls.procedure_extraction, '48'), (cls.procedure_cleaning, False)):
            cls.env['dental.treatment'].create(
                {'patient_id': cls.patient.id, 'procedure_id': procedure.id, 'tooth': tooth, 'plan_id': cls.plan.id}
            )
        cls.Acceptance = cls.env['dental.treatment.plan.acceptance']

    def _acceptance(self, user=None):
        action = self.plan.with_user(user or self.user_dentist).action_sign_acceptance()
        return self.Acceptance.browse(action['res_id']).with_user(user or self.user_dentist)

    def _signed(self, user=None):
        acceptance = self._acceptance(user)
        acceptance.write({'patient_signature': SIGNATURE})
        acceptance.action_sign()
        return acceptance

    def test_patient_signs_the_plan_as_it_reads(self):
        acceptance = self._acceptance()
        self.assertIn('Plano reabilitador', acceptance.plan_content)
        self.assertIn('1. Test extraction', acceptance.plan_content)
        self.assertIn('48', acceptance.plan_content)
        self.assertIn('2. Test prophylaxis', acceptance.plan_content)
        self.assertIn('Sem custo informado aqui.', acceptance.plan_content)
        self.assertEqual(self._acceptance(), acceptance, 'the same draft is opened again')
        with self.assertRaises(UserError):
            acceptance.action_sign()
        self.assertEqual(self.plan.state, 'draft')
        acceptance.write({'patient_signature': SIGNATURE})
        acceptance.action_sign()
        self.assertEqual(acceptance.state, 'signed')
        self.assertEqual(self.plan.state, 'accepted')
        self.assertEqual(self.plan.acceptance_id, acceptance)
        self.assertTrue(self.plan.date_accepted)
        self.assertIn('Test extraction', acceptance.sealed_content)
        self.assertEqual(self._problems(acceptance), [])

    def test_plan_changed_after_reading_is_signed_again(self):
        acceptance = self._acceptance()
        acceptance.write({'patient_signature': SIGNATURE})
        self.env['dental.treatment'].create(
            {
                'patient_id': self.patient.id,
                'procedure_id': self.procedure_resin.id,
                'tooth': '16',
                'surface_ids': [(6, 0, self.surfaces['O'].ids)],
                'plan_id': self.plan.id,
            }
        )
        with self.assertRaises(UserError):
            acceptance.action_sign()
        # Opened again: a new draft with the plan as it is now.
        fresh = self._acceptance()
        self.assertNotEqual(fresh, acceptance)
        self.assertFalse(acceptance.exists())
        self.assertIn('Test composite restoration - tooth 16 - O', fresh.plan_content)

    def test_plan_accepted_without_signature_is_signed_later(self):
        self.plan.with_user(self.user_dentist).action_accept()
        acceptance = self._signed()
        self.assertEqual((self.plan.state, self.plan.acceptance_id), ('accepted', acceptance))

    def test_closed_plan_is_not_signed(self):
        self.plan.action_cancel()
        with self.assertRaises(UserError):
            self._acceptance()

    def test_plan_pdf_shows_the_signature_and_date(self):
        Report = self.env['ir.actions.report']
        html = self._render_html('dental_clinic.action_report_treatment_plan', self.plan, self.user_dentist)
        self.assertNotIn('dental_plan_signature', html)
        self.assertIn('Date: ____/____/________', html)
        acceptance = self._signed()
        html = self._render_html('dental_clinic.action_report_treatment_plan', self.plan, self.user_dentist)
        self.assertIn('dental_plan_signature', html)
        self.assertIn('data:image/png;base64,' + SIGNATURE.decode(), html)
        self.assertIn('dental_plan_accepted_on', html)
        self.assertNotIn('Date: ____/____/________', html)
        pdf, _format = (
            Report.with_user(self.user_dentist)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf('dental_clinic.action_report_treatment_plan', self.plan.ids)
        )
        self.assertTrue(pdf.startswith(b'%PDF'))
        html = self._render_html('dental_clinic.action_report_treatment_plan_acceptance', acceptance, self.user_dentist)
        self.assertIn('Plano reabilitador', html)
        self.assertIn('CRO-<span>SP</span> <span>12345</span>', html)

    def test_sealed_acceptance_refuses_changes_and_forgery_is_reported(self):
        acceptance = self._signed()
        with self.assertRaises(UserError):
            acceptance.write({'patient_signature': OTHER_SIGNATURE})
        with self.assertRaises(UserError):
            acceptance.unlink()
        with self.assertRaises(AccessError):
            acceptance.write({'plan_content': 'Outro plano'})
        self._sql_behind_odoo(
            ['dental_treatment_plan_acceptance'],
            SQL(
                "UPDATE dental_treatment_plan_acceptance SET patient_signature = %s WHERE id = %s",
                OTHER_SIGNATURE,
                acceptance.id,
            ),
        )
        self.assertEqual(self._problems(acceptance), [(acceptance.id, 'hash_mismatch')])
        self._sql_behind_odoo(
            ['dental_treatment_plan_acceptance'],
            SQL(
                "UPDATE dental_treatment_plan_acceptance SET patient_signature = %s, plan_content = 'x' WHERE id = %s",
                SIGNATURE,
                acceptance.id,
            ),
        )
        self.assertEqual(self._problems(acceptance), [(acceptance.id, 'content_changed')])

    def test_in_history_and_export(self):
        acceptance = self._signed()
        self.assertIn(acceptance, [entry['record'] for entry in self.patient._dental_clinical_history()])
        data = self.patient.with_user(self.user_manager)._dental_export_data()
        self.assertEqual([row['id'] for row in data['records']['dental.treatment.plan.acceptance']], acceptance.ids)

    def test_access_per_role(self):
        acceptance = self._signed(self.user_manager)
        self.assertEqual(acceptance.author_id, self.user_manager)
        for user in (self.user_receptionist, self.user_employee):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.plan.with_user(user).action_sign_acceptance()
                with self.assertRaises(AccessError):
                    self.Acceptance.with_user(user)._dental_action_sign_plan(self.plan)
                with self.assertRaises(AccessError):
                    self.Acceptance.with_user(user).create({'patient_id': self.patient.id, 'plan_id': self.plan.id})
                with self.assertRaises(AccessError):
                    acceptance.with_user(user).read(['plan_content'])
                with self.assertRaises(AccessError):
                    self._render_html('dental_clinic.action_report_treatment_plan_acceptance', acceptance, user)
        other_patient = self._create_patient(name='Outro Paciente')
        with self.assertRaises(UserError):
            self.Acceptance.with_user(self.user_dentist).create(
                {'patient_id': other_patient.id, 'plan_id': self.plan.id}
            )
