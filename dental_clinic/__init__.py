from . import models
from . import wizard


def _post_init_hook(env):
    """Companies that existed before the addon get their patient file-number sequence now."""
    env['dental.patient']._create_file_number_sequences(env['res.company'].search([]))
