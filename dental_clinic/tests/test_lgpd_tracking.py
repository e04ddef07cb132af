from odoo.tests import HttpCase, tagged

from .common import DentalClinicalCase


@tagged('post_install', '-at_install')
class TestLgpdTracking(HttpCase, DentalClinicalCase):
    """Who changed the clinical record, for dentists and managers; nothing of it for the front desk."""

    def _tracked_fields(self, login, model, res_id):
        self.env.cr.precommit.run()  # tracking is written when the transaction commits
        self.authenticate(login, login)
        result = self.make_jsonrpc_request('/mail/thread/messages', {'thread_model': model, 'thread_id': res_id})
        messages = result['data'].get('mail.message', [])
        return {tracking['fieldName'] for message in messages for tracking in message.get('trackingValues', [])}

    def setUp(self):
        super().setUp()
        self.env.cr.precommit.run()  # records created in this transaction are not tracked before it ends

    def test_anamnesis_tracking_hidden_from_front_desk(self):
        self.patient.with_user(self.user_dentist).write(
            {'allergies': 'Dipirona', 'medications': 'Losartana', 'condition_ids': [(4, self.condition_diabetes.id)]}
        )
        self.patient.with_user(self.user_receptionist).write({'gender': 'female'})
        dentist_sees = self._tracked_fields('dental_dentist', 'dental.patient', self.patient.id)
        self.assertTrue({'allergies', 'medications', 'condition_ids', 'gender'} <= dentist_sees, dentist_sees)
        front_desk_sees = self._tracked_fields('dental_receptionist', 'dental.patient', self.patient.id)
        self.assertIn('gender', front_desk_sees, 'administrative changes stay visible')
        self.assertFalse(
            front_desk_sees & {'allergies', 'medications', 'condition_ids', 'anamnesis_notes'}, front_desk_sees
        )

    def test_treatment_changes_tracked(self):
        treatment = self._create_treatment()
        self.env.cr.precommit.run()
        treatment.with_user(self.user_dentist).write({'notes': 'Sensibilidade'})
        treatment.with_user(self.user_dentist).action_done()
        self.assertTrue(
            {'notes', 'state', 'date_done'} <= self._tracked_fields('dental_dentist', 'dental.treatment', treatment.id)
        )
        plan = self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        self.env.cr.precommit.run()
        plan.with_user(self.user_dentist).action_accept()
        self.assertIn('date_accepted', self._tracked_fields('dental_manager', 'dental.treatment.plan', plan.id))
