from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.osv import expression


class DentalFieldGuard(models.AbstractModel):
    """What the ORM leaves to the web client, enforced on the server for every dental model.

    Any logged-in user can call ``create``, ``write`` and ``search`` by RPC, so
    nothing may rely on a view hiding a field or marking it read-only:

    * fields the system sets (computed flags, time stamps, who cancelled,
      links kept in sync) cannot be given by a client: ``_dental_system_fields``
      lists those that are not computed, computed fields without an inverse are
      protected by themselves. The model's own methods set them with ``sudo()``
      after their checks;
    * field ``groups`` hold on ``create`` as they do on ``write``;
    * a record cannot be put in a company its user does not belong to;
    * field ``groups`` hold on every way of filtering or grouping: Odoo 18 checks
      them when a stored column is searched or grouped, not for non-stored
      relational fields in a domain nor for many2many group-bys, so the front
      desk could probe ``[('condition_ids', 'in', [diabetes])]``.

    Each model calls ``_dental_check_client_values`` first thing in its own
    ``create`` and ``write``, before it adds values of its own.
    """

    _name = 'dental.field.guard'
    _description = 'Dental rules enforced on the server'
    # Fields set by the system only (besides computed fields without inverse).
    _dental_system_fields = ()
    # Fields a client may give on create but never change afterwards.
    _dental_create_only_fields = ()

    @api.model
    def _dental_protected_fields(self, operation):
        protected = {
            name for name, field in self._fields.items()
            if name in self._dental_system_fields or (field.compute and not field.inverse and field.readonly)
        }
        if operation == 'write':
            protected.update(self._dental_create_only_fields)
        return protected

    @api.model
    def _dental_check_client_values(self, operation, vals_list):
        """Refuse, for a non-superuser caller, values no client may give (see the class docstring)."""
        if self.env.su:
            return
        fnames = {fname for vals in vals_list for fname in vals}
        protected = fnames & self._dental_protected_fields(operation)
        if protected:
            labels = sorted(self._fields[fname]._description_string(self.env) for fname in protected)
            raise AccessError(_(
                'These fields are set by the clinic\'s system, not by hand: %s.', ', '.join(labels)))
        if operation == 'create':
            self.check_field_access_rights('write', [fname for fname in fnames if fname in self._fields])
        if 'company_id' in self._fields:
            companies = {vals['company_id'] for vals in vals_list if vals.get('company_id')}
            if companies - set(self.env.user.company_ids.ids):
                raise AccessError(_('You can only put records in a company you belong to.'))

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
