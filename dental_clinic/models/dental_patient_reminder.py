from odoo import fields, models


class DentalPatient(models.Model):
    """Who receives the patient's reminders, and whether they may be sent at all."""

    _inherit = 'dental.patient'

    dental_reminder_opt_out = fields.Boolean(
        string='No Reminders',
        tracking=True,
        help='The patient asked not to receive reminders or recalls, by any channel.',
    )

    def _dental_can_message(self, channel):
        """Whether the clinic may send this patient a message on ``channel`` (e-mail, SMS).

        One place to hook other reasons not to write (e.g. consent withdrawn).
        """
        self.ensure_one()
        return not self.dental_reminder_opt_out

    def _dental_reminder_partner(self):
        """The contact who receives the messages: the guardian of a minor, else the patient."""
        self.ensure_one()
        if self.is_minor and self.guardian_id:
            return self.guardian_id
        return self.partner_id
