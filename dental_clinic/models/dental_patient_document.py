from odoo import _, models


class DentalPatient(models.Model):
    """The patient's prescriptions and certificates, from the patient's form."""

    _inherit = 'dental.patient'

    def action_view_prescriptions(self):
        return self._action_patient_records('dental.prescription', _('Prescriptions'))

    def action_view_certificates(self):
        return self._action_patient_records('dental.certificate', _('Certificates'))
