from odoo import models


class ResUsers(models.Model):
    _inherit = 'res.users'

    def _dental_in_every_company(self):
        """Whether the user belongs to every company of the database.

        A record without company (a shared condition, procedure or working-hours calendar) changes what
        every clinic sees: the record rules let only such a user change or delete it.
        """
        self.ensure_one()
        return not self.env['res.company'].sudo().search([]) - self.sudo().company_ids
