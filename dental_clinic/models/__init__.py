from . import dental_condition
from . import dental_patient
