from . import dental_condition
from . import dental_patient
from . import dental_tooth_surface
from . import dental_tooth_condition
from . import dental_procedure
from . import dental_treatment
from . import dental_treatment_plan
from . import dental_clinical_note
