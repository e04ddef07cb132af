from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.dental_roles import dentist_domain
from .dental_appointment_cancel import SERIES_SCOPES


class DentalAppointmentReschedule(models.TransientModel):
    """Move an appointment to a new time (and optionally dentist or chair) in one write.

    For an appointment of a series, "this and the following" moves the later visits still to come by the
    same time, to the same duration, dentist and chair: all of them or none (``reschedule_following``).
    """

    _name = 'dental.appointment.reschedule'
    _description = 'Reschedule Dental Appointment'
    _inherit = ['dental.wizard.guard']

    appointment_id = fields.Many2one('dental.appointment', required=True, readonly=True)
    # Read as the user (the appointment was checked readable on create): never another company's agenda.
    company_id = fields.Many2one(related='appointment_id.company_id', compute_sudo=False)
    series_id = fields.Many2one(related='appointment_id.series_id', compute_sudo=False)
    series_scope = fields.Selection(SERIES_SCOPES, string='Move', required=True, default='this')
    current_start = fields.Datetime(related='appointment_id.start', string='Current Start', compute_sudo=False)
    start = fields.Datetime(
        string='New Start',
        required=True,
        compute='_compute_from_appointment',
        store=True,
        readonly=False,
        precompute=True,
        compute_sudo=False,
    )
    duration = fields.Float(
        compute='_compute_from_appointment', store=True, readonly=False, precompute=True, compute_sudo=False
    )
    dentist_id = fields.Many2one(
        'res.users',
        compute='_compute_from_appointment',
        store=True,
        readonly=False,
        precompute=True,
        compute_sudo=False,
        domain=dentist_domain,
    )
    chair_id = fields.Many2one(
        'dental.chair',
        compute='_compute_from_appointment',
        store=True,
        readonly=False,
        precompute=True,
        compute_sudo=False,
        domain="[('company_id', '=', company_id)]",
    )

    @api.depends('appointment_id')
    def _compute_from_appointment(self):
        for wizard in self:
            appointment = wizard.appointment_id
            wizard.start = appointment.start
            wizard.duration = appointment.duration
            wizard.dentist_id = appointment.dentist_id
            wizard.chair_id = appointment.chair_id

    def action_reschedule(self):
        self.ensure_one()
        if self.duration <= 0:
            raise UserError(_('The duration must be positive.'))
        stop = self.start + timedelta(minutes=round(self.duration * 60))
        if self.series_scope == 'following':
            self.appointment_id.reschedule_following(self.start, stop, dentist=self.dentist_id, chair=self.chair_id)
        else:
            self.appointment_id.reschedule(self.start, stop, dentist=self.dentist_id, chair=self.chair_id)
        return {'type': 'ir.actions.act_window_close'}

    def action_find_slot(self):
        """Open the slot finder for this appointment's dentist and chair; picking a slot reschedules."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Find a Slot'),
            'res_model': 'dental.slot.finder',
            'view_mode': 'form',
            'target': 'new',
            'context': {
                'default_appointment_id': self.appointment_id.id,
                'default_dentist_id': self.dentist_id.id,
                'default_chair_id': self.chair_id.id,
                'default_duration': self.duration,
            },
        }
