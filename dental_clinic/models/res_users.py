from odoo import models


class ResUsers(models.Model):
    _inherit = 'res.users'

    def _dental_edits_shared_records(self):
        """Whether the user may change records shared by every company (no company): a condition, a
        procedure, working hours. They change what every clinic sees, so they belong to the main company
        (the head office, for which the database was made, which the module's own data comes with): its
        users change them; another clinic's manager adds entries of their own company instead.
        """
        self.ensure_one()
        main = self.env.ref('base.main_company', raise_if_not_found=False) or self.env['res.company'].sudo().search(
            [], order='id', limit=1
        )
        return main in self.sudo().company_ids
