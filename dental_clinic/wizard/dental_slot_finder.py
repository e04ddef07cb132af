from odoo import _, api, fields, models
from odoo.tools import format_datetime

from ..models.dental_roles import dentist_domain


class DentalSlotFinder(models.TransientModel):
    """Propose the next free slots for a dentist and/or a chair, within working hours."""

    _name = 'dental.slot.finder'
    _description = 'Find an Appointment Slot'
    _inherit = ['dental.wizard.guard']

    appointment_id = fields.Many2one(
        'dental.appointment',
        string='Appointment to Move',
        readonly=True,
        help='When set, choosing a slot reschedules this appointment; otherwise it starts a new one.',
    )
    patient_id = fields.Many2one('dental.patient')
    dentist_id = fields.Many2one('res.users', domain=dentist_domain)
    chair_id = fields.Many2one('dental.chair')
    procedure_ids = fields.Many2many(
        'dental.procedure',
        string='Procedures',
        help='Procedures of the visit: the duration is the sum of their default durations.',
    )
    duration = fields.Float(
        required=True,
        compute='_compute_duration',
        store=True,
        readonly=False,
        precompute=True,
        compute_sudo=False,
    )
    date_from = fields.Datetime(string='From', required=True, default=fields.Datetime.now)
    line_ids = fields.One2many('dental.slot.finder.line', 'finder_id', string='Free Slots', readonly=True)

    @api.depends('procedure_ids')
    def _compute_duration(self):
        for finder in self:
            if finder.procedure_ids or not finder.duration:
                finder.duration = self.env['dental.appointment']._planned_duration(finder.procedure_ids)

    def action_search(self):
        self.ensure_one()
        slots = self.env['dental.appointment']._find_slots(
            self.duration,
            dentist=self.dentist_id,
            chair=self.chair_id,
            date_from=self.date_from,
            limit=10,
            exclude=self.appointment_id,
        )
        self.line_ids = [fields.Command.clear()] + [
            fields.Command.create(
                {
                    'start': slot['start'],
                    'stop': slot['stop'],
                    'chair_id': slot['chair'].id,
                    'dentist_id': slot['dentist'].id,
                }
            )
            for slot in slots
        ]
        return {
            'type': 'ir.actions.act_window',
            'name': _('Find a Slot'),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
        }


class DentalSlotFinderLine(models.TransientModel):
    _name = 'dental.slot.finder.line'
    _description = 'Free Appointment Slot'
    _inherit = ['dental.wizard.guard']
    _order = 'start, id'

    finder_id = fields.Many2one('dental.slot.finder', required=True, ondelete='cascade')
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    chair_id = fields.Many2one('dental.chair', required=True)
    dentist_id = fields.Many2one('res.users', required=True)
    slot_label = fields.Char(string='Time', compute='_compute_slot_label')

    @api.depends('start', 'stop')
    def _compute_slot_label(self):
        """Day and hours in the user's time zone (the clinic's when the user has none)."""
        for line in self:
            tz = self.env.user.tz or line.chair_id.resource_calendar_id.tz or 'UTC'
            if not line.start:
                line.slot_label = False
                continue
            start = format_datetime(self.env, line.start, tz=tz, dt_format='EEE dd/MM/yyyy HH:mm')
            stop = format_datetime(self.env, line.stop, tz=tz, dt_format='HH:mm')
            line.slot_label = f'{start} – {stop}'

    @api.depends('slot_label', 'chair_id', 'dentist_id')
    def _compute_display_name(self):
        for line in self:
            line.display_name = f'{line.slot_label} {line.chair_id.name} {line.dentist_id.name}'

    def action_select(self):
        """Book this slot with the dentist and chair shown: reschedule the finder's appointment, or open a new
        one prefilled with the patient and procedures."""
        self.ensure_one()
        finder = self.finder_id
        if finder.appointment_id:
            finder.appointment_id.reschedule(self.start, self.stop, dentist=self.dentist_id, chair=self.chair_id)
            return {'type': 'ir.actions.act_window_close'}
        return {
            'type': 'ir.actions.act_window',
            'name': _('New Appointment'),
            'res_model': 'dental.appointment',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
            'context': {
                'default_patient_id': finder.patient_id.id,
                'default_start': fields.Datetime.to_string(self.start),
                'default_stop': fields.Datetime.to_string(self.stop),
                'default_duration': (self.stop - self.start).total_seconds() / 3600,
                'default_chair_id': self.chair_id.id,
                'default_dentist_id': self.dentist_id.id,
                'default_procedure_ids': finder.procedure_ids.ids,
            },
        }
