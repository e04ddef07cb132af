from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .dental_appointment import INACTIVE_STATES
from .dental_roles import DENTIST_GROUP, MANAGER_GROUP


class ResourceCalendarLeaves(models.Model):
    """A dentist's absence (vacation, congress, sick leave) is a leave of their resource.

    Bookings during it are refused; the ones made before it was entered are listed, never cancelled.
    """

    _inherit = 'resource.calendar.leaves'

    dental_absence_type = fields.Selection(
        [
            ('vacation', 'Vacation'),
            ('congress', 'Congress or Course'),
            ('sick', 'Sick Leave'),
            ('other', 'Other'),
        ],
        string='Absence Type',
        default='other',
        required=True,
        help='What the front desk sees of the absence (calendar, Today board); the reason may stay private.',
    )
    dental_appointment_ids = fields.Many2many(
        'dental.appointment',
        string='Appointments to Move',
        compute='_compute_dental_appointment_ids',
        help='Booked appointments of this dentist during the absence: the front desk moves them.',
    )
    dental_appointment_count = fields.Integer(compute='_compute_dental_appointment_ids')

    @api.depends('resource_id', 'date_from', 'date_to')
    def _compute_dental_appointment_ids(self):
        Appointment = self.env['dental.appointment']
        leaves = self.filtered(lambda leave: leave.resource_id.user_id and leave.date_from and leave.date_to)
        booked = Appointment.browse()
        if leaves:
            booked = Appointment.search(
                [
                    ('dentist_id', 'in', leaves.resource_id.user_id.ids),
                    ('state', 'not in', INACTIVE_STATES),
                    ('start', '<', max(leaves.mapped('date_to'))),
                    ('stop', '>', min(leaves.mapped('date_from'))),
                ]
            )
        for leave in self:
            leave.dental_appointment_ids = booked.filtered(
                lambda a, leave=leave: (
                    leave in leaves
                    and a.dentist_id == leave.resource_id.user_id
                    and a.start < leave.date_to
                    and a.stop > leave.date_from
                )
            )
            leave.dental_appointment_count = len(leave.dental_appointment_ids)

    def action_dental_view_appointments(self):
        """The appointments booked during this absence, for the front desk to move."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Appointments to Move'),
            'res_model': 'dental.appointment',
            'view_mode': 'list,form',
            'domain': [('id', 'in', self.dental_appointment_ids.ids)],
        }

    def _dental_check_absence_rights(self, resource_ids):
        """Only a manager edits anyone's absence; a dentist edits their own only; others none."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        resources = self.env['resource.resource'].sudo().browse(resource_ids).exists()
        users = resources.user_id
        if not users:
            return
        if users != self.env.user or not self.env.user.has_group(DENTIST_GROUP):
            raise AccessError(_("Only a manager may change another dentist's absences."))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_absence_rights([vals['resource_id'] for vals in vals_list if vals.get('resource_id')])
        leaves = super().create(vals_list)
        leaves._dental_notify_front_desk()
        return leaves

    def write(self, vals):
        resource_ids = self.sudo().resource_id.ids
        if vals.get('resource_id'):
            resource_ids.append(vals['resource_id'])
        self._dental_check_absence_rights(resource_ids)
        result = super().write(vals)
        if {'resource_id', 'date_from', 'date_to'} & set(vals):
            self._dental_notify_front_desk()
        return result

    def _dental_notify_front_desk(self):
        """A to-do on each appointment booked during the absence, for whoever booked it to move it.

        As superuser: the dentist entering their own absence may not write the appointments.
        """
        for leave in self.sudo():
            for appointment in leave.dental_appointment_ids:
                appointment.activity_schedule(
                    'mail.mail_activity_data_todo',
                    user_id=appointment._dental_front_desk_user().id,
                    summary=_('Move: the dentist is absent'),
                    note=_(
                        'The dentist is absent at this time (%s): offer the patient another time.',
                        leave._dental_absence_label(),
                    ),
                )

    def unlink(self):
        self._dental_check_absence_rights(self.sudo().resource_id.ids)
        return super().unlink()

    def _dental_absence_label(self):
        """The absence's type as the front desk sees it (never its reason, which may be private)."""
        self.ensure_one()
        types = dict(self._fields['dental_absence_type']._description_selection(self.env))
        return types.get(self.dental_absence_type) or types['other']
