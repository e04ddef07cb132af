from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    dental_late_cancel_hours = fields.Integer(
        string='Late Cancellation (hours)', default=24,
        help='A cancellation made less than this many hours before the appointment counts as late.')

    def _dental_demo_offline(self):
        """Mark the demo company as already enriched, so that logging in never calls IAP's
        partner-autocomplete over the internet (the field exists only with partner_autocomplete)."""
        if 'iap_enrich_auto_done' in self._fields:
            self.sudo().iap_enrich_auto_done = True
