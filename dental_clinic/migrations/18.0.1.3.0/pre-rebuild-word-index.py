"""18.0.1.3.0: a word index built before pairs of words were indexed (a development build of 18.0.1.2.0) is
dropped, so that the patient model's init() creates and fills it again."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("SELECT to_regclass('dental_patient_name_word') IS NOT NULL"))
    if not cr.fetchone()[0]:
        return
    cr.execute(
        SQL("""
        SELECT EXISTS (SELECT 1 FROM dental_patient WHERE strpos(search_name, ' ') > 0)
           AND NOT EXISTS (SELECT 1 FROM dental_patient_name_word WHERE strpos(word, ' ') > 0)
    """)
    )
    if cr.fetchone()[0]:
        cr.execute(SQL('DROP TABLE dental_patient_word, dental_patient_name_word'))
