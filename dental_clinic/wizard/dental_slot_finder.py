from odoo import _, api, fields, models

from ..models.dental_roles import dentist_domain


class DentalSlotFinder(models.TransientModel):
    """Propose the next free slots for a dentist and/or a chair, within working hours."""

    _name = 'dental.slot.finder'
    _description = 'Find an Appointment Slot'

    appointment_id = fields.Many2one(
        'dental.appointment', string='Appointment to Move', readonly=True,
        help='When set, choosing a slot reschedules this appointment; otherwise it starts a new one.')
    patient_id = fields.Many2one('dental.patient', string='Patient')
    dentist_id = fields.Many2one(
        'res.users', string='Dentist', domain=dentist_domain)
    chair_id = fields.Many2one('dental.chair', string='Chair')
    duration = fields.Float(required=True, default=0.5)
    date_from = fields.Datetime(string='From', required=True, default=fields.Datetime.now)
    line_ids = fields.One2many('dental.slot.finder.line', 'finder_id', string='Free Slots', readonly=True)

    def action_search(self):
        self.ensure_one()
        slots = self.env['dental.appointment']._find_slots(
            self.duration, dentist=self.dentist_id, chair=self.chair_id, date_from=self.date_from, limit=10,
            exclude=self.appointment_id)
        self.line_ids = [fields.Command.clear()] + [fields.Command.create({
            'start': slot['start'], 'stop': slot['stop'],
            'chair_id': slot['chair'].id, 'dentist_id': slot['dentist'].id,
        }) for slot in slots]
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
    _order = 'start, id'

    finder_id = fields.Many2one('dental.slot.finder', required=True, ondelete='cascade')
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    chair_id = fields.Many2one('dental.chair', required=True)
    dentist_id = fields.Many2one('res.users', required=True)

    @api.depends('start', 'chair_id', 'dentist_id')
    def _compute_display_name(self):
        for line in self:
            line.display_name = f'{line.start} {line.chair_id.name} {line.dentist_id.name}'

    def action_select(self):
        """Book this slot: reschedule the finder's appointment, or open a new one prefilled."""
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
            'target': 'current',
            'context': {
                'default_patient_id': finder.patient_id.id,
                'default_start': fields.Datetime.to_string(self.start),
                'default_stop': fields.Datetime.to_string(self.stop),
                'default_duration': finder.duration,
                'default_chair_id': self.chair_id.id,
                'default_dentist_id': self.dentist_id.id,
            },
        }
