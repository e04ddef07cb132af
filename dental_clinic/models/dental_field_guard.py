from odoo import api, models
from odoo.osv import expression


class DentalFieldGuard(models.AbstractModel):
    """Enforce field ``groups`` on every way of filtering or grouping records.

    Odoo 18 checks a field's groups when it is read, and when a stored column is
    searched or grouped; it does not for non-stored relational fields in a domain
    nor for many2many group-bys. Patients and appointments carry clinical
    relations (conditions, treatments, notes) that the front desk must not be
    able to probe, e.g. ``[('condition_ids', 'in', [diabetes])]``.
    """

    _name = 'dental.field.guard'
    _description = 'Field groups enforced on search and group-by'

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su and domain:
            fnames = {
                leaf[0].split('.', 1)[0]
                for leaf in expression.normalize_domain(domain)
                if isinstance(leaf, (list, tuple)) and len(leaf) == 3 and isinstance(leaf[0], str)
            }
            self.check_field_access_rights('read', [fname for fname in fnames if fname in self._fields])
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def _read_group_groupby(self, groupby_spec, query):
        self.check_field_access_rights('read', [groupby_spec.split(':')[0].split('.')[0]])
        return super()._read_group_groupby(groupby_spec, query)
