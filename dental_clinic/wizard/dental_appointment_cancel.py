from odoo import api, fields, models

SERIES_SCOPES = [('this', 'This appointment'), ('following', 'This and the following visits of the series')]


class DentalAppointmentCancel(models.TransientModel):
    """Cancel appointments saying who asked for it and why; shows beforehand whether it is late.

    For an appointment of a series, "this and the following" cancels the later visits of the series still
    to come too, in the same cancellation (same who and why, same state rules, all or none).
    """

    _name = 'dental.appointment.cancel'
    _description = 'Cancel Dental Appointment'
    _inherit = ['dental.wizard.guard']

    appointment_ids = fields.Many2many('dental.appointment', string='Appointments', required=True)
    cancel_origin = fields.Selection(
        [('patient', 'Patient'), ('clinic', 'Clinic')], string='Cancelled By', required=True, default='patient'
    )
    cancel_reason = fields.Text(string='Reason', required=True)
    is_late_cancellation = fields.Boolean(string='Late Cancellation', compute='_compute_is_late_cancellation')
    series_scope = fields.Selection(SERIES_SCOPES, string='Cancel', required=True, default='this')
    has_series = fields.Boolean(compute='_compute_series_count')
    series_count = fields.Integer(
        string='Visits Cancelled', compute='_compute_series_count', help='Appointments this cancellation covers.'
    )
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

    @api.depends('appointment_ids', 'series_scope')
    def _compute_series_count(self):
        for wizard in self:
            wizard.has_series = bool(wizard.appointment_ids.series_id)
            wizard.series_count = len(wizard._appointments_to_cancel())

    def action_cancel(self):
        self.ensure_one()
        self._appointments_to_cancel().cancel(self.cancel_origin, self.cancel_reason)
        return {'type': 'ir.actions.act_window_close'}

    def _appointments_to_cancel(self):
        if self.series_scope == 'following':
            return self.appointment_ids._dental_series_following()
        return self.appointment_ids
