"""18.0.1.1.0: unique rules that hold for translated names and shared records replace two UNIQUE constraints."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    for table, constraint in (
        ('dental_condition', 'dental_condition_name_company_uniq'),
        ('dental_procedure', 'dental_procedure_code_company_uniq'),
    ):
        cr.execute(
            SQL('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s', SQL.identifier(table), SQL.identifier(constraint))
        )
        cr.execute(SQL('DELETE FROM ir_model_constraint WHERE name = %s', constraint))
