from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import DentalClinicalCase

CLINICAL_SPEC = {
    'name': {},
    'medications': {},
    'allergies': {},
    'odontogram_data': {},
    'clinical_note_ids': {'fields': {'display_name': {}}},
}


@tagged('post_install', '-at_install')
class TestLgpdAccessLog(DentalClinicalCase):
    def _logs(self, patient=None):
        return self.env['dental.access.log'].sudo().search([('patient_id', '=', (patient or self.patient).id)])

    def test_one_row_per_user_patient_and_hour(self):
        patient = self.patient.with_user(self.user_dentist)
        patient.web_read(CLINICAL_SPEC)
        log = self._logs()
        self.assertEqual(len(log), 1)
        self.assertEqual(log.user_id, self.user_dentist)
        self.assertEqual(log.company_id, self.patient.company_id)
        self.assertEqual(
            (log.read_anamnesis, log.read_odontogram, log.read_notes, log.read_treatments), (True, True, True, False)
        )
        self.assertEqual(log.hour.minute, 0)
        patient.web_read({'name': {}, 'treatment_ids': {'fields': {'display_name': {}}}})
        log.invalidate_recordset()
        self.assertEqual(len(self._logs()), 1, 'same user, patient and hour: the same row')
        self.assertEqual(log.access_count, 2)
        self.assertTrue(log.read_treatments and log.read_notes, 'the kinds opened add up')
        # Another user, another row; another hour, another row.
        self.patient.with_user(self.user_manager).web_read(CLINICAL_SPEC)
        self.assertEqual(len(self._logs()), 2)
        self.env.cr.execute(SQL("UPDATE dental_access_log SET hour = hour - interval '1 hour' WHERE id = %s", log.id))
        patient.web_read(CLINICAL_SPEC)
        self.assertEqual(len(self._logs()), 3)

    def test_not_logged_without_clinical_fields(self):
        self.patient.with_user(self.user_receptionist).web_read({'name': {}, 'mobile': {}, 'has_medical_alert': {}})
        self.patient.with_user(self.user_dentist).web_read({'name': {}, 'mobile': {}})
        self.assertFalse(self._logs())

    def test_one_query_per_opened_form(self):
        """Opening the form costs one statement more than without the log, clinical lists included."""
        self._create_treatment()
        spec = dict(CLINICAL_SPEC, treatment_ids={'fields': {'display_name': {}, 'state': {}}})
        patient = self.patient.with_user(self.user_dentist)
        patient.web_read(spec)  # warm the caches
        with self.assertQueryCount(1):
            patient._dental_log_access(['anamnesis'])
        accesses = self._logs().access_count
        counts = {}
        for logged in (True, False, True, False):  # the second round, once every cache is warm, counts
            self.env.invalidate_all()
            self.env.cr.cache['dental_clinic.access_log_busy'] = not logged
            before = self.env.cr.sql_log_count
            patient.web_read(spec)
            counts[logged] = self.env.cr.sql_log_count - before
        self.env.cr.cache.pop('dental_clinic.access_log_busy')
        # An upper bound on the log's cost; that the logged reads did log is checked on the row itself.
        self.assertLessEqual(counts[True], counts[False] + 1, counts)
        self.env.invalidate_all()
        self.assertEqual(self._logs().access_count, accesses + 2, 'both logged reads were logged')

    def test_rpc_read_is_logged(self):
        self.patient.with_user(self.user_dentist).read(['allergies'])
        self.assertTrue(self._logs().read_anamnesis)
        self.patient.with_user(self.user_dentist).read(['name', 'mobile'])
        self.assertEqual(self._logs().access_count, 1)

    def test_managers_only_read_it_nobody_changes_it(self):
        self.patient.with_user(self.user_dentist).web_read(CLINICAL_SPEC)
        Log = self.env['dental.access.log']
        for user in (self.user_receptionist, self.user_dentist):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Log.with_user(user).search([])
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_dentist).read(['access_log_ids'])
        log = Log.with_user(self.user_manager).search([('patient_id', '=', self.patient.id)])
        self.assertEqual(log.user_id, self.user_dentist)
        for user in (self.user_manager, self.env.ref('base.user_admin')):
            with self.subTest(user=user.login):
                with self.assertRaises(UserError):
                    log.with_user(user).write({'access_count': 0})
                with self.assertRaises(UserError):
                    log.with_user(user).unlink()
                with self.assertRaises(UserError):
                    Log.with_user(user).create(
                        {
                            'user_id': user.id,
                            'patient_id': self.patient.id,
                            'company_id': self.company.id,
                            'hour': '2030-01-01 10:00:00',
                        }
                    )
        with self.assertRaises(UserError):
            log.sudo().write({'access_count': 0})
        with self.assertRaises(UserError):
            log.sudo().unlink()
        action = self.patient.with_user(self.user_manager).action_view_access_log()
        self.assertEqual(action['domain'], [('patient_id', '=', self.patient.id)])
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_dentist).action_view_access_log()

    def test_opening_a_clinical_record_is_logged(self):
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        )
        note.with_user(self.user_dentist).web_read({'body': {}})
        log = self._logs()
        self.assertEqual((log.user_id, log.read_notes, log.read_treatments), (self.user_dentist, True, False))
        treatment = self._create_treatment()
        treatment.with_user(self.user_dentist).web_read({'tooth': {}})
        log.invalidate_recordset()
        self.assertTrue(log.read_treatments)
        self.assertEqual(len(self._logs()), 1)

    def test_printing_a_patient_report_is_logged(self):
        # The data export is the managers' (see test_rules_edges for the others).
        self.env['ir.actions.report'].with_user(self.user_manager)._render_qweb_pdf(
            'dental_clinic.action_report_dental_patient_export',
            self.patient.ids,
            data={'sections': [], 'exported_at': ''},
        )
        log = self._logs()
        self.assertEqual((log.user_id, log.read_prontuario), (self.user_manager, True))

    def test_logging_reads_run_on_a_read_write_cursor(self):
        """The web client's read-only routing (DataSet._call_kw_readonly) must not send them to a
        read-only cursor, where the log's INSERT would fail and Odoo would run the request twice."""
        for model, method in (
            ('dental.patient', 'web_read'),
            ('dental.patient', 'read'),
            ('dental.clinical.note', 'web_read'),
            ('dental.treatment', 'web_read'),
            ('dental.treatment', 'web_search_read'),
        ):
            with self.subTest(model=model, method=method):
                readonly = next(
                    getattr(cls, method)._readonly
                    for cls in type(self.env[model]).mro()
                    if hasattr(getattr(cls, method, None), '_readonly')
                )
                self.assertFalse(readonly)

    def test_list_of_clinical_records_logs_every_patient_shown(self):
        other = self._create_patient(name='Outra Paciente')
        self._create_treatment()
        self._create_treatment(patient_id=other.id)
        self.env['dental.treatment'].with_user(self.user_manager).web_search_read(
            [('patient_id', 'in', [self.patient.id, other.id])], {'tooth': {}, 'patient_id': {'fields': {}}}
        )
        logs = self.env['dental.access.log'].sudo().search([('user_id', '=', self.user_manager.id)])
        self.assertEqual(logs.patient_id, self.patient | other)
        self.assertTrue(all(logs.mapped('read_treatments')))
