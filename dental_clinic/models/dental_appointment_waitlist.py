from odoo import _, api, fields, models

from .dental_appointment import INACTIVE_STATES, MOVABLE_STATES
from .dental_appointment import DentalAppointment as DentalAppointmentBase

SLOT_KEYS = ('start', 'stop', 'chair_id', 'dentist_id')


class DentalAppointment(models.Model):
    """The slot an appointment frees, by its cancellation or by being moved, offered to the short-notice
    list (``dental.waitlist``)."""

    _inherit = 'dental.appointment'
    _dental_system_fields = (*DentalAppointmentBase._dental_system_fields, *(f'freed_{key}' for key in SLOT_KEYS))

    # The slot the appointment left when it was last moved (a cancelled one frees its own).
    freed_start = fields.Datetime(readonly=True, copy=False)
    freed_stop = fields.Datetime(readonly=True, copy=False)
    freed_chair_id = fields.Many2one('dental.chair', readonly=True, copy=False)
    freed_dentist_id = fields.Many2one('res.users', readonly=True, copy=False)
    waitlist_candidate_count = fields.Integer(
        string='Short-Notice Candidates',
        compute='_compute_waitlist_candidate_count',
        help='Patients of the short-notice list who can take the slot this appointment freed.',
    )

    @api.depends('state', 'start', 'freed_start')
    def _compute_waitlist_candidate_count(self):
        candidates = self._dental_waitlist_candidates_by_appointment()
        for appointment in self:
            appointment.waitlist_candidate_count = len(candidates.get(appointment.id, []))

    @api.model_create_multi
    def create(self, vals_list):
        appointments = super().create(vals_list)
        if not self.env.context.get('dental_waitlist_offer_booking'):
            appointments._dental_expire_waitlist_offers()
        return appointments

    def write(self, vals):
        before = {}
        if 'state' not in vals and any(key in vals for key in (*SLOT_KEYS, 'duration')):
            before = {
                appointment.id: tuple(appointment[key] for key in SLOT_KEYS)
                for appointment in self
                if appointment.state in MOVABLE_STATES
            }
        result = super().write(vals)
        moved = self.filtered(lambda a: a.id in before and tuple(a[key] for key in SLOT_KEYS) != before[a.id])
        for appointment in moved:
            start, stop, chair, dentist = before[appointment.id]
            appointment.sudo().write(
                {'freed_start': start, 'freed_stop': stop, 'freed_chair_id': chair.id, 'freed_dentist_id': dentist.id}
            )
        if moved:
            # Moved into a slot offered to the list: that offer is taken too.
            moved._dental_expire_waitlist_offers()
            moved._dental_offer_freed_slots()
        return result

    def cancel(self, origin, reason):
        result = super().cancel(origin, reason)
        self._dental_offer_freed_slots()
        return result

    def action_open_waitlist_candidates(self):
        self.ensure_one()
        slot = self._dental_freed_slot()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Short-notice list for %s', self._format_datetime(slot['start'] if slot else self.start)),
            'res_model': 'dental.waitlist',
            'view_mode': 'list,form',
            'views': [(self.env.ref('dental_clinic.dental_waitlist_view_list_candidates').id, 'list'), (False, 'form')],
            'domain': [('id', 'in', self._dental_waitlist_candidates().ids)],
            'context': {'dental_freed_appointment_id': self.id, 'create': False},
        }

    def _dental_freed_slot(self):
        """The future slot this appointment freed: its own once cancelled, the one it left once moved."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.state == 'cancelled':
            start, stop, chair, dentist = self.start, self.stop, self.chair_id, self.dentist_id
        elif self.freed_start and self.state not in INACTIVE_STATES:
            start, stop, chair, dentist = self.freed_start, self.freed_stop, self.freed_chair_id, self.freed_dentist_id
        else:
            return None
        if not start or start <= now:
            return None
        return {
            'key': self.id,
            'start': start,
            'stop': stop,
            'chair': chair,
            'dentist': dentist,
            'company': self.company_id,
            'tz': self._dental_tz(),
            'patient': self.patient_id,
        }

    def _dental_waitlist_candidates_by_appointment(self):
        slots = [slot for slot in (appointment._dental_freed_slot() for appointment in self) if slot]
        if slots:
            # A slot booked again since (its chair or its dentist busy) is no longer free.
            taken = self.sudo().search(
                [
                    ('state', 'not in', INACTIVE_STATES),
                    ('start', '<', max(slot['stop'] for slot in slots)),
                    ('stop', '>', min(slot['start'] for slot in slots)),
                    '|',
                    ('chair_id', 'in', [slot['chair'].id for slot in slots]),
                    ('dentist_id', 'in', [slot['dentist'].id for slot in slots]),
                ]
            )
            slots = [
                slot
                for slot in slots
                if not any(
                    other.start < slot['stop']
                    and other.stop > slot['start']
                    and (other.chair_id == slot['chair'] or other.dentist_id == slot['dentist'])
                    for other in taken
                )
            ]
        return self.env['dental.waitlist']._dental_candidates(slots)

    def _dental_waitlist_candidates(self):
        self.ensure_one()
        return self._dental_waitlist_candidates_by_appointment().get(self.id, self.env['dental.waitlist'])

    def _dental_expire_waitlist_offers(self):
        """Offers of slots these new appointments take (booked by hand) expire: one query for the batch."""
        active = self.filtered(lambda a: a.state not in INACTIVE_STATES)
        if not active:
            return
        offers = (
            self.env['dental.waitlist.offer']
            .sudo()
            .search(
                [
                    ('state', '=', 'sent'),
                    ('slot_start', '<', max(active.mapped('stop'))),
                    ('slot_stop', '>', min(active.mapped('start'))),
                    '|',
                    ('chair_id', 'in', active.chair_id.ids),
                    ('dentist_id', 'in', active.dentist_id.ids),
                ]
            )
        )
        offers.filtered(
            lambda offer: any(
                a.start < offer.slot_stop
                and a.stop > offer.slot_start
                and (a.chair_id == offer.chair_id or a.dentist_id == offer.dentist_id)
                for a in active
            )
        ).write({'state': 'expired'})

    def _dental_offer_freed_slots(self):
        """A to-do for whoever booked the appointment, when the short-notice list can fill the slot it freed."""
        candidates = self._dental_waitlist_candidates_by_appointment()
        offered = self.filtered(lambda a: candidates.get(a.id))
        todo = offered and self._dental_freed_slot_activity_type()
        for appointment in offered:
            booker = appointment.create_uid
            user = booker if booker.active and booker._is_internal() else self.env.user
            appointment.sudo().activity_schedule(
                activity_type_id=todo.id,
                summary=_('Short-notice list: %s patient(s) can take the freed slot', len(candidates[appointment.id])),
                note=_('Open the appointment and click "Short-Notice List" to book one of them.'),
                user_id=user.id,
            )

    def _dental_freed_slot_activity_type(self):
        return self.env.ref('dental_clinic.mail_activity_type_freed_slot', raise_if_not_found=False) or self.env.ref(
            'mail.mail_activity_data_todo'
        )

    def _dental_freed_slot_filled(self):
        """The slot these appointments freed was filled from the short-notice list: their to-do is done."""
        activity_type = self._dental_freed_slot_activity_type()
        activities = self.sudo().activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)
        if activities:
            activities.action_feedback(feedback=_('Filled from the short-notice list.'))
