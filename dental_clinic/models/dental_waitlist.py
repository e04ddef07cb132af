from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .dental_appointment import DEFAULT_DURATION
from .dental_roles import dentist_domain

WEEKDAY_FIELDS = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')
# Where the morning ends, in the clinic's local time.
NOON = 12
DEFAULT_WAIT_DAYS = 30


class DentalWaitlist(models.Model):
    """The short-notice list (*encaixe*): patients who asked for an earlier time, offered a freed slot.

    An entry says which dentists, days and periods suit the patient, until when,
    and for which procedures (their time must fit the freed slot). When an
    appointment is cancelled, the entries that fit its slot are its candidates,
    in order of waiting time, and one click books the slot for one of them.
    """

    _name = 'dental.waitlist'
    _description = 'Short-Notice List Entry'
    _inherit = ['mail.thread', 'dental.field.guard']
    _order = 'create_date, id'
    _check_company_auto = True
    _dental_system_fields = ('state', 'appointment_id')

    patient_id = fields.Many2one(
        'dental.patient', required=True, index=True, ondelete='cascade', check_company=True, tracking=True
    )
    company_id = fields.Many2one(related='patient_id.company_id', store=True, index=True)
    dentist_ids = fields.Many2many(
        'res.users',
        string='Dentists',
        domain=lambda self: dentist_domain(self),
        help='The dentists the patient accepts; none: any dentist.',
    )
    procedure_ids = fields.Many2many('dental.procedure', string='Procedures', check_company=True)
    duration = fields.Float(
        compute='_compute_duration', store=True, help='Hours the procedures take: the freed slot must be as long.'
    )
    monday = fields.Boolean(default=True)
    tuesday = fields.Boolean(default=True)
    wednesday = fields.Boolean(default=True)
    thursday = fields.Boolean(default=True)
    friday = fields.Boolean(default=True)
    saturday = fields.Boolean(default=True)
    sunday = fields.Boolean(default=False)
    period = fields.Selection(
        [('any', 'Any Time'), ('morning', 'Mornings'), ('afternoon', 'Afternoons')],
        required=True,
        default='any',
    )
    date_until = fields.Date(
        string='Until',
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=DEFAULT_WAIT_DAYS),
    )
    note = fields.Text()
    state = fields.Selection(
        [('waiting', 'Waiting'), ('booked', 'Booked'), ('withdrawn', 'Off the List')],
        required=True,
        default='waiting',
        tracking=True,
    )
    appointment_id = fields.Many2one('dental.appointment', string='Booked Appointment', readonly=True, copy=False)

    @api.depends('procedure_ids.duration')
    def _compute_duration(self):
        for entry in self:
            entry.duration = sum(entry.procedure_ids.mapped('duration')) or DEFAULT_DURATION

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def action_withdraw(self):
        """The patient no longer needs an earlier time."""
        self.filtered(lambda entry: entry.state == 'waiting').sudo().write({'state': 'withdrawn'})
        return True

    def action_book_freed_slot(self):
        """Book the slot freed by the appointment given by the button (``dental_freed_appointment_id``)
        for this entry's patient: every check of a booking applies, and the slot must still fit the entry."""
        self.ensure_one()
        self.check_access('write')
        freed = self.env['dental.appointment'].browse(self.env.context.get('dental_freed_appointment_id')).exists()
        if not freed:
            raise UserError(_('Open the appointment whose freed slot you want to fill.'))
        freed.check_access('read')
        slot = freed._dental_freed_slot()
        if not slot or self not in freed._dental_waitlist_candidates():
            raise UserError(_('This patient can no longer take this slot (it was taken, or it no longer fits).'))
        appointment = self.env['dental.appointment'].create(
            {
                'patient_id': self.patient_id.id,
                'dentist_id': slot['dentist'].id,
                'chair_id': slot['chair'].id,
                'start': slot['start'],
                'duration': min(self.duration, (slot['stop'] - slot['start']).total_seconds() / 3600),
                'procedure_ids': [fields.Command.set(self.procedure_ids.ids)],
            }
        )
        self.sudo().write({'state': 'booked', 'appointment_id': appointment.id})
        appointment.message_post(body=_('Booked from the short-notice list, in a freed slot.'))
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'dental.appointment',
            'res_id': appointment.id,
            'view_mode': 'form',
            'target': 'current',
        }

    @api.model
    def _dental_candidates(self, slots):
        """{slot key: entries that fit it, longest waiting first} for ``slots``, dicts of ``key``, ``start``,
        ``stop`` (naive UTC), ``dentist``, ``company``, ``tz`` and ``patient`` (whose slot it was). Two queries
        whatever the number of slots: the entries, then the candidates' overlapping appointments."""
        if not slots:
            return {}
        entries = self.sudo().search(
            [
                ('state', '=', 'waiting'),
                ('company_id', 'in', list({slot['company'].id for slot in slots})),
                ('date_until', '>=', min(slot['start'] for slot in slots).date()),
            ]
        )
        busy = {}
        for appointment in (
            self.env['dental.appointment']
            .sudo()
            .search_fetch(
                [
                    ('patient_id', 'in', entries.patient_id.ids),
                    ('state', 'not in', ('cancelled', 'no_show')),
                    ('start', '<', max(slot['stop'] for slot in slots)),
                    ('stop', '>', min(slot['start'] for slot in slots)),
                ],
                ['patient_id', 'start', 'stop'],
            )
        ):
            busy.setdefault(appointment.patient_id.id, []).append((appointment.start, appointment.stop))
        found = {}
        for slot in slots:
            local = pytz.utc.localize(slot['start']).astimezone(pytz.timezone(slot['tz']))
            period = 'morning' if local.hour < NOON else 'afternoon'
            hours = (slot['stop'] - slot['start']).total_seconds() / 3600
            found[slot['key']] = entries.filtered(
                lambda entry, slot=slot, local=local, period=period, hours=hours: (
                    entry.company_id == slot['company']
                    and entry.patient_id != slot['patient']
                    and entry.date_until >= local.date()
                    and (not entry.dentist_ids or slot['dentist'] in entry.dentist_ids)
                    and entry[WEEKDAY_FIELDS[local.weekday()]]
                    and entry.period in ('any', period)
                    and entry.duration <= hours + 1e-6
                    and not any(
                        start < slot['stop'] and stop > slot['start']
                        for start, stop in busy.get(entry.patient_id.id, ())
                    )
                )
            )
        return found
