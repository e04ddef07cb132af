import csv
import hashlib
import io
import json
import os
import tempfile
import zipfile
from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.tests import tagged

from .. import uninstall_hook
from ..models.ir_module_module import UNINSTALL_PARAM
from .common import DentalClinicalCase


@tagged('post_install', '-at_install')
class TestUninstallGuard(DentalClinicalCase):
    """Uninstalling deletes every record: refused while one must still be kept, whatever the path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref('base.user_admin')
        cls.Module = cls.env['ir.module.module'].with_user(cls.admin)
        cls.dental = cls.Module.search([('name', '=', 'dental_clinic')])
        cls.sms_bridge = cls.Module.search([('name', '=', 'dental_clinic_sms')])
        # A signed treatment today: kept 20 years from now.
        cls._create_treatment(state='done')
        cls.env['ir.config_parameter'].sudo().set_param(UNINSTALL_PARAM, False)

    def assert_nothing_removed(self):
        self.assertEqual(self.dental.state, 'installed')
        self.assertTrue(self.patient.exists())
        self.env.cr.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'dental_clinical_note_lock'")
        self.assertEqual(self.env.cr.fetchone()[0], 1, 'the lock on signed notes stays')

    def test_apps_button_refused_with_what_to_do(self):
        """The Apps button (wizard, then button_immediate_uninstall) says why, how many, until when, what to do."""
        for method in ('button_uninstall_wizard', 'button_immediate_uninstall', 'button_uninstall'):
            with self.subTest(method=method), self.assertRaises(UserError) as caught:
                getattr(self.dental, method)()
            message = str(caught.exception)
            self.assertRegex(message, r'\d+ patient records must be kept')
            self.assertIn('Export Data', message)
            self.assertIn('make export-clinic', message)
            self.assertIn('Allow uninstalling with records kept', message)
        self.assert_nothing_removed()

    def test_message_in_portuguese(self):
        with self.assertRaisesRegex(UserError, 'não pode ser desinstalado'):
            self.dental.with_context(lang='pt_BR').button_immediate_uninstall()

    def test_uninstalling_a_dependency_is_refused_too(self):
        """Removing calendar or mail would take the addon with it."""
        with self.assertRaisesRegex(UserError, 'must be kept'):
            self.Module.search([('name', '=', 'calendar')]).button_uninstall()
        self.assertEqual(self.Module.search([('name', '=', 'calendar')]).state, 'installed')

    def test_module_removal_while_loading_keeps_everything(self):
        """Modules marked 'to remove' some other way: kept installed rather than half-removed."""
        (self.dental | self.sms_bridge).sudo().write({'state': 'to remove'})
        with self.assertLogs('odoo.addons.dental_clinic.models.ir_module_module', 'ERROR') as logs:
            self.assertTrue((self.dental | self.sms_bridge).sudo().module_uninstall())
        self.assertIn('Nothing was uninstalled.', logs.output[0])
        self.assertEqual(set((self.dental | self.sms_bridge).mapped('state')), {'installed'})
        uninstall_hook(self.env)
        self.assert_nothing_removed()

    def test_sms_bridge_alone_stays_removable(self):
        self.sms_bridge.button_uninstall()
        self.assertEqual(self.sms_bridge.state, 'to remove')
        self.assertEqual(self.dental.state, 'installed')

    def test_administrator_allows_it_logged_with_who_and_when(self):
        settings = self.env['res.config.settings'].with_user(self.admin).create({'dental_uninstall_allowed': True})
        settings.execute()
        allowed_by = self.env['ir.config_parameter'].sudo().get_param(UNINSTALL_PARAM)
        self.assertRegex(allowed_by, rf'^admin \(user {self.admin.id}\), \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC$')
        shown = self.env['res.config.settings'].with_user(self.admin).create({})
        self.assertTrue(shown.dental_uninstall_allowed)
        self.assertEqual(shown.dental_uninstall_allowed_by, allowed_by)
        self.dental.button_uninstall()
        self.assertEqual(self.dental.state, 'to remove')
        # Turned off again: refused again.
        self.dental.button_uninstall_cancel()
        self.env['res.config.settings'].with_user(self.admin).create({'dental_uninstall_allowed': False}).execute()
        self.assertFalse(self.env['ir.config_parameter'].sudo().get_param(UNINSTALL_PARAM))
        with self.assertRaises(UserError):
            self.dental.button_uninstall()

    def test_other_roles_are_refused_by_odoo_without_hearing_of_records(self):
        for user in (self.user_manager, self.user_dentist, self.user_receptionist):
            with self.subTest(user=user.login), self.assertRaises(AccessDenied) as caught:
                self.dental.with_user(user).button_immediate_uninstall()
            self.assertNotIn('patient', str(caught.exception))
        self.assertEqual(self.dental.state, 'installed')

    def test_only_an_administrator_may_allow_it(self):
        for user in (self.user_manager, self.user_dentist, self.user_receptionist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env['res.config.settings'].with_user(user).create({'dental_uninstall_allowed': True}).execute()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env['ir.config_parameter'].with_user(user).set_param(UNINSTALL_PARAM, 'me')
        self.assertFalse(self.env['ir.config_parameter'].sudo().get_param(UNINSTALL_PARAM))

    def test_records_past_retention_do_not_hold_it(self):
        past = date(2000, 1, 1)
        Patient = type(self.env['dental.patient'])
        with patch.object(Patient, '_dental_retention_dates', lambda patients: dict.fromkeys(patients.ids, past)):
            self.dental.button_uninstall()
        self.assertEqual(self.dental.state, 'to remove')


@tagged('post_install', '-at_install')
class TestWholeClinicExport(DentalClinicalCase):
    """What the refusal tells the clinic to do first: every record to a folder, each file checksummed."""

    def test_export_to_folder(self):
        other = self._create_patient(name='Paciente Filial', company_id=self.company_other.id)
        patients = self.patient | other
        with tempfile.TemporaryDirectory() as folder:
            rows = patients.sudo()._dental_export_to_folder(folder)
            self.env['dental.patient']._dental_write_export_index(folder, rows)
            with open(os.path.join(folder, 'index.csv'), encoding='utf-8') as index:
                listed = list(csv.DictReader(index))
            self.assertEqual([row['file_number'] for row in listed], patients.mapped('file_number'))
            for row, patient in zip(listed, patients):
                self.assertEqual(row['file'], f'company_{patient.company_id.id}/{patient.file_number}.zip')
                with open(os.path.join(folder, row['file']), 'rb') as file:
                    content = file.read()
                self.assertEqual(hashlib.sha256(content).hexdigest(), row['sha256'])
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    data = json.loads(archive.read(f'{patient.file_number}.json'))
                    self.assertTrue(archive.read(f'{patient.file_number}.pdf'), 'the readable copy is there too')
                self.assertEqual(data['patient']['name'], patient.name)
        logs = self.env['dental.lgpd.log'].search([('patient_id', 'in', patients.ids), ('event', '=', 'export')])
        self.assertEqual(len(logs), 2, 'each export is logged like the button\'s')
        self.assertFalse(
            self.env['ir.attachment'].search([('res_model', '=', 'dental.lgpd.log'), ('res_id', 'in', logs.ids)]),
            'the folder holds the copy, not a second ZIP in the database',
        )

    def test_not_over_rpc(self):
        for user in (self.user_manager, self.user_receptionist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.patient.with_user(user)._dental_export_to_folder('/tmp/anywhere')
