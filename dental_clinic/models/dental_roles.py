"""The clinic's roles as code refers to them: one place for the group ids and the dentist domain."""

RECEPTIONIST_GROUP = 'dental_clinic.group_dental_receptionist'
DENTIST_GROUP = 'dental_clinic.group_dental_dentist'
MANAGER_GROUP = 'dental_clinic.group_dental_manager'


def dentist_domain(model):
    """Users who may treat patients (members of the dentist group, managers included); a field ``domain``."""
    return [('groups_id', 'in', model.env.ref(DENTIST_GROUP).ids)]
