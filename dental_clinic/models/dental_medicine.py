from odoo import _, api, fields, models
from odoo.exceptions import AccessError

MEDICINE_USES = [('internal', 'Internal Use'), ('external', 'External Use')]


class DentalMedicine(models.Model):
    """The clinic's own list of the medicines it prescribes, with its usual instructions as plain text
    (what the clinic writes, never computed); a prescription line copies an entry and may change it."""

    _name = 'dental.medicine'
    _inherit = ['dental.field.guard']
    _description = 'Medicine (Catalogue)'
    _order = 'name, concentration, id'

    name = fields.Char(string='Medicine', required=True, translate=False)
    concentration = fields.Char()
    pharmaceutical_form = fields.Char()
    quantity = fields.Char()
    posology = fields.Text(string='How to Take', help='The clinic\'s usual instructions, copied to the line.')
    use = fields.Selection(MEDICINE_USES, required=True, default='internal')
    company_id = fields.Many2one('res.company', index=True, help='Empty: shared by every clinic.')
    active = fields.Boolean(default=True)

    @api.depends('name', 'concentration', 'pharmaceutical_form')
    def _compute_display_name(self):
        for medicine in self:
            medicine.display_name = ' '.join(
                filter(None, (medicine.name, medicine.concentration, medicine.pharmaceutical_form))
            )

    @api.model
    def _dental_check_catalogue_values(self, vals_list):
        """A line may only copy an entry of the catalogue the user sees."""
        ids = {vals['medicine_id'] for vals in vals_list if vals.get('medicine_id')}
        if ids and not self.env.su:
            medicines = self.browse(ids)
            if len(medicines.sudo().exists()) != len(medicines) or not medicines.has_access('read'):
                raise AccessError(_('You can only work here with records you are allowed to see.'))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)
