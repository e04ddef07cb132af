from odoo import api, fields, models


class DentalAppointmentCancel(models.TransientModel):
    """Cancel appointments saying who asked for it and why; shows beforehand whether it is late."""

    _name = 'dental.appointment.cancel'
    _description = 'Cancel Dental Appointment'
    _inherit = ['dental.wizard.guard']

    appointment_ids = fields.Many2many('dental.appointment', string='Appointments', required=True)
    cancel_origin = fields.Selection(
        [('patient', 'Patient'), ('clinic', 'Clinic')], string='Cancelled By', required=True, default='patient'
    )
    cancel_reason = fields.Text(string='Reason', required=True)
    is_late_cancellation = fields.Boolean(string='Late Cancellation', compute='_compute_is_late_cancellation')
    late_cancel_hours = fields.Integer(
        related='appointment_ids.company_id.dental_late_cancel_hours', compute_sudo=False
    )

    @api.depends('appointment_ids.start')
    def _compute_is_late_cancellation(self):
        now = fields.Datetime.now()
        for wizard in self:
            wizard.is_late_cancellation = any(
                appointment._dental_cancelling_late(now) for appointment in wizard.appointment_ids
            )

    def action_cancel(self):
        self.ensure_one()
        self.appointment_ids.cancel(self.cancel_origin, self.cancel_reason)
        return {'type': 'ir.actions.act_window_close'}
