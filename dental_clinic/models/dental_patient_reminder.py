from odoo import fields, models

from .dental_patient_lgpd import MESSAGE_CONSENTS


class DentalPatient(models.Model):
    """Who receives the patient's reminders, and whether they may be sent at all."""

    _inherit = 'dental.patient'

    dental_reminder_opt_out = fields.Boolean(
        string='No Reminders',
        tracking=True,
        help='The patient asked not to receive reminders or recalls, by any channel.',
    )

    def _dental_message_block(self, channel):
        """{patient id: reason} of these patients who may not receive a message on ``channel``.

        ``opt_out``: the patient asked for no reminders at all; ``no_consent``: their latest consent entry
        for this channel (e-mail, SMS, WhatsApp) is a withdrawal. No entry at all does not block: a
        reminder of a booked visit needs no prior consent. One query for the whole batch.
        """
        blocked = {patient.id: 'opt_out' for patient in self if patient.dental_reminder_opt_out}
        if channel in MESSAGE_CONSENTS:
            others = self.filtered(lambda patient: patient.id not in blocked)
            for patient_id, state in others._dental_consent_states(channel).items():
                if state == 'withdrawn':
                    blocked[patient_id] = 'no_consent'
        return blocked

    def _dental_can_message(self, channel):
        """Whether the clinic may send this patient a message on ``channel`` (e-mail, SMS, WhatsApp)."""
        self.ensure_one()
        return not self._dental_message_block(channel)

    def _dental_reminder_partner(self):
        """The contact who receives the messages: the guardian of a minor, else the patient."""
        self.ensure_one()
        if self.is_minor and self.guardian_id:
            return self.guardian_id
        return self.partner_id
