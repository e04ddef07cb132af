from odoo import _, api, fields, models

from .dental_roles import DENTIST_GROUP


class DentalAppointment(models.Model):
    """The documents issued at a visit: prescriptions and certificates, from the visit's form."""

    _inherit = 'dental.appointment'

    prescription_count = fields.Integer(compute='_compute_document_counts', groups=DENTIST_GROUP)
    # The front desk counts (and sees) the attendance declarations only: the record rules filter them.
    certificate_count = fields.Integer(compute='_compute_document_counts')

    @api.depends_context('uid')
    def _compute_document_counts(self):
        ids = [appointment_id for appointment_id in self.ids if appointment_id]
        models_fnames = [('dental.certificate', 'certificate_count')]
        if self.env.user.has_group(DENTIST_GROUP):
            models_fnames.append(('dental.prescription', 'prescription_count'))
        counts = {}
        for model, fname in models_fnames:
            groups = self.env[model]._read_group([('appointment_id', 'in', ids)], ['appointment_id'], ['__count'])
            counts[fname] = {appointment.id: count for appointment, count in groups}
        for appointment in self:
            for _model, fname in models_fnames:
                appointment[fname] = counts[fname].get(appointment.id, 0)

    def _action_new_document(self, model, name, **defaults):
        self.ensure_one()
        self.check_access('read')
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': model,
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
            'context': {
                'default_patient_id': self.patient_id.id,
                'default_appointment_id': self.id,
                **{f'default_{fname}': value for fname, value in defaults.items()},
            },
        }

    def action_new_prescription(self):
        return self._action_new_document('dental.prescription', _('Prescription'))

    def action_new_certificate(self):
        return self._action_new_document('dental.certificate', _('Certificate'), certificate_type='leave')

    def action_new_attendance_declaration(self):
        return self._action_new_document(
            'dental.certificate', _('Attendance Declaration'), certificate_type='attendance'
        )

    def _action_visit_documents(self, model, name):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': model,
            'view_mode': 'list,form',
            'domain': [('appointment_id', '=', self.id)],
            'context': {'default_patient_id': self.patient_id.id, 'default_appointment_id': self.id},
        }

    def action_view_prescriptions(self):
        return self._action_visit_documents('dental.prescription', _('Prescriptions'))

    def action_view_certificates(self):
        return self._action_visit_documents('dental.certificate', _('Certificates'))
