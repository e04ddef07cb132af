from . import test_patient
from . import test_access
from . import test_i18n
from . import test_clinical
from . import test_clinical_notes
from . import test_clinical_access
from . import test_clinical_tour
