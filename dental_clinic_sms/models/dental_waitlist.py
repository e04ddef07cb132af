from odoo import models


class DentalWaitlist(models.Model):
    _inherit = 'dental.waitlist'

    def action_offer_sms(self):
        return self._dental_offer('sms')
