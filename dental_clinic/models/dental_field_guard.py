import math
import unicodedata
from datetime import date, datetime

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.osv import expression

# Dates outside these years are typing mistakes, and overflow date arithmetic.
MIN_YEAR, MAX_YEAR = 1900, 2999
INT4_MAX = 2**31 - 1
# Characters that show nothing: spaces, controls, format characters (zero-width space, joiners, BOM,
# direction marks), lone combining marks, unassigned and private code points, and the "filler"
# letters that render blank (Hangul fillers, braille blank).
INVISIBLE_CATEGORIES = frozenset({'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Mn', 'Me'})
INVISIBLE_CHARACTERS = frozenset('\u115f\u1160\u3164\uffa0\u2800')


def is_blank(text):
    """Whether ``text`` shows nothing a person can read: empty, or only spaces and invisible characters."""
    return not isinstance(text, str) or all(
        char in INVISIBLE_CHARACTERS or unicodedata.category(char) in INVISIBLE_CATEGORIES for char in text
    )


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
    * the ``default_<field>`` keys of the caller's context are values like the
      others: Odoo adds them after ``create`` starts, so the guard folds them
      into the values first and every check sees them;
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
    def _dental_lang_env(self):
        """The caller's language, or the user's when an RPC call comes without a context: labels of
        fields and selections, and dates, in a message read the same way as its translated text."""
        return self.env if self.env.lang else self.with_context(lang=self.env.user.lang).env

    @api.model
    def _dental_protected_fields(self, operation):
        protected = {
            name
            for name, field in self._fields.items()
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
        if operation == 'create':
            self._dental_fold_context_defaults(vals_list)
        fnames = {fname for vals in vals_list for fname in vals}
        protected = fnames & self._dental_protected_fields(operation)
        if protected:
            labels = sorted(self._fields[fname]._description_string(self._dental_lang_env()) for fname in protected)
            raise AccessError(_('These fields are set by the clinic\'s system, not by hand: %s.', ', '.join(labels)))
        if operation == 'create':
            self.check_field_access_rights('write', [fname for fname in fnames if fname in self._fields])
        for vals in vals_list:
            self._dental_check_value_types(vals)
        if 'company_id' in self._fields:
            companies = {vals['company_id'] for vals in vals_list if vals.get('company_id')}
            if companies - set(self.env.user.company_ids.ids):
                raise AccessError(_('You can only put records in a company you belong to.'))

    @api.model
    def _dental_fold_context_defaults(self, vals_list):
        """Put the context's ``default_<field>`` values in ``vals_list`` (in place) where Odoo would use them.

        Odoo adds them later in ``create`` (``_add_missing_default_values``), after the checks: folded here,
        they are checked as what they are, values given by the caller.
        """
        defaults = {
            key[len('default_') :]: value
            for key, value in self.env.context.items()
            if key.startswith('default_') and key[len('default_') :] in self._fields
        }
        if not defaults:
            return
        for vals in vals_list:
            for fname, value in defaults.items():
                field = self._fields[fname]
                if fname in vals or (field.inherited and field.related.split('.')[0] in vals):
                    # Given, or taken from the parent record given: Odoo ignores the default too.
                    continue
                first = value[0] if isinstance(value, (list, tuple)) and value else None
                if field.type == 'many2many' and isinstance(first, int):
                    value = [Command.set(value)]
                elif field.type == 'one2many' and isinstance(first, dict):
                    value = [Command.create(line) for line in value]
                vals[fname] = value

    @api.model
    def _dental_today(self):
        """Today in the clinic's time zone (not the caller's, which a client may choose): the last day a fact
        (a treatment done, ...) may be dated."""
        company = self.env.company
        chair = self.env['dental.chair'].sudo().search([('company_id', '=', company.id)], limit=1)
        tz = chair.resource_calendar_id.tz or company.resource_calendar_id.tz or company.partner_id.tz or 'UTC'
        return fields.Datetime.context_timestamp(self.with_context(tz=tz), fields.Datetime.now()).date()

    @api.model
    def _dental_check_value_types(self, vals):
        """Refuse a value of the wrong type with a clear message, instead of a traceback or a silent cast."""
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if field is None:
                raise ValidationError(_('%s is not a field of this record.', fname))
            if value is False or value is None:
                continue
            label = field._description_string(self._dental_lang_env())
            if not self._dental_value_fits(field, value):
                raise ValidationError(_('%(value)r is not a valid value for %(field)s.', value=value, field=label))

    @api.model
    def _dental_value_fits(self, field, value):
        kind = field.type
        if kind in ('float', 'monetary'):
            return (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and math.isfinite(value)
                and abs(value) < 1e12
            )
        if kind == 'integer':
            return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= INT4_MAX
        if kind == 'boolean':
            return isinstance(value, (bool, int))
        if kind in ('char', 'text', 'html'):
            return isinstance(value, str)
        if kind == 'selection':
            return isinstance(value, str) and value in dict(field._description_selection(self.env))
        if kind == 'many2one':
            return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT4_MAX
        if kind in ('one2many', 'many2many'):
            return isinstance(value, (list, tuple))
        if kind in ('date', 'datetime'):
            if isinstance(value, date):
                parsed = value
            elif isinstance(value, str):
                try:
                    parsed = fields.Datetime.to_datetime(value) if kind == 'datetime' else fields.Date.to_date(value)
                except ValueError:
                    return False
            else:
                return False
            return isinstance(parsed, (date, datetime)) and MIN_YEAR <= parsed.year <= MAX_YEAR
        return True

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

    @api.model
    def _dental_check_linked_records(self, model, vals_list):
        """Refuse, for a non-superuser, values of ``model`` linking to records the user may not read, or to
        records of a company the user is not in.

        Odoo reads the name of a many2one, and related or stored computed fields, as superuser: a wizard
        pointing at another company's appointment would show its patient and times. ``vals_list`` are
        values as ``create``, ``write``, ``default_get`` or ``onchange`` get them.
        """
        if self.env.su:
            return
        links = {}
        for vals in vals_list:
            for fname, value in vals.items():
                field = model._fields.get(fname)
                if field is None or field.type not in ('many2one', 'many2many') or not value:
                    continue
                links.setdefault(field.comodel_name, set()).update(self._dental_linked_ids(field, value))
        user_companies = self.env.user.company_ids
        for comodel, ids in links.items():
            if not ids:
                continue
            records = self.env[comodel].browse(ids)
            if len(records.sudo().exists()) != len(records) or not records.has_access('read'):
                raise AccessError(_('You can only work here with records you are allowed to see.'))
            records = records.sudo()
            if comodel == 'res.company':
                foreign = records - user_companies
            elif 'company_ids' in records._fields:
                foreign = records.filtered(lambda rec: rec.company_ids and not rec.company_ids & user_companies)
            elif 'company_id' in records._fields:
                foreign = records.filtered(lambda rec: rec.company_id and rec.company_id not in user_companies)
            else:
                foreign = records.browse()
            if foreign:
                raise AccessError(_('You can only work here with records of your own companies.'))

    @api.model
    def _dental_linked_ids(self, field, value):
        """Ids a many2one or many2many value links to (commands, lists of ids, ``{'id': ...}`` of the web
        client); new records created through a command are checked by their own model."""
        if field.type == 'many2one':
            value = value.get('id') if isinstance(value, dict) else value
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(_('%r is not a valid value for this field.', value))
            return {value}
        ids = set()
        if not isinstance(value, (list, tuple)):
            raise ValidationError(_('%r is not a valid value for this field.', value))
        for item in value:
            if isinstance(item, int) and not isinstance(item, bool):
                ids.add(item)
            elif isinstance(item, (list, tuple)) and item:
                if item[0] == Command.SET and len(item) == 3:
                    ids.update(item[2] or ())
                elif item[0] in (Command.UPDATE, Command.LINK) and len(item) >= 2:
                    ids.add(item[1])
            elif isinstance(item, dict) and item.get('id'):
                ids.add(item['id'])
        if not all(isinstance(rid, int) and not isinstance(rid, bool) for rid in ids):
            raise ValidationError(_('%r is not a valid value for this field.', value))
        return ids


class DentalWizardGuard(models.AbstractModel):
    """What every dental wizard enforces on the server.

    A wizard is created, changed and computed by any client: its links (appointment, patient, chairs,
    dentists...) must be records the user may read, of the user's companies, however they come
    (values, ``default_*`` keys of the context, an onchange), and a user works on their own wizards
    only (see the record rules on each wizard).
    """

    _name = 'dental.wizard.guard'
    _description = 'Dental wizard rules enforced on the server'

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        self.env['dental.field.guard']._dental_check_linked_records(self, [values])
        return values

    @api.model_create_multi
    def create(self, vals_list):
        # Defaults from the context are added inside create(): check them with the values.
        fnames = {fname for fname, field in self._fields.items() if field.type in ('many2one', 'many2many')}
        defaults = self.default_get(list(fnames - set().union(*vals_list))) if vals_list else {}
        self.env['dental.field.guard']._dental_check_linked_records(self, [defaults, *vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self.env['dental.field.guard']._dental_check_linked_records(self, [vals])
        return super().write(vals)

    def onchange(self, values, field_names, fields_spec):
        if isinstance(values, dict):
            self.env['dental.field.guard']._dental_check_linked_records(self, [values])
        return super().onchange(values, field_names, fields_spec)
