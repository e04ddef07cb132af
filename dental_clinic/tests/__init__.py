from . import test_patient
from . import test_access
from . import test_i18n
