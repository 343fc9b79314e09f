"""Every table on one MetaData, for migrations and for code that needs every foreign key
resolved (factories, benchmarks). A composition module: the platform (server/platform/db) does not
import the domains; this imports them all."""

from server.apps import models as _apps  # noqa: F401
from server.auth import models as _auth  # noqa: F401
from server.banking import models as _banking  # noqa: F401
from server.budgets import models as _budgets  # noqa: F401
from server.crypto import models as _crypto  # noqa: F401
from server.gateway import models as _gateway  # noqa: F401
from server.goals import models as _goals  # noqa: F401
from server.networth import models as _networth  # noqa: F401
from server.organizations import models as _organizations  # noqa: F401
from server.platform.audit import models as _audit  # noqa: F401
from server.platform.db.base import Base
from server.platform.idempotency import models as _idempotency  # noqa: F401
from server.platform.mail import models as _mail  # noqa: F401
from server.platform.metrics import models as _metrics  # noqa: F401
from server.subscriptions import models as _subscriptions  # noqa: F401

metadata = Base.metadata
