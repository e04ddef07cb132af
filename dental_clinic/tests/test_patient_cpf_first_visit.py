from odoo.exceptions import ValidationError

from .common import AppointmentClinicalCase


class TestCpfFirstVisit(AppointmentClinicalCase):
    """The CPF may wait for the first visit: required at the first check-in or clinical record."""

    def _new_patient(self, user):
        return self.env['dental.patient'].with_user(user).create({'name': 'Paciente Novo', 'mobile': '(11) 91234-5678'})

    def test_register_without_cpf(self):
        patient = self._new_patient(self.user_receptionist)
        self.assertFalse(patient.cpf)
        self.assertFalse(patient.is_foreigner)

    def test_check_in_refused_then_allowed(self):
        patient = self._new_patient(self.user_receptionist)
        appointment = self._book(patient_id=patient.id).with_user(self.user_receptionist)
        with self.assertRaises(ValidationError) as caught:
            appointment.action_arrive()
        self.assertIn('CPF', str(caught.exception))
        self.assertEqual(appointment.state, 'scheduled')
        self.assertFalse(appointment.arrived_at)
        patient.with_user(self.user_receptionist).cpf = '111.444.777-35'
        appointment.action_arrive()
        self.assertEqual(appointment.state, 'arrived')

    def test_foreigner_checks_in(self):
        patient = self._new_patient(self.user_receptionist)
        patient.with_user(self.user_receptionist).is_foreigner = True
        appointment = self._book(patient_id=patient.id).with_user(self.user_receptionist)
        appointment.action_arrive()
        self.assertEqual(appointment.state, 'arrived')

    def test_first_clinical_record_refused(self):
        patient = self._new_patient(self.user_receptionist)
        Note = self.env['dental.clinical.note'].with_user(self.user_dentist)
        with self.assertRaisesRegex(ValidationError, 'CPF'):
            Note.create({'patient_id': patient.id, 'body': '<p>Primeira consulta</p>'})
        with self.assertRaisesRegex(ValidationError, 'CPF'):
            self.env['dental.treatment.plan'].with_user(self.user_dentist).create(
                {'patient_id': patient.id, 'name': 'Plano'}
            )
        self.assertFalse(self.env['dental.clinical.note'].search_count([('patient_id', '=', patient.id)]))
        self.assertFalse(self.env['dental.treatment.plan'].search_count([('patient_id', '=', patient.id)]))

    def test_setting_off_requires_cpf_at_creation(self):
        self.company.dental_cpf_at_first_visit = False
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        with self.assertRaises(ValidationError) as caught:
            Patient.create({'name': 'Paciente Sem Documento Xyz', 'mobile': '(11) 91234-5678'})
        self.assertIn('CPF', str(caught.exception))
        self.assertFalse(Patient.search_count([('name', '=', 'Paciente Sem Documento Xyz')]))
        self.assertTrue(Patient.create({'name': 'Estrangeiro', 'is_foreigner': True}))

    def test_booked_without_cpf_filter(self):
        patient = self._new_patient(self.user_receptionist)
        unbooked = self._new_patient(self.user_receptionist)
        self._book(patient_id=patient.id)
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        found = Patient.search([('booked_without_cpf', '=', True)])
        self.assertIn(patient, found)
        self.assertNotIn(unbooked, found)
        self.assertNotIn(self.patient, found)
        self.assertTrue(patient.with_user(self.user_receptionist).booked_without_cpf)
        patient.cpf = '111.444.777-35'
        self.assertNotIn(patient, Patient.search([('booked_without_cpf', '=', True)]))
