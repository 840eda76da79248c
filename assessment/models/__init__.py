"""All tables. Each area keeps its tables in its own module; importing this package registers them all."""
from .core import *  # noqa: F401,F403
from .core import (  # noqa: F401
    Answer, Assessment, AssessmentEvent, AuditLog, Evidence, EvidenceBlob, GeneralFigures,
    InstrumentVersion, PriorityDecision, Setting, Unit, UnitAlias, User, utcnow,
)
from .renaksi import *  # noqa
from .consensus import *  # noqa
from .complaints import *  # noqa
