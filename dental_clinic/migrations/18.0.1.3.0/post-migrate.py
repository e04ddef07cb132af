"""18.0.1.3.0: the trigram index the addon added to every contact's name goes (patients are searched by
their own folded name and the word index; nothing of the addon's reads res_partner's name by pattern)."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL('DROP INDEX IF EXISTS res_partner__name_dental_trgm_index'))
