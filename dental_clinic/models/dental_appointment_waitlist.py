from odoo import _, api, fields, models


class DentalAppointment(models.Model):
    """A cancelled appointment's slot, offered to the short-notice list (``dental.waitlist``)."""

    _inherit = 'dental.appointment'

    waitlist_candidate_count = fields.Integer(
        string='Short-Notice Candidates',
        compute='_compute_waitlist_candidate_count',
        help='Patients of the short-notice list who can take this cancelled slot.',
    )

    @api.depends('state', 'start')
    def _compute_waitlist_candidate_count(self):
        candidates = self._dental_waitlist_candidates_by_appointment()
        for appointment in self:
            appointment.waitlist_candidate_count = len(candidates.get(appointment.id, []))

    def cancel(self, origin, reason):
        result = super().cancel(origin, reason)
        self._dental_offer_freed_slots()
        return result

    def action_open_waitlist_candidates(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Short-notice list for %s', self._format_datetime(self.start)),
            'res_model': 'dental.waitlist',
            'view_mode': 'list,form',
            'views': [(self.env.ref('dental_clinic.dental_waitlist_view_list_candidates').id, 'list'), (False, 'form')],
            'domain': [('id', 'in', self._dental_waitlist_candidates().ids)],
            'context': {'dental_freed_appointment_id': self.id, 'create': False},
        }

    def _dental_freed_slots(self):
        """The slots of these cancelled, future appointments, as ``dental.waitlist._dental_candidates`` takes them."""
        now = fields.Datetime.now()
        return [
            {
                'key': appointment.id,
                'start': appointment.start,
                'stop': appointment.stop,
                'dentist': appointment.dentist_id,
                'company': appointment.company_id,
                'tz': appointment._dental_tz(),
                'patient': appointment.patient_id,
            }
            for appointment in self
            if appointment.state == 'cancelled' and appointment.start and appointment.start > now
        ]

    def _dental_waitlist_candidates_by_appointment(self):
        slots = self._dental_freed_slots()
        if slots:
            # A slot booked again since (its chair or its dentist busy) is no longer free.
            taken = self.sudo().search(
                [
                    ('state', 'not in', ('cancelled', 'no_show')),
                    ('start', '<', max(slot['stop'] for slot in slots)),
                    ('stop', '>', min(slot['start'] for slot in slots)),
                    '|',
                    ('chair_id', 'in', self.chair_id.ids),
                    ('dentist_id', 'in', self.dentist_id.ids),
                ]
            )
            freed = {appointment.id: appointment for appointment in self}
            slots = [
                slot
                for slot in slots
                if not any(
                    other.start < slot['stop']
                    and other.stop > slot['start']
                    and (other.chair_id == freed[slot['key']].chair_id or other.dentist_id == slot['dentist'])
                    for other in taken
                )
            ]
        return self.env['dental.waitlist']._dental_candidates(slots)

    def _dental_waitlist_candidates(self):
        self.ensure_one()
        return self._dental_waitlist_candidates_by_appointment().get(self.id, self.env['dental.waitlist'])

    def _dental_offer_freed_slots(self):
        """A to-do for whoever booked the cancelled appointment, when the short-notice list can fill its slot."""
        candidates = self._dental_waitlist_candidates_by_appointment()
        todo = self.env.ref('mail.mail_activity_data_todo')
        for appointment in self.filtered(lambda a: candidates.get(a.id)):
            booker = appointment.create_uid
            user = booker if booker.active and booker._is_internal() else self.env.user
            appointment.sudo().activity_schedule(
                activity_type_id=todo.id,
                summary=_('Short-notice list: %s patient(s) can take this slot', len(candidates[appointment.id])),
                note=_('Open the appointment and click "Short-Notice List" to book one of them.'),
                user_id=user.id,
            )
