from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import DentalCase


@tagged('post_install', '-at_install')
class TestLgpdConsent(DentalCase):
    def test_given_then_withdrawn(self):
        Consent = self.env['dental.consent'].with_user(self.user_receptionist)
        patient = self.patient.with_user(self.user_receptionist)
        self.assertFalse(patient._dental_has_consent('email'))
        self.assertTrue(patient._dental_has_consent('email', default=True), 'no entry: the default')
        given = Consent.create(
            {
                'patient_id': self.patient.id,
                'consent_type': 'email',
                'text_version': 'v2025-01',
                'recorded_by_id': self.user_manager.id,
            }
        )
        self.assertEqual(given.recorded_by_id, self.user_receptionist, 'who recorded it is set by the system')
        self.assertTrue(patient._dental_has_consent('email'))
        self.assertFalse(patient._dental_has_consent('sms'))
        self.assertFalse(self.patient.withdrawn_channels)
        self.assertIs(given.action_withdraw(), True)
        withdrawal = self.patient.consent_ids - given
        self.patient.invalidate_recordset(['withdrawn_channels'])
        self.assertEqual(self.patient.withdrawn_channels, 'Messages by E-mail')
        self.assertEqual(
            (withdrawal.state, withdrawal.consent_type, withdrawal.recorded_by_id),
            ('withdrawn', 'email', self.user_receptionist),
        )
        self.assertFalse(patient._dental_has_consent('email'))
        self.assertFalse(patient._dental_has_consent('email', default=True), 'a withdrawal beats the default')
        self.assertEqual(self.patient.consent_ids, given | withdrawal, 'the history is kept')
        with self.assertRaises(UserError):
            given.write({'state': 'withdrawn'})
        with self.assertRaises(UserError):
            given.sudo().unlink()
        with freeze_time('2026-03-10 12:00:00'), self.assertRaises(UserError):
            Consent.create({'patient_id': self.patient.id, 'consent_type': 'sms', 'date': '2026-03-10 12:01:00'})
        action = self.patient.action_view_consents()
        self.assertEqual(action['res_model'], 'dental.consent')
